import { describe, expect, it } from 'vitest';
import {
  bandPowersFromSpectrum,
  differentialEntropy,
  EEG_BANDS,
  eegBandPowers,
  frontalAlphaAsymmetry,
  lineNoiseLevel,
  StreamingBandPowers,
} from '../../../../src-main/core/dsp/eeg.js';
import { butterworth, filtfilt } from '../../../../src-main/core/dsp/iir.js';
import { WelchEstimator } from '../../../../src-main/core/dsp/spectrum.js';

const RATE = 256;

/** Channel-major description -> row-major samples of sums of sines. */
function sines(n: number, perChannel: Array<Array<[number, number]>>, extra?: (c: number, i: number) => number): Float32Array {
  const ch = perChannel.length;
  const x = new Float32Array(n * ch);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < ch; c++) {
      let v = extra ? extra(c, i) : 0;
      for (const [f, a] of perChannel[c]!) v += a * Math.sin((2 * Math.PI * f * i) / RATE + c);
      x[i * ch + c] = v;
    }
  }
  return x;
}

function gaussian(n: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  const u = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 0.5) / 4294967296;
  };
  return new Float64Array(n).map(() => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

describe('EEG band powers', () => {
  it('finds the power of one tone per band in that band, and relative powers summing to 1', () => {
    const amps: Array<[number, number]> = [
      [2.5, 10],
      [6, 8],
      [10, 6],
      [20, 4],
      [38, 2],
    ];
    const x = sines(RATE * 60, [amps]);
    const bp = eegBandPowers(x, 1, RATE);
    expect(bp.bands.map((b) => b.name)).toEqual(['delta', 'theta', 'alpha', 'beta', 'gamma']);
    amps.forEach(([, a], b) => expect(bp.absolute[b]! / ((a * a) / 2)).toBeCloseTo(1, 2));
    let sum = 0;
    for (let b = 0; b < 5; b++) sum += bp.relative[b]!;
    expect(sum).toBeCloseTo(1, 12);
    expect(bp.relative[0]).toBeCloseTo(50 / (50 + 32 + 18 + 8 + 2), 2);
  });

  it('computes differential entropy per band as 0.5 ln(2 pi e variance) of the band-limited signal', () => {
    expect(differentialEntropy(1)).toBeCloseTo(1.4189385, 6);
    const noise = gaussian(RATE * 300, 5);
    const alphaOnly = filtfilt(butterworth('bandpass', 6, [8.5, 12.5], RATE), noise);
    let v = 0;
    for (let i = 0; i < alphaOnly.length; i++) v += alphaOnly[i]! ** 2;
    v /= alphaOnly.length;
    const bp = eegBandPowers(Float32Array.from(alphaOnly), 1, RATE);
    expect(bp.differentialEntropy[2]).toBeCloseTo(differentialEntropy(v), 1);
    expect(bp.differentialEntropy[4]!).toBeLessThan(bp.differentialEntropy[2]! - 3);
  });

  it('gives frontal alpha asymmetry ln(alpha F4) - ln(alpha F3) from the channel labels', () => {
    const x = sines(RATE * 30, [[[10, 5]], [[10, 10]], [[10, 20]]]);
    const bp = eegBandPowers(x, 3, RATE);
    expect(frontalAlphaAsymmetry(bp, ['Fp1', 'F3', 'F4'])).toBeCloseTo(Math.log(4), 2);
    expect(frontalAlphaAsymmetry(bp, ['Fp1', 'f4', 'EEG F3'])).toBeCloseTo(-Math.log(4), 2);
    expect(frontalAlphaAsymmetry(bp, ['Fp1', 'Fp2', 'Cz'])).toBeNaN();
  });

  it('measures line noise at 50 Hz, and auto-detects 50 versus 60 Hz', () => {
    const x = sines(RATE * 30, [[[10, 10]], [[10, 10], [60, 10]]], (c, i) => (c === 0 ? 5 * Math.sin((2 * Math.PI * 50 * i) / RATE) : 0));
    const bp = eegBandPowers(x, 2, RATE);
    const at50 = lineNoiseLevel(bp.spectrum, 50);
    expect(at50.ratio[0]).toBeCloseTo(12.5 / (50 + 12.5), 2);
    expect(at50.ratio[1]).toBeLessThan(1e-4);
    expect(at50.snrDb[0]!).toBeGreaterThan(40);
    const auto = lineNoiseLevel(bp.spectrum, 'auto');
    expect(auto.lineHz).toBe(60);
    expect(auto.ratio[1]).toBeCloseTo(0.5, 2);
  });
});

describe('streaming band powers', () => {
  it('updates once per hop with the band powers of the last 4 s (three 2 s segments)', () => {
    const n = RATE * 10;
    const x = sines(n, [[[3, 4], [11, 7]], [[25, 3]]], (c, i) => 0.5 * Math.sin(i * (0.37 + c)));
    const live = new StreamingBandPowers(2, RATE);
    let updates = 0;
    for (let i = 0; i < n; i += 100) updates += live.push(x.subarray(i * 2, Math.min(n, i + 100) * 2));
    // First update once 2 s are in, then every second: 2, 3, ..., 10 s.
    expect(updates).toBe(9);
    expect(live.updates).toBe(9);
    const est = new WelchEstimator(RATE, 2, { segmentLength: 2 * RATE });
    for (const startSec of [6, 7, 8]) est.addSegment(x, startSec * RATE);
    const ref = bandPowersFromSpectrum(est.result(), EEG_BANDS);
    for (let j = 0; j < ref.absolute.length; j++) expect(live.latest.absolute[j]! / ref.absolute[j]!).toBeCloseTo(1, 9);
  });
});
