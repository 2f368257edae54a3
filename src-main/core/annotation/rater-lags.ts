// Reaction lags of several raters: against a reference (absolute lags: physiology, model
// output, ground truth) or, without one, relative to the group from all pairwise
// cross-correlation lags (least squares: lag_i = mean_j d_ij, so the lags sum to zero and
// the lag-corrected consensus keeps the group's average lag).

import { AnnotationError } from './errors.js';
import { resampleTrace, traceSpan, uniformGrid, type ResampleOptions } from './grid.js';
import { estimateLag, type LagOptions } from './lag.js';
import { shiftTrace, type AnnotationTrace } from './trace.js';

export interface RaterLagOptions extends LagOptions, ResampleOptions {
  /** Grid of the cross-correlation (default 10 Hz). */
  rateHz?: number;
  /** Estimate each rater's lag against this trace instead of against the other raters. */
  reference?: AnnotationTrace;
}

export interface RaterLag {
  raterId: string;
  /** Positive: the rater is late (relative to the group, or to the reference). */
  lagSec: number;
  /** Mean peak correlation of the cross-correlations behind the estimate. */
  peakCorrelation: number;
  /** A peak sat at the edge of +-maxLagSec. */
  atBoundary: boolean;
}

export interface RaterLags {
  against: 'group' | 'reference';
  lags: RaterLag[];
}

export function estimateRaterLags(traces: readonly AnnotationTrace[], opts: RaterLagOptions = {}): RaterLags {
  const rateHz = opts.rateHz ?? 10;
  const k = traces.length;
  if (k === 0) throw new AnnotationError('TOO_FEW_RATERS', 'lag estimation needs at least one trace');
  const span = traceSpan(opts.reference ? [...traces, opts.reference] : traces);
  const grid = uniformGrid(span.startSec, span.endSec, rateHz);
  const cols = traces.map((t) => resampleTrace(t, grid, opts));
  if (opts.reference) {
    const ref = resampleTrace(opts.reference, grid, opts);
    return {
      against: 'reference',
      lags: traces.map((t, i) => {
        const e = estimateLag(cols[i], ref, rateHz, opts);
        return { raterId: t.raterId, lagSec: e.lagSec, peakCorrelation: e.peakCorrelation, atBoundary: e.atBoundary };
      }),
    };
  }
  if (k < 2) throw new AnnotationError('TOO_FEW_RATERS', 'relative lags need at least two raters (or a reference trace)');
  // d[i][j]: lag of rater i behind rater j.
  const sum = new Float64Array(k);
  const cnt = new Float64Array(k).fill(1); // d_ii = 0 counts
  const peak = new Float64Array(k);
  const boundary = new Uint8Array(k);
  for (let i = 0; i < k; i++) {
    for (let j = i + 1; j < k; j++) {
      let e;
      try {
        e = estimateLag(cols[i], cols[j], rateHz, opts);
      } catch (err) {
        if (err instanceof AnnotationError && err.code === 'TOO_FEW_POINTS') continue; // no overlap: the pair says nothing
        throw err;
      }
      sum[i] += e.lagSec;
      sum[j] -= e.lagSec;
      cnt[i]++;
      cnt[j]++;
      peak[i] += e.peakCorrelation;
      peak[j] += e.peakCorrelation;
      if (e.atBoundary) boundary[i] = boundary[j] = 1;
    }
  }
  return {
    against: 'group',
    lags: traces.map((t, i) => ({
      raterId: t.raterId,
      lagSec: sum[i] / cnt[i],
      peakCorrelation: cnt[i] > 1 ? peak[i] / (cnt[i] - 1) : Number.NaN,
      atBoundary: boundary[i] === 1,
    })),
  };
}

/** Every trace moved back by its lag (see shiftTrace). */
export function lagCorrectTraces(traces: readonly AnnotationTrace[], lags: RaterLags): AnnotationTrace[] {
  return traces.map((t, i) => shiftTrace(t, lags.lags[i].lagSec));
}
