// Collects decoded samples of one stream into a preallocated row-major buffer and hands
// contiguous runs to the SampleSink (serial/<protocol>/parser.ts -> SerialSource).

import type { SampleSink } from '../protocol.js';

export class SampleBatcher {
  readonly values: Float32Array;
  private readonly deviceTimes: Float64Array | null;
  private count = 0;
  private firstIndex = 0;

  constructor(
    readonly streamKey: string,
    readonly channelCount: number,
    private readonly sink: SampleSink,
    readonly capacity = 64,
    withDeviceTime = false,
  ) {
    this.values = new Float32Array(capacity * channelCount);
    this.deviceTimes = withDeviceTime ? new Float64Array(capacity) : null;
  }

  /**
   * Reserve the row for a sample with counter `index` and return its offset in `values`;
   * the caller writes `channelCount` values there. Flushes first when the run breaks.
   */
  row(index: number, deviceTimeSec = Number.NaN): number {
    if (this.count > 0 && (index !== this.firstIndex + this.count || this.count === this.capacity)) this.flush();
    if (this.count === 0) this.firstIndex = index;
    if (this.deviceTimes) this.deviceTimes[this.count] = deviceTimeSec;
    return this.count++ * this.channelCount;
  }

  flush(): void {
    if (this.count === 0) return;
    const n = this.count;
    this.count = 0;
    if (this.deviceTimes) this.sink(this.streamKey, this.firstIndex, this.values, n, this.deviceTimes);
    else this.sink(this.streamKey, this.firstIndex, this.values, n);
  }

  /** Forget staged samples without emitting them. */
  discard(): void {
    this.count = 0;
  }
}
