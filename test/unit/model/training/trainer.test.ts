import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HiMoE } from '../../../../src-main/model/himoe/index.js';
import { initModelRuntime, tf } from '../../../../src-main/model/runtime/index.js';
import { evaluateExamples, learningRateAt, predictExamples, syntheticExamples, trainHiMoE, type Example, type TrainOptions, type TrainProgress } from '../../../../src-main/model/training/index.js';
import { smallConfig } from '../himoe/fixtures.js';

function weights(model: HiMoE): number[] {
  return model.params.variables().flatMap((v) => Array.from(v.dataSync()));
}

describe('Hi-MoE training loop', () => {
  const config = smallConfig({ dModel: 8, heads: 2, temporalLayers: 1 });
  let train: Example[];
  let validation: Example[];
  let dir: string;
  let base: TrainOptions;
  beforeAll(async () => {
    await initModelRuntime({ prefer: 'wasm', log: () => undefined });
    train = syntheticExamples(config, { subjectSeed: 1, durationSec: 60, hopSec: 2 }).examples;
    validation = syntheticExamples(config, { subjectSeed: 2, durationSec: 24, hopSec: 4 }).examples;
    dir = await mkdtemp(join(tmpdir(), 'himoe-train-'));
    base = { config, seed: 5, train, validation, epochs: 3, batchSize: 4, maxStepsPerEpoch: 2, learningRate: 3e-3, warmupSteps: 2 };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('is reproducible: the same seed gives the same weights after 2 steps, another seed does not', async () => {
    const options = { ...base, epochs: 1 };
    const a = await trainHiMoE(options);
    const b = await trainHiMoE(options);
    const c = await trainHiMoE({ ...options, seed: 6 });
    expect(a.steps).toBe(2);
    expect(weights(b.model)).toEqual(weights(a.model));
    expect(weights(c.model)).not.toEqual(weights(a.model));
    [a, b, c].forEach((r) => r.model.dispose());
  });

  it('reports epoch, losses, validation metrics, learning rate and ETA, and leaks no tensor from epoch to epoch', async () => {
    const progress: TrainProgress[] = [];
    const tensors: number[] = [];
    const result = await trainHiMoE({ ...base, patience: 10, onProgress: (p) => {
      progress.push(p);
      tensors.push(tf.memory().numTensors);
    } });
    result.model.dispose();
    expect(progress.map((p) => p.epoch)).toEqual([1, 2, 3]);
    expect(progress.map((p) => p.steps)).toEqual([2, 4, 6]);
    for (const p of progress) {
      for (const v of Object.values(p.trainLoss)) expect(Number.isFinite(v)).toBe(true);
      expect(p.trainLoss.alignment).toBeGreaterThan(0);
      expect(p.validation.dimensions.valence!.n).toBeGreaterThan(0);
      expect(Number.isFinite(p.validation.dimensions.arousal!.rmse)).toBe(true);
      expect(p.etaSec).toBeGreaterThanOrEqual(0);
    }
    expect(progress[2]!.etaSec).toBe(0);
    for (const p of progress) expect(p.learningRate).toBeCloseTo(learningRateAt(p.steps - 1, 6, 3e-3, 2, 1e-5), 12);
    expect(new Set(tensors).size).toBe(1);
  });

  it('stops early when the validation CCC does not improve and returns the best epoch\'s weights', async () => {
    const options = { ...base, epochs: 6, patience: 2, minDelta: 10 };
    const result = await trainHiMoE(options);
    const controller = new AbortController();
    const afterEpoch1 = await trainHiMoE({ ...options, signal: controller.signal, onProgress: () => controller.abort() });
    expect(result.stoppedEarly).toBe(true);
    expect(result.history).toHaveLength(3);
    expect(result.bestEpoch).toBe(1);
    expect(weights(result.model)).toEqual(weights(afterEpoch1.model));
    [result, afterEpoch1].forEach((r) => r.model.dispose());
  });

  it('resumes from the checkpoint of an interrupted run to exactly the weights of an uninterrupted one', async () => {
    const full = await trainHiMoE({ ...base, patience: 10 });
    const controller = new AbortController();
    const ckpt = join(dir, 'resume');
    const first = await trainHiMoE({ ...base, patience: 10, checkpointDir: ckpt, signal: controller.signal, onProgress: (p) => {
      if (p.epoch === 1) controller.abort();
    } });
    expect(first.interrupted).toBe(true);
    expect((await stat(join(ckpt, 'checkpoint.json'))).size).toBeGreaterThan(0);
    const resumed = await trainHiMoE({ ...base, patience: 10, checkpointDir: ckpt, resume: true });
    expect(resumed.resumedFromEpoch).toBe(1);
    expect(resumed.history.map((p) => p.epoch)).toEqual([1, 2, 3]);
    expect(resumed.bestEpoch).toBe(full.bestEpoch);
    expect(weights(resumed.model)).toEqual(weights(full.model));
    [full, first, resumed].forEach((r) => r.model.dispose());
  });

  it('resumes a shared-router run from a checkpoint that names no routing, and refuses it to a per-output run', async () => {
    const shared = { ...base, config: { ...config, modalityRouting: 'shared' as const }, patience: 10, epochs: 2 };
    const controller = new AbortController();
    const ckpt = join(dir, 'legacy');
    const first = await trainHiMoE({ ...shared, checkpointDir: ckpt, signal: controller.signal, onProgress: () => controller.abort() });
    const metaPath = join(ckpt, 'checkpoint.json');
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as { config: Record<string, unknown> };
    expect(meta.config.modalityRouting).toBe('shared');
    delete meta.config.modalityRouting;
    await writeFile(metaPath, JSON.stringify(meta));
    const tensors = tf.memory().numTensors;
    await expect(trainHiMoE({ ...shared, config: { ...config, modalityRouting: 'per-output' }, checkpointDir: ckpt, resume: true })).rejects.toThrow(/written for another seed or config/);
    expect(tf.memory().numTensors).toBe(tensors);
    const resumed = await trainHiMoE({ ...shared, checkpointDir: ckpt, resume: true });
    expect(resumed.resumedFromEpoch).toBe(1);
    expect(resumed.history.map((p) => p.epoch)).toEqual([1, 2]);
    [first, resumed].forEach((r) => r.model.dispose());
  });

  it('refuses to resume a version 1 checkpoint, whose best validation score was taken on every token', async () => {
    const controller = new AbortController();
    const ckpt = join(dir, 'v1');
    const first = await trainHiMoE({ ...base, epochs: 2, checkpointDir: ckpt, signal: controller.signal, onProgress: () => controller.abort() });
    first.model.dispose();
    const metaPath = join(ckpt, 'checkpoint.json');
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as { version: number };
    expect(meta.version).toBe(2);
    await writeFile(metaPath, JSON.stringify({ ...meta, version: 1 }));
    const tensors = tf.memory().numTensors;
    await expect(trainHiMoE({ ...base, epochs: 2, checkpointDir: ckpt, resume: true })).rejects.toThrow(/version 1 Hi-MoE checkpoint; .*start a fresh run/);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('predicts examples one by one with routing weights, and scores exactly the labelled tokens', async () => {
    const { model } = await trainHiMoE({ ...base, epochs: 1 });
    const preds = predictExamples(model, validation, 3);
    expect(preds).toHaveLength(validation.length);
    expect(preds[0]!.tokens.length).toBe(16 * 2);
    expect(preds[0]!.modalityWeights.length).toBe(16 * 4);
    expect(preds[0]!.prototypeWeights.length).toBe(16 * 8);
    const metrics = evaluateExamples(model, validation, 5);
    // Overlapping windows (2 s hop of 4 s): each instant is scored once, as the evaluation's test
    // scores it, so early stopping selects on the test's metric.
    const overlapping = syntheticExamples(config, { subjectSeed: 2, durationSec: 24, hopSec: 2 }).examples;
    const once = evaluateExamples(model, overlapping, 5);
    model.dispose();
    const scored = preds.reduce((n, p) => n + p.scored.reduce((a, b) => a + b, 0), 0);
    expect(metrics.dimensions.valence!.n).toBe(scored);
    expect(scored).toBe(validation.length * 16); // every token of these fully recorded windows has a label
    const instants = new Set(overlapping.flatMap((e) => Array.from(e.window.referenceTimesSec, (t) => t.toFixed(3))));
    expect(overlapping.length * 16).toBeGreaterThan(1.5 * instants.size);
    expect(once.dimensions.valence!.n).toBe(instants.size);
  });

  it('warms the learning rate up linearly, then decays it along a cosine to the floor', () => {
    expect(learningRateAt(0, 100, 1e-3, 10, 1e-5)).toBeCloseTo(1e-4, 12);
    expect(learningRateAt(9, 100, 1e-3, 10, 1e-5)).toBeCloseTo(1e-3, 12);
    expect(learningRateAt(55, 100, 1e-3, 10, 1e-5)).toBeCloseTo(1e-5 + 0.5 * (1e-3 - 1e-5), 12);
    expect(learningRateAt(100, 100, 1e-3, 10, 1e-5)).toBeCloseTo(1e-5, 12);
  });
});
