// ECG R-peak detection after Pan & Tompkins (1985): 5-15 Hz band-pass, five-point derivative,
// squaring, 150 ms moving-window integration, adaptive signal/noise thresholds, T-wave
// discrimination by slope and search-back at 1.66 x the regular RR interval. Streaming (live
// heart rate, signal quality; latency about 200 ms) and batch (features, CLI; refined on a
// zero-phase cleaned signal). Polarity is learnt, so inverted leads work.

import { DspError } from '../errors.js';
import { butterworth, cascadeSos, filtfilt, sosGroupDelaySamples, SosFilter, type Samples } from './iir.js';
import { notchSos } from './notch.js';

export type EcgPolarity = 'auto' | 'positive' | 'negative';

export interface RPeakDetectorOptions {
  /** 'auto' (default) learns whether the QRS points up or down; the others fix it. */
  polarity?: EcgPolarity;
  /** Seconds used to initialise the thresholds (default 2). */
  learningSec?: number;
  /** No two R-peaks closer than this (default 0.2 s, 300 bpm). */
  refractorySec?: number;
  /**
   * Called for each R-peak: its sample index, the index of the newest sample when it was found
   * (latency = detectedAtIndex - peakIndex samples), and whether search-back found it. Peaks come
   * in increasing order. Peaks found during the learning period are reported at its end.
   */
  onPeak?: (peakIndex: number, detectedAtIndex: number, searchBack: boolean) => void;
}

/** Hump of the integrated signal: one candidate QRS complex. */
interface Hump {
  value: number;
  mwiIndex: number;
  /** R position (signal sample index) if the QRS points up / down. */
  posIndex: number;
  negIndex: number;
  posAmp: number;
  negAmp: number;
  /** Largest absolute first difference of the cleaned signal in the QRS window. */
  slope: number;
}

const MIN_RATE_HZ = 50;
const RR_HISTORY = 8;
const MAX_CANDIDATES = 32;

/**
 * Streaming Pan-Tompkins R-peak detector for one ECG channel. Push samples in chunks of any size;
 * peaks come through `onPeak`. Per-sample work is a few filter sections and a ring buffer; nothing
 * is allocated per sample.
 */
export class StreamingRPeakDetector {
  readonly rateHz: number;
  private readonly onPeak: RPeakDetectorOptions['onPeak'];
  private readonly fixedPolarity: 0 | 1 | -1;
  private readonly learningSamples: number;
  private readonly refractory: number;
  private readonly tWaveWindow: number;
  // Filters and the integration window.
  private readonly clean: SosFilter;
  private readonly band: SosFilter;
  private readonly mwiWidth: number;
  private readonly mwiRing: Float64Array;
  private mwiSum = 0;
  private d1 = 0;
  private d2 = 0;
  private d3 = 0;
  private d4 = 0;
  // Cleaned-signal history for locating the R-peak inside a hump's window.
  private readonly cleanRing: Float64Array;
  private readonly cleanMask: number;
  private readonly windowBack: number;
  private readonly windowAhead: number;
  private readonly cleanDelay: number;
  // Hump tracking on the integrated signal.
  private humpMax = 0;
  private humpMaxIndex = -1;
  private descending = true;
  private prevMwi = 0;
  // Thresholds.
  private spki = 0;
  private npki = 0;
  private thresholdI1 = 0;
  private thresholdI2 = 0;
  private learning = true;
  private readonly learningHumps: Hump[] = [];
  private readonly candidates: Hump[] = [];
  // Accepted beats.
  private lastR = -1;
  private lastQrsMwi = -1;
  private lastSlope = 0;
  private readonly rr = new Float64Array(RR_HISTORY);
  private rrCount = 0;
  private readonly rrRegular = new Float64Array(RR_HISTORY);
  private rrRegularCount = 0;
  private rrIrregularRun = 0;
  private polarityScore = 0;
  private n = 0;
  private lastFinite = 0;
  private finished = false;
  private lastRelax = -1;

  constructor(rateHz: number, opts: RPeakDetectorOptions = {}) {
    if (!(rateHz >= MIN_RATE_HZ) || !Number.isFinite(rateHz)) {
      throw new DspError('invalid-rate', `R-peak detection needs an ECG sampled at >= ${MIN_RATE_HZ} Hz, got ${rateHz}`, { rateHz });
    }
    this.rateHz = rateHz;
    this.onPeak = opts.onPeak;
    const pol = opts.polarity ?? 'auto';
    this.fixedPolarity = pol === 'positive' ? 1 : pol === 'negative' ? -1 : 0;
    this.learningSamples = Math.round((opts.learningSec ?? 2) * rateHz);
    this.refractory = Math.round((opts.refractorySec ?? 0.2) * rateHz);
    this.tWaveWindow = Math.round(0.36 * rateHz);
    const cleanSos = butterworth('bandpass', 2, [0.5, Math.min(40, 0.45 * rateHz)], rateHz);
    const bandSos = butterworth('bandpass', 2, [5, 15], rateHz);
    this.clean = new SosFilter(cleanSos);
    this.band = new SosFilter(bandSos);
    this.mwiWidth = Math.max(1, Math.round(0.15 * rateHz));
    this.mwiRing = new Float64Array(this.mwiWidth);
    let size = 2;
    while (size < 2 * rateHz) size *= 2;
    this.cleanRing = new Float64Array(size);
    this.cleanMask = size - 1;
    // Where the R-peak sits relative to the integrated signal's maximum: the band-pass and the
    // derivative delay the QRS energy; the window covers the integration width and a margin.
    const bandDelay = sosGroupDelaySamples(bandSos, 10, rateHz) + 2;
    this.cleanDelay = Math.round(sosGroupDelaySamples(cleanSos, 10, rateHz));
    const margin = Math.round(0.06 * rateHz);
    this.windowBack = Math.round(this.mwiWidth + margin + bandDelay - this.cleanDelay);
    this.windowAhead = Math.round(margin - bandDelay + this.cleanDelay);
  }

  /** +1 when R-peaks point up, -1 when the lead is inverted (learnt, or fixed by the options). */
  get polarity(): 1 | -1 {
    if (this.fixedPolarity !== 0) return this.fixedPolarity;
    return this.polarityScore < 0 ? -1 : 1;
  }

  /** Samples pushed so far. */
  get sampleCount(): number {
    return this.n;
  }

  /** Push samples: `values[offset + i * stride]` for i < count (one channel of a row-major array). */
  push(values: Samples, stride = 1, offset = 0, count = Math.floor((values.length - offset + stride - 1) / stride)): void {
    if (this.finished) throw new DspError('detector-finished', 'StreamingRPeakDetector: push() after flush(); create a new detector for a new signal');
    for (let i = 0, idx = offset; i < count; i++, idx += stride) {
      let x = values[idx]!;
      if (!Number.isFinite(x)) x = this.lastFinite;
      else this.lastFinite = x;
      this.step(x);
    }
  }

  /**
   * End of the signal: run the detector on 0.4 s of the last value held constant so a beat in
   * the final fraction of a second is completed and reported. The detector is finished then:
   * push() afterwards throws.
   */
  flush(): void {
    if (this.finished) return;
    const tail = Math.round(0.4 * this.rateHz);
    for (let i = 0; i < tail; i++) this.step(this.lastFinite);
    this.finished = true;
  }

  private step(x: number): void {
    const n = this.n;
    this.cleanRing[n & this.cleanMask] = this.clean.step(x);
    const b = this.band.step(x);
    // Five-point derivative (Pan-Tompkins), squared, integrated over 150 ms.
    const deriv = (2 * b + this.d1 - this.d3 - 2 * this.d4) * (this.rateHz / 8);
    this.d4 = this.d3;
    this.d3 = this.d2;
    this.d2 = this.d1;
    this.d1 = b;
    const sq = deriv * deriv;
    const slot = n % this.mwiWidth;
    this.mwiSum += sq - this.mwiRing[slot]!;
    this.mwiRing[slot] = sq;
    if (slot === this.mwiWidth - 1) {
      // Re-sum once per window so rounding cannot accumulate over hours.
      let s = 0;
      for (let k = 0; k < this.mwiWidth; k++) s += this.mwiRing[k]!;
      this.mwiSum = s;
    }
    const mwi = this.mwiSum / this.mwiWidth;
    this.trackHump(mwi, n);
    this.prevMwi = mwi;
    this.n = n + 1;
    if (this.learning) {
      if (this.n >= this.learningSamples) this.finishLearning();
    } else {
      this.searchBack();
    }
  }

  private trackHump(mwi: number, n: number): void {
    if (this.descending) {
      // Follow the fall to the trough; a rise starts the next hump.
      if (mwi > this.prevMwi) {
        this.descending = false;
        this.humpMax = mwi;
        this.humpMaxIndex = n;
      }
      return;
    }
    if (mwi >= this.humpMax) {
      this.humpMax = mwi;
      this.humpMaxIndex = n;
    } else if (mwi < 0.5 * this.humpMax) {
      this.descending = true;
      if (this.humpMax > 0) this.onHump(this.makeHump(this.humpMax, this.humpMaxIndex, n));
    }
  }

  private makeHump(value: number, mwiIndex: number, now: number): Hump {
    const ring = this.cleanRing;
    const mask = this.cleanMask;
    const oldest = Math.max(0, now - mask);
    const from = Math.max(oldest, mwiIndex - this.windowBack);
    const to = Math.min(now, mwiIndex + this.windowAhead);
    let maxV = -Infinity;
    let minV = Infinity;
    let maxI = from;
    let minI = from;
    let slope = 0;
    let prev = ring[from & mask]!;
    for (let i = from; i <= to; i++) {
      const v = ring[i & mask]!;
      if (v > maxV) {
        maxV = v;
        maxI = i;
      }
      if (v < minV) {
        minV = v;
        minI = i;
      }
      const d = Math.abs(v - prev);
      if (d > slope) slope = d;
      prev = v;
    }
    const base = 0.5 * (ring[from & mask]! + ring[to & mask]!);
    return {
      value,
      mwiIndex,
      posIndex: Math.max(0, maxI - this.cleanDelay),
      negIndex: Math.max(0, minI - this.cleanDelay),
      posAmp: maxV - base,
      negAmp: base - minV,
      slope,
    };
  }

  private onHump(h: Hump): void {
    if (this.learning) {
      this.learningHumps.push(h);
      return;
    }
    this.classify(h);
  }

  private rIndex(h: Hump): number {
    return this.polarity > 0 ? h.posIndex : h.negIndex;
  }

  private updateThresholds(): void {
    this.thresholdI1 = this.npki + 0.25 * (this.spki - this.npki);
    this.thresholdI2 = 0.5 * this.thresholdI1;
  }

  private finishLearning(): void {
    this.learning = false;
    const humps = this.learningHumps.splice(0);
    let maxV = 0;
    for (const h of humps) maxV = Math.max(maxV, h.value);
    const big = humps.filter((h) => h.value >= 0.3 * maxV).map((h) => h.value).sort((a, b) => a - b);
    const small = humps.filter((h) => h.value < 0.3 * maxV).map((h) => h.value).sort((a, b) => a - b);
    this.spki = big.length > 0 ? big[big.length >> 1]! : 0;
    this.npki = small.length > 0 ? small[small.length >> 1]! : 0.1 * this.spki;
    this.updateThresholds();
    if (this.fixedPolarity === 0) {
      for (const h of humps) if (h.value >= 0.3 * maxV) this.polarityScore += h.posAmp >= h.negAmp ? 1 : -1;
    }
    for (const h of humps) this.classify(h);
  }

  private classify(h: Hump): void {
    const r = this.rIndex(h);
    if (this.lastR >= 0 && r - this.lastR < this.refractory) return;
    if (h.value > this.thresholdI1) {
      if (this.lastR >= 0 && r - this.lastR < this.tWaveWindow && h.slope < 0.5 * this.lastSlope) {
        this.noise(h); // a T-wave: too slow for a QRS this soon after the last one
        return;
      }
      // Premature and weak (under half the signal level, within 0.75 RR): more likely a noise
      // burst than a beat; it stays a search-back candidate in case the beat really came early.
      const avg = this.rrAverage();
      if (this.lastR >= 0 && avg > 0 && r - this.lastR < 0.75 * avg && h.value < 0.5 * this.spki) {
        this.noise(h);
        if (this.candidates.length >= MAX_CANDIDATES) this.candidates.shift();
        this.candidates.push(h);
        return;
      }
      this.accept(h, false);
    } else {
      this.noise(h);
      // Every hump since the last beat stays a search-back candidate; the lower threshold is
      // applied when searching back, with the thresholds of that moment.
      if (this.candidates.length >= MAX_CANDIDATES) this.candidates.shift();
      this.candidates.push(h);
    }
  }

  private noise(h: Hump): void {
    this.npki = 0.125 * h.value + 0.875 * this.npki;
    this.updateThresholds();
  }

  private rrAverage(): number {
    // Pan-Tompkins' RR AVERAGE2 (regular intervals only) when it is current, else AVERAGE1.
    const src = this.rrRegularCount > 0 && this.rrIrregularRun < RR_HISTORY ? this.rrRegular : this.rr;
    const count = Math.min(src === this.rrRegular ? this.rrRegularCount : this.rrCount, RR_HISTORY);
    let s = 0;
    for (let i = 0; i < count; i++) s += src[i]!;
    return count > 0 ? s / count : 0;
  }

  private accept(h: Hump, searchBack: boolean): void {
    this.spki = searchBack ? 0.25 * h.value + 0.75 * this.spki : 0.125 * h.value + 0.875 * this.spki;
    this.updateThresholds();
    const r = this.rIndex(h);
    if (this.lastR >= 0) {
      const rr = r - this.lastR;
      const avg2 = this.rrAverage();
      this.rr[this.rrCount % RR_HISTORY] = rr;
      this.rrCount++;
      if (avg2 === 0 || (rr > 0.92 * avg2 && rr < 1.16 * avg2)) {
        this.rrRegular[this.rrRegularCount % RR_HISTORY] = rr;
        this.rrRegularCount++;
        this.rrIrregularRun = 0;
      } else if (++this.rrIrregularRun >= RR_HISTORY) {
        // The rhythm changed: restart the regular average from the recent intervals.
        this.rrRegular.set(this.rr);
        this.rrRegularCount = Math.min(this.rrCount, RR_HISTORY);
        this.rrIrregularRun = 0;
      }
    }
    if (this.fixedPolarity === 0) {
      this.polarityScore = 0.95 * this.polarityScore + (h.posAmp >= h.negAmp ? 1 : -1);
    }
    this.lastR = r;
    this.lastQrsMwi = h.mwiIndex;
    this.lastSlope = h.slope;
    this.candidates.length = 0;
    this.onPeak?.(r, this.n, searchBack);
  }

  private searchBack(): void {
    if (this.lastQrsMwi < 0) return;
    const avg = this.rrAverage();
    const since = this.n - this.lastQrsMwi;
    // Nothing accepted for long: the thresholds are stale (the amplitude fell). Halve the level
    // estimates, first after 2.5 RR (at least 2 s), then once per RR until a beat is found.
    const stale = Math.max(2 * this.rateHz, 2.5 * (avg || this.rateHz));
    if (since > stale && this.n - Math.max(this.lastRelax, this.lastQrsMwi + stale) >= (avg || this.rateHz)) {
      this.spki *= 0.5;
      this.npki *= 0.5;
      this.updateThresholds();
      this.lastRelax = this.n;
    }
    // Search-back (Pan-Tompkins): no QRS for 1.66 x RR: take the largest earlier hump above the
    // lower threshold, preferring one within 1.5 RR of the last beat so missed beats come in order.
    while (avg > 0 && this.n - this.lastQrsMwi > 1.66 * avg && this.candidates.length > 0) {
      let best = -1;
      let bestNear = -1;
      for (let i = 0; i < this.candidates.length; i++) {
        const c = this.candidates[i]!;
        const gap = this.rIndex(c) - this.lastR;
        if (gap < this.refractory || c.value <= this.thresholdI2) continue;
        if (best < 0 || c.value > this.candidates[best]!.value) best = i;
        if (gap <= 1.5 * avg && (bestNear < 0 || c.value > this.candidates[bestNear]!.value)) bestNear = i;
      }
      const pick = bestNear >= 0 ? bestNear : best;
      if (pick < 0) return;
      const h = this.candidates[pick]!;
      const later = this.candidates.slice(pick + 1);
      this.accept(h, true);
      for (const c of later) this.candidates.push(c);
    }
  }
}

export interface RPeakResult {
  /** R-peak sample indices, increasing. */
  peaks: Int32Array;
  /** +1 upright, -1 inverted QRS. */
  polarity: 1 | -1;
  /** Peaks that search-back recovered. */
  searchBackCount: number;
}

export interface DetectRPeaksOptions {
  polarity?: EcgPolarity;
  /** Remove this line frequency (and harmonics) before refining the peaks; null to skip. Default 50. */
  lineHz?: 50 | 60 | null;
}

/**
 * R-peaks of a whole ECG channel: the streaming Pan-Tompkins detector finds the beats, then each
 * peak is moved to the extremum (of the polarity found over the whole record) of the zero-phase
 * cleaned signal within 60 ms, which removes the causal filters' delay from the positions.
 */
export function detectRPeaks(signal: Samples, rateHz: number, opts: DetectRPeaksOptions = {}): RPeakResult {
  const found: number[] = [];
  let searchBackCount = 0;
  const det = new StreamingRPeakDetector(rateHz, {
    polarity: opts.polarity,
    onPeak: (p, _at, sb) => {
      if (p >= signal.length) return;
      found.push(p);
      if (sb) searchBackCount++;
    },
  });
  det.push(signal);
  det.flush();
  const n = signal.length;
  if (found.length === 0) return { peaks: new Int32Array(0), polarity: det.polarity, searchBackCount };
  let sos = butterworth('bandpass', 2, [0.5, Math.min(40, 0.45 * rateHz)], rateHz);
  const lineHz = opts.lineHz === undefined ? 50 : opts.lineHz;
  if (lineHz !== null && lineHz < 0.95 * (rateHz / 2)) sos = cascadeSos(sos, notchSos(lineHz, rateHz, { harmonics: 1 }));
  const clean = filtfilt(sos, signal);
  const half = Math.round(0.06 * rateHz);
  let polarity: 1 | -1 = det.polarity;
  if ((opts.polarity ?? 'auto') === 'auto') {
    let vote = 0;
    for (const p of found) {
      let maxV = -Infinity;
      let minV = Infinity;
      for (let i = Math.max(0, p - half); i <= Math.min(n - 1, p + half); i++) {
        maxV = Math.max(maxV, clean[i]!);
        minV = Math.min(minV, clean[i]!);
      }
      const base = 0.5 * (clean[Math.max(0, p - half)]! + clean[Math.min(n - 1, p + half)]!);
      vote += maxV - base >= base - minV ? 1 : -1;
    }
    polarity = vote < 0 ? -1 : 1;
  } else {
    polarity = opts.polarity === 'negative' ? -1 : 1;
  }
  const refined: number[] = [];
  const refractory = Math.round(0.2 * rateHz);
  for (const p of found) {
    let best = p;
    let bestV = -Infinity;
    for (let i = Math.max(0, p - half); i <= Math.min(n - 1, p + half); i++) {
      const v = polarity * clean[i]!;
      if (v > bestV) {
        bestV = v;
        best = i;
      }
    }
    const last = refined.length - 1;
    if (last >= 0 && best - refined[last]! < refractory) {
      if (bestV > polarity * clean[refined[last]!]!) refined[last] = best;
      continue;
    }
    refined.push(best);
  }
  return { peaks: Int32Array.from(refined), polarity, searchBackCount };
}

/** Mean heart rate (bpm) from R-peak sample indices: 60 / mean RR. NaN with fewer than two peaks. */
export function heartRateBpm(peaks: ArrayLike<number>, rateHz: number): number {
  if (peaks.length < 2) return Number.NaN;
  const meanRrSec = (peaks[peaks.length - 1]! - peaks[0]!) / rateHz / (peaks.length - 1);
  return 60 / meanRrSec;
}

/** Instantaneous heart rate (bpm) at each peak from the second on: 60 / preceding RR. */
export function instantaneousHeartRate(peaks: ArrayLike<number>, rateHz: number): Float64Array {
  const out = new Float64Array(Math.max(0, peaks.length - 1));
  for (let i = 1; i < peaks.length; i++) out[i - 1] = (60 * rateHz) / (peaks[i]! - peaks[i - 1]!);
  return out;
}
