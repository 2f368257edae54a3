import { describe, expect, it } from 'vitest';
import { krippendorffAlpha, type AlphaMetric } from '../../../../src-main/core/annotation/krippendorff.js';
import { ratingMatrix } from '../../../../src-main/core/annotation/rating-matrix.js';

// Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. University of
// Pennsylvania, Annenberg School for Communication, Departmental Papers 43, section C:
// "Nominal data, any number of observers, missing data" and the same data under the other
// metrics. Reliability data: 4 observers (rows) x 12 units (columns), '.' = missing.
//   A: 1 2 3 3 2 1 4 1 2 . . .
//   B: 1 2 3 3 2 2 4 1 2 5 . 3
//   C: . 3 3 3 2 3 4 2 2 5 1 .
//   D: 1 2 3 3 2 4 4 1 2 5 1 .
// Printed: alpha nominal = 0.743, ordinal = 0.815, interval = 0.849, ratio = 0.797.
const _ = null;
const OBSERVERS = [
  [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
  [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
  [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
  [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
];
// Units are the targets (rows) of our matrix.
const UNITS = ratingMatrix(OBSERVERS[0].map((_v, u) => OBSERVERS.map((o) => o[u])));

describe("Krippendorff's alpha", () => {
  it.each([
    ['interval', 0.849],
    ['nominal', 0.743],
    ['ordinal', 0.815],
    ['ratio', 0.797],
  ] as Array<[AlphaMetric, number]>)("reproduces Krippendorff's (2011) worked example with missing values: %s alpha = %f", (metric, printed) => {
    const r = krippendorffAlpha(UNITS, { metric, bootstrap: false });
    expect(r.value.toFixed(3)).toBe(printed.toFixed(3));
  });

  it('ignores the unit rated once (unit 12) and counts n.. = 40 pairable values in 11 units', () => {
    const r = krippendorffAlpha(UNITS, { bootstrap: false });
    expect(r.pairableUnits).toBe(11);
    expect(r.pairableValues).toBe(40);
  });

  it('is 1 for perfect agreement and near 0 for ratings unrelated to the units', () => {
    const perfect = ratingMatrix([[0.1, 0.1, 0.1], [0.5, 0.5, Number.NaN], [-0.3, -0.3, -0.3]]);
    expect(krippendorffAlpha(perfect, { bootstrap: false }).value).toBe(1);
    let s = 12345;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    const noise = ratingMatrix(Array.from({ length: 3000 }, () => [rnd(), rnd(), rnd()]));
    expect(Math.abs(krippendorffAlpha(noise, { bootstrap: false }).value)).toBeLessThan(0.05);
  });

  it('has a seeded bootstrap interval around the estimate', () => {
    const a = krippendorffAlpha(UNITS, { bootstrap: { resamples: 400, seed: 3 } });
    const b = krippendorffAlpha(UNITS, { bootstrap: { resamples: 400, seed: 3 } });
    expect(a.bootstrap).toEqual(b.bootstrap);
    expect(a.bootstrap!.lower).toBeLessThan(a.value);
    expect(a.bootstrap!.upper).toBeGreaterThanOrEqual(a.value);
  });

  it('refuses a coincidence-matrix metric on continuous data with thousands of distinct values', () => {
    const m = ratingMatrix(Array.from({ length: 1500 }, (_v, i) => [i / 1500, i / 1500 + 1e-4]));
    expect(() => krippendorffAlpha(m, { metric: 'ordinal', bootstrap: false })).toThrowError(/interval metric/);
  });
});
