import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../../src-main/storage/library/library.js';
import { parseSubjects } from '../../../src-main/cli/commands-import.js';
import { listSessionIds, readSessionMeta, recordingPath } from '../../../src-main/storage/workspace.js';
import { readXdf, type XdfStream } from '../../../src-main/storage/xdf/index.js';
import { makeTempDir, pyFixture, readF8 } from '../storage/datasets/fixture-helpers.js';
import { himoe } from './run-cli.js';



let tmp: ReturnType<typeof makeTempDir>;
let deapDir: string;
let dreamerFile: string;

beforeAll(() => {
  tmp = makeTempDir('himoe-import-cli-');
  deapDir = join(tmp.dir, 'DEAP');
  mkdirSync(join(deapDir, 'data_preprocessed_python'), { recursive: true });
  pyFixture('pickle', join(deapDir, 'data_preprocessed_python', 's01.dat'), '--style', 'py2', '--protocol', '2', '--trials', '3', '--samples', '1000');
  pyFixture('pickle', join(deapDir, 'data_preprocessed_python', 's02.dat'), '--style', 'py2', '--protocol', '2', '--trials', '2', '--samples', '600');
  dreamerFile = join(tmp.dir, 'DREAMER.mat');
  pyFixture('dreamer', dreamerFile, '--subjects', '2', '--trials', '2', '--eeg-sec', '2', '--ecg-sec', '2');
});
afterAll(() => tmp.cleanup());

const stream = (streams: XdfStream[], type: string) => streams.find((s) => s.info.type === type)!;
const noSync = { synchronizeClocks: false, dejitter: false } as const;

describe('himoe import deap', () => {
  it('writes one session per subject: XDF streams per modality, trial markers with ratings, session.json', async () => {
    const ws = join(tmp.dir, 'ws-deap');
    const labels = readF8(join(deapDir, 'data_preprocessed_python', 's01.dat.labels.f8'));

    const r = await himoe('import', 'deap', deapDir, '--workspace', ws, '--json');

    expect(r.code, r.err).toBe(0);
    expect(await listSessionIds(ws)).toEqual(['deap-s01', 'deap-s02']);
    const meta = await readSessionMeta(ws, 'deap-s01');
    expect(meta.subject).toBe('deap-s01');
    expect(meta.source).toEqual({ kind: 'import', dataset: 'DEAP', file: join(deapDir, 'data_preprocessed_python', 's01.dat') });
    expect(meta.streams.map((s) => `${s.type}:${s.channelCount}@${s.nominalRateHz}`)).toEqual([
      'MARKER:1@0', 'EEG:32@128', 'EOG:2@128', 'EMG:2@128', 'EDA:1@128', 'RESP:1@128', 'PPG:1@128', 'TEMP:1@128',
    ]);
    const xdf = await readXdf(recordingPath(ws, 'deap-s01'), noSync);
    const eeg = stream(xdf.streams, 'EEG');
    expect(eeg.timestamps.length).toBe(3 * 1000);
    expect(eeg.info.channels[0]!.label).toBe('Fp1');
    // The first sample of each trial carries trial*100 + channel (fixtures.py).
    const values = eeg.timeSeries as Float32Array;
    expect(values[31]).toBe(31);
    expect(values[1000 * 32 + 5]).toBe(105);
    expect(values[2000 * 32 + 0]).toBe(200);
    const markers = stream(xdf.streams, 'MARKER');
    const texts = markers.timeSeries as string[];
    expect(texts.filter((t) => t.startsWith('trial_start'))).toHaveLength(3);
    // Trial 2 starts after trial 1 (1000 samples at 128 Hz) + the 2 s gap + its own 3 s baseline.
    const i2 = texts.findIndex((t) => t.startsWith('trial_start trial=2'));
    expect(markers.timestamps[i2]).toBeCloseTo(1000 / 128 + 2 + 3, 9);
    expect(texts[i2]).toBe(
      `trial_start trial=2 valence=${Number(labels[4]!.toFixed(4))} arousal=${Number(labels[5]!.toFixed(4))} ` +
        `dominance=${Number(labels[6]!.toFixed(4))} liking=${Number(labels[7]!.toFixed(4))} scale=1-9`,
    );
    const summary = JSON.parse(r.out) as { sessions: Array<{ id: string; trials: number }> };
    expect(summary.sessions.map((s) => `${s.id}:${s.trials}`)).toEqual(['deap-s01:3', 'deap-s02:2']);
    // Indexed at once: the library lists the imported sessions with their markers.
    const lib = Library.open(ws);
    try {
      expect(lib.listSessions().map((s) => `${s.id}:${s.subject}:${s.status}`).sort()).toEqual(['deap-s01:deap-s01:complete', 'deap-s02:deap-s02:complete']);
      expect(lib.getSession('deap-s01')?.markers.length).toBe(markers.timestamps.length);
    } finally {
      lib.close();
    }
  });

  it('imports only the subjects asked for, and refuses to overwrite an existing session unless told to', async () => {
    const ws = join(tmp.dir, 'ws-deap-2');

    const first = await himoe('import', 'deap', deapDir, '--workspace', ws, '--subjects', '2');
    const again = await himoe('import', 'deap', deapDir, '--workspace', ws, '--subjects', 's02');
    const forced = await himoe('import', 'deap', deapDir, '--workspace', ws, '--subjects', 'deap-s02', '--overwrite');

    expect(first.code, first.err).toBe(0);
    expect(await listSessionIds(ws)).toEqual(['deap-s02']);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/SESSION_EXISTS.*deap-s02.*--overwrite/);
    expect(forced.code, forced.err).toBe(0);
  });

  it('names a folder without DEAP files and exits 1', async () => {
    const r = await himoe('import', 'deap', join(tmp.dir, 'nowhere'), '--workspace', join(tmp.dir, 'ws-x'));

    expect(r.code).toBe(1);
    expect(r.err).toMatch(/NOT_FOUND.*nowhere/);
  });
});

describe('himoe import dreamer', () => {
  it('writes EEG (14 ch, 128 Hz) and ECG (2 ch, 256 Hz) streams with baseline and trial markers per subject', async () => {
    const ws = join(tmp.dir, 'ws-dreamer');

    const r = await himoe('import', 'dreamer', dreamerFile, '--workspace', ws);

    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/imported 2 DREAMER session/);
    expect(await listSessionIds(ws)).toEqual(['dreamer-s01', 'dreamer-s02']);
    const xdf = await readXdf(recordingPath(ws, 'dreamer-s02'), noSync);
    const eeg = stream(xdf.streams, 'EEG');
    const ecg = stream(xdf.streams, 'ECG');
    expect(eeg.channelCount).toBe(14);
    expect(ecg.nominalRateHz).toBe(256);
    // Per trial: baseline 256 + stimulus (256 + 16 t) EEG samples.
    expect(eeg.timestamps.length).toBe(256 + 256 + (256 + 256 + 16));
    const texts = stream(xdf.streams, 'MARKER').timeSeries as string[];
    expect(texts[0]).toBe('baseline_start trial=1');
    expect(texts[1]).toMatch(/^trial_start trial=1 valence=[1-5] arousal=[1-5] dominance=[1-5] scale=1-5$/);
    const meta = await readSessionMeta(ws, 'dreamer-s01');
    expect(meta.source).toMatchObject({ kind: 'import', dataset: 'DREAMER' });
  });
});

describe('himoe import on a damaged file', () => {
  it('exits 1 on a truncated file before writing anything', async () => {
    const ws = join(tmp.dir, 'ws-cut');
    const cut = join(tmp.dir, 'DREAMER-cut.mat');
    const bytes = readFileSync(dreamerFile);
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.9)));

    const r = await himoe('import', 'dreamer', cut, '--workspace', ws);

    expect(r.code).toBe(1);
    expect(r.err).toMatch(/himoe: error \[MAT_TRUNCATED\].*truncated or corrupt/);
    expect(await listSessionIds(ws)).toEqual([]);
  });

  it('keeps the subjects completed before a corrupt stretch and removes the half-written one', async () => {
    const ws = join(tmp.dir, 'ws-corrupt');
    const bad = join(tmp.dir, 'DREAMER-corrupt.mat');
    const bytes = Buffer.from(readFileSync(dreamerFile));
    // Subject 2 lies in the second half of the compressed stream.
    bytes.fill(0xa5, Math.floor(bytes.length * 0.8), Math.floor(bytes.length * 0.8) + 64);
    writeFileSync(bad, bytes);

    const r = await himoe('import', 'dreamer', bad, '--workspace', ws);

    expect(r.code).toBe(1);
    expect(r.err).toMatch(/himoe: error \[MAT_(MALFORMED|BAD_DIMS|TRUNCATED)\]: .*DREAMER-corrupt\.mat/);
    expect(await listSessionIds(ws)).toEqual(['dreamer-s01']);
    expect((await readSessionMeta(ws, 'dreamer-s01')).streams.length).toBe(3);
  });
});

describe('parseSubjects', () => {
  it('accepts numbers, sNN and prefixed ids, and names a bad entry', () => {
    expect(parseSubjects('1, s02,deap-s13', 'deap')).toEqual(['deap-s01', 'deap-s02', 'deap-s13']);
    expect(() => parseSubjects('alice', 'deap')).toThrow(/"alice" is not a subject/);
  });
});
