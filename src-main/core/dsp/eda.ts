// Electrodermal activity: cleaning, tonic/phasic decomposition (0.05 Hz high-pass, and a
// deconvolution with a Bateman impulse response after Benedek & Kaernbach's continuous
// decomposition analysis), and skin conductance response (SCR) detection with onset, peak,
// amplitude, rise time and half-recovery time. Used by CLI analyze and the model baselines.

import { DspError } from '../errors.js';
import { butterworth, filtfilt, type Samples } from './iir.js';

export interface EdaComponents {
  /** Slow level (skin conductance level, SCL), same unit as the input (uS). */
  tonic: Float64Array;
  /** Fast responses (SCRs); tonic + phasic equals the (cleaned) signal decomposed. */
  phasic: Float64Array;
}

function checkSignal(sc: Samples, rateHz: number, what: string): void {
  if (!(rateHz > 0) || !Number.isFinite(rateHz)) {
    throw new DspError('invalid-rate', `${what}: rateHz must be positive and finite, got ${rateHz}`, { rateHz });
  }
  if (sc.length < 4) {
    throw new DspError('too-short', `${what}: need at least 4 samples, got ${sc.length}`, { n: sc.length });
  }
}

/** Zero-phase Butterworth low-pass (default 3 Hz, order 4; at most 0.4 x the rate) against noise. */
export function cleanEda(sc: Samples, rateHz: number, opts: { cutoffHz?: number; order?: number } = {}): Float64Array {
  checkSignal(sc, rateHz, 'cleanEda');
  const cutoff = Math.min(opts.cutoffHz ?? 3, 0.4 * rateHz);
  return filtfilt(butterworth('lowpass', opts.order ?? 4, cutoff, rateHz), sc);
}

/**
 * Tonic/phasic by high-pass filtering (as Biopac and NeuroKit's 'highpass' method): phasic is the
 * signal high-passed at 0.05 Hz (Butterworth, zero-phase), tonic the remainder.
 */
export function edaHighpassDecomposition(sc: Samples, rateHz: number, opts: { cutoffHz?: number; order?: number } = {}): EdaComponents {
  checkSignal(sc, rateHz, 'edaHighpassDecomposition');
  const phasic = filtfilt(butterworth('highpass', opts.order ?? 1, opts.cutoffHz ?? 0.05, rateHz), sc);
  const tonic = new Float64Array(sc.length);
  for (let i = 0; i < sc.length; i++) tonic[i] = sc[i]! - phasic[i]!;
  return { tonic, phasic };
}

export interface DeconvolutionOptions {
  /** Bateman rise and decay time constants, s (defaults 0.75 and 2). */
  tau1Sec?: number;
  tau2Sec?: number;
  /** Spacing of the tonic-driver estimates, s (default 10). */
  gridSec?: number;
  /** Quantile of the driver taken as the tonic level in each grid window (default 0.25). */
  tonicQuantile?: number;
  /** Low-pass applied before deconvolving, Hz (default 1; deconvolution amplifies noise). */
  smoothHz?: number;
  /** Driver excursions within this many noise standard deviations of the tonic driver are
   *  noise, not phasic activity (default 2). */
  noiseSigmas?: number;
}

export interface EdaDeconvolution extends EdaComponents {
  /** The deconvolved driver (uS, unit-area impulse response), its tonic part and the
   *  non-negative phasic driver (the sudomotor bursts). */
  driver: Float64Array;
  tonicDriver: Float64Array;
  phasicDriver: Float64Array;
}

/** Discretised unit-DC-gain Bateman response as a two-pole filter:
 *  H(z) = g z^-1 / ((1 - a1 z^-1)(1 - a2 z^-1)), g = (1 - a1)(1 - a2). */
function batemanPoles(tau1Sec: number, tau2Sec: number, rateHz: number): { a1: number; a2: number; g: number } {
  if (!(tau1Sec > 0) || !(tau2Sec > tau1Sec)) {
    throw new DspError('invalid-filter-options', `Bateman response needs 0 < tau1 < tau2, got tau1=${tau1Sec} s, tau2=${tau2Sec} s`, { tau1Sec, tau2Sec });
  }
  const a1 = Math.exp(-1 / (tau1Sec * rateHz));
  const a2 = Math.exp(-1 / (tau2Sec * rateHz));
  return { a1, a2, g: (1 - a1) * (1 - a2) };
}

/** The Bateman impulse response (unit area) sampled at rateHz: h(t) ~ exp(-t/tau2) - exp(-t/tau1). */
export function batemanImpulseResponse(tau1Sec: number, tau2Sec: number, rateHz: number, durationSec = 5 * tau2Sec): Float64Array {
  const { a1, a2, g } = batemanPoles(tau1Sec, tau2Sec, rateHz);
  const n = Math.max(2, Math.round(durationSec * rateHz));
  const h = new Float64Array(n);
  // Impulse through the two-pole recursion.
  let y1 = 0;
  let y2 = 0;
  for (let i = 0; i < n; i++) {
    const x1 = i === 1 ? 1 : 0;
    const y = (a1 + a2) * y1 - a1 * a2 * y2 + g * x1;
    h[i] = y;
    y2 = y1;
    y1 = y;
  }
  return h;
}

function quantileOf(values: Float64Array, from: number, to: number, q: number, scratch: Float64Array): number {
  const m = to - from;
  const s = scratch.subarray(0, m);
  s.set(values.subarray(from, to));
  s.sort();
  return s[Math.min(m - 1, Math.max(0, Math.floor(q * (m - 1))))]!;
}

/**
 * Tonic/phasic by deconvolution, a light form of Benedek & Kaernbach's (2010) continuous
 * decomposition analysis: the smoothed conductance is deconvolved by the exact inverse of a
 * discretised Bateman impulse response (unit area), giving the driver; the tonic driver is the
 * driver's low quantile in windows of `gridSec`, interpolated linearly between window centres;
 * the phasic driver is the non-negative excess; phasic = phasic driver convolved with the
 * impulse response; tonic = smoothed signal - phasic.
 */
export function edaDeconvolutionDecomposition(sc: Samples, rateHz: number, opts: DeconvolutionOptions = {}): EdaDeconvolution {
  checkSignal(sc, rateHz, 'edaDeconvolutionDecomposition');
  const { a1, a2, g } = batemanPoles(opts.tau1Sec ?? 0.75, opts.tau2Sec ?? 2, rateHz);
  const n = sc.length;
  const smoothHz = Math.min(opts.smoothHz ?? 1, 0.4 * rateHz);
  const s = filtfilt(butterworth('lowpass', 2, smoothHz, rateHz), sc);
  // Exact inverse of the two-pole response: d[k] = (s[k+1] - (a1 + a2) s[k] + a1 a2 s[k-1]) / g.
  const driver = new Float64Array(n);
  for (let k = 1; k < n - 1; k++) driver[k] = (s[k + 1]! - (a1 + a2) * s[k]! + a1 * a2 * s[k - 1]!) / g;
  driver[0] = driver[1]!;
  driver[n - 1] = driver[n - 2]!;
  // Tonic driver: a low quantile per grid window, linear between window centres.
  const win = Math.max(4, Math.round((opts.gridSec ?? 10) * rateHz));
  const q = opts.tonicQuantile ?? 0.25;
  if (!(q >= 0 && q <= 1)) throw new DspError('invalid-filter-options', `tonicQuantile must be in [0, 1], got ${q}`, { tonicQuantile: q });
  const windows = Math.max(1, Math.ceil(n / win));
  const centres = new Float64Array(windows);
  const levels = new Float64Array(windows);
  const scratch = new Float64Array(win);
  for (let w = 0; w < windows; w++) {
    const from = w * win;
    const to = Math.min(n, from + win);
    centres[w] = (from + to - 1) / 2;
    levels[w] = quantileOf(driver, from, to, q, scratch);
  }
  const tonicDriver = new Float64Array(n);
  for (let i = 0, w = 0; i < n; i++) {
    while (w < windows - 1 && i > centres[w + 1]!) w++;
    if (windows === 1 || i <= centres[0]!) tonicDriver[i] = levels[0]!;
    else if (i >= centres[windows - 1]!) tonicDriver[i] = levels[windows - 1]!;
    else {
      const f = (i - centres[w]!) / (centres[w + 1]! - centres[w]!);
      tonicDriver[i] = levels[w]! + f * (levels[w + 1]! - levels[w]!);
    }
  }
  // Noise level of the driver from its excursions below the tonic driver (only noise goes
  // there): sigma = median |r| / 0.6745 over r < 0. The phasic driver is the excess over the
  // tonic driver beyond two sigma, so noise does not pile up into a slowly rising phasic floor.
  const below: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = driver[i]! - tonicDriver[i]!;
    if (r < 0) below.push(-r);
  }
  below.sort((a, b) => a - b);
  const sigma = below.length > 0 ? below[below.length >> 1]! / 0.6745 : 0;
  const floor = (opts.noiseSigmas ?? 2) * sigma;
  const phasicDriver = new Float64Array(n);
  for (let i = 0; i < n; i++) phasicDriver[i] = Math.max(0, driver[i]! - tonicDriver[i]! - floor);
  // Phasic: the phasic driver through the Bateman response, started in the steady state of
  // the first driver value (the record does not begin at rest).
  const phasic = new Float64Array(n);
  let y1 = phasicDriver[0]!;
  let y2 = y1;
  for (let i = 0; i < n; i++) {
    const y = (a1 + a2) * y1 - a1 * a2 * y2 + g * phasicDriver[Math.max(0, i - 1)]!;
    phasic[i] = y;
    y2 = y1;
    y1 = y;
  }
  const tonic = new Float64Array(n);
  for (let i = 0; i < n; i++) tonic[i] = s[i]! - phasic[i]!;
  return { tonic, phasic, driver, tonicDriver, phasicDriver };
}

export interface Scr {
  onsetIndex: number;
  peakIndex: number;
  onsetSec: number;
  peakSec: number;
  /** Peak minus onset level (uS). */
  amplitude: number;
  riseTimeSec: number;
  /** From the peak until the signal is back down by half the amplitude; NaN if the next SCR
   *  starts (or the record ends) first. */
  halfRecoverySec: number;
}

export interface ScrOptions {
  /** Smallest response counted, in the signal's unit (default 0.01 uS). */
  minAmplitude?: number;
  /** Low-pass before finding turning points, Hz (default 1; 0 = none, for an already smooth
   *  phasic component). */
  smoothHz?: number;
}

/**
 * SCRs by the trough-to-peak method on a signal low-passed at 1 Hz: a rise from where the slope
 * turns positive to where it turns negative again (rises interrupted by dips shallower than half
 * the minimum amplitude are one response); its onset is the foot of the rise (where the slope
 * falls under 5 % of its steepest, walking back from the steepest point), and it is kept when
 * peak - onset is at least `minAmplitude`. Give it the phasic component (analyzeEda uses the deconvolution's): on the raw
 * conductance a rising tonic level between responses would count as responses too.
 */
export function detectScrs(sc: Samples, rateHz: number, opts: ScrOptions = {}): Scr[] {
  checkSignal(sc, rateHz, 'detectScrs');
  const minAmp = opts.minAmplitude ?? 0.01;
  if (!(minAmp > 0)) throw new DspError('invalid-filter-options', `minAmplitude must be positive, got ${minAmp}`, { minAmplitude: minAmp });
  const smoothHz = opts.smoothHz ?? 1;
  const x = smoothHz > 0 ? filtfilt(butterworth('lowpass', 2, Math.min(smoothHz, 0.4 * rateHz), rateHz), sc) : Float64Array.from(sc);
  const n = x.length;
  const mergeDip = 0.5 * minAmp;
  // Turning points: troughs (slope - -> +) and peaks (+ -> -).
  const rises: Array<[number, number]> = [];
  let i = 1;
  while (i < n) {
    while (i < n && x[i]! <= x[i - 1]!) i++;
    if (i >= n) break;
    const onset = i - 1;
    while (i < n && x[i]! > x[i - 1]!) i++;
    let peak = i - 1;
    // Merge through shallow dips while the signal goes on to a higher peak.
    for (;;) {
      let j = i;
      while (j < n && x[j]! <= x[j - 1]!) j++;
      if (j >= n || x[peak]! - x[j - 1]! >= mergeDip) break;
      let k = j;
      while (k < n && x[k]! > x[k - 1]!) k++;
      if (x[k - 1]! <= x[peak]!) break;
      peak = k - 1;
      i = k;
    }
    // The foot of the rise: back from the steepest point to where the slope falls under 5 % of
    // it, so a slowly creeping level before the response does not count as its rise.
    let steepest = onset + 1;
    for (let j = onset + 1; j <= peak; j++) if (x[j]! - x[j - 1]! > x[steepest]! - x[steepest - 1]!) steepest = j;
    const maxSlope = x[steepest]! - x[steepest - 1]!;
    let foot = steepest - 1;
    while (foot > onset && x[foot]! - x[foot - 1]! > 0.05 * maxSlope) foot--;
    rises.push([foot, peak]);
  }
  // A rise from the very first sample has no observed onset: not counted.
  const kept = rises.filter(([o, p]) => o > 0 && x[p]! - x[o]! >= minAmp);
  return kept.map(([onset, peak], idx) => {
    const amplitude = x[peak]! - x[onset]!;
    const limit = idx + 1 < kept.length ? kept[idx + 1]![0] : n - 1;
    const target = x[peak]! - amplitude / 2;
    let half = Number.NaN;
    for (let j = peak + 1; j <= limit; j++) {
      if (x[j]! <= target) {
        half = (j - peak) / rateHz;
        break;
      }
    }
    return {
      onsetIndex: onset,
      peakIndex: peak,
      onsetSec: onset / rateHz,
      peakSec: peak / rateHz,
      amplitude,
      riseTimeSec: (peak - onset) / rateHz,
      halfRecoverySec: half,
    };
  });
}

/** SCRs per minute over a record of `durationSec`. */
export function scrRatePerMin(scrCount: number, durationSec: number): number {
  return durationSec > 0 ? (60 * scrCount) / durationSec : Number.NaN;
}

export interface EdaAnalysis {
  cleaned: Float64Array;
  highpass: EdaComponents;
  deconvolution: EdaDeconvolution;
  scrs: Scr[];
  scrRatePerMin: number;
  meanTonic: number;
  durationSec: number;
}

/** Everything at once: clean, both decompositions, SCRs (on the deconvolution's phasic
 *  component) and their rate. */
export function analyzeEda(sc: Samples, rateHz: number, opts: ScrOptions & DeconvolutionOptions = {}): EdaAnalysis {
  const cleaned = cleanEda(sc, rateHz);
  const highpass = edaHighpassDecomposition(cleaned, rateHz);
  const deconvolution = edaDeconvolutionDecomposition(cleaned, rateHz, opts);
  const scrs = detectScrs(deconvolution.phasic, rateHz, { smoothHz: 0, ...opts });
  const durationSec = sc.length / rateHz;
  let tonicSum = 0;
  for (let i = 0; i < deconvolution.tonic.length; i++) tonicSum += deconvolution.tonic[i]!;
  return {
    cleaned,
    highpass,
    deconvolution,
    scrs,
    scrRatePerMin: scrRatePerMin(scrs.length, durationSec),
    meanTonic: tonicSum / Math.max(1, deconvolution.tonic.length),
    durationSec,
  };
}
