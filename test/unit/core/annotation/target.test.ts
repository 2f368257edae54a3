import { describe, expect, it } from 'vitest';
import { ccc } from '../../../../src-main/core/annotation/correlation.js';
import { AnnotationError } from '../../../../src-main/core/annotation/errors.js';
import { uniformGrid } from '../../../../src-main/core/annotation/grid.js';
import { consensusTarget } from '../../../../src-main/core/annotation/target.js';
import { latentSignal, referenceTrace, simulateRater } from './simulated-raters.js';

describe('consensus training targets', () => {
  const latent = latentSignal(33);
  const raters = [
    simulateRater(latent, { raterId: 'a', lagSec: 1.0, noise: 0.05, seed: 1 }, 0, 180),
    simulateRater(latent, { raterId: 'b', lagSec: 2.0, noise: 0.05, seed: 2 }, 0, 180),
    simulateRater(latent, { raterId: 'c', lagSec: 3.0, noise: 0.3, seed: 3 }, 0, 180),
  ];
  const grid = uniformGrid(10, 170, 4); // the model's 4 Hz token grid

  it('samples a lag-corrected consensus on the given grid with a validity mask', () => {
    const t = consensusTarget(raters, grid);
    expect(t.values.length).toBe(grid.length);
    expect(t.mask.every((m) => m === 1)).toBe(true);
    expect(t.lags?.against).toBe('group');
    expect(t.raterIds).toEqual(['a', 'b', 'c']);
    expect(t.weights[2]).toBeLessThan(t.weights[0]);
  });

  it('with a physiological/model reference, the corrected consensus is in register with it (absolute lags)', () => {
    const ref = referenceTrace(latent, 0, 180, 16);
    const corrected = consensusTarget(raters, grid, { lagReference: ref });
    const uncorrected = consensusTarget(raters, grid, { correctLag: false });
    const truth = Float64Array.from(grid, (x) => latent(x));
    expect(ccc(corrected.values, truth)).toBeGreaterThan(0.97);
    expect(ccc(corrected.values, truth)).toBeGreaterThan(ccc(uncorrected.values, truth) + 0.05);
    corrected.lags!.lags.forEach((l, i) => expect(Math.abs(l.lagSec - (i + 1))).toBeLessThan(0.15));
  });

  it('masks grid times no rater covers, and where fewer than minRaters are present', () => {
    const wide = uniformGrid(-20, 200, 4);
    const t = consensusTarget(raters, wide, { correctLag: false, minRaters: 3 });
    expect(t.mask[0]).toBe(0);
    expect(t.values[0]).toBeNaN();
    expect(t.mask[wide.length - 1]).toBe(0);
    expect(t.mask[Math.floor(wide.length / 2)]).toBe(1);
  });

  it('rejects traces of several dimensions and a grid that does not increase', () => {
    const other = { ...raters[0], dimension: 'arousal' };
    expect(() => consensusTarget([raters[0], other], grid)).toThrow(AnnotationError);
    expect(() => consensusTarget(raters, Float64Array.of(1, 1))).toThrowError(/does not increase/);
  });
});
