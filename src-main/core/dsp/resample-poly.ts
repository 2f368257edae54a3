// Polyphase resampling by a rational ratio up/down of uniformly sampled multichannel signals
// (e.g. 250 -> 128 Hz, 44.1 -> 48 kHz): batch (zero delay, odd reflection at the ends) and
// streaming (state across chunks). The anti-aliasing low-pass is the Kaiser-windowed sinc of
// resample.ts (the aligner's irregular-timestamp resampler), tabulated once per phase here.

import { DspError } from '../errors.js';
import { resampleKernelFor, type ResampleFilterOptions } from './resample.js';
import type { Samples } from './iir.js';

/** Most phases a polyphase table may have (up after reduction). */
export const MAX_POLYPHASE_UP = 4096;

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** The fraction up/down closest to `ratio` with down <= maxDenominator (continued fractions). */
export function rationalApproximation(ratio: number, maxDenominator = 1000): [number, number] {
  if (!(ratio > 0) || !Number.isFinite(ratio)) {
    throw new DspError('invalid-rate', `rational approximation: ratio must be positive and finite, got ${ratio}`, { ratio });
  }
  let h0 = 0;
  let h1 = 1;
  let k0 = 1;
  let k1 = 0;
  let x = ratio;
  let best: [number, number] = [Math.max(1, Math.round(ratio)), 1];
  for (let i = 0; i < 64; i++) {
    const a = Math.floor(x);
    const h2 = a * h1 + h0;
    const k2 = a * k1 + k0;
    if (k2 > maxDenominator) {
      // The best semiconvergent within the bound may beat the last convergent (as Python's
      // Fraction.limit_denominator).
      const t = Math.floor((maxDenominator - k0) / k1);
      const hs = t * h1 + h0;
      const ks = t * k1 + k0;
      if (t > 0 && Math.abs(hs / ks - ratio) < Math.abs(best[0] / best[1] - ratio)) best = [hs, ks];
      break;
    }
    best = [h2, k2];
    [h0, h1, k0, k1] = [h1, h2, k1, k2];
    const frac = x - a;
    if (frac < 1e-12 || Math.abs(h2 / k2 - ratio) < 1e-15 * ratio) break;
    x = 1 / frac;
  }
  return best;
}

/** Per-phase taps of the resampling low-pass, each phase normalised to unit DC gain. */
class PolyphaseTable {
  readonly up: number;
  readonly down: number;
  /** Taps each side of the centre sample: a phase uses input samples n0 - half .. n0 + half. */
  readonly half: number;
  readonly width: number;
  readonly taps: Float64Array;

  constructor(up: number, down: number, opts: ResampleFilterOptions) {
    checkRatio(up, down);
    const g = gcd(up, down);
    this.up = up / g;
    this.down = down / g;
    if (this.up > MAX_POLYPHASE_UP) {
      throw new DspError('invalid-rate', `polyphase resampling: up = ${this.up} after reduction exceeds ${MAX_POLYPHASE_UP} phases; use resampleToGrid`, {
        up: this.up,
        down: this.down,
      });
    }
    // Only the ratio matters to the kernel: input "rate" down, output "rate" up.
    const kernel = resampleKernelFor(this.down, this.up, opts);
    this.half = Math.ceil(kernel.halfWidth);
    this.width = 2 * this.half + 1;
    this.taps = new Float64Array(this.up * this.width);
    for (let p = 0; p < this.up; p++) {
      const frac = p / this.up;
      let sum = 0;
      for (let j = -this.half; j <= this.half; j++) {
        const h = kernel.at(frac - j);
        this.taps[p * this.width + j + this.half] = h;
        sum += h;
      }
      for (let j = 0; j < this.width; j++) this.taps[p * this.width + j] = this.taps[p * this.width + j]! / sum;
    }
  }
}

function checkRatio(up: number, down: number): void {
  if (!Number.isInteger(up) || !Number.isInteger(down) || up < 1 || down < 1) {
    throw new DspError('invalid-rate', `polyphase resampling: up and down must be positive integers, got ${up}/${down}`, { up, down });
  }
}

function checkChannels(length: number, channels: number, what: string): number {
  if (!Number.isInteger(channels) || channels < 1 || length % channels !== 0) {
    throw new DspError('length-mismatch', `${what}: ${length} values do not split into ${channels} channels`, { values: length, channels });
  }
  return length / channels;
}

const tableCache = new Map<string, PolyphaseTable>();

function tableFor(up: number, down: number, opts: ResampleFilterOptions): PolyphaseTable {
  const key = `${up}|${down}|${opts.cutoffFraction ?? ''}|${opts.transitionFraction ?? ''}|${opts.stopbandDb ?? ''}`;
  let t = tableCache.get(key);
  if (t === undefined) {
    t = new PolyphaseTable(up, down, opts);
    if (tableCache.size >= 32) tableCache.clear();
    tableCache.set(key, t);
  }
  return t;
}

/**
 * Resample n x channels row-major samples by up/down: output sample m sits at input position
 * m * down / up (no delay), ceil(n * up / down) samples. The ends are extended by odd reflection.
 */
export function resamplePoly(values: Samples, channels: number, up: number, down: number, opts: ResampleFilterOptions = {}): Float32Array {
  checkRatio(up, down);
  const n = checkChannels(values.length, channels, 'resamplePoly');
  const t = tableFor(up, down, opts);
  const L = t.up;
  const M = t.down;
  const outLen = Math.ceil((n * L) / M);
  const out = new Float32Array(outLen * channels);
  if (n === 0) return out;
  const pad = t.half + 1;
  const ext = new Float64Array(n + 2 * pad);
  const w = t.width;
  const taps = t.taps;
  for (let c = 0; c < channels; c++) {
    const x0 = values[c]!;
    const xn = values[(n - 1) * channels + c]!;
    for (let i = 0; i < n; i++) ext[pad + i] = values[i * channels + c]!;
    for (let i = 1; i <= pad; i++) {
      ext[pad - i] = 2 * x0 - (i < n ? ext[pad + i]! : xn);
      ext[pad + n - 1 + i] = 2 * xn - (n - 1 - i >= 0 ? ext[pad + n - 1 - i]! : x0);
    }
    for (let m = 0; m < outLen; m++) {
      const pos = m * M;
      const n0 = Math.floor(pos / L);
      const p = pos - n0 * L;
      const base = pad + n0 - t.half;
      const tb = p * w;
      let s = 0;
      for (let j = 0; j < w; j++) s += taps[tb + j]! * ext[base + j]!;
      out[m * channels + c] = s;
    }
  }
  return out;
}

/** Resample from inRateHz to outRateHz through the nearest rational ratio (denominator <= 1000). */
export function resampleRate(values: Samples, channels: number, inRateHz: number, outRateHz: number, opts: ResampleFilterOptions = {}): Float32Array {
  if (!(inRateHz > 0) || !(outRateHz > 0) || !Number.isFinite(inRateHz) || !Number.isFinite(outRateHz)) {
    throw new DspError('invalid-rate', `resampleRate: rates must be positive and finite, got ${inRateHz} -> ${outRateHz} Hz`, { inRateHz, outRateHz });
  }
  const [up, down] = rationalApproximation(outRateHz / inRateHz);
  return resamplePoly(values, channels, up, down, opts);
}

/**
 * Streaming polyphase resampler: feed chunks of n x channels samples, get the output samples that
 * became computable. Output m sits at input position m * down / up like the batch form; it is
 * emitted once input sample floor(m * down / up) + half has arrived (the delay is `delayInputSamples`).
 * Before the first sample the signal is taken as constant; `flush` extends the end the same way.
 * The output is identical to resamplePoly away from the ends, whatever the chunking.
 */
export class PolyphaseResampler {
  readonly channels: number;
  readonly up: number;
  readonly down: number;
  /** Input samples that must follow an output's position before it can be emitted. */
  readonly delayInputSamples: number;
  private readonly table: PolyphaseTable;
  /** Input history, rows [histStart, histStart + histRows). */
  private hist: Float64Array;
  private histStart: number;
  private histRows = 0;
  private inputCount = 0;
  private nextOut = 0;
  private outBuf: Float32Array;

  constructor(up: number, down: number, channels = 1, opts: ResampleFilterOptions = {}) {
    this.table = tableFor(up, down, opts);
    if (!Number.isInteger(channels) || channels < 1) {
      throw new DspError('invalid-channel-count', `PolyphaseResampler: channels must be a positive integer, got ${channels}`, { channels });
    }
    this.channels = channels;
    this.up = this.table.up;
    this.down = this.table.down;
    this.delayInputSamples = this.table.half;
    this.histStart = -this.table.half;
    this.hist = new Float64Array(Math.max(64, 4 * this.table.width) * channels);
    this.outBuf = new Float32Array(64 * channels);
  }

  /** Output samples emitted so far. */
  get outputCount(): number {
    return this.nextOut;
  }

  /** Input position (in input samples from the first one) of output sample m. */
  inputPositionOf(m: number): number {
    return (m * this.down) / this.up;
  }

  reset(): void {
    this.histStart = -this.table.half;
    this.histRows = 0;
    this.inputCount = 0;
    this.nextOut = 0;
  }

  /** Push n x channels samples; returns the new output samples (a view valid until the next call). */
  process(input: Samples): Float32Array {
    const ch = this.channels;
    const n = checkChannels(input.length, ch, 'PolyphaseResampler.process');
    if (n === 0) return this.outBuf.subarray(0, 0);
    if (this.inputCount === 0) {
      // Constant extension before the first sample.
      this.ensureRows(this.table.half);
      for (let r = 0; r < this.table.half; r++) for (let c = 0; c < ch; c++) this.hist[r * ch + c] = input[c]!;
      this.histRows = this.table.half;
    }
    this.append(input, n);
    return this.emit(this.inputCount - 1);
  }

  /** Emit what remains, as if the last sample went on for ever; the output then holds
   *  ceil(inputs * up / down) samples, like resamplePoly. */
  flush(): Float32Array {
    const ch = this.channels;
    if (this.inputCount === 0) return this.outBuf.subarray(0, 0);
    const last = new Float64Array(ch);
    const lastRow = this.inputCount - 1 - this.histStart;
    for (let c = 0; c < ch; c++) last[c] = this.hist[lastRow * ch + c]!;
    const total = Math.ceil((this.inputCount * this.up) / this.down);
    const endPos = Math.floor(((total - 1) * this.down) / this.up);
    const need = Math.max(0, endPos + this.table.half - (this.inputCount - 1));
    const pad = new Float64Array(need * ch);
    for (let r = 0; r < need; r++) pad.set(last, r * ch);
    const counted = this.inputCount;
    this.append(pad, need);
    this.inputCount = counted; // padding is not input
    const out = this.emitUntil(total, this.histStart + this.histRows - 1);
    return out;
  }

  private append(input: Samples, n: number): void {
    const ch = this.channels;
    this.ensureRows(this.histRows + n);
    const o = this.histRows * ch;
    for (let i = 0; i < n * ch; i++) this.hist[o + i] = input[i]!;
    this.histRows += n;
    this.inputCount += n;
  }

  private ensureRows(rows: number): void {
    if (rows * this.channels <= this.hist.length) return;
    const bigger = new Float64Array(Math.max(rows, 2 * (this.hist.length / this.channels)) * this.channels);
    bigger.set(this.hist.subarray(0, this.histRows * this.channels));
    this.hist = bigger;
  }

  private emit(lastAvailable: number): Float32Array {
    return this.emitUntil(Number.POSITIVE_INFINITY, lastAvailable);
  }

  private emitUntil(limit: number, lastAvailable: number): Float32Array {
    const ch = this.channels;
    const L = this.up;
    const M = this.down;
    const half = this.table.half;
    const w = this.table.width;
    const taps = this.table.taps;
    // Outputs m with floor(m M / L) + half <= lastAvailable.
    const maxM = Math.min(limit - 1, Math.floor(((lastAvailable - half + 1) * L - 1) / M));
    const count = Math.max(0, maxM - this.nextOut + 1);
    if (this.outBuf.length < count * ch) this.outBuf = new Float32Array(Math.max(count * ch, 2 * this.outBuf.length));
    for (let k = 0; k < count; k++) {
      const m = this.nextOut + k;
      const pos = m * M;
      const n0 = Math.floor(pos / L);
      const p = pos - n0 * L;
      const row0 = n0 - half - this.histStart;
      const tb = p * w;
      for (let c = 0; c < ch; c++) {
        let s = 0;
        for (let j = 0, idx = row0 * ch + c; j < w; j++, idx += ch) s += taps[tb + j]! * this.hist[idx]!;
        this.outBuf[k * ch + c] = s;
      }
    }
    this.nextOut += count;
    // Drop history no future output needs.
    const keepFrom = Math.floor((this.nextOut * M) / L) - half;
    const drop = Math.min(this.histRows, Math.max(0, keepFrom - this.histStart));
    if (drop > 0) {
      this.hist.copyWithin(0, drop * ch, this.histRows * ch);
      this.histRows -= drop;
      this.histStart += drop;
    }
    return this.outBuf.subarray(0, count * ch);
  }
}
