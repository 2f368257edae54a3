import { describe, expect, it } from 'vitest';
import { ccc, pairAgreement, pearson } from '../../../../src-main/core/annotation/correlation.js';

describe("Lin's CCC and Pearson", () => {
  it('matches a CCC computed by hand', () => {
    // x = 1 2 3 4 5 (mean 3), y = 2 3 3 5 6 (mean 3.8). Population moments:
    // s_x^2 = (4+1+0+1+4)/5 = 2; s_y^2 = (3.24+0.64+0.64+1.44+4.84)/5 = 2.16;
    // s_xy = (3.6+0.8+0+1.2+4.4)/5 = 2.
    // CCC = 2*2 / (2 + 2.16 + (3-3.8)^2) = 4/4.8 = 0.8333...; r = 2/sqrt(2*2.16) = 0.96225...
    const x = [1, 2, 3, 4, 5];
    const y = [2, 3, 3, 5, 6];
    expect(ccc(x, y)).toBeCloseTo(4 / 4.8, 12);
    expect(pearson(x, y)).toBeCloseTo(2 / Math.sqrt(4.32), 12);
  });

  it('penalises a bias that Pearson ignores', () => {
    const x = [0.1, -0.2, 0.4, 0.3, -0.5, 0.0];
    const y = x.map((v) => v + 0.5);
    expect(pearson(x, y)).toBeCloseTo(1, 12);
    expect(ccc(x, y)).toBeLessThan(0.5);
  });

  it('skips pairs with a missing value', () => {
    expect(ccc([1, 2, Number.NaN, 3], [1, 2, 9, 3])).toBeCloseTo(1, 12);
    expect(pairAgreement([1, Number.NaN, 3], [1, 2, Number.NaN], { bootstrap: false }).n).toBe(1);
  });

  it('returns NaN rather than a number when undefined (constant series, one pair)', () => {
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(ccc([1], [2])).toBeNaN();
  });

  it('brackets the estimate with seeded bootstrap intervals for both coefficients', () => {
    const n = 400;
    const x = Array.from({ length: n }, (_v, i) => Math.sin(i / 15));
    const y = x.map((v, i) => 0.8 * v + 0.3 * Math.sin(i * 1.7));
    const r = pairAgreement(x, y, { bootstrap: { resamples: 300, seed: 11, blockLength: 20 } });
    expect(r.ccc.bootstrap!.lower).toBeLessThan(r.ccc.value);
    expect(r.ccc.bootstrap!.upper).toBeGreaterThan(r.ccc.value);
    expect(r.pearson.bootstrap!.lower).toBeLessThan(r.pearson.value);
    expect(r.ccc.bootstrap!.blockLength).toBe(20);
    expect(pairAgreement(x, y, { bootstrap: { resamples: 300, seed: 11, blockLength: 20 } })).toEqual(r);
  });
});
