// Per-stream ring buffer over preallocated typed arrays: the engine keeps the most recent
// samples of every stream here (session-clock timestamps) for the aligner, the live model
// and the UI publishers. Writing and reading never allocate per sample.

import { StreamError } from '../errors.js';

export interface RingReadResult {
  /** Samples copied (row-major, count x channelCount). */
  values: Float32Array;
  timestamps: Float64Array;
  /** Sample counter of each copied sample, for gap-aware consumers. */
  indices: Float64Array;
  count: number;
}

export class RingBuffer {
  readonly channelCount: number;
  readonly capacity: number;
  private readonly values: Float32Array;
  private readonly times: Float64Array;
  private readonly counters: Float64Array;
  /** Position of the next write (in samples, modulo capacity). */
  private head = 0;
  private filled = 0;
  private written = 0;

  constructor(channelCount: number, capacitySamples: number) {
    if (!Number.isInteger(channelCount) || channelCount < 1) {
      throw new StreamError('BAD_CHANNEL_COUNT', `ring buffer channelCount must be a positive integer, got ${channelCount}`);
    }
    if (!Number.isInteger(capacitySamples) || capacitySamples < 1) {
      throw new StreamError('BAD_CAPACITY', `ring buffer capacity must be a positive integer, got ${capacitySamples}`);
    }
    this.channelCount = channelCount;
    this.capacity = capacitySamples;
    this.values = new Float32Array(channelCount * capacitySamples);
    this.times = new Float64Array(capacitySamples);
    this.counters = new Float64Array(capacitySamples);
  }

  /** Samples currently held (<= capacity). */
  get size(): number {
    return this.filled;
  }

  /** Samples ever pushed. */
  get totalWritten(): number {
    return this.written;
  }

  get oldestTimeSec(): number {
    return this.filled === 0 ? Number.NaN : this.times[this.slot(0)];
  }

  get latestTimeSec(): number {
    return this.filled === 0 ? Number.NaN : this.times[this.slot(this.filled - 1)];
  }

  /**
   * Append `n = timestamps.length` samples. `values` is n x channelCount row-major;
   * `firstIndex` is the sample counter of the first one. When more than `capacity` samples
   * arrive at once only the newest `capacity` are kept.
   */
  push(values: Float32Array, timestamps: Float64Array, firstIndex: number): void {
    const n = timestamps.length;
    const c = this.channelCount;
    if (values.length !== n * c) {
      throw new StreamError(
        'BAD_CHUNK_SHAPE',
        `ring buffer push: ${values.length} values for ${n} timestamps x ${c} channels (expected ${n * c})`,
      );
    }
    let skip = 0;
    if (n > this.capacity) skip = n - this.capacity;
    for (let i = skip; i < n; ) {
      // Copy the longest run that fits before the end of the backing arrays.
      const run = Math.min(n - i, this.capacity - this.head);
      this.values.set(values.subarray(i * c, (i + run) * c), this.head * c);
      this.times.set(timestamps.subarray(i, i + run), this.head);
      for (let k = 0; k < run; k++) this.counters[this.head + k] = firstIndex + i + k;
      this.head = (this.head + run) % this.capacity;
      i += run;
    }
    this.written += n;
    this.filled = Math.min(this.capacity, this.filled + n);
  }

  clear(): void {
    this.head = 0;
    this.filled = 0;
  }

  /** Logical position (0 = oldest) of the first held sample with time >= tSec (binary search). */
  lowerBound(tSec: number): number {
    let lo = 0;
    let hi = this.filled;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.times[this.slot(mid)] < tSec) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Copy the samples with t0Sec <= t < t1Sec. Pass `out` (from an earlier call, or
   * `allocateRead`) to reuse its arrays; it is grown only when too small.
   */
  readRange(t0Sec: number, t1Sec: number, out?: RingReadResult): RingReadResult {
    const from = this.lowerBound(t0Sec);
    const to = this.lowerBound(t1Sec);
    return this.copy(from, Math.max(0, to - from), out);
  }

  /** Copy the newest `n` samples (fewer if fewer are held). */
  readLast(n: number, out?: RingReadResult): RingReadResult {
    const count = Math.max(0, Math.min(n, this.filled));
    return this.copy(this.filled - count, count, out);
  }

  /** Preallocate a read result able to hold `n` samples without growing. */
  allocateRead(n: number): RingReadResult {
    return {
      values: new Float32Array(n * this.channelCount),
      timestamps: new Float64Array(n),
      indices: new Float64Array(n),
      count: 0,
    };
  }

  private slot(logical: number): number {
    const start = (this.head - this.filled + this.capacity) % this.capacity;
    return (start + logical) % this.capacity;
  }

  private copy(from: number, count: number, out?: RingReadResult): RingReadResult {
    const c = this.channelCount;
    const result = out && out.timestamps.length >= count ? out : this.allocateRead(count);
    let done = 0;
    while (done < count) {
      const s = this.slot(from + done);
      const run = Math.min(count - done, this.capacity - s);
      result.values.set(this.values.subarray(s * c, (s + run) * c), done * c);
      result.timestamps.set(this.times.subarray(s, s + run), done);
      result.indices.set(this.counters.subarray(s, s + run), done);
      done += run;
    }
    result.count = count;
    return result;
  }
}
