// Seeded bootstrap confidence intervals for the agreement statistics. Targets (time points
// of a trace grid, or rated items) are resampled with a moving-block bootstrap (Künsch 1989):
// blocks of consecutive targets keep the autocorrelation of continuous annotation traces;
// a block length of 1 is the ordinary bootstrap for independent targets.

import { AnnotationError } from './errors.js';
import { SeededRng } from './rng.js';

export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  resamples?: number;
  /** PRNG seed (default 1): the same seed gives the same interval. */
  seed?: number;
  /** Block length in targets (default 1: independent targets). Use about the trace's
   *  decorrelation time (a few seconds of grid samples) for time series. */
  blockLength?: number;
  /** Two-sided confidence level (default 0.95). */
  confidence?: number;
}

export interface BootstrapInterval {
  lower: number;
  upper: number;
  confidence: number;
  method: 'moving-block-bootstrap-percentile';
  /** Resamples whose statistic was finite (degenerate resamples are skipped). */
  validResamples: number;
  blockLength: number;
  seed: number;
}

export interface ResolvedBootstrap {
  resamples: number;
  seed: number;
  blockLength: number;
  confidence: number;
}

export function resolveBootstrap(opts: BootstrapOptions = {}): ResolvedBootstrap {
  const resamples = opts.resamples ?? 1000;
  const seed = opts.seed ?? 1;
  const blockLength = opts.blockLength ?? 1;
  const confidence = opts.confidence ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 10) {
    throw new AnnotationError('BAD_OPTION', `bootstrap resamples is ${resamples}; expected an integer >= 10`, { resamples });
  }
  if (!Number.isFinite(seed)) throw new AnnotationError('BAD_OPTION', `bootstrap seed is ${seed}; expected a finite number`, { seed });
  if (!Number.isInteger(blockLength) || blockLength < 1) {
    throw new AnnotationError('BAD_OPTION', `bootstrap blockLength is ${blockLength}; expected an integer >= 1`, { blockLength });
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new AnnotationError('BAD_OPTION', `confidence is ${confidence}; expected a number in (0, 1)`, { confidence });
  }
  return { resamples, seed, blockLength, confidence };
}

/** Fill `out` (length n) with a moving-block resample of the indices 0..n-1: blocks of
 *  `blockLength` consecutive indices starting uniformly in [0, n - blockLength]. */
export function movingBlockIndices(n: number, blockLength: number, rng: SeededRng, out: Int32Array): void {
  const L = Math.min(Math.max(1, blockLength), n);
  const starts = n - L + 1;
  let i = 0;
  while (i < n) {
    const s = rng.nextInt(starts);
    for (let j = 0; j < L && i < n; j++) out[i++] = s + j;
  }
}

/** Percentile of sorted values with linear interpolation (type 7, as R's default). */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Percentile bootstrap of `statistic` over n targets. `statistic` receives the resampled
 * target indices (a reused buffer: read, do not keep) and returns the statistic or NaN.
 */
export function bootstrapInterval(
  n: number,
  statistic: (indices: Int32Array) => number,
  opts: BootstrapOptions = {},
): BootstrapInterval {
  return bootstrapIntervals(n, 1, (idx, out) => {
    out[0] = statistic(idx);
  }, opts)[0];
}

/**
 * Percentile bootstrap of `count` statistics computed together from each resample (one
 * pass, the same resamples for all): `fill(indices, out)` writes the statistics (NaN for
 * a degenerate resample) into out[0..count-1].
 */
export function bootstrapIntervals(
  n: number,
  count: number,
  fill: (indices: Int32Array, out: Float64Array) => void,
  opts: BootstrapOptions = {},
): BootstrapInterval[] {
  const o = resolveBootstrap(opts);
  const rng = new SeededRng(o.seed);
  const idx = new Int32Array(n);
  const out = new Float64Array(count);
  const stats = Array.from({ length: count }, () => new Float64Array(o.resamples));
  const valid = new Int32Array(count);
  if (n >= 2) {
    for (let r = 0; r < o.resamples; r++) {
      movingBlockIndices(n, o.blockLength, rng, idx);
      out.fill(Number.NaN);
      fill(idx, out);
      for (let s = 0; s < count; s++) if (Number.isFinite(out[s])) stats[s][valid[s]++] = out[s];
    }
  }
  const tail = (1 - o.confidence) / 2;
  return stats.map((all, s) => {
    const sorted = all.subarray(0, valid[s]).sort();
    const enough = valid[s] >= o.resamples / 2;
    return {
      lower: enough ? quantileSorted(sorted, tail) : Number.NaN,
      upper: enough ? quantileSorted(sorted, 1 - tail) : Number.NaN,
      confidence: o.confidence,
      method: 'moving-block-bootstrap-percentile' as const,
      validResamples: valid[s],
      blockLength: o.blockLength,
      seed: o.seed,
    };
  });
}
