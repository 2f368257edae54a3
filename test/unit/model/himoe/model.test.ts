import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelWindow } from '../../../../src-main/core/align/types.js';
import { HiMoE, batchWindows, disposeBatch, infoNceLoss, lambdaInit, resolveHiMoEConfig, samplesPerPatch, type HiMoEConfig } from '../../../../src-main/model/himoe/index.js';
import { ModelError } from '../../../../src-main/model/errors.js';
import { initModelRuntime, seededRng, tf } from '../../../../src-main/model/runtime/index.js';
import { cloneWindow, randomTargets, randomWindow, smallConfig } from './fixtures.js';

interface Outputs {
  tokens: Float32Array;
  windows: Float32Array;
  modalityWeights: Float32Array;
  prototypeWeights: Float32Array;
  shapes: number[][];
}

function run(model: HiMoE, windows: ModelWindow[]): Outputs {
  const batch = batchWindows(windows, model.config);
  const out = tf.tidy(() => {
    const o = model.forward(batch);
    return {
      tokens: o.tokenPredictions.dataSync() as Float32Array,
      windows: o.windowPredictions.dataSync() as Float32Array,
      modalityWeights: o.modalityWeights.dataSync() as Float32Array,
      prototypeWeights: o.prototypeWeights.dataSync() as Float32Array,
      shapes: [o.tokenPredictions.shape, o.windowPredictions.shape, o.modalityWeights.shape, o.prototypeWeights.shape, o.lambdas.shape],
    };
  });
  disposeBatch(batch);
  return out;
}

/** Changing samples (and a patch's presence) after token `cut` leaves tokens and modality weights up to `cut` unchanged, and does reach later tokens. */
function expectCausal(model: HiMoE, config: HiMoEConfig, seed: number, cut: number): void {
  const a = randomWindow(config, seed);
  const b = cloneWindow(a);
  for (const spec of config.modalities) {
    const wm = b.modalities[spec.modality]!;
    const S = samplesPerPatch(config, spec);
    for (let k = (cut + 1) * S * wm.channelCount; k < wm.x.length; k++) wm.x[k] = -wm.x[k]! + 3;
    wm.patchPresent[cut + 3] = 0;
  }
  const outA = run(model, [a]);
  const outB = run(model, [b]);
  const D = config.outputs.length;
  const E = outA.modalityWeights.length / outA.tokens.length * D;
  expect(Array.from(outB.tokens.subarray(0, (cut + 1) * D))).toEqual(Array.from(outA.tokens.subarray(0, (cut + 1) * D)));
  expect(Array.from(outB.modalityWeights.subarray(0, (cut + 1) * E))).toEqual(Array.from(outA.modalityWeights.subarray(0, (cut + 1) * E)));
  expect(Array.from(outB.tokens.subarray((cut + 1) * D))).not.toEqual(Array.from(outA.tokens.subarray((cut + 1) * D)));
}

describe('Hi-MoE network', () => {
  let config: HiMoEConfig;
  let model: HiMoE;
  beforeAll(async () => {
    await initModelRuntime({ prefer: ['wasm', 'cpu'], log: () => undefined });
    config = smallConfig();
    model = new HiMoE(config, 7);
  });
  afterAll(() => model.dispose());

  it('returns per-token, per-window, modality-router and prototype outputs of the configured shapes', () => {
    const out = run(model, [randomWindow(config, 1), randomWindow(config, 2)]);
    expect(out.shapes).toEqual([[2, 16, 2], [2, 2], [2, 16, 4], [2, 16, 8], [1]]);
    // One router for both outputs: no per-output weights.
    const batch = batchWindows([randomWindow(config, 1)], config);
    expect(model.predict(batch).outputModalityWeights).toBeUndefined();
    disposeBatch(batch);
    for (const v of out.tokens) expect(Math.abs(v)).toBeLessThanOrEqual(1);
    for (let t = 0; t < 32; t++) {
      let sum = 0;
      for (let e = 0; e < 4; e++) sum += out.modalityWeights[t * 4 + e]!;
      expect(sum).toBeCloseTo(1, 5);
    }
  });

  it('ignores the values of an absent modality and gives its expert exactly zero weight', () => {
    const a = randomWindow(config, 3, { absent: ['EDA'] });
    const b = cloneWindow(a);
    const eda = b.modalities.EDA!;
    for (let i = 0; i < eda.x.length; i++) eda.x[i] = 1000 * Math.sin(i);
    const outA = run(model, [a]);
    const outB = run(model, [b]);
    expect(outB.tokens).toEqual(outA.tokens);
    expect(outB.windows).toEqual(outA.windows);
    expect(outB.prototypeWeights).toEqual(outA.prototypeWeights);
    const edaIndex = config.modalities.findIndex((s) => s.modality === 'EDA');
    for (let t = 0; t < 16; t++) expect(outA.modalityWeights[t * 4 + edaIndex]).toBe(0);
    // and a present modality does get weight
    expect(outA.modalityWeights[15 * 4 + 0]).toBeGreaterThan(0);
  });

  it('ignores the samples of a missing patch (a learned missing token stands in)', () => {
    const a = randomWindow(config, 4, { missingPatches: { EEG: [5, 6] } });
    const b = cloneWindow(a);
    const eeg = b.modalities.EEG!;
    const S = samplesPerPatch(config, config.modalities[0]!);
    // leave a third of the patch's samples "present" but below the half threshold, with wild values
    for (let k = 5 * S; k < 5 * S + S / 4; k++) {
      eeg.mask[k] = 1;
      for (let c = 0; c < 3; c++) eeg.x[k * 3 + c] = 500;
    }
    expect(run(model, [b]).tokens).toEqual(run(model, [a]).tokens);
  });

  it('is causal: changing samples after token i leaves the predictions up to token i unchanged', () => {
    expectCausal(model, config, 5, 9);
  });

  it('sees asynchrony: shifting a modality\'s patch times changes the output', () => {
    const a = randomWindow(config, 6);
    const b = randomWindow(config, 6, { delaySec: { EDA: 0.2 } });
    expect(run(model, [b]).tokens).not.toEqual(run(model, [a]).tokens);
  });

  it('centres the time-aware cross-attention on tau = t + delta_m with the learned lag and width', () => {
    const m = new HiMoE(config, 3);
    const eda = config.modalities.findIndex((sp) => sp.modality === 'EDA');
    const lag = new Float32Array(config.modalities.length);
    lag[eda] = -1; // EDA answers 1 s late: look 1 s back
    m.params.get('align/lag').assign(tf.tensor1d(lag));
    const sigma = 0.3;
    m.params.get('align/sigma_raw').assign(tf.fill([config.modalities.length], Math.log(Math.expm1(sigma - 0.05))));
    const w = randomWindow(config, 12, { missingPatches: { EDA: [10] } });
    const batch = batchWindows([w], config);
    const [bias, width] = tf.tidy(() => [m.alignmentBias(batch).dataSync(), m.alignmentWidthSec().dataSync()]);
    disposeBatch(batch);
    m.dispose();
    expect(width[eda]).toBeCloseTo(sigma, 5);
    const L = 16;
    const row = (i: number) => Array.from(bias.subarray((eda * L + i) * L, (eda * L + i + 1) * L));
    const argmax = (r: number[]) => r.indexOf(Math.max(...r));
    expect(argmax(row(12))).toBe(8); // t_12 - 1 s = patch 8 at 4 Hz
    const tau = w.modalities.EDA!.patchTimesSec;
    const t12 = w.referenceTimesSec[12]!;
    expect(row(12)[9]).toBeCloseTo(-((tau[9]! - t12 + 1) ** 2) / (2 * sigma * sigma), 3);
    expect(row(12)[13]).toBeLessThan(-1e8); // future patch
    expect(row(12)[10]).toBeLessThan(-1e8); // missing patch
    expect(row(12)[2]).toBeLessThan(-1e8); // beyond the 2 s horizon
    // t_14 - 1 s falls on the missing patch 10: its neighbours 9 and 11 (equally far) take over
    expect([9, 11]).toContain(argmax(row(14)));
    expect(row(14)[9]).toBeCloseTo(row(14)[11]!, 3);
  });

  it('computes lambda = exp(lq1.lk1) - exp(lq2.lk2) + lambda_init, lambda_init = 0.8 - 0.6 exp(-0.3 (layer - 1))', () => {
    expect(lambdaInit(1)).toBeCloseTo(0.2, 12);
    expect(lambdaInit(3)).toBeCloseTo(0.8 - 0.6 * Math.exp(-0.6), 12);
    const two = new HiMoE(smallConfig({ emotionLayers: 2 }), 11);
    const v = (n: string) => two.params.get(`emotion/layer2/${n}`).dataSync();
    const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i]!, 0);
    const expected = Math.exp(dot(v('lq1'), v('lk1'))) - Math.exp(dot(v('lq2'), v('lk2'))) + 0.8 - 0.6 * Math.exp(-0.3);
    const got = tf.tidy(() => two.lambda(2).dataSync()[0]!);
    two.dispose();
    expect(got).toBeCloseTo(expected, 5);
  });

  it('differential routing weights of each token sum to 1 - lambda', () => {
    const rng = seededRng(1, 'hn');
    const hnValues = new Float32Array(10 * 16).map(() => rng.gaussian());
    const [sums, lambda] = tf.tidy(() => {
      const { r, lambda } = model.routing(1, tf.tensor2d(hnValues, [10, 16]));
      return [tf.sum(r, 1).dataSync(), lambda.dataSync()[0]!] as const;
    });
    expect(lambda).not.toBe(0);
    for (const s of sums) expect(s).toBeCloseTo(1 - lambda, 5);
  });

  it('InfoNCE is lower when the paired tokens of two modalities align', () => {
    const rng = seededRng(2, 'nce');
    const N = 12;
    const d = 8;
    const a = new Float32Array(N * d).map(() => rng.gaussian());
    const unrelated = new Float32Array(N * d).map(() => rng.gaussian());
    const aligned = a.map((v) => v + 0.05 * rng.gaussian());
    const avail = tf.ones([2, N]);
    const loss = (other: Float32Array) => tf.tidy(() => infoNceLoss(tf.tensor3d([...a, ...other], [2, N, d]), avail, 0.2).dataSync()[0]!);
    const lossUnrelated = loss(unrelated);
    const lossAligned = loss(aligned);
    avail.dispose();
    expect(lossAligned).toBeLessThan(lossUnrelated - 1);
    expect(lossUnrelated).toBeGreaterThan(Math.log(N) - 1.5);
  });

  it('InfoNCE with a stride uses only the last token of each group as anchors', () => {
    const rng = seededRng(3, 'nce');
    const M = 3;
    const N = 16; // 2 windows x 8 tokens, stride 4 -> anchors at tokens 3 and 7 of each window
    const d = 4;
    const values = new Float32Array(M * N * d).map(() => rng.gaussian());
    const changed = values.slice();
    for (let m = 0; m < M; m++) for (const t of [0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14]) for (let k = 0; k < d; k++) changed[(m * N + t) * d + k] = 7;
    const anchorChanged = values.slice();
    anchorChanged[(0 * N + 3) * d] = 5;
    const avail = tf.ones([M, N]);
    const loss = (v: Float32Array) => tf.tidy(() => infoNceLoss(tf.tensor3d(v, [M, N, d]), avail, 0.2, 4, 8).dataSync()[0]!);
    const base = loss(values);
    expect(loss(changed)).toBeCloseTo(base, 5);
    expect(loss(anchorChanged)).not.toBeCloseTo(base, 3);
    avail.dispose();
  });

  it('has a gradient for every parameter on the wasm backend (one training step runs)', () => {
    const windows = [randomWindow(config, 7), randomWindow(config, 8, { absent: ['ECG'] })];
    const batch = batchWindows(windows, config, { targets: [randomTargets(config, 1), randomTargets(config, 2)] });
    const rng = seededRng(3, 'dropout');
    const { grads, value } = tf.variableGrads(() => {
      const out = model.forward(batch, { training: true, rng });
      return model.loss(out, batch).total;
    }, model.params.variables());
    const missing = model.params.entries().filter(([, v]) => grads[v.name] === undefined).map(([n]) => n);
    const nonFinite = Object.entries(grads).filter(([, g]) => g.dataSync().some((x) => !Number.isFinite(x))).map(([n]) => n);
    const loss = value.dataSync()[0]!;
    tf.dispose([value, ...Object.values(grads)]);
    disposeBatch(batch);
    expect(tf.getBackend()).toBe('wasm');
    expect(missing).toEqual([]);
    expect(nonFinite).toEqual([]);
    expect(Number.isFinite(loss)).toBe(true);
  });

  it('runs each ablation (no alignment, plain softmax routing, mean fusion)', () => {
    for (const ablation of [{ alignment: 'none' }, { emotionAttention: 'softmax' }, { fusion: 'mean' }] as const) {
      const m = new HiMoE(smallConfig({ ablation: { alignment: 'full', emotionAttention: 'differential', fusion: 'expert-bank', ...ablation } }), 1);
      const out = run(m, [randomWindow(config, 9, { absent: ['EEG'] })]);
      m.dispose();
      expect(out.shapes[0]).toEqual([1, 16, 2]);
      expect(out.tokens.every(Number.isFinite)).toBe(true);
      expect(out.modalityWeights[0]).toBe(0);
    }
  });

  it('gives each patch its masked samples, its mask and each channel\'s log mean power over the present samples', () => {
    const w = randomWindow(config, 13);
    const eeg = w.modalities.EEG!;
    const S = 8; // 32 Hz / 4 Hz
    eeg.mask[2 * S + 1] = 0; // one missing sample in patch 2
    const batch = batchWindows([w], config);
    const feats = batch.patches[0]!.dataSync();
    const shape = batch.patches[0]!.shape;
    disposeBatch(batch);
    const F = S * 3 + S + 3;
    expect(shape).toEqual([1, 16, F]);
    const row = 2 * F;
    expect(feats[row + 1 * 3 + 0]).toBe(0); // the missing sample's values are 0
    expect(feats[row + S * 3 + 1]).toBe(0); // and its mask slot
    expect(feats[row + S * 3 + 0]).toBe(1);
    for (let c = 0; c < 3; c++) {
      let power = 0;
      for (let s = 0; s < S; s++) if (s !== 1) power += eeg.x[(2 * S + s) * 3 + c]! ** 2;
      expect(feats[row + S * 3 + S + c]).toBeCloseTo(Math.log(power / 7 + 1e-3), 5);
    }
  });

  it('names the modality and the expected channels when a window does not fit the model', () => {
    const w = randomWindow(smallConfig({ modalities: [{ modality: 'EEG', rateHz: 32, channelLabels: ['Fz', 'Cz'] }, { modality: 'ECG', rateHz: 32, channelLabels: ['ECG-II'] }] }), 1);
    let error: unknown;
    try {
      batchWindows([w], config);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).code).toBe('channel-mismatch');
    expect((error as ModelError).message).toMatch(/EEG has 2 channels, the model expects 3 \(Fz, Cz, Pz\)/);
  });

  it('gives the same initial weights for the same seed and different ones for another', () => {
    const a = new HiMoE(config, 5);
    const b = new HiMoE(config, 5);
    const c = new HiMoE(config, 6);
    const w = (m: HiMoE) => Array.from(m.params.get('head/kernel').dataSync());
    expect(w(b)).toEqual(w(a));
    expect(w(c)).not.toEqual(w(a));
    [a, b, c].forEach((m) => m.dispose());
  });
});

describe('Hi-MoE with per-output modality routing', () => {
  let config: HiMoEConfig;
  let model: HiMoE;
  beforeAll(async () => {
    await initModelRuntime({ prefer: ['wasm', 'cpu'], log: () => undefined });
    config = smallConfig({ modalityRouting: 'per-output' });
    model = new HiMoE(config, 8);
  });
  afterAll(() => model.dispose());

  it('routes each output on its own: changing arousal\'s router weights leaves valence unchanged', () => {
    expect(model.routes).toBe(2);
    const E = model.expertCount;
    const windows = [randomWindow(config, 30), randomWindow(config, 31, { absent: ['ECG'] })];
    const before = run(model, windows);
    expect(before.shapes).toEqual([[2, 16, 2], [2, 2], [2, 16, 4], [2, 16, 8], [1]]);
    const kernel = model.params.get('moe/router/kernel');
    const rows = kernel.shape[0]!;
    expect(kernel.shape[1]).toBe(2 * E);
    const values = kernel.dataSync().slice() as Float32Array;
    const original = values.slice();
    // Columns E..2E-1 are route 1 (arousal): push its weight towards the first modality.
    for (let i = 0; i < rows; i++) values[i * 2 * E + E] = values[i * 2 * E + E]! + 3;
    const weights = new Map<string, tf.Tensor>([...model.params.entries()].map(([name, v]) => [name, name === 'moe/router/kernel' ? tf.tensor(values, kernel.shape) : v.clone()]));
    model.params.assign(weights);
    tf.dispose([...weights.values()]);
    const after = run(model, windows);
    const restore = new Map<string, tf.Tensor>([...model.params.entries()].map(([name, v]) => [name, name === 'moe/router/kernel' ? tf.tensor(original, kernel.shape) : v.clone()]));
    model.params.assign(restore);
    tf.dispose([...restore.values()]);
    const column = (t: Float32Array, k: number) => Array.from(t.filter((_, i) => i % 2 === k));
    expect(column(after.tokens, 0)).toEqual(column(before.tokens, 0));
    expect(column(after.tokens, 1)).not.toEqual(column(before.tokens, 1));
  });

  it('ignores an absent modality\'s values and gives its expert weight exactly 0 on every route', () => {
    const a = randomWindow(config, 32, { absent: ['EDA'] });
    const b = cloneWindow(a);
    const eda = b.modalities.EDA!;
    for (let i = 0; i < eda.x.length; i++) eda.x[i] = 1000 * Math.cos(i);
    const outA = run(model, [a]);
    expect(run(model, [b]).tokens).toEqual(outA.tokens);
    const edaIndex = config.modalities.findIndex((s) => s.modality === 'EDA');
    for (let t = 0; t < 16; t++) {
      expect(outA.modalityWeights[t * 4 + edaIndex]).toBe(0);
      let sum = 0;
      for (let e = 0; e < 4; e++) sum += outA.modalityWeights[t * 4 + e]!;
      expect(sum).toBeCloseTo(1, 5);
    }
  });

  it('returns each output\'s own weights, whose mean over the outputs is the reported modality weights', () => {
    const batch = batchWindows([randomWindow(config, 36, { absent: ['ECG'] })], config);
    const p = model.predict(batch);
    disposeBatch(batch);
    const E = model.expertCount;
    const ecg = config.modalities.findIndex((s) => s.modality === 'ECG');
    const routes = p.outputModalityWeights!;
    expect(routes).toHaveLength(16 * 2 * E);
    let differ = 0;
    for (let t = 0; t < 16; t++) {
      for (let e = 0; e < E; e++) {
        const v = routes[(t * 2 + 0) * E + e]!;
        const a = routes[(t * 2 + 1) * E + e]!;
        expect((v + a) / 2).toBeCloseTo(p.modalityWeights[t * E + e]!, 6);
        differ = Math.max(differ, Math.abs(v - a));
      }
      for (const o of [0, 1]) {
        expect(routes[(t * 2 + o) * E + ecg]).toBe(0);
        expect(Array.from(routes.subarray((t * 2 + o) * E, (t * 2 + o + 1) * E)).reduce((x, y) => x + y, 0)).toBeCloseTo(1, 5);
      }
    }
    expect(differ).toBeGreaterThan(1e-4);
    // Mean fusion (the ablation) has no router, so no per-output weights even when asked to route per output.
    const mean = new HiMoE(smallConfig({ modalityRouting: 'per-output', ablation: { alignment: 'full', emotionAttention: 'differential', fusion: 'mean' } }), 9);
    const meanBatch = batchWindows([randomWindow(config, 37)], config);
    expect(mean.routes).toBe(1);
    expect(mean.predict(meanBatch).outputModalityWeights).toBeUndefined();
    disposeBatch(meanBatch);
    mean.dispose();
  });

  it('stays causal', () => {
    expectCausal(model, config, 33, 6);
  });

  it('has a gradient for every parameter on the wasm backend', () => {
    const windows = [randomWindow(config, 34), randomWindow(config, 35, { absent: ['EEG'] })];
    const batch = batchWindows(windows, config, { targets: [randomTargets(config, 3), randomTargets(config, 4)] });
    const rng = seededRng(4, 'dropout');
    const { grads, value } = tf.variableGrads(() => model.loss(model.forward(batch, { training: true, rng }), batch).total, model.params.variables());
    const missing = model.params.entries().filter(([, v]) => grads[v.name] === undefined).map(([n]) => n);
    const finite = Object.values(grads).every((g) => g.dataSync().every(Number.isFinite)) && Number.isFinite(value.dataSync()[0]!);
    tf.dispose([value, ...Object.values(grads)]);
    disposeBatch(batch);
    expect(missing).toEqual([]);
    expect(finite).toBe(true);
  });

  it('is refused with a message naming the field when misspelt', () => {
    expect(() => smallConfig({ modalityRouting: 'per-dimension' as never })).toThrow(/modalityRouting: must be 'shared' or 'per-output'/);
  });
});

describe('Hi-MoE config', () => {
  it('reads a stored config that names no routing (written before the key existed) as the shared router it was written with', () => {
    // A new default routing would break this: such configs would then need resolving apart.
    const { modalityRouting, ...stored } = smallConfig({ modalityRouting: 'shared' });
    expect(modalityRouting).toBe('shared');
    expect(resolveHiMoEConfig(stored)).toEqual(smallConfig({ modalityRouting: 'shared' }));
  });

  it('refuses a key it does not know, naming it, instead of silently using the default', () => {
    expect(() => smallConfig({ modalityRoutng: 'per-output' } as never)).toThrow(/modalityRoutng: is not a Hi-MoE config key/);
    expect(() => smallConfig({ loss: { alpha: 0.5, beta: 0.1, gamma: 0.01, delta: 1 } } as never)).toThrow(/loss\.delta: is not a Hi-MoE config key/);
    expect(() => smallConfig({ ablation: { fusion: 'mean', attention: 'softmax' } } as never)).toThrow(/ablation\.attention: is not a Hi-MoE config key/);
  });
});
