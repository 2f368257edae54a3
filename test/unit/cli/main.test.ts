import { mkdtempSync, readFileSync, rmSync, truncateSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { himoe, type CliRun as Run } from './run-cli.js';



let dir: string;
let recorded: string;
let recordRun: Run;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'himoe-cli-'));
  recorded = join(dir, 'session.xdf');
  recordRun = await himoe('record', '--source', 'synthetic', '--duration', '30', '--seed', '3', '--out', recorded, '--subject', 'P012', '--json');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('himoe record', () => {
  it('records every modality, the ground truth and the markers of a synthetic session', async () => {
    expect(recordRun.code, recordRun.err).toBe(0);
    const summary = JSON.parse(recordRun.out) as { durationSec: number; streams: Array<{ type: string; samples: number }> };
    expect(summary.durationSec).toBe(30);
    const types = summary.streams.map((s) => s.type).sort();
    expect(types).toEqual(expect.arrayContaining(['ECG', 'EDA', 'EEG', 'GROUND_TRUTH', 'MARKER', 'PPG', 'RESP']));
    const eeg = summary.streams.find((s) => s.type === 'EEG');
    // 256 Hz for 30 s, less what the simulated link loses (a few percent at most).
    expect(eeg?.samples).toBeGreaterThan(256 * 30 * 0.9);
    expect(eeg?.samples).toBeLessThanOrEqual(256 * 30 + 256);
    expect(recordRun.err).toMatch(/100% recording/);
  });

  it('names the bad value of a bad flag and exits 1 without writing a file', async () => {
    const out = join(dir, 'bad.xdf');
    const r = await himoe('record', '--modalities', 'eeg,emg', '--duration', '5', '--out', out);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/unknown modality "emg"/);
    expect(existsSync(out)).toBe(false);
    const r2 = await himoe('record', '--duration', '-3', '--out', out);
    expect(r2.code).toBe(1);
    expect(r2.err).toMatch(/--duration: "-3"/);
    const r3 = await himoe('record', '--duration', '5');
    expect(r3.code).not.toBe(0);
    expect(r3.err).toMatch(/--out/);
  });
});

describe('himoe inspect', () => {
  it('prints the documented JSON summary with synchronised timestamps', async () => {
    const r = await himoe('inspect', recorded, '--json');
    expect(r.code, r.err).toBe(0);
    const s = JSON.parse(r.out);
    expect(Object.keys(s)).toEqual(expect.arrayContaining(['streams', 'durationSec', 'clockOffsets']));
    const eeg = s.streams.find((x: { type: string }) => x.type === 'EEG');
    expect(Object.keys(eeg).sort()).toEqual(
      ['channelCount', 'channelFormat', 'effectiveRateHz', 'firstTimestamp', 'gaps', 'id', 'lastTimestamp', 'name', 'nominalRateHz', 'sampleCount', 'type'].sort(),
    );
    expect(eeg.channelCount).toBe(32);
    expect(eeg.nominalRateHz).toBe(256);
    expect(Math.abs(eeg.effectiveRateHz - 256)).toBeLessThan(0.5);
    expect(s.durationSec).toBeGreaterThan(29);
    expect(s.durationSec).toBeLessThan(31);
    expect(s.clockOffsets.length).toBeGreaterThan(0);
    expect(readFileSync(recorded).subarray(0, 4).toString('latin1')).toBe('XDF:');
  });

  it('leaves the device clocks alone with --no-sync', async () => {
    const synced = JSON.parse((await himoe('inspect', recorded, '--json')).out);
    const raw = JSON.parse((await himoe('inspect', recorded, '--json', '--no-sync', '--no-dejitter')).out);
    const firstOf = (s: { streams: Array<{ type: string; firstTimestamp: number }> }, t: string) => s.streams.find((x) => x.type === t)!.firstTimestamp;
    // Each simulated device has its own clock offset; synchronisation brings the devices together.
    const spreadRaw = Math.abs(firstOf(raw, 'EEG') - firstOf(raw, 'ECG'));
    const spreadSynced = Math.abs(firstOf(synced, 'EEG') - firstOf(synced, 'ECG'));
    expect(spreadSynced).toBeLessThan(0.05);
    expect(spreadRaw).not.toBeCloseTo(spreadSynced, 3);
  });

  it('prints a readable table by default', async () => {
    const r = await himoe('inspect', recorded);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/streams, \d+\.\d+ s/);
    expect(r.out).toMatch(/EEG/);
  });

  it('names the file and the byte offset of a file that is not XDF', async () => {
    const bad = join(dir, 'not.xdf');
    writeFileSync(bad, 'PK\u0003\u0004 a zip file');
    const r = await himoe('inspect', bad);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/not\.xdf/);
    expect(r.err).toMatch(/byte 0|offset 0/);
  });
});

describe('himoe repair', () => {
  it('completes a recording cut short mid-chunk and keeps the original', async () => {
    const cut = join(dir, 'cut.xdf');
    writeFileSync(cut, readFileSync(recorded));
    truncateSync(cut, statSync(cut).size - 4000);
    const before = JSON.parse((await himoe('inspect', cut, '--json')).out);
    expect(before.truncatedAt).not.toBeNull();
    const r = await himoe('repair', cut);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/repaired/);
    expect(existsSync(`${cut}.bak`)).toBe(true);
    const after = JSON.parse((await himoe('inspect', cut, '--json')).out);
    expect(after.truncatedAt).toBeNull();
    const eegBefore = before.streams.find((x: { type: string }) => x.type === 'EEG').sampleCount;
    const eegAfter = after.streams.find((x: { type: string }) => x.type === 'EEG').sampleCount;
    expect(eegAfter).toBe(eegBefore);
  });
});
