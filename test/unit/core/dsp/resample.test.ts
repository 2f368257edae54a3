import { describe, expect, it } from 'vitest';
import { resampleToGrid, ResampleKernel, type IrregularSignal } from '../../../../src-main/core/dsp/resample.js';
import { DspError } from '../../../../src-main/core/errors.js';
import { fitSine, gridTimes, rng } from './sine-fit.js';

interface ToneSpec {
  inRateHz: number;
  durationSec: number;
  startSec: number;
  /** Relative deviation of the true sample rate from nominal (clock drift). */
  driftPpm: number;
  /** Timestamp stamping noise, uniform +-jitterPeriods of a period (the samples are uniform). */
  jitterPeriods: number;
  tones: ReadonlyArray<{ freqHz: number; amplitude: number }>;
  channelCount?: number;
}

/** Samples taken at true times startSec + i / (rate * (1 + drift)); channel c scales by (c + 1). */
function tone(spec: ToneSpec, seed = 1): IrregularSignal {
  const rand = rng(seed);
  const trueRate = spec.inRateHz * (1 + spec.driftPpm * 1e-6);
  const n = Math.floor(spec.durationSec * trueRate);
  const channels = spec.channelCount ?? 1;
  const timestamps = new Float64Array(n);
  const values = new Float32Array(n * channels);
  for (let i = 0; i < n; i++) {
    const t = spec.startSec + i / trueRate;
    timestamps[i] = t + (rand() * 2 - 1) * spec.jitterPeriods / spec.inRateHz;
    let v = 0;
    for (const { freqHz, amplitude } of spec.tones) v += amplitude * Math.sin(2 * Math.PI * freqHz * t);
    for (let c = 0; c < channels; c++) values[i * channels + c] = v * (c + 1);
  }
  return { timestamps, values, channelCount: channels, nominalRateHz: spec.inRateHz };
}

const RATIOS: ReadonlyArray<[number, number]> = [
  [250, 128],
  [1000, 128],
  [256, 128],
  [500, 32],
  [64, 32],
  [32, 32],
  [30, 32],
];

describe('resampleToGrid', () => {
  describe.each(RATIOS)('%i Hz -> %i Hz', (inRateHz, outRateHz) => {
    const fRef = Math.min(inRateHz, outRateHz);
    const durationSec = 30;
    const grid = { startSec: 0, rateHz: outRateHz, length: durationSec * outRateHz };
    const times = gridTimes(grid.startSec, grid.rateHz, grid.length);

    it('keeps a pass-band tone within 1 % amplitude and 1 ms timing despite drift and stamping jitter', () => {
      const freqHz = 0.35 * fRef;
      const signal = tone({ inRateHz, durationSec, startSec: 0.0137, driftPpm: 40, jitterPeriods: 0.2, tones: [{ freqHz, amplitude: 1 }], channelCount: 2 });

      const out = resampleToGrid(signal, grid);

      for (let c = 0; c < 2; c++) {
        const fit = fitSine(times, out.values, freqHz, 3, durationSec - 3, out.mask, 2, c);
        expect(Math.abs(fit.amplitude / (c + 1) - 1)).toBeLessThan(0.01);
        expect(Math.abs(fit.delaySec)).toBeLessThan(0.001);
      }
    });

    it.runIf(outRateHz < inRateHz)('attenuates tones above the new Nyquist by more than 40 dB', () => {
      const candidates = [0.52, 0.6, 0.75, 1.5, 3].map((k) => k * outRateHz).filter((f) => f < 0.48 * inRateHz);
      expect(candidates.length).toBeGreaterThan(0);
      for (const freqHz of candidates) {
        const signal = tone({ inRateHz, durationSec, startSec: 0.0031, driftPpm: -25, jitterPeriods: 0, tones: [{ freqHz, amplitude: 1 }] });

        const out = resampleToGrid(signal, grid);

        let ss = 0;
        let count = 0;
        for (let g = 0; g < grid.length; g++) {
          if (times[g]! < 3 || times[g]! > durationSec - 3) continue;
          ss += out.values[g]! ** 2;
          count++;
        }
        const rmsOut = Math.sqrt(ss / count);
        const gainDb = 20 * Math.log10(rmsOut / Math.SQRT1_2);
        expect(gainDb, `tone at ${freqHz} Hz`).toBeLessThan(-40);
      }
    });
  });

  it('follows the real timestamps of a device whose true rate is 0.2 % off its nominal rate', () => {
    // 250 Hz declared, 250.5 Hz delivered: trusting the nominal rate would be 30 ms off after 15 s.
    const signal = tone({ inRateHz: 250, durationSec: 30, startSec: 0.004, driftPpm: 2000, jitterPeriods: 0.1, tones: [{ freqHz: 9, amplitude: 1 }] });
    const grid = { startSec: 0, rateHz: 128, length: 40 * 128 };
    const times = gridTimes(0, 128, grid.length);

    const out = resampleToGrid(signal, grid);

    for (const [from, to] of [[1, 4], [13, 16], [26, 29]] as const) {
      const fit = fitSine(times, out.values, 9, from, to, out.mask);
      expect(Math.abs(fit.delaySec), `delay in [${from}, ${to}] s`).toBeLessThan(0.001);
    }
    const lastSec = signal.timestamps[signal.timestamps.length - 1]!;
    expect(out.mask[Math.floor((lastSec - 0.01) * 128)]).toBe(1);
    expect(out.mask[Math.ceil((lastSec + 0.01) * 128)]).toBe(0);
  });

  it('designs a kernel whose stop band starts at the new Nyquist', () => {
    const kernel = new ResampleKernel(256, 128);
    // Discrete-time frequency response at 64 Hz (0.25 cycles per input sample).
    let re = 0;
    let im = 0;
    let dc = 0;
    for (let k = -Math.ceil(kernel.halfWidth); k <= Math.ceil(kernel.halfWidth); k++) {
      const h = kernel.at(k);
      dc += h;
      re += h * Math.cos(2 * Math.PI * 0.25 * k);
      im += h * Math.sin(2 * Math.PI * 0.25 * k);
    }
    expect(20 * Math.log10(Math.hypot(re, im) / dc)).toBeLessThan(-55);
  });

  it('marks gaps, the time before the first and after the last sample as absent, with zero values there', () => {
    // 100 Hz stream of ones from 1 s to 9 s with a gap from 4 s to 5 s, onto 50 Hz over 0..10 s.
    const ts: number[] = [];
    for (let i = 100; i < 900; i++) if (i < 400 || i >= 500) ts.push(i / 100);
    const timestamps = Float64Array.from(ts);
    const values = new Float32Array(ts.length).fill(1);
    const grid = { startSec: 0, rateHz: 50, length: 500 };

    const out = resampleToGrid({ timestamps, values, channelCount: 1, nominalRateHz: 100 }, grid);

    const period = 1 / 50;
    for (let g = 0; g < grid.length; g++) {
      const t = g / 50;
      // Data covers [1 - 0.005, 3.99 + 0.005] and [5 - 0.005, 8.99 + 0.005].
      const inside = (t >= 0.995 && t <= 3.995) || (t >= 4.995 && t <= 8.995);
      const nearEdge = [1, 3.99, 5, 8.99].some((e) => Math.abs(t - e) < period);
      if (!nearEdge) expect(out.mask[g], `mask at ${t} s`).toBe(inside ? 1 : 0);
      if (out.mask[g] === 0) expect(out.values[g]).toBe(0);
      else expect(out.values[g]).toBeCloseTo(1, 5);
    }
  });

  it('does not smear one run into the next across a gap', () => {
    // Level 1 before a 0.5 s gap, level 5 after it; 256 Hz -> 128 Hz.
    const ts: number[] = [];
    const vs: number[] = [];
    for (let i = 0; i < 256 * 4; i++) {
      const t = i / 256;
      if (t >= 2 && t < 2.5) continue;
      ts.push(t);
      vs.push(t < 2 ? 1 : 5);
    }
    const grid = { startSec: 0, rateHz: 128, length: 4 * 128 };

    const out = resampleToGrid({ timestamps: Float64Array.from(ts), values: Float32Array.from(vs), channelCount: 1, nominalRateHz: 256 }, grid);

    for (let g = 0; g < grid.length; g++) {
      const t = g / 128;
      if (out.mask[g] === 0) continue;
      expect(out.values[g], `value at ${t} s`).toBeCloseTo(t < 2.25 ? 1 : 5, 4);
    }
    expect(out.mask[Math.round(2.25 * 128)]).toBe(0);
  });

  it('treats a step of more than 1.5 nominal periods as a gap, and a single lost sample as one', () => {
    // One sample lost at index 50 of a 100 Hz stream: grid at 1000 Hz sees ~10 ms of absence.
    const ts: number[] = [];
    for (let i = 0; i < 100; i++) if (i !== 50) ts.push(i / 100);
    const timestamps = Float64Array.from(ts);
    const values = new Float32Array(ts.length).fill(2);
    const grid = { startSec: 0, rateHz: 1000, length: 1000 };

    const out = resampleToGrid({ timestamps, values, channelCount: 1, nominalRateHz: 100 }, grid);

    let absent = 0;
    for (let g = 495; g <= 505; g++) absent += out.mask[g] === 0 ? 1 : 0;
    expect(absent).toBeGreaterThanOrEqual(9);
    expect(out.mask[480]).toBe(1);
    expect(out.mask[520]).toBe(1);
  });

  it('resamples a window out of a long buffer the same way as the whole session', () => {
    const signal = tone({ inRateHz: 256, durationSec: 60, startSec: 0.002, driftPpm: 0, jitterPeriods: 0, tones: [{ freqHz: 7, amplitude: 1 }, { freqHz: 31, amplitude: 0.5 }], channelCount: 3 });
    const whole = resampleToGrid(signal, { startSec: 0, rateHz: 128, length: 60 * 128 });

    const window = resampleToGrid(signal, { startSec: 30, rateHz: 128, length: 8 * 128 });

    for (let i = 0; i < window.values.length; i++) {
      expect(Math.abs(window.values[i]! - whole.values[30 * 128 * 3 + i]!)).toBeLessThan(1e-4);
    }
    expect(Array.from(window.mask).every((m) => m === 1)).toBe(true);
  });

  it('estimates the input rate when none is given', () => {
    const signal = tone({ inRateHz: 250, durationSec: 10, startSec: 0, driftPpm: 0, jitterPeriods: 0, tones: [{ freqHz: 10, amplitude: 1 }] });
    const grid = { startSec: 0, rateHz: 128, length: 1280 };

    const out = resampleToGrid({ ...signal, nominalRateHz: 0 }, grid);

    const fit = fitSine(gridTimes(0, 128, 1280), out.values, 10, 2, 8, out.mask);
    expect(fit.amplitude).toBeCloseTo(1, 2);
  });

  it('reuses a preallocated output and clears what it held', () => {
    const signal = tone({ inRateHz: 64, durationSec: 4, startSec: 1, driftPpm: 0, jitterPeriods: 0, tones: [{ freqHz: 2, amplitude: 1 }] });
    const out = { values: new Float32Array(128).fill(9), mask: new Uint8Array(128).fill(1) };

    const result = resampleToGrid(signal, { startSec: 0, rateHz: 32, length: 128 }, { out });

    expect(result).toBe(out);
    expect(out.mask[0]).toBe(0);
    expect(out.values[0]).toBe(0);
    expect(out.mask[64]).toBe(1);
  });

  it('rejects bad input with a DspError naming the problem', () => {
    const good = tone({ inRateHz: 32, durationSec: 1, startSec: 0, driftPpm: 0, jitterPeriods: 0, tones: [] });
    const grid = { startSec: 0, rateHz: 32, length: 32 };
    const backwards = Float64Array.from(good.timestamps);
    backwards[10] = backwards[8]!;
    backwards[11] = 0.1;

    const cases: Array<[IrregularSignal, string]> = [
      [{ ...good, values: new Float32Array(5) }, 'length-mismatch'],
      [{ ...good, channelCount: 0 }, 'invalid-channel-count'],
      [{ ...good, timestamps: backwards }, 'non-monotonic-timestamps'],
      [{ ...good, nominalRateHz: -1 }, 'invalid-rate'],
    ];
    for (const [signal, code] of cases) {
      expect(() => resampleToGrid(signal, grid)).toThrowError(expect.objectContaining({ code }) as unknown as Error);
      expect(() => resampleToGrid(signal, grid)).toThrow(DspError);
    }
    expect(() => resampleToGrid(good, { startSec: 0, rateHz: 0, length: 4 })).toThrowError(/rateHz/);
  });
});
