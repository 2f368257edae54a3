// Welch power spectral density (one-sided, V^2/Hz as scipy.signal.welch's 'density' scaling) for
// multichannel signals, on fft.js real FFTs with preallocated buffers. Feeds the EEG band powers,
// line-noise levels, HRV frequency-domain measures and the live signal quality.

import FFT from 'fft.js';
import { DspError } from '../errors.js';
import type { Samples } from './iir.js';

export type WindowKind = 'hann' | 'hamming' | 'boxcar';
export type DetrendKind = 'constant' | 'linear' | 'none';

export interface WelchOptions {
  /** Samples per segment (default: 2 s of signal, at least 8). */
  segmentLength?: number;
  /** Overlap between segments as a fraction of a segment, in [0, 1). Default 0.5. */
  overlap?: number;
  /** FFT length (a power of two >= segmentLength; default the next one). */
  nfft?: number;
  /** Default 'hann' (periodic, as scipy's get_window). */
  window?: WindowKind;
  /** Per-segment detrending, default 'constant' (remove the mean). */
  detrend?: DetrendKind;
}

export interface PowerSpectrum {
  rateHz: number;
  channels: number;
  /** Frequency bins 0 .. nfft/2. */
  bins: number;
  /** Bin spacing, Hz. */
  resolutionHz: number;
  freqsHz: Float64Array;
  /** channels x bins, row-major: channel c's density at psd[c * bins + k] (unit^2 / Hz). */
  psd: Float64Array;
  /** Segments averaged. */
  segments: number;
}

export function nextPowerOfTwo(n: number): number {
  let p = 2;
  while (p < n) p *= 2;
  return p;
}

/** A periodic window of length n (the DFT-even form used for spectral analysis). */
export function windowFunction(kind: WindowKind, n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = (2 * Math.PI * i) / n;
    w[i] = kind === 'hann' ? 0.5 - 0.5 * Math.cos(x) : kind === 'hamming' ? 0.54 - 0.46 * Math.cos(x) : 1;
  }
  return w;
}

/**
 * Accumulates Welch periodograms of a multichannel signal: add runs (contiguous stretches; a gap
 * starts a new run) or single segments, read the averaged density. All buffers are allocated
 * once, so a live caller can reuse one estimator for ever.
 */
export class WelchEstimator {
  readonly rateHz: number;
  readonly channels: number;
  readonly segmentLength: number;
  readonly step: number;
  readonly nfft: number;
  readonly bins: number;
  readonly freqsHz: Float64Array;
  private readonly window: Float64Array;
  private readonly detrend: DetrendKind;
  private readonly fft: FFT;
  private readonly frame: Float64Array;
  private readonly spectrum: Float64Array;
  private readonly acc: Float64Array;
  private readonly scale: number;
  private count = 0;

  constructor(rateHz: number, channels: number, opts: WelchOptions = {}) {
    if (!(rateHz > 0) || !Number.isFinite(rateHz)) {
      throw new DspError('invalid-rate', `Welch: rateHz must be positive and finite, got ${rateHz}`, { rateHz });
    }
    if (!Number.isInteger(channels) || channels < 1) {
      throw new DspError('invalid-channel-count', `Welch: channels must be a positive integer, got ${channels}`, { channels });
    }
    const segmentLength = opts.segmentLength ?? Math.max(8, Math.round(2 * rateHz));
    const overlap = opts.overlap ?? 0.5;
    if (!Number.isInteger(segmentLength) || segmentLength < 2 || !(overlap >= 0 && overlap < 1)) {
      throw new DspError('invalid-filter-options', `Welch: need an integer segmentLength >= 2 and 0 <= overlap < 1, got ${segmentLength}, ${overlap}`, {
        segmentLength,
        overlap,
      });
    }
    const nfft = opts.nfft ?? nextPowerOfTwo(segmentLength);
    if (nfft < segmentLength || nextPowerOfTwo(nfft) !== nfft) {
      throw new DspError('invalid-filter-options', `Welch: nfft must be a power of two >= segmentLength (${segmentLength}), got ${nfft}`, { nfft });
    }
    this.rateHz = rateHz;
    this.channels = channels;
    this.segmentLength = segmentLength;
    this.step = Math.max(1, segmentLength - Math.round(overlap * segmentLength));
    this.nfft = nfft;
    this.bins = nfft / 2 + 1;
    this.freqsHz = new Float64Array(this.bins);
    for (let k = 0; k < this.bins; k++) this.freqsHz[k] = (k * rateHz) / nfft;
    this.window = windowFunction(opts.window ?? 'hann', segmentLength);
    this.detrend = opts.detrend ?? 'constant';
    this.fft = new FFT(nfft);
    this.frame = new Float64Array(nfft);
    this.spectrum = new Float64Array(2 * nfft);
    this.acc = new Float64Array(channels * this.bins);
    let w2 = 0;
    for (let i = 0; i < segmentLength; i++) w2 += this.window[i]! ** 2;
    this.scale = 1 / (rateHz * w2);
  }

  get segments(): number {
    return this.count;
  }

  reset(): void {
    this.acc.fill(0);
    this.count = 0;
  }

  /** Add every full segment of rows [from, to) of an n x channels row-major array; returns how many. */
  addRun(values: Samples, from = 0, to = values.length / this.channels): number {
    let added = 0;
    for (let start = from; start + this.segmentLength <= to; start += this.step) {
      this.addSegment(values, start);
      added++;
    }
    return added;
  }

  /** Add the periodogram of the segment that starts at row `start`. */
  addSegment(values: Samples, start: number): void {
    this.periodogram(values, start, this.acc, 1);
    this.count++;
  }

  /**
   * Raw (unscaled) periodogram of one segment into `out` (channels x bins), multiplied by
   * `weight` and added; for callers that keep their own averages (StreamingBandPowers).
   */
  periodogram(values: Samples, start: number, out: Float64Array, weight: number): void {
    const ch = this.channels;
    const len = this.segmentLength;
    if (start < 0 || (start + len) * ch > values.length) {
      throw new DspError('length-mismatch', `Welch: segment [${start}, ${start + len}) lies outside the ${values.length / ch} rows given`, { start, len });
    }
    const frame = this.frame;
    const spec = this.spectrum;
    const win = this.window;
    const bins = this.bins;
    for (let c = 0; c < ch; c++) {
      let mean = 0;
      let slope = 0;
      if (this.detrend !== 'none') {
        for (let i = 0, idx = start * ch + c; i < len; i++, idx += ch) mean += values[idx]!;
        mean /= len;
        if (this.detrend === 'linear') {
          const iMean = (len - 1) / 2;
          let sxy = 0;
          for (let i = 0, idx = start * ch + c; i < len; i++, idx += ch) sxy += (i - iMean) * (values[idx]! - mean);
          slope = sxy / ((len * (len * len - 1)) / 12);
          mean -= slope * iMean;
        }
      }
      for (let i = 0, idx = start * ch + c; i < len; i++, idx += ch) frame[i] = (values[idx]! - mean - slope * i) * win[i]!;
      this.fft.realTransform(spec, frame);
      const o = c * bins;
      for (let k = 0; k < bins; k++) {
        const re = spec[2 * k]!;
        const im = spec[2 * k + 1]!;
        out[o + k] += weight * (re * re + im * im);
      }
    }
  }

  /** Convert a raw periodogram sum (as periodogram() accumulates) into a one-sided density. */
  scaleInto(raw: Float64Array, segments: number, out: Float64Array): void {
    const bins = this.bins;
    const s = segments > 0 ? this.scale / segments : 0;
    const nyquistBin = this.nfft % 2 === 0 ? bins - 1 : -1;
    for (let c = 0; c < this.channels; c++) {
      const o = c * bins;
      for (let k = 0; k < bins; k++) out[o + k] = raw[o + k]! * s * (k === 0 || k === nyquistBin ? 1 : 2);
    }
  }

  /** The averaged one-sided density so far. */
  result(out?: PowerSpectrum): PowerSpectrum {
    const ps = out ?? {
      rateHz: this.rateHz,
      channels: this.channels,
      bins: this.bins,
      resolutionHz: this.rateHz / this.nfft,
      freqsHz: this.freqsHz,
      psd: new Float64Array(this.channels * this.bins),
      segments: 0,
    };
    this.scaleInto(this.acc, this.count, ps.psd);
    ps.segments = this.count;
    return ps;
  }
}

/**
 * Welch PSD of n x channels row-major samples. A signal shorter than one segment is analysed
 * as one segment of its own length (as scipy does).
 */
export function welch(values: Samples, channels: number, rateHz: number, opts: WelchOptions = {}): PowerSpectrum {
  if (!Number.isInteger(channels) || channels < 1 || values.length % channels !== 0) {
    throw new DspError('length-mismatch', `welch: ${values.length} values do not split into ${channels} channels`, { values: values.length, channels });
  }
  const n = values.length / channels;
  if (n < 2) {
    throw new DspError('too-short', `welch: need at least 2 samples per channel, got ${n}`, { n });
  }
  const wanted = opts.segmentLength ?? Math.max(8, Math.round(2 * rateHz));
  const segmentLength = Math.min(wanted, n);
  const nfft = opts.nfft !== undefined && opts.nfft >= segmentLength ? opts.nfft : nextPowerOfTwo(segmentLength);
  const est = new WelchEstimator(rateHz, channels, { ...opts, segmentLength, nfft });
  est.addRun(values, 0, n);
  return est.result();
}

/**
 * Power in [lowHz, highHz) of one channel of a spectrum: the density summed over the bins whose
 * frequency lies in the band, times the bin width (unit^2).
 */
export function bandPower(ps: PowerSpectrum, channel: number, lowHz: number, highHz: number): number {
  const o = channel * ps.bins;
  const kLo = Math.max(0, Math.ceil(lowHz / ps.resolutionHz - 1e-9));
  let sum = 0;
  for (let k = kLo; k < ps.bins && ps.freqsHz[k]! < highHz - 1e-12; k++) sum += ps.psd[o + k]!;
  return sum * ps.resolutionHz;
}
