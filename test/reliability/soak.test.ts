// Short soak (bench/soak.ts with 10 simulated minutes): every modality with 32-ch EEG, live
// signal quality and recording. Nothing generated is missing from the file and memory stops
// growing once the live buffers are full.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSoak } from '../../bench/soak.js';
import { readXdf } from '../../src-main/storage/xdf/index.js';

const dir = mkdtempSync(join(tmpdir(), 'himoe-soak-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('soak (10 simulated minutes)', () => {
  it('records exactly the samples generated, per stream, and memory growth after warm-up stays bounded', async () => {
    const r = await runSoak(10, dir);
    const file = await readXdf(join(dir, 'soak.xdf'), { synchronizeClocks: false, dejitter: false });
    const inFile = new Map(file.streams.map((s) => [s.id, s.timestamps.length]));

    expect(r.streams.length).toBeGreaterThanOrEqual(11); // 5 modalities, ground truth, markers, 5 quality streams
    const eeg = file.streams.find((s) => s.info.type === 'EEG')!;
    expect(eeg.channelCount).toBe(32);
    for (const s of r.streams) {
      expect(s.generated, s.id).toBeGreaterThan(0);
      expect(s.recorded, s.id).toBe(s.generated);
      expect(inFile.get(s.xdfStreamId!), s.id).toBe(s.generated);
    }
    // The live buffers hold 60 s: after two simulated minutes memory should be at its plateau.
    const warm = r.samples.find((s) => s.simMinute === 2)!;
    const last = r.samples[r.samples.length - 1]!;
    expect(last.arrayBuffersMB - warm.arrayBuffersMB).toBeLessThan(16);
    expect(last.rssMB - warm.rssMB).toBeLessThan(48);
  });
});
