import { describe, expect, it } from 'vitest';
import { CounterUnwrapper, GapDetector } from '../../../../src-main/core/streams/gap-detector.js';

describe('GapDetector', () => {
  it('reports a counter jump as a gap with the number of lost samples', () => {
    const gd = new GapDetector();
    expect(gd.observe(0, 10, 0, 0.9)).toBeNull();
    const gap = gd.observe(15, 10, 1.5, 2.4);
    expect(gap).toEqual({ firstMissingIndex: 10, missingCount: 5, beforeTimeSec: 0.9, afterTimeSec: 1.5 });
    expect(gd.lostCount).toBe(5);
    expect(gd.receivedCount).toBe(20);
    expect(gd.gaps).toBe(1);
  });

  it('treats consecutive chunks and a counter restart as no gap', () => {
    const gd = new GapDetector();
    gd.observe(100, 5, 0, 0.4);
    expect(gd.observe(105, 5, 0.5, 0.9)).toBeNull();
    expect(gd.observe(0, 5, 1.0, 1.4)).toBeNull();
    expect(gd.observe(5, 1, 1.5, 1.5)).toBeNull();
    expect(gd.lostCount).toBe(0);
  });
});

describe('CounterUnwrapper', () => {
  it('unwraps a byte counter across several wraps so losses stay countable', () => {
    const u = new CounterUnwrapper(256);
    const raw = [250, 253, 255, 1, 2, 200, 3];
    expect(raw.map((r) => u.next(r))).toEqual([250, 253, 255, 257, 258, 456, 515]);
  });

  it('rejects a counter outside its modulus', () => {
    const u = new CounterUnwrapper(16);
    expect(() => u.next(16)).toThrow(/outside 0..15/);
  });
});
