// Pairs a live prediction series with a live annotation series on the session clock and
// feeds the running CCC: a prediction at t waits until the annotation has reached
// t + annotationLagSec, then meets the annotation value interpolated there. Preallocated
// rings; no allocation per sample.

import { AnnotationError } from './errors.js';
import { RunningCcc, type RunningCccOptions } from './running-ccc.js';

export interface LiveAgreementOptions extends RunningCccOptions {
  /** Compare prediction(t) with annotation(t + lag): the rater's reaction lag (default 0). */
  annotationLagSec?: number;
  /** Longest annotation gap bridged by interpolation (default 1 s). */
  maxGapSec?: number;
  /** Annotation samples kept for lookup (default 4096). */
  historyCapacity?: number;
  /** Predictions waiting for the annotation to catch up (default 1024; the oldest is dropped). */
  pendingCapacity?: number;
}

export interface LiveAgreementSnapshot {
  ccc: number;
  pearson: number;
  /** Pairs accumulated so far. */
  pairs: number;
  /** Session time of the latest pair (NaN before the first). */
  lastPairSec: number;
  /** Predictions dropped because the annotation never reached them in time. */
  droppedPredictions: number;
}

export class LiveAgreement {
  private readonly running: RunningCcc;
  private readonly lagSec: number;
  private readonly maxGapSec: number;
  // Annotation history ring.
  private readonly hT: Float64Array;
  private readonly hV: Float64Array;
  private hStart = 0;
  private hLen = 0;
  // Pending predictions ring.
  private readonly pT: Float64Array;
  private readonly pV: Float64Array;
  private pStart = 0;
  private pLen = 0;
  private dropped = 0;
  private lastPair = Number.NaN;

  constructor(opts: LiveAgreementOptions = {}) {
    this.running = new RunningCcc(opts);
    this.lagSec = opts.annotationLagSec ?? 0;
    this.maxGapSec = opts.maxGapSec ?? 1;
    const hc = opts.historyCapacity ?? 4096;
    const pc = opts.pendingCapacity ?? 1024;
    if (!Number.isFinite(this.lagSec)) throw new AnnotationError('BAD_OPTION', `annotationLagSec is ${this.lagSec}; expected a finite number`);
    if (!(this.maxGapSec > 0)) throw new AnnotationError('BAD_OPTION', `maxGapSec is ${this.maxGapSec}; expected a positive number`);
    if (!(Number.isInteger(hc) && hc >= 2 && Number.isInteger(pc) && pc >= 1)) {
      throw new AnnotationError('BAD_OPTION', `historyCapacity ${hc} / pendingCapacity ${pc}: expected integers >= 2 / >= 1`);
    }
    this.hT = new Float64Array(hc);
    this.hV = new Float64Array(hc);
    this.pT = new Float64Array(pc);
    this.pV = new Float64Array(pc);
  }

  /** An annotation sample (session seconds, value; NaN = no rating). Out-of-order samples are ignored. */
  addAnnotation(tSec: number, value: number): void {
    const cap = this.hT.length;
    if (this.hLen > 0 && !(tSec > this.hT[(this.hStart + this.hLen - 1) % cap])) return;
    if (!Number.isFinite(tSec)) return;
    if (this.hLen === cap) {
      this.hStart = (this.hStart + 1) % cap;
      this.hLen--;
    }
    const at = (this.hStart + this.hLen) % cap;
    this.hT[at] = tSec;
    this.hV[at] = value;
    this.hLen++;
    this.drain();
  }

  /** A prediction sample (session seconds, value). */
  addPrediction(tSec: number, value: number): void {
    if (!Number.isFinite(tSec) || value !== value) return;
    const cap = this.pT.length;
    if (this.pLen === cap) {
      this.pStart = (this.pStart + 1) % cap;
      this.pLen--;
      this.dropped++;
    }
    const at = (this.pStart + this.pLen) % cap;
    this.pT[at] = tSec;
    this.pV[at] = value;
    this.pLen++;
    this.drain();
  }

  snapshot(): LiveAgreementSnapshot {
    return { ccc: this.running.ccc, pearson: this.running.pearson, pairs: this.running.count, lastPairSec: this.lastPair, droppedPredictions: this.dropped };
  }

  reset(): void {
    this.running.reset();
    this.hLen = this.pLen = this.hStart = this.pStart = this.dropped = 0;
    this.lastPair = Number.NaN;
  }

  private drain(): void {
    if (this.hLen === 0) return;
    const hc = this.hT.length;
    const firstA = this.hT[this.hStart];
    const lastA = this.hT[(this.hStart + this.hLen - 1) % hc];
    const pc = this.pT.length;
    while (this.pLen > 0) {
      const t = this.pT[this.pStart];
      const ta = t + this.lagSec;
      if (ta > lastA) break; // wait for the annotation to catch up
      const v = this.pV[this.pStart];
      this.pStart = (this.pStart + 1) % pc;
      this.pLen--;
      if (ta < firstA) continue; // before the annotation history: unpairable
      const a = this.annotationAt(ta);
      if (a === a) {
        this.running.push(t, v, a);
        this.lastPair = t;
      }
    }
  }

  /** Annotation interpolated at tSec (within the history span), NaN across long gaps. */
  private annotationAt(tSec: number): number {
    const cap = this.hT.length;
    let lo = 0;
    let hi = this.hLen - 1;
    // Largest i with time(i) <= tSec.
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.hT[(this.hStart + mid) % cap] <= tSec) lo = mid;
      else hi = mid - 1;
    }
    const i0 = (this.hStart + lo) % cap;
    const t0 = this.hT[i0];
    if (t0 === tSec || lo === this.hLen - 1) return t0 === tSec ? this.hV[i0] : Number.NaN;
    const i1 = (this.hStart + lo + 1) % cap;
    const t1 = this.hT[i1];
    if (t1 - t0 > this.maxGapSec) return Number.NaN;
    return this.hV[i0] + ((this.hV[i1] - this.hV[i0]) * (tSec - t0)) / (t1 - t0);
  }
}
