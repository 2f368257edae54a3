// Session orchestration: sources -> (recorder, clock sync -> dejitter -> ring buffers) ->
// subscribers. One engine runs one session at a time. Starting follows dependency order
// (recorder, then sources); stopping runs in reverse and always finishes the recorder
// (footers written, file synced) even when a source or a subscriber failed.

import { SourceError } from '../core/errors.js';
import { ClockSync } from '../core/streams/clock-sync.js';
import { OnlineDejitter } from '../core/streams/dejitter.js';
import { GapDetector, type Gap } from '../core/streams/gap-detector.js';
import { RingBuffer } from '../core/streams/ring-buffer.js';
import { ListenerSet, type SignalSource, type SourceState } from '../core/streams/source.js';
import type { SessionClock } from '../core/streams/clock.js';
import type { ClockOffsetMeasurement, StreamInfo } from '../core/streams/types.js';
import { EngineError } from './errors.js';
import { SessionRecorder, type StreamRecordStats } from './recorder.js';

export interface SessionMetadata {
  /** Pseudonymous subject id; never a name. */
  subject?: string;
  protocol?: string;
  notes?: string;
  [key: string]: string | undefined;
}

/** A chunk on the session timeline, as subscribers (aligner, model, UI) see it. */
export interface SessionChunk {
  streamId: string;
  /** n x channels, row-major; strings for string streams. Do not keep: views may be reused. */
  values: Float32Array | string[];
  /** Synchronised and dejittered timestamps, seconds on the session clock. */
  timestampsSec: Float64Array;
  firstIndex: number;
}

export type EngineEvent =
  | { kind: 'chunk'; chunk: SessionChunk }
  | { kind: 'gap'; streamId: string; gap: Gap }
  | { kind: 'sourceState'; sourceId: string; state: SourceState; detail?: string }
  | { kind: 'sourceError'; sourceId: string; error: SourceError }
  | { kind: 'clockOffset'; measurement: ClockOffsetMeasurement }
  | { kind: 'recorderError'; error: Error }
  | { kind: 'session'; state: 'started' | 'stopped'; path?: string };

export interface EngineOptions {
  /** The session clock (host monotonic for live devices, virtual time for accelerated simulation). */
  clock: SessionClock;
  /** Seconds of history kept per stream for the live path (default 60). */
  bufferSec?: number;
}

export interface StartOptions {
  /** Record to this XDF file; omit to run without recording. */
  recordPath?: string;
  metadata?: SessionMetadata;
  fsyncIntervalMs?: number;
}

export interface StreamStats {
  info: StreamInfo;
  receivedSamples: number;
  lostSamples: number;
  gaps: number;
  lastTimeSec: number;
}

interface StreamState {
  info: StreamInfo;
  gaps: GapDetector;
  dejitter: OnlineDejitter | null;
  buffer: RingBuffer | null;
  /** Scratch for session-time timestamps, grown when a larger chunk arrives. */
  scratch: Float64Array;
  lastTimeSec: number;
}

export class SessionEngine {
  readonly clock: SessionClock;
  private readonly bufferSec: number;
  private readonly sources: SignalSource[] = [];
  private readonly unsubscribers: Array<() => void> = [];
  private readonly streams = new Map<string, StreamState>();
  private readonly clockSyncs = new Map<string, ClockSync>();
  private readonly listeners: ListenerSet<EngineEvent>;
  private recorder: SessionRecorder | null = null;
  private running = false;
  private startedAtSec = Number.NaN;

  constructor(opts: EngineOptions) {
    this.clock = opts.clock;
    this.bufferSec = opts.bufferSec ?? 60;
    this.listeners = new ListenerSet<EngineEvent>((err) => {
      // A failing subscriber must not stop acquisition or recording; report it once per failure.
      this.listeners.emit({ kind: 'recorderError', error: err instanceof Error ? err : new Error(String(err)) });
    });
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** The write failure that ended recording (disk full, I/O error), or null. */
  get recordingError(): Error | null {
    return this.recorder?.error ?? null;
  }

  get recordingPath(): string | null {
    return this.recorder?.path ?? null;
  }

  subscribe(listener: (event: EngineEvent) => void): () => void {
    return this.listeners.add(listener);
  }

  /** Register a source before starting the session. Its streams get buffers, dejitterers and gap detectors. */
  addSource(source: SignalSource): void {
    if (this.running) {
      throw new EngineError('SESSION_RUNNING', `cannot add source "${source.id}" while a session is running`);
    }
    if (this.sources.some((s) => s.id === source.id)) {
      throw new EngineError('DUPLICATE_SOURCE', `a source with id "${source.id}" is already registered`);
    }
    for (const info of source.streams) {
      if (this.streams.has(info.id)) {
        throw new EngineError('DUPLICATE_STREAM', `stream id "${info.id}" of source "${source.id}" is already in use`);
      }
    }
    this.sources.push(source);
    this.clockSyncs.set(source.id, new ClockSync());
    for (const info of source.streams) {
      const numeric = info.channelFormat !== 'string';
      const capacity = Math.max(256, Math.ceil((info.nominalRateHz || 10) * this.bufferSec));
      this.streams.set(info.id, {
        info,
        gaps: new GapDetector(),
        dejitter: numeric && info.nominalRateHz > 0 ? new OnlineDejitter(info.nominalRateHz) : null,
        buffer: numeric ? new RingBuffer(info.channels.length, capacity) : null,
        scratch: new Float64Array(64),
        lastTimeSec: Number.NaN,
      });
    }
  }

  /**
   * Register a stream computed inside the workstation (signal quality, features, predictions)
   * and get the function that publishes its samples. Chunks carry session-clock timestamps; they
   * are recorded (from now if a recording is open, else from the next start) and published to
   * subscribers like a source's, with a running sample counter. Allowed before or during a session.
   */
  addDerivedStream(info: StreamInfo): (values: Float32Array | string[], timestampsSec: Float64Array) => void {
    if (this.streams.has(info.id)) {
      throw new EngineError('DUPLICATE_STREAM', `stream id "${info.id}" of derived stream "${info.name}" is already in use`);
    }
    const numeric = info.channelFormat !== 'string';
    const st: StreamState = {
      info,
      gaps: new GapDetector(),
      dejitter: null,
      buffer: numeric ? new RingBuffer(info.channels.length, Math.max(256, Math.ceil((info.nominalRateHz || 10) * this.bufferSec))) : null,
      scratch: new Float64Array(0),
      lastTimeSec: Number.NaN,
    };
    this.streams.set(info.id, st);
    if (this.running && this.recorder) this.recorder.addStream(info, this.clock.nowSec());
    let nextIndex = 0;
    return (values, timestampsSec) => {
      const n = timestampsSec.length;
      if (n === 0) return;
      const chunk = { streamId: info.id, values, timestamps: timestampsSec, firstIndex: nextIndex };
      nextIndex += n;
      try {
        this.recorder?.appendChunk(chunk);
      } catch (err) {
        this.listeners.emit({ kind: 'recorderError', error: err instanceof Error ? err : new Error(String(err)) });
      }
      st.gaps.observe(chunk.firstIndex, n, timestampsSec[0], timestampsSec[n - 1]);
      st.lastTimeSec = timestampsSec[n - 1];
      if (st.buffer && values instanceof Float32Array) st.buffer.push(values, timestampsSec, chunk.firstIndex);
      this.listeners.emit({ kind: 'chunk', chunk: { streamId: info.id, values, timestampsSec, firstIndex: chunk.firstIndex } });
    };
  }

  get streamInfos(): StreamInfo[] {
    return [...this.streams.values()].map((s) => s.info);
  }

  /** The live buffer of a numeric stream (session-clock timestamps). */
  buffer(streamId: string): RingBuffer | null {
    return this.streams.get(streamId)?.buffer ?? null;
  }

  stats(): StreamStats[] {
    return [...this.streams.values()].map((s) => ({
      info: s.info,
      receivedSamples: s.gaps.receivedCount,
      lostSamples: s.gaps.lostCount,
      gaps: s.gaps.gaps,
      lastTimeSec: s.lastTimeSec,
    }));
  }

  /** Nominal rate of a stream (0 for irregular or unknown streams). */
  streamRateHz(streamId: string): number {
    return this.streams.get(streamId)?.info.nominalRateHz ?? 0;
  }

  /** Bytes the recorder has written so far (0 when not recording). */
  get bytesWritten(): number {
    return this.recorder?.bytesWritten ?? 0;
  }

  sourceSummaries(): Array<{ id: string; label: string; state: SourceState }> {
    return this.sources.map((s) => ({ id: s.id, label: s.label, state: s.state }));
  }

  recordStats(): StreamRecordStats[] {
    return this.recorder?.stats() ?? [];
  }

  /** Session seconds since start (NaN before). */
  get elapsedSec(): number {
    return this.clock.nowSec() - this.startedAtSec;
  }

  async start(opts: StartOptions = {}): Promise<void> {
    if (this.running) throw new EngineError('SESSION_RUNNING', 'a session is already running');
    if (this.sources.length === 0) throw new EngineError('NO_SOURCES', 'cannot start a session without sources');
    if (opts.recordPath) {
      const fields: Record<string, string> = {};
      for (const [k, v] of Object.entries(opts.metadata ?? {})) if (v !== undefined) fields[k] = v;
      this.recorder = await SessionRecorder.open(opts.recordPath, {
        fileHeaderFields: fields,
        fsyncIntervalMs: opts.fsyncIntervalMs,
        onError: (error) => this.listeners.emit({ kind: 'recorderError', error }),
      });
      const nowSec = this.clock.nowSec();
      for (const info of this.streamInfos) this.recorder.addStream(info, nowSec);
    }
    this.running = true;
    this.startedAtSec = this.clock.nowSec();
    for (const source of this.sources) {
      this.unsubscribers.push(source.subscribe((event) => this.onSourceEvent(source, event)));
    }
    this.listeners.emit({ kind: 'session', state: 'started', path: opts.recordPath });
    // A source that fails to start is reported and the session goes on with the others.
    await Promise.all(
      this.sources.map((source) =>
        source.start().catch((err: unknown) => this.reportSourceError(source, err, 'START_FAILED')),
      ),
    );
  }

  /**
   * Stop every source, then finish the recorder. Never throws for a source failure; rejects
   * only if the recording itself could not be completed (the file up to the failure stays valid).
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    await Promise.all(
      this.sources.map((source) =>
        source.stop().catch((err: unknown) => this.reportSourceError(source, err, 'STOP_FAILED')),
      ),
    );
    for (const off of this.unsubscribers.splice(0)) off();
    this.running = false;
    const recorder = this.recorder;
    try {
      if (recorder) await recorder.close();
    } finally {
      this.listeners.emit({ kind: 'session', state: 'stopped', path: recorder?.path });
    }
  }

  /** Stop (if running) and release every source. */
  async release(): Promise<void> {
    try {
      await this.stop();
    } finally {
      await Promise.all(this.sources.map((s) => s.release().catch((err: unknown) => this.reportSourceError(s, err, 'RELEASE_FAILED'))));
    }
  }

  private onSourceEvent(source: SignalSource, event: Parameters<Parameters<SignalSource['subscribe']>[0]>[0]): void {
    switch (event.kind) {
      case 'chunk':
        this.onChunk(source, event.chunk);
        break;
      case 'clockOffset':
        this.clockSyncs.get(source.id)?.addMeasurement(event.measurement.collectionTimeSec, event.measurement.offsetSec);
        this.recorder?.appendClockOffset(event.measurement);
        this.listeners.emit(event);
        break;
      case 'state':
        this.listeners.emit({ kind: 'sourceState', sourceId: source.id, state: event.state, detail: event.detail });
        break;
      case 'error':
        this.listeners.emit({ kind: 'sourceError', sourceId: source.id, error: event.error });
        break;
    }
  }

  private onChunk(source: SignalSource, chunk: Parameters<SessionRecorder['appendChunk']>[0]): void {
    const st = this.streams.get(chunk.streamId);
    if (!st || st.info.sourceId !== source.id) {
      this.reportSourceError(
        source,
        new SourceError('UNKNOWN_STREAM', source.id, `source "${source.id}" sent a chunk for undeclared stream "${chunk.streamId}"`),
        'UNKNOWN_STREAM',
      );
      return;
    }
    const n = chunk.timestamps.length;
    if (n === 0) return;
    // Record first: what the device sent is kept even if anything downstream fails.
    try {
      this.recorder?.appendChunk(chunk);
    } catch (err) {
      this.listeners.emit({ kind: 'recorderError', error: err instanceof Error ? err : new Error(String(err)) });
    }
    const gap = st.gaps.observe(chunk.firstIndex, n, chunk.timestamps[0], chunk.timestamps[n - 1]);
    if (gap) this.listeners.emit({ kind: 'gap', streamId: st.info.id, gap });

    if (st.scratch.length < n) st.scratch = new Float64Array(Math.max(n, st.scratch.length * 2));
    const times = st.scratch.subarray(0, n);
    times.set(chunk.timestamps);
    // Dejitter on the source clock first, then map to the session clock: an early bad offset
    // measurement then shifts the mapping briefly instead of lingering in the dejitter's memory.
    const sessionTimes = st.dejitter ? st.dejitter.process(chunk.firstIndex, times, times) : times;
    this.clockSyncs.get(source.id)?.mapInPlace(sessionTimes);
    st.lastTimeSec = sessionTimes[n - 1];
    if (st.buffer && chunk.values instanceof Float32Array) st.buffer.push(chunk.values, sessionTimes, chunk.firstIndex);
    this.listeners.emit({
      kind: 'chunk',
      chunk: { streamId: chunk.streamId, values: chunk.values, timestampsSec: sessionTimes, firstIndex: chunk.firstIndex },
    });
  }

  private reportSourceError(source: SignalSource, err: unknown, code: string): void {
    const error =
      err instanceof SourceError
        ? err
        : new SourceError(code, source.id, `source "${source.id}": ${err instanceof Error ? err.message : String(err)}`, {}, { cause: err });
    this.listeners.emit({ kind: 'sourceError', sourceId: source.id, error });
  }
}
