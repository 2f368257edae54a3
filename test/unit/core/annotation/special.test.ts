import { describe, expect, it } from 'vitest';
import { fCdf, fQuantile, logGamma, regularizedBeta } from '../../../../src-main/core/annotation/special.js';

// Reference values from SciPy 1.x (an independent implementation):
//   scipy.stats.f.ppf(p, d1, d2), scipy.stats.f.cdf, scipy.special.betainc, scipy.special.gammaln.
describe('F distribution and incomplete beta', () => {
  it.each([
    [0.975, 5, 18, 3.381967805875243],
    [0.975, 18, 5, 6.361883204654352],
    [0.975, 5, 4.785143862212757, 7.4986275931448185],
    [0.95, 1, 1, 161.4476387975882],
    [0.5, 10, 30, 0.9553965764236239],
    [0.999, 3, 1000, 5.46366798504903],
  ])('F quantile p=%f df=(%f, %f) matches SciPy to 1e-9 relative', (p, d1, d2, expected) => {
    expect(fQuantile(p, d1, d2)).toBeCloseTo(expected, Math.max(6, 9 - Math.ceil(Math.log10(expected))));
    expect(Math.abs(fQuantile(p, d1, d2) / expected - 1)).toBeLessThan(1e-9);
  });

  it('F CDF matches SciPy, and the quantile inverts the CDF', () => {
    expect(fCdf(11.027246, 5, 15)).toBeCloseTo(0.9998654333492892, 10);
    expect(1 - fCdf(1.794722, 5, 18)).toBeCloseTo(0.16475979217359227, 10);
    for (const p of [0.01, 0.3, 0.9, 0.995]) expect(fCdf(fQuantile(p, 7, 12.5), 7, 12.5)).toBeCloseTo(p, 12);
  });

  it('regularised beta and log-gamma match SciPy', () => {
    expect(regularizedBeta(0.3, 2.5, 3.5)).toBeCloseTo(0.29675298929566646, 13);
    expect(logGamma(0.5)).toBeCloseTo(0.5723649429247, 12);
    expect(logGamma(100.3)).toBeCloseTo(360.5147057290581, 9);
  });

  it('returns NaN for invalid degrees of freedom instead of a number', () => {
    expect(fQuantile(0.5, 0, 3)).toBeNaN();
    expect(fCdf(1, 3, -1)).toBeNaN();
  });
});
