// Plot frames for the views (engine -> transports): min/max columns on a grid of the session
// clock, one decimation per stream and window shared by every view that shows it, made as soon
// as new samples arrive (at most maxFps a second per view) and sent as deltas of the changed
// columns with a keyframe of the whole window every second (see api/frames.ts).

import type { ParsedParams } from '../api/contract.js';
import { encodeFrame, type FrameHeader } from '../api/frames.js';
import type { SessionClock } from '../core/streams/clock.js';
import { decimateMinMax } from '../core/streams/decimate.js';
import type { RingBuffer, RingReadResult } from '../core/streams/ring-buffer.js';
import type { EngineEvent } from './session-engine.js';

/** What the frames need of a running session (a SessionEngine). */
export interface PlotSource {
  readonly clock: SessionClock;
  buffer(streamId: string): RingBuffer | null;
  streamRateHz(streamId: string): number;
  subscribe(listener: (event: EngineEvent) => void): () => void;
}

export type ViewParams = ParsedParams<'view.subscribe'>;

/** A keyframe of the whole window at least this often per view and stream (ms). */
export const KEYFRAME_INTERVAL_MS = 1000;
/** Without new samples (a stalled device) the window still scrolls this often (ms). */
const IDLE_FRAME_MS = 100;

/** Ring slot of column k (k may be negative early on a clock that starts at 0). */
function slotOf(k: number, W: number): number {
  return ((k % W) + W) % W;
}

interface View {
  viewId: string;
  sink: (bytes: Uint8Array) => void;
  seq: number;
}

interface Subscriber {
  view: View;
  /** seq of the last frame sent to this view for the feed's stream; -1 = send a keyframe next. */
  lastSeq: number;
  lastKeyMs: number;
}

/** One stream at one window geometry and rate: its column ring, decimated once for every subscriber. */
class Feed {
  readonly subscribers = new Set<Subscriber>();
  private windowColumns = 0;
  private columnSec = 0;
  private channels = 0;
  private ring = new Float32Array(0);
  /** Index of the newest column in the ring; NaN = nothing decimated yet. */
  private lastColumn = Number.NaN;
  /** Session time of the oldest sample that arrived since the last update (NaN: none). */
  private dirtyFromSec = Number.NaN;
  private read: RingReadResult | undefined;
  private scratch = new Float32Array(0);
  private out = new Float32Array(0);
  private timer: ReturnType<typeof setTimeout> | undefined;
  private immediate: ReturnType<typeof setImmediate> | undefined;
  private idle = false;
  private lastFrameMs = Number.NEGATIVE_INFINITY;
  /** Column ranges decimated (for tests: one per update, however many views). */
  decimations = 0;

  constructor(
    readonly streamId: string,
    private readonly timeBaseSec: number,
    private readonly requestedColumns: number,
    private readonly intervalMs: number,
    private readonly source: () => PlotSource | null,
  ) {}

  /** New samples from `fromSec` on: make a frame now, or when the rate cap allows. */
  dataArrived(fromSec: number): void {
    if (!(fromSec >= this.dirtyFromSec)) this.dirtyFromSec = fromSec;
    if (this.idle && this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.schedule();
  }

  schedule(): void {
    if (this.timer || this.immediate || this.subscribers.size === 0 || !this.source()) return;
    const waitMs = this.lastFrameMs + this.intervalMs - performance.now();
    this.idle = false;
    // setImmediate: the chunks a source delivers in one go make one frame.
    if (waitMs <= 0) this.immediate = setImmediate(this.tick);
    else this.timer = setTimeout(this.tick, Math.ceil(waitMs));
  }

  /** Forget the decimated columns (a new session, another clock). */
  reset(): void {
    this.lastColumn = Number.NaN;
    this.dirtyFromSec = Number.NaN;
    this.windowColumns = 0;
    for (const s of this.subscribers) s.lastSeq = -1;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    this.immediate = undefined;
    const src = this.source();
    if (!src || this.subscribers.size === 0) return;
    this.lastFrameMs = performance.now();
    const range = this.update(src);
    if (range) {
      const nowMs = Date.now();
      for (const s of this.subscribers) this.send(s, range.from, range.latestSec, range.madeAtSec, nowMs);
    }
    // Keep scrolling while no samples come; new samples cut this short.
    if (!this.timer && !this.immediate) {
      this.idle = true;
      this.timer = setTimeout(this.tick, Math.max(IDLE_FRAME_MS, this.intervalMs));
    }
  };

  /** Decimate the columns that changed; returns the first of them, or null without a buffer. */
  private update(src: PlotSource): { from: number; latestSec: number; madeAtSec: number } | null {
    const buf = src.buffer(this.streamId);
    if (!buf) return null;
    const C = buf.channelCount;
    if (this.windowColumns === 0 || this.channels !== C) {
      // A slow stream gets fewer columns, at least two samples each, so the trace is a line
      // and not scattered points; a real gap still spans several columns and shows.
      const rateHz = src.streamRateHz(this.streamId);
      const W = rateHz > 0 ? Math.max(8, Math.min(this.requestedColumns, Math.floor((rateHz * this.timeBaseSec) / 2))) : this.requestedColumns;
      this.windowColumns = W;
      this.columnSec = this.timeBaseSec / W;
      this.channels = C;
      this.ring = new Float32Array(C * W * 2);
      this.lastColumn = Number.NaN;
      for (const s of this.subscribers) s.lastSeq = -1;
    }
    const W = this.windowColumns;
    const dt = this.columnSec;
    const nowSec = src.clock.nowSec();
    const kNow = Math.floor(nowSec / dt);
    const oldest = kNow - W + 1;
    let from = oldest;
    if (this.lastColumn === this.lastColumn && kNow >= this.lastColumn) {
      // The newest column was partial; anything older that got samples late changed too.
      from = this.lastColumn;
      if (this.dirtyFromSec === this.dirtyFromSec) from = Math.min(from, Math.floor(this.dirtyFromSec / dt));
      from = Math.max(from, oldest);
    }
    const n = kNow - from + 1;
    this.read = buf.readRange(from * dt, (kNow + 1) * dt, this.read);
    if (this.scratch.length < C * n * 2) this.scratch = new Float32Array(C * n * 2);
    const cols = decimateMinMax(this.read.values, this.read.timestamps, this.read.count, C, from * dt, (kNow + 1) * dt, n, this.scratch.subarray(0, C * n * 2));
    this.decimations++;
    for (let c = 0; c < C; c++) {
      for (let j = 0; j < n; j++) {
        const slot = slotOf(from + j, W);
        this.ring[(c * W + slot) * 2] = cols[(c * n + j) * 2];
        this.ring[(c * W + slot) * 2 + 1] = cols[(c * n + j) * 2 + 1];
      }
    }
    this.lastColumn = kNow;
    this.dirtyFromSec = Number.NaN;
    return { from, latestSec: buf.latestTimeSec, madeAtSec: nowSec };
  }

  private send(s: Subscriber, changedFrom: number, latestSec: number, madeAtSec: number, nowMs: number): void {
    const W = this.windowColumns;
    const key = s.lastSeq < 0 || nowMs - s.lastKeyMs >= KEYFRAME_INTERVAL_MS;
    const from = key ? this.lastColumn - W + 1 : changedFrom;
    const n = this.lastColumn - from + 1;
    const C = this.channels;
    if (this.out.length < C * n * 2) this.out = new Float32Array(C * W * 2);
    const out = this.out.subarray(0, C * n * 2);
    for (let c = 0; c < C; c++) {
      for (let j = 0; j < n; j++) {
        const slot = slotOf(from + j, W);
        out[(c * n + j) * 2] = this.ring[(c * W + slot) * 2];
        out[(c * n + j) * 2 + 1] = this.ring[(c * W + slot) * 2 + 1];
      }
    }
    const seq = s.view.seq++;
    const header: FrameHeader = {
      viewId: s.view.viewId,
      streamId: this.streamId,
      channels: C,
      columns: n,
      t0Sec: from * this.columnSec,
      t1Sec: (this.lastColumn + 1) * this.columnSec,
      latestSec,
      madeAtSec,
      sentAtUnixMs: nowMs,
      seq,
      columnSec: this.columnSec,
      firstColumn: from,
      windowColumns: W,
      ...(key ? {} : { prevSeq: s.lastSeq }),
    };
    s.lastSeq = seq;
    if (key) s.lastKeyMs = nowMs;
    s.view.sink(encodeFrame(header, out));
  }
}

/** The plot views of every client, over whatever session is running. */
export class PlotFramePublisher {
  private readonly feeds = new Map<string, Feed>();
  private current: PlotSource | null = null;
  private detach: (() => void) | null = null;

  /** The running session (null when idle): frames follow it, and start over with a new one. */
  attach(source: PlotSource | null): void {
    if (source === this.current) return;
    this.detach?.();
    this.detach = null;
    this.current = source;
    for (const f of this.feeds.values()) {
      f.stop();
      f.reset();
    }
    if (!source) return;
    this.detach = source.subscribe((e) => {
      if (e.kind !== 'chunk' || e.chunk.timestampsSec.length === 0) return;
      const fromSec = e.chunk.timestampsSec[0];
      for (const f of this.feeds.values()) if (f.streamId === e.chunk.streamId) f.dataArrived(fromSec);
    });
    for (const f of this.feeds.values()) f.schedule();
  }

  /** Send frames of `p.streamIds` over the last `p.timeBaseSec` to `sink` until closed. */
  open(p: ViewParams, sink: (bytes: Uint8Array) => void): { close(): void } {
    const view: View = { viewId: p.viewId, sink, seq: 0 };
    const joined: Array<[Feed, Subscriber]> = [];
    for (const streamId of new Set(p.streamIds)) {
      const key = JSON.stringify([streamId, p.timeBaseSec, p.columns, p.maxFps]);
      let feed = this.feeds.get(key);
      if (!feed) {
        feed = new Feed(streamId, p.timeBaseSec, p.columns, 1000 / p.maxFps, () => this.current);
        this.feeds.set(key, feed);
      }
      const sub: Subscriber = { view, lastSeq: -1, lastKeyMs: 0 };
      feed.subscribers.add(sub);
      joined.push([feed, sub]);
      feed.schedule();
    }
    return {
      close: () => {
        for (const [feed, sub] of joined) {
          feed.subscribers.delete(sub);
          if (feed.subscribers.size > 0) continue;
          feed.stop();
          for (const [k, f] of this.feeds) if (f === feed) this.feeds.delete(k);
        }
        joined.length = 0;
      },
    };
  }

  /** Decimations made per stream so far (summed over window geometries), for tests. */
  decimations(streamId: string): number {
    let n = 0;
    for (const f of this.feeds.values()) if (f.streamId === streamId) n += f.decimations;
    return n;
  }

  /** Stop every feed and forget the session. */
  close(): void {
    this.attach(null);
    for (const f of this.feeds.values()) f.stop();
    this.feeds.clear();
  }
}
