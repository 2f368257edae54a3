import { describe, expect, it } from 'vitest';
import { scoreLabelledTokens } from '../../../../src-main/model/evaluate/index.js';
import { regressionMetrics } from '../../../../src-main/model/metrics.js';
import type { Example, ExamplePrediction } from '../../../../src-main/model/training/index.js';
import { randomWindow, smallConfig } from '../himoe/fixtures.js';

const config = smallConfig();
const outputs = ['valence', 'arousal'];

function example(targets: number[]): Example {
  return { window: randomWindow(config, 1), targets: Float32Array.from(targets), subject: 's1', trial: 't1' };
}

function prediction(tokens: number[], scored: number[]): ExamplePrediction {
  return { tokens: Float32Array.from(tokens), window: new Float32Array(2), modalityWeights: new Float32Array(scored.length), prototypeWeights: new Float32Array(scored.length), scored: Uint8Array.from(scored) };
}

describe('scoreLabelledTokens', () => {
  it('scores every labelled token, with neutral (0) where the model had no input, and skips unlabelled tokens', () => {
    // 3 tokens x 2 outputs per window. Window 1: token 2 unlabelled. Window 2: the model has no input at token 0.
    const examples = [example([0.5, 0.1, -0.2, 0.4, Number.NaN, Number.NaN]), example([0.3, -0.6, 0.8, 0.2, -0.1, 0.7])];
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
