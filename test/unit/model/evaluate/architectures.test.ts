import { beforeAll, describe, expect, it } from 'vitest';
import { batchWindows, disposeBatch } from '../../../../src-main/model/himoe/index.js';
import { EarlyFusion, LateFusion, archConfig, lateFusionWeights, trainArchitecture, type Regressor } from '../../../../src-main/model/evaluate/index.js';
import { initModelRuntime, tf } from '../../../../src-main/model/runtime/index.js';
import type { Example, ExamplePrediction } from '../../../../src-main/model/training/index.js';
import { cloneWindow, randomTargets, randomWindow, smallConfig } from '../himoe/fixtures.js';

const config = smallConfig({ dModel: 8, heads: 2, temporalLayers: 1 });

function examples(n: number, seed: number): Example[] {
  return Array.from({ length: n }, (_, i) => ({ window: randomWindow(config, seed + i), targets: randomTargets(config, seed + i), subject: 's', trial: 's/t' }));
}

/** A stand-in member predicting the same per-token values (2 tokens x 2 outputs) for every window. */
function member(values: number[], scored: number[]): Regressor {
  const L = scored.length;
  return {
    arch: 'eeg-only',
    parameters: 1,
    training: [],
    predict: (ex) => ex.map((): ExamplePrediction => ({ tokens: Float32Array.from(values), window: new Float32Array(2), modalityWeights: new Float32Array(L * 2), prototypeWeights: new Float32Array(L), scored: Uint8Array.from(scored) })),
    hiMoENetworks: () => [],
    dispose: () => undefined,
  };
}

describe('evaluation architectures', () => {
  beforeAll(async () => {
    await initModelRuntime({ prefer: ['wasm', 'cpu'], log: () => undefined });
  });

  it('derives each architecture\'s config from the run\'s: ablation switches and the EEG-only modality set', () => {
    expect(archConfig('ablation-no-alignment', config).ablation.alignment).toBe('none');
    expect(archConfig('ablation-softmax-attention', config).ablation.emotionAttention).toBe('softmax');
    expect(archConfig('ablation-mean-fusion', config).ablation.fusion).toBe('mean');
    expect(archConfig('eeg-only', config).modalities.map((s) => s.modality)).toEqual(['EEG']);
    expect(archConfig('himoe', config)).toEqual(config);
    expect(() => archConfig('eeg-only', { ...config, modalities: config.modalities.filter((s) => s.modality !== 'EEG') })).toThrow(/needs EEG/);
  });

  it('early fusion is causal: changing the last patch leaves earlier token predictions unchanged', () => {
    const model = new EarlyFusion(config, 3);
    const w = randomWindow(config, 1);
    const changed = cloneWindow(w);
    const eeg = changed.modalities.EEG!;
    const tail = eeg.samplesPerPatch * eeg.channelCount;
    for (let i = eeg.x.length - tail; i < eeg.x.length; i++) eeg.x[i] = eeg.x[i]! + 5;
    const predict = (win: typeof w) => {
      const batch = batchWindows([win], config);
      const p = model.predict(batch);
      disposeBatch(batch);
      return p.tokens;
    };
    const a = predict(w);
    const b = predict(changed);
    const L = a.length / 2;
    expect(Array.from(b.subarray(0, (L - 1) * 2))).toEqual(Array.from(a.subarray(0, (L - 1) * 2)));
    expect(b[(L - 1) * 2]).not.toBe(a[(L - 1) * 2]);
    model.dispose();
  });

  it('early fusion\'s loss is (1 - CCC) + alpha MSE, with zero alignment and balance terms', () => {
    const model = new EarlyFusion(config, 3);
    const ex = examples(2, 5);
    const batch = batchWindows(ex.map((e) => e.window), config, { targets: ex.map((e) => e.targets) });
    const [total, ccc, mse, alignment, balance] = tf.tidy(() => {
      const l = model.loss(model.forward(batch), batch);
      return [l.total, l.ccc, l.mse, l.alignment, l.balance].map((t) => t.dataSync()[0]!);
    });
    disposeBatch(batch);
    expect(alignment).toBe(0);
    expect(balance).toBe(0);
    expect(total).toBeCloseTo(ccc! + config.loss.alpha * mse!, 5);
    model.dispose();
  });

  it('early fusion trains through the shared loop without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    const r = await trainArchitecture('early-fusion', { config, train: examples(8, 1), validation: examples(4, 50), options: { seed: 1, epochs: 2, batchSize: 4, maxStepsPerEpoch: 2 } });
    expect(r.arch).toBe('early-fusion');
    expect(r.training[0]!.epochs).toBe(2);
    expect(r.predict(examples(3, 90))).toHaveLength(3);
    r.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('late fusion averages the unimodal predictions available at each token and scores where any is', () => {
    // Token 0: both modalities (mean); token 1: only the second one.
    const a = member([0.2, -0.4, 9, 9], [1, 0]);
    const b = member([0.6, 0.0, -0.5, 0.5], [1, 1]);
    const late = new LateFusion([a, b], new Set(), 2, 1, []);
    const [p] = late.predict(examples(1, 1));
    expect(Array.from(p!.tokens)).toEqual([Math.fround(0.4), Math.fround(-0.2), -0.5, 0.5].map(Math.fround));
    expect(Array.from(p!.scored)).toEqual([1, 1]);
    expect(Array.from(p!.modalityWeights)).toEqual([0.5, 0.5, 0, 0, 1, 0]);
    expect(p!.window[0]).toBeCloseTo((0.4 - 0.5) / 2, 6);
  });

  it('late fusion weights each available member per output (equal where every available weight is 0)', () => {
    // Valence weights 3:1, arousal weights 0:0 (equal). Token 1: only b is available.
    const a = member([0.2, -0.4, 9, 9], [1, 0]);
    const b = member([0.6, 0.0, -0.5, 0.5], [1, 1]);
    const late = new LateFusion([a, b], new Set(), 2, 1, [], [[0.6, 0], [0.2, 0]]);
    const [p] = late.predict(examples(1, 1));
    expect(p!.tokens[0]).toBeCloseTo(0.75 * 0.2 + 0.25 * 0.6, 6);
    expect(p!.tokens[1]).toBeCloseTo(-0.2, 6);
    expect(Array.from(p!.tokens.subarray(2))).toEqual([-0.5, 0.5]);
    // Shares averaged over the outputs: a (0.75 + 0.5) / 2, b (0.25 + 0.5) / 2.
    expect(p!.modalityWeights[0]).toBeCloseTo(0.625, 6);
    expect(p!.modalityWeights[1]).toBeCloseTo(0.375, 6);
    expect(() => new LateFusion([a, b], new Set(), 2, 1, [], [[1, 1]])).toThrow(/one non-negative weight per member/);
    expect(() => new LateFusion([a, b], new Set(), 2, 1, [], [[1, -1], [1, 1]])).toThrow(/non-negative/);
  });

  it('late fusion weights come from each member\'s validation CCC per output, floored at 0', () => {
    const val = examples(3, 20);
    // A member that predicts the targets has CCC 1; one that predicts their negation has CCC -1 -> weight 0.
    const oracle = (sign: number): Regressor => ({
      arch: 'eeg-only',
      parameters: 1,
      training: [],
      predict: (ex) => ex.map((e): ExamplePrediction => ({ tokens: e.targets.map((v) => (Number.isNaN(v) ? 0 : sign * v)), window: new Float32Array(2), modalityWeights: new Float32Array(0), prototypeWeights: new Float32Array(0), scored: Uint8Array.from({ length: e.targets.length / 2 }, (_, r) => (Number.isNaN(e.targets[2 * r]!) ? 0 : 1)) })),
      hiMoENetworks: () => [],
    dispose: () => undefined,
    });
    const w = lateFusionWeights([oracle(1), oracle(-1)], val, config.outputs);
    expect(w[0]!.map((v) => Number(v.toFixed(6)))).toEqual([1, 1]);
    expect(w[1]).toEqual([0, 0]);
  });

  it('late fusion reuses a given eeg-only model as its EEG member and disposes only its own members', async () => {
    const o = { config, train: examples(8, 1), validation: examples(4, 50), options: { seed: 1, epochs: 1, batchSize: 4, maxStepsPerEpoch: 1 } };
    const eegOnly = await trainArchitecture('eeg-only', o);
    const late = await trainArchitecture('late-fusion', o, { eegOnly });
    expect(late.training.map((t) => t.member)).toEqual(['late-fusion/EEG (the eeg-only model)', 'late-fusion/ECG', 'late-fusion/EDA']);
    for (const t of late.training) expect(Object.keys(t.fusionWeights ?? {})).toEqual(config.outputs);
    expect(late.parameters).toBeGreaterThan(eegOnly.parameters);
    late.dispose();
    // The eeg-only model still works after the late fusion is gone.
    expect(eegOnly.predict(examples(1, 7))).toHaveLength(1);
    eegOnly.dispose();
  });
});
