// A guard for EVALUATION_VERSION, which is part of every evaluation's fingerprint so that
// `--resume` never mixes results computed under two definitions: digests of what the evaluation
// computes beyond its options (the robustness perturbations, the training augmentations, the
// token scoring of the test and of training's validation) on fixed inputs. A change to any of them fails here, and the failure says to bump
// the version. Training itself (the loop, the model) is not covered: its numbers depend on the
// backend, so it has no digest that would hold on every machine.

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ModelWindow } from '../../../../src-main/core/align/types.js';
import { DEFAULT_ROBUSTNESS_GRID, EVALUATION_VERSION, lateFusionWeights, perturbExamples, scoreLabelledTokens, type PerturbationKind, type Regressor } from '../../../../src-main/model/evaluate/index.js';
import { seededRng } from '../../../../src-main/model/runtime/index.js';
import { augmentWindow } from '../../../../src-main/model/training/augment.js';
import type { Example, ExamplePrediction } from '../../../../src-main/model/training/index.js';
import { randomWindow, smallConfig } from '../himoe/fixtures.js';

/** The digests of the current version; change them only together with EVALUATION_VERSION. */
const GOLDEN = {
  version: 4,
  perturbations: '5b72d39c79ba8d73',
  augmentation: 'df8f13766b34fe7a',
  scoring: 'a9848dc2f0ea7290',
  validation: '174bb3c4cc8f5f4a',
};

const config = smallConfig();
const outputs = ['valence', 'arousal'];

/** Rounded, so that a last-bit difference in Math functions between machines does not count as a change. */
function digest(values: Iterable<number>): string {
  const hash = createHash('sha256');
  for (const v of values) hash.update(Number.isFinite(v) ? v.toFixed(5) : String(v)).update(',');
  return hash.digest('hex').slice(0, 16);
}

function* windowNumbers(w: ModelWindow): Generator<number> {
  for (const m of Object.keys(w.modalities).sort()) {
    const wm = w.modalities[m as keyof typeof w.modalities]!;
    yield* wm.x;
    yield* wm.mask;
    yield* wm.patchTimesSec;
    yield* wm.patchPresent;
  }
}

/** Two subjects; subject s1's windows overlap (hop 1 s of 4 s windows), so the scoring's choice of tokens matters. */
function examples(): Example[] {
  const L = Math.round(config.windowSec * config.tokenRateHz);
  const ends = [['s1', 100], ['s1', 101], ['s1', 102], ['s2', 100]] as const;
  return ends.map(([subject, endSec], i) => {
    const targets = Float32Array.from({ length: L * 2 }, (_, k) => Math.sin(0.37 * k + i));
    return { window: randomWindow(config, 11 + i, { endSec }), targets, subject, trial: `${subject}/t1` };
  });
}

function predictions(ex: readonly Example[]): ExamplePrediction[] {
  return ex.map((e, i) => {
    const L = e.window.referenceTimesSec.length;
    const tokens = Float32Array.from(e.targets, (y, k) => y * 0.8 + 0.1 * Math.cos(k + 3 * i));
    const scored = Uint8Array.from({ length: L }, (_, r) => ((r + i) % 7 === 0 ? 0 : 1));
    return { tokens, window: new Float32Array(2), modalityWeights: new Float32Array(L), prototypeWeights: new Float32Array(L), scored };
  });
}

const bump = (what: string) => `${what} changed: results of older evaluations are no longer comparable. Bump EVALUATION_VERSION in src-main/model/evaluate/evaluate.ts (say what changed in its comment) and set the digests here.`;

describe('EVALUATION_VERSION guard', () => {
  it('is the version the digests were taken at', () => {
    expect(EVALUATION_VERSION, 'EVALUATION_VERSION was bumped: set GOLDEN.version and the digests of this version').toBe(GOLDEN.version);
  });

  it('robustness perturbations', () => {
    const ex = examples();
    const all: number[] = [];
    for (const kind of Object.keys(DEFAULT_ROBUSTNESS_GRID) as PerturbationKind[]) {
      for (const level of DEFAULT_ROBUSTNESS_GRID[kind]) {
        for (const e of perturbExamples(ex, { kind, level }, 1007, 'EEG')) all.push(...windowNumbers(e.window));
      }
    }
    expect(digest(all), bump('A robustness perturbation (or the grid)')).toBe(GOLDEN.perturbations);
  });

  it('training augmentations', () => {
    const rng = seededRng(5, 'augment');
    const all: number[] = [];
    for (let round = 0; round < 8; round++) for (const e of examples()) all.push(...windowNumbers(augmentWindow(e.window, rng)));
    expect(digest(all), bump('A training augmentation (or its defaults)')).toBe(GOLDEN.augmentation);
  });

  it('token scoring', () => {
    const ex = examples();
    const m = scoreLabelledTokens(predictions(ex), ex, outputs);
    const numbers = outputs.flatMap((d) => [m.dimensions[d]!.n, m.dimensions[d]!.ccc, m.dimensions[d]!.pcc, m.dimensions[d]!.rmse]);
    expect(digest(numbers), bump('The scoring of test tokens')).toBe(GOLDEN.scoring);
  });

  it('validation scoring (early stopping and late fusion\'s member weights select on it)', () => {
    const ex = examples();
    // Two members that predict the fixed predictions, one of them scaled: their weights are their
    // validation CCCs, computed by the scorer training's validation uses.
    const member = (gain: number): Regressor => ({
      arch: 'eeg-only',
      parameters: 0,
      training: [],
      predict: (e) => predictions(e).map((p) => ({ ...p, tokens: p.tokens.map((v, k) => v * gain + 0.05 * Math.sin(k * gain)) })),
      hiMoENetworks: () => [],
      dispose: () => undefined,
    });
    const weights = lateFusionWeights([member(1), member(0.5), member(-1)], ex, outputs);
    expect(digest(weights.flat()), bump('The scoring of validation tokens')).toBe(GOLDEN.validation);
  });
});
