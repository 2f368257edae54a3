import { describe, expect, it } from 'vitest';
import type { ModelWindow } from '../../../../src-main/core/align/types.js';
import { scoreLabelledTokens } from '../../../../src-main/model/evaluate/index.js';
import { tokensWithMostContext } from '../../../../src-main/model/training/index.js';
import { regressionMetrics } from '../../../../src-main/model/metrics.js';
import type { Example, ExamplePrediction } from '../../../../src-main/model/training/index.js';
import { randomWindow, smallConfig } from '../himoe/fixtures.js';

const config = smallConfig();
const outputs = ['valence', 'arousal'];

/** A window of the small config (4 s) ending at `endSec`; windows of these tests do not overlap unless they say so. */
function example(targets: number[], endSec = 100): Example {
  return { window: randomWindow(config, 1, { endSec }), targets: Float32Array.from(targets), subject: 's1', trial: 't1' };
}

/** A window of L tokens at 1 Hz starting at `startSec` (only the times matter to the token choice). */
function timed(subject: string, startSec: number, L: number): Example {
  const referenceTimesSec = Float64Array.from({ length: L }, (_, r) => startSec + r + 0.5);
  const window: ModelWindow = { startSec, endSec: startSec + L, referenceTimesSec, modalities: {}, availability: {} };
  return { window, targets: new Float32Array(L * 2), subject, trial: `${subject}/t1` };
}

function prediction(tokens: number[], scored: number[]): ExamplePrediction {
  return { tokens: Float32Array.from(tokens), window: new Float32Array(2), modalityWeights: new Float32Array(scored.length), prototypeWeights: new Float32Array(scored.length), scored: Uint8Array.from(scored) };
}

describe('scoreLabelledTokens', () => {
  it('scores every labelled token, with neutral (0) where the model had no input, and skips unlabelled tokens', () => {
    // 3 tokens x 2 outputs per window. Window 1: token 2 unlabelled. Window 2: the model has no input at token 0.
    const examples = [example([0.5, 0.1, -0.2, 0.4, Number.NaN, Number.NaN]), example([0.3, -0.6, 0.8, 0.2, -0.1, 0.7], 200)];
    const predictions = [prediction([0.4, 0.2, -0.1, 0.3, 0.9, 0.9], [1, 1, 0]), prediction([0.7, 0.7, 0.6, 0.1, 0, 0.5], [0, 1, 1])];
    const got = scoreLabelledTokens(predictions, examples, outputs);
    const want = regressionMetrics(
      [0.4, 0.2, -0.1, 0.3, 0, 0, 0.6, 0.1, 0, 0.5],
      [0.5, 0.1, -0.2, 0.4, 0.3, -0.6, 0.8, 0.2, -0.1, 0.7],
      outputs,
    );
    expect(got.dimensions.valence!.n).toBe(5);
    for (const d of outputs) {
      expect(got.dimensions[d]!.ccc).toBeCloseTo(want.dimensions[d]!.ccc, 6);
      expect(got.dimensions[d]!.rmse).toBeCloseTo(want.dimensions[d]!.rmse, 6);
    }
  });

  it('scores the same tokens whatever the model had input for: a blind model is scored, and scored as neutral', () => {
    const examples = [example([0.5, 0.1, -0.2, 0.4, 0.3, 0.3])];
    const blind = scoreLabelledTokens([prediction([0.9, 0.9, 0.9, 0.9, 0.9, 0.9], [0, 0, 0])], examples, outputs);
    const seeing = scoreLabelledTokens([prediction([0.5, 0.1, -0.2, 0.4, 0.3, 0.3], [1, 1, 1])], examples, outputs);
    expect(blind.dimensions.valence!.n).toBe(seeing.dimensions.valence!.n);
    expect(blind.dimensions.valence!.ccc).toBe(0);
    expect(blind.dimensions.valence!.rmse).toBeCloseTo(Math.sqrt((0.25 + 0.04 + 0.09) / 3), 6);
    expect(seeing.dimensions.valence!.ccc).toBeCloseTo(1, 6);
  });
});

describe('tokensWithMostContext', () => {
  it('keeps each instant of a subject once, in the earliest-starting window that covers it, whatever the order of the windows', () => {
    // 4 s windows at 1 Hz, hop 2 s: [0, 4), [2, 6), [4, 8); another subject's window at 0 has instants of its own.
    const examples = [timed('a', 4, 4), timed('b', 0, 4), timed('a', 0, 4), timed('a', 2, 4)];
    const keep = tokensWithMostContext(examples).map((k) => Array.from(k));
    expect(keep[2]).toEqual([1, 1, 1, 1]);
    expect(keep[3]).toEqual([0, 0, 1, 1]);
    expect(keep[0]).toEqual([0, 0, 1, 1]);
    expect(keep[1]).toEqual([1, 1, 1, 1]);
  });

  it('keeps every token of windows that do not overlap and none of a window seen twice', () => {
    const examples = [timed('a', 0, 4), timed('a', 10, 4), timed('a', 10, 4)];
    expect(tokensWithMostContext(examples).map((k) => Array.from(k))).toEqual([[1, 1, 1, 1], [1, 1, 1, 1], [0, 0, 0, 0]]);
  });

  it('compares times only within a recording: two sessions of one subject on overlapping clocks each keep their instants', () => {
    const day1 = { ...timed('a', 0, 4), recording: 'day1' };
    const day2 = { ...timed('a', 2, 4), recording: 'day2' };
    expect(tokensWithMostContext([day1, day2]).map((k) => Array.from(k))).toEqual([[1, 1, 1, 1], [1, 1, 1, 1]]);
  });

  it('matches reference times that differ by rounding only', () => {
    const first = timed('a', 0, 4);
    const second = timed('a', 2, 4);
    second.window.referenceTimesSec[1] = 3.5 + 1e-9;
    expect(Array.from(tokensWithMostContext([first, second])[1]!)).toEqual([0, 0, 1, 1]);
  });

  it('makes the evaluation score each instant once: predictions at the tokens of less context are not read', () => {
    const examples = [timed('a', 0, 4), timed('a', 2, 4)];
    examples[0]!.targets.set([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8]);
    examples[1]!.targets.set([0.5, 0.6, 0.7, 0.8, -0.3, 0.1, 0.9, -0.5]);
    // Window 2 repeats window 1's last two instants with wrong predictions; they must not count.
    const predictions = [prediction([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], [1, 1, 1, 1]), prediction([-1, -1, -1, -1, -0.3, 0.1, 0.9, -0.5], [1, 1, 1, 1])];
    const got = scoreLabelledTokens(predictions, examples, outputs);
    expect(got.dimensions.valence!.n).toBe(6);
    expect(got.dimensions.valence!.ccc).toBeCloseTo(1, 6);
    expect(got.dimensions.arousal!.ccc).toBeCloseTo(1, 6);
  });
});
