import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BidsError, exportBids } from '../../../../src-main/storage/bids/bids-export.js';
import { readEdf } from '../../../../src-main/storage/edf/index.js';
import { loadExportSession, type ExportSession } from '../../../../src-main/storage/export/export-session.js';
import { MARKERS, truth, writeFixtureXdf } from '../export/xdf-fixture.js';
import { checkBidsDataset } from './bids-rules.js';

let dir: string;
let session: ExportSession;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'himoe-bids-'));
  await writeFixtureXdf(join(dir, 's.xdf'), { durationSec: 6, subject: 'P-007' });
  session = await loadExportSession(join(dir, 's.xdf'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('BIDS export', () => {
  it('writes an EEG-BIDS session with physio recordings that follows the BIDS rules', () => {
    const root = join(dir, 'ds');
    const r = exportBids(session, root, { session: '01', task: 'emotion', powerLineHz: 50 });

    expect(checkBidsDataset(root)).toEqual([]);
    expect(r.subject).toBe('P007');
    const eegDir = join(root, 'sub-P007', 'ses-01', 'eeg');
    const stem = join(eegDir, 'sub-P007_ses-01_task-emotion');
    expect(r.files.sort()).toEqual(
      [
        'README',
        'dataset_description.json',
        'participants.json',
        'participants.tsv',
        ...['_channels.tsv', '_eeg.edf', '_eeg.json', '_events.json', '_events.tsv', '_recording-ecg_physio.json', '_recording-ecg_physio.tsv.gz', '_recording-eda_physio.json', '_recording-eda_physio.tsv.gz'].map(
          (s) => join('sub-P007', 'ses-01', 'eeg', `sub-P007_ses-01_task-emotion${s}`),
        ),
      ].sort(),
    );
    const edf = readEdf(`${stem}_eeg.edf`);
    expect(edf.signals.map((s) => s.label)).toEqual(['EEG Fp1', 'EEG Cz']);
    const channels = readFileSync(`${stem}_channels.tsv`, 'utf8').trim().split('\n').map((l) => l.split('\t'));
    expect(channels.slice(1).map((c) => [c[0], c[1], c[2], c[4]])).toEqual([
      ['EEG Fp1', 'EEG', 'uV', '256'],
      ['EEG Cz', 'EEG', 'uV', '256'],
    ]);
    const eegJson = JSON.parse(readFileSync(`${stem}_eeg.json`, 'utf8'));
    expect(eegJson).toMatchObject({ TaskName: 'emotion', SamplingFrequency: 256, PowerLineFrequency: 50, EEGChannelCount: 2, RecordingType: 'continuous', RecordingDuration: 6 });
    const events = readFileSync(`${stem}_events.tsv`, 'utf8').trim().split('\n').map((l) => l.split('\t'));
    expect(events[0]).toEqual(['onset', 'duration', 'trial_type', 'value']);
    expect(events.slice(1).map((e) => [Number(e[0]), e[3]])).toEqual(MARKERS.map(([t, m]) => [t, m]));

    const eda = JSON.parse(readFileSync(`${stem}_recording-eda_physio.json`, 'utf8'));
    expect(eda).toMatchObject({ SamplingFrequency: 4, Columns: ['eda'], eda: { Units: 'uS' } });
    expect(eda.StartTime).toBeCloseTo(0.1, 6);
    const rows = gunzipSync(readFileSync(`${stem}_recording-eda_physio.tsv.gz`)).toString('utf8').trim().split('\n');
    expect(rows.length).toBe(24); // 0.1 s .. 5.85 s at 4 Hz
    expect(Number(rows[10])).toBeCloseTo(truth('eda', 0, 0.1 + 10 / 4), 2);
    expect(readFileSync(join(root, 'participants.tsv'), 'utf8')).toBe('participant_id\nsub-P007\n');
  });

  it('adds a second subject to an existing dataset and refuses to overwrite a session unless asked', () => {
    const root = join(dir, 'ds2');
    exportBids(session, root, { session: '01' });
    exportBids(session, root, { subject: 'S2', session: '01' });
    expect(readFileSync(join(root, 'participants.tsv'), 'utf8')).toBe('participant_id\nsub-P007\nsub-S2\n');
    expect(checkBidsDataset(root)).toEqual([]);
    expect(() => exportBids(session, root, { session: '01' })).toThrow(BidsError);
    expect(() => exportBids(session, root, { session: '01', overwrite: true })).not.toThrow();
  });

  it('puts a session without EEG under beh/ and names physio recordings by type, adding the stream name when a type repeats', () => {
    const stream = (name: string, type: string, startSec: number) => ({
      info: { id: name, name, type, channels: [{ label: 'x', unit: 'millivolts' }], channelFormat: 'float32' as const, nominalRateHz: 10, sourceId: name },
      rateHz: 10,
      timesSec: Float64Array.from({ length: 20 }, (_, i) => startSec + i / 10),
      values: Float32Array.from({ length: 20 }, (_, i) => i),
      channelCount: 1,
    });
    const noEeg: ExportSession = {
      ...session,
      signals: [stream('Chest', 'ECG', 0), stream('Wrist', 'ECG', 0.5), stream('Belt', 'RESP', 1)],
      events: [{ onsetSec: 1, text: 'go', streamName: 'Markers', streamType: 'MARKER' }],
    };
    const root = join(dir, 'beh');
    const r = exportBids(noEeg, root, { session: '01', task: 'rest' });
    expect(checkBidsDataset(root)).toEqual([]);
    const names = r.files.filter((f) => f.includes('physio.tsv.gz')).map((f) => f.split('_recording-')[1]);
    expect(names).toEqual(['ecgchest_physio.tsv.gz', 'ecgwrist_physio.tsv.gz', 'resp_physio.tsv.gz']);
    expect(r.files.every((f) => !f.includes('sub-') || f.includes(join('ses-01', 'beh')))).toBe(true);
    const wrist = JSON.parse(readFileSync(join(root, 'sub-P007', 'ses-01', 'beh', 'sub-P007_ses-01_task-rest_recording-ecgwrist_physio.json'), 'utf8'));
    expect(wrist.StartTime).toBe(0.5);
  });

  it('rejects labels without letters or digits', () => {
    expect(() => exportBids(session, join(dir, 'bad'), { subject: '--' })).toThrow(/subject label "--"/);
  });

  it('the rule check catches what it claims to check', () => {
    const root = join(dir, 'broken');
    exportBids(session, root, { session: '01', task: 'x' });
    const eegDir = join(root, 'sub-P007', 'ses-01', 'eeg');
    writeFileSync(join(eegDir, 'sub-P007_ses-01_task-x_eeg.json'), JSON.stringify({ TaskName: 'x' }));
    writeFileSync(join(eegDir, 'sub-P007_task-x_ses-01_events.tsv'), 'onset\tduration\n1\t0\n');
    writeFileSync(join(eegDir, 'sub-P007_ses-01_task-x_recording-ecg_physio.tsv.gz'), new Uint8Array([1, 2, 3]));
    writeFileSync(join(eegDir, 'sub-P007_ses-01_task-x_recording-eda_physio.tsv.gz'), gzipSync('eda\n1.5\t2\n'));
    writeFileSync(join(root, 'participants.tsv'), 'id\nsub-P007\n');
    const problems = checkBidsDataset(root).join('\n');
    expect(problems).toMatch(/SamplingFrequency \(REQUIRED\)/);
    expect(problems).toMatch(/EEGReference \(REQUIRED\)/);
    expect(problems).toMatch(/sub-P007_task-x_ses-01_events.tsv: name does not follow/);
    expect(problems).toMatch(/not gzip/);
    expect(problems).toMatch(/eda_physio.tsv.gz: row 0 is not numeric \(a header line\?\)/);
    expect(problems).toMatch(/eda_physio.tsv.gz: row 1 has 2 columns, Columns lists 1/);
    expect(problems).toMatch(/first column must be participant_id/);
    expect(existsSync(join(root, 'dataset_description.json'))).toBe(true);
  });
});
