import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamInfo } from '../../../../src-main/core/streams/types.js';
import { ModelError } from '../../../../src-main/model/errors.js';
import { HiMoE, batchWindows, disposeBatch } from '../../../../src-main/model/himoe/index.js';
import { checkStreams, selectChannels, loadModel, readManifest, saveModel, type ManifestInfo, type ModelJson } from '../../../../src-main/model/io/index.js';
import { initModelRuntime, tf } from '../../../../src-main/model/runtime/index.js';
import { randomWindow, smallConfig } from '../himoe/fixtures.js';

const INFO: ManifestInfo = {
  name: 'test-himoe',
  normalisation: { method: 'per-subject-robust', description: 'median / IQR per subject and channel' },
  training: { data: 'synthetic:subjects=2,trials=2,seed=1', description: 'Two synthetic subjects.', synthetic: true, subjects: 2 },
  protocol: 'loso',
  metrics: { validation: { valence_ccc: 0.5, arousal_ccc: 0.6 } },
  seed: 42,
  channelUnits: { EEG: ['microvolts', 'microvolts', 'microvolts'] },
};

function stream(id: string, type: string, labels: string[]): StreamInfo {
  return { id, name: id, type, channels: labels.map((label) => ({ label, unit: 'a.u.' })), channelFormat: 'float32', nominalRateHz: 128, sourceId: id.split(':')[0]! };
}

async function expectModelError(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ModelError);
  expect((error as ModelError).code).toBe(code);
  expect((error as ModelError).message).toMatch(message);
}

describe('model files', () => {
  let dir: string;
  let model: HiMoE;
  const config = smallConfig();
  beforeAll(async () => {
    await initModelRuntime({ prefer: 'wasm', log: () => undefined });
    dir = await mkdtemp(join(tmpdir(), 'himoe-model-'));
    model = new HiMoE(config, 42);
    // move the weights away from their initial values so a reload from the seed alone would differ
    for (const v of model.params.variables()) v.assign(tf.tidy(() => tf.add(v, tf.mul(tf.randomUniform(v.shape, -0.1, 0.1, 'float32', 3), 1))));
    await saveModel(dir, model, INFO);
  });
  afterAll(async () => {
    model.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a tfjs model.json whose weightsManifest tf.io.decodeWeights reads back bit for bit', async () => {
    const modelJson = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as ModelJson;
    expect(modelJson.weightsManifest).toHaveLength(1);
    expect(modelJson.weightsManifest[0]!.paths).toEqual(['weights.bin']);
    const bin = await readFile(join(dir, 'weights.bin'));
    const decoded = tf.io.decodeWeights(new Uint8Array(bin).buffer, modelJson.weightsManifest[0]!.weights);
    expect(Object.keys(decoded).sort()).toEqual(model.params.names().sort());
    for (const [name, v] of model.params.entries()) expect(Array.from(decoded[name]!.dataSync())).toEqual(Array.from(v.dataSync()));
    tf.dispose(Object.values(decoded));
  });

  it('reloads a model that predicts exactly what the saved one did', async () => {
    const { model: loaded, manifest } = await loadModel(dir);
    const windows = [randomWindow(config, 1), randomWindow(config, 2, { absent: ['EDA'] })];
    const batch = batchWindows(windows, config);
    const a = model.predict(batch);
    const b = loaded.predict(batch);
    disposeBatch(batch);
    loaded.dispose();
    expect(b.tokens).toEqual(a.tokens);
    expect(b.modalityWeights).toEqual(a.modalityWeights);
    expect(manifest.seed).toBe(42);
  });

  it('loads a manifest written before modalityRouting existed as the shared-router model it describes', async () => {
    const legacyDir = join(dir, 'legacy');
    const shared = new HiMoE(smallConfig({ modalityRouting: 'shared' }), 43);
    await saveModel(legacyDir, shared, INFO);
    const path = join(legacyDir, 'manifest.json');
    const stored = JSON.parse(await readFile(path, 'utf8')) as { architecture: { config: Record<string, unknown> } };
    expect(stored.architecture.config.modalityRouting).toBe('shared');
    delete stored.architecture.config.modalityRouting;
    await writeFile(path, JSON.stringify(stored));
    const { model: loaded } = await loadModel(legacyDir);
    const batch = batchWindows([randomWindow(shared.config, 3)], shared.config);
    const a = shared.predict(batch);
    const b = loaded.predict(batch);
    disposeBatch(batch);
    [shared, loaded].forEach((m) => m.dispose());
    expect(loaded.config.modalityRouting).toBe('shared');
    expect(b.tokens).toEqual(a.tokens);
  });

  it('records architecture, modalities with rates and channel order, normalisation, data, protocol, metrics, seed and versions', async () => {
    const manifest = await readManifest(dir);
    expect(manifest.architecture.config.dModel).toBe(16);
    expect(manifest.architecture.parameters).toBe(model.params.count());
    expect(manifest.modalities.map((m) => [m.modality, m.rateHz, m.channelLabels])).toEqual([['EEG', 32, ['Fz', 'Cz', 'Pz']], ['ECG', 32, ['ECG-II']], ['EDA', 8, ['EDA']]]);
    expect(manifest.modalities[0]!.channelUnits).toEqual(['microvolts', 'microvolts', 'microvolts']);
    expect(manifest.normalisation.method).toBe('per-subject-robust');
    expect(manifest.training.data).toBe('synthetic:subjects=2,trials=2,seed=1');
    expect(manifest.protocol).toBe('loso');
    expect(manifest.metrics?.validation?.arousal_ccc).toBe(0.6);
    expect(manifest.versions.tfjsCore).toBe(tf.version_core);
    expect(manifest.versions.himoe).toMatch(/^\d+\.\d+\.\d+/);
    expect(manifest.versions.backend).toBe('wasm');
    const card = await readFile(join(dir, 'MODEL_CARD.md'), 'utf8');
    expect(card).toMatch(/SYNTHETIC/);
    expect(card).toContain('| EEG | 32 | Fz, Cz, Pz |');
    expect(card).toContain('| arousal_ccc | 0.600 |');
  });

  it('refuses streams that lack a channel the model needs, naming modality, stream and channel', async () => {
    const streams = [stream('dev:eeg', 'EEG', ['Fz', 'Pz', 'O1']), stream('dev:ecg', 'ECG', ['ECG-II'])];
    await expectModelError(loadModel(dir, { streams }), 'channel-mismatch', /EEG: stream "dev:eeg" lacks channel Cz \(the model expects Fz, Cz, Pz\)/);
  });

  it('accepts a missing modality (masked) and reordered channels, and reports both', async () => {
    const streams = [stream('dev:eeg', 'EEG', ['pz', 'O1', 'Cz', 'Fz']), stream('dev:eda', 'EDA', ['EDA'])];
    const { model: loaded, streamCheck } = await loadModel(dir, { streams });
    loaded.dispose();
    expect(streamCheck?.ok).toBe(true);
    expect(streamCheck?.missingModalities).toEqual(['ECG']);
    expect(streamCheck?.matches[0]!.channelIndex).toEqual([3, 2, 0]);
    expect(streamCheck?.matches[0]!.reordered).toBe(true);
    expect(streamCheck?.messages.join('\n')).toMatch(/ECG: no stream of type ECG at hand/);
    expect(streamCheck?.messages.join('\n')).toMatch(/channels O1 are not used/);
  });

  it('reorders a stream\'s samples into the model\'s channel order with the match\'s index map', () => {
    const check = checkStreams({ modalities: [{ modality: 'EEG', rateHz: 32, channelLabels: ['Fz', 'Cz', 'Pz'] }] }, [stream('d:eeg', 'EEG', ['Pz', 'O1', 'Fz', 'Cz'])]);
    const values = new Float32Array([1, 2, 3, 4, 10, 20, 30, 40]); // two samples of Pz, O1, Fz, Cz
    expect(Array.from(selectChannels(values, 4, check.matches[0]!))).toEqual([3, 4, 1, 30, 40, 10]);
    const partial = checkStreams({ modalities: [{ modality: 'EEG', rateHz: 32, channelLabels: ['Fz', 'Cz', 'Pz'] }] }, [stream('d:eeg', 'EEG', ['Fz', 'Cz'])]);
    expect(() => selectChannels(values, 2, partial.matches[0]!)).toThrow(/EEG: stream "d:eeg" lacks model channel 2 \(Pz\)/);
  });

  it('picks, among two streams of a modality, the one with the model\'s channels', () => {
    const check = checkStreams({ modalities: [{ modality: 'ECG', rateHz: 32, channelLabels: ['ECG-II'] }] }, [stream('a:ecg', 'ECG', ['ECG-I']), stream('b:ecg', 'ECG', ['ECG-II'])]);
    expect(check.matches[0]!.streamId).toBe('b:ecg');
    expect(check.ok).toBe(true);
  });

  it('says so when none of the model\'s modalities has a stream', async () => {
    await expectModelError(loadModel(dir, { streams: [stream('x:resp', 'RESP', ['RESP'])] }), 'no-modality', /none of the model's modalities \(EEG, ECG, EDA\)/);
  });

  it('rejects a truncated weights file and a manifest with a bad field', async () => {
    const copy = await mkdtemp(join(tmpdir(), 'himoe-model-bad-'));
    for (const f of ['model.json', 'weights.bin', 'manifest.json']) await writeFile(join(copy, f), await readFile(join(dir, f)));
    await truncate(join(copy, 'weights.bin'), 100);
    await expectModelError(loadModel(copy), 'weights-size', /hold 100 bytes/);
    const manifest = JSON.parse(await readFile(join(copy, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    (manifest.modalities as Array<Record<string, unknown>>)[1]!.rateHz = -1;
    await writeFile(join(copy, 'manifest.json'), JSON.stringify(manifest));
    await expectModelError(loadModel(copy), 'invalid-manifest', /field "modalities\[1\]\.rateHz" must be a positive number/);
    await rm(copy, { recursive: true, force: true });
  });
});
