import { describe, expect, it } from 'vitest';
import { AnnotationError } from '../../../../src-main/core/annotation/errors.js';
import { icc, type IccForm } from '../../../../src-main/core/annotation/icc.js';
import { ratingMatrix } from '../../../../src-main/core/annotation/rating-matrix.js';

// Shrout, P. E., & Fleiss, J. L. (1979). Intraclass correlations: Uses in assessing rater
// reliability. Psychological Bulletin, 86(2), 420-428. Table 2: 6 targets rated by 4 judges.
const SHROUT_FLEISS = [
  [9, 2, 5, 8],
  [6, 1, 3, 2],
  [8, 4, 6, 8],
  [7, 1, 2, 6],
  [10, 5, 6, 9],
  [6, 2, 4, 7],
];

const byForm = (r: ReturnType<typeof icc>, f: IccForm) => r.forms.find((x) => x.form === f)!;

describe('ICC (Shrout & Fleiss / McGraw & Wong forms)', () => {
  it('reproduces the six ICCs printed by Shrout & Fleiss (1979, Table 4) to two decimals', () => {
    const r = icc(ratingMatrix(SHROUT_FLEISS), { bootstrap: false });
    const printed: Record<IccForm, number> = {
      'ICC(1,1)': 0.17,
      'ICC(2,1)': 0.29,
      'ICC(3,1)': 0.71,
      'ICC(1,k)': 0.44,
      'ICC(2,k)': 0.62,
      'ICC(3,k)': 0.91,
    };
    for (const [form, value] of Object.entries(printed)) {
      expect(byForm(r, form as IccForm).value.toFixed(2), form).toBe(value.toFixed(2));
    }
  });

  it('reproduces the ANOVA mean squares of the worked example (BMS 11.24, JMS 32.49, EMS 1.02, WMS 6.26)', () => {
    const { anova } = icc(ratingMatrix(SHROUT_FLEISS), { bootstrap: false });
    expect(anova.msr).toBeCloseTo(11.24, 2);
    expect(anova.msc).toBeCloseTo(32.49, 2);
    expect(anova.mse).toBeCloseTo(1.02, 2);
    expect(anova.msw).toBeCloseTo(6.26, 2);
  });

  it('gives the F-based 95% intervals of McGraw & Wong (1996) for this table, to two decimals', () => {
    // Bounds from the McGraw & Wong (1996, Table 7) formulas evaluated independently with
    // scipy.stats.f.ppf on this table (they agree with the bounds R's psych::ICC reports).
    const r = icc(ratingMatrix(SHROUT_FLEISS), { bootstrap: false });
    const expected: Array<[IccForm, number, number]> = [
      ['ICC(1,1)', -0.13, 0.72],
      ['ICC(2,1)', 0.02, 0.76],
      ['ICC(3,1)', 0.34, 0.95],
      ['ICC(1,k)', -0.88, 0.91],
      ['ICC(2,k)', 0.07, 0.93],
      ['ICC(3,k)', 0.68, 0.99],
    ];
    for (const [form, lo, hi] of expected) {
      const ci = byForm(r, form).ci;
      expect(ci.lower.toFixed(2), `${form} lower`).toBe(lo.toFixed(2));
      expect(ci.upper.toFixed(2), `${form} upper`).toBe(hi.toFixed(2));
    }
    // F tests: F = 1.79 on (5, 18) for the one-way model, F = 11.03 on (5, 15) for the two-way models.
    expect(byForm(r, 'ICC(1,1)').f).toBeCloseTo(1.795, 3);
    expect(byForm(r, 'ICC(1,1)').df2).toBe(18);
    expect(byForm(r, 'ICC(2,1)').f).toBeCloseTo(11.027, 3);
    expect(byForm(r, 'ICC(3,k)').df2).toBe(15);
    expect(byForm(r, 'ICC(3,1)').p).toBeLessThan(0.001);
    expect(byForm(r, 'ICC(1,1)').p).toBeCloseTo(0.165, 3);
  });

  it('gives a seeded bootstrap interval: same seed, same interval; containing the estimate', () => {
    const m = ratingMatrix(SHROUT_FLEISS);
    const a = icc(m, { bootstrap: { resamples: 500, seed: 7 } });
    const b = icc(m, { bootstrap: { resamples: 500, seed: 7 } });
    const c = icc(m, { bootstrap: { resamples: 500, seed: 8 } });
    const a3 = byForm(a, 'ICC(3,1)');
    expect(a3.bootstrap).toEqual(byForm(b, 'ICC(3,1)').bootstrap);
    expect(a3.bootstrap!.lower).not.toBe(byForm(c, 'ICC(3,1)').bootstrap!.lower);
    expect(a3.bootstrap!.lower).toBeLessThan(a3.value);
    expect(a3.bootstrap!.upper).toBeGreaterThan(a3.value);
    expect(a3.bootstrap!.validResamples).toBeGreaterThan(400);
  });

  it('separates consistency from absolute agreement: a constant offset of one rater lowers only ICC(2,1)', () => {
    const base = [1, 4, 2, 8, 5, 7, 3, 6];
    const m = ratingMatrix(base.map((x, i) => [x, x + 3, x + (i % 2 ? 0.5 : -0.5)]));
    const r = icc(m, { bootstrap: false });
    expect(byForm(r, 'ICC(3,1)').value).toBeGreaterThan(0.95);
    expect(byForm(r, 'ICC(2,1)').value).toBeLessThan(0.75);
  });

  it('drops targets with a missing rating and reports how many', () => {
    const rows = [...SHROUT_FLEISS, [5, Number.NaN, 4, 4]];
    const r = icc(ratingMatrix(rows), { bootstrap: false });
    expect(r.droppedTargets).toBe(1);
    expect(r.anova.n).toBe(6);
    expect(byForm(r, 'ICC(2,1)').value.toFixed(2)).toBe('0.29');
  });

  it('throws a typed error for fewer than two raters or three complete targets', () => {
    expect(() => icc(ratingMatrix([[1], [2], [3]]))).toThrow(AnnotationError);
    expect(() => icc(ratingMatrix([[1, 2], [2, 3]]))).toThrowError(/at least 3 targets/);
  });
});
