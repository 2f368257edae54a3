// Butterworth IIR filters as second-order sections (SOS): design, frequency response, zero-phase
// offline filtering (filtfilt with edge padding) and causal streaming filtering with per-channel
// state. Used by the modality presets, the ECG/EDA/EEG features and the live signal quality.
//
// Why not fili's Butterworth: fili designs a Butterworth "of order N" as N cookbook biquads (so
// only even overall orders), its band-pass/band-stop are single resonator biquads rather than the
// Butterworth low-pass -> band transform, and its IirFilter keeps state in per-stage JS objects
// that cannot be carried per channel in typed arrays across chunks. The design below is the
// textbook one (analog prototype poles -> frequency transform -> bilinear transform with
// pre-warping -> conjugate pairing), as in scipy.signal.butter(output='sos').

import { DspError } from '../errors.js';

/** Second-order sections, scipy layout: section s is sos[6s..6s+5] = [b0, b1, b2, 1, a1, a2]. */
export type Sos = Float64Array;

export type FilterKind = 'lowpass' | 'highpass' | 'bandpass' | 'bandstop';

/** Numeric sample arrays accepted by the filters. */
export type Samples = Float32Array | Float64Array;

const MAX_ORDER = 16;

/** Number of sections of an SOS array (throws DspError if its length is not a multiple of 6). */
export function sectionCount(sos: Sos): number {
  if (sos.length === 0 || sos.length % 6 !== 0) {
    throw new DspError('invalid-sos', `an SOS array holds 6 coefficients per section; got length ${sos.length}`, { length: sos.length });
  }
  return sos.length / 6;
}

/** One filter after the other: the sections of each, in order. */
export function cascadeSos(...parts: Sos[]): Sos {
  let total = 0;
  for (const p of parts) total += sectionCount(p) * 6;
  const out = new Float64Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function checkRate(rateHz: number, what: string): void {
  if (!(rateHz > 0) || !Number.isFinite(rateHz)) {
    throw new DspError('invalid-rate', `${what}: rateHz must be positive and finite, got ${rateHz}`, { rateHz });
  }
}

/**
 * Design a digital Butterworth filter as SOS. `cutoffHz` is one -3 dB frequency for low/high-pass,
 * [low, high] for band-pass/band-stop; `order` is the prototype order N (a band filter has 2N poles).
 * Each section is scaled to unit gain at the pass-band reference (DC, Nyquist, or the band centre),
 * so the cascade is numerically balanced.
 */
export function butterworth(kind: FilterKind, order: number, cutoffHz: number | readonly [number, number], rateHz: number): Sos {
  checkRate(rateHz, 'butterworth');
  if (!Number.isInteger(order) || order < 1 || order > MAX_ORDER) {
    throw new DspError('invalid-filter-options', `butterworth: order must be an integer in 1..${MAX_ORDER}, got ${order}`, { order });
  }
  const nyquist = rateHz / 2;
  const band = kind === 'bandpass' || kind === 'bandstop';
  const edges = typeof cutoffHz === 'number' ? [cutoffHz] : [...cutoffHz];
  if (edges.length !== (band ? 2 : 1) || edges.some((f) => !(f > 0 && f < nyquist)) || (band && !(edges[0]! < edges[1]!))) {
    throw new DspError(
      'invalid-filter-options',
      `butterworth ${kind}: expected ${band ? 'two increasing cut-offs' : 'one cut-off'} strictly between 0 and Nyquist (${nyquist} Hz), got ${JSON.stringify(cutoffHz)}`,
      { kind, cutoffHz, rateHz },
    );
  }
  // Pre-warped analog frequencies for the bilinear transform s = 2 (z - 1) / (z + 1).
  const warped = edges.map((f) => 2 * Math.tan((Math.PI * f) / rateHz));
  // Analog prototype poles (unit cut-off), left half plane.
  const protoRe: number[] = [];
  const protoIm: number[] = [];
  for (let m = -order + 1; m < order; m += 2) {
    const theta = (Math.PI * m) / (2 * order);
    protoRe.push(-Math.cos(theta));
    protoIm.push(-Math.sin(theta));
  }
  const poleRe: number[] = [];
  const poleIm: number[] = [];
  if (kind === 'lowpass') {
    const w = warped[0]!;
    for (let i = 0; i < order; i++) {
      poleRe.push(protoRe[i]! * w);
      poleIm.push(protoIm[i]! * w);
    }
  } else if (kind === 'highpass') {
    const w = warped[0]!;
    for (let i = 0; i < order; i++) {
      const d = protoRe[i]! ** 2 + protoIm[i]! ** 2;
      poleRe.push((w * protoRe[i]!) / d);
      poleIm.push((-w * protoIm[i]!) / d);
    }
  } else {
    const w1 = warped[0]!;
    const w2 = warped[1]!;
    const bw = w2 - w1;
    const wo2 = w1 * w2;
    for (let i = 0; i < order; i++) {
      // Band-pass: p_lp * bw / 2; band-stop: (bw / 2) / p_lp. Then p = q +- sqrt(q^2 - wo^2).
      let qRe: number;
      let qIm: number;
      if (kind === 'bandpass') {
        qRe = (protoRe[i]! * bw) / 2;
        qIm = (protoIm[i]! * bw) / 2;
      } else {
        const d = protoRe[i]! ** 2 + protoIm[i]! ** 2;
        qRe = ((bw / 2) * protoRe[i]!) / d;
        qIm = (-(bw / 2) * protoIm[i]!) / d;
      }
      const [sRe, sIm] = complexSqrt(qRe * qRe - qIm * qIm - wo2, 2 * qRe * qIm);
      poleRe.push(qRe + sRe, qRe - sRe);
      poleIm.push(qIm + sIm, qIm - sIm);
    }
  }
  // Bilinear transform of the poles: z = (2 + s) / (2 - s).
  const n = poleRe.length;
  const zRe = new Float64Array(n);
  const zIm = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [re, im] = complexDiv(2 + poleRe[i]!, poleIm[i]!, 2 - poleRe[i]!, -poleIm[i]!);
    zRe[i] = re;
    zIm[i] = im;
  }
  // Numerator of a second-order section, from where the zeros land on the unit circle.
  let numerator: [number, number, number];
  let refOmega: number;
  if (kind === 'lowpass') {
    numerator = [1, 2, 1];
    refOmega = 0;
  } else if (kind === 'highpass') {
    numerator = [1, -2, 1];
    refOmega = Math.PI;
  } else {
    const omegaCentre = 2 * Math.atan(Math.sqrt(warped[0]! * warped[1]!) / 2);
    numerator = kind === 'bandpass' ? [1, 0, -1] : [1, -2 * Math.cos(omegaCentre), 1];
    refOmega = kind === 'bandpass' ? omegaCentre : 0;
  }
  const sections = pairPoles(zRe, zIm, numerator, kind === 'lowpass' ? [1, 1, 0] : [1, -1, 0]);
  normaliseSections(sections, refOmega);
  return sections;
}

function complexSqrt(re: number, im: number): [number, number] {
  const r = Math.hypot(re, im);
  const sRe = Math.sqrt((r + re) / 2);
  const sIm = Math.sqrt(Math.max(0, (r - re) / 2));
  return [sRe, im < 0 ? -sIm : sIm];
}

function complexDiv(aRe: number, aIm: number, bRe: number, bIm: number): [number, number] {
  const d = bRe * bRe + bIm * bIm;
  return [(aRe * bRe + aIm * bIm) / d, (aIm * bRe - aRe * bIm) / d];
}

/** Group digital poles into sections: conjugate pairs, then real poles two by two (a lone real
 *  pole gets a first-order section). Ordered by pole radius, the poles nearest the unit circle last. */
function pairPoles(zRe: Float64Array, zIm: Float64Array, numerator: [number, number, number], firstOrderNumerator: [number, number, number]): Sos {
  const eps = 1e-10;
  const pairs: Array<{ a1: number; a2: number; radius: number; second: boolean }> = [];
  const reals: number[] = [];
  for (let i = 0; i < zRe.length; i++) {
    if (zIm[i]! > eps) {
      pairs.push({ a1: -2 * zRe[i]!, a2: zRe[i]! ** 2 + zIm[i]! ** 2, radius: Math.hypot(zRe[i]!, zIm[i]!), second: true });
    } else if (Math.abs(zIm[i]!) <= eps) {
      reals.push(zRe[i]!);
    }
  }
  reals.sort((a, b) => Math.abs(a) - Math.abs(b));
  for (let i = 0; i + 1 < reals.length; i += 2) {
    const p = reals[i]!;
    const q = reals[i + 1]!;
    pairs.push({ a1: -(p + q), a2: p * q, radius: Math.max(Math.abs(p), Math.abs(q)), second: true });
  }
  if (reals.length % 2 === 1) {
    const p = reals[reals.length - 1]!;
    pairs.push({ a1: -p, a2: 0, radius: Math.abs(p), second: false });
  }
  pairs.sort((x, y) => x.radius - y.radius);
  const sos = new Float64Array(pairs.length * 6);
  pairs.forEach((s, i) => {
    const b = s.second ? numerator : firstOrderNumerator;
    sos.set([b[0], b[1], b[2], 1, s.a1, s.a2], i * 6);
  });
  return sos;
}

/** Scale each section to unit magnitude at refOmega; keep the cascade's sign positive there. */
function normaliseSections(sos: Sos, refOmega: number): void {
  const sections = sos.length / 6;
  const c = Math.cos(refOmega);
  const s = Math.sin(refOmega);
  const c2 = Math.cos(2 * refOmega);
  const s2 = Math.sin(2 * refOmega);
  let totRe = 1;
  let totIm = 0;
  for (let k = 0; k < sections; k++) {
    const o = k * 6;
    const [hRe, hIm] = sectionResponse(sos, o, c, s, c2, s2);
    const mag = Math.hypot(hRe, hIm);
    for (let j = 0; j < 3; j++) sos[o + j] = sos[o + j]! / mag;
    const re = totRe * (hRe / mag) - totIm * (hIm / mag);
    totIm = totRe * (hIm / mag) + totIm * (hRe / mag);
    totRe = re;
  }
  if (totRe < 0) for (let j = 0; j < 3; j++) sos[j] = -sos[j]!;
}

function sectionResponse(sos: Sos, o: number, c: number, s: number, c2: number, s2: number): [number, number] {
  // H = (b0 + b1 e^-jw + b2 e^-2jw) / (1 + a1 e^-jw + a2 e^-2jw)
  const nRe = sos[o]! + sos[o + 1]! * c + sos[o + 2]! * c2;
  const nIm = -sos[o + 1]! * s - sos[o + 2]! * s2;
  const dRe = 1 + sos[o + 4]! * c + sos[o + 5]! * c2;
  const dIm = -sos[o + 4]! * s - sos[o + 5]! * s2;
  return complexDiv(nRe, nIm, dRe, dIm);
}

/** Complex frequency response of the cascade at `fHz`. */
export function sosResponse(sos: Sos, fHz: number, rateHz: number): { re: number; im: number } {
  const sections = sectionCount(sos);
  const w = (2 * Math.PI * fHz) / rateHz;
  const c = Math.cos(w);
  const s = Math.sin(w);
  const c2 = Math.cos(2 * w);
  const s2 = Math.sin(2 * w);
  let re = 1;
  let im = 0;
  for (let k = 0; k < sections; k++) {
    const [hRe, hIm] = sectionResponse(sos, k * 6, c, s, c2, s2);
    const r = re * hRe - im * hIm;
    im = re * hIm + im * hRe;
    re = r;
  }
  return { re, im };
}

/** |H(f)| of the cascade. */
export function sosMagnitude(sos: Sos, fHz: number, rateHz: number): number {
  const h = sosResponse(sos, fHz, rateHz);
  return Math.hypot(h.re, h.im);
}

/** Group delay in samples at `fHz` (numerical derivative of the unwrapped phase). */
export function sosGroupDelaySamples(sos: Sos, fHz: number, rateHz: number): number {
  const df = rateHz * 1e-5;
  const a = sosResponse(sos, fHz - df, rateHz);
  const b = sosResponse(sos, fHz + df, rateHz);
  let dPhi = Math.atan2(b.im, b.re) - Math.atan2(a.im, a.re);
  while (dPhi > Math.PI) dPhi -= 2 * Math.PI;
  while (dPhi < -Math.PI) dPhi += 2 * Math.PI;
  const dOmega = (2 * Math.PI * 2 * df) / rateHz;
  return -dPhi / dOmega;
}

/** Largest pole radius of the cascade (< 1 for a stable filter). */
export function maxPoleRadius(sos: Sos): number {
  const sections = sectionCount(sos);
  let r = 0;
  for (let k = 0; k < sections; k++) {
    const a1 = sos[k * 6 + 4]!;
    const a2 = sos[k * 6 + 5]!;
    const disc = a1 * a1 - 4 * a2;
    const rk = disc < 0 ? Math.sqrt(a2) : Math.max(Math.abs((-a1 + Math.sqrt(disc)) / 2), Math.abs((-a1 - Math.sqrt(disc)) / 2));
    if (rk > r) r = rk;
  }
  return r;
}

/**
 * Steady-state section states for a constant input of 1 (scipy's sosfilt_zi): [z1, z2] per
 * section; multiply by the first sample to start a filter without a step transient.
 */
export function sosSteadyState(sos: Sos): Float64Array {
  const sections = sectionCount(sos);
  const zi = new Float64Array(sections * 2);
  let u = 1; // step amplitude entering this section
  for (let k = 0; k < sections; k++) {
    const o = k * 6;
    const den = 1 + sos[o + 4]! + sos[o + 5]!;
    const y = den === 0 ? 0 : (u * (sos[o]! + sos[o + 1]! + sos[o + 2]!)) / den;
    zi[k * 2] = y - sos[o]! * u;
    zi[k * 2 + 1] = sos[o + 2]! * u - sos[o + 5]! * y;
    u = y;
  }
  return zi;
}

/**
 * Filter one channel in place through the cascade, direct form II transposed, with `state`
 * ([z1, z2] per section) carried in and out. `stride`/`offset` address one channel of a
 * row-major multichannel array.
 */
export function sosFilterInPlace(sos: Sos, data: Samples, state: Float64Array, stride = 1, offset = 0, stateOffset = 0, count = -1): void {
  const sections = sos.length / 6;
  const n = count >= 0 ? count : Math.floor((data.length - offset + stride - 1) / stride);
  for (let k = 0; k < sections; k++) {
    const o = k * 6;
    const b0 = sos[o]!;
    const b1 = sos[o + 1]!;
    const b2 = sos[o + 2]!;
    const a1 = sos[o + 4]!;
    const a2 = sos[o + 5]!;
    const si = stateOffset + k * 2;
    let z1 = state[si]!;
    let z2 = state[si + 1]!;
    for (let i = 0, idx = offset; i < n; i++, idx += stride) {
      const x = data[idx]!;
      const y = b0 * x + z1;
      z1 = b1 * x - a1 * y + z2;
      z2 = b2 * x - a2 * y;
      data[idx] = y;
    }
    state[si] = z1;
    state[si + 1] = z2;
  }
}

/** Causal filtering of a whole single-channel signal (fresh state primed on the first sample). */
export function sosFilter(sos: Sos, x: Samples, opts: { prime?: boolean } = {}): Float64Array {
  sectionCount(sos);
  const out = Float64Array.from(x);
  const state = new Float64Array((sos.length / 6) * 2);
  if ((opts.prime ?? true) && out.length > 0) {
    const zi = sosSteadyState(sos);
    for (let i = 0; i < zi.length; i++) state[i] = zi[i]! * out[0]!;
  }
  sosFilterInPlace(sos, out, state);
  return out;
}

/** Default edge padding of filtfilt: scipy's 3 x (2 x sections + 1), or six time constants
 *  of the slowest pole when that is longer (low cut-offs ring far longer than scipy's pad). */
export function defaultPadLength(sos: Sos): number {
  const sections = sectionCount(sos);
  const scipyPad = 3 * (2 * sections + 1);
  const r = maxPoleRadius(sos);
  const tau = r > 0 && r < 1 ? -1 / Math.log(r) : 0;
  return Math.max(scipyPad, Math.ceil(6 * tau));
}

export interface FiltfiltOptions {
  /** Samples of odd extension at each end; default defaultPadLength(sos), capped at n - 1. */
  padLength?: number;
  /** Preallocated output (length n); may be the input itself. */
  out?: Float64Array;
}

/**
 * Zero-phase filtering (forward then backward, magnitude response squared), as scipy's
 * sosfiltfilt: odd extension of the ends, both passes started from the steady state of the
 * first sample of their pass so an offset or a slope does not ring into the data.
 */
export function filtfilt(sos: Sos, x: Samples, opts: FiltfiltOptions = {}): Float64Array {
  sectionCount(sos);
  const n = x.length;
  const out = opts.out ?? new Float64Array(n);
  if (out.length !== n) {
    throw new DspError('output-size-mismatch', `filtfilt: output has length ${out.length}, input ${n}`, { out: out.length, n });
  }
  if (n === 0) return out;
  if (n === 1) {
    const dcGain = sosResponse(sos, 0, 1).re; // rate-independent at f = 0
    out[0] = x[0]! * dcGain * dcGain;
    return out;
  }
  const requested = opts.padLength ?? defaultPadLength(sos);
  if (!Number.isInteger(requested) || requested < 0) {
    throw new DspError('invalid-filter-options', `filtfilt: padLength must be a non-negative integer, got ${requested}`, { padLength: requested });
  }
  const pad = Math.min(requested, n - 1);
  const ext = new Float64Array(n + 2 * pad);
  const x0 = x[0]!;
  const xn = x[n - 1]!;
  for (let i = 0; i < pad; i++) ext[i] = 2 * x0 - x[pad - i]!;
  for (let i = 0; i < n; i++) ext[pad + i] = x[i]!;
  for (let i = 0; i < pad; i++) ext[pad + n + i] = 2 * xn - x[n - 2 - i]!;
  const zi = sosSteadyState(sos);
  const state = new Float64Array(zi.length);
  for (let i = 0; i < zi.length; i++) state[i] = zi[i]! * ext[0]!;
  sosFilterInPlace(sos, ext, state);
  ext.reverse();
  for (let i = 0; i < zi.length; i++) state[i] = zi[i]! * ext[0]!;
  sosFilterInPlace(sos, ext, state);
  for (let i = 0; i < n; i++) out[i] = ext[ext.length - 1 - pad - i]!;
  return out;
}

/** filtfilt of every channel of a row-major n x channels array (a new Float32Array). */
export function filtfiltChannels(sos: Sos, values: Float32Array, channels: number, opts: Omit<FiltfiltOptions, 'out'> = {}): Float32Array {
  if (!Number.isInteger(channels) || channels < 1 || values.length % channels !== 0) {
    throw new DspError('length-mismatch', `filtfiltChannels: ${values.length} values do not split into ${channels} channels`, { values: values.length, channels });
  }
  const n = values.length / channels;
  const col = new Float64Array(n);
  const res = new Float64Array(n);
  const out = new Float32Array(values.length);
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < n; i++) col[i] = values[i * channels + c]!;
    filtfilt(sos, col, { ...opts, out: res });
    for (let i = 0; i < n; i++) out[i * channels + c] = res[i]!;
  }
  return out;
}

/**
 * Causal streaming filter for a multichannel stream: the state of every section of every
 * channel lives in one Float64Array and is carried across chunks, so filtering a signal in
 * chunks of any size gives exactly what filtering it in one go gives. By default the first
 * sample of each channel primes the state to its steady state (no step transient from an offset).
 */
export class SosFilter {
  readonly channels: number;
  private readonly sos: Sos;
  private readonly sections: number;
  private readonly state: Float64Array;
  private readonly zi: Float64Array;
  /** 1 once a channel's state holds history (or was primed). */
  private readonly primed: Uint8Array;
  private readonly autoPrime: boolean;

  constructor(sos: Sos, channels = 1, opts: { primeOnFirstSample?: boolean } = {}) {
    this.sections = sectionCount(sos);
    if (!Number.isInteger(channels) || channels < 1) {
      throw new DspError('invalid-channel-count', `SosFilter: channels must be a positive integer, got ${channels}`, { channels });
    }
    this.sos = Float64Array.from(sos);
    this.channels = channels;
    this.state = new Float64Array(channels * this.sections * 2);
    this.zi = sosSteadyState(sos);
    this.autoPrime = opts.primeOnFirstSample ?? true;
    this.primed = new Uint8Array(channels).fill(this.autoPrime ? 0 : 1);
  }

  /** Forget the past (the next sample primes again if priming is on). */
  reset(): void {
    this.state.fill(0);
    this.primed.fill(this.autoPrime ? 0 : 1);
  }

  /** Set every channel's state to the steady state of a constant input `level[c]`. */
  primeWith(level: ArrayLike<number>): void {
    for (let c = 0; c < this.channels; c++) this.primeChannel(c, level[c]!);
  }

  private primeChannel(channel: number, level: number): void {
    const per = this.sections * 2;
    for (let i = 0; i < per; i++) this.state[channel * per + i] = this.zi[i]! * level;
    this.primed[channel] = 1;
  }

  /**
   * Filter n x channels row-major samples from `input` into `output` (default: in place).
   * The state moves on by n samples.
   */
  process(input: Samples, output: Samples = input): void {
    const ch = this.channels;
    if (input.length % ch !== 0 || output.length < input.length) {
      throw new DspError('length-mismatch', `SosFilter.process: ${input.length} values do not split into ${ch} channels (output ${output.length})`, {
        values: input.length,
        channels: ch,
      });
    }
    const n = input.length / ch;
    if (n === 0) return;
    for (let c = 0; c < ch; c++) if (this.primed[c] === 0) this.primeChannel(c, input[c]!);
    if (output !== input) output.set(input.subarray(0, n * ch));
    const per = this.sections * 2;
    for (let c = 0; c < ch; c++) sosFilterInPlace(this.sos, output, this.state, ch, c, c * per, n);
  }

  /** Filter one sample of one channel (for per-sample detectors; no allocation). */
  step(x: number, channel = 0): number {
    if (this.primed[channel] === 0) this.primeChannel(channel, x);
    const sos = this.sos;
    const state = this.state;
    let v = x;
    let si = channel * this.sections * 2;
    for (let o = 0; o < sos.length; o += 6, si += 2) {
      const y = sos[o]! * v + state[si]!;
      state[si] = sos[o + 1]! * v - sos[o + 4]! * y + state[si + 1]!;
      state[si + 1] = sos[o + 2]! * v - sos[o + 5]! * y;
      v = y;
    }
    return v;
  }
}
