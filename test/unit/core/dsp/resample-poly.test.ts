import { describe, expect, it } from 'vitest';
import { DspError } from '../../../../src-main/core/errors.js';
import { PolyphaseResampler, rationalApproximation, resamplePoly, resampleRate } from '../../../../src-main/core/dsp/resample-poly.js';

function tone(n: number, fHz: number, rateHz: number, channels = 1, phase = 0): Float32Array {
  const x = new Float32Array(n * channels);
  for (let i = 0; i < n; i++) for (let c = 0; c < channels; c++) x[i * channels + c] = Math.sin(2 * Math.PI * fHz * (i / rateHz) + phase + c);
  return x;
}

/** Amplitude of the fHz sine in y (least squares over the middle half). */
function amplitudeAt(y: Float32Array, fHz: number, rateHz: number, channels = 1, channel = 0): number {
  const n = y.length / channels;
  let s = 0;
  let c = 0;
  let m = 0;
  for (let i = Math.floor(n / 4); i < Math.floor((3 * n) / 4); i++) {
    const v = y[i * channels + channel]!;
    s += v * Math.sin((2 * Math.PI * fHz * i) / rateHz);
    c += v * Math.cos((2 * Math.PI * fHz * i) / rateHz);
    m++;
  }
  return (2 * Math.hypot(s, c)) / m;
}

describe('rational approximation', () => {
  it('finds exact small ratios and bounded approximations', () => {
    expect(rationalApproximation(128 / 250)).toEqual([64, 125]);
    expect(rationalApproximation(48000 / 44100)).toEqual([160, 147]);
    const [u, d] = rationalApproximation(Math.PI, 100);
    expect(d).toBeLessThanOrEqual(100);
    expect(Math.abs(u / d - Math.PI)).toBeLessThan(1e-3);
    expect(() => rationalApproximation(0)).toThrow(DspError);
  });
});

describe('polyphase resampling', () => {
  it('produces ceil(n up / down) samples aligned with the input (no delay)', () => {
    const x = tone(1000, 3, 250);
    const y = resamplePoly(x, 1, 64, 125);
    expect(y.length).toBe(Math.ceil((1000 * 64) / 125));
    // Output m sits at input time m * 125 / 64 samples = m / 128 s.
    for (let m = 100; m < 400; m += 13) expect(y[m]).toBeCloseTo(Math.sin(2 * Math.PI * 3 * (m / 128)), 3);
  });

  it('passes in-band tones at unit gain and rejects tones above the new Nyquist by > 55 dB', () => {
    const inRate = 256;
    const outRate = 128;
    const pass = resampleRate(tone(8192, 20, inRate), 1, inRate, outRate);
    expect(amplitudeAt(pass, 20, outRate)).toBeCloseTo(1, 3);
    const alias = resampleRate(tone(8192, 100, inRate), 1, inRate, outRate);
    // 100 Hz would alias to 28 Hz at 128 Hz.
    expect(20 * Math.log10(amplitudeAt(alias, 28, outRate))).toBeLessThan(-55);
  });

  it('upsamples by 3/2 with interpolated values on the original sine', () => {
    const y = resamplePoly(tone(600, 7, 200), 1, 3, 2);
    for (let m = 200; m < 700; m += 11) expect(y[m]).toBeCloseTo(Math.sin(2 * Math.PI * 7 * (m / 300)), 3);
  });

  it('keeps a constant exactly, to the ends', () => {
    const x = new Float32Array(300).fill(4.25);
    const y = resamplePoly(x, 1, 160, 147);
    for (const v of y) expect(v).toBeCloseTo(4.25, 5);
  });

  it('resamples each channel of a row-major array independently', () => {
    const x = tone(2000, 5, 250, 3);
    const y = resamplePoly(x, 3, 64, 125);
    const single = new Float32Array(2000);
    for (let i = 0; i < 2000; i++) single[i] = x[i * 3 + 2]!;
    const ys = resamplePoly(single, 1, 64, 125);
    for (let m = 0; m < ys.length; m += 7) expect(y[m * 3 + 2]).toBeCloseTo(ys[m]!, 6);
  });

  it('streams in chunks of any size with the same output as the batch form away from the ends', () => {
    const channels = 2;
    const n = 5000;
    const x = new Float32Array(n * channels);
    let s = 1;
    for (let i = 0; i < x.length; i++) {
      s = (s * 16807) % 2147483647;
      x[i] = s / 2147483647 - 0.5;
    }
    const batch = resamplePoly(x, channels, 64, 125);
    const r = new PolyphaseResampler(64, 125, channels);
    const parts: number[] = [];
    for (let i = 0; i < n; ) {
      const len = Math.min(n - i, 1 + ((i * 7919) % 173));
      for (const v of r.process(x.subarray(i * channels, (i + len) * channels))) parts.push(v);
      i += len;
    }
    for (const v of r.flush()) parts.push(v);
    expect(parts.length).toBe(batch.length);
    const edge = Math.ceil(((r.delayInputSamples + 2) * 64) / 125) * channels;
    for (let k = edge; k < batch.length - edge; k++) expect(parts[k]).toBeCloseTo(batch[k]!, 6);
    expect(r.outputCount).toBe(batch.length / channels);
  });

  it('emits each output within its stated delay of the input', () => {
    const r = new PolyphaseResampler(1, 2, 1);
    let emitted = 0;
    for (let i = 0; i < 1000; i++) {
      emitted += r.process(new Float32Array([Math.sin(i)])).length;
      // Every output whose position is at least `delay` samples old must be out.
      const due = Math.floor((i - r.delayInputSamples) / 2) + 1;
      expect(emitted).toBeGreaterThanOrEqual(Math.max(0, due));
    }
  });

  it('rejects non-integer ratios and mismatched shapes with DspError', () => {
    expect(() => resamplePoly(new Float32Array(10), 1, 1.5, 2)).toThrow(DspError);
    expect(() => resamplePoly(new Float32Array(10), 3, 1, 2)).toThrow(/do not split/);
    expect(() => new PolyphaseResampler(10007, 1)).toThrow(/phases/);
  });
});
