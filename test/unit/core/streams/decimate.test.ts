import { describe, expect, it } from 'vitest';
import { decimateMinMax } from '../../../../src-main/core/streams/decimate.js';

describe('decimateMinMax', () => {
  it('keeps the min and max of each pixel column per channel, NaN where a column is empty', () => {
    // 2 channels, samples at 0.05, 0.15, ..., 0.55 s; 3 columns of 0.3 s over [0, 0.9).
    const times = Float64Array.from([0.05, 0.15, 0.25, 0.35, 0.45, 0.55]);
    const values = Float32Array.from([1, -1, 5, -5, 3, -3, 2, -2, 7, -7, 4, -4]);
    const out = decimateMinMax(values, times, 6, 2, 0, 0.9, 3);
    // column 0: t .05, .15, .25 ; column 1: t .35, .45, .55 ; column 2: empty
    expect(Array.from(out.subarray(0, 6))).toEqual([1, 5, 2, 7, NaN, NaN]);
    expect(Array.from(out.subarray(6, 12))).toEqual([-5, -1, -7, -2, NaN, NaN]);
  });

  it('ignores samples outside the span and NaN samples', () => {
    const times = Float64Array.from([-1, 0.5, 2]);
    const values = Float32Array.from([100, NaN, 100]);
    const out = decimateMinMax(values, times, 3, 1, 0, 1, 2);
    expect(Array.from(out)).toEqual([NaN, NaN, NaN, NaN]);
  });
});
