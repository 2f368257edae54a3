import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readEdf } from '../../../src-main/storage/edf/index.js';
import { writeFixtureXdf } from '../storage/export/xdf-fixture.js';
import { himoe } from './run-cli.js';



let dir: string;
let xdf: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'himoe-cli-export-'));
  xdf = join(dir, 'session.xdf');
  await writeFixtureXdf(xdf, { durationSec: 5, subject: 'P042' });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('himoe export', () => {
  it('exports to EDF+ and BDF+ files that the reader loads, with the subject pseudonym', async () => {
    for (const to of ['edf', 'bdf']) {
      const out = join(dir, `s.${to}`);
      const r = await himoe('export', xdf, '--to', to, '--out', out, '--json');
      expect(r.code, r.err).toBe(0);
      const result = JSON.parse(r.out) as { variant: string; streams: number; events: number };
      expect(result).toMatchObject({ variant: `${to.toUpperCase()}+C`, streams: 3, events: 3 });
      const file = readEdf(out);
      expect(file.format).toBe(to);
      expect(file.patient?.code).toBe('P042');
      expect(file.signals).toHaveLength(4);
    }
  });

  it('exports CSV per stream into a folder and a BIDS dataset with --subject overriding the recording', async () => {
    const csv = await himoe('export', xdf, '--to', 'csv', '--out', join(dir, 'csv'));
    expect(csv.code, csv.err).toBe(0);
    expect(readdirSync(join(dir, 'csv')).sort()).toEqual(['Markers.csv', 'TestECG.csv', 'TestEDA.csv', 'TestEEG.csv']);
    const bids = await himoe('export', xdf, '--to', 'bids', '--out', join(dir, 'bids'), '--subject', 'S9', '--session', '2', '--task', 'films', '--line-freq', '50');
    expect(bids.code, bids.err).toBe(0);
    expect(bids.out).toMatch(/exported 3 streams and 3 events/);
    expect(existsSync(join(dir, 'bids', 'sub-S9', 'ses-2', 'eeg', 'sub-S9_ses-2_task-films_eeg.edf'))).toBe(true);
  });

  it('takes a workspace recording\'s subject from its session.json (as corrected in the Sessions view), not the header', async () => {
    // The recording's header says P042; its session.json was corrected.
    const folder = join(dir, 'ws', 'sessions', 's1');
    mkdirSync(folder, { recursive: true });
    const recording = join(folder, 'recording.xdf');
    copyFileSync(xdf, recording);
    const meta = (subject: string | null) => JSON.stringify({ id: 's1', subject, createdAt: '2026-11-24T10:00:00Z', protocol: '', source: { kind: 'synthetic' }, streams: [], notes: '' });
    const patient = async (...flags: string[]) => {
      const out = join(dir, `ws-${flags.length}.edf`);
      const r = await himoe('export', recording, '--to', 'edf', '--out', out, '--overwrite', ...flags);
      expect(r.code, r.err).toBe(0);
      return readEdf(out).patient?.code;
    };
    writeFileSync(join(folder, 'session.json'), meta('P001'));
    expect(await patient()).toBe('P001');
    expect(await patient('--subject', 'P777')).toBe('P777');
    // Corrected to unknown: no subject, not the header's.
    writeFileSync(join(folder, 'session.json'), meta(null));
    expect(await patient()).toBe(''); // EDF+'s unknown (X), as the reader gives it
    // A broken session.json is named, with the way out.
    writeFileSync(join(folder, 'session.json'), '{"id": "s1", "subject": ');
    const broken = await himoe('export', recording, '--to', 'edf', '--out', join(dir, 'ws-broken.edf'));
    expect(broken.code).toBe(1);
    expect(broken.err).toContain(`${join(folder, 'session.json')}: not valid JSON`);
    expect(broken.err).toContain('pass --subject');
    expect(await patient('--subject', 'P778')).toBe('P778');
    // A file of another name is not a workspace recording: its header counts.
    const other = join(folder, 'copy.xdf');
    copyFileSync(xdf, other);
    const r = await himoe('export', other, '--to', 'edf', '--out', join(dir, 'ws-copy.edf'));
    expect(r.code, r.err).toBe(0);
    expect(readEdf(join(dir, 'ws-copy.edf')).patient?.code).toBe('P042');
  });

  it('names a missing input file, a non-XDF input and an unknown format', async () => {
    const missing = await himoe('export', join(dir, 'nope.xdf'), '--to', 'edf', '--out', join(dir, 'x.edf'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/nope\.xdf: no such file/);
    const notXdf = join(dir, 'notes.txt');
    writeFileSync(notXdf, 'hello, this is not a recording');
    const bad = await himoe('export', notXdf, '--to', 'edf', '--out', join(dir, 'y.edf'));
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/\[BAD_MAGIC\].*notes\.txt/);
    expect(existsSync(join(dir, 'y.edf'))).toBe(false);
    const format = await himoe('export', xdf, '--to', 'pdf', '--out', join(dir, 'z.pdf'));
    expect(format.code).not.toBe(0);
    expect(format.err).toMatch(/'pdf' is invalid.*edf, bdf, csv, bids/);
  });

  it('refuses to replace an existing export unless --overwrite, and flags that do not fit the format', async () => {
    const out = join(dir, 'twice.edf');
    expect((await himoe('export', xdf, '--to', 'edf', '--out', out)).code).toBe(0);
    const again = await himoe('export', xdf, '--to', 'edf', '--out', out);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/twice\.edf: cannot create the file/);
    expect((await himoe('export', xdf, '--to', 'edf', '--out', out, '--overwrite')).code).toBe(0);
    const wrongFlag = await himoe('export', xdf, '--to', 'edf', '--out', join(dir, 'w.edf'), '--session', '1');
    expect(wrongFlag.err).toMatch(/--session applies to --to bids, not --to edf/);
    const folder = await himoe('export', xdf, '--to', 'edf', '--out', dir);
    expect(folder.err).toMatch(/is a folder; --to edf writes one file/);
    const recordSec = await himoe('export', xdf, '--to', 'bdf', '--out', join(dir, 'r.bdf'), '--record-sec', '0.125');
    expect(recordSec.code).toBe(1);
    expect(recordSec.err).toMatch(/\[BAD_INPUT\].*0\.5 samples of stream "TestEDA"/);
  });
});
