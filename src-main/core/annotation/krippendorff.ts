// Krippendorff's alpha for any number of raters with missing ratings (Krippendorff 2011,
// "Computing Krippendorff's Alpha-Reliability"): interval metric for continuous traces
// (O(values), no coincidence matrix), nominal / ordinal / ratio through the coincidence
// matrix of the distinct values. Units are the targets (grid time points, items).

import { bootstrapInterval, type BootstrapInterval, type BootstrapOptions } from './bootstrap.js';
import { AnnotationError } from './errors.js';
import type { RatingMatrix } from './rating-matrix.js';

export type AlphaMetric = 'interval' | 'nominal' | 'ordinal' | 'ratio';

export interface AlphaOptions {
  metric?: AlphaMetric;
  /** Bootstrap the units (default: 1000 resamples, seed 1, block length 1); false to skip. */
  bootstrap?: BootstrapOptions | false;
  confidence?: number;
}

export interface AlphaResult {
  metric: AlphaMetric;
  value: number;
  /** Observed and expected disagreement (alpha = 1 - observed / expected). */
  observedDisagreement: number;
  expectedDisagreement: number;
  /** Units with at least two ratings, and the number of ratings in them (n..). */
  pairableUnits: number;
  pairableValues: number;
  bootstrap: BootstrapInterval | null;
}

/** The coincidence-matrix metrics need few distinct values (categories, scale points). */
const MAX_DISTINCT_VALUES = 2000;

interface AlphaParts {
  dO: number;
  dE: number;
  nValues: number;
  nUnits: number;
}

function intervalParts(m: RatingMatrix, units: ArrayLike<number>): AlphaParts {
  const k = m.raters;
  const v = m.values;
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  let within = 0;
  let nUnits = 0;
  for (let r = 0; r < units.length; r++) {
    const base = units[r] * k;
    let mu = 0;
    let s = 0;
    let s2 = 0;
    for (let j = 0; j < k; j++) {
      const x = v[base + j];
      if (x === x) {
        mu++;
        s += x;
        s2 += x * x;
      }
    }
    if (mu < 2) continue;
    nUnits++;
    n += mu;
    sum += s;
    sumSq += s2;
    // Sum over ordered pairs i != j of (x_i - x_j)^2 is 2 m sum (x_i - mean)^2 (two-pass: exact
    // zero for equal ratings).
    const mean = s / mu;
    let dev = 0;
    for (let j = 0; j < k; j++) {
      const x = v[base + j];
      if (x === x) dev += (x - mean) * (x - mean);
    }
    within += (2 * mu * dev) / (mu - 1);
  }
  const dO = within / n;
  const dE = (2 * (n * sumSq - sum * sum)) / (n * (n - 1));
  return { dO, dE, nValues: n, nUnits };
}

function coincidenceParts(m: RatingMatrix, units: ArrayLike<number>, metric: Exclude<AlphaMetric, 'interval'>, distinct: Float64Array): AlphaParts {
  const k = m.raters;
  const v = m.values;
  const V = distinct.length;
  const index = new Map<number, number>();
  for (let c = 0; c < V; c++) index.set(distinct[c], c);
  const o = new Float64Array(V * V);
  const counts = new Float64Array(V);
  const present: number[] = [];
  let nUnits = 0;
  for (let r = 0; r < units.length; r++) {
    const base = units[r] * k;
    let mu = 0;
    present.length = 0;
    for (let j = 0; j < k; j++) {
      const x = v[base + j];
      if (x !== x) continue;
      const c = index.get(x)!;
      if (counts[c] === 0) present.push(c);
      counts[c]++;
      mu++;
    }
    if (mu >= 2) {
      nUnits++;
      for (const c of present) {
        for (const d of present) {
          o[c * V + d] += (c === d ? counts[c] * (counts[c] - 1) : counts[c] * counts[d]) / (mu - 1);
        }
      }
    }
    for (const c of present) counts[c] = 0;
  }
  const nc = new Float64Array(V);
  let n = 0;
  for (let c = 0; c < V; c++) {
    for (let d = 0; d < V; d++) nc[c] += o[c * V + d];
    n += nc[c];
  }
  const cum = new Float64Array(V + 1);
  for (let c = 0; c < V; c++) cum[c + 1] = cum[c] + nc[c];
  const delta2 = (c: number, d: number): number => {
    if (c === d) return 0;
    switch (metric) {
      case 'nominal':
        return 1;
      case 'ordinal': {
        const lo = Math.min(c, d);
        const hi = Math.max(c, d);
        const t = cum[hi + 1] - cum[lo] - (nc[c] + nc[d]) / 2;
        return t * t;
      }
      case 'ratio': {
        const a = distinct[c];
        const b = distinct[d];
        return a + b === 0 ? 0 : ((a - b) / (a + b)) ** 2;
      }
    }
  };
  let dO = 0;
  let dE = 0;
  for (let c = 0; c < V; c++) {
    for (let d = 0; d < V; d++) {
      if (c === d) continue;
      const w = delta2(c, d);
      dO += o[c * V + d] * w;
      dE += nc[c] * nc[d] * w;
    }
  }
  return { dO: dO / n, dE: dE / (n * (n - 1)), nValues: n, nUnits };
}

/**
 * Krippendorff's alpha of a units x raters matrix (NaN = missing). Units with fewer than two
 * ratings are not pairable and are ignored, as in Krippendorff's definition.
 */
export function krippendorffAlpha(m: RatingMatrix, opts: AlphaOptions = {}): AlphaResult {
  const metric = opts.metric ?? 'interval';
  if (m.raters < 2) throw new AnnotationError('TOO_FEW_RATERS', `Krippendorff's alpha needs at least 2 raters; got ${m.raters}`);
  let distinct = new Float64Array(0);
  if (metric !== 'interval') {
    const set = new Set<number>();
    for (const x of m.values) if (x === x) set.add(x);
    if (set.size > MAX_DISTINCT_VALUES) {
      throw new AnnotationError(
        'BAD_OPTION',
        `the ${metric} metric needs at most ${MAX_DISTINCT_VALUES} distinct values; the data has ${set.size} (use the interval metric for continuous traces)`,
        { metric, distinct: set.size },
      );
    }
    distinct = Float64Array.from(set).sort();
  }
  const parts = (units: ArrayLike<number>) => (metric === 'interval' ? intervalParts(m, units) : coincidenceParts(m, units, metric, distinct));
  const all = new Int32Array(m.targets);
  for (let i = 0; i < all.length; i++) all[i] = i;
  const p = parts(all);
  if (p.nUnits < 1 || p.nValues < 2) {
    throw new AnnotationError('TOO_FEW_POINTS', `Krippendorff's alpha needs at least one unit rated by two raters; got ${p.nUnits}`);
  }
  const value = 1 - p.dO / p.dE;
  const bootstrap =
    opts.bootstrap === false
      ? null
      : bootstrapInterval(
          m.targets,
          (idx) => {
            const b = parts(idx);
            return b.nValues >= 2 && b.dE > 0 ? 1 - b.dO / b.dE : Number.NaN;
          },
          { confidence: opts.confidence ?? 0.95, ...(opts.bootstrap ?? {}) },
        );
  return {
    metric,
    value,
    observedDisagreement: p.dO,
    expectedDisagreement: p.dE,
    pairableUnits: p.nUnits,
    pairableValues: p.nValues,
    bootstrap,
  };
}
