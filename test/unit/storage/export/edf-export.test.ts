import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEdf, sampleTimeSec } from '../../../../src-main/storage/edf/index.js';
import { exportEdf } from '../../../../src-main/storage/export/edf-export.js';
import { loadExportSession } from '../../../../src-main/storage/export/export-session.js';
import { XdfWriter } from '../../../../src-main/storage/xdf/index.js';
import { MARKERS, truth, writeFixtureXdf } from './xdf-fixture.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'himoe-edf-export-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('session -> EDF+/BDF+ export', () => {
  it('writes each stream at its own rate with 1 s records, markers as annotations, values on the synchronised timeline', async () => {
    const xdf = join(dir, 'continuous.xdf');
    await writeFixtureXdf(xdf, { durationSec: 10 });
    const session = await loadExportSession(xdf);
    const out = join(dir, 'continuous.edf');

    const written = exportEdf(session, out, { format: 'edf' });
    const file = readEdf(out);

    expect(file.variant).toBe('EDF+C');
    expect(file.recordDurationSec).toBe(1);
    expect(file.patient?.code).toBe('P007');
    expect(file.signals.map((s) => [s.label, s.rateHz, s.physicalDimension])).toEqual([
      ['EEG Fp1', 256, 'uV'],
      ['EEG Cz', 256, 'uV'],
      ['ECG II', 128, 'mV'],
      ['EDA', 4, 'uS'],
    ]);
    const markers = file.annotations.filter((a) => !a.text.startsWith('gap:'));
    expect(markers.map((a) => a.text)).toEqual(MARKERS.map(([, m]) => m));
    markers.forEach((a, k) => expect(a.onsetSec).toBeCloseTo(MARKERS[k]![0], 4));
    // Interior samples (away from the stream edges the resampler reflects at) match the truth.
    const cz = file.signals[1]!;
    let worst = 0;
    for (let i = 256; i < cz.values.length - 256; i++) worst = Math.max(worst, Math.abs(cz.values[i]! - truth('eeg', 1, sampleTimeSec(file, cz, i))));
    expect(worst).toBeLessThan(0.05 * 40);
    expect(worst).toBeGreaterThan(0);
    const ecg = file.signals[2]!;
    // ECG samples start 3.1 ms after EEG: its grid still starts at session 0, resampled to it.
    expect(Math.abs(ecg.values[128]! - truth('ecg', 0, 1))).toBeLessThan(0.02);
    expect(written.plan.droppedRecords).toBe(0);
  });

  it('drops records without data (EDF+D), keeps the rest at their true onsets and annotates the gap', async () => {
    const xdf = join(dir, 'gap.xdf');
    await writeFixtureXdf(xdf, { durationSec: 10, gapSec: [3, 6] });
    const session = await loadExportSession(xdf);
    const out = join(dir, 'gap.bdf');

    exportEdf(session, out, { format: 'bdf' });
    const file = readEdf(out);

    expect(file.variant).toBe('BDF+D');
    // The gap covers 3..6 s: records 3, 4 and 5 hold no sample of any stream.
    expect(Array.from(file.recordOnsetsSec)).toEqual([0, 1, 2, 6, 7, 8, 9]);
    const eegGap = file.annotations.find((a) => a.text === 'gap: TestEEG');
    expect(eegGap?.onsetSec).toBeCloseTo(3, 1);
    expect(eegGap?.durationSec).toBeCloseTo(3, 1);
    const fp1 = file.signals[0]!;
    const i = 3 * 256 + 128; // record 3 = session 6.5 s
    expect(sampleTimeSec(file, fp1, i)).toBeCloseTo(6.5, 9);
    expect(Math.abs(fp1.values[i]! - truth('eeg', 0, 6.5))).toBeLessThan(2);
  });

  it('says so when a recording has no numeric stream to write', async () => {
    const xdf = join(dir, 'markers-only.xdf');
    const w = await XdfWriter.create(xdf);
    const id = w.addStream({ id: 'm', name: 'Markers', type: 'MARKER', channels: [{ label: 'm', unit: '' }], channelFormat: 'string', nominalRateHz: 0, sourceId: 's' });
    w.appendSamples(id, Float64Array.from([1, 2]), ['a', 'b']);
    await w.close();
    const session = await loadExportSession(xdf);
    expect(session.events.map((e) => e.text)).toEqual(['a', 'b']);
    expect(() => exportEdf(session, join(dir, 'markers-only.edf'), { format: 'edf' })).toThrow(/markers-only\.xdf: no numeric stream to write to EDF/);
  });

  it('exports an irregular numeric stream at its measured rate, with a warning', async () => {
    const xdf = join(dir, 'irregular.xdf');
    const w = await XdfWriter.create(xdf);
    const id = w.addStream({ id: 'p', name: 'Prediction', type: 'PREDICTION', channels: [{ label: 'valence', unit: 'a.u.' }], channelFormat: 'float32', nominalRateHz: 0, sourceId: 's' });
    const times = Float64Array.from({ length: 40 }, (_, i) => 10 + i * 0.25 + 0.01 * Math.sin(i));
    w.appendSamples(id, times, Float32Array.from(times, (t) => Math.sin(t)));
    await w.close();
    const session = await loadExportSession(xdf);
    const out = join(dir, 'irregular.edf');
    exportEdf(session, out, { format: 'edf' });
    const file = readEdf(out);
    expect(file.signals[0]!.rateHz).toBe(4);
    expect(session.warnings.join()).toMatch(/"Prediction" is irregular; exported at its measured rate rounded to 4 Hz/);
  });

  it('refuses to overwrite an existing file unless asked', async () => {
    const xdf = join(dir, 'ow.xdf');
    await writeFixtureXdf(xdf, { durationSec: 3 });
    const session = await loadExportSession(xdf);
    const out = join(dir, 'ow.edf');
    exportEdf(session, out, { format: 'edf' });
    expect(() => exportEdf(session, out, { format: 'edf' })).toThrow(/cannot create/);
    expect(() => exportEdf(session, out, { format: 'edf', overwrite: true })).not.toThrow();
  });

  it('rejects a record duration that leaves a fractional number of samples', async () => {
    const xdf = join(dir, 'rd.xdf');
    await writeFixtureXdf(xdf, { durationSec: 3 });
    const session = await loadExportSession(xdf);
    expect(() => exportEdf(session, join(dir, 'rd.edf'), { format: 'edf', recordDurationSec: 0.125 })).toThrow(/0.5 samples of stream "TestEDA"/);
  });
});
