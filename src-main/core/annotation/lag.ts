// Rater reaction lag: normalised cross-correlation of a trace against a reference on a
// common grid (the consensus of the other raters, a physiological signal, or the model's
// output) within +-maxLagSec, with parabolic interpolation of the peak between grid steps.

import { AnnotationError } from './errors.js';
import { resampleTrace, traceSpan, uniformGrid, type ResampleOptions } from './grid.js';
import type { AnnotationTrace } from './trace.js';

export interface LagOptions {
  /** Search range (default 5 s each way). */
  maxLagSec?: number;
  /** Fewest pairs a lag's correlation may rest on (default 10). */
  minPairs?: number;
}

export interface LagEstimate {
  /** Positive: the signal is late, signal(t) ~ reference(t - lagSec). */
  lagSec: number;
  /** The same lag in grid steps (fractional after interpolation). */
  lagSamples: number;
  /** Normalised cross-correlation at the best grid lag. */
  peakCorrelation: number;
  /** The peak is at the edge of the search range: the true lag may lie beyond it. */
  atBoundary: boolean;
  /** Every searched lag (s) and its correlation (NaN where too few pairs overlapped). */
  lagsSec: Float64Array;
  correlations: Float64Array;
}

/** Pearson correlation of signal[i + lag] with reference[i] over the pairs present. */
function correlationAtLag(s: ArrayLike<number>, r: ArrayLike<number>, lag: number, minPairs: number): number {
  const n = Math.min(s.length, r.length);
  const i0 = Math.max(0, -lag);
  const i1 = Math.min(n, n - lag);
  let cnt = 0;
  let sx = 0;
  let sy = 0;
  for (let i = i0; i < i1; i++) {
    const a = s[i + lag];
    const b = r[i];
    if (a !== a || b !== b) continue;
    cnt++;
    sx += a;
    sy += b;
  }
  if (cnt < minPairs) return Number.NaN;
  const mx = sx / cnt;
  const my = sy / cnt;
  let vx = 0;
  let vy = 0;
  let c = 0;
  for (let i = i0; i < i1; i++) {
    const a = s[i + lag];
    const b = r[i];
    if (a !== a || b !== b) continue;
    const dx = a - mx;
    const dy = b - my;
    vx += dx * dx;
    vy += dy * dy;
    c += dx * dy;
  }
  return vx > 0 && vy > 0 ? c / Math.sqrt(vx * vy) : Number.NaN;
}

/** Lag of `signal` behind `reference`, both sampled on the same grid at rateHz (NaN = missing). */
export function estimateLag(signal: ArrayLike<number>, reference: ArrayLike<number>, rateHz: number, opts: LagOptions = {}): LagEstimate {
  const maxLagSec = opts.maxLagSec ?? 5;
  const minPairs = opts.minPairs ?? 10;
  if (!(rateHz > 0)) throw new AnnotationError('BAD_OPTION', `lag estimation: rate is ${rateHz} Hz; expected a positive number`);
  if (!(maxLagSec >= 0) || !Number.isFinite(maxLagSec)) throw new AnnotationError('BAD_OPTION', `maxLagSec is ${maxLagSec}; expected a finite number >= 0`);
  if (signal.length !== reference.length) {
    throw new AnnotationError('BAD_TRACE', `lag estimation: signal has ${signal.length} grid values, reference ${reference.length}; expected equal`);
  }
  const M = Math.floor(maxLagSec * rateHz + 1e-9);
  const lagsSec = new Float64Array(2 * M + 1);
  const corr = new Float64Array(2 * M + 1);
  let best = -1;
  for (let j = 0; j <= 2 * M; j++) {
    const lag = j - M;
    lagsSec[j] = lag / rateHz;
    corr[j] = correlationAtLag(signal, reference, lag, minPairs);
    if (corr[j] === corr[j] && (best < 0 || corr[j] > corr[best])) best = j;
  }
  if (best < 0) {
    throw new AnnotationError('TOO_FEW_POINTS', `lag estimation: fewer than ${minPairs} overlapping samples at every lag within +-${maxLagSec} s`, {
      minPairs,
    });
  }
  let frac = 0;
  const atBoundary = best === 0 || best === 2 * M;
  if (!atBoundary) {
    const ym = corr[best - 1];
    const y0 = corr[best];
    const yp = corr[best + 1];
    const den = ym - 2 * y0 + yp;
    if (ym === ym && yp === yp && den < 0) frac = Math.max(-0.5, Math.min(0.5, (0.5 * (ym - yp)) / den));
  }
  const lagSamples = best - M + frac;
  return { lagSec: lagSamples / rateHz, lagSamples, peakCorrelation: corr[best], atBoundary, lagsSec, correlations: corr };
}

export interface TraceLagOptions extends LagOptions, ResampleOptions {
  /** Grid on which the correlation is computed (default 10 Hz). */
  rateHz?: number;
}

/** Lag of a trace behind a reference trace (resampled together onto a grid over their union). */
export function estimateTraceLag(trace: AnnotationTrace, reference: AnnotationTrace, opts: TraceLagOptions = {}): LagEstimate {
  const rateHz = opts.rateHz ?? 10;
  const span = traceSpan([trace, reference]);
  const grid = uniformGrid(span.startSec, span.endSec, rateHz);
  return estimateLag(resampleTrace(trace, grid, opts), resampleTrace(reference, grid, opts), rateHz, opts);
}
