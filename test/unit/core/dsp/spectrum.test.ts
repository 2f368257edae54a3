import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { DspError } from '../../../../src-main/core/errors.js';
import { bandPower, welch, WelchEstimator } from '../../../../src-main/core/dsp/spectrum.js';

function gaussian(n: number, seed: number): Float64Array {
  let s = seed >>> 0 || 1;
  const u = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 0.5) / 4294967296;
  };
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return x;
}

function hasScipy(): boolean {
  try {
    execFileSync('python3', ['-c', 'import scipy.signal'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('Welch PSD', () => {
  it('puts the power of a sine (A^2 / 2) around its frequency', () => {
    const rateHz = 256;
    const x = new Float64Array(rateHz * 30).map((_, i) => 3 * Math.sin((2 * Math.PI * 10.25 * i) / rateHz));
    const ps = welch(x, 1, rateHz);
    expect(ps.resolutionHz).toBeCloseTo(0.5, 12);
    expect(bandPower(ps, 0, 8, 13)).toBeCloseTo(4.5, 2);
    expect(bandPower(ps, 0, 13, 30) / 4.5).toBeLessThan(1e-4); // Hann leakage only
  });

  it('has the density of white noise (2 sigma^2 / fs) and integrates to its variance', () => {
    const rateHz = 200;
    const x = gaussian(rateHz * 600, 3).map((v) => 2 * v);
    const ps = welch(x, 1, rateHz);
    let mean = 0;
    for (let k = 5; k < ps.bins - 5; k++) mean += ps.psd[k]!;
    mean /= ps.bins - 10;
    expect(mean / ((2 * 4) / rateHz)).toBeCloseTo(1, 1);
    expect(bandPower(ps, 0, 0, rateHz) / 4).toBeCloseTo(1, 1);
  });

  it('estimates every channel of a row-major array separately', () => {
    const rateHz = 128;
    const n = rateHz * 20;
    const x = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      x[2 * i] = Math.sin((2 * Math.PI * 6 * i) / rateHz);
      x[2 * i + 1] = 2 * Math.sin((2 * Math.PI * 20 * i) / rateHz);
    }
    const ps = welch(x, 2, rateHz);
    expect(bandPower(ps, 0, 4, 8)).toBeCloseTo(0.5, 3);
    expect(bandPower(ps, 1, 4, 8)).toBeLessThan(1e-6);
    expect(bandPower(ps, 1, 13, 30)).toBeCloseTo(2, 3);
  });

  it('accumulates runs across a gap without mixing them', () => {
    const rateHz = 100;
    const a = new Float64Array(1000).map((_, i) => Math.sin((2 * Math.PI * 5 * i) / rateHz));
    const est = new WelchEstimator(rateHz, 1, { segmentLength: 200 });
    const added = est.addRun(a, 0, 500) + est.addRun(a, 600, 1000);
    expect(added).toBe(4 + 3);
    expect(est.segments).toBe(7);
    expect(bandPower(est.result(), 0, 4, 6)).toBeCloseTo(0.5, 2);
  });

  it.skipIf(!hasScipy())('equals scipy.signal.welch (hann, constant detrend, density)', () => {
    const rateHz = 250;
    const x = gaussian(3000, 9).map((v, i) => v + Math.sin(i / 7));
    const script = `
import json,sys
import numpy as np
from scipy.signal import welch
d=json.load(sys.stdin)
f,p=welch(np.array(d['x']),fs=d['fs'],nperseg=500,noverlap=250,nfft=512)
print(json.dumps(p.tolist()))`;
    const ref = JSON.parse(execFileSync('python3', ['-c', script], { input: JSON.stringify({ x: Array.from(x), fs: rateHz }) }).toString()) as number[];
    const ps = welch(x, 1, rateHz, { segmentLength: 500, overlap: 0.5, nfft: 512 });
    expect(ps.bins).toBe(ref.length);
    for (let k = 0; k < ref.length; k++) expect(ps.psd[k]! / ref[k]!).toBeCloseTo(1, 9);
  });

  it('rejects bad shapes and options with DspError', () => {
    expect(() => welch(new Float32Array(7), 2, 100)).toThrow(DspError);
    expect(() => welch(new Float32Array(100), 1, 100, { overlap: 1 })).toThrow(/overlap/);
    expect(() => new WelchEstimator(100, 1, { segmentLength: 100, nfft: 100 })).toThrow(/power of two/);
  });
});
