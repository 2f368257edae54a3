import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelWindow } from '../../../../src-main/core/align/types.js';
import { DEFAULT_HIMOE_CONFIG, HiMoE, HiMoEInference, batchWindows, disposeBatch, type HiMoEConfig, type InferencePrediction, type Normalisation, type Prediction } from '../../../../src-main/model/himoe/index.js';
import { ModelError } from '../../../../src-main/model/errors.js';
import { initModelRuntime, seededRng, tf } from '../../../../src-main/model/runtime/index.js';
import { randomWindow, smallConfig } from './fixtures.js';

/** Move every weight away from its initial value (gains off 1, shifts off 0) so that a wrongly folded one shows. */
function perturb(model: HiMoE, seed: number, std = 0.3): void {
  const rng = seededRng(seed, 'perturb');
  const weights = new Map<string, tf.Tensor>();
  for (const [name, v] of model.params.entries()) {
    const values = v.dataSync().slice() as Float32Array;
    for (let i = 0; i < values.length; i++) values[i]! += std * rng.gaussian();
    weights.set(name, tf.tensor(values, v.shape));
  }
  model.params.assign(weights);
  tf.dispose([...weights.values()]);
}

function reference(model: HiMoE, windows: ModelWindow[], normalisation?: Normalisation): Prediction {
  const batch = batchWindows(windows, model.config, normalisation !== undefined ? { normalisation } : {});
  try {
    return model.predict(batch);
  } finally {
    disposeBatch(batch);
  }
}

/** Max |a - b| over the rows (of `width` values) where `rowValid` is 1 (all rows without it). */
function maxAbsDiff(a: Float32Array, b: Float32Array, rowValid?: Float32Array, width = 1): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) if (rowValid === undefined || rowValid[Math.floor(i / width)] === 1) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/**
 * Same outputs within `tolerance`. Per-token outputs are compared on valid tokens (some modality
 * available): at a token without any, every key of the temporal attention is masked and
 * HiMoE.forward's scores there are float32 roundings of -1e9 + q.k, which the inference path does
 * not reproduce; those tokens are left out of the window mean and sent as NaN by the live runner.
 */
function expectSamePrediction(fast: InferencePrediction, slow: Prediction, tolerance = 1e-5): void {
  expect(fast.size).toBe(slow.size);
  expect(fast.tokensPerWindow).toBe(slow.tokensPerWindow);
  expect(fast.outputs).toEqual(slow.outputs);
  expect(fast.experts).toEqual(slow.experts);
  const valid = fast.tokenValid;
  const checks: Array<[string, number]> = [
    ['tokens', maxAbsDiff(fast.tokens, slow.tokens, valid, fast.outputs.length)],
    ['prototypeWeights', maxAbsDiff(fast.prototypeWeights, slow.prototypeWeights, valid, fast.prototypeWeights.length / valid.length)],
    ['windows', maxAbsDiff(fast.windows, slow.windows)],
    ['modalityWeights', maxAbsDiff(fast.modalityWeights, slow.modalityWeights)],
    ['lambdas', maxAbsDiff(fast.lambdas, slow.lambdas)],
  ];
  // Per-output routing: each output's own weights, in the same [B, L, D, experts] layout.
  expect(fast.outputModalityWeights === undefined).toBe(slow.outputModalityWeights === undefined);
  if (fast.outputModalityWeights !== undefined) {
    expect(fast.outputModalityWeights.length).toBe(fast.modalityWeights.length * fast.outputs.length);
    checks.push(['outputModalityWeights', maxAbsDiff(fast.outputModalityWeights, slow.outputModalityWeights!)]);
  }
  for (const [key, diff] of checks) expect(diff, `${key}: max |diff| ${diff}`).toBeLessThan(tolerance);
  for (const x of fast.tokens) expect(Number.isFinite(x)).toBe(true);
}

/** Windows covering what the live runner meets: all present, an absent modality, missing patches, device delays, a window with only one modality. */
function mixedWindows(config: HiMoEConfig, seed: number): ModelWindow[] {
  return [
    randomWindow(config, seed),
    randomWindow(config, seed + 1, { absent: ['ECG'], missingPatches: { EEG: [0, 1, 2, 9] }, delaySec: { EDA: 0.37 } }),
    randomWindow(config, seed + 2, { absent: config.modalities.slice(1).map((s) => s.modality), missingPatches: { EEG: [0, 1, 2, 3, 4, 5] } }),
    randomWindow(config, seed + 3, { delaySec: { EEG: 0.1, ECG: 1.2 }, missingPatches: { ECG: [3, 4, 5, 6, 7] } }),
  ];
}

describe('Hi-MoE inference path', () => {
  beforeAll(async () => {
    await initModelRuntime({ prefer: ['wasm', 'cpu'], log: () => undefined });
  });

  describe('small config', () => {
    let model: HiMoE;
    let inference: HiMoEInference;
    beforeAll(() => {
      model = new HiMoE(smallConfig(), 11);
      perturb(model, 1);
      inference = new HiMoEInference(model);
    });
    afterAll(() => {
      inference.dispose();
      model.dispose();
    });

    it('gives HiMoE.predict\'s outputs (max |diff| < 1e-5) on windows with absent modalities, missing patches and delays', () => {
      const windows = mixedWindows(model.config, 20);
      expectSamePrediction(inference.predict(windows), reference(model, windows));
      for (const w of windows) expectSamePrediction(inference.predict([w]), reference(model, [w]));
    });

    it('gives an absent modality\'s expert exactly zero weight, as HiMoE.predict does', () => {
      const w = randomWindow(model.config, 5, { absent: ['ECG'] });
      const fast = inference.predict([w]);
      const E = fast.experts.length;
      const ecg = fast.experts.indexOf('ECG');
      for (let i = 0; i < fast.tokensPerWindow; i++) expect(fast.modalityWeights[i * E + ecg]).toBe(0);
    });

    it('reuses its buffers without carrying anything from one call to the next', () => {
      const [w1, w2] = mixedWindows(model.config, 40);
      const first = inference.predict([w1!]);
      inference.predict([w2!]);
      inference.predict([w1!, w2!]);
      const again = inference.predict([w1!]);
      expect(again.tokens).toEqual(first.tokens);
      expect(again.modalityWeights).toEqual(first.modalityWeights);
      expect(again.prototypeWeights).toEqual(first.prototypeWeights);
    });

    it('applies the normalisation it is given, as batchWindows does', () => {
      const w = randomWindow(model.config, 9);
      const normalisation: Normalisation = { EEG: { center: [0.5, -0.2, 0.1], scale: [2, 0.5, 1.5] }, EDA: { center: [1], scale: [3] } };
      const fast = inference.predict([w], { normalisation });
      expectSamePrediction(fast, reference(model, [w], normalisation));
      expect(maxAbsDiff(fast.tokens, inference.predict([w]).tokens)).toBeGreaterThan(1e-4);
    });

    it('reports which tokens are valid (some modality available)', () => {
      const config = model.config;
      const w = randomWindow(config, 3, { absent: ['ECG', 'EDA'], missingPatches: { EEG: [0, 1, 2, 3] } });
      const p = inference.predict([w]);
      const batch = batchWindows([w], config);
      expect(p.tokenValid).toEqual(batch.tokenValid.dataSync());
      disposeBatch(batch);
      expect(p.tokenValid[0]).toBe(0);
      expect(p.tokenValid[p.tokensPerWindow - 1]).toBe(1);
    });

    it('leaves no tensor behind per prediction, and none after dispose', () => {
      const w = randomWindow(model.config, 13);
      inference.predict([w]);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) inference.predict([w]);
      expect(tf.memory().numTensors).toBe(before);
      const other = new HiMoEInference(model);
      expect(tf.memory().numTensors).toBeGreaterThan(before);
      other.predict([w]);
      other.predict([w, w]);
      other.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it('rejects an empty batch and a window that does not fit the model, naming what is wrong', () => {
      expect(() => inference.predict([])).toThrow(ModelError);
      const wrong = randomWindow(smallConfig({ windowSec: 2 }), 1);
      expect(() => inference.predict([wrong])).toThrow(/reference tokens/);
    });
  });

  for (const ablation of [{ alignment: 'none' }, { emotionAttention: 'softmax' }, { fusion: 'mean' }] as const) {
    it(`matches HiMoE.predict with ablation ${JSON.stringify(ablation)}`, () => {
      const model = new HiMoE(smallConfig({ ablation: { ...DEFAULT_HIMOE_CONFIG.ablation, ...ablation }, emotionLayers: 2, encoderLayers: 2 }), 3);
      perturb(model, 2, 0.2); // two encoder and emotion layers: 0.3 saturates them (float32 reordering alone reaches ~1e-5)
      const inference = new HiMoEInference(model);
      const windows = mixedWindows(model.config, 60);
      expectSamePrediction(inference.predict(windows), reference(model, windows));
      inference.dispose();
      model.dispose();
    });
  }

  for (const layers of [1, 2]) {
    it(`matches HiMoE.predict with per-output modality routing (${layers} temporal and emotion layer(s))`, () => {
      const model = new HiMoE(smallConfig({ modalityRouting: 'per-output', temporalLayers: layers, emotionLayers: layers }), 4);
      expect(model.routes).toBe(2);
      perturb(model, 5, 0.2);
      const inference = new HiMoEInference(model);
      const windows = mixedWindows(model.config, 70);
      expectSamePrediction(inference.predict(windows), reference(model, windows));
      for (const w of windows) expectSamePrediction(inference.predict([w]), reference(model, [w]));
      inference.dispose();
      model.dispose();
    });
  }

  it('matches HiMoE.predict with per-output routing when there are more outputs than modalities', () => {
    // Three routes over one modality: the per-route buffers must not be sized by the modality count.
    const eeg = smallConfig().modalities[0]!;
    const model = new HiMoE(smallConfig({ modalities: [eeg], outputs: ['valence', 'arousal', 'dominance'], modalityRouting: 'per-output' }), 6);
    perturb(model, 6, 0.2);
    const inference = new HiMoEInference(model);
    const windows = [randomWindow(model.config, 90), randomWindow(model.config, 91, { missingPatches: { EEG: [0, 1, 7] } })];
    expectSamePrediction(inference.predict(windows), reference(model, windows));
    inference.dispose();
    model.dispose();
  });

  it('matches HiMoE.predict for the default config (the live model\'s shape)', () => {
    const model = new HiMoE(DEFAULT_HIMOE_CONFIG, 1);
    // Smaller moves than for the small config: at 0.3 its 1 088-wide EEG patches drive the network
    // into saturation, where float32 reordering alone shows up at ~3e-5.
    perturb(model, 3, 0.1);
    const inference = new HiMoEInference(model);
    const windows = mixedWindows(model.config, 80);
    for (const w of windows) expectSamePrediction(inference.predict([w]), reference(model, [w]));
    inference.dispose();
    model.dispose();
  });

  it('gives the same outputs on the cpu backend, which keeps uploaded arrays instead of copying them', async () => {
    const previous = tf.getBackend();
    await initModelRuntime({ prefer: 'cpu', log: () => undefined });
    try {
      const model = new HiMoE(smallConfig(), 5);
      perturb(model, 4);
      const inference = new HiMoEInference(model);
      const windows = mixedWindows(model.config, 100);
      // Two calls: the second reuses (and overwrites) every buffer the first uploaded from.
      inference.predict(windows.slice(0, 2));
      expectSamePrediction(inference.predict(windows), reference(model, windows));
      inference.dispose();
      model.dispose();
    } finally {
      await initModelRuntime({ prefer: previous as 'wasm' | 'cpu', log: () => undefined });
    }
  });
});
