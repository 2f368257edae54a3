// Regression metrics of continuous emotion predictions (issue 3 item 5): RMSE, Pearson (PCC) and
// Lin's CCC per output dimension, over the tokens that have a label (NaN targets are skipped).
// PCC and CCC use the population moments of src-main/core/annotation/correlation.

import { cccFromMoments, pairMoments, pearsonFromMoments } from '../core/annotation/correlation.js';
import { ModelError } from './errors.js';

export interface DimensionMetrics {
  rmse: number;
  pcc: number;
  ccc: number;
  /** Pairs scored. */
  n: number;
}

export interface RegressionMetrics {
  dimensions: Record<string, DimensionMetrics>;
  /** Mean CCC over the dimensions (NaN dimensions ignored; NaN when all are). */
  meanCcc: number;
}

/** Root mean squared error over the pairs where both values are present; NaN when there are none. */
export function rmse(pred: ArrayLike<number>, target: ArrayLike<number>): number {
  let n = 0;
  let s = 0;
  const len = Math.min(pred.length, target.length);
  for (let i = 0; i < len; i++) {
    const a = pred[i]!;
    const b = target[i]!;
    if (a !== a || b !== b) continue;
    s += (a - b) * (a - b);
    n++;
  }
  return n > 0 ? Math.sqrt(s / n) : Number.NaN;
}

/**
 * Metrics of row-major [n x D] predictions vs targets, D = outputs.length. `mask` (n) keeps rows
 * where it is non-zero.
 */
export function regressionMetrics(pred: ArrayLike<number>, target: ArrayLike<number>, outputs: readonly string[], mask?: ArrayLike<number>): RegressionMetrics {
  const D = outputs.length;
  if (pred.length !== target.length || pred.length % D !== 0) {
    throw new ModelError('metric-shape', `regressionMetrics: ${pred.length} predictions and ${target.length} targets for ${D} outputs`, {});
  }
  const n = pred.length / D;
  if (mask !== undefined && mask.length !== n) throw new ModelError('metric-shape', `regressionMetrics: mask of ${mask.length} for ${n} rows`, {});
  const dimensions: Record<string, DimensionMetrics> = {};
  const p = new Float64Array(n);
  const t = new Float64Array(n);
  let sum = 0;
  let count = 0;
  outputs.forEach((name, d) => {
    for (let i = 0; i < n; i++) {
      const keep = mask === undefined || mask[i] !== 0;
      p[i] = keep ? pred[i * D + d]! : Number.NaN;
      t[i] = keep ? target[i * D + d]! : Number.NaN;
    }
    const m = pairMoments(p, t);
    const ccc = cccFromMoments(m);
    dimensions[name] = { rmse: rmse(p, t), pcc: pearsonFromMoments(m), ccc, n: m.n };
    if (!Number.isNaN(ccc)) {
      sum += ccc;
      count++;
    }
  });
  return { dimensions, meanCcc: count > 0 ? sum / count : Number.NaN };
}
