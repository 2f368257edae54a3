// The post-hoc playback cursor: wall-clock advance at a rate, media as the clock without
// stepping back, resync on drift, seeks (backwards reported), end of span.
import { describe, expect, it } from 'vitest';
import { ReplayClock } from '../../../../src-main/core/annotation/replay-clock.js';

describe('ReplayClock', () => {
  it('advances at the playback rate from the wall clock and stands still when paused', () => {
    const c = new ReplayClock(100, 200);
    c.setRate(2, 0);
    c.play(1000);
    expect(c.tick(2000).tSec).toBeCloseTo(102, 9);
    c.pause(2500);
    expect(c.tick(9000).tSec).toBeCloseTo(103, 9);
    c.setRate(0.5, 9000);
    c.play(9000);
    expect(c.tick(11000).tSec).toBeCloseTo(104, 9);
  });

  it('follows the media while it plays, never stepping back, and asks for a resync past the drift limit', () => {
    const c = new ReplayClock(0, 60);
    c.play(0);
    expect(c.tick(1000, 0.98).tSec).toBeCloseTo(0.98, 9); // the media is the clock, not the wall
    expect(c.tick(1050, 0.95).tSec).toBeCloseTo(0.98, 9); // media reporting an earlier time: the cursor holds
    expect(c.tick(1100, 1.12).tSec).toBeCloseTo(1.12, 9);
    const far = c.tick(1200, 5);
    expect(far.resync).toBe(true);
    expect(far.tSec).toBeCloseTo(1.22, 9);
  });

  it('reports a backwards seek, clamps to the span, and pauses at the end', () => {
    const c = new ReplayClock(10, 20);
    expect(c.seek(15, 0)).toBe(false);
    expect(c.seek(12, 0)).toBe(true);
    expect(c.seek(-5, 0)).toBe(true);
    expect(c.timeAt(0)).toBe(10);
    c.seek(19, 0);
    c.play(0);
    const end = c.tick(5000);
    expect(end).toEqual({ tSec: 20, resync: false, ended: true });
    expect(c.playing).toBe(false);
    c.play(6000); // playing again from the end starts over
    expect(c.timeAt(6000)).toBe(10);
    expect(() => new ReplayClock(5, 1)).toThrow(/end must not be before the start/);
    expect(() => c.setRate(0, 0)).toThrow(/positive/);
  });
});
