// The workstation runs live inference when given a model: predictions become a recorded
// PREDICTION stream; a model that does not fit the streams is reported, the session goes on.
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../../src-main/api/contract.js';
import { predictionHandlers } from '../../../src-main/engine/prediction-handlers.js';
import { WorkstationService } from '../../../src-main/engine/workstation-service.js';
import { HiMoE } from '../../../src-main/model/himoe/index.js';
import { saveModel } from '../../../src-main/model/io/index.js';
import { initModelRuntime } from '../../../src-main/model/runtime/index.js';
import { readXdf } from '../../../src-main/storage/xdf/xdf-reader.js';
import { smallConfig } from '../model/himoe/fixtures.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let dir: string;
let modelDir: string;

beforeAll(async () => {
  await initModelRuntime({ prefer: 'wasm', log: () => undefined });
  dir = await mkdtemp(join(tmpdir(), 'himoe-ws-live-'));
  modelDir = join(dir, 'model');
  const model = new HiMoE(smallConfig({ dropout: 0 }), 3);
  await saveModel(modelDir, model, {
    name: 'wiring-test',
    normalisation: { method: 'per-subject-robust', description: 'estimated live' },
    training: { data: 'none', description: 'Untrained: the wiring, not accuracy, is tested.', synthetic: true, subjects: 0 },
    seed: 3,
  });
  model.dispose();
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function service(record: string) {
  const events: ApiEvent[] = [];
  const s = new WorkstationService({ modelDir, planRecording: async () => ({ path: join(dir, record), finish: async () => {} }) });
  s.onEvent((e) => events.push(e));
  return { s, events };
}

describe('WorkstationService with a model', () => {
  it('records a PREDICTION stream during the session when the model fits', async () => {
    const { s, events } = service('fits.xdf');
    // smallConfig's EEG montage is Fz, Cz, Pz: the default 32-channel synthetic montage has them.
    await s.call('session.start', { source: 'synthetic', modalities: ['EEG', 'ECG', 'EDA'], seed: 2, record: true, subject: 'P1', notes: '' });
    expect(s.status().streams.some((st) => st.type === 'PREDICTION')).toBe(true);
    await sleep(3000);
    await s.call('session.stop', {});
    expect(events.filter((e) => e.kind === 'error')).toEqual([]);
    const file = await readXdf(join(dir, 'fits.xdf'));
    const pred = file.streams.find((st) => st.info.type === 'PREDICTION');
    expect(pred?.timestamps.length).toBeGreaterThan(1);
    const values = pred!.timeSeries as Float32Array;
    const valence = values[(pred!.timestamps.length - 1) * pred!.channelCount];
    expect(Math.abs(valence)).toBeLessThanOrEqual(1);
  });

  it('reports a model that does not fit the streams and records the session without predictions', async () => {
    const { s, events } = service('nofit.xdf');
    await s.call('session.start', { source: 'synthetic', modalities: ['PPG'], seed: 2, record: true, subject: 'P2', notes: '' });
    await sleep(500);
    await s.call('session.stop', {});
    const err = events.find((e) => e.kind === 'error');
    expect(err && 'message' in err ? err.message : '').toMatch(/no live predictions/);
    const file = await readXdf(join(dir, 'nofit.xdf'));
    expect(file.streams.some((st) => st.info.type === 'PREDICTION')).toBe(false);
    expect(file.streams.find((st) => st.info.type === 'PPG')?.timestamps.length).toBeGreaterThan(10);
  });

  it('runs a model of the workspace models/ chosen for the session, lists the models a session can run, and refuses an unknown one before starting', async () => {
    // The workspace's models/: a copy of the model under another name, one with a broken manifest,
    // one folder that is not a model name.
    const modelsDir = join(dir, 'ws-models');
    await cp(modelDir, join(modelsDir, 'fold2-himoe'), { recursive: true });
    await mkdir(join(modelsDir, 'broken'), { recursive: true });
    await writeFile(join(modelsDir, 'broken', 'manifest.json'), '{"format": "himoe-model"');
    await mkdir(join(modelsDir, 'not a name'), { recursive: true });
    const events: ApiEvent[] = [];
    const s = new WorkstationService({ modelsDir, planRecording: async () => ({ path: join(dir, 'chosen.xdf'), finish: async () => {} }), handlers: predictionHandlers({ modelsDir }) });
    s.onEvent((e) => events.push(e));

    const listed = await s.call('prediction.models', {});
    expect(listed.configured).toBeNull();
    expect(listed.models.map((m) => m.name)).toEqual(['broken', 'fold2-himoe']);
    expect(listed.models[1]).toMatchObject({ path: join(modelsDir, 'fold2-himoe'), modelName: 'wiring-test', trainedOn: 'none', synthetic: true, problem: null, modalities: ['EEG 32 Hz', 'ECG 32 Hz', 'EDA 8 Hz'] });
    expect(listed.models[0]!.problem).toMatch(/broken.manifest\.json: not valid JSON/);
    const withDefault = new WorkstationService({ modelDir, modelsDir, planRecording: async () => ({ path: join(dir, 'unused.xdf'), finish: async () => {} }), handlers: predictionHandlers({ modelsDir }) });
    expect((await withDefault.call('prediction.models', {})).configured).toMatchObject({ name: null, path: modelDir, modelName: 'wiring-test', problem: null });

    // Without a configured model no session predicts; choosing one makes this session predict with it.
    await expect(s.call('session.start', { source: 'synthetic', modalities: ['EEG', 'ECG', 'EDA'], seed: 2, record: false, subject: '', notes: '', model: 'nope' })).rejects.toMatchObject({ code: 'NO_MODEL', message: expect.stringMatching(/model "nope": .* is not a model folder/) });
    expect(s.status().state).toBe('idle');
    await s.call('session.start', { source: 'synthetic', modalities: ['EEG', 'ECG', 'EDA'], seed: 2, record: true, subject: 'P3', notes: '', model: 'fold2-himoe' });
    expect(s.modelDir).toBe(join(modelsDir, 'fold2-himoe'));
    expect(s.status().streams.some((st) => st.type === 'PREDICTION')).toBe(true);
    await sleep(2000);
    const status = await s.call('prediction.status', { historySec: 30 });
    expect(status.modelConfigured).toBe(true);
    expect(status.layout?.modelName).toBe('wiring-test');
    await s.call('session.stop', {});
    expect(events.filter((e) => e.kind === 'error')).toEqual([]);
    expect(s.modelDir).toBeNull();
    const file = await readXdf(join(dir, 'chosen.xdf'));
    expect(file.streams.find((st) => st.info.type === 'PREDICTION')?.timestamps.length).toBeGreaterThan(1);
  });
});
