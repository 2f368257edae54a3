import { describe, expect, it } from 'vitest';
import { ModelError } from '../../../src-main/model/errors.js';
import { regressionMetrics, rmse } from '../../../src-main/model/metrics.js';

describe('regression metrics', () => {
  it('matches hand-computed RMSE, PCC and CCC for a scaled series', () => {
    // x = 1..4, y = 2x: means 2.5 and 5, population variances 1.25 and 5, covariance 2.5
    // PCC = 2.5 / sqrt(1.25 * 5) = 1; CCC = 2 * 2.5 / (1.25 + 5 + 2.5^2) = 5 / 12.5 = 0.4
    // RMSE = sqrt((1 + 4 + 9 + 16) / 4) = sqrt(7.5)
    const pred = [1, 0, 2, 0, 3, 0, 4, 0];
    const target = [2, 0, 4, 1, 6, 0, 8, 1];
    const m = regressionMetrics(pred, target, ['valence', 'arousal']);
    expect(m.dimensions.valence!.pcc).toBeCloseTo(1, 12);
    expect(m.dimensions.valence!.ccc).toBeCloseTo(0.4, 12);
    expect(m.dimensions.valence!.rmse).toBeCloseTo(Math.sqrt(7.5), 12);
    // arousal: pred constant 0 -> PCC undefined (NaN); CCC = 0 / (0 + 0.25 + 0.25) = 0; RMSE = sqrt(2/4)
    expect(m.dimensions.arousal!.pcc).toBeNaN();
    expect(m.dimensions.arousal!.ccc).toBeCloseTo(0, 12);
    expect(m.dimensions.arousal!.rmse).toBeCloseTo(Math.sqrt(0.5), 12);
    expect(m.meanCcc).toBeCloseTo(0.2, 12);
  });

  it('gives -1 for PCC and CCC of an anti-phase series and skips masked and NaN rows', () => {
    // x = [0,1,0,1], y = [1,0,1,0]: var 0.25 each, cov -0.25, equal means -> PCC = CCC = -1, RMSE = 1
    const pred = [0, 1, 0, 1, 9, 0.5];
    const target = [1, 0, 1, 0, -9, Number.NaN];
    const m = regressionMetrics(pred, target, ['valence'], [1, 1, 1, 1, 0, 1]);
    expect(m.dimensions.valence!.pcc).toBeCloseTo(-1, 12);
    expect(m.dimensions.valence!.ccc).toBeCloseTo(-1, 12);
    expect(m.dimensions.valence!.rmse).toBeCloseTo(1, 12);
    expect(m.dimensions.valence!.n).toBe(4);
    expect(rmse([1, 2], [1, 4])).toBeCloseTo(Math.sqrt(2), 12);
  });

  it('refuses arrays whose shapes do not fit the outputs', () => {
    expect(() => regressionMetrics([1, 2, 3], [1, 2, 3], ['valence', 'arousal'])).toThrow(ModelError);
  });
});
