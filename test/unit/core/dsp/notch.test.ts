import { describe, expect, it } from 'vitest';
import { DspError } from '../../../../src-main/core/errors.js';
import { sectionCount, sosMagnitude, filtfilt, SosFilter } from '../../../../src-main/core/dsp/iir.js';
import { notchSos } from '../../../../src-main/core/dsp/notch.js';
import { FILTER_PRESETS, presetFilter } from '../../../../src-main/core/dsp/presets.js';

/** |H|^2 of the bilinear (pre-warped at f0) notch (s^2 + 1) / (s^2 + s/Q + 1). */
function analyticNotchPower(f0: number, q: number, fHz: number, rateHz: number): number {
  const w = Math.tan((Math.PI * fHz) / rateHz) / Math.tan((Math.PI * f0) / rateHz);
  const num = (1 - w * w) ** 2;
  return num / (num + (w / q) ** 2);
}

const db = (x: number) => 20 * Math.log10(x);

describe('power-line notch', () => {
  it('matches the analytic notch response around 50 Hz to 1e-10', () => {
    const sos = notchSos(50, 500, { harmonics: 1, q: 25 });
    expect(sectionCount(sos)).toBe(1);
    for (let f = 1; f < 250; f += 0.7) {
      expect(Math.abs(sosMagnitude(sos, f, 500) ** 2 - analyticNotchPower(50, 25, f, 500))).toBeLessThan(1e-10);
    }
  });

  it('removes 60 Hz and every harmonic below 0.95 x Nyquist and passes the rest', () => {
    const sos = notchSos(60, 1000);
    expect(sectionCount(sos)).toBe(7); // 60..420 Hz
    for (let k = 1; k <= 7; k++) expect(sosMagnitude(sos, 60 * k, 1000)).toBeLessThan(1e-6);
    for (const f of [10, 30, 90, 150, 250]) expect(db(sosMagnitude(sos, f, 1000))).toBeGreaterThan(-0.5);
  });

  it('takes a 50 Hz line out of an EEG-like signal (> 40 dB) while keeping the alpha rhythm', () => {
    const rateHz = 256;
    const n = rateHz * 20;
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = 20 * Math.sin((2 * Math.PI * 10 * i) / rateHz) + 30 * Math.sin((2 * Math.PI * 50 * i) / rateHz + 1);
    const y = Float64Array.from(x);
    new SosFilter(notchSos(50, rateHz)).process(y);
    // After the notch has settled: project onto the 50 Hz and 10 Hz sines.
    let p50 = 0;
    let p10 = 0;
    let q10 = 0;
    for (let i = n / 2; i < n; i++) {
      p50 += y[i]! * Math.sin((2 * Math.PI * 50 * i) / rateHz + 1);
      p10 += y[i]! * Math.sin((2 * Math.PI * 10 * i) / rateHz);
      q10 += y[i]! * Math.cos((2 * Math.PI * 10 * i) / rateHz);
    }
    const amp50 = (2 * p50) / (n / 2);
    const amp10 = (2 * Math.hypot(p10, q10)) / (n / 2);
    expect(db(Math.abs(amp50) / 30)).toBeLessThan(-40);
    expect(amp10).toBeCloseTo(20, 0);
  });

  it('refuses a line frequency above the usable band with DspError', () => {
    expect(() => notchSos(60, 100)).toThrow(DspError);
    expect(() => notchSos(50, 250, { q: 0 })).toThrow(/q > 0/);
  });
});

describe('modality presets', () => {
  it('EEG at 256 Hz passes 1-45 Hz, removes 50 Hz and very low frequencies', () => {
    const sos = presetFilter('EEG', 256, 50);
    expect(db(sosMagnitude(sos, 10, 256))).toBeGreaterThan(-0.1);
    expect(db(sosMagnitude(sos, 1, 256))).toBeCloseTo(-3.01, 1);
    expect(db(sosMagnitude(sos, 50, 256))).toBeLessThan(-60);
    expect(db(sosMagnitude(sos, 0.1, 256))).toBeLessThan(-60);
  });

  it('ECG keeps the QRS band and notches the line; EDA is a low-pass that adapts to a 4 Hz device', () => {
    const ecg = presetFilter('ECG', 360, 60);
    expect(db(sosMagnitude(ecg, 15, 360))).toBeGreaterThan(-0.2);
    expect(db(sosMagnitude(ecg, 60, 360))).toBeLessThan(-40);
    const eda = presetFilter('EDA', 4);
    expect(sosMagnitude(eda, 0, 4)).toBeCloseTo(1, 10);
    expect(db(sosMagnitude(eda, 1.6, 4))).toBeCloseTo(-3.01, 1); // 3 Hz clipped to 0.4 x 4 Hz
    expect(FILTER_PRESETS.EDA.notch).toBe(false);
  });

  it('zero-phase preset filtering leaves a 10 Hz EEG rhythm in place', () => {
    const sos = presetFilter('EEG', 256, null);
    const x = new Float64Array(2560).map((_, i) => Math.sin((2 * Math.PI * 10 * i) / 256));
    const y = filtfilt(sos, x);
    for (let i = 600; i < 2000; i += 37) expect(y[i]).toBeCloseTo(x[i]!, 2);
  });

  it('rejects an unknown modality', () => {
    expect(() => presetFilter('EMG' as 'EEG', 256)).toThrow(DspError);
  });
});
