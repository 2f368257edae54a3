import { describe, expect, it } from 'vitest';
import { DspError } from '../../../../src-main/core/errors.js';
import { cubicSpline, hrvFrequencyDomain, hrvTimeDomain, rrIntervalsMs } from '../../../../src-main/core/dsp/hrv.js';

describe('HRV time domain', () => {
  it('computes mean RR, SDNN, RMSSD and pNN50 as defined by the Task Force', () => {
    const rr = [800, 860, 780, 900, 820];
    const h = hrvTimeDomain(rr);
    const mean = 832;
    expect(h.meanRrMs).toBeCloseTo(mean, 10);
    expect(h.meanHrBpm).toBeCloseTo(60000 / mean, 10);
    expect(h.sdnnMs).toBeCloseTo(Math.sqrt([800, 860, 780, 900, 820].reduce((s, v) => s + (v - mean) ** 2, 0) / 4), 10);
    // successive differences 60, -80, 120, -80
    expect(h.rmssdMs).toBeCloseTo(Math.sqrt((3600 + 6400 + 14400 + 6400) / 4), 10);
    expect(h.pnn50).toBeCloseTo(100, 10);
    expect(hrvTimeDomain([800, 810, 861]).pnn50).toBeCloseTo(50, 10);
    expect(h.beats).toBe(6);
  });

  it('turns R-peak samples into RR intervals and refuses too few', () => {
    expect(Array.from(rrIntervalsMs([0, 250, 450], 250))).toEqual([1000, 800]);
    expect(() => hrvTimeDomain([800])).toThrow(DspError);
  });
});

describe('HRV frequency domain', () => {
  it('recovers LF and HF power of a modulated RR series (LF/HF = (40/20)^2)', () => {
    const times: number[] = [];
    let t = 0;
    while (t < 600) {
      times.push(t);
      t += (800 + 40 * Math.sin(2 * Math.PI * 0.1 * t) + 20 * Math.sin(2 * Math.PI * 0.25 * t)) / 1000;
    }
    const f = hrvFrequencyDomain(times);
    expect(f.lfMs2 / 800).toBeCloseTo(1, 1);
    expect(f.hfMs2 / 200).toBeCloseTo(1, 1);
    expect(f.lfHf).toBeGreaterThan(3.6);
    expect(f.lfHf).toBeLessThan(4.4);
    expect(f.lfNu + f.hfNu).toBeCloseTo(100, 10);
    expect(f.vlfMs2).toBeLessThan(0.05 * f.lfMs2);
  });

  it('moves power from HF to LF when the breathing-band modulation is replaced by a 0.1 Hz one', () => {
    const beats = (fHz: number): number[] => {
      const out: number[] = [];
      for (let t = 0; t < 300; t += (900 + 30 * Math.sin(2 * Math.PI * fHz * t)) / 1000) out.push(t);
      return out;
    };
    expect(hrvFrequencyDomain(beats(0.3)).lfHf).toBeLessThan(0.1);
    expect(hrvFrequencyDomain(beats(0.08)).lfHf).toBeGreaterThan(10);
  });

  it('rejects too short or non-increasing peak times', () => {
    expect(() => hrvFrequencyDomain([0, 1, 2])).toThrow(DspError);
    expect(() => hrvFrequencyDomain([0, 1, 1, 2, 3])).toThrow(/increase/);
  });

  it('interpolates through the knots with a natural cubic spline', () => {
    const x = Array.from({ length: 40 }, (_, i) => i * 0.5 + 0.1 * Math.sin(i));
    const y = x.map(Math.sin);
    const at = [x[3]!, x[10]!, 7.3, 12.25];
    const v = cubicSpline(x, y, at);
    expect(v[0]).toBeCloseTo(y[3]!, 12);
    expect(v[1]).toBeCloseTo(y[10]!, 12);
    expect(v[2]).toBeCloseTo(Math.sin(7.3), 3);
    expect(v[3]).toBeCloseTo(Math.sin(12.25), 3);
  });
});
