import { describe, expect, it } from 'vitest';
import { AnnotationError } from '../../../../src-main/core/annotation/errors.js';
import { analyzeAgreement } from '../../../../src-main/core/annotation/report.js';
import { latentSignal, referenceTrace, simulateRater } from './simulated-raters.js';

describe('analyzeAgreement', () => {
  const latent = latentSignal(44);
  const raters = [
    simulateRater(latent, { raterId: 'a', lagSec: 1.0, noise: 0.05, seed: 1 }, 0, 240),
    simulateRater(latent, { raterId: 'b', lagSec: 2.5, noise: 0.05, bias: 0.3, seed: 2 }, 0, 240),
    simulateRater(latent, { raterId: 'c', lagSec: 2.0, noise: 0.15, seed: 3 }, 0, 240),
  ];
  const truth = referenceTrace(latent, 0, 240, 32);

  it('reports ICC, alpha, pairwise CCC, lags, EWE weights and the reference vs the consensus', () => {
    const r = analyzeAgreement([...raters, truth], { bootstrap: { resamples: 200, seed: 2 } });
    expect(r.dimension).toBe('valence');
    expect(r.raters.map((x) => x.raterId)).toEqual(['a', 'b', 'c']);
    expect(r.icc?.forms).toHaveLength(6);
    const icc3 = r.icc!.forms.find((f) => f.form === 'ICC(3,1)')!;
    const icc2 = r.icc!.forms.find((f) => f.form === 'ICC(2,1)')!;
    expect(icc2.value).toBeLessThan(icc3.value); // rater b's bias costs absolute agreement only
    expect(icc3.bootstrap!.lower).toBeLessThan(icc3.value);
    expect(r.alpha!.value).toBeGreaterThan(0.3);
    expect(r.pairwise.map((p) => `${p.a}-${p.b}`)).toEqual(['a-b', 'a-c', 'b-c']);
    // Relative lags: each rater's lag minus the group mean (1 + 2.5 + 2) / 3.
    expect(r.lags!.lags.map((l) => l.lagSec)).toEqual([expect.closeTo(-0.833, 1), expect.closeTo(0.667, 1), expect.closeTo(0.167, 1)]);
    const w = r.consensus.weights;
    const total = w.reduce((acc, x) => acc + x.correlation, 0);
    for (const x of w) expect(x.weight).toBeCloseTo(x.correlation / total, 12);
    const ref = r.referenceComparisons[0];
    expect(ref.raterId).toBe('ground-truth');
    expect(ref.consensusLagSec).toBeGreaterThan(1.2);
    expect(ref.consensusLagSec).toBeLessThan(2.2);
    expect(ref.raterLags.map((l) => l.lagSec)).toEqual([expect.closeTo(1, 1), expect.closeTo(2.5, 1), expect.closeTo(2, 1)]);
    expect(r.bootstrap).toMatchObject({ blockSec: 5, blockLength: 50, seed: 2 });
  });

  it('raises agreement when asked to correct the raters\' lags first', () => {
    const raw = analyzeAgreement(raters, { bootstrap: false });
    const fixed = analyzeAgreement(raters, { bootstrap: false, lagCorrect: true });
    const c = (x: typeof raw) => x.icc!.forms.find((f) => f.form === 'ICC(3,1)')!.value;
    expect(fixed.lagCorrected).toBe(true);
    expect(c(fixed)).toBeGreaterThan(c(raw));
  });

  it('with one rater reports no ICC but still compares with the reference', () => {
    const r = analyzeAgreement([raters[0], truth], { bootstrap: false });
    expect(r.icc).toBeNull();
    expect(r.notes.join(' ')).toMatch(/one rater/);
    expect(r.referenceComparisons[0].ccc.value).toBeGreaterThan(0.8);
  });

  it('rejects mixed dimensions, no raters, and duplicate rater ids', () => {
    expect(() => analyzeAgreement([raters[0], { ...raters[1], dimension: 'arousal' }])).toThrow(AnnotationError);
    expect(() => analyzeAgreement([truth])).toThrowError(/no annotation traces/);
    expect(() => analyzeAgreement([raters[0], raters[0]])).toThrowError(/two "valence" traces/);
  });
});
