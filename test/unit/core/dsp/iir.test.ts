import { execFileSync } from 'node:child_process';
import Fili from 'fili';
import { describe, expect, it } from 'vitest';
import { DspError } from '../../../../src-main/core/errors.js';
import {
  butterworth,
  cascadeSos,
  filtfilt,
  filtfiltChannels,
  maxPoleRadius,
  sectionCount,
  sosFilter,
  SosFilter,
  sosGroupDelaySamples,
  sosMagnitude,
  type FilterKind,
} from '../../../../src-main/core/dsp/iir.js';

/** |H|^2 of the digital Butterworth filter (bilinear transform of the analog one, pre-warped). */
function analyticPower(kind: FilterKind, order: number, cutoffHz: number | [number, number], fHz: number, rateHz: number): number {
  const w = Math.tan((Math.PI * fHz) / rateHz);
  let ratio: number;
  if (typeof cutoffHz === 'number') {
    const wc = Math.tan((Math.PI * cutoffHz) / rateHz);
    ratio = kind === 'lowpass' ? w / wc : wc / w;
  } else {
    const w1 = Math.tan((Math.PI * cutoffHz[0]) / rateHz);
    const w2 = Math.tan((Math.PI * cutoffHz[1]) / rateHz);
    const x = (w * w - w1 * w2) / (w * (w2 - w1));
    ratio = kind === 'bandpass' ? x : 1 / x;
  }
  return 1 / (1 + ratio ** (2 * order));
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function noise(n: number, seed: number): Float64Array {
  const r = rng(seed);
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = r() - 0.5;
  return x;
}

function maxPowerError(kind: FilterKind, order: number, cutoff: number | [number, number], rateHz: number): number {
  const sos = butterworth(kind, order, cutoff, rateHz);
  let worst = 0;
  for (let k = 1; k < 400; k++) {
    const f = (k / 400) * (rateHz / 2);
    const h = sosMagnitude(sos, f, rateHz);
    worst = Math.max(worst, Math.abs(h * h - analyticPower(kind, order, cutoff, f, rateHz)));
  }
  return worst;
}

function hasScipy(): boolean {
  try {
    execFileSync('python3', ['-c', 'import scipy.signal'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('Butterworth design', () => {
  it.each([1, 2, 3, 4, 5, 8])('low-pass of order %i matches the analytic bilinear Butterworth |H|^2 to 1e-10', (order) => {
    expect(maxPowerError('lowpass', order, 40, 256)).toBeLessThan(1e-10);
    expect(maxPowerError('lowpass', order, 3, 1000)).toBeLessThan(1e-10);
  });

  it.each([1, 2, 3, 6])('high-pass of order %i matches the analytic |H|^2 to 1e-10', (order) => {
    expect(maxPowerError('highpass', order, 0.5, 250)).toBeLessThan(1e-10);
    expect(maxPowerError('highpass', order, 30, 128)).toBeLessThan(1e-10);
  });

  it.each([1, 2, 3, 4])('band-pass and band-stop of order %i match the analytic |H|^2 to 1e-10', (order) => {
    expect(maxPowerError('bandpass', order, [1, 45], 256)).toBeLessThan(1e-10);
    expect(maxPowerError('bandpass', order, [5, 15], 360)).toBeLessThan(1e-10);
    expect(maxPowerError('bandstop', order, [45, 55], 500)).toBeLessThan(1e-10);
  });

  it('has the -3 dB point exactly at the cut-off and unit gain in the pass band', () => {
    const sos = butterworth('lowpass', 4, 40, 256);
    expect(20 * Math.log10(sosMagnitude(sos, 40, 256))).toBeCloseTo(-3.0103, 3);
    expect(sosMagnitude(sos, 0, 256)).toBeCloseTo(1, 12);
    const bp = butterworth('bandpass', 2, [8, 13], 256);
    expect(sosMagnitude(bp, 8, 256) ** 2).toBeCloseTo(0.5, 10);
    expect(sosMagnitude(bp, 13, 256) ** 2).toBeCloseTo(0.5, 10);
  });

  it('is stable and uses ceil(N/2) sections for low-pass and N for band filters', () => {
    expect(sectionCount(butterworth('lowpass', 3, 10, 100))).toBe(2);
    expect(sectionCount(butterworth('bandpass', 3, [0.05, 1], 32))).toBe(3);
    expect(maxPoleRadius(butterworth('highpass', 2, 0.05, 1000))).toBeLessThan(1);
    expect(maxPoleRadius(butterworth('bandpass', 4, [0.5, 40], 2048))).toBeLessThan(1);
  });

  it("agrees with fili's even-order Butterworth low-pass cascade", () => {
    const fili = new Fili.CalcCascades().lowpass({ order: 2, characteristic: 'butterworth', Fs: 500, Fc: 35 });
    const filiSos = Float64Array.from(fili.flatMap((c) => [c.b[0]! * c.k, c.b[1]! * c.k, c.b[2]! * c.k, 1, c.a[0]!, c.a[1]!]));
    const ours = butterworth('lowpass', 4, 35, 500);
    for (const f of [0, 10, 30, 35, 50, 100, 200]) expect(sosMagnitude(ours, f, 500)).toBeCloseTo(sosMagnitude(filiSos, f, 500), 10);
  });

  it('rejects cut-offs outside (0, Nyquist), reversed bands and bad orders with DspError', () => {
    expect(() => butterworth('lowpass', 2, 130, 256)).toThrow(DspError);
    expect(() => butterworth('bandpass', 2, [13, 8], 256)).toThrow(/two increasing cut-offs/);
    expect(() => butterworth('lowpass', 0, 10, 256)).toThrow(/order/);
    expect(() => butterworth('lowpass', 2, 10, Number.NaN)).toThrow(DspError);
  });
});

describe('causal and zero-phase filtering', () => {
  it('streams a multichannel signal in chunks of any size exactly as in one go', () => {
    const sos = butterworth('bandpass', 3, [0.5, 40], 250);
    const channels = 3;
    const n = 2000;
    const data = new Float32Array(n * channels);
    const r = rng(7);
    for (let i = 0; i < data.length; i++) data[i] = r() * 100 + 50;
    const whole = data.slice();
    new SosFilter(sos, channels).process(whole);
    const chunked = data.slice();
    const f = new SosFilter(sos, channels);
    for (let i = 0; i < n; ) {
      const len = Math.min(n - i, 1 + Math.floor(r() * 97));
      f.process(chunked.subarray(i * channels, (i + len) * channels));
      i += len;
    }
    expect(Array.from(chunked)).toEqual(Array.from(whole));
    // ...and per-sample stepping agrees with chunk processing.
    const stepped = new SosFilter(sos, channels);
    for (let i = 0; i < 50; i++) expect(stepped.step(data[i * channels + 1]!, 1)).toBeCloseTo(whole[i * channels + 1]!, 3);
  });

  it('primes on the first sample so a DC offset does not ring through a high-pass', () => {
    const sos = butterworth('highpass', 2, 0.5, 250);
    const x = new Float64Array(500).fill(1000);
    const y = sosFilter(sos, x);
    expect(Math.max(...Array.from(y).map(Math.abs))).toBeLessThan(1e-6);
    const unprimed = sosFilter(sos, x, { prime: false });
    expect(Math.abs(unprimed[0]!)).toBeGreaterThan(500);
  });

  it('filtfilt keeps a pass-band sine in phase with gain |H|^2', () => {
    const rateHz = 256;
    const sos = butterworth('bandpass', 2, [8, 13], rateHz);
    const n = 4096;
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = Math.sin((2 * Math.PI * 11 * i) / rateHz + 0.3);
    const y = filtfilt(sos, x);
    const g = sosMagnitude(sos, 11, rateHz) ** 2;
    let worst = 0;
    for (let i = 500; i < n - 500; i++) worst = Math.max(worst, Math.abs(y[i]! - g * x[i]!));
    expect(worst).toBeLessThan(1e-4);
  });

  it('filtfilt of a high-pass removes an offset and a slope without edge transients', () => {
    const sos = butterworth('highpass', 1, 0.05, 32);
    const n = 32 * 120;
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = 5 + (0.01 * i) / 32;
    const y = filtfilt(sos, x);
    expect(Math.max(...Array.from(y).map(Math.abs))).toBeLessThan(0.05);
  });

  it('filtfilt of a low-pass preserves a ramp up to the edges', () => {
    const sos = butterworth('lowpass', 4, 3, 100);
    const x = new Float64Array(1000).map((_, i) => 2 + 0.003 * i);
    const y = filtfilt(sos, x);
    for (const i of [0, 1, 10, 500, 998, 999]) expect(Math.abs(y[i]! - x[i]!)).toBeLessThan(1e-4);
  });

  it('filtfiltChannels filters every channel of a row-major array independently', () => {
    const sos = butterworth('lowpass', 2, 5, 100);
    const a = noise(300, 1);
    const b = noise(300, 2);
    const inter = new Float32Array(600);
    for (let i = 0; i < 300; i++) {
      inter[2 * i] = a[i]!;
      inter[2 * i + 1] = b[i]!;
    }
    const out = filtfiltChannels(sos, inter, 2);
    const ya = filtfilt(sos, Float32Array.from(a));
    const yb = filtfilt(sos, Float32Array.from(b));
    for (let i = 0; i < 300; i += 17) {
      expect(out[2 * i]).toBeCloseTo(ya[i]!, 5);
      expect(out[2 * i + 1]).toBeCloseTo(yb[i]!, 5);
    }
  });

  it.skipIf(!hasScipy())("filtfilt equals scipy's sosfiltfilt with the same padding", () => {
    const sos = cascadeSos(butterworth('bandpass', 2, [0.5, 40], 250), butterworth('lowpass', 3, 30, 250));
    const x = noise(700, 11).map((v, i) => v + 0.01 * i);
    const pad = 3 * (2 * sectionCount(sos) + 1);
    const script = `
import json,sys
import numpy as np
from scipy.signal import sosfiltfilt
d=json.load(sys.stdin)
sos=np.array(d['sos']).reshape(-1,6)
print(json.dumps(sosfiltfilt(sos,np.array(d['x']),padtype='odd',padlen=d['pad']).tolist()))`;
    const ref = JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify({ sos: Array.from(sos), x: Array.from(x), pad }) }).toString()) as number[];
    const y = filtfilt(sos, x, { padLength: pad });
    for (let i = 0; i < x.length; i++) expect(y[i]).toBeCloseTo(ref[i]!, 9);
  });

  it('reports the group delay of a filter in samples', () => {
    // A first-order low-pass at low frequency delays by about 1/(2 pi fc) seconds.
    const sos = butterworth('lowpass', 1, 1, 1000);
    expect(sosGroupDelaySamples(sos, 0.01, 1000)).toBeCloseTo(1000 / (2 * Math.PI), 0);
  });
});
