// Short soak (bench/soak.ts with 10 simulated minutes): every modality with 32-ch EEG, live
// signal quality, live Hi-MoE inference (a small model trained for 2 steps) and recording.
// Nothing generated is missing from the file, every hop is a prediction or a counted skip, the
// worker leaks no tensor, and memory stops growing once the live buffers are full.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inferenceProblems, runSoak, soakModelConfig, trainSoakModel, type SoakResult } from '../../bench/soak.js';
import { readXdf } from '../../src-main/storage/xdf/index.js';

const dir = mkdtempSync(join(tmpdir(), 'himoe-soak-test-'));
const modelDir = join(dir, 'model');
let r: SoakResult;

beforeAll(async () => {
  await trainSoakModel(modelDir, soakModelConfig('small'));
  r = await runSoak(10, dir, { modelDir });
}, 240_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('soak (10 simulated minutes, live inference)', () => {
  it('records exactly the samples generated, per stream, predictions included', async () => {
    const file = await readXdf(join(dir, 'soak.xdf'), { synchronizeClocks: false, dejitter: false });
    const inFile = new Map(file.streams.map((s) => [s.id, s.timestamps.length]));

    expect(r.streams.length).toBeGreaterThanOrEqual(12); // 5 modalities, ground truth, markers, 5 quality streams, predictions
    const eeg = file.streams.find((s) => s.info.type === 'EEG')!;
    expect(eeg.channelCount).toBe(32);
    for (const s of r.streams) {
      expect(s.generated, s.id).toBeGreaterThan(0);
      expect(s.recorded, s.id).toBe(s.generated);
      expect(inFile.get(s.xdfStreamId!), s.id).toBe(s.generated);
    }
    const pred = file.streams.find((s) => s.info.type === 'PREDICTION');
    expect(pred?.timestamps.length).toBe(r.inference!.recordedPredictions);
  });

  it('turns every hop into a prediction or a counted skip, without failures or a tensor leak in the worker', () => {
    const inf = r.inference!;
    // 10 simulated minutes at a 0.5 s hop, give or take the first and last hop.
    expect(Math.abs(inf.expectedWindows - 1200)).toBeLessThanOrEqual(2);
    expect(inf.stats.publishedWindows).toBeGreaterThan(20);
    expect(inf.recordedPredictions).toBe(inf.expectedWindows - inf.stats.skippedWindows);
    expect(inf.stats.failedWindows).toBe(0);
    expect(inf.errors).toEqual([]);
    const tensors = r.samples.map((s) => s.workerTensors).filter((n) => n !== null && Number.isFinite(n));
    expect(tensors.length).toBeGreaterThanOrEqual(9);
    expect(new Set(tensors).size).toBe(1);
    expect(inferenceProblems(r)).toEqual([]);
  });

  it('memory growth after warm-up stays bounded', () => {
    // The live buffers hold 60 s: after two simulated minutes memory should be at its plateau.
    const warm = r.samples.find((s) => s.simMinute === 2)!;
    const last = r.samples[r.samples.length - 1]!;
    expect(last.arrayBuffersMB - warm.arrayBuffersMB).toBeLessThan(16);
    expect(last.heapUsedMB - warm.heapUsedMB).toBeLessThan(16);
    expect(last.rssMB - warm.rssMB).toBeLessThan(48);
  });
});
