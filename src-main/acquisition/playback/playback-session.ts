// Playback of a recorded XDF session as live SignalSources: one source per recorded device
// (its streams share the device clock), paced at 1x or faster, with the recorded raw device
// timestamps and clock offsets re-emitted so the engine re-synchronises exactly as it did live.

import { SourceError } from '../../core/errors.js';
import type { SessionClock } from '../../core/streams/clock.js';
import { ListenerSet, type SignalSource, type SourceEvent, type SourceListener, type SourceState } from '../../core/streams/source.js';
import type { ClockOffsetMeasurement, StreamInfo } from '../../core/streams/types.js';
import { readXdf, type XdfFile, type XdfStream, type XdfTimeSeries } from '../../storage/xdf/index.js';

export type PlaybackTimestamps = 'original' | 'rebased';

export interface PlaybackOptions {
  /** Replay speed factor (1 = real time; 4 = four times faster). Default 1. */
  speed?: number;
  /**
   * 'original': the recorded timestamps, and a session clock that reads the recorded session's
   * time. 'rebased' (default): everything shifted so the recording starts when playback starts,
   * on the host clock (so playback can run beside live devices at speed 1).
   */
  timestamps?: PlaybackTimestamps;
  /** The host clock (default performance.now() seconds). */
  hostClock?: SessionClock;
  /** Prefix of source and stream ids (default "playback"): "playback:<recorded id>". */
  idPrefix?: string;
  /** Pacing tick in host milliseconds (default 20). */
  tickMs?: number;
  /** Label of the file in messages and stream metadata. */
  fileName?: string;
}

const SOURCE_ID = 'playback';

interface Track {
  info: StreamInfo;
  channels: number;
  rateHz: number;
  timestamps: Float64Array;
  /** Session time of each sample relative to the recording start (for pacing). */
  relSec: Float64Array;
  series: XdfTimeSeries;
  next: number;
  /** Counter of the next sample to emit; jumps over gaps in the recording. */
  counter: number;
}

interface SourceTrackSet {
  source: PlaybackSource;
  tracks: Track[];
  offsets: { srcTimes: Float64Array; values: Float64Array; relSec: Float64Array; next: number };
}

function bad(code: string, message: string, details: Record<string, unknown> = {}): never {
  throw new SourceError(code, SOURCE_ID, message, details);
}

/** Offset in force at source time `t`: the last measurement at or before it (the first one before any). */
function offsetAt(srcTimes: Float64Array, values: Float64Array, t: number): number {
  if (values.length === 0) return 0;
  let lo = 0;
  let hi = srcTimes.length - 1;
  if (t <= srcTimes[0]) return values[0];
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (srcTimes[mid] <= t) lo = mid;
    else hi = mid - 1;
  }
  return values[lo];
}

class PlaybackSource implements SignalSource {
  readonly listeners = new ListenerSet<SourceEvent>();
  _state: SourceState = 'idle';
  constructor(
    private readonly session: PlaybackSession,
    readonly id: string,
    readonly label: string,
    readonly streams: readonly StreamInfo[],
  ) {}
  get state(): SourceState {
    return this._state;
  }
  get active(): boolean {
    return this._state === 'running';
  }
  subscribe(listener: SourceListener): () => void {
    return this.listeners.add(listener);
  }
  setState(state: SourceState, detail?: string): void {
    if (this._state === state) return;
    this._state = state;
    this.listeners.emit({ kind: 'state', state, detail });
  }
  async start(): Promise<void> {
    if (this._state === 'released') throw new SourceError('RELEASED', this.id, `playback source "${this.id}" was released`);
    if (this._state === 'running') return;
    if (this.session.finished) {
      this.setState('stopped', 'end of recording');
      return;
    }
    this.setState('running');
    this.session.onStarted();
  }
  async stop(): Promise<void> {
    if (this._state !== 'running') return;
    this.setState('stopped');
    this.session.onStopped();
  }
  async release(): Promise<void> {
    if (this._state === 'released') return;
    this._state = 'released';
    this.listeners.emit({ kind: 'state', state: 'released' });
    this.listeners.clear();
    this.session.onStopped();
  }
}

/**
 * Replays an XDF recording. Construct with `PlaybackSession.open(file)` (or `fromXdf` for a file
 * already read without clock sync and dejitter), hand `sources` and `clock` to the engine.
 * `done` resolves at the end of the recording (sources then report 'stopped') or when all are released.
 */
export class PlaybackSession {
  readonly sources: SignalSource[];
  readonly clock: SessionClock;
  readonly done: Promise<void>;
  /** Length of the recording on its session clock (s). */
  readonly durationSec: number;
  readonly speed: number;
  readonly timestampsMode: PlaybackTimestamps;
  private readonly sets: SourceTrackSet[] = [];
  private readonly hostClock: SessionClock;
  private readonly tickMs: number;
  /** Recording's session time of its first sample. */
  private readonly t0Sec: number;
  private originSec = Number.NaN;
  private posSec = 0;
  private resumedAtHostSec = Number.NaN;
  private timer: ReturnType<typeof setInterval> | undefined;
  private resolveDone!: () => void;
  private _finished = false;

  static async open(file: string, opts: PlaybackOptions = {}): Promise<PlaybackSession> {
    const xdf = await readXdf(file, { synchronizeClocks: false, dejitter: false });
    return PlaybackSession.fromXdf(xdf, { fileName: file, ...opts });
  }

  /** `xdf` must be read with synchronizeClocks: false and dejitter: false (raw device timestamps). */
  static fromXdf(xdf: XdfFile, opts: PlaybackOptions = {}): PlaybackSession {
    return new PlaybackSession(xdf, opts);
  }

  private constructor(xdf: XdfFile, opts: PlaybackOptions) {
    const speed = opts.speed ?? 1;
    if (!Number.isFinite(speed) || speed <= 0 || speed > 10_000) bad('BAD_CONFIG', `playback: speed must be > 0 and <= 10000 (got ${speed})`, { field: 'speed' });
    this.speed = speed;
    this.timestampsMode = opts.timestamps ?? 'rebased';
    if (this.timestampsMode !== 'original' && this.timestampsMode !== 'rebased') {
      bad('BAD_CONFIG', `playback: timestamps must be "original" or "rebased" (got "${String(this.timestampsMode)}")`, { field: 'timestamps' });
    }
    this.hostClock = opts.hostClock ?? { nowSec: () => performance.now() / 1000 };
    this.tickMs = opts.tickMs ?? 20;
    const prefix = opts.idPrefix ?? 'playback';
    const fileName = opts.fileName ?? '<xdf>';
    this.done = new Promise<void>((resolve) => {
      this.resolveDone = resolve;
    });

    const groups = new Map<string, XdfStream[]>();
    for (const s of xdf.streams) {
      if (s.timestamps.length === 0 && s.nominalRateHz > 0) continue;
      const key = s.info.sourceId || `xdf-stream-${s.id}`;
      const list = groups.get(key) ?? [];
      list.push(s);
      groups.set(key, list);
    }
    if (groups.size === 0) bad('EMPTY_RECORDING', `playback: ${fileName} has no streams with samples to replay`, { file: fileName });

    let t0 = Number.POSITIVE_INFINITY;
    let t1 = Number.NEGATIVE_INFINITY;
    const pending: Array<{ sourceId: string; streams: XdfStream[]; srcTimes: Float64Array; values: Float64Array }> = [];
    for (const [key, streams] of groups) {
      const withOffsets = streams.find((s) => s.clockOffsets.times.length > 0);
      const srcTimes = withOffsets?.clockOffsets.times ?? new Float64Array(0);
      const values = withOffsets?.clockOffsets.values ?? new Float64Array(0);
      for (const s of streams) {
        const n = s.timestamps.length;
        if (n === 0) continue;
        t0 = Math.min(t0, s.timestamps[0] + offsetAt(srcTimes, values, s.timestamps[0]));
        t1 = Math.max(t1, s.timestamps[n - 1] + offsetAt(srcTimes, values, s.timestamps[n - 1]));
      }
      pending.push({ sourceId: `${prefix}:${key}`, streams, srcTimes, values });
    }
    if (!Number.isFinite(t0)) bad('EMPTY_RECORDING', `playback: ${fileName} has no samples to replay`, { file: fileName });
    this.t0Sec = t0;
    this.durationSec = t1 - t0;

    for (const p of pending) {
      const tracks: Track[] = [];
      const infos: StreamInfo[] = [];
      for (const s of p.streams) {
        const recordedId = s.info.desc?.himoe_stream_id ?? `${s.info.name || 'stream'}-${s.id}`;
        const desc: Record<string, string | number | boolean> = { ...(s.info.desc ?? {}), playbackOf: fileName, playbackStreamId: String(recordedId) };
        delete desc.himoe_stream_id;
        const info: StreamInfo = {
          id: `${prefix}:${String(recordedId)}`,
          name: s.info.name,
          type: s.info.type,
          channels: s.info.channels,
          channelFormat: s.channelFormat === 'string' ? 'string' : 'float32',
          nominalRateHz: s.nominalRateHz,
          sourceId: p.sourceId,
          desc,
        };
        infos.push(info);
        const n = s.timestamps.length;
        const relSec = new Float64Array(n);
        for (let i = 0; i < n; i++) relSec[i] = s.timestamps[i] + offsetAt(p.srcTimes, p.values, s.timestamps[i]) - t0;
        tracks.push({ info, channels: s.channelCount, rateHz: s.nominalRateHz, timestamps: s.timestamps, relSec, series: s.timeSeries, next: 0, counter: 0 });
      }
      const relOffsets = new Float64Array(p.values.length);
      for (let i = 0; i < relOffsets.length; i++) relOffsets[i] = p.srcTimes[i] + p.values[i] - t0;
      const source = new PlaybackSource(this, p.sourceId, `Playback of ${p.sourceId.slice(prefix.length + 1)} from ${fileName} at ${speed}x`, infos);
      this.sets.push({ source, tracks, offsets: { srcTimes: p.srcTimes, values: p.values, relSec: relOffsets, next: 0 } });
    }
    this.sources = this.sets.map((s) => s.source);

    this.clock = {
      nowSec: () => {
        if (Number.isNaN(this.originSec)) return this.timestampsMode === 'original' ? this.t0Sec : this.hostClock.nowSec();
        return this.originSec + this.positionSec();
      },
    };
  }

  get finished(): boolean {
    return this._finished;
  }

  /** Seconds of the recording played so far. */
  positionSec(): number {
    if (Number.isNaN(this.resumedAtHostSec)) return this.posSec;
    return Math.min(this.durationSec, this.posSec + this.speed * (this.hostClock.nowSec() - this.resumedAtHostSec));
  }

  private anyActive(): boolean {
    return this.sets.some((s) => s.source.active);
  }

  /** @internal */
  onStarted(): void {
    if (Number.isNaN(this.originSec)) this.originSec = this.timestampsMode === 'original' ? this.t0Sec : this.hostClock.nowSec();
    if (Number.isNaN(this.resumedAtHostSec)) this.resumedAtHostSec = this.hostClock.nowSec();
    if (!this.timer) this.timer = setInterval(this.tick, this.tickMs);
    this.tick();
  }

  /** @internal */
  onStopped(): void {
    if (!this.anyActive()) {
      // Pause the recording's clock while nobody plays.
      this.posSec = this.positionSec();
      this.resumedAtHostSec = Number.NaN;
      this.clearTimer();
    }
    if (this.sets.every((s) => s.source.state === 'released')) this.finish();
  }

  private clearTimer(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private finish(): void {
    this.clearTimer();
    if (this._finished) return;
    this._finished = true;
    this.resolveDone();
  }

  private readonly tick = (): void => {
    const pos = this.positionSec();
    const shift = this.originSec - this.t0Sec;
    for (const set of this.sets) {
      if (!set.source.active) continue;
      this.emitOffsets(set, pos, shift);
      for (const track of set.tracks) this.emitTrack(set.source, track, pos, shift);
    }
    if (pos >= this.durationSec) {
      for (const set of this.sets) if (set.source.active) set.source.setState('stopped', 'end of recording');
      this.finish();
    }
  };

  private emitOffsets(set: SourceTrackSet, pos: number, shift: number): void {
    const o = set.offsets;
    // The first measurement goes out at once so the engine can map the very first chunk.
    while (o.next < o.values.length && (o.next === 0 || o.relSec[o.next] <= pos)) {
      const m: ClockOffsetMeasurement = { sourceId: set.source.id, collectionTimeSec: o.srcTimes[o.next] + o.values[o.next] + shift, offsetSec: o.values[o.next] };
      o.next++;
      set.source.listeners.emit({ kind: 'clockOffset', measurement: m });
    }
  }

  private emitTrack(source: PlaybackSource, t: Track, pos: number, shift: number): void {
    const n = t.relSec.length;
    let end = t.next;
    while (end < n && t.relSec[end] <= pos) end++;
    if (end === t.next) return;
    const breakSec = t.rateHz > 0 ? 2.5 / t.rateHz : Number.POSITIVE_INFINITY;
    let start = t.next;
    for (let i = t.next + 1; i <= end; i++) {
      if (i < end && !(t.timestamps[i] - t.timestamps[i - 1] > breakSec)) continue;
      this.emitRun(source, t, start, i, shift);
      if (i < end) {
        // A gap in the recording: the counter jumps by the samples the gap would have held.
        t.counter += Math.max(0, Math.round((t.timestamps[i] - t.timestamps[i - 1]) * t.rateHz) - 1);
      }
      start = i;
    }
    t.next = end;
  }

  private emitRun(source: PlaybackSource, t: Track, from: number, to: number, shift: number): void {
    const n = to - from;
    const timestamps = new Float64Array(n);
    for (let i = 0; i < n; i++) timestamps[i] = t.timestamps[from + i] + shift;
    const a = from * t.channels;
    const b = to * t.channels;
    let values: Float32Array | string[];
    const series = t.series;
    if (Array.isArray(series)) values = series.slice(a, b);
    else if (series instanceof BigInt64Array) values = Float32Array.from(series.subarray(a, b), (v) => Number(v));
    else if (series instanceof Float32Array) values = series.slice(a, b);
    else values = Float32Array.from(series.subarray(a, b));
    const firstIndex = t.counter;
    t.counter += n;
    source.listeners.emit({ kind: 'chunk', chunk: { streamId: t.info.id, values, timestamps, firstIndex } });
  }
}
