// Common time grids for traces: every agreement statistic compares raters at the same
// instants, so traces (irregular, event-driven or polled) are resampled onto a uniform grid.

import { AnnotationError } from './errors.js';
import type { AnnotationTrace } from './trace.js';

export interface ResampleOptions {
  /** 'linear' (default) interpolates between samples; 'hold' keeps the last value, as a
   *  device that reports only changes means. */
  interpolation?: 'linear' | 'hold';
  /** Longest stretch without samples that is bridged (default 1 s); longer gaps are NaN. */
  maxGapSec?: number;
}

/** Times startSec, startSec + 1/rateHz, ... up to and including endSec. */
export function uniformGrid(startSec: number, endSec: number, rateHz: number): Float64Array {
  if (!(rateHz > 0) || !Number.isFinite(rateHz)) throw new AnnotationError('BAD_OPTION', `grid rate is ${rateHz} Hz; expected a positive number`);
  if (!Number.isFinite(startSec) || !Number.isFinite(endSec)) {
    throw new AnnotationError('BAD_OPTION', `grid span [${startSec}, ${endSec}] s is not finite`);
  }
  const n = endSec >= startSec ? Math.floor((endSec - startSec) * rateHz + 1e-9) + 1 : 0;
  const g = new Float64Array(n);
  for (let i = 0; i < n; i++) g[i] = startSec + i / rateHz;
  return g;
}

/** Values of (timesSec, values) at the increasing grid times; NaN outside the samples' span,
 *  in gaps longer than maxGapSec, and next to a missing (NaN) sample. */
export function resampleSeries(
  timesSec: ArrayLike<number>,
  values: ArrayLike<number>,
  gridSec: ArrayLike<number>,
  opts: ResampleOptions = {},
): Float64Array {
  const hold = (opts.interpolation ?? 'linear') === 'hold';
  const maxGap = opts.maxGapSec ?? 1;
  if (!(maxGap > 0)) throw new AnnotationError('BAD_OPTION', `maxGapSec is ${maxGap}; expected a positive number`);
  const out = new Float64Array(gridSec.length).fill(Number.NaN);
  const n = timesSec.length;
  if (n === 0) return out;
  let i = 0;
  for (let g = 0; g < gridSec.length; g++) {
    const t = gridSec[g];
    while (i + 1 < n && timesSec[i + 1] <= t) i++;
    const t0 = timesSec[i];
    if (t < t0) continue;
    if (hold) {
      if (t - t0 <= maxGap) out[g] = values[i];
      continue;
    }
    if (i + 1 >= n) {
      if (t === t0) out[g] = values[i];
      continue;
    }
    const t1 = timesSec[i + 1];
    if (t1 - t0 > maxGap) {
      if (t === t0) out[g] = values[i];
      continue;
    }
    const v0 = values[i];
    const v1 = values[i + 1];
    out[g] = t1 > t0 ? v0 + ((v1 - v0) * (t - t0)) / (t1 - t0) : v1;
  }
  return out;
}

export function resampleTrace(t: AnnotationTrace, gridSec: ArrayLike<number>, opts: ResampleOptions = {}): Float64Array {
  return resampleSeries(t.timesSec, t.values, gridSec, opts);
}

/** The span covered by any trace (union) or by every trace (intersection). */
export function traceSpan(traces: readonly AnnotationTrace[], mode: 'union' | 'intersection' = 'union'): { startSec: number; endSec: number } {
  let start = mode === 'union' ? Infinity : -Infinity;
  let end = mode === 'union' ? -Infinity : Infinity;
  for (const t of traces) {
    const n = t.timesSec.length;
    if (n === 0) continue;
    const a = t.timesSec[0];
    const b = t.timesSec[n - 1];
    if (mode === 'union') {
      start = Math.min(start, a);
      end = Math.max(end, b);
    } else {
      start = Math.max(start, a);
      end = Math.min(end, b);
    }
  }
  return { startSec: start, endSec: end };
}
