// Robust straight-line fit (Huber M-estimator) used by clock synchronisation: clock-offset
// measurements vs time, online per source (ClockSync) and offline like pyxdf (synchronizeClocksOffline).

import { StreamError } from '../errors.js';

/** y ≈ interceptSec + slope * x, with the RMS of the residuals over all points (outliers included). */
export interface LinearFit {
  interceptSec: number;
  slope: number;
  residualRmsSec: number;
}

export interface RobustFitOptions {
  /** Residuals larger than this (in y units, seconds) get linear instead of quadratic loss.
   *  Default: adaptive, 1.345 × the robust residual scale (1.4826 × MAD), the usual 95 %-efficiency choice. */
  huberThreshold?: number;
  /** Upper bound on IRLS iterations (default 200; typical fits converge in 5–50). */
  maxIterations?: number;
}

/** The full result of a fit, in the centred form the callers evaluate with (numerically safe for x ~ 1e5). */
export interface CentredFit {
  /** x the fit is centred on (mean of x). */
  xCentre: number;
  /** Fitted y at xCentre. */
  yAtCentre: number;
  slope: number;
  residualRmsSec: number;
  /** 1.4826 × median |residual| at the solution: a scale that outliers do not inflate. */
  robustScaleSec: number;
}

/** Scratch buffers so a caller that refits often (ClockSync) does not allocate per fit. */
export interface FitScratch {
  residuals: Float64Array;
  sorted: Float64Array;
}

export function makeFitScratch(capacity: number): FitScratch {
  return { residuals: new Float64Array(capacity), sorted: new Float64Array(capacity) };
}

const HUBER_K = 1.345;
const MAD_TO_SIGMA = 1.4826;
/** After this many iterations the adaptive threshold is frozen so the iteration is a pure
 *  majorise-minimise scheme and converges monotonically. */
const ADAPTIVE_SCALE_ITERATIONS = 10;

/**
 * Robust linear fit of y ≈ interceptSec + slope * x with the Huber loss.
 *
 * Method: iteratively reweighted least squares (IRLS). It converges to the same minimiser as
 * pyxdf's ADMM solver of the Huber problem (convex), stopping on a tolerance instead of after a
 * fixed 1000 iterations. x is centred on its mean before fitting (LSL clocks are ~1e5 s). The
 * start is robust (slope between the medians of the two halves in x, median-residual intercept),
 * so one-sided outliers do not bias it; with no threshold given, the threshold follows the MAD of
 * the residuals for the first iterations, then stays fixed. With all x equal the slope is 0 and
 * the intercept a Huber location of y. One point: the line through it with slope 0.
 */
export function robustLinearFit(x: ArrayLike<number>, y: ArrayLike<number>, opts: RobustFitOptions = {}): LinearFit {
  if (x.length !== y.length) {
    throw new StreamError('LENGTH_MISMATCH', `robustLinearFit: x has ${x.length} values but y has ${y.length}`, {
      xLength: x.length,
      yLength: y.length,
    });
  }
  if (x.length === 0) throw new StreamError('NOT_ENOUGH_POINTS', 'robustLinearFit: no points to fit (x and y are empty)');
  assertFinite(x, 'x', 'robustLinearFit');
  assertFinite(y, 'y', 'robustLinearFit');
  const fit = robustLinearFitCentred(x, y, x.length, opts, makeFitScratch(x.length));
  return toLinearFit(fit);
}

export function toLinearFit(fit: CentredFit): LinearFit {
  return {
    interceptSec: fit.yAtCentre - fit.slope * fit.xCentre,
    slope: fit.slope,
    residualRmsSec: fit.residualRmsSec,
  };
}

/** Validation of options shared by the public entry points. */
export function checkFitOptions(opts: RobustFitOptions, where: string): void {
  const k = opts.huberThreshold;
  if (k !== undefined && !(Number.isFinite(k) && k > 0)) {
    throw new StreamError('BAD_OPTION', `${where}: huberThreshold must be a positive finite number, got ${k}`, {
      option: 'huberThreshold',
      value: k,
    });
  }
  const it = opts.maxIterations;
  if (it !== undefined && !(Number.isInteger(it) && it >= 1)) {
    throw new StreamError('BAD_OPTION', `${where}: maxIterations must be an integer >= 1, got ${it}`, {
      option: 'maxIterations',
      value: it,
    });
  }
}

/**
 * The fit on the first n points of x and y, without validation (callers validate) and without
 * allocation when `scratch` holds at least n values.
 */
export function robustLinearFitCentred(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  opts: RobustFitOptions,
  scratch: FitScratch,
): CentredFit {
  checkFitOptions(opts, 'robustLinearFit');
  const fixedK = opts.huberThreshold;
  const maxIterations = opts.maxIterations ?? 200;
  const r = scratch.residuals;
  const sorted = scratch.sorted;

  let xm = 0;
  let ym = 0;
  for (let i = 0; i < n; i++) {
    xm += x[i];
    ym += y[i];
  }
  xm /= n;
  ym /= n;
  // Everything below works on dx = x - xm, dy = y - ym: the line is dy ≈ a + b * dx.
  let sxx = 0;
  let sxy = 0;
  let maxAbsDx = 0;
  let maxAbsDy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - xm;
    const dy = y[i] - ym;
    sxx += dx * dx;
    sxy += dx * dy;
    if (Math.abs(dx) > maxAbsDx) maxAbsDx = Math.abs(dx);
    if (Math.abs(dy) > maxAbsDy) maxAbsDy = Math.abs(dy);
  }
  const hasSlope = sxx > 0;
  // Robust start: the slope between the medians of the lower and upper halves in x (a few
  // far-off points cannot pull it), then the intercept that makes the median residual 0.
  let b = hasSlope ? halvesSlope(x, y, n, r, sorted, sxy / sxx) : 0;
  let a = 0;
  residuals(x, y, n, xm, ym, a, b, r);
  a += median(r, n, sorted);

  // Convergence: the fitted line moves by less than this anywhere on the data's x-range.
  const floorTol = 8 * Number.EPSILON * (Math.abs(ym) + maxAbsDy + 1e-300);
  let k = fixedK ?? 0;
  for (let iter = 0; iter < maxIterations; iter++) {
    residuals(x, y, n, xm, ym, a, b, r);
    if (fixedK === undefined && iter < ADAPTIVE_SCALE_ITERATIONS) {
      const scale = MAD_TO_SIGMA * medianAbs(r, n, sorted);
      // A perfect majority fit (scale 0) keeps a tiny positive threshold: exact points get weight 1.
      k = Math.max(HUBER_K * scale, floorTol);
    }
    // Weighted least squares with Huber weights, two passes for weighted centring.
    let sw = 0;
    let swx = 0;
    let swy = 0;
    for (let i = 0; i < n; i++) {
      const ar = Math.abs(r[i]);
      const w = ar <= k ? 1 : k / ar;
      sw += w;
      swx += w * (x[i] - xm);
      swy += w * (y[i] - ym);
    }
    const wxm = swx / sw;
    const wym = swy / sw;
    let cxx = 0;
    let cxy = 0;
    for (let i = 0; i < n; i++) {
      const ar = Math.abs(r[i]);
      const w = ar <= k ? 1 : k / ar;
      const dx = x[i] - xm - wxm;
      cxx += w * dx * dx;
      cxy += w * dx * (y[i] - ym - wym);
    }
    const bNew = hasSlope && cxx > 0 ? cxy / cxx : 0;
    const aNew = wym - bNew * wxm;
    const change = Math.abs(aNew - a) + Math.abs(bNew - b) * maxAbsDx;
    a = aNew;
    b = bNew;
    const frozen = fixedK !== undefined || iter >= ADAPTIVE_SCALE_ITERATIONS - 1;
    if (frozen && change <= Math.max(1e-9 * k, floorTol)) break;
  }

  residuals(x, y, n, xm, ym, a, b, r);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += r[i] * r[i];
  return {
    xCentre: xm,
    yAtCentre: ym + a,
    slope: b,
    residualRmsSec: Math.sqrt(ss / n),
    robustScaleSec: MAD_TO_SIGMA * medianAbs(r, n, sorted),
  };
}

/** Slope through (median x, median y) of the points below and above the median x; `fallback`
 *  when one side is empty. `buf` and `sorted` are scratch of at least n values. */
function halvesSlope(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  buf: Float64Array,
  sorted: Float64Array,
  fallback: number,
): number {
  const xMedian = median(x, n, sorted);
  let nLow = 0;
  for (let i = 0; i < n; i++) if (x[i] < xMedian) buf[nLow++] = y[i];
  let nHigh = 0;
  for (let i = 0; i < n; i++) if (x[i] > xMedian) buf[nLow + nHigh++] = y[i];
  if (nLow === 0 || nHigh === 0) return fallback;
  const yLow = median(buf, nLow, sorted);
  const yHigh = median(buf.subarray(nLow), nHigh, sorted);
  nLow = 0;
  for (let i = 0; i < n; i++) if (x[i] < xMedian) buf[nLow++] = x[i];
  nHigh = 0;
  for (let i = 0; i < n; i++) if (x[i] > xMedian) buf[nLow + nHigh++] = x[i];
  const xLow = median(buf, nLow, sorted);
  const xHigh = median(buf.subarray(nLow), nHigh, sorted);
  return (yHigh - yLow) / (xHigh - xLow);
}

function residuals(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  xm: number,
  ym: number,
  a: number,
  b: number,
  out: Float64Array,
): void {
  for (let i = 0; i < n; i++) out[i] = y[i] - ym - (a + b * (x[i] - xm));
}

/** Median of the first n values of v (v untouched; `sorted` is scratch). */
export function median(v: ArrayLike<number>, n: number, sorted: Float64Array): number {
  const s = sorted.subarray(0, n);
  for (let i = 0; i < n; i++) s[i] = v[i];
  s.sort();
  const h = n >> 1;
  return n % 2 === 1 ? s[h] : 0.5 * (s[h - 1] + s[h]);
}

function medianAbs(v: ArrayLike<number>, n: number, sorted: Float64Array): number {
  const s = sorted.subarray(0, n);
  for (let i = 0; i < n; i++) s[i] = Math.abs(v[i]);
  s.sort();
  const h = n >> 1;
  return n % 2 === 1 ? s[h] : 0.5 * (s[h - 1] + s[h]);
}

/** Throws StreamError NON_FINITE naming the array and the first bad index. */
export function assertFinite(v: ArrayLike<number>, name: string, where: string): void {
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) {
      throw new StreamError('NON_FINITE', `${where}: ${name}[${i}] is ${v[i]}; expected a finite number`, {
        array: name,
        index: i,
        value: v[i],
      });
    }
  }
}
