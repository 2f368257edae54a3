// Running concordance (CCC) and Pearson correlation of two live series, exponentially
// weighted in time: O(1) work and no allocation per sample. Used for model-vs-annotation
// agreement while a session runs.

import { AnnotationError } from './errors.js';

export interface RunningCccOptions {
  /** Time constant of the exponential weighting (default 30 s): a sample's weight falls to
   *  1/e after this long. During warm-up (fewer samples than the window holds) the moments
   *  are the plain averages of all samples so far. */
  timeConstantSec?: number;
}

export class RunningCcc {
  private readonly tauSec: number;
  private n = 0;
  private lastTSec = Number.NaN;
  private mx = 0;
  private my = 0;
  private vx = 0;
  private vy = 0;
  private cxy = 0;

  constructor(opts: RunningCccOptions = {}) {
    this.tauSec = opts.timeConstantSec ?? 30;
    if (!(this.tauSec > 0) || !Number.isFinite(this.tauSec)) {
      throw new AnnotationError('BAD_OPTION', `timeConstantSec is ${this.tauSec}; expected a positive number`);
    }
  }

  /** Add a pair observed at tSec (non-decreasing); pairs with a NaN are ignored. */
  push(tSec: number, x: number, y: number): void {
    if (x !== x || y !== y) return;
    this.n++;
    const dt = this.n === 1 ? 0 : Math.max(0, tSec - this.lastTSec);
    this.lastTSec = tSec;
    // Exponential weight for the elapsed time, but never less than the running average's
    // 1/n, so early values are unbiased averages (West 1979 weighted incremental moments).
    const a = Math.max(1 - Math.exp(-dt / this.tauSec), 1 / this.n);
    const dx = x - this.mx;
    const dy = y - this.my;
    this.mx += a * dx;
    this.my += a * dy;
    const b = 1 - a;
    this.vx = b * (this.vx + a * dx * dx);
    this.vy = b * (this.vy + a * dy * dy);
    this.cxy = b * (this.cxy + a * dx * dy);
  }

  get count(): number {
    return this.n;
  }

  get ccc(): number {
    const den = this.vx + this.vy + (this.mx - this.my) ** 2;
    return this.n >= 2 && den > 0 ? (2 * this.cxy) / den : Number.NaN;
  }

  get pearson(): number {
    const den = Math.sqrt(this.vx * this.vy);
    return this.n >= 2 && den > 0 ? this.cxy / den : Number.NaN;
  }

  reset(): void {
    this.n = 0;
    this.lastTSec = Number.NaN;
    this.mx = this.my = this.vx = this.vy = this.cxy = 0;
  }
}
