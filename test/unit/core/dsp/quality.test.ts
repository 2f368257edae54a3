import { describe, expect, it } from 'vitest';
import { DspError } from '../../../../src-main/core/errors.js';
import { assessQuality, qualityReasonNames, QUALITY_REASON_BITS, SignalQualityMonitor, unitScale } from '../../../../src-main/core/dsp/quality.js';
import { gaussianSource, synthEcg } from './ecg-synth.js';

const EEG_RATE = 256;

/** n x channels EEG-like samples (uV): 15 uV noise + 10 uV alpha, then `tweak` per channel. */
function eeg(seconds: number, channels: number, tweak?: (c: number, i: number, v: number) => number, seed = 1): Float32Array {
  const g = gaussianSource(seed);
  const n = seconds * EEG_RATE;
  const x = new Float32Array(n * channels);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < channels; c++) {
      const v = 15 * g() + 10 * Math.sin((2 * Math.PI * 10 * i) / EEG_RATE + c);
      x[i * channels + c] = tweak ? tweak(c, i, v) : v;
    }
  }
  return x;
}

function eegQuality(x: Float32Array, channels: number, extra: { railLimits?: [number, number]; lineHz?: 50 | 60 | 'auto' } = {}) {
  return assessQuality(x, { modality: 'EEG', rateHz: EEG_RATE, channels, units: 'microvolts', ...extra });
}

describe('signal quality checks', () => {
  it('rates clean EEG near 1 with no reasons', () => {
    const r = eegQuality(eeg(2, 4), 4);
    for (let c = 0; c < 4; c++) {
      expect(r.index[c]).toBeGreaterThan(0.95);
      expect(r.reasons[c]).toBe(0);
    }
    expect(r.modalityIndex).toBeGreaterThan(0.95);
  });

  it('flags a flat channel (constant or microvolt-quiet) with index 0', () => {
    const r = eegQuality(eeg(2, 3, (c, _i, v) => (c === 0 ? 123 : c === 1 ? 0.002 * v : v)), 3);
    expect(qualityReasonNames(r.reasons[0]!)).toEqual(['flat']);
    expect(qualityReasonNames(r.reasons[1]!)).toEqual(['flat']);
    expect(r.index[0]).toBe(0);
    expect(r.index[2]).toBeGreaterThan(0.95);
    expect(r.modalityIndex).toBeCloseTo(r.index[2]! / 3, 5);
    expect(r.modalityReasons).toBe(QUALITY_REASON_BITS.flat);
  });

  it('flags a railed amplifier: samples pinned at the extremes or at the stated rails', () => {
    const clipped = eegQuality(eeg(2, 1, (_c, _i, v) => Math.max(-20, Math.min(20, 3 * v))), 1);
    expect(qualityReasonNames(clipped.reasons[0]!)).toContain('clipped');
    expect(clipped.metrics.clippedFraction[0]).toBeGreaterThan(0.2);
    expect(clipped.index[0]).toBe(0);
    const railed = eegQuality(eeg(2, 1, (_c, i, v) => (i % 40 < 4 ? 187.5 : v)), 1, { railLimits: [-187.5, 187.5] });
    expect(qualityReasonNames(railed.reasons[0]!)).toContain('clipped');
  });

  it('measures the power-line share of the variance at 50 or 60 Hz', () => {
    const mains = eegQuality(eeg(2, 2, (c, i, v) => v + (c === 1 ? 40 * Math.sin((2 * Math.PI * 60 * i) / EEG_RATE) : 0)), 2);
    expect(mains.metrics.lineRatio[0]).toBeLessThan(0.05);
    // 800 uV^2 of 60 Hz against 225 + 50 uV^2 of EEG.
    expect(mains.metrics.lineRatio[1]).toBeCloseTo(800 / (800 + 275), 1);
    expect(qualityReasonNames(mains.reasons[1]!)).toContain('line-noise');
    expect(mains.reasons[0]).toBe(0);
    expect(mains.index[1]).toBeLessThan(0.5);
    const only50 = eegQuality(eeg(2, 1, (_c, i, v) => v + 40 * Math.sin((2 * Math.PI * 60 * i) / EEG_RATE)), 1, { lineHz: 50 });
    expect(qualityReasonNames(only50.reasons[0]!)).not.toContain('line-noise');
    expect(only50.metrics.lineRatio[0]).toBeLessThan(0.05);
  });

  it('flags a 400 uV blink as a high-amplitude artefact, whatever the unit of the stream', () => {
    const blink = (_c: number, i: number, v: number) => v + 400 * Math.exp(-(((i - 300) / 40) ** 2));
    const r = eegQuality(eeg(2, 1, blink), 1);
    expect(qualityReasonNames(r.reasons[0]!)).toEqual(['high-amplitude']);
    expect(r.metrics.artefactLevel[0]).toBeGreaterThan(350);
    const inVolts = eeg(2, 1, blink).map((v) => v * 1e-6);
    const rv = assessQuality(inVolts, { modality: 'EEG', rateHz: EEG_RATE, channels: 1, units: 'V' });
    expect(rv.reasons[0]).toBe(r.reasons[0]);
    expect(rv.metrics.artefactLevel[0]).toBeCloseTo(r.metrics.artefactLevel[0]!, 0);
  });

  it('scores ECG by beat-template correlation and reports the heart rate', () => {
    const rateHz = 250;
    const ecg = synthEcg({ rateHz, durationSec: 8, heartRateBpm: 72, seed: 2, jitter: 0, lfDepth: 0, hfDepth: 0 });
    const good = assessQuality(ecg.signal, { modality: 'ECG', rateHz, channels: 1, units: 'millivolts' });
    expect(good.metrics.templateCorrelation[0]).toBeGreaterThan(0.9);
    expect(good.metrics.heartRateBpm[0]).toBeGreaterThan(65);
    expect(good.metrics.heartRateBpm[0]).toBeLessThan(80);
    expect(good.index[0]).toBeGreaterThan(0.8);
    const g = gaussianSource(3);
    const noise = new Float32Array(8 * rateHz).map(() => 0.3 * g());
    const bad = assessQuality(noise, { modality: 'ECG', rateHz, channels: 1, units: 'millivolts' });
    expect(qualityReasonNames(bad.reasons[0]!)).toContain('ecg-template');
    expect(bad.index[0]).toBeLessThan(0.3);
  });

  it('checks EDA range (0.05-60 uS) and slope (10 uS/s), in microsiemens or siemens', () => {
    const rateHz = 32;
    const n = 4 * rateHz;
    const level = new Float32Array(n).map((_, i) => 5 + 0.2 * Math.sin(i / 20));
    const good = assessQuality(level, { modality: 'EDA', rateHz, channels: 1, units: 'microsiemens' });
    expect(good.index[0]).toBe(1);
    const inSiemens = assessQuality(level.map((v) => v * 1e-6), { modality: 'EDA', rateHz, channels: 1, units: 'siemens' });
    expect(inSiemens.index[0]).toBe(1);
    const off = assessQuality(new Float32Array(n).map((_, i) => 0.01 + 0.001 * Math.sin(i)), { modality: 'EDA', rateHz, channels: 1, units: 'uS' });
    expect(qualityReasonNames(off.reasons[0]!)).toEqual(['eda-range']);
    expect(off.index[0]).toBe(0);
    const jumpy = assessQuality(level.map((v, i) => v + (i % 32 < 16 ? 0 : 8)), { modality: 'EDA', rateHz, channels: 1, units: 'uS' });
    expect(qualityReasonNames(jumpy.reasons[0]!)).toContain('eda-slope');
  });

  it('converts units within the volt and siemens families', () => {
    expect(unitScale('V', 'uV')).toBe(1e6);
    expect(unitScale('millivolts', 'mV')).toBe(1);
    expect(unitScale('µV', 'mV')).toBe(1e-3);
    expect(unitScale('nS', 'uS')).toBe(1e-3);
    expect(unitScale('a.u.', 'uV')).toBe(1);
  });
});

describe('streaming signal-quality monitor', () => {
  it('reports once per hop over the last window, telling which chunk row closed each report', () => {
    const monitor = new SignalQualityMonitor({ modality: 'EEG', rateHz: EEG_RATE, channels: 2, units: 'uV' });
    const x = eeg(10, 2, (c, i, v) => (c === 1 && i >= 6 * EEG_RATE ? 0 : v));
    const rows: number[] = [];
    const flatAt: number[] = [];
    for (let i = 0; i < 10 * EEG_RATE; i += 100) {
      monitor.push(x.subarray(i * 2, Math.min(10 * EEG_RATE, i + 100) * 2), (report, row) => {
        rows.push(i + row);
        expect(report.endIndex).toBe(i + row);
        if (report.reasons[1]! & QUALITY_REASON_BITS.flat) flatAt.push(report.endIndex / EEG_RATE);
      });
    }
    expect(rows).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((s) => s * EEG_RATE));
    // Channel 1 goes flat at 6 s: the 2 s window is entirely flat from 8 s on.
    expect(flatAt).toEqual([8, 9, 10]);
  });

  it('starts over after reset and rejects bad shapes with DspError', () => {
    const monitor = new SignalQualityMonitor({ modality: 'EDA', rateHz: 10, channels: 1 });
    expect(monitor.push(new Float32Array(15).fill(5))).toBe(1);
    monitor.reset();
    expect(monitor.push(new Float32Array(9).fill(5))).toBe(0);
    expect(() => monitor.push(new Float32Array(3), undefined)).not.toThrow();
    expect(() => new SignalQualityMonitor({ modality: 'EEG', rateHz: 0, channels: 1 })).toThrow(DspError);
    const two = new SignalQualityMonitor({ modality: 'EEG', rateHz: 100, channels: 2 });
    expect(() => two.push(new Float32Array(3))).toThrow(/do not split/);
  });
});
