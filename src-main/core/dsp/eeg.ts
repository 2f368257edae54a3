// EEG spectral features: absolute and relative band powers (delta..gamma), differential entropy
// per band, frontal alpha asymmetry and the power-line noise level, from Welch spectra; batch over
// a recording and streaming over a sliding window (live display, model baselines, CLI analyze).

import { DspError } from '../errors.js';
import type { Samples } from './iir.js';
import { bandPower, WelchEstimator, welch, type PowerSpectrum, type WelchOptions } from './spectrum.js';

export interface FrequencyBand {
  name: string;
  lowHz: number;
  highHz: number;
}

/** The classic EEG bands, [low, high) Hz; together they span 1-45 Hz. */
export const EEG_BANDS: readonly FrequencyBand[] = [
  { name: 'delta', lowHz: 1, highHz: 4 },
  { name: 'theta', lowHz: 4, highHz: 8 },
  { name: 'alpha', lowHz: 8, highHz: 13 },
  { name: 'beta', lowHz: 13, highHz: 30 },
  { name: 'gamma', lowHz: 30, highHz: 45 },
];

export interface BandPowers {
  bands: readonly FrequencyBand[];
  channels: number;
  /** channels x bands, row-major: power (unit^2, e.g. uV^2) of channel c in band b at [c * nBands + b]. */
  absolute: Float64Array;
  /** absolute / total, so the bands of a channel sum to 1. */
  relative: Float64Array;
  /** Per channel: power over the span of all bands (min low .. max high). */
  total: Float64Array;
  /** Differential entropy per channel and band, nats: 0.5 ln(2 pi e P) with P the band power
   *  (the variance of the band-limited signal, taken as Gaussian). */
  differentialEntropy: Float64Array;
}

/** Differential entropy (nats) of a Gaussian of the given variance. */
export function differentialEntropy(variance: number): number {
  return 0.5 * Math.log(2 * Math.PI * Math.E * variance);
}

function allocBandPowers(channels: number, bands: readonly FrequencyBand[]): BandPowers {
  const n = channels * bands.length;
  return {
    bands,
    channels,
    absolute: new Float64Array(n),
    relative: new Float64Array(n),
    total: new Float64Array(channels),
    differentialEntropy: new Float64Array(n),
  };
}

function checkBands(bands: readonly FrequencyBand[]): void {
  for (const b of bands) {
    if (!(b.lowHz >= 0) || !(b.highHz > b.lowHz)) {
      throw new DspError('invalid-band', `band "${b.name}": expected 0 <= lowHz < highHz, got [${b.lowHz}, ${b.highHz})`, { band: b.name });
    }
  }
}

/** Band powers of every channel of a spectrum (into `out` when given, no allocation). */
export function bandPowersFromSpectrum(ps: PowerSpectrum, bands: readonly FrequencyBand[] = EEG_BANDS, out?: BandPowers): BandPowers {
  checkBands(bands);
  const res = out ?? allocBandPowers(ps.channels, bands);
  const nb = bands.length;
  let spanLo = Number.POSITIVE_INFINITY;
  let spanHi = 0;
  for (const b of bands) {
    spanLo = Math.min(spanLo, b.lowHz);
    spanHi = Math.max(spanHi, b.highHz);
  }
  for (let c = 0; c < ps.channels; c++) {
    const total = bandPower(ps, c, spanLo, spanHi);
    res.total[c] = total;
    for (let b = 0; b < nb; b++) {
      const p = bandPower(ps, c, bands[b]!.lowHz, bands[b]!.highHz);
      res.absolute[c * nb + b] = p;
      res.relative[c * nb + b] = total > 0 ? p / total : 0;
      res.differentialEntropy[c * nb + b] = differentialEntropy(p);
    }
  }
  return res;
}

/** Welch spectrum and band powers of n x channels row-major EEG. */
export function eegBandPowers(
  values: Samples,
  channels: number,
  rateHz: number,
  opts: WelchOptions & { bands?: readonly FrequencyBand[] } = {},
): BandPowers & { spectrum: PowerSpectrum } {
  const spectrum = welch(values, channels, rateHz, opts);
  return { ...bandPowersFromSpectrum(spectrum, opts.bands ?? EEG_BANDS), spectrum };
}

function findChannel(labels: readonly string[], name: string): number {
  const want = name.toLowerCase();
  return labels.findIndex((l) => l.trim().toLowerCase() === want || l.trim().toLowerCase() === `eeg ${want}`);
}

/**
 * Frontal alpha asymmetry ln(alpha F4) - ln(alpha F3) (positive: relatively more right alpha,
 * i.e. more left-frontal activity, associated with approach / positive valence). NaN when the
 * labels have no F3 or F4, or their alpha power is not positive.
 */
export function frontalAlphaAsymmetry(powers: BandPowers, labels: readonly string[], left = 'F3', right = 'F4'): number {
  const alpha = powers.bands.findIndex((b) => b.name === 'alpha');
  const l = findChannel(labels, left);
  const r = findChannel(labels, right);
  if (alpha < 0 || l < 0 || r < 0) return Number.NaN;
  const nb = powers.bands.length;
  const pl = powers.absolute[l * nb + alpha]!;
  const pr = powers.absolute[r * nb + alpha]!;
  return pl > 0 && pr > 0 ? Math.log(pr) - Math.log(pl) : Number.NaN;
}

export interface LineNoiseLevel {
  lineHz: number;
  /** Per channel: power within +-1 Hz of the line frequency over the power from 1 Hz to Nyquist. */
  ratio: Float64Array;
  /** Per channel: line density over the median density of its +-5 Hz neighbourhood, dB. */
  snrDb: Float64Array;
}

function lineLevel(ps: PowerSpectrum, lineHz: number): LineNoiseLevel {
  const nyquist = ps.rateHz / 2;
  const ratio = new Float64Array(ps.channels);
  const snrDb = new Float64Array(ps.channels);
  if (lineHz + 1 >= nyquist) return { lineHz, ratio, snrDb: snrDb.fill(Number.NaN) };
  const neighbours: number[] = [];
  for (let c = 0; c < ps.channels; c++) {
    const line = bandPower(ps, c, lineHz - 1, lineHz + 1 + 1e-9);
    const broad = bandPower(ps, c, 1, nyquist + 1);
    ratio[c] = broad > 0 ? line / broad : 0;
    neighbours.length = 0;
    let lineDensity = 0;
    let lineBins = 0;
    for (let k = 0; k < ps.bins; k++) {
      const f = ps.freqsHz[k]!;
      const d = ps.psd[c * ps.bins + k]!;
      if (Math.abs(f - lineHz) <= 1) {
        lineDensity += d;
        lineBins++;
      } else if (Math.abs(f - lineHz) <= 5 && Math.abs(f - lineHz) > 1.5) {
        neighbours.push(d);
      }
    }
    neighbours.sort((a, b) => a - b);
    const ref = neighbours.length > 0 ? neighbours[neighbours.length >> 1]! : 0;
    snrDb[c] = lineBins > 0 && ref > 0 ? 10 * Math.log10(lineDensity / lineBins / ref) : Number.NaN;
  }
  return { lineHz, ratio, snrDb };
}

/** Power-line noise of every channel at 50 or 60 Hz; 'auto' picks the one with more power. */
export function lineNoiseLevel(ps: PowerSpectrum, lineHz: 50 | 60 | 'auto' = 'auto'): LineNoiseLevel {
  if (lineHz !== 'auto') return lineLevel(ps, lineHz);
  const a = lineLevel(ps, 50);
  const b = lineLevel(ps, 60);
  const sum = (x: Float64Array) => x.reduce((s, v) => s + v, 0);
  return sum(b.ratio) > sum(a.ratio) ? b : a;
}

export interface StreamingBandPowerOptions {
  bands?: readonly FrequencyBand[];
  /** Length of one periodogram segment, s (default 2). */
  segmentSec?: number;
  /** Update interval = segment step, s (default 1: segments overlap by half). */
  hopSec?: number;
  /** Segments averaged per update (default 3: a 4 s window with 2 s segments and 1 s hops). */
  segmentsPerWindow?: number;
}

/**
 * Band powers over a sliding window of a live multichannel stream: every `hopSec` the newest
 * segment's periodogram is computed (one FFT per channel) and averaged with the previous
 * `segmentsPerWindow - 1`, so the cost per update does not grow with the window.
 */
export class StreamingBandPowers {
  readonly channels: number;
  readonly rateHz: number;
  readonly latest: BandPowers;
  private readonly estimator: WelchEstimator;
  private readonly ring: Float64Array;
  private readonly ringRows: number;
  private writeRow = 0;
  private filled = 0;
  private sinceUpdate = 0;
  private readonly hopRows: number;
  private readonly periodograms: Float64Array[];
  private readonly raw: Float64Array;
  private readonly segment: Float64Array;
  private readonly spectrum: PowerSpectrum;
  private periodogramCount = 0;
  private updateCount = 0;

  constructor(channels: number, rateHz: number, opts: StreamingBandPowerOptions = {}) {
    const segmentRows = Math.max(8, Math.round((opts.segmentSec ?? 2) * rateHz));
    this.hopRows = Math.max(1, Math.round((opts.hopSec ?? 1) * rateHz));
    const k = opts.segmentsPerWindow ?? 3;
    if (!Number.isInteger(k) || k < 1) {
      throw new DspError('invalid-filter-options', `segmentsPerWindow must be a positive integer, got ${k}`, { segmentsPerWindow: k });
    }
    this.estimator = new WelchEstimator(rateHz, channels, { segmentLength: segmentRows });
    this.channels = channels;
    this.rateHz = rateHz;
    this.ringRows = segmentRows;
    this.ring = new Float64Array(segmentRows * channels);
    this.segment = new Float64Array(segmentRows * channels);
    this.periodograms = Array.from({ length: k }, () => new Float64Array(channels * this.estimator.bins));
    this.raw = new Float64Array(channels * this.estimator.bins);
    this.spectrum = {
      rateHz,
      channels,
      bins: this.estimator.bins,
      resolutionHz: rateHz / this.estimator.nfft,
      freqsHz: this.estimator.freqsHz,
      psd: new Float64Array(channels * this.estimator.bins),
      segments: 0,
    };
    this.latest = allocBandPowers(channels, opts.bands ?? EEG_BANDS);
    checkBands(this.latest.bands);
  }

  /** Updates computed so far (each refreshes `latest` and `spectrumLatest`). */
  get updates(): number {
    return this.updateCount;
  }

  /** The averaged spectrum behind `latest`. */
  get spectrumLatest(): PowerSpectrum {
    return this.spectrum;
  }

  /** Push n x channels samples; returns how many updates happened (the last one is in `latest`). */
  push(values: Samples): number {
    const ch = this.channels;
    if (values.length % ch !== 0) {
      throw new DspError('length-mismatch', `StreamingBandPowers.push: ${values.length} values do not split into ${ch} channels`, { values: values.length, channels: ch });
    }
    const n = values.length / ch;
    let updates = 0;
    let i = 0;
    while (i < n) {
      // Copy in blocks up to the ring's end or the next possible update.
      const due = Math.max(1, Math.max(this.ringRows - this.filled, this.hopRows - this.sinceUpdate));
      const k = Math.min(n - i, this.ringRows - this.writeRow, due);
      const src = values.subarray(i * ch, (i + k) * ch);
      const dst = this.writeRow * ch;
      for (let j = 0; j < src.length; j++) this.ring[dst + j] = src[j]!;
      this.writeRow = (this.writeRow + k) % this.ringRows;
      this.filled = Math.min(this.ringRows, this.filled + k);
      this.sinceUpdate += k;
      i += k;
      if (this.filled === this.ringRows && this.sinceUpdate >= this.hopRows) {
        this.sinceUpdate = 0;
        this.update();
        updates++;
      }
    }
    return updates;
  }

  private update(): void {
    const ch = this.channels;
    // Unroll the ring (oldest first) into the segment buffer.
    const head = this.writeRow * ch;
    this.segment.set(this.ring.subarray(head), 0);
    this.segment.set(this.ring.subarray(0, head), this.ring.length - head);
    const slot = this.periodograms[this.periodogramCount % this.periodograms.length]!;
    slot.fill(0);
    this.estimator.periodogram(this.segment, 0, slot, 1);
    this.periodogramCount++;
    const used = Math.min(this.periodogramCount, this.periodograms.length);
    this.raw.fill(0);
    for (let s = 0; s < used; s++) {
      const p = this.periodograms[s]!;
      for (let j = 0; j < p.length; j++) this.raw[j] += p[j]!;
    }
    this.estimator.scaleInto(this.raw, used, this.spectrum.psd);
    this.spectrum.segments = used;
    bandPowersFromSpectrum(this.spectrum, this.latest.bands, this.latest);
    this.updateCount++;
  }
}
