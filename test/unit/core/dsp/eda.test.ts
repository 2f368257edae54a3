import { describe, expect, it } from 'vitest';
import { DspError } from '../../../../src-main/core/errors.js';
import {
  analyzeEda,
  batemanImpulseResponse,
  cleanEda,
  detectScrs,
  edaDeconvolutionDecomposition,
  edaHighpassDecomposition,
  scrRatePerMin,
} from '../../../../src-main/core/dsp/eda.js';

const RATE = 32;

interface SynthEda {
  sc: Float64Array;
  tonic: Float64Array;
  phasic: Float64Array;
  onsetsSec: number[];
  amplitudes: number[];
}

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Bateman SCR of unit peak, onset at 0. */
function scrShape(tSec: number, tau1: number, tau2: number): number {
  if (tSec <= 0) return 0;
  const tPeak = (Math.log(tau2 / tau1) * tau1 * tau2) / (tau2 - tau1);
  const peak = Math.exp(-tPeak / tau2) - Math.exp(-tPeak / tau1);
  return (Math.exp(-tSec / tau2) - Math.exp(-tSec / tau1)) / peak;
}

/** Tonic level with slow drift, SCRs every `spacingSec` +- jitter, white noise. */
function synthEda(durationSec: number, seed: number, spacingSec: [number, number], tau: [number, number] = [0.75, 2], noiseUs = 0.003): SynthEda {
  const u = prng(seed);
  const n = durationSec * RATE;
  const tonic = new Float64Array(n);
  const phasic = new Float64Array(n);
  const onsetsSec: number[] = [];
  const amplitudes: number[] = [];
  for (let t = 5 + spacingSec[0] * u(); t < durationSec - 15; t += spacingSec[0] + (spacingSec[1] - spacingSec[0]) * u()) {
    onsetsSec.push(t);
    amplitudes.push(0.1 + 0.8 * u());
  }
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    tonic[i] = 4 + 0.004 * t + 0.5 * Math.sin((2 * Math.PI * t) / 400);
    let p = 0;
    for (let k = 0; k < onsetsSec.length; k++) p += amplitudes[k]! * scrShape(t - onsetsSec[k]!, tau[0], tau[1]);
    phasic[i] = p;
  }
  const sc = new Float64Array(n);
  for (let i = 0; i < n; i++) sc[i] = tonic[i]! + phasic[i]! + noiseUs * (u() - 0.5) * 3.46;
  return { sc, tonic, phasic, onsetsSec, amplitudes };
}

function correlation(a: Float64Array, b: Float64Array, from = 0, to = a.length): number {
  let ma = 0;
  let mb = 0;
  for (let i = from; i < to; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= to - from;
  mb /= to - from;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = from; i < to; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

function rms(a: Float64Array, b: Float64Array, from = 0, to = a.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s / (to - from));
}

describe('EDA cleaning and decomposition', () => {
  it('cleans high-frequency noise and keeps the level', () => {
    const eda = synthEda(120, 1, [10, 20], [0.75, 2], 0.05);
    const clean = cleanEda(eda.sc, RATE);
    const truth = eda.tonic.map((v, i) => v + eda.phasic[i]!);
    expect(rms(clean, truth)).toBeLessThan(0.5 * rms(eda.sc, truth));
  });

  it('splits tonic and phasic by a 0.05 Hz high-pass, the two summing to the signal', () => {
    const eda = synthEda(600, 2, [15, 30]);
    const { tonic, phasic } = edaHighpassDecomposition(eda.sc, RATE);
    for (let i = 0; i < eda.sc.length; i += 101) expect(tonic[i]! + phasic[i]!).toBeCloseTo(eda.sc[i]!, 10);
    expect(correlation(phasic, eda.phasic)).toBeGreaterThan(0.8);
    expect(rms(tonic, eda.tonic, 30 * RATE, eda.sc.length - 30 * RATE)).toBeLessThan(0.25);
  });

  it('recovers phasic, tonic and the sudomotor bursts by Bateman deconvolution', () => {
    const eda = synthEda(600, 3, [8, 25]);
    const d = edaDeconvolutionDecomposition(eda.sc, RATE);
    const inner: [number, number] = [20 * RATE, eda.sc.length - 20 * RATE];
    expect(correlation(d.phasic, eda.phasic, ...inner)).toBeGreaterThan(0.95);
    expect(rms(d.tonic, eda.tonic, ...inner)).toBeLessThan(0.1);
    expect(Math.min(...d.phasicDriver)).toBeGreaterThanOrEqual(0);
    // Each true onset has a driver burst within 0.5 s after it.
    for (const onset of eda.onsetsSec) {
      let best = 0;
      let at = 0;
      for (let i = Math.round(onset * RATE); i < Math.round((onset + 1.5) * RATE); i++) {
        if (d.phasicDriver[i]! > best) {
          best = d.phasicDriver[i]!;
          at = i / RATE;
        }
      }
      expect(at - onset).toBeLessThan(0.5);
      expect(best).toBeGreaterThan(0);
    }
  });

  it('is robust to a Bateman shape that differs from the assumed one', () => {
    const eda = synthEda(600, 4, [10, 25], [0.6, 3]);
    const d = edaDeconvolutionDecomposition(eda.sc, RATE);
    const inner: [number, number] = [20 * RATE, eda.sc.length - 20 * RATE];
    expect(correlation(d.phasic, eda.phasic, ...inner)).toBeGreaterThan(0.9);
    expect(rms(d.tonic, eda.tonic, ...inner)).toBeLessThan(0.2);
  });

  it('has a unit-area Bateman impulse response peaking at ln(tau2/tau1) tau1 tau2 / (tau2 - tau1)', () => {
    const h = batemanImpulseResponse(0.75, 2, 100, 40);
    expect(h.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
    const peakAt = h.indexOf(Math.max(...h)) / 100;
    expect(peakAt).toBeCloseTo((Math.log(2 / 0.75) * 1.5) / 1.25, 1);
    expect(() => batemanImpulseResponse(2, 1, 100)).toThrow(DspError);
  });
});

describe('SCR detection', () => {
  it('finds every separated SCR with its onset, amplitude, rise time and half-recovery time', () => {
    const eda = synthEda(600, 5, [20, 30]);
    const scrs = detectScrs(edaDeconvolutionDecomposition(eda.sc, RATE).phasic, RATE, { smoothHz: 0 });
    expect(scrs.length).toBe(eda.onsetsSec.length);
    const tPeak = (Math.log(2 / 0.75) * 0.75 * 2) / 1.25;
    // Half recovery of a unit Bateman SCR: first t > tPeak with shape(t) = 0.5.
    let tHalf = tPeak;
    while (scrShape(tHalf, 0.75, 2) > 0.5) tHalf += 0.001;
    scrs.forEach((s, k) => {
      // The 1 Hz zero-phase smoothing before deconvolving spreads a response's foot ~0.35 s early.
      expect(Math.abs(s.onsetSec - eda.onsetsSec[k]!)).toBeLessThan(0.5);
      expect(s.amplitude / eda.amplitudes[k]!).toBeCloseTo(1, 1);
      expect(Math.abs(s.riseTimeSec - tPeak)).toBeLessThan(0.5);
      expect(Math.abs(s.halfRecoverySec - (tHalf - tPeak))).toBeLessThan(0.4);
      expect(s.peakSec).toBeGreaterThan(s.onsetSec);
    });
  });

  it('ignores responses below the amplitude threshold and reports the SCR rate per minute', () => {
    const eda = synthEda(300, 6, [10, 15]);
    const levelOnly = eda.tonic.map((v, i) => v + eda.sc[i]! - eda.tonic[i]! - eda.phasic[i]!); // drift and noise, no responses
    expect(detectScrs(edaDeconvolutionDecomposition(levelOnly, RATE).phasic, RATE, { smoothHz: 0 }).length).toBe(0);
    const scrs = detectScrs(edaDeconvolutionDecomposition(eda.sc, RATE).phasic, RATE, { minAmplitude: 0.05, smoothHz: 0 });
    expect(scrs.length).toBe(eda.amplitudes.filter((a) => a >= 0.05).length);
    expect(scrRatePerMin(scrs.length, 300)).toBeCloseTo(scrs.length / 5, 10);
  });

  it('marks a half-recovery that the next response interrupts as NaN', () => {
    const n = 60 * RATE;
    const sc = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const t = i / RATE;
      sc[i] = 2 + 0.5 * scrShape(t - 10, 0.75, 2) + 0.8 * scrShape(t - 12, 0.75, 2) + 0.3 * scrShape(t - 40, 0.75, 2);
    }
    const scrs = detectScrs(sc, RATE);
    expect(scrs.length).toBe(3);
    expect(scrs[0]!.halfRecoverySec).toBeNaN();
    expect(scrs[1]!.halfRecoverySec).toBeGreaterThan(1);
  });

  it('analyzeEda bundles cleaning, both decompositions, SCRs and the mean tonic level', () => {
    const eda = synthEda(300, 7, [12, 20]);
    const a = analyzeEda(Float32Array.from(eda.sc), RATE);
    expect(a.scrs.length).toBe(eda.onsetsSec.length);
    expect(a.meanTonic).toBeGreaterThan(3.5);
    expect(a.meanTonic).toBeLessThan(5.5);
    expect(a.durationSec).toBe(300);
    expect(() => analyzeEda(new Float32Array(2), RATE)).toThrow(DspError);
  });
});
