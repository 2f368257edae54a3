// Consensus traces from several raters on a common grid: the plain mean, and the
// evaluator-weighted estimator (EWE, Grimm & Kroschel 2005) that weights each rater by the
// correlation of their trace with the mean of the others.

import { pairMoments, pearsonFromMoments } from './correlation.js';
import { AnnotationError } from './errors.js';

export interface ConsensusResult {
  method: 'mean' | 'ewe';
  /** Consensus per grid point; NaN where no rater (with weight > 0) is present. */
  values: Float64Array;
  /** Per-rater weights, summing to 1. */
  weights: Float64Array;
  /** EWE: each rater's correlation with the mean of the others (NaN for 'mean'). */
  correlations: Float64Array;
  /** Raters present at each grid point. */
  ratersPresent: Uint16Array;
  /** EWE fell back to equal weights because no rater correlated positively with the others. */
  fallback: boolean;
}

function checkColumns(columns: ReadonlyArray<ArrayLike<number>>, min: number): number {
  if (columns.length < min) throw new AnnotationError('TOO_FEW_RATERS', `consensus needs at least ${min} rater(s); got ${columns.length}`);
  const n = columns[0].length;
  for (let j = 1; j < columns.length; j++) {
    if (columns[j].length !== n) throw new AnnotationError('BAD_MATRIX', `rater ${j} has ${columns[j].length} grid values; expected ${n}`);
  }
  return n;
}

/** Weighted mean over the raters present at each point (weights renormalised over them). */
export function weightedConsensus(columns: ReadonlyArray<ArrayLike<number>>, weights: ArrayLike<number>): { values: Float64Array; ratersPresent: Uint16Array } {
  const n = checkColumns(columns, 1);
  const values = new Float64Array(n);
  const present = new Uint16Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    let w = 0;
    let c = 0;
    for (let j = 0; j < columns.length; j++) {
      const x = columns[j][i];
      if (x !== x) continue;
      c++;
      if (weights[j] > 0) {
        s += weights[j] * x;
        w += weights[j];
      }
    }
    present[i] = c;
    values[i] = w > 0 ? s / w : Number.NaN;
  }
  return { values, ratersPresent: present };
}

export function meanConsensus(columns: ReadonlyArray<ArrayLike<number>>): ConsensusResult {
  const k = columns.length;
  checkColumns(columns, 1);
  const weights = new Float64Array(k).fill(1 / k);
  return { method: 'mean', ...weightedConsensus(columns, weights), weights, correlations: new Float64Array(k).fill(Number.NaN), fallback: false };
}

/** Mean of every rater but `skip` at each point (NaN where none of them is present). */
export function leaveOneOutMean(columns: ReadonlyArray<ArrayLike<number>>, skip: number): Float64Array {
  const n = checkColumns(columns, 1);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    let c = 0;
    for (let j = 0; j < columns.length; j++) {
      if (j === skip) continue;
      const x = columns[j][i];
      if (x !== x) continue;
      s += x;
      c++;
    }
    out[i] = c > 0 ? s / c : Number.NaN;
  }
  return out;
}

/**
 * Evaluator-weighted estimator: w_k proportional to r_k, the Pearson correlation of rater k
 * with the mean of the other raters; raters with r_k <= 0 (or undefined) get weight 0. If no
 * rater has r_k > 0 the weights fall back to equal (flagged).
 */
export function eweConsensus(columns: ReadonlyArray<ArrayLike<number>>): ConsensusResult {
  checkColumns(columns, 2);
  const k = columns.length;
  const correlations = new Float64Array(k);
  const weights = new Float64Array(k);
  let total = 0;
  for (let j = 0; j < k; j++) {
    const r = pearsonFromMoments(pairMoments(columns[j], leaveOneOutMean(columns, j)));
    correlations[j] = r;
    if (r > 0) {
      weights[j] = r;
      total += r;
    }
  }
  const fallback = !(total > 0);
  for (let j = 0; j < k; j++) weights[j] = fallback ? 1 / k : weights[j] / total;
  return { method: 'ewe', ...weightedConsensus(columns, weights), weights, correlations, fallback };
}
