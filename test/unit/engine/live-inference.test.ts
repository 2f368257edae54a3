import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyntheticSession } from '../../../src-main/acquisition/synthetic/synthetic-session.js';
import type { SessionChunk } from '../../../src-main/engine/session-engine.js';
import { SessionEngine } from '../../../src-main/engine/session-engine.js';
import { LiveInferenceRunner, type LiveInferenceOptions } from '../../../src-main/engine/live-inference.js';
import { ModelError } from '../../../src-main/model/errors.js';
import { HiMoE } from '../../../src-main/model/himoe/index.js';
import { saveModel } from '../../../src-main/model/io/index.js';
import { initModelRuntime } from '../../../src-main/model/runtime/index.js';
import { smallConfig } from '../model/himoe/fixtures.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A real-time synthetic session with EEG (Fz, Cz, Pz) and ECG only: the model's EDA is absent. */
function liveSession(eegChannels = ['Fz', 'Cz', 'Pz']) {
  const synthetic = new SyntheticSession({ seed: 5, modalities: ['EEG', 'ECG'], pacing: 'realtime', eeg: { channels: eegChannels } });
  const engine = new SessionEngine({ clock: synthetic.clock, bufferSec: 20 });
  for (const source of synthetic.sources) engine.addSource(source);
  const predictions: Array<{ tSec: number; values: Float32Array; receivedAtSec: number; workerTensors: number }> = [];
  let runner: LiveInferenceRunner | undefined;
  engine.subscribe((event) => {
    if (event.kind !== 'chunk' || event.chunk.streamId !== 'himoe:prediction') return;
    const chunk: SessionChunk = event.chunk;
    predictions.push({ tSec: chunk.timestampsSec[0]!, values: Float32Array.from(chunk.values as Float32Array), receivedAtSec: synthetic.clock.nowSec(), workerTensors: runner?.stats().workerTensors ?? Number.NaN });
  });
  const attach = (options: LiveInferenceOptions) => (runner = new LiveInferenceRunner(engine, options));
  return { synthetic, engine, predictions, attach };
}

describe('LiveInferenceRunner', () => {
  let modelDir: string;
  const config = smallConfig({ dropout: 0 });

  beforeAll(async () => {
    await initModelRuntime({ prefer: 'wasm', log: () => undefined });
    modelDir = await mkdtemp(join(tmpdir(), 'himoe-live-'));
    const model = new HiMoE(config, 3);
    await saveModel(modelDir, model, {
      name: 'live-test',
      normalisation: { method: 'per-subject-robust', description: 'median / IQR per subject and channel, estimated live' },
      training: { data: 'none', description: 'Untrained: the runner, not accuracy, is tested.', synthetic: true, subjects: 0 },
      seed: 3,
    });
    model.dispose();
  });
  afterAll(async () => {
    await rm(modelDir, { recursive: true, force: true });
  });

  it('publishes a PREDICTION sample about every hop, stamped at the window end, with valence/arousal in [-1, 1] and 0 weight for the absent modality', async () => {
    const { engine, predictions, attach } = liveSession();
    const runner = attach({ modelDir, hopSec: 0.25, backend: 'wasm' });
    const layout = await runner.start();
    await engine.start();
    const t0 = engine.clock.nowSec();
    await sleep(3000);
    const runSec = engine.clock.nowSec() - t0;
    await runner.stop();
    await engine.release();

    const info = engine.streamInfos.find((s) => s.id === 'himoe:prediction')!;
    expect(info.type).toBe('PREDICTION');
    expect(info.nominalRateHz).toBe(4);
    expect(info.channels.map((c) => c.label)).toEqual(['valence', 'arousal', 'weight_EEG', 'weight_ECG', 'weight_EDA', ...Array.from({ length: 8 }, (_, k) => `prototype_${k}`)]);
    expect(info.channels.every((c) => c.unit === 'a.u.')).toBe(true);
    expect(layout.inputs.map((i) => i.modality)).toEqual(['EEG', 'ECG']);
    expect(layout.normalisation).toBe('live-per-subject');

    const hops = runSec / 0.25;
    expect(predictions.length).toBeGreaterThanOrEqual(Math.floor(0.5 * hops));
    expect(predictions.length + runner.skippedWindows).toBeGreaterThanOrEqual(Math.floor(hops) - 1);
    for (const p of predictions) {
      expect(Math.abs(p.tSec / 0.25 - Math.round(p.tSec / 0.25))).toBeLessThan(1e-6);
      expect(p.tSec).toBeLessThanOrEqual(p.receivedAtSec);
      expect(p.values).toHaveLength(13);
      expect(p.values[4]).toBe(0);
    }
    // Windows with data at their end (the first may precede the first samples: NaN, weights 0).
    const withData = predictions.filter((p) => Number.isFinite(p.values[0]));
    expect(withData.length).toBeGreaterThanOrEqual(Math.floor(0.4 * hops));
    for (const p of withData) {
      for (const v of p.values.subarray(0, 2)) expect(Math.abs(v)).toBeLessThanOrEqual(1);
      expect(p.values[2]! + p.values[3]!).toBeGreaterThan(0);
    }
    const steps = predictions.slice(1).map((p, i) => p.tSec - predictions[i]!.tSec);
    expect(steps.every((s) => s > 0.25 - 1e-6)).toBe(true);
    // No tensor leak in the worker: its tensor count is the same after every prediction.
    expect(new Set(predictions.map((p) => p.workerTensors)).size).toBe(1);
    const stats = runner.stats();
    expect(stats.latencyMs.count).toBe(predictions.length);
    expect(stats.latencyMs.medianMs).toBeGreaterThan(0);
    expect(stats.latencyMs.p99Ms).toBeGreaterThanOrEqual(stats.latencyMs.medianMs);
    expect(stats.mainThreadMs.count).toBe(stats.postedWindows);
  }, 30_000);

  it('publishes each output\'s own modality weights after the prototypes when the model routes per output', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'himoe-live-per-output-'));
    try {
      const model = new HiMoE(smallConfig({ dropout: 0, modalityRouting: 'per-output' }), 3);
      await saveModel(dir, model, { name: 'live-per-output', normalisation: { method: 'per-subject-robust', description: 'estimated live' }, training: { data: 'none', description: 'Untrained.', synthetic: true, subjects: 0 }, seed: 3 });
      model.dispose();
      const { engine, predictions, attach } = liveSession();
      const runner = attach({ modelDir: dir, hopSec: 0.25, backend: 'wasm' });
      const layout = await runner.start();
      await engine.start();
      await sleep(2000);
      await runner.stop();
      await engine.release();

      expect(layout.modalityRouting).toBe('per-output');
      const labels = engine.streamInfos.find((s) => s.id === 'himoe:prediction')!.channels.map((c) => c.label);
      const perOutput = ['valence', 'arousal'].flatMap((o) => ['EEG', 'ECG', 'EDA'].map((m) => `${o}_weight_${m}`));
      expect(labels).toEqual(['valence', 'arousal', 'weight_EEG', 'weight_ECG', 'weight_EDA', ...Array.from({ length: 8 }, (_, k) => `prototype_${k}`), ...perOutput]);
      const withData = predictions.filter((p) => Number.isFinite(p.values[0]));
      expect(withData.length).toBeGreaterThanOrEqual(2);
      for (const p of withData) {
        expect(p.values).toHaveLength(19);
        const valence = p.values.subarray(13, 16);
        const arousal = p.values.subarray(16, 19);
        // EDA is absent: exactly 0 on both routes; the weight_ channels are the routes' mean.
        expect([valence[2], arousal[2]]).toEqual([0, 0]);
        for (let m = 0; m < 3; m++) expect(p.values[2 + m]!).toBeCloseTo((valence[m]! + arousal[m]!) / 2, 6);
        expect(valence[0]! + valence[1]!).toBeLessThanOrEqual(1 + 1e-6);
        expect(arousal[0]! + arousal[1]!).toBeGreaterThan(0);
      }
      expect(withData.some((p) => Math.abs(p.values[13]! - p.values[16]!) > 1e-4)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('skips and counts the windows that come while the worker is still busy', async () => {
    const { engine, predictions, attach } = liveSession();
    const runner = attach({ modelDir, hopSec: 0.2, backend: 'wasm', testDelayMs: 700 });
    await runner.start();
    await engine.start();
    await sleep(2500);
    await runner.stop();
    await engine.release();

    const stats = runner.stats();
    expect(predictions.length).toBeGreaterThanOrEqual(1);
    // each window holds the worker >= 0.7 s, i.e. >= 3 hops of 0.2 s
    expect(runner.skippedWindows).toBeGreaterThanOrEqual(2 * predictions.length);
    expect(stats.latencyMs.medianMs).toBeGreaterThanOrEqual(700);
    expect(stats.postedWindows).toBeLessThanOrEqual(predictions.length + 1);
  }, 30_000);

  it('stop() terminates the worker: no prediction arrives afterwards while acquisition goes on', async () => {
    const { engine, predictions, attach } = liveSession();
    const runner = attach({ modelDir, hopSec: 0.1, backend: 'wasm' });
    await runner.start();
    await engine.start();
    await sleep(1200);
    expect(runner.workerRunning).toBe(true);
    await runner.stop();
    const count = predictions.length;
    const samplesBefore = engine.stats().find((s) => s.info.id === 'synthetic:eeg')!.receivedSamples;
    await sleep(600);
    const samplesAfter = engine.stats().find((s) => s.info.id === 'synthetic:eeg')!.receivedSamples;
    await engine.release();

    expect(count).toBeGreaterThan(0);
    expect(runner.workerRunning).toBe(false);
    expect(predictions.length).toBe(count);
    expect(samplesAfter).toBeGreaterThan(samplesBefore);
  }, 30_000);

  it('rejects with a ModelError naming the missing channel when the streams do not match the model', async () => {
    const { engine, attach } = liveSession(['Fz', 'Cz']);
    const runner = attach({ modelDir, backend: 'wasm' });

    let error: unknown;
    try {
      await runner.start();
    } catch (e) {
      error = e;
    }
    await engine.release();

    expect(error).toBeInstanceOf(ModelError);
    expect((error as ModelError).code).toBe('channel-mismatch');
    expect((error as ModelError).message).toMatch(/EEG.*Pz/);
    expect(runner.workerRunning).toBe(false);
    expect(engine.streamInfos.some((s) => s.id === 'himoe:prediction')).toBe(false);
  }, 30_000);
});
