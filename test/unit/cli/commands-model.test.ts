// himoe synth-corpus / train / predict end to end on a tiny corpus and a tiny model config.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initModelRuntime, loadModel } from '../../../src-main/model/index.js';
import { XdfWriter, readXdf } from '../../../src-main/storage/xdf/index.js';
import { himoe } from './run-cli.js';

const CONFIG = {
  model: {
    modalities: [
      { modality: 'EEG', rateHz: 32, channelLabels: ['Fz', 'Cz', 'Pz'] },
      { modality: 'ECG', rateHz: 32, channelLabels: ['ECG-II'] },
      { modality: 'EDA', rateHz: 8, channelLabels: ['EDA'] },
    ],
    windowSec: 4,
    dModel: 8,
    heads: 2,
    temporalLayers: 1,
    alignHorizonSec: 2,
  },
  train: { batchSize: 4, maxStepsPerEpoch: 2, warmupSteps: 1, hopSec: 4 },
};

describe('himoe synth-corpus, train and predict', () => {
  let dir: string;
  let corpus: string;
  let configPath: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'himoe-cli-model-'));
    corpus = join(dir, 'corpus');
    configPath = join(dir, 'config.json');
    await writeFile(configPath, JSON.stringify(CONFIG));
    await initModelRuntime({ prefer: 'wasm', log: () => undefined });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('synth-corpus writes one readable XDF per subject with a GROUND_TRUTH stream and a manifest of subjects and stimuli', async () => {
    const run = await himoe('synth-corpus', '--subjects', '2', '--trials', '1', '--seed', '3', '--out', corpus);

    expect(run.code, run.err).toBe(0);
    const manifest = JSON.parse(await readFile(join(corpus, 'corpus.json'), 'utf8')) as { trials: number; subjects: Array<{ file: string; seed: number; stimuli: unknown[] }> };
    expect(manifest.trials).toBe(1);
    expect(manifest.subjects.map((s) => s.seed)).toEqual([3001, 3002]);
    for (const s of manifest.subjects) {
      expect(s.stimuli).toHaveLength(1);
      const xdf = await readXdf(join(corpus, s.file));
      const types = xdf.streams.map((x) => x.info.type);
      expect(types).toEqual(expect.arrayContaining(['EEG', 'ECG', 'EDA', 'PPG', 'RESP', 'GROUND_TRUTH', 'MARKER']));
      const gt = xdf.streams.find((x) => x.info.type === 'GROUND_TRUTH')!;
      expect(gt.info.channels.map((c) => c.label)).toEqual(['valence', 'arousal']);
      expect(gt.timestamps.length).toBeGreaterThan(1000);
    }
  });

  it('train on xdf:DIR writes a loadable model whose manifest names the data and the seed, with one progress line per epoch', async () => {
    const out = join(dir, 'model-xdf');

    const run = await himoe('train', '--data', `xdf:${corpus}`, '--config', configPath, '--epochs', '2', '--seed', '4', '--out', out);

    expect(run.code, run.err).toBe(0);
    const epochLines = run.err.split('\n').filter((l) => l.startsWith('epoch '));
    expect(epochLines).toHaveLength(2);
    expect(epochLines[0]).toMatch(/^epoch 1\/2 {2}loss [-\d.]+ .*val CCC valence [-\d.]+ arousal [-\d.]+ mean .* ETA \d+ s$/);
    const { model, manifest } = await loadModel(out);
    expect(manifest.training.data).toBe(`xdf:${corpus}`);
    expect(manifest.seed).toBe(4);
    expect(manifest.training.subjects).toBe(2);
    expect(manifest.training.synthetic).toBe(true);
    expect(manifest.modalities.map((m) => m.modality)).toEqual(['EEG', 'ECG', 'EDA']);
    expect(await readFile(join(out, 'MODEL_CARD.md'), 'utf8')).toContain('SYNTHETIC');
    model.dispose();
  });

  it('train on a synthetic SPEC records the spec and seed in the manifest', async () => {
    const out = join(dir, 'model-synth');

    const run = await himoe('train', '--data', 'synthetic:subjects=2,trials=1,seed=1', '--config', configPath, '--epochs', '1', '--seed', '9', '--out', out);

    expect(run.code, run.err).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { seed: number; training: { data: string; subjects: number } };
    expect(manifest.training).toMatchObject({ data: 'synthetic:subjects=2,trials=1,seed=1', subjects: 2 });
    expect(manifest.seed).toBe(9);
  });

  it('predict writes a CSV with session time, outputs and routing weights, one row per window', async () => {
    const csv = join(dir, 'pred.csv');
    const session = join(corpus, 'synthetic-3002.xdf');

    const run = await himoe('predict', '--model', join(dir, 'model-xdf'), '--in', session, '--out', csv, '--hop', '2');

    expect(run.code, run.err).toBe(0);
    const lines = (await readFile(csv, 'utf8')).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^# .*session_time_s: .*seconds/);
    expect(lines[1]).toBe('session_time_s,valence,arousal,weight_EEG,weight_ECG,weight_EDA,weight_shared0');
    const rows = lines.slice(2).map((l) => l.split(',').map(Number));
    const xdf = await readXdf(session);
    const eeg = xdf.streams.find((s) => s.info.type === 'EEG')!;
    const spanSec = eeg.timestamps[eeg.timestamps.length - 1]! - eeg.timestamps[0]!;
    expect(rows.length).toBe(Math.floor((spanSec - 4) / 2 + 1e-9) + 1);
    for (const r of rows) {
      expect(r).toHaveLength(7);
      expect(r.slice(1, 3).every((v) => Math.abs(v) <= 1)).toBe(true);
      expect(r.slice(3).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    }
    expect(rows[1]![0]! - rows[0]![0]!).toBeCloseTo(2, 6);
  });

  it('predict adds each output\'s own routing weights for a model with per-output modality routing', async () => {
    const perOutputConfig = join(dir, 'config-per-output.json');
    await writeFile(perOutputConfig, JSON.stringify({ ...CONFIG, model: { ...CONFIG.model, modalityRouting: 'per-output' } }));
    const modelDir = join(dir, 'model-per-output');
    const train = await himoe('train', '--data', `xdf:${corpus}`, '--config', perOutputConfig, '--epochs', '1', '--out', modelDir);
    expect(train.code, train.err).toBe(0);
    const csv = join(dir, 'pred-per-output.csv');

    const run = await himoe('predict', '--model', modelDir, '--in', join(corpus, 'synthetic-3002.xdf'), '--out', csv, '--hop', '2');

    expect(run.code, run.err).toBe(0);
    const lines = (await readFile(csv, 'utf8')).trimEnd().split('\n');
    expect(lines[0]).toMatch(/<output>_weight_\*: that output's own routing weight/);
    const experts = ['EEG', 'ECG', 'EDA', 'shared0'];
    expect(lines[1]!.split(',')).toEqual(['session_time_s', 'valence', 'arousal', ...experts.map((e) => `weight_${e}`), ...['valence', 'arousal'].flatMap((o) => experts.map((e) => `${o}_weight_${e}`))]);
    const rows = lines.slice(2).map((l) => l.split(',').map(Number));
    expect(rows.length).toBeGreaterThan(1);
    for (const r of rows) {
      expect(r).toHaveLength(15);
      const [mean, valence, arousal] = [r.slice(3, 7), r.slice(7, 11), r.slice(11, 15)];
      expect(valence.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
      expect(arousal.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
      for (let e = 0; e < 4; e++) expect(Math.abs(mean[e]! - (valence[e]! + arousal[e]!) / 2)).toBeLessThan(2e-4);
    }
  });

  it('a bad data SPEC exits 1 naming the wrong field', async () => {
    const run = await himoe('train', '--data', 'synthetic:subjects=0', '--out', join(dir, 'never'));

    expect(run.code).toBe(1);
    expect(run.err).toContain('subjects must be an integer >= 1');
  });

  it('an xdf SPEC whose sessions lack GROUND_TRUTH exits 1 saying so', async () => {
    const bare = join(dir, 'bare');
    await mkdir(bare);
    const w = await XdfWriter.create(join(bare, 'eda-only.xdf'));
    const info = { id: 'dev:eda', name: 'EDA', type: 'EDA', channels: [{ label: 'EDA', unit: 'microsiemens' }], channelFormat: 'float32' as const, nominalRateHz: 8, sourceId: 'dev' };
    const id = w.addStream(info);
    const n = 8 * 20;
    w.appendChunk(id, { streamId: info.id, values: Float32Array.from({ length: n }, (_, i) => 2 + Math.sin(i / 10)), timestamps: Float64Array.from({ length: n }, (_, i) => i / 8), firstIndex: 0 });
    await w.close();
    const runPromise = himoe('train', '--data', `xdf:${bare}`, '--config', configPath, '--out', join(dir, 'never2'));

    const run = await runPromise;

    expect(run.code).toBe(1);
    expect(run.err).toMatch(/no GROUND_TRUTH stream/);
  });

  it('predict with a missing model directory exits 1 naming the missing manifest', async () => {
    const run = await himoe('predict', '--model', join(dir, 'no-model'), '--in', join(corpus, 'synthetic-3001.xdf'));

    expect(run.code).toBe(1);
    expect(run.err).toContain(join(dir, 'no-model', 'manifest.json'));
  });
});

describe('data loading progress line', () => {
  it('says "i/n" when the subject count is known and "i" alone while it is not (DREAMER is counted as it is read)', async () => {
    const { dataProgressLine } = await import('../../../src-main/cli/commands-model.js');
    expect(dataProgressLine('s03', 2, 23)).toBe('data 3/23: s03\n');
    expect(dataProgressLine('s01', 0, 0)).toBe('data 1: s01\n');
  });
});
