// Realistic synthetic ECG with known R-peaks for the detector tests and the R-peak benchmark:
// each beat a McSharry-like sum of Gaussians (P, Q, R, S, T; QT shortening with heart rate),
// RR intervals with LF/HF modulation and jitter, plus baseline wander, EMG noise (with bursts),
// power-line interference and respiratory amplitude modulation.

export interface SynthEcgOptions {
  rateHz: number;
  durationSec: number;
  /** Heart rate over time (bpm). */
  heartRateBpm: number | ((tSec: number) => number);
  seed?: number;
  /** RR modulation depth at 0.1 Hz and 0.25 Hz (fractions of RR) and white jitter (fraction). */
  lfDepth?: number;
  hfDepth?: number;
  jitter?: number;
  /** R amplitude, mV (default 1). */
  amplitudeMv?: number;
  /** Baseline wander peak amplitude, mV (default 0.4). */
  baselineMv?: number;
  /** EMG noise standard deviation, mV (default 0.04), tripled during bursts. */
  emgMv?: number;
  /** Bursts of EMG per minute (default 2, each 1.5 s). */
  emgBurstsPerMin?: number;
  /** Power-line amplitude, mV (default 0.1) and frequency (default 50). */
  powerlineMv?: number;
  lineHz?: number;
  /** Multiply the whole signal by -1 (an inverted lead). */
  invert?: boolean;
}

export interface SynthEcg {
  signal: Float32Array;
  /** True R-peak sample indices. */
  rPeaks: Int32Array;
  /** True R-peak times, s. */
  rTimesSec: Float64Array;
}

export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussianSource(seed: number): () => number {
  const u = prng(seed);
  return () => Math.sqrt(-2 * Math.log(u() + 1e-12)) * Math.cos(2 * Math.PI * u());
}

// Wave: offset from R (s, scaled by sqrt(RR) when `scales`), amplitude (x R), width sigma (s).
const WAVES: Array<{ offsetSec: number; amp: number; sigmaSec: number; scales: boolean }> = [
  { offsetSec: -0.17, amp: 0.12, sigmaSec: 0.025, scales: true }, // P
  { offsetSec: -0.028, amp: -0.12, sigmaSec: 0.008, scales: false }, // Q
  { offsetSec: 0, amp: 1, sigmaSec: 0.01, scales: false }, // R
  { offsetSec: 0.028, amp: -0.25, sigmaSec: 0.009, scales: false }, // S
  { offsetSec: 0.3, amp: 0.3, sigmaSec: 0.05, scales: true }, // T
];

export function synthEcg(opts: SynthEcgOptions): SynthEcg {
  const fs = opts.rateHz;
  const n = Math.round(opts.durationSec * fs);
  const hr = typeof opts.heartRateBpm === 'number' ? () => opts.heartRateBpm as number : opts.heartRateBpm;
  const g = gaussianSource(opts.seed ?? 1);
  const u = prng((opts.seed ?? 1) * 7919 + 3);
  const lf = opts.lfDepth ?? 0.03;
  const hf = opts.hfDepth ?? 0.02;
  const jitter = opts.jitter ?? 0.01;
  const amp = opts.amplitudeMv ?? 1;
  const x = new Float64Array(n);
  const times: number[] = [];
  let t = 0.35 + 0.3 * u();
  while (t < opts.durationSec - 0.05) {
    times.push(t);
    const rrMean = 60 / hr(t);
    const rr = rrMean * (1 + lf * Math.sin(2 * Math.PI * 0.1 * t) + hf * Math.sin(2 * Math.PI * 0.25 * t + 1) + jitter * g());
    t += Math.max(0.25, rr);
  }
  for (let b = 0; b < times.length; b++) {
    const tr = times[b]!;
    const rr = b + 1 < times.length ? times[b + 1]! - tr : b > 0 ? tr - times[b - 1]! : 60 / hr(tr);
    const s = Math.sqrt(Math.min(1.5, rr));
    const beatAmp = amp * (1 + 0.08 * g()) * (1 + 0.1 * Math.sin(2 * Math.PI * 0.25 * tr));
    for (const w of WAVES) {
      const centre = tr + (w.scales ? w.offsetSec * s : w.offsetSec);
      const sigma = w.scales ? w.sigmaSec * s : w.sigmaSec;
      const i0 = Math.max(0, Math.floor((centre - 4 * sigma) * fs));
      const i1 = Math.min(n - 1, Math.ceil((centre + 4 * sigma) * fs));
      for (let i = i0; i <= i1; i++) {
        const d = (i / fs - centre) / sigma;
        x[i] += beatAmp * w.amp * Math.exp(-0.5 * d * d);
      }
    }
  }
  const baseline = opts.baselineMv ?? 0.4;
  const emg = opts.emgMv ?? 0.04;
  const pl = opts.powerlineMv ?? 0.1;
  const lineHz = opts.lineHz ?? 50;
  const bursts: Array<[number, number]> = [];
  const burstCount = Math.round(((opts.emgBurstsPerMin ?? 2) * opts.durationSec) / 60);
  for (let k = 0; k < burstCount; k++) {
    const start = u() * opts.durationSec;
    bursts.push([start, start + 1.5]);
  }
  bursts.sort((a, b) => a[0] - b[0]);
  const phase1 = u() * 6.28;
  const phase2 = u() * 6.28;
  let walk = 0;
  let bi = 0;
  for (let i = 0; i < n; i++) {
    const ts = i / fs;
    walk = 0.9995 * walk + 0.002 * g();
    while (bi < bursts.length && bursts[bi]![1] < ts) bi++;
    const inBurst = bi < bursts.length && ts >= bursts[bi]![0];
    x[i] +=
      baseline * (0.6 * Math.sin(2 * Math.PI * 0.15 * ts + phase1) + 0.4 * Math.sin(2 * Math.PI * 0.33 * ts + phase2)) +
      walk +
      emg * (inBurst ? 3 : 1) * g() +
      pl * Math.sin(2 * Math.PI * lineHz * ts + phase2);
  }
  const sign = opts.invert ? -1 : 1;
  const signal = new Float32Array(n);
  for (let i = 0; i < n; i++) signal[i] = sign * x[i]!;
  const rTimesSec = Float64Array.from(times);
  const rPeaks = Int32Array.from(times, (tr) => Math.round(tr * fs));
  return { signal, rPeaks, rTimesSec };
}

/** Sensitivity and positive predictivity with one-to-one matching within `toleranceSec`. */
export function scoreDetections(truth: ArrayLike<number>, detected: ArrayLike<number>, rateHz: number, toleranceSec = 0.15): { tp: number; fn: number; fp: number; se: number; ppv: number } {
  const tol = toleranceSec * rateHz;
  let i = 0;
  let j = 0;
  let tp = 0;
  while (i < truth.length && j < detected.length) {
    const d = detected[j]! - truth[i]!;
    if (Math.abs(d) <= tol) {
      tp++;
      i++;
      j++;
    } else if (d < 0) j++;
    else i++;
  }
  const fn = truth.length - tp;
  const fp = detected.length - tp;
  return { tp, fn, fp, se: tp / Math.max(1, tp + fn), ppv: tp / Math.max(1, tp + fp) };
}
