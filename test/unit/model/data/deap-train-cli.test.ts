// `himoe train --data deap:DIR` end to end through the command line's main(): a tiny DEAP
// directory in the release's pickle format (fixtures.py), a small model, one epoch.
import { mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initModelRuntime } from '../../../../src-main/model/index.js';
import { validateManifest } from '../../../../src-main/model/io/manifest.js';
import { himoe } from '../../cli/run-cli.js';
import { makeTempDir, pyFixture } from '../../storage/datasets/fixture-helpers.js';

const CONFIG = {
  model: {
    modalities: [
      { modality: 'EEG', rateHz: 32, channelLabels: ['Fz', 'Cz', 'Pz', 'AF3', 'AF4'] },
      { modality: 'ECG', rateHz: 32, channelLabels: ['ECG-II'] },
      { modality: 'EDA', rateHz: 8, channelLabels: ['EDA'] },
      { modality: 'PPG', rateHz: 16, channelLabels: ['PPG'] },
    ],
    windowSec: 4,
    dModel: 8,
    heads: 2,
    temporalLayers: 1,
    alignHorizonSec: 2,
  },
  train: { batchSize: 4, maxStepsPerEpoch: 2, warmupSteps: 1, hopSec: 2 },
};

let tmp: ReturnType<typeof makeTempDir>;
let deap: string;
let configPath: string;

beforeAll(async () => {
  tmp = makeTempDir('himoe-deap-train-');
  deap = join(tmp.dir, 'deap', 'data_preprocessed_python');
  mkdirSync(deap, { recursive: true });
  // Two subjects, 3 and 2 trials of 3 s baseline + 8 s.
  pyFixture('pickle', join(deap, 's01.dat'), '--style', 'py2', '--protocol', '2', '--trials', '3', '--samples', String(11 * 128));
  pyFixture('pickle', join(deap, 's02.dat'), '--style', 'py2', '--protocol', '2', '--trials', '2', '--samples', String(11 * 128));
  configPath = join(tmp.dir, 'config.json');
  writeFileSync(configPath, JSON.stringify(CONFIG));
  await initModelRuntime({ prefer: 'wasm', log: () => undefined });
});
afterAll(() => tmp.cleanup());

describe('himoe train --data deap:DIR', () => {
  it('trains one epoch and records the DEAP data, its subjects and trials in the manifest and the card', async () => {
    const out = join(tmp.dir, 'model');
    const data = `deap:${join(tmp.dir, 'deap')}`;

    const run = await himoe('train', '--data', data, '--config', configPath, '--epochs', '1', '--seed', '2', '--out', out);

    expect(run.code, run.err).toBe(0);
    expect(run.err).toContain('data 1/2: s01');
    expect(run.err).toContain('data 2/2: s02');
    // 8 s trials, 4 s windows every 2 s: 3 windows per trial; s02 (2 trials) is held out.
    expect(run.err).toMatch(/^9 training \/ 6 validation windows; hold-out subject: trained on 1 subject\(s\), validated \(early stopping\) on s02$/m);
    const manifest = validateManifest(JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')));
    expect(manifest.training).toMatchObject({ data, synthetic: false, subjects: 2, trials: 5, windows: 15, epochs: 1 });
    expect(manifest.training.description).toMatch(/^DEAP \(preprocessed, 128 Hz\): 2 subject file\(s\)/);
    expect(manifest.training.description).toContain('ECG: not recorded in DEAP, masked as absent');
    expect(manifest.training.description).toContain("EDA: model channel EDA from DEAP's GSR");
    expect(manifest.training.description).toContain("PPG: model channel PPG from DEAP's Plethysmograph");
    const card = await readFile(join(out, 'MODEL_CARD.md'), 'utf8');
    expect(card).not.toContain('SYNTHETIC');
    expect(card).toContain(`data: \`${data}\``);
  });

  it('a model EEG channel DEAP lacks exits 1 naming it', async () => {
    const bad = join(tmp.dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...CONFIG, model: { ...CONFIG.model, modalities: [{ modality: 'EEG', rateHz: 32, channelLabels: ['Fz', 'TP10'] }] } }));

    const run = await himoe('train', '--data', `deap:${join(tmp.dir, 'deap')}`, '--config', bad, '--epochs', '1', '--out', join(tmp.dir, 'never'));

    expect(run.code).toBe(1);
    expect(run.err).toMatch(/DEAP has no EEG channel TP10/);
  });
});
