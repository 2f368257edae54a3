// A test source that emits exactly the chunks, offsets and failures a test scripts, on demand.
import { SourceError } from '../../../src-main/core/errors.js';
import { ListenerSet, type SignalSource, type SourceEvent, type SourceState } from '../../../src-main/core/streams/source.js';
import type { StreamInfo } from '../../../src-main/core/streams/types.js';

export class ScriptedSource implements SignalSource {
  readonly label: string;
  state: SourceState = 'idle';
  failStop = false;
  failStart = false;
  private readonly listeners = new ListenerSet<SourceEvent>();

  constructor(
    readonly id: string,
    readonly streams: StreamInfo[],
  ) {
    this.label = `scripted ${id}`;
  }

  subscribe(listener: (e: SourceEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  async start(): Promise<void> {
    if (this.state === 'released') throw new SourceError('RELEASED', this.id, 'released');
    if (this.failStart) throw new Error('device not found');
    this.state = 'running';
  }

  async stop(): Promise<void> {
    if (this.failStop) throw new Error('port vanished while stopping');
    if (this.state === 'running') this.state = 'stopped';
  }

  async release(): Promise<void> {
    this.state = 'released';
  }

  emit(event: SourceEvent): void {
    this.listeners.emit(event);
  }

  /** Emit n samples of a ramp starting at counter `first`, timestamps first/rate + t0. */
  emitRamp(streamId: string, first: number, n: number, rateHz: number, t0Sec = 0): void {
    const info = this.streams.find((s) => s.id === streamId);
    if (!info) throw new Error(`no stream ${streamId}`);
    const c = info.channels.length;
    const values = new Float32Array(n * c);
    const timestamps = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      timestamps[i] = t0Sec + (first + i) / rateHz;
      for (let k = 0; k < c; k++) values[i * c + k] = first + i + k / 10;
    }
    this.emit({ kind: 'chunk', chunk: { streamId, values, timestamps, firstIndex: first } });
  }
}

export function numericStream(id: string, sourceId: string, channels: number, rateHz: number, type = 'EEG'): StreamInfo {
  return {
    id,
    name: id,
    type,
    channels: Array.from({ length: channels }, (_, i) => ({ label: `C${i + 1}`, unit: 'microvolts' })),
    channelFormat: 'float32',
    nominalRateHz: rateHz,
    sourceId,
  };
}
