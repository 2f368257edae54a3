import { describe, expect, it } from 'vitest';
import { StreamError } from '../../../../src-main/core/errors.js';
import { robustLinearFit } from '../../../../src-main/core/streams/robust-fit.js';
import { makeGaussian, makeRng } from './clock-sim.js';

function ordinaryLeastSquares(x: Float64Array, y: Float64Array): { intercept: number; slope: number } {
  const n = x.length;
  let xm = 0;
  let ym = 0;
  for (let i = 0; i < n; i++) {
    xm += x[i] / n;
    ym += y[i] / n;
  }
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (x[i] - xm) ** 2;
    sxy += (x[i] - xm) * (y[i] - ym);
  }
  const slope = sxy / sxx;
  return { intercept: ym - slope * xm, slope };
}

describe('robustLinearFit', () => {
  it('ignores 10 % of measurements with +50 ms spikes where least squares is pulled off', () => {
    // Arrange: offsets every 5 s on an LSL-like clock (~1e5 s), 40 ppm drift, 0.3 ms noise.
    const rng = makeRng(7);
    const gauss = makeGaussian(rng);
    const n = 200;
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    const truth = (t: number) => 0.02 + 40e-6 * (t - 100_000);
    for (let i = 0; i < n; i++) {
      x[i] = 100_000 + 5 * i;
      y[i] = truth(x[i]) + 0.3e-3 * gauss() + (i % 10 === 3 ? 0.05 : 0);
    }

    // Act
    const fit = robustLinearFit(x, y);
    const ols = ordinaryLeastSquares(x, y);

    // Assert: the robust line stays within the noise of the truth over the whole range.
    for (const t of [x[0], x[n >> 1], x[n - 1]]) {
      expect(Math.abs(fit.interceptSec + fit.slope * t - truth(t))).toBeLessThan(0.2e-3);
      // The scenario is hard enough: least squares is off by about 5 ms.
      expect(Math.abs(ols.intercept + ols.slope * t - truth(t))).toBeGreaterThan(3e-3);
    }
    expect(Math.abs(fit.slope - 40e-6)).toBeLessThan(1e-7);
    // RMS includes the spikes (about sqrt(0.1) × 50 ms).
    expect(fit.residualRmsSec).toBeGreaterThan(0.01);
  });

  it('reaches the Huber minimiser: the clipped residuals balance in level and in slope', () => {
    // Arrange
    const rng = makeRng(11);
    const gauss = makeGaussian(rng);
    const n = 150;
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = 50_000 + 5 * i + rng();
      y[i] = -0.7 + 25e-6 * x[i] + 0.5e-3 * gauss() + (rng() < 0.15 ? 0.02 * rng() : 0);
    }
    const k = 1e-4;

    // Act
    const fit = robustLinearFit(x, y, { huberThreshold: k });

    // Assert: the gradient of sum(huber_k(r)) is sum(clip(r, ±k)) * [1, x - mean] = 0.
    let xm = 0;
    for (let i = 0; i < n; i++) xm += x[i] / n;
    let g0 = 0;
    let g1 = 0;
    for (let i = 0; i < n; i++) {
      const r = y[i] - (fit.interceptSec + fit.slope * x[i]);
      const psi = Math.max(-k, Math.min(k, r));
      g0 += psi;
      g1 += psi * (x[i] - xm);
    }
    expect(Math.abs(g0)).toBeLessThan(k * 1e-3 * n);
    expect(Math.abs(g1)).toBeLessThan(k * 1e-3 * n * 200);
  });

  it('recovers an exact line on clocks near 1e5 s to the microsecond', () => {
    // Arrange: offset -86400.03 s with 50 ppm drift, measured from 1e5 s on.
    const x = new Float64Array(100);
    const y = new Float64Array(100);
    for (let i = 0; i < 100; i++) {
      x[i] = 123_456.789 + 5 * i;
      y[i] = -86_400.03 - 50e-6 * (x[i] - 123_000);
    }

    // Act
    const fit = robustLinearFit(x, y);

    // Assert
    for (let i = 0; i < 100; i++) expect(Math.abs(fit.interceptSec + fit.slope * x[i] - y[i])).toBeLessThan(1e-6);
    expect(fit.slope).toBeCloseTo(-50e-6, 12);
    expect(fit.residualRmsSec).toBeLessThan(1e-6);
  });

  it('fits a constant through one point and a robust location when all x are equal', () => {
    // Arrange / Act
    const one = robustLinearFit([10], [0.25]);
    const sameX = robustLinearFit([3, 3, 3, 3, 3], [1, 1.001, 0.999, 1, 9]);

    // Assert
    expect(one).toEqual({ interceptSec: 0.25, slope: 0, residualRmsSec: 0 });
    expect(sameX.slope).toBe(0);
    expect(Math.abs(sameX.interceptSec - 1)).toBeLessThan(0.002);
  });

  it('rejects mismatched lengths, empty input, non-finite values and bad options with StreamError codes', () => {
    // Arrange / Act / Assert
    const codeOf = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(StreamError);
        return (err as StreamError).code;
      }
      return undefined;
    };
    expect(codeOf(() => robustLinearFit([1, 2], [1]))).toBe('LENGTH_MISMATCH');
    expect(codeOf(() => robustLinearFit([], []))).toBe('NOT_ENOUGH_POINTS');
    expect(codeOf(() => robustLinearFit([1, 2, 3], [1, NaN, 3]))).toBe('NON_FINITE');
    expect(() => robustLinearFit([1, 2, 3], [1, NaN, 3])).toThrow(/y\[1\] is NaN/);
    expect(codeOf(() => robustLinearFit([1, 2], [1, 2], { huberThreshold: 0 }))).toBe('BAD_OPTION');
    expect(codeOf(() => robustLinearFit([1, 2], [1, 2], { maxIterations: 0.5 }))).toBe('BAD_OPTION');
  });
});
