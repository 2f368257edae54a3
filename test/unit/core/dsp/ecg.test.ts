import { describe, expect, it } from 'vitest';
import { DspError } from '../../../../src-main/core/errors.js';
import { detectRPeaks, heartRateBpm, instantaneousHeartRate, StreamingRPeakDetector } from '../../../../src-main/core/dsp/ecg.js';
import { scoreDetections, synthEcg, type SynthEcgOptions } from './ecg-synth.js';

const HEART_RATES = [45, 60, 75, 90, 110, 130, 150, 180];

interface Tally {
  tp: number;
  fn: number;
  fp: number;
}

function run(opts: SynthEcgOptions): { score: ReturnType<typeof scoreDetections>; truth: Int32Array; peaks: Int32Array; polarity: number; searchBack: number } {
  const ecg = synthEcg(opts);
  const r = detectRPeaks(ecg.signal, opts.rateHz, { lineHz: opts.lineHz === 60 ? 60 : 50 });
  return { score: scoreDetections(ecg.rPeaks, r.peaks, opts.rateHz), truth: ecg.rPeaks, peaks: r.peaks, polarity: r.polarity, searchBack: r.searchBackCount };
}

describe('R-peak detection (Pan-Tompkins with search-back)', () => {
  it('reaches Se and +P >= 99.5 % (150 ms) on noisy synthetic ECG (0.6 mV wander, 0.06 mV EMG with bursts, 0.2 mV mains) at 45-180 bpm, 250/360/500 Hz, both polarities', () => {
    const total: Tally = { tp: 0, fn: 0, fp: 0 };
    let worstRecord = 1;
    for (const rateHz of [250, 360, 500]) {
      for (const bpm of HEART_RATES) {
        for (const invert of [false, true]) {
          const { score } = run({
            rateHz,
            durationSec: 120,
            heartRateBpm: bpm,
            seed: bpm * 31 + rateHz + (invert ? 7 : 0),
            invert,
            lineHz: rateHz === 360 ? 60 : 50,
            emgMv: 0.06,
            baselineMv: 0.6,
            powerlineMv: 0.2,
          });
          total.tp += score.tp;
          total.fn += score.fn;
          total.fp += score.fp;
          worstRecord = Math.min(worstRecord, score.se, score.ppv);
        }
      }
    }
    const se = total.tp / (total.tp + total.fn);
    const ppv = total.tp / (total.tp + total.fp);
    console.info(`R-peaks: ${total.tp + total.fn} beats, Se ${(100 * se).toFixed(2)} %, +P ${(100 * ppv).toFixed(2)} %, worst record ${(100 * worstRecord).toFixed(2)} %`);
    expect(total.tp + total.fn).toBeGreaterThan(9000);
    expect(se).toBeGreaterThanOrEqual(0.995);
    expect(ppv).toBeGreaterThanOrEqual(0.995);
    expect(worstRecord).toBeGreaterThanOrEqual(0.99);
  });

  it('follows a heart rate ramp 45 -> 180 -> 45 bpm and heavy noise (1 mV wander, 0.08 mV EMG, 0.3 mV mains)', () => {
    const ramp = run({ rateHz: 360, durationSec: 300, heartRateBpm: (t) => 45 + 135 * (t < 150 ? t / 150 : (300 - t) / 150), seed: 5 });
    expect(ramp.score.se).toBeGreaterThanOrEqual(0.995);
    expect(ramp.score.ppv).toBeGreaterThanOrEqual(0.995);
    for (const [bpm, rateHz, invert] of [
      [45, 250, true],
      [80, 360, false],
      [180, 250, false],
    ] as const) {
      const noisy = run({ rateHz, durationSec: 180, heartRateBpm: bpm, seed: bpm + 1, emgMv: 0.08, baselineMv: 1, powerlineMv: 0.3, invert });
      expect(noisy.score.se, `${bpm} bpm`).toBeGreaterThanOrEqual(0.995);
      expect(noisy.score.ppv, `${bpm} bpm`).toBeGreaterThanOrEqual(0.995);
    }
  });

  it('finds the beats after a sudden 4x amplitude drop by search-back and threshold relaxation', () => {
    const ecg = synthEcg({ rateHz: 360, durationSec: 120, heartRateBpm: 75, seed: 11 });
    for (let i = 60 * 360; i < ecg.signal.length; i++) ecg.signal[i] = ecg.signal[i]! * (i < 90 * 360 ? 0.25 : 3);
    const r = detectRPeaks(ecg.signal, 360);
    const s = scoreDetections(ecg.rPeaks, r.peaks, 360);
    expect(r.searchBackCount).toBeGreaterThan(0);
    expect(s.se).toBeGreaterThanOrEqual(0.99);
    expect(s.ppv).toBeGreaterThanOrEqual(0.995);
  });

  it('detects an inverted lead, reports polarity -1 and places peaks on the (negative) R wave', () => {
    const up = run({ rateHz: 500, durationSec: 60, heartRateBpm: 70, seed: 3 });
    const down = run({ rateHz: 500, durationSec: 60, heartRateBpm: 70, seed: 3, invert: true });
    expect(up.polarity).toBe(1);
    expect(down.polarity).toBe(-1);
    let worstMs = 0;
    for (let i = 0; i < down.peaks.length; i++) {
      let nearest = Infinity;
      for (const t of down.truth) nearest = Math.min(nearest, Math.abs(t - down.peaks[i]!));
      worstMs = Math.max(worstMs, (nearest / 500) * 1000);
    }
    expect(worstMs).toBeLessThanOrEqual(6);
  });

  it('gives the heart rate from the peaks', () => {
    const ecg = synthEcg({ rateHz: 360, durationSec: 120, heartRateBpm: 72, seed: 4, jitter: 0 });
    const r = detectRPeaks(ecg.signal, 360);
    const trueBpm = heartRateBpm(ecg.rPeaks, 360);
    expect(heartRateBpm(r.peaks, 360)).toBeCloseTo(trueBpm, 1);
    expect(trueBpm).toBeGreaterThan(70);
    expect(trueBpm).toBeLessThan(74);
    const inst = instantaneousHeartRate([0, 360, 540], 360);
    expect(Array.from(inst)).toEqual([60, 120]);
    expect(heartRateBpm([5], 360)).toBeNaN();
  });
});

describe('streaming R-peak detector', () => {
  it('reports each beat within 300 ms of the R-peak (after the 2 s learning period)', () => {
    const latencies: number[] = [];
    for (const [bpm, rateHz] of [
      [45, 250],
      [90, 360],
      [180, 500],
      [150, 250],
    ] as const) {
      const ecg = synthEcg({ rateHz, durationSec: 90, heartRateBpm: bpm, seed: bpm, emgMv: 0.06 });
      const det = new StreamingRPeakDetector(rateHz, {
        onPeak: (peak, at, searchBack) => {
          if (!searchBack && peak > 2.5 * rateHz) latencies.push((at - peak) / rateHz);
        },
      });
      for (let i = 0; i < ecg.signal.length; i += 32) det.push(ecg.signal.subarray(i, i + 32));
    }
    latencies.sort((a, b) => a - b);
    const median = latencies[latencies.length >> 1]!;
    const max = latencies[latencies.length - 1]!;
    console.info(`streaming R-peak latency: median ${(median * 1000).toFixed(0)} ms, max ${(max * 1000).toFixed(0)} ms over ${latencies.length} beats`);
    expect(latencies.length).toBeGreaterThan(300);
    expect(max).toBeLessThan(0.3);
    expect(latencies[0]!).toBeGreaterThan(0);
  });

  it('finds the same peaks whatever the chunk size, and reads one channel of a row-major array', () => {
    const ecg = synthEcg({ rateHz: 360, durationSec: 40, heartRateBpm: 80, seed: 9 });
    const collect = (feed: (d: StreamingRPeakDetector) => void): number[] => {
      const peaks: number[] = [];
      const d = new StreamingRPeakDetector(360, { onPeak: (p) => peaks.push(p) });
      feed(d);
      return peaks;
    };
    const whole = collect((d) => d.push(ecg.signal));
    const chunked = collect((d) => {
      for (let i = 0, k = 1; i < ecg.signal.length; i += k, k = (k * 7) % 61 + 1) d.push(ecg.signal.subarray(i, i + k));
    });
    const twoChannel = new Float32Array(ecg.signal.length * 2);
    ecg.signal.forEach((v, i) => {
      twoChannel[2 * i] = 0;
      twoChannel[2 * i + 1] = v;
    });
    const strided = collect((d) => d.push(twoChannel, 2, 1));
    expect(whole.length).toBeGreaterThan(45);
    expect(chunked).toEqual(whole);
    expect(strided).toEqual(whole);
  });

  it('takes a fixed polarity, and refuses a too-low rate or a push after flush with DspError', () => {
    expect(new StreamingRPeakDetector(250, { polarity: 'negative' }).polarity).toBe(-1);
    expect(() => new StreamingRPeakDetector(30)).toThrow(DspError);
    const d = new StreamingRPeakDetector(250);
    d.flush();
    expect(() => d.push(new Float32Array(10))).toThrow(/after flush/);
  });
});
