// Live signal quality: a 0-1 index per channel and per modality with the reasons that lowered
// it (flat line, railed/clipped, power-line ratio, high-amplitude artefacts, ECG template
// correlation, EDA range and slope plausibility), over a sliding window updated every hop.
// The engine publishes it as a QUALITY stream (engine/signal-quality.ts) for the UI and recorder.

import { DspError } from '../errors.js';
import { detectRPeaks } from './ecg.js';
import { butterworth, SosFilter } from './iir.js';

export const QUALITY_REASONS = ['flat', 'clipped', 'line-noise', 'high-amplitude', 'ecg-template', 'eda-range', 'eda-slope'] as const;
export type QualityReason = (typeof QUALITY_REASONS)[number];

/** Bit of each reason in a report's `reasons` masks. */
export const QUALITY_REASON_BITS: Readonly<Record<QualityReason, number>> = {
  flat: 1,
  clipped: 2,
  'line-noise': 4,
  'high-amplitude': 8,
  'ecg-template': 16,
  'eda-range': 32,
  'eda-slope': 64,
};

/** The reasons set in a mask, in QUALITY_REASONS order. */
export function qualityReasonNames(mask: number): QualityReason[] {
  return QUALITY_REASONS.filter((r) => (mask & QUALITY_REASON_BITS[r]) !== 0);
}

export interface QualityMonitorOptions {
  /** The stream type: EEG, ECG, EDA, PPG, RESP (others get the generic checks only). */
  modality: string;
  rateHz: number;
  channels: number;
  /** Unit of the values (one for all channels or one per channel), e.g. "microvolts",
   *  "millivolts", "microsiemens"; absolute thresholds are converted from it. Unknown units are
   *  taken as the modality's usual one (uV for EEG, mV for ECG, uS for EDA). */
  units?: string | readonly string[];
  /** Window length, s (default EEG 2, ECG 8, EDA 4, PPG 4, RESP 8, others 2). */
  windowSec?: number;
  /** Report interval, s (default 1). */
  hopSec?: number;
  /** Power-line frequency; 'auto' (default) takes the worse of 50 and 60 Hz. */
  lineHz?: 50 | 60 | 'auto';
  /** The device's representable range in the signal's unit; samples within 0.1 % of a rail count as clipped. */
  railLimits?: readonly [number, number];
}

/** Per-channel measurements behind the index (NaN where a check does not apply). */
export interface QualityMetrics {
  /** Peak-to-peak of the window, in the modality's canonical unit (uV, mV, uS, or the raw unit). */
  range: Float32Array;
  /** Fraction of samples stuck at the window's extremes (runs of >= 3) or at the rails. */
  clippedFraction: Float32Array;
  /** Share of the (mean-removed) variance in the power-line sinusoid. */
  lineRatio: Float32Array;
  /** EEG/ECG: peak-to-peak after a 0.5 Hz high-pass (canonical unit); PPG/RESP: largest robust z. */
  artefactLevel: Float32Array;
  /** ECG: mean correlation of the beats with their average; and the heart rate found. */
  templateCorrelation: Float32Array;
  heartRateBpm: Float32Array;
  /** EDA: fraction of samples outside 0.05-60 uS, fraction of steps steeper than 10 uS/s. */
  edaOutOfRange: Float32Array;
  edaSteepFraction: Float32Array;
}

export interface QualityReport {
  /** Samples pushed when the report was made; its window ends at sample endIndex - 1. */
  endIndex: number;
  /** 0 (unusable) .. 1 (clean), per channel: the product of the per-check scores. */
  index: Float32Array;
  /** Per channel, QUALITY_REASON_BITS of the checks that lowered the index. */
  reasons: Uint32Array;
  metrics: QualityMetrics;
  /** Mean of the channel indices, and the union of their reasons. */
  modalityIndex: number;
  modalityReasons: number;
}

const DEFAULT_WINDOW_SEC: Record<string, number> = { EEG: 2, ECG: 8, EDA: 4, PPG: 4, RESP: 8 };

/** Multiplier from `unit` to the canonical unit of its family (uV for volts, uS for siemens),
 *  then to the modality's canonical unit; 1 when the unit is unknown. */
export function unitScale(unit: string | undefined, canonical: 'uV' | 'mV' | 'uS'): number {
  if (!unit) return 1;
  const u = unit.trim().toLowerCase().replace('µ', 'u').replace('μ', 'u');
  const volts: Record<string, number> = { v: 1e6, volt: 1e6, volts: 1e6, mv: 1e3, millivolt: 1e3, millivolts: 1e3, uv: 1, microvolt: 1, microvolts: 1, nv: 1e-3, nanovolts: 1e-3 };
  const siemens: Record<string, number> = { s: 1e6, siemens: 1e6, ms: 1e3, millisiemens: 1e3, us: 1, microsiemens: 1, ns: 1e-3, nanosiemens: 1e-3 };
  if (canonical === 'uS') return siemens[u] ?? 1;
  const toUv = volts[u];
  if (toUv === undefined) return 1;
  return canonical === 'uV' ? toUv : toUv / 1e3;
}

/** 1 at or better than `ok`, 0 at or beyond `bad`, linear between (works either direction). */
function ramp(value: number, ok: number, bad: number): number {
  if (!Number.isFinite(value)) return 1;
  const t = (value - ok) / (bad - ok);
  return t <= 0 ? 1 : t >= 1 ? 0 : 1 - t;
}

/**
 * Streaming signal-quality monitor for one multichannel stream. Push chunks; every `hopSec`
 * (once at least one second, or the window if shorter, is in) a report over the last
 * `windowSec` is made and handed to the callback. The report's arrays are reused: copy what
 * you keep.
 */
export class SignalQualityMonitor {
  readonly modality: string;
  readonly rateHz: number;
  readonly channels: number;
  readonly windowRows: number;
  readonly hopRows: number;
  private readonly minRows: number;
  private readonly scale: Float64Array;
  private readonly lineHz: 50 | 60 | 'auto';
  private readonly rails: readonly [number, number] | null;
  private readonly raw: Float32Array;
  private readonly hp: Float32Array;
  private readonly highpass: SosFilter | null;
  private readonly hpRow: Float32Array;
  private readonly col: Float64Array;
  private readonly colHp: Float64Array;
  private readonly sortScratch: Float64Array;
  private writeRow = 0;
  private filled = 0;
  private sinceReport = 0;
  private pushed = 0;
  private sinceReset = 0;
  readonly report: QualityReport;

  constructor(opts: QualityMonitorOptions) {
    const { rateHz, channels } = opts;
    if (!(rateHz > 0) || !Number.isFinite(rateHz)) {
      throw new DspError('invalid-rate', `signal quality: rateHz must be positive and finite, got ${rateHz}`, { rateHz });
    }
    if (!Number.isInteger(channels) || channels < 1) {
      throw new DspError('invalid-channel-count', `signal quality: channels must be a positive integer, got ${channels}`, { channels });
    }
    this.modality = opts.modality.toUpperCase();
    this.rateHz = rateHz;
    this.channels = channels;
    const windowSec = opts.windowSec ?? DEFAULT_WINDOW_SEC[this.modality] ?? 2;
    const hopSec = opts.hopSec ?? 1;
    if (!(windowSec > 0) || !(hopSec > 0)) {
      throw new DspError('invalid-filter-options', `signal quality: windowSec and hopSec must be positive, got ${windowSec}, ${hopSec}`, { windowSec, hopSec });
    }
    this.windowRows = Math.max(4, Math.round(windowSec * rateHz));
    this.hopRows = Math.max(1, Math.round(hopSec * rateHz));
    this.minRows = Math.min(this.windowRows, Math.max(4, Math.round(rateHz)));
    const canonical = this.modality === 'EEG' ? 'uV' : this.modality === 'ECG' ? 'mV' : this.modality === 'EDA' ? 'uS' : null;
    this.scale = new Float64Array(channels);
    for (let c = 0; c < channels; c++) {
      const unit = typeof opts.units === 'string' ? opts.units : opts.units?.[c];
      this.scale[c] = canonical === null ? 1 : unitScale(unit, canonical);
    }
    this.lineHz = opts.lineHz ?? 'auto';
    this.rails = opts.railLimits ?? null;
    this.raw = new Float32Array(this.windowRows * channels);
    this.hp = new Float32Array(this.windowRows * channels);
    this.highpass = (this.modality === 'EEG' || this.modality === 'ECG') && rateHz > 4 ? new SosFilter(butterworth('highpass', 1, 0.5, rateHz), channels) : null;
    this.hpRow = new Float32Array(channels);
    this.col = new Float64Array(this.windowRows);
    this.colHp = new Float64Array(this.windowRows);
    this.sortScratch = new Float64Array(this.windowRows);
    const f = () => new Float32Array(channels);
    this.report = {
      endIndex: 0,
      index: f(),
      reasons: new Uint32Array(channels),
      metrics: {
        range: f(),
        clippedFraction: f(),
        lineRatio: f(),
        artefactLevel: f(),
        templateCorrelation: f(),
        heartRateBpm: f(),
        edaOutOfRange: f(),
        edaSteepFraction: f(),
      },
      modalityIndex: 0,
      modalityReasons: 0,
    };
  }

  /** Forget the window (after a gap: the samples on either side are not one signal). */
  reset(): void {
    this.filled = 0;
    this.writeRow = 0;
    this.sinceReport = 0;
    this.sinceReset = 0;
    this.highpass?.reset();
  }

  /**
   * Push n x channels row-major samples. For each report made, `onReport(report, rows)` is called
   * with the number of this chunk's rows that were in by then. Returns the number of reports.
   */
  push(values: Float32Array, onReport?: (report: QualityReport, rowsOfChunk: number) => void): number {
    const ch = this.channels;
    if (values.length % ch !== 0) {
      throw new DspError('length-mismatch', `signal quality: ${values.length} values do not split into ${ch} channels`, { values: values.length, channels: ch });
    }
    const n = values.length / ch;
    let reports = 0;
    for (let i = 0; i < n; i++) {
      const o = this.writeRow * ch;
      for (let c = 0; c < ch; c++) {
        const v = values[i * ch + c]!;
        this.raw[o + c] = v;
        this.hpRow[c] = Number.isFinite(v) ? v : 0;
      }
      if (this.highpass) this.highpass.process(this.hpRow);
      this.hp.set(this.hpRow, o);
      this.writeRow = (this.writeRow + 1) % this.windowRows;
      if (this.filled < this.windowRows) this.filled++;
      this.pushed++;
      this.sinceReset++;
      this.sinceReport++;
      if (this.sinceReport >= this.hopRows && this.filled >= this.minRows) {
        this.sinceReport = 0;
        this.assess();
        reports++;
        onReport?.(this.report, i + 1);
      }
    }
    return reports;
  }

  /** Compute the report over the current window now (also what push does every hop). */
  assess(): QualityReport {
    const r = this.report;
    const m = r.metrics;
    const n = this.filled;
    const ch = this.channels;
    r.endIndex = this.pushed;
    let sum = 0;
    let union = 0;
    const start = (this.writeRow - n + this.windowRows) % this.windowRows;
    for (let c = 0; c < ch; c++) {
      const x = this.col.subarray(0, n);
      const xh = this.colHp.subarray(0, n);
      for (let i = 0, row = start; i < n; i++, row = row + 1 === this.windowRows ? 0 : row + 1) {
        x[i] = this.raw[row * ch + c]!;
        xh[i] = this.hp[row * ch + c]!;
      }
      const { index, reasons } = this.assessChannel(c, x, xh, m);
      r.index[c] = index;
      r.reasons[c] = reasons;
      sum += index;
      union |= reasons;
    }
    r.modalityIndex = sum / ch;
    r.modalityReasons = union;
    return r;
  }

  private assessChannel(c: number, x: Float64Array, xh: Float64Array, m: QualityMetrics): { index: number; reasons: number } {
    const n = x.length;
    const scale = this.scale[c]!;
    let reasons = 0;
    let index = 1;
    const apply = (score: number, reason: QualityReason) => {
      if (score < 1) {
        reasons |= QUALITY_REASON_BITS[reason];
        index *= score;
      }
    };
    // Non-finite samples (a driver's "no data") make the window unusable.
    let finite = 0;
    let min = Infinity;
    let max = -Infinity;
    let mean = 0;
    let sameSteps = 0;
    for (let i = 0; i < n; i++) {
      const v = x[i]!;
      if (!Number.isFinite(v)) continue;
      finite++;
      mean += v;
      if (v < min) min = v;
      if (v > max) max = v;
      if (i > 0 && v === x[i - 1]) sameSteps++;
    }
    for (const key of Object.keys(m) as Array<keyof QualityMetrics>) m[key][c] = Number.NaN;
    if (finite < n) {
      for (let i = 0; i < n; i++) if (!Number.isFinite(x[i]!)) x[i] = finite > 0 ? mean / finite : 0;
    }
    mean = finite > 0 ? mean / finite : 0;
    const range = (max - min) * scale;
    m.range[c] = finite > 0 ? range : Number.NaN;
    // Flat: (almost) every step repeats the last value, or no swing worth the name.
    const flatRange = this.modality === 'EEG' ? 0.5 : this.modality === 'ECG' ? 0.01 : 0;
    const flat = finite < 2 || sameSteps >= 0.98 * (n - 1) || (flatRange > 0 && range < flatRange);
    if (flat) {
      apply(0, 'flat');
      return { index: 0, reasons };
    }
    // Clipping: samples pinned at the window's extremes in runs, or at the device's rails.
    const eps = 1e-6 * (max - min);
    let clipped = 0;
    let run = 0;
    let runAt = 0;
    for (let i = 0; i <= n; i++) {
      const v = i < n ? x[i]! : Number.NaN;
      const at = v >= max - eps ? 1 : v <= min + eps ? -1 : 0;
      if (at !== 0 && at === runAt) run++;
      else {
        if (runAt !== 0 && run >= 3) clipped += run;
        run = at !== 0 ? 1 : 0;
        runAt = at;
      }
    }
    if (this.rails) {
      const [lo, hi] = this.rails;
      const tol = 0.001 * (hi - lo);
      let atRail = 0;
      for (let i = 0; i < n; i++) if (x[i]! <= lo + tol || x[i]! >= hi - tol) atRail++;
      clipped = Math.max(clipped, atRail);
    }
    m.clippedFraction[c] = clipped / n;
    apply(ramp(clipped / n, 0.01, 0.1), 'clipped');
    // Power line: Hann-windowed single-bin DFT amplitude against the variance.
    if (this.modality !== 'EDA') {
      let variance = 0;
      for (let i = 0; i < n; i++) variance += (x[i]! - mean) ** 2;
      variance /= n;
      let ratio = Number.NaN;
      for (const f of this.lineHz === 'auto' ? [50, 60] : [this.lineHz]) {
        if (f >= 0.45 * this.rateHz || variance <= 0) continue;
        const amp = toneAmplitude(x, mean, f / this.rateHz);
        const q = Math.min(1, (amp * amp) / 2 / variance);
        ratio = Number.isNaN(ratio) ? q : Math.max(ratio, q);
      }
      m.lineRatio[c] = ratio;
      apply(ramp(ratio, 0.1, 0.5), 'line-noise');
    }
    // High-amplitude artefacts.
    if (this.modality === 'EEG' || this.modality === 'ECG') {
      // Skip the high-pass's first half second after a reset.
      const settle = Math.max(0, Math.round(0.5 * this.rateHz) - (this.sinceReset - n));
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = Math.min(n - 1, settle); i < n; i++) {
        const v = xh[i]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      const p2p = (hi - lo) * scale;
      m.artefactLevel[c] = p2p;
      apply(this.modality === 'EEG' ? ramp(p2p, 150, 500) : ramp(p2p, 5, 10), 'high-amplitude');
    } else if (this.modality === 'PPG' || this.modality === 'RESP') {
      const s = this.sortScratch.subarray(0, n);
      s.set(x);
      s.sort();
      const med = s[n >> 1]!;
      for (let i = 0; i < n; i++) s[i] = Math.abs(x[i]! - med);
      s.sort();
      const mad = 1.4826 * s[n >> 1]!;
      const z = mad > 0 ? s[n - 1]! / mad : 0;
      m.artefactLevel[c] = z;
      apply(ramp(z, 8, 20), 'high-amplitude');
    }
    if (this.modality === 'ECG') apply(this.ecgTemplateScore(c, x, m), 'ecg-template');
    if (this.modality === 'EDA') {
      let out = 0;
      for (let i = 0; i < n; i++) {
        const v = x[i]! * scale;
        if (v < 0.05 || v > 60) out++;
      }
      const lag = Math.max(1, Math.round(0.25 * this.rateHz));
      let steep = 0;
      for (let i = lag; i < n; i++) if ((Math.abs(x[i]! - x[i - lag]!) * scale * this.rateHz) / lag > 10) steep++;
      const steepFraction = n > lag ? steep / (n - lag) : 0;
      m.edaOutOfRange[c] = out / n;
      m.edaSteepFraction[c] = steepFraction;
      apply(ramp(out / n, 0, 0.2), 'eda-range');
      apply(ramp(steepFraction, 0, 0.05), 'eda-slope');
    }
    return { index, reasons };
  }

  /** Mean correlation of each beat (+-0.2 s around its R-peak) with the window's average beat. */
  private ecgTemplateScore(c: number, x: Float64Array, m: QualityMetrics): number {
    if (this.rateHz < 50) return 1;
    let peaks: Int32Array;
    try {
      peaks = detectRPeaks(x, this.rateHz, { lineHz: null }).peaks;
    } catch {
      return 0;
    }
    const half = Math.round(0.2 * this.rateHz);
    const n = x.length;
    const usable: number[] = [];
    for (const p of peaks) if (p - half >= 0 && p + half < n) usable.push(p);
    if (peaks.length >= 2) m.heartRateBpm[c] = (60 * this.rateHz * (peaks.length - 1)) / (peaks[peaks.length - 1]! - peaks[0]!);
    const hr = m.heartRateBpm[c]!;
    if (usable.length < 3 || !(hr >= 30 && hr <= 220)) {
      m.templateCorrelation[c] = 0;
      return 0;
    }
    const len = 2 * half + 1;
    const template = new Float64Array(len);
    for (const p of usable) for (let k = 0; k < len; k++) template[k] += x[p - half + k]! / usable.length;
    let corrSum = 0;
    for (const p of usable) corrSum += pearson(x, p - half, template);
    const corr = corrSum / usable.length;
    m.templateCorrelation[c] = corr;
    return ramp(corr, 0.9, 0.5);
  }
}

function pearson(x: Float64Array, from: number, t: Float64Array): number {
  const len = t.length;
  let mx = 0;
  let mt = 0;
  for (let k = 0; k < len; k++) {
    mx += x[from + k]!;
    mt += t[k]!;
  }
  mx /= len;
  mt /= len;
  let sxt = 0;
  let sxx = 0;
  let stt = 0;
  for (let k = 0; k < len; k++) {
    const a = x[from + k]! - mx;
    const b = t[k]! - mt;
    sxt += a * b;
    sxx += a * a;
    stt += b * b;
  }
  return sxx > 0 && stt > 0 ? sxt / Math.sqrt(sxx * stt) : 0;
}

/** Amplitude of the sinusoid at `cyclesPerSample` in x (mean removed, Hann window). */
function toneAmplitude(x: Float64Array, mean: number, cyclesPerSample: number): number {
  const n = x.length;
  const w = 2 * Math.PI * cyclesPerSample;
  let re = 0;
  let im = 0;
  let wsum = 0;
  for (let i = 0; i < n; i++) {
    const h = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
    const v = (x[i]! - mean) * h;
    re += v * Math.cos(w * i);
    im -= v * Math.sin(w * i);
    wsum += h;
  }
  return (2 * Math.hypot(re, im)) / wsum;
}

/** One-shot quality of a window of n x channels samples (the monitor's checks, once). */
export function assessQuality(values: Float32Array, opts: Omit<QualityMonitorOptions, 'windowSec' | 'hopSec'>): QualityReport {
  const rows = values.length / opts.channels;
  const monitor = new SignalQualityMonitor({ ...opts, windowSec: rows / opts.rateHz, hopSec: (rows + 1) / opts.rateHz });
  monitor.push(values);
  return monitor.assess();
}
