import { describe, expect, it } from 'vitest';
import { channelMajorToBlock, makeRating } from '../../../../src-main/storage/datasets/types.js';

describe('makeRating', () => {
  it('maps the ends and the middle of a scale to -1, 1 and 0', () => {
    expect(makeRating(1, { min: 1, max: 9 }).normalized).toBe(-1);
    expect(makeRating(9, { min: 1, max: 9 }).normalized).toBe(1);
    expect(makeRating(3, { min: 1, max: 5 }).normalized).toBe(0);
    expect(makeRating(4, { min: 1, max: 5 })).toEqual({ value: 4, scale: { min: 1, max: 5 }, normalized: 0.5 });
  });
});

describe('channelMajorToBlock', () => {
  it('picks channel rows and a sample range into a sample-major float32 block', () => {
    // Two trials x 3 channels x 5 samples, value = trial*100 + channel*10 + sample.
    const src = new Float64Array(2 * 3 * 5);
    for (let t = 0; t < 2; t++) for (let c = 0; c < 3; c++) for (let s = 0; s < 5; s++) src[(t * 3 + c) * 5 + s] = t * 100 + c * 10 + s;

    const block = channelMajorToBlock(src, 1 * 3 * 5, 5, 2, 3, [2, 0]);

    expect(Array.from(block)).toEqual([122, 102, 123, 103, 124, 104]);
  });
});
