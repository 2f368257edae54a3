import { describe, expect, it } from 'vitest';
import { StreamError } from '../../../../src-main/core/errors.js';
import { OnlineDejitter, dejitterOffline } from '../../../../src-main/core/streams/dejitter.js';
import { makeGaussian, makeRng } from './clock-sim.js';

/** Regular stream at `trueRateHz` from t0, with Gaussian timestamp jitter. */
function jittered(n: number, trueRateHz: number, t0: number, jitterSec: number, seed: number) {
  const gauss = makeGaussian(makeRng(seed));
  const truth = new Float64Array(n);
  const ts = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    truth[k] = t0 + k / trueRateHz;
    ts[k] = truth[k] + jitterSec * gauss();
  }
  return { truth, ts };
}

function runInChunks(dj: OnlineDejitter, ts: Float64Array, chunk: number, firstIndex = 0): Float64Array {
  const out = new Float64Array(ts.length);
  for (let i = 0; i < ts.length; i += chunk) {
    const end = Math.min(i + chunk, ts.length);
    dj.process(firstIndex + i, ts.subarray(i, end), out.subarray(i, end));
  }
  return out;
}

function rms(a: Float64Array, b: Float64Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s / (to - from));
}

function maxAbs(a: Float64Array, b: Float64Array, from: number, to: number): number {
  let m = 0;
  for (let i = from; i < to; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(StreamError);
    return (err as StreamError).code;
  }
  return undefined;
}

describe('OnlineDejitter', () => {
  it('reduces 2 ms timestamp jitter to under 0.2 ms error', () => {
    // Arrange: 256 Hz nominal, the device runs 40 ppm fast, 10 minutes, LSL-like clock values.
    const rate = 256;
    const { truth, ts } = jittered(rate * 600, rate * (1 + 40e-6), 54_321.5, 2e-3, 1);
    const dj = new OnlineDejitter(rate);

    // Act
    const out = runInChunks(dj, ts, 32);

    // Assert
    const settled = rate * 10;
    expect(rms(ts, truth, settled, ts.length)).toBeGreaterThan(1.9e-3);
    expect(rms(out, truth, settled, ts.length)).toBeLessThan(0.1e-3);
    expect(maxAbs(out, truth, rate * 60, ts.length)).toBeLessThan(0.2e-3);
    expect(dj.segmentCount).toBe(1);
  });

  it('restarts at a counter gap larger than the threshold and stays accurate after it', () => {
    // Arrange: 3 s of lost samples (768 > 500) between two runs of 60 s.
    const rate = 256;
    const a = jittered(rate * 60, rate, 100, 1e-3, 2);
    const b = jittered(rate * 60, rate, 100 + 63, 1e-3, 3);
    const dj = new OnlineDejitter(rate);

    // Act
    const outA = runInChunks(dj, a.ts, 64, 0);
    const afterA = dj.segmentCount;
    const outB = runInChunks(dj, b.ts, 64, rate * 63);

    // Assert
    expect(afterA).toBe(1);
    expect(dj.segmentCount).toBe(2);
    expect(outB[0]).toBe(b.ts[0]); // a new segment starts at its first raw timestamp
    expect(rms(outA, a.truth, rate * 10, a.ts.length)).toBeLessThan(0.1e-3);
    expect(rms(outB, b.truth, rate * 10, b.ts.length)).toBeLessThan(0.1e-3);
  });

  it('keeps one segment across a small counter loss without bending the line', () => {
    // Arrange: 20 lost samples (counter jumps, time moves on accordingly).
    const rate = 500;
    const { truth, ts } = jittered(rate * 120, rate, 0, 1e-3, 4);
    const keep = (k: number) => k < rate * 60 || k >= rate * 60 + 20;
    const dj = new OnlineDejitter(rate);
    const errors: number[] = [];

    // Act
    for (let k = 0; k < ts.length; k += 50) {
      const idx: number[] = [];
      for (let j = k; j < k + 50; j++) if (keep(j)) idx.push(j);
      // Split the chunk where samples are missing: each chunk has consecutive counters.
      let s = 0;
      while (s < idx.length) {
        let e = s + 1;
        while (e < idx.length && idx[e] === idx[e - 1] + 1) e++;
        const part = Float64Array.from(idx.slice(s, e), (j) => ts[j]);
        const out = dj.process(idx[s], part);
        for (let j = 0; j < out.length; j++) if (idx[s + j] > rate * 10) errors.push(out[j] - truth[idx[s + j]]);
        s = e;
      }
    }

    // Assert
    expect(dj.segmentCount).toBe(1);
    expect(Math.sqrt(errors.reduce((acc, e) => acc + e * e, 0) / errors.length)).toBeLessThan(0.1e-3);
  });

  it('restarts when time jumps without a counter jump, or goes backwards', () => {
    // Arrange
    const rate = 100;
    const { ts } = jittered(rate * 30, rate, 1000, 0.5e-3, 5);
    const shifted = Float64Array.from(ts, (t, k) => (k >= 1000 ? t + 3 : t) - (k >= 2000 ? 50 : 0));
    const dj = new OnlineDejitter(rate);

    // Act
    const out = runInChunks(dj, shifted, 25);

    // Assert: segments at 0, 1000 (+3 s) and 2000 (-50 s); each follows its own raw times.
    expect(dj.segmentCount).toBe(3);
    expect(out[1000]).toBe(shifted[1000]);
    expect(out[2000]).toBe(shifted[2000]);
    expect(Math.abs(out[1999] - (1000 + 1999 / rate + 3))).toBeLessThan(1e-3);
    expect(Math.abs(out[2999] - (1000 + 2999 / rate - 47))).toBeLessThan(1e-3);
  });

  it('produces strictly increasing output within a segment even when raw timestamps go backwards', () => {
    // Arrange: 500 Hz with 5 ms jitter: raw timestamps are out of order most of the time.
    const rate = 500;
    const { ts } = jittered(rate * 20, rate, 0, 5e-3, 6);
    let rawBackwards = 0;
    for (let i = 1; i < ts.length; i++) if (ts[i] < ts[i - 1]) rawBackwards++;
    const dj = new OnlineDejitter(rate);

    // Act
    const out = runInChunks(dj, ts, 10);

    // Assert
    expect(rawBackwards).toBeGreaterThan(1000);
    expect(dj.segmentCount).toBe(1);
    for (let i = 1; i < out.length; i++) expect(out[i] > out[i - 1]).toBe(true);
  });

  it('gives the same result whatever the chunking, in place or into a reused buffer', () => {
    // Arrange
    const rate = 250;
    const { ts } = jittered(rate * 30, rate, 7, 1e-3, 7);

    // Act
    const bySample = runInChunks(new OnlineDejitter(rate), ts, 1);
    const byChunk = runInChunks(new OnlineDejitter(rate), ts, 37);
    const inPlace = Float64Array.from(ts);
    const dj = new OnlineDejitter(rate);
    for (let i = 0; i < inPlace.length; i += 100) {
      const view = inPlace.subarray(i, Math.min(i + 100, inPlace.length));
      expect(dj.process(i, view, view)).toBe(view);
    }

    // Assert
    expect(Array.from(byChunk)).toEqual(Array.from(bySample));
    expect(Array.from(inPlace)).toEqual(Array.from(bySample));
  });

  it('stays accurate over two hours without forgetting on a clock near 1e5 s', () => {
    // Arrange: forgetting 1 keeps every sample; the sums must stay well conditioned.
    const rate = 500;
    const { truth, ts } = jittered(rate * 7200, rate * (1 - 30e-6), 98_765.4321, 1e-3, 8);
    const dj = new OnlineDejitter(rate, { forgetting: 1 });

    // Act
    const out = runInChunks(dj, ts, 500);

    // Assert
    expect(maxAbs(out, truth, rate * 600, ts.length)).toBeLessThan(0.05e-3);
  });

  it('passes irregular streams through, and reset() starts a new segment', () => {
    // Arrange
    const irregular = new OnlineDejitter(0);
    const regular = new OnlineDejitter(10);
    const ts = new Float64Array([1, 1.7, 5]);

    // Act
    const out = irregular.process(0, ts);
    regular.process(0, new Float64Array([0, 0.1, 0.2]));
    regular.reset();
    regular.process(3, new Float64Array([0.3, 0.4]));

    // Assert
    expect(Array.from(out)).toEqual([1, 1.7, 5]);
    expect(regular.segmentCount).toBe(2);
  });

  it('rejects bad rates, options, non-finite timestamps and a short output buffer', () => {
    expect(codeOf(() => new OnlineDejitter(-1))).toBe('BAD_RATE');
    expect(codeOf(() => new OnlineDejitter(100, { forgetting: 1.5 }))).toBe('BAD_OPTION');
    expect(codeOf(() => new OnlineDejitter(100, { breakThresholdSec: 0 }))).toBe('BAD_OPTION');
    const dj = new OnlineDejitter(100);
    expect(codeOf(() => dj.process(0, new Float64Array([0, NaN])))).toBe('NON_FINITE');
    expect(codeOf(() => dj.process(0, new Float64Array(3), new Float64Array(2)))).toBe('LENGTH_MISMATCH');
    expect(dj.segmentCount).toBe(0);
  });
});

describe('dejitterOffline', () => {
  it('splits at a 3 s gap and measures the effective rate over the segments only', () => {
    // Arrange: 256 Hz nominal, device 100 ppm slow, 60 s + 3 s gap + 60 s, 2 ms jitter.
    const rate = 256;
    const trueRate = rate * (1 - 100e-6);
    const a = jittered(rate * 60, trueRate, 500, 2e-3, 9);
    const b = jittered(rate * 60, trueRate, 500 + 63, 2e-3, 10);
    const ts = new Float64Array(a.ts.length + b.ts.length);
    ts.set(a.ts);
    ts.set(b.ts, a.ts.length);
    const truth = new Float64Array(ts.length);
    truth.set(a.truth);
    truth.set(b.truth, a.ts.length);

    // Act
    const result = dejitterOffline(ts, rate);

    // Assert
    const n = a.ts.length;
    expect(result.segments).toEqual([
      [0, n - 1],
      [n, ts.length - 1],
    ]);
    expect(Math.abs(result.effectiveRateHz - trueRate)).toBeLessThan(0.002);
    expect(maxAbs(result.timestamps, truth, 0, ts.length)).toBeLessThan(0.2e-3);
    expect(ts[0]).toBe(a.ts[0]); // input untouched
  });

  it('does not split at a gap shorter than max(1 s, 500 samples)', () => {
    // Arrange: at 256 Hz, 500 samples are 1.95 s; a 1.5 s gap stays inside the segment.
    const rate = 256;
    const a = jittered(rate * 10, rate, 0, 0, 11);
    const b = jittered(rate * 10, rate, 11.5, 0, 12);
    const ts = new Float64Array(a.ts.length + b.ts.length);
    ts.set(a.ts);
    ts.set(b.ts, a.ts.length);

    // Act
    const result = dejitterOffline(ts, rate);

    // Assert
    expect(result.segments).toEqual([[0, ts.length - 1]]);
  });

  it('returns irregular streams unchanged as one segment with effective rate 0', () => {
    const ts = new Float64Array([0.5, 0.9, 4]);
    const result = dejitterOffline(ts, 0);
    expect(Array.from(result.timestamps)).toEqual([0.5, 0.9, 4]);
    expect(result.segments).toEqual([[0, 2]]);
    expect(result.effectiveRateHz).toBe(0);
    expect(dejitterOffline(new Float64Array(0), 100).segments).toEqual([]);
  });

  it('keeps the timestamp of a one-sample segment', () => {
    const ts = new Float64Array([0, 0.01, 0.02, 10, 20, 20.01]);
    const result = dejitterOffline(ts, 100);
    expect(result.segments).toEqual([
      [0, 2],
      [3, 3],
      [4, 5],
    ]);
    expect(result.timestamps[3]).toBe(10);
    expect(result.effectiveRateHz).toBeCloseTo(3 / 0.03, 6);
  });

  it('rejects non-finite timestamps and bad rates', () => {
    expect(codeOf(() => dejitterOffline(new Float64Array([0, Infinity]), 10))).toBe('NON_FINITE');
    expect(codeOf(() => dejitterOffline(new Float64Array(2), Number.NaN))).toBe('BAD_RATE');
    expect(codeOf(() => dejitterOffline(new Float64Array(2), 10, { breakThresholdSamples: -1 }))).toBe('BAD_OPTION');
  });
});
