import { describe, expect, it } from 'vitest';
import { ccc } from '../../../../src-main/core/annotation/correlation.js';
import { eweConsensus, leaveOneOutMean, meanConsensus } from '../../../../src-main/core/annotation/consensus.js';
import { AnnotationError } from '../../../../src-main/core/annotation/errors.js';
import { lcg } from './simulated-raters.js';

const N = 2000;
const truth = Float64Array.from({ length: N }, (_v, i) => 0.7 * Math.sin(i / 40) + 0.2 * Math.sin(i / 9));
function noisy(level: number, seed: number): Float64Array {
  const rnd = lcg(seed);
  return Float64Array.from(truth, (v) => v + level * (rnd() * 2 - 1));
}

describe('consensus traces', () => {
  it('mean consensus averages the raters present at each point', () => {
    const r = meanConsensus([[1, 2, Number.NaN], [3, Number.NaN, Number.NaN]]);
    expect(Array.from(r.values)).toEqual([2, 2, Number.NaN]);
    expect(Array.from(r.ratersPresent)).toEqual([2, 1, 0]);
    expect(Array.from(r.weights)).toEqual([0.5, 0.5]);
  });

  it('EWE gives a noisy rater a smaller weight and beats the mean when one rater is poor', () => {
    const cols = [noisy(0.1, 1), noisy(0.1, 2), noisy(1.5, 3)];
    const ewe = eweConsensus(cols);
    expect(ewe.weights[2]).toBeLessThan(ewe.weights[0]);
    expect(ewe.weights[2]).toBeLessThan(ewe.weights[1]);
    expect(ewe.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(ccc(ewe.values, truth)).toBeGreaterThan(ccc(meanConsensus(cols).values, truth));
  });

  it('EWE weights are the correlations with the mean of the others, normalised; negative ones get 0', () => {
    const good1 = noisy(0.2, 4);
    const good2 = noisy(0.2, 5);
    const inverted = Float64Array.from(noisy(0.2, 6), (v) => -v);
    const ewe = eweConsensus([good1, good2, inverted]);
    expect(ewe.correlations[2]).toBeLessThan(0);
    expect(ewe.weights[2]).toBe(0);
    expect(ewe.fallback).toBe(false);
  });

  it('leave-one-out mean excludes the rater', () => {
    expect(Array.from(leaveOneOutMean([[1], [3], [5]], 0))).toEqual([4]);
  });

  it('needs two raters for EWE', () => {
    expect(() => eweConsensus([truth])).toThrow(AnnotationError);
  });
});
