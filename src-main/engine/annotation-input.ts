// Live annotation input: a SignalSource on the session clock (offset 0) that the UI/API
// feeds with (tSec, values) samples from a rater's device (joystick, mouse, slider). The
// engine records its chunks into the session XDF like any other stream's, so annotation
// lands in the recording next to the physiology it rates.

import { AnnotationError } from '../core/annotation/errors.js';
import { annotationStreamInfo, ANNOTATION_SCALE, type AnnotationStreamSpec } from '../core/annotation/trace.js';
import { SourceError } from '../core/errors.js';
import type { SessionClock } from '../core/streams/clock.js';
import { ListenerSet, type SignalSource, type SourceEvent, type SourceListener, type SourceState } from '../core/streams/source.js';
import type { StreamInfo } from '../core/streams/types.js';

export interface AnnotationFeeder {
  /** Calls per second while running. */
  rateHz: number;
  /** Write one value per dimension for session time tSec into `out` (NaN = no rating). */
  sample: (tSec: number, out: Float32Array) => void;
}

export interface AnnotationInputOptions extends AnnotationStreamSpec {
  clock: SessionClock;
  /** Pending samples are emitted as one chunk at least this often (default 100 ms); 0 emits every push at once. */
  flushIntervalMs?: number;
  /** Pending-sample capacity (default 256); a full buffer is flushed at once. */
  bufferSamples?: number;
  /** A built-in device stand-in (demos, tests, simulated raters), driven by a timer while running. */
  feeder?: AnnotationFeeder;
}

export class AnnotationInput implements SignalSource {
  readonly id: string;
  readonly label: string;
  readonly streams: readonly StreamInfo[];
  readonly info: StreamInfo;
  private readonly clock: SessionClock;
  private readonly listeners = new ListenerSet<SourceEvent>();
  private readonly channels: number;
  private readonly flushIntervalMs: number;
  private readonly feeder: AnnotationFeeder | undefined;
  private readonly feederOut: Float32Array;
  // Pending samples (preallocated).
  private readonly pendingT: Float64Array;
  private readonly pendingV: Float32Array;
  private pending = 0;
  private nextIndex = 0;
  private lastTSec = -Infinity;
  private _state: SourceState = 'idle';
  private flushTimer: ReturnType<typeof setInterval> | null = null;
  private feedTimer: ReturnType<typeof setInterval> | null = null;
  private accepted = 0;
  private dropped = 0;
  private clamped = 0;

  constructor(opts: AnnotationInputOptions) {
    this.info = annotationStreamInfo(opts);
    this.id = this.info.sourceId;
    this.streams = [this.info];
    this.label = `Annotation input: rater ${opts.raterId} (${opts.device}; ${opts.dimensions.join(', ')})`;
    this.clock = opts.clock;
    this.channels = opts.dimensions.length;
    this.flushIntervalMs = opts.flushIntervalMs ?? 100;
    if (!(this.flushIntervalMs >= 0) || !Number.isFinite(this.flushIntervalMs)) {
      throw new AnnotationError('BAD_OPTION', `flushIntervalMs is ${opts.flushIntervalMs}; expected a finite number >= 0`);
    }
    const cap = opts.bufferSamples ?? 256;
    if (!Number.isInteger(cap) || cap < 1) throw new AnnotationError('BAD_OPTION', `bufferSamples is ${cap}; expected an integer >= 1`);
    this.pendingT = new Float64Array(cap);
    this.pendingV = new Float32Array(cap * this.channels);
    if (opts.feeder && !(opts.feeder.rateHz > 0 && opts.feeder.rateHz <= 1000)) {
      throw new AnnotationError('BAD_OPTION', `feeder rateHz is ${opts.feeder.rateHz}; expected a number in (0, 1000]`);
    }
    this.feeder = opts.feeder;
    this.feederOut = new Float32Array(this.channels);
  }

  get state(): SourceState {
    return this._state;
  }

  /** Samples accepted, dropped (pushed while not running) and clamped to [-1, 1]. */
  get acceptedSamples(): number {
    return this.accepted;
  }
  get droppedSamples(): number {
    return this.dropped;
  }
  get clampedSamples(): number {
    return this.clamped;
  }

  subscribe(listener: SourceListener): () => void {
    return this.listeners.add(listener);
  }

  async start(): Promise<void> {
    if (this._state === 'released') throw new SourceError('RELEASED', this.id, `annotation input "${this.id}" was released and cannot start again`);
    if (this._state === 'running') return;
    // The input is on the session clock: say so in the recording with a zero offset.
    this.listeners.emit({ kind: 'clockOffset', measurement: { sourceId: this.id, collectionTimeSec: this.clock.nowSec(), offsetSec: 0 } });
    this.setState('running');
    if (this.flushIntervalMs > 0) this.flushTimer = setInterval(() => this.flush(), this.flushIntervalMs);
    if (this.feeder) {
      const feeder = this.feeder;
      this.feedTimer = setInterval(() => {
        const t = this.clock.nowSec();
        this.feederOut.fill(Number.NaN);
        feeder.sample(t, this.feederOut);
        this.push(t, this.feederOut);
      }, 1000 / feeder.rateHz);
    }
  }

  async stop(): Promise<void> {
    if (this._state !== 'running') return;
    this.clearTimers();
    this.flush();
    this.setState('stopped');
  }

  async release(): Promise<void> {
    if (this._state === 'released') return;
    if (this._state === 'running') await this.stop();
    this.clearTimers();
    this.pending = 0;
    this.setState('released');
    this.listeners.clear();
  }

  /**
   * One sample from the rater's device at session time tSec (non-decreasing), one value per
   * dimension on [-1, 1] (outside values are clamped and counted; NaN = no rating). Returns
   * false (and counts the sample as dropped) when the input is not running.
   */
  push(tSec: number, values: ArrayLike<number>): boolean {
    if (values.length !== this.channels) {
      throw new AnnotationError('BAD_SAMPLE', `annotation input "${this.id}": got ${values.length} values; expected ${this.channels} (${this.info.channels.map((c) => c.label).join(', ')})`, {
        sourceId: this.id,
      });
    }
    if (!Number.isFinite(tSec)) {
      throw new AnnotationError('BAD_SAMPLE', `annotation input "${this.id}": sample time is ${tSec}; expected finite session seconds`, { sourceId: this.id });
    }
    if (this._state !== 'running') {
      this.dropped++;
      return false;
    }
    if (tSec < this.lastTSec) {
      throw new AnnotationError(
        'BAD_SAMPLE',
        `annotation input "${this.id}": sample time ${tSec} s is before the previous sample (${this.lastTSec} s); expected non-decreasing session time`,
        { sourceId: this.id, tSec, previousSec: this.lastTSec },
      );
    }
    for (let c = 0; c < this.channels; c++) {
      const v = values[c];
      if (v === Infinity || v === -Infinity) {
        throw new AnnotationError('BAD_SAMPLE', `annotation input "${this.id}": value ${c} is ${v}; expected a number on [-1, 1] or NaN`, { sourceId: this.id });
      }
    }
    if (this.pending === this.pendingT.length) this.flush();
    const base = this.pending * this.channels;
    let clamped = false;
    for (let c = 0; c < this.channels; c++) {
      let v = values[c];
      if (v < ANNOTATION_SCALE.min) {
        v = ANNOTATION_SCALE.min;
        clamped = true;
      } else if (v > ANNOTATION_SCALE.max) {
        v = ANNOTATION_SCALE.max;
        clamped = true;
      }
      this.pendingV[base + c] = v;
    }
    if (clamped) this.clamped++;
    this.pendingT[this.pending++] = tSec;
    this.lastTSec = tSec;
    this.accepted++;
    if (this.flushIntervalMs === 0) this.flush();
    return true;
  }

  /** push() stamped with the session clock's current time. */
  pushNow(values: ArrayLike<number>): boolean {
    return this.push(Math.max(this.clock.nowSec(), this.lastTSec), values);
  }

  private flush(): void {
    const n = this.pending;
    if (n === 0) return;
    const chunk = {
      streamId: this.info.id,
      values: this.pendingV.slice(0, n * this.channels),
      timestamps: this.pendingT.slice(0, n),
      firstIndex: this.nextIndex,
    };
    this.pending = 0;
    this.nextIndex += n;
    this.listeners.emit({ kind: 'chunk', chunk });
  }

  private clearTimers(): void {
    if (this.flushTimer) clearInterval(this.flushTimer);
    if (this.feedTimer) clearInterval(this.feedTimer);
    this.flushTimer = this.feedTimer = null;
  }

  private setState(state: SourceState, detail?: string): void {
    if (this._state === state) return;
    this._state = state;
    this.listeners.emit(detail === undefined ? { kind: 'state', state } : { kind: 'state', state, detail });
  }
}
