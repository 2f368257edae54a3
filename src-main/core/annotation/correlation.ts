// Pairwise agreement of two series on the same targets: Lin's concordance correlation
// coefficient (CCC, Lin 1989, population moments) and Pearson's r, skipping pairs with a
// missing value, each with a seeded moving-block bootstrap interval.

import { bootstrapIntervals, type BootstrapInterval, type BootstrapOptions } from './bootstrap.js';
import { AnnotationError } from './errors.js';

export interface PairMoments {
  n: number;
  meanX: number;
  meanY: number;
  /** Population (1/n) variances and covariance. */
  varX: number;
  varY: number;
  cov: number;
}

/** Moments over the pairs where both values are present; `indices` selects (and may repeat) positions. */
export function pairMoments(x: ArrayLike<number>, y: ArrayLike<number>, indices?: ArrayLike<number>): PairMoments {
  const len = indices ? indices.length : Math.min(x.length, y.length);
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let r = 0; r < len; r++) {
    const i = indices ? indices[r] : r;
    const a = x[i];
    const b = y[i];
    if (a !== a || b !== b) continue;
    n++;
    sx += a;
    sy += b;
  }
  const mx = sx / n;
  const my = sy / n;
  let vx = 0;
  let vy = 0;
  let c = 0;
  for (let r = 0; r < len; r++) {
    const i = indices ? indices[r] : r;
    const a = x[i];
    const b = y[i];
    if (a !== a || b !== b) continue;
    const dx = a - mx;
    const dy = b - my;
    vx += dx * dx;
    vy += dy * dy;
    c += dx * dy;
  }
  return { n, meanX: mx, meanY: my, varX: vx / n, varY: vy / n, cov: c / n };
}

export function cccFromMoments(m: PairMoments): number {
  if (m.n < 2) return Number.NaN;
  const den = m.varX + m.varY + (m.meanX - m.meanY) ** 2;
  return den > 0 ? (2 * m.cov) / den : Number.NaN;
}

export function pearsonFromMoments(m: PairMoments): number {
  if (m.n < 2) return Number.NaN;
  const den = Math.sqrt(m.varX * m.varY);
  return den > 0 ? m.cov / den : Number.NaN;
}

/** Lin's concordance correlation coefficient; NaN when undefined (fewer than 2 pairs, both constant). */
export function ccc(x: ArrayLike<number>, y: ArrayLike<number>): number {
  return cccFromMoments(pairMoments(x, y));
}

/** Pearson's correlation; NaN when undefined (fewer than 2 pairs, a constant series). */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  return pearsonFromMoments(pairMoments(x, y));
}

export interface CoefficientWithCi {
  value: number;
  bootstrap: BootstrapInterval | null;
}

export interface PairAgreement {
  /** Pairs with both values present. */
  n: number;
  ccc: CoefficientWithCi;
  pearson: CoefficientWithCi;
}

/** CCC and Pearson of two equally long series, with bootstrap intervals from one shared set
 *  of (block) resamples of the positions. */
export function pairAgreement(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  opts: { bootstrap?: BootstrapOptions | false; confidence?: number } = {},
): PairAgreement {
  if (x.length !== y.length) {
    throw new AnnotationError('BAD_MATRIX', `pairAgreement: the series have ${x.length} and ${y.length} values; expected equal lengths`);
  }
  const m = pairMoments(x, y);
  let boot: BootstrapInterval[] | null = null;
  if (opts.bootstrap !== false) {
    boot = bootstrapIntervals(
      x.length,
      2,
      (idx, out) => {
        const bm = pairMoments(x, y, idx);
        out[0] = cccFromMoments(bm);
        out[1] = pearsonFromMoments(bm);
      },
      { confidence: opts.confidence ?? 0.95, ...(opts.bootstrap ?? {}) },
    );
  }
  return {
    n: m.n,
    ccc: { value: cccFromMoments(m), bootstrap: boot ? boot[0] : null },
    pearson: { value: pearsonFromMoments(m), bootstrap: boot ? boot[1] : null },
  };
}
