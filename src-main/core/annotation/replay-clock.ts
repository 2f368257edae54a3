// The playback cursor of post-hoc annotation (Annotate view, recorded session): session time
// advancing at a playback rate from the wall clock, or following a media element (the stimulus
// video/audio is the clock while it plays), never stepping back while playing, clamped to the
// recording's span. Pure, so the renderer and the tests share it.

export interface ReplayTick {
  /** Session time of the cursor (s). */
  tSec: number;
  /** The external clock (media) is more than maxDriftSec away: move it to tSec. */
  resync: boolean;
  /** The cursor reached the end of the span on this tick (and paused). */
  ended: boolean;
}

export class ReplayClock {
  private anchorSec: number;
  private anchorWallMs = 0;
  private _playing = false;
  private _rate = 1;

  constructor(
    readonly startSec: number,
    readonly endSec: number,
    /** Largest gap between the cursor and the media before the media is moved (s). */
    readonly maxDriftSec = 0.5,
  ) {
    if (!(endSec >= startSec)) throw new RangeError(`replay span ${startSec}–${endSec} s: the end must not be before the start`);
    this.anchorSec = startSec;
  }

  get playing(): boolean {
    return this._playing;
  }
  get rate(): number {
    return this._rate;
  }

  /** The cursor at wall time `wallMs` (no external clock). */
  timeAt(wallMs: number): number {
    const t = this._playing ? this.anchorSec + ((wallMs - this.anchorWallMs) / 1000) * this._rate : this.anchorSec;
    return Math.min(this.endSec, Math.max(this.startSec, t));
  }

  play(wallMs: number): void {
    if (this._playing) return;
    if (this.anchorSec >= this.endSec) this.anchorSec = this.startSec;
    this.anchorWallMs = wallMs;
    this._playing = true;
  }

  pause(wallMs: number): void {
    this.anchorSec = this.timeAt(wallMs);
    this.anchorWallMs = wallMs;
    this._playing = false;
  }

  /** Move the cursor; returns true when that is backwards (a new annotation pass begins). */
  seek(tSec: number, wallMs: number): boolean {
    const before = this.timeAt(wallMs);
    this.anchorSec = Math.min(this.endSec, Math.max(this.startSec, tSec));
    this.anchorWallMs = wallMs;
    return this.anchorSec < before;
  }

  setRate(rate: number, wallMs: number): void {
    if (!(rate > 0) || !Number.isFinite(rate)) throw new RangeError(`playback rate ${rate}: expected a positive number`);
    this.anchorSec = this.timeAt(wallMs);
    this.anchorWallMs = wallMs;
    this._rate = rate;
  }

  /**
   * Advance to `wallMs`. With `externalSec` (the media's position on the session clock) the
   * cursor follows it but never moves back while playing (a media element that starts late
   * holds the cursor instead); a gap over maxDriftSec asks for a resync of the media instead.
   */
  tick(wallMs: number, externalSec?: number): ReplayTick {
    const previous = this.anchorSec;
    let t = this.timeAt(wallMs);
    let resync = false;
    if (this._playing && externalSec !== undefined && Number.isFinite(externalSec)) {
      if (Math.abs(externalSec - t) > this.maxDriftSec) resync = true;
      else t = Math.min(this.endSec, Math.max(previous, externalSec));
    }
    this.anchorSec = t;
    this.anchorWallMs = wallMs;
    const ended = this._playing && t >= this.endSec;
    if (ended) this._playing = false;
    return { tSec: t, resync, ended };
  }
}
