import { describe, expect, it } from 'vitest';
import { AnnotationError } from '../../../../src-main/core/annotation/errors.js';
import { resampleTrace, uniformGrid } from '../../../../src-main/core/annotation/grid.js';
import { estimateLag, estimateTraceLag } from '../../../../src-main/core/annotation/lag.js';
import { estimateRaterLags, lagCorrectTraces } from '../../../../src-main/core/annotation/rater-lags.js';
import { ccc } from '../../../../src-main/core/annotation/correlation.js';
import { latentSignal, referenceTrace, simulateRater } from './simulated-raters.js';

describe('reaction lag by normalised cross-correlation', () => {
  it.each([10, 4])('recovers a 1.7 s delay within one grid sample at %i Hz', (rateHz) => {
    const latent = latentSignal(5);
    const ref = referenceTrace(latent, 0, 300, 32);
    const rater = simulateRater(latent, { raterId: 'r1', lagSec: 1.7, noise: 0.05 }, 0, 300);
    const e = estimateTraceLag(rater, ref, { rateHz, maxLagSec: 5 });
    expect(Math.abs(e.lagSec - 1.7)).toBeLessThan(1 / rateHz);
    expect(e.peakCorrelation).toBeGreaterThan(0.9);
    expect(e.atBoundary).toBe(false);
  });

  it('interpolates between grid steps: a 0.35 s shift on a 4 Hz grid comes out near 0.35, not 0.25 or 0.5', () => {
    const latent = latentSignal(8);
    const grid = uniformGrid(0, 200, 4);
    const ref = Float64Array.from(grid, (t) => latent(t));
    const sig = Float64Array.from(grid, (t) => latent(t - 0.35));
    const e = estimateLag(sig, ref, 4);
    expect(Math.abs(e.lagSec - 0.35)).toBeLessThan(0.05);
  });

  it('gives a negative lag when the signal leads the reference, and flags a peak at the range edge', () => {
    const latent = latentSignal(2);
    const ref = referenceTrace(latent, 0, 200, 10);
    const early = simulateRater(latent, { raterId: 'e', lagSec: -0.8 }, 0, 200);
    expect(estimateTraceLag(early, ref).lagSec).toBeCloseTo(-0.8, 1);
    const late = simulateRater(latent, { raterId: 'l', lagSec: 7 }, 0, 200);
    expect(estimateTraceLag(late, ref, { maxLagSec: 5 }).atBoundary).toBe(true);
  });

  it('throws a typed error when the series never overlap', () => {
    const a = new Float64Array(50).fill(Number.NaN);
    expect(() => estimateLag(a, new Float64Array(50), 10)).toThrow(AnnotationError);
  });
});

describe('lags of several raters', () => {
  const latent = latentSignal(21);
  const raters = [
    simulateRater(latent, { raterId: 'a', lagSec: 1.0, noise: 0.05, seed: 1 }, 0, 240),
    simulateRater(latent, { raterId: 'b', lagSec: 2.0, noise: 0.05, seed: 2 }, 0, 240),
    simulateRater(latent, { raterId: 'c', lagSec: 3.0, noise: 0.05, seed: 3 }, 0, 240),
  ];

  it('estimates relative lags from all pairs (summing to zero) without a reference', () => {
    const r = estimateRaterLags(raters);
    expect(r.against).toBe('group');
    expect(r.lags.map((l) => l.lagSec)).toEqual([expect.closeTo(-1, 1), expect.closeTo(0, 1), expect.closeTo(1, 1)]);
  });

  it('estimates absolute lags against a reference', () => {
    const r = estimateRaterLags(raters, { reference: referenceTrace(latent, 0, 240, 32) });
    expect(r.against).toBe('reference');
    r.lags.forEach((l, i) => expect(Math.abs(l.lagSec - (i + 1))).toBeLessThan(0.1));
  });

  it('lag-corrected traces agree better than the raw ones', () => {
    const grid = uniformGrid(10, 230, 10);
    const raw = raters.map((t) => resampleTrace(t, grid));
    const fixed = lagCorrectTraces(raters, estimateRaterLags(raters)).map((t) => resampleTrace(t, grid));
    expect(ccc(fixed[0], fixed[2])).toBeGreaterThan(ccc(raw[0], raw[2]) + 0.05);
    expect(ccc(fixed[0], fixed[2])).toBeGreaterThan(0.95);
  });
});
