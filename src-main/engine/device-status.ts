// Per-device status for the device panel and the API: connected or not, measured vs nominal
// rate, samples lost, age of the last sample, last error. Built only from SessionEngine events
// and stats (no hooks into sources), published on a timer and at every state change.

import type { SignalSource, SourceState } from '../core/streams/source.js';
import { ListenerSet } from '../core/streams/source.js';
import type { SessionEngine } from './session-engine.js';

export interface StreamStatus {
  streamId: string;
  type: string;
  nominalRateHz: number;
  /** Samples per second over the last `windowSec` of arrivals (0 when nothing arrived). */
  measuredRateHz: number;
  receivedSamples: number;
  /** Samples known lost from counter jumps (packet loss, unplugged intervals). */
  lostSamples: number;
  gaps: number;
  /** Session seconds since the newest sample's timestamp; null before the first sample. */
  lastSampleAgeSec: number | null;
}

export interface DeviceStatus {
  sourceId: string;
  label: string;
  state: SourceState | 'unknown';
  connected: boolean;
  streams: StreamStatus[];
  lastError: { code: string; message: string; atSec: number } | null;
  /** Serial transports: frames rejected by the parser and resynchronisations. */
  parser?: { badFrames: number; resyncs: number };
}

export interface DeviceStatusOptions {
  /** Sources, for labels, initial states and parser counters (optional). */
  sources?: readonly SignalSource[];
  /** Rate window in seconds (default 5). */
  windowSec?: number;
}

interface Arrivals {
  /** Ring of (arrival session time, samples) pairs. */
  times: Float64Array;
  counts: Float64Array;
  head: number;
  size: number;
}

const RING = 256;

export class DeviceStatusMonitor {
  private readonly states = new Map<string, SourceState>();
  private readonly errors = new Map<string, DeviceStatus['lastError']>();
  private readonly arrivals = new Map<string, Arrivals>();
  private readonly listeners = new ListenerSet<DeviceStatus[]>();
  private readonly windowSec: number;
  private readonly sources: readonly SignalSource[];
  private readonly off: () => void;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly engine: SessionEngine,
    opts: DeviceStatusOptions = {},
  ) {
    this.windowSec = opts.windowSec ?? 5;
    this.sources = opts.sources ?? [];
    for (const s of this.sources) this.states.set(s.id, s.state);
    this.off = engine.subscribe((e) => {
      switch (e.kind) {
        case 'chunk':
          this.onArrival(e.chunk.streamId, e.chunk.timestampsSec.length);
          break;
        case 'sourceState':
          this.states.set(e.sourceId, e.state);
          this.publish();
          break;
        case 'sourceError':
          this.errors.set(e.sourceId, { code: e.error.code, message: e.error.message, atSec: this.engine.clock.nowSec() });
          break;
      }
    });
  }

  /** Receive a snapshot every `intervalMs` (and at every state change) until unsubscribed. */
  subscribe(listener: (status: DeviceStatus[]) => void, intervalMs = 1000): () => void {
    const off = this.listeners.add(listener);
    if (!this.timer) this.timer = setInterval(() => this.publish(), intervalMs);
    return () => {
      off();
      if (this.listeners.size === 0) this.clearTimer();
    };
  }

  /** Stop listening to the engine and publishing. */
  dispose(): void {
    this.off();
    this.clearTimer();
    this.listeners.clear();
  }

  snapshot(): DeviceStatus[] {
    const now = this.engine.clock.nowSec();
    const bySource = new Map<string, DeviceStatus>();
    for (const st of this.engine.stats()) {
      const sourceId = st.info.sourceId;
      let dev = bySource.get(sourceId);
      if (!dev) {
        const source = this.sources.find((s) => s.id === sourceId);
        const state = this.states.get(sourceId) ?? 'unknown';
        dev = { sourceId, label: source?.label ?? sourceId, state, connected: state === 'running', streams: [], lastError: this.errors.get(sourceId) ?? null };
        const parser = (source as { parserStats?: { badFrames: number; resyncs: number } } | undefined)?.parserStats;
        if (parser) dev.parser = { badFrames: parser.badFrames, resyncs: parser.resyncs };
        bySource.set(sourceId, dev);
      }
      dev.streams.push({
        streamId: st.info.id,
        type: String(st.info.type),
        nominalRateHz: st.info.nominalRateHz,
        measuredRateHz: this.measuredRate(st.info.id, now),
        receivedSamples: st.receivedSamples,
        lostSamples: st.lostSamples,
        gaps: st.gaps,
        lastSampleAgeSec: Number.isFinite(st.lastTimeSec) ? Math.max(0, now - st.lastTimeSec) : null,
      });
    }
    return [...bySource.values()];
  }

  private publish(): void {
    if (this.listeners.size > 0) this.listeners.emit(this.snapshot());
  }

  private clearTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private onArrival(streamId: string, n: number): void {
    let a = this.arrivals.get(streamId);
    if (!a) {
      a = { times: new Float64Array(RING), counts: new Float64Array(RING), head: 0, size: 0 };
      this.arrivals.set(streamId, a);
    }
    a.times[a.head] = this.engine.clock.nowSec();
    a.counts[a.head] = n;
    a.head = (a.head + 1) % RING;
    if (a.size < RING) a.size++;
  }

  /** Samples per second arriving within the last windowSec (between the oldest and newest chunk in it). */
  private measuredRate(streamId: string, now: number): number {
    const a = this.arrivals.get(streamId);
    if (!a || a.size === 0) return 0;
    let samples = 0;
    let oldest = Number.NaN;
    let firstCount = 0;
    const newest = a.times[(a.head - 1 + RING) % RING];
    // A device that stopped sending has no current rate.
    if (now - newest > this.windowSec) return 0;
    for (let k = 1; k <= a.size; k++) {
      const i = (a.head - k + RING) % RING;
      if (now - a.times[i] > this.windowSec) break;
      samples += a.counts[i];
      oldest = a.times[i];
      firstCount = a.counts[i];
    }
    // Between the oldest and the newest arrival in the window: what came after the oldest
    // chunk, over the time it took (ending at "now" instead would read low between chunks).
    const spanSec = newest - oldest;
    samples -= firstCount;
    return spanSec > 0 ? samples / spanSec : 0;
  }
}
