// Intraclass correlations for inter-rater reliability in the Shrout & Fleiss (1979) /
// McGraw & Wong (1996) forms, from a two-way ANOVA of a targets x raters matrix, with the
// F-based confidence intervals of McGraw & Wong and a seeded (moving-block) bootstrap.

import { bootstrapIntervals, type BootstrapInterval, type BootstrapOptions } from './bootstrap.js';
import { AnnotationError } from './errors.js';
import { completeTargets, type RatingMatrix } from './rating-matrix.js';
import { fCdf, fQuantile } from './special.js';

/** Shrout & Fleiss names; k stands for the number of raters averaged. */
export type IccForm = 'ICC(1,1)' | 'ICC(2,1)' | 'ICC(3,1)' | 'ICC(1,k)' | 'ICC(2,k)' | 'ICC(3,k)';
export const ICC_FORMS: readonly IccForm[] = ['ICC(1,1)', 'ICC(2,1)', 'ICC(3,1)', 'ICC(1,k)', 'ICC(2,k)', 'ICC(3,k)'];

const FORM_INFO: Record<IccForm, { mcGrawWong: string; model: string; type: string; unit: 'single' | 'average' }> = {
  'ICC(1,1)': { mcGrawWong: 'ICC(1)', model: 'one-way random', type: 'absolute agreement', unit: 'single' },
  'ICC(2,1)': { mcGrawWong: 'ICC(A,1)', model: 'two-way random', type: 'absolute agreement', unit: 'single' },
  'ICC(3,1)': { mcGrawWong: 'ICC(C,1)', model: 'two-way mixed', type: 'consistency', unit: 'single' },
  'ICC(1,k)': { mcGrawWong: 'ICC(k)', model: 'one-way random', type: 'absolute agreement', unit: 'average' },
  'ICC(2,k)': { mcGrawWong: 'ICC(A,k)', model: 'two-way random', type: 'absolute agreement', unit: 'average' },
  'ICC(3,k)': { mcGrawWong: 'ICC(C,k)', model: 'two-way mixed', type: 'consistency', unit: 'average' },
};

export interface IccAnova {
  /** Targets used (complete rows) and raters. */
  n: number;
  k: number;
  /** Mean squares: between targets (rows), between raters (columns), residual, within targets. */
  msr: number;
  msc: number;
  mse: number;
  msw: number;
}

export interface IccEstimate {
  form: IccForm;
  /** McGraw & Wong (1996) name, e.g. ICC(A,1). */
  mcGrawWong: string;
  model: string;
  type: string;
  unit: 'single' | 'average';
  value: number;
  /** F test of ICC = 0 and its p-value (one-sided). */
  f: number;
  df1: number;
  df2: number;
  p: number;
  /** F-distribution based interval (McGraw & Wong 1996, Table 7; Satterthwaite df for A forms). */
  ci: { lower: number; upper: number; confidence: number; method: 'F' };
  bootstrap: BootstrapInterval | null;
}

export interface IccResult {
  anova: IccAnova;
  /** Targets dropped because at least one rating was missing (listwise deletion). */
  droppedTargets: number;
  forms: IccEstimate[];
}

export interface IccOptions {
  /** Confidence level of both intervals (default 0.95). */
  confidence?: number;
  /** Bootstrap the targets (default: 1000 resamples, seed 1, block length 1); false to skip. */
  bootstrap?: BootstrapOptions | false;
}

interface AnovaScratch {
  colSum: Float64Array;
}

/** Mean squares of the two-way ANOVA over the given rows (duplicates allowed: bootstrap). */
export function iccAnova(m: RatingMatrix, rows: ArrayLike<number>, scratch?: AnovaScratch): IccAnova {
  const k = m.raters;
  const n = rows.length;
  const v = m.values;
  const colSum = scratch?.colSum ?? new Float64Array(k);
  colSum.fill(0);
  let total = 0;
  for (let r = 0; r < n; r++) {
    const base = rows[r] * k;
    for (let j = 0; j < k; j++) {
      const x = v[base + j];
      colSum[j] += x;
      total += x;
    }
  }
  const gm = total / (n * k);
  let ssr = 0;
  let sst = 0;
  for (let r = 0; r < n; r++) {
    const base = rows[r] * k;
    let rs = 0;
    for (let j = 0; j < k; j++) {
      const d = v[base + j] - gm;
      sst += d * d;
      rs += v[base + j];
    }
    const dr = rs / k - gm;
    ssr += dr * dr;
  }
  ssr *= k;
  let ssc = 0;
  for (let j = 0; j < k; j++) {
    const dc = colSum[j] / n - gm;
    ssc += dc * dc;
  }
  ssc *= n;
  const sse = Math.max(0, sst - ssr - ssc);
  const ssw = Math.max(0, sst - ssr);
  return {
    n,
    k,
    msr: ssr / (n - 1),
    msc: ssc / (k - 1),
    mse: sse / ((n - 1) * (k - 1)),
    msw: ssw / (n * (k - 1)),
  };
}

/** The six point estimates, in ICC_FORMS order, written into out. */
export function iccValues(a: IccAnova, out: Float64Array): void {
  const { n, k, msr, msc, mse, msw } = a;
  out[0] = (msr - msw) / (msr + (k - 1) * msw);
  out[1] = (msr - mse) / (msr + (k - 1) * mse + (k * (msc - mse)) / n);
  out[2] = (msr - mse) / (msr + (k - 1) * mse);
  out[3] = (msr - msw) / msr;
  out[4] = (msr - mse) / (msr + (msc - mse) / n);
  out[5] = (msr - mse) / msr;
}

/** F-based intervals of McGraw & Wong (1996), in ICC_FORMS order. */
function fIntervals(a: IccAnova, single2: number, confidence: number): Array<[number, number]> {
  const { n, k, msr, msc, mse, msw } = a;
  const q = 1 - (1 - confidence) / 2;
  // One-way model: F = MSR/MSW.
  const f1 = msr / msw;
  const f1L = f1 / fQuantile(q, n - 1, n * (k - 1));
  const f1U = f1 * fQuantile(q, n * (k - 1), n - 1);
  // Consistency (two-way mixed): F = MSR/MSE.
  const f3 = msr / mse;
  const f3L = f3 / fQuantile(q, n - 1, (n - 1) * (k - 1));
  const f3U = f3 * fQuantile(q, (n - 1) * (k - 1), n - 1);
  // Absolute agreement (two-way random): Satterthwaite degrees of freedom for the denominator.
  const r = single2;
  const aa = (k * r) / (n * (1 - r));
  const bb = 1 + (k * r * (n - 1)) / (n * (1 - r));
  const v = (aa * msc + bb * mse) ** 2 / ((aa * msc) ** 2 / (k - 1) + (bb * mse) ** 2 / ((n - 1) * (k - 1)));
  const fs = fQuantile(q, n - 1, v);
  const fs2 = fQuantile(q, v, n - 1);
  const c = k * msc + (k * n - k - n) * mse;
  const l2 = (n * (msr - fs * mse)) / (fs * c + n * msr);
  const u2 = (n * (fs2 * msr - mse)) / (c + n * fs2 * msr);
  const sb = (x: number) => (k * x) / (1 + (k - 1) * x);
  return [
    [(f1L - 1) / (f1L + k - 1), (f1U - 1) / (f1U + k - 1)],
    [l2, u2],
    [(f3L - 1) / (f3L + k - 1), (f3U - 1) / (f3U + k - 1)],
    [1 - 1 / f1L, 1 - 1 / f1U],
    [sb(l2), sb(u2)],
    [1 - 1 / f3L, 1 - 1 / f3U],
  ];
}

/**
 * All six ICC forms of a targets x raters matrix. Targets with a missing rating are dropped
 * (listwise); at least 2 raters and 3 complete targets are needed.
 */
export function icc(m: RatingMatrix, opts: IccOptions = {}): IccResult {
  const confidence = opts.confidence ?? 0.95;
  if (!(confidence > 0 && confidence < 1)) {
    throw new AnnotationError('BAD_OPTION', `confidence is ${confidence}; expected a number in (0, 1)`, { confidence });
  }
  if (m.raters < 2) throw new AnnotationError('TOO_FEW_RATERS', `ICC needs at least 2 raters; got ${m.raters}`, { raters: m.raters });
  const rows = completeTargets(m);
  if (rows.length < 3) {
    throw new AnnotationError('TOO_FEW_POINTS', `ICC needs at least 3 targets rated by every rater; got ${rows.length} of ${m.targets}`, {
      complete: rows.length,
      targets: m.targets,
    });
  }
  const anova = iccAnova(m, rows);
  const values = new Float64Array(6);
  iccValues(anova, values);
  const cis = fIntervals(anova, values[1], confidence);
  const { n, k } = anova;
  const f1 = anova.msr / anova.msw;
  const f3 = anova.msr / anova.mse;
  let boot: BootstrapInterval[] | null = null;
  if (opts.bootstrap !== false) {
    const scratch = { colSum: new Float64Array(k) };
    const mapped = new Int32Array(rows.length);
    boot = bootstrapIntervals(
      rows.length,
      6,
      (idx, out) => {
        for (let i = 0; i < idx.length; i++) mapped[i] = rows[idx[i]];
        iccValues(iccAnova(m, mapped, scratch), out);
      },
      { confidence, ...(opts.bootstrap ?? {}) },
    );
  }
  const forms = ICC_FORMS.map((form, i): IccEstimate => {
    const oneWay = i === 0 || i === 3;
    const f = oneWay ? f1 : f3;
    const df1 = n - 1;
    const df2 = oneWay ? n * (k - 1) : (n - 1) * (k - 1);
    return {
      form,
      ...FORM_INFO[form],
      value: values[i],
      f,
      df1,
      df2,
      p: 1 - fCdf(f, df1, df2),
      ci: { lower: cis[i][0], upper: cis[i][1], confidence, method: 'F' },
      bootstrap: boot ? boot[i] : null,
    };
  });
  return { anova, droppedTargets: m.targets - rows.length, forms };
}
