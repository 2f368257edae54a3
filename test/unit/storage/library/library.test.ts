import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync, readdirSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Library,
  LibraryError,
  RECORDING_LOCK_FILE,
  acquireRecordingLock,
  openSessionRecording,
  releaseRecordingLock,
  type SessionDetail,
} from '../../../../src-main/storage/library/index.js';
import { XdfWriter } from '../../../../src-main/storage/xdf/index.js';
import { EEG } from './session-fixture.js';
import { openDatabase } from '../../../../src-main/storage/library/sqlite.js';
import { sessionDir, WorkspaceError } from '../../../../src-main/storage/workspace.js';
import { writeSession, xdfPathOf } from './session-fixture.js';

let ws: string;

beforeEach(() => {
  ws = mkdtempSync(join(tmpdir(), 'himoe-lib-'));
});
afterEach(() => {
  rmSync(ws, { recursive: true, force: true });
});

/** Every row of every index table, without the indexing time and row ids. */
function dumpTables(file: string): Record<string, unknown[]> {
  const db = openDatabase(file);
  try {
    const out: Record<string, unknown[]> = {};
    for (const t of ['subjects', 'sessions', 'streams', 'markers', 'annotation_sets', 'runs']) {
      out[t] = db
        .prepare<Record<string, unknown>>(`SELECT * FROM ${t}`)
        .all()
        .map(({ id, indexed_at: _t, ...rest }) => (t === 'markers' || t === 'annotation_sets' ? rest : { id, ...rest }))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    }
    return out;
  } finally {
    db.close();
  }
}

function withoutIndexTime(s: SessionDetail | null): unknown {
  if (!s) return s;
  const { indexedAt: _ignored, ...rest } = s;
  return rest;
}

describe('Library.indexSession', () => {
  it('indexes session.json and the XDF: summary, streams, markers and annotation sets per rater', async () => {
    await writeSession(ws, 's1', { subject: 'P007', protocol: 'film-clips-v1', eegSamples: 300, t0Sec: 5 });
    const lib = Library.open(ws);
    try {
      const r = await lib.indexSession('s1');
      const s = lib.getSession('s1');

      expect(r).toEqual({ id: 's1', status: 'complete', warnings: [] });
      expect(s).not.toBeNull();
      expect(s!.subject).toBe('P007');
      expect(s!.protocol).toBe('film-clips-v1');
      expect(s!.sourceKind).toBe('synthetic');
      expect(s!.path).toBe('sessions/s1');
      expect(s!.createdAt).toBe('2026-11-01T09:00:00.000Z');
      expect(s!.durationSec).toBeCloseTo(2.99, 6); // EEG 5.00 .. 7.99 s is the widest stream
      const eeg = s!.streams.find((t) => t.type === 'EEG')!;
      expect(eeg).toMatchObject({ name: 'TestEEG', channelCount: 2, nominalRateHz: 100, sampleCount: 300, channelFormat: 'float32', sourceId: 'test-amp' });
      expect(eeg.firstTimeSec).toBeCloseTo(5, 9);
      expect(eeg.lastTimeSec).toBeCloseTo(7.99, 9);
      expect(s!.markers.map((m) => m.label)).toEqual(['clip-start:amusement', 'clip-end:amusement']);
      expect(s!.markers[0]!.timeSec).toBeCloseTo(5.5, 9);
      expect(s!.markerCount).toBe(2);
      expect(s!.streamCount).toBe(5);
      expect(s!.annotationSets.map((a) => [a.raterId, a.dimension, a.passId, a.device, a.channelIndex, a.sampleCount])).toEqual([
        ['R01', 'valence', null, 'joystick', 0, 20],
        ['R02', 'arousal', '1', 'mouse', 1, 20],
        ['R02', 'arousal', '2', 'mouse', 1, 15],
        ['R02', 'valence', '1', 'mouse', 0, 20],
        ['R02', 'valence', '2', 'mouse', 0, 15],
      ]);
      const r02 = s!.streams.find((t) => t.xdfStreamId === s!.annotationSets[1]!.xdfStreamId)!;
      expect(r02).toMatchObject({ type: 'ANNOTATION', channelCount: 2, sampleCount: 20 });
      expect(lib.listSubjects()).toEqual([{ id: 'P007', firstSeen: '2026-11-01T09:00:00.000Z', sessionCount: 1 }]);
    } finally {
      lib.close();
    }
  });

  it('replaces a session\'s rows when it is indexed again, without duplicates', async () => {
    await writeSession(ws, 's1');
    const lib = Library.open(ws);
    try {
      await lib.indexSession('s1');
      await lib.indexSession('s1');
      const s = lib.getSession('s1')!;
      expect(s.streams).toHaveLength(5);
      expect(s.markers).toHaveLength(2);
      expect(s.annotationSets).toHaveLength(5);
    } finally {
      lib.close();
    }
  });

  it('lists sessions in creation order and filters them by subject pseudonym', async () => {
    await writeSession(ws, 'b', { subject: 'P002', createdAt: '2026-11-02T10:00:00Z' });
    await writeSession(ws, 'a', { subject: 'P001', createdAt: '2026-11-03T10:00:00Z' });
    await writeSession(ws, 'c', { subject: 'P001', createdAt: '2026-11-01T10:00:00Z' });
    const lib = Library.open(ws);
    try {
      for (const id of ['a', 'b', 'c']) await lib.indexSession(id);
      expect(lib.listSessions().map((s) => s.id)).toEqual(['c', 'b', 'a']);
      expect(lib.listSessions({ subject: 'P001' }).map((s) => s.id)).toEqual(['c', 'a']);
      expect(lib.listSessions({ subject: 'P999' })).toEqual([]);
      expect(lib.listSubjects().map((j) => [j.id, j.sessionCount, j.firstSeen])).toEqual([
        ['P001', 2, '2026-11-01T10:00:00Z'],
        ['P002', 1, '2026-11-02T10:00:00Z'],
      ]);
    } finally {
      lib.close();
    }
  });

  it('indexes an XDF cut mid-chunk with no recorder running as truncated, keeping what could be read', async () => {
    await writeSession(ws, 'cut', { eegSamples: 400 });
    const xdf = xdfPathOf(ws, 'cut');
    truncateSync(xdf, statSync(xdf).size - 700); // into the annotation / footer chunks
    const lib = Library.open(ws);
    try {
      const r = await lib.indexSession('cut');
      const s = lib.getSession('cut')!;
      expect(r.status).toBe('truncated');
      expect(r.warnings.join('\n')).toMatch(/recording\.xdf.*truncated/);
      expect(s.status).toBe('truncated');
      expect(s.streams.find((t) => t.type === 'EEG')!.sampleCount).toBe(400);
    } finally {
      lib.close();
    }
  });

  it('indexes a session still being recorded (open writer, live lock) as recording, then complete after it closes', async () => {
    await writeSession(ws, 'live', { keepOpen: true }).then(async (writer) => {
      await acquireRecordingLock(sessionDir(ws, 'live'));
      const lib = Library.open(ws);
      try {
        const during = await lib.indexSession('live');
        const duringEeg = lib.getSession('live')!.streams.find((t) => t.type === 'EEG')!;
        await writer!.close();
        await releaseRecordingLock(sessionDir(ws, 'live'));
        const after = await lib.indexSession('live');

        expect(during.status).toBe('recording');
        expect(during.warnings).toEqual([]);
        expect(duringEeg.sampleCount).toBe(200);
        expect(after.status).toBe('complete');
        expect(lib.getSession('live')!.status).toBe('complete');
      } finally {
        lib.close();
      }
    });
  });

  it('treats a lock whose recorder process is gone as a crash: an unfinished XDF is truncated', async () => {
    const writer = await writeSession(ws, 'crashed', { keepOpen: true });
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    writeFileSync(join(sessionDir(ws, 'crashed'), RECORDING_LOCK_FILE), JSON.stringify({ pid: deadPid, host: hostname(), startedAt: new Date().toISOString() }));
    const lib = Library.open(ws);
    try {
      const r = await lib.indexSession('crashed');
      expect(r.status).toBe('truncated');
      expect(r.warnings.join('\n')).toMatch(/no stream footers/);
    } finally {
      lib.close();
      await writer!.close();
    }
  });

  it('refreshStaleRecordings re-indexes only sessions left recording by a recorder that is gone', async () => {
    const crashed = await writeSession(ws, 'crashed', { keepOpen: true });
    const live = await writeSession(ws, 'live', { keepOpen: true });
    await writeSession(ws, 'done');
    await acquireRecordingLock(sessionDir(ws, 'crashed'));
    await acquireRecordingLock(sessionDir(ws, 'live'));
    const lib = Library.open(ws);
    try {
      for (const id of ['crashed', 'live', 'done']) await lib.indexSession(id);
      const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
      writeFileSync(join(sessionDir(ws, 'crashed'), RECORDING_LOCK_FILE), JSON.stringify({ pid: deadPid, host: hostname(), startedAt: '' }));

      const changed = await lib.refreshStaleRecordings();

      expect(changed.map((r) => [r.id, r.status])).toEqual([['crashed', 'truncated']]);
      expect(lib.listSessions().map((s) => [s.id, s.status])).toEqual([
        ['crashed', 'truncated'],
        ['done', 'complete'],
        ['live', 'recording'],
      ]);
    } finally {
      lib.close();
      await crashed!.close();
      await live!.close();
    }
  });

  it('indexes a session folder without recording.xdf as truncated with a warning, instead of failing', async () => {
    await writeSession(ws, 'noxdf');
    unlinkSync(xdfPathOf(ws, 'noxdf'));
    const lib = Library.open(ws);
    try {
      const r = await lib.indexSession('noxdf');
      expect(r.status).toBe('truncated');
      expect(r.warnings[0]).toMatch(/recording\.xdf: missing/);
      expect(lib.getSession('noxdf')!.streamCount).toBe(0);
    } finally {
      lib.close();
    }
  });

  it('indexes a session whose recording.xdf is not XDF at all as truncated, pointing to himoe repair', async () => {
    await writeSession(ws, 'junk');
    writeFileSync(xdfPathOf(ws, 'junk'), 'PK\u0003\u0004 this is a zip, not a recording');
    const lib = Library.open(ws);
    try {
      const r = await lib.indexSession('junk');
      expect(r.status).toBe('truncated');
      expect(r.warnings[0]).toMatch(/recording\.xdf: unreadable \(.*magic.*\).*himoe repair/);
      expect(lib.getSession('junk')!.streamCount).toBe(0);
    } finally {
      lib.close();
    }
  });

  it('rejects a broken session.json with an error naming the file', async () => {
    await writeSession(ws, 'bad');
    writeFileSync(join(sessionDir(ws, 'bad'), 'session.json'), '{"id": "bad", "createdAt": ');
    const lib = Library.open(ws);
    try {
      const err = await lib.indexSession('bad').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkspaceError);
      expect((err as WorkspaceError).code).toBe('BAD_SESSION_META');
      expect((err as Error).message).toContain(join(sessionDir(ws, 'bad'), 'session.json'));
    } finally {
      lib.close();
    }
  });

  it('names a missing session folder', async () => {
    const lib = Library.open(ws);
    try {
      await expect(lib.indexSession('nope')).rejects.toMatchObject({ code: 'NO_SESSION' });
    } finally {
      lib.close();
    }
  });
});

describe('Library.rebuild', () => {
  it('recreates the same rows from the session and run folders after library.sqlite is deleted', async () => {
    await writeSession(ws, 's1', { subject: 'P001' });
    await writeSession(ws, 's2', { subject: 'P002', eegSamples: 50, markers: [[10.1, 'baseline']] });
    await writeSession(ws, 's3', { subject: null });
    let lib = Library.open(ws);
    for (const id of ['s1', 's2', 's3']) await lib.indexSession(id);
    await lib.recordRun({ id: 'm1', kind: 'model', config: { layers: 2 }, metrics: { ccc: 0.41 }, createdAt: '2026-11-05T00:00:00Z' });
    await lib.recordRun({ id: 'e1', kind: 'evaluation', config: { protocol: 'loso' }, createdAt: '2026-11-06T00:00:00Z' });
    const before = { sessions: ['s1', 's2', 's3'].map((id) => withoutIndexTime(lib.getSession(id))), subjects: lib.listSubjects(), runs: lib.listRuns() };
    lib.close();
    const rowsBefore = dumpTables(join(ws, 'library.sqlite'));
    for (const f of readdirSync(ws).filter((f) => f.startsWith('library.sqlite'))) unlinkSync(join(ws, f));

    lib = Library.open(ws);
    try {
      const r = await lib.rebuild();
      const after = { sessions: ['s1', 's2', 's3'].map((id) => withoutIndexTime(lib.getSession(id))), subjects: lib.listSubjects(), runs: lib.listRuns() };

      expect(r).toMatchObject({ sessions: 3, runs: 2, skipped: [] });
      expect(after).toEqual(before);
      expect(dumpTables(join(ws, 'library.sqlite'))).toEqual(rowsBefore);
      expect(rowsBefore.markers).toHaveLength(5);
      expect(rowsBefore.annotation_sets).toHaveLength(15);
      expect(before.sessions.every((s) => s !== null)).toBe(true);
      expect(before.runs.map((x) => x.id)).toEqual(['m1', 'e1']);
    } finally {
      lib.close();
    }
  });

  it('drops rows of session folders that no longer exist', async () => {
    await writeSession(ws, 'keep');
    await writeSession(ws, 'gone');
    const lib = Library.open(ws);
    try {
      await lib.indexSession('keep');
      await lib.indexSession('gone');
      rmSync(sessionDir(ws, 'gone'), { recursive: true });
      await lib.rebuild();
      expect(lib.listSessions().map((s) => s.id)).toEqual(['keep']);
    } finally {
      lib.close();
    }
  });

  it('skips a session folder with a broken session.json with a warning naming the file, and indexes the rest', async () => {
    await writeSession(ws, 'good1');
    await writeSession(ws, 'broken');
    await writeSession(ws, 'named');
    await writeSession(ws, 'good2');
    const brokenFile = join(sessionDir(ws, 'broken'), 'session.json');
    writeFileSync(brokenFile, '{ not json');
    const namedFile = join(sessionDir(ws, 'named'), 'session.json');
    writeFileSync(namedFile, readFileSync(namedFile, 'utf8').replace('"P001"', '"John Smith"'));
    const lib = Library.open(ws);
    try {
      const r = await lib.rebuild();
      expect(r.sessions).toBe(2);
      expect(r.skipped.map((s) => s.path)).toEqual([sessionDir(ws, 'broken'), sessionDir(ws, 'named')]);
      expect(r.warnings.some((w) => w.includes(brokenFile) && /not valid JSON/.test(w))).toBe(true);
      expect(r.warnings.some((w) => w.includes(namedFile) && /pseudonym/.test(w))).toBe(true);
      expect(lib.listSessions().map((s) => s.id)).toEqual(['good1', 'good2']);
    } finally {
      lib.close();
    }
  });

  it('skips a damaged run.json with a warning and keeps the other runs', async () => {
    const lib = Library.open(ws);
    try {
      await lib.recordRun({ id: 'ok', kind: 'evaluation', config: {}, metrics: { rmse: 0.3 } });
      await lib.recordRun({ id: 'bad', kind: 'evaluation', config: {} });
      writeFileSync(join(ws, 'evaluations', 'bad', 'run.json'), '[]');
      const r = await lib.rebuild();
      expect(r.runs).toBe(1);
      expect(r.skipped[0]!.path).toBe(join(ws, 'evaluations', 'bad', 'run.json'));
      expect(lib.listRuns().map((x) => x.id)).toEqual(['ok']);
    } finally {
      lib.close();
    }
  });
});

describe('damaged index', () => {
  it('refuses a corrupt library.sqlite with an error that suggests himoe library rebuild', () => {
    writeFileSync(join(ws, 'library.sqlite'), Buffer.alloc(8192, 0x5a));
    let err: unknown;
    try {
      Library.open(ws).close();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LibraryError);
    expect((err as LibraryError).code).toBe('CORRUPT_INDEX');
    expect((err as Error).message).toContain(`himoe library rebuild --workspace ${ws}`);
  });

  it('rebuildWorkspace moves the corrupt file aside unchanged and builds a fresh index from the folders', async () => {
    await writeSession(ws, 's1');
    const garbage = Buffer.alloc(8192, 0x5a);
    writeFileSync(join(ws, 'library.sqlite'), garbage);

    const r = await Library.rebuildWorkspace(ws);

    expect(r.movedAside).toMatch(/library\.sqlite\.corrupt-\d{8}T\d{6}Z$/);
    expect(readFileSync(r.movedAside!)).toEqual(garbage);
    expect(r.sessions).toBe(1);
    const lib = Library.open(ws, { create: false });
    try {
      expect(lib.listSessions().map((s) => s.id)).toEqual(['s1']);
    } finally {
      lib.close();
    }
  });

  it('names a missing workspace when not asked to create one', () => {
    expect(() => Library.open(join(ws, 'typo'), { create: false })).toThrow(/no such workspace folder/);
    expect(existsSync(join(ws, 'typo'))).toBe(false);
  });
});

describe('runs', () => {
  it('records a model run as models/<id>/run.json and an index row', async () => {
    const lib = Library.open(ws);
    try {
      const run = await lib.recordRun({ kind: 'model', config: { experts: 8 }, metrics: { cccValence: 0.5 }, createdAt: '2026-11-24T04:35:00.000Z' });
      const onDisk = JSON.parse(readFileSync(join(ws, run.path, 'run.json'), 'utf8')) as unknown;
      expect(run.id).toMatch(/^model-20261124T043500Z-[0-9a-f]{6}$/);
      expect(run.path).toBe(`models/${run.id}`);
      expect(onDisk).toEqual(run);
      expect(lib.getRun(run.id)).toEqual(run);
      expect(lib.listRuns({ kind: 'evaluation' })).toEqual([]);
    } finally {
      lib.close();
    }
  });

  it('rejects an unknown run kind and a run id that is not a folder name', async () => {
    const lib = Library.open(ws);
    try {
      await expect(lib.recordRun({ kind: 'training' as 'model', config: {} })).rejects.toMatchObject({ code: 'BAD_RUN' });
      await expect(lib.recordRun({ id: '../escape', kind: 'model', config: {} })).rejects.toMatchObject({ code: 'BAD_ID' });
      expect(existsSync(join(ws, 'escape'))).toBe(false);
    } finally {
      lib.close();
    }
  });
});

describe('concurrent readers (WAL)', () => {
  it('reads committed rows while another connection holds an open write transaction', async () => {
    await writeSession(ws, 's1');
    const reader = Library.open(ws);
    await reader.indexSession('s1');
    const writer = openDatabase(join(ws, 'library.sqlite'));
    try {
      writer.exec('BEGIN IMMEDIATE');
      writer
        .prepare(`INSERT INTO sessions (id, subject_id, path, created_at, protocol, notes, source_kind, status, indexed_at)
          VALUES ('uncommitted', NULL, 'sessions/uncommitted', '2026-11-01T00:00:00Z', '', '', 'device', 'recording', '2026-11-01T00:00:00Z')`)
        .run();

      const t0 = performance.now();
      const during = reader.listSessions().map((s) => s.id);
      const detail = reader.getSession('s1');
      const readMs = performance.now() - t0;
      writer.exec('COMMIT');
      const after = reader.listSessions().map((s) => s.id);

      expect(reader.path).toBe(join(ws, 'library.sqlite'));
      expect(String(writer.pragma('journal_mode', { simple: true }))).toBe('wal');
      expect(during).toEqual(['s1']);
      expect(detail!.streams).toHaveLength(5);
      expect(readMs).toBeLessThan(1000); // no waiting on the writer's lock (busy_timeout is 5 s)
      expect(after).toEqual(['uncommitted', 's1']);
    } finally {
      if (writer.inTransaction) writer.exec('ROLLBACK');
      writer.close();
      reader.close();
    }
  });

  it('opens a new reader at once while another connection holds the write lock', async () => {
    await writeSession(ws, 's1');
    const first = Library.open(ws);
    await first.indexSession('s1');
    first.close();
    const writer = openDatabase(join(ws, 'library.sqlite'));
    try {
      writer.exec('BEGIN IMMEDIATE');
      writer.prepare("UPDATE sessions SET notes = 'changing' WHERE id = 's1'").run();

      const t0 = performance.now();
      const reader = Library.open(ws, { create: false });
      const notes = reader.getSession('s1')!.notes;
      reader.close();
      const openMs = performance.now() - t0;

      expect(notes).toBe('fixture');
      expect(openMs).toBeLessThan(1000);
    } finally {
      writer.exec('ROLLBACK');
      writer.close();
    }
  });

  it('reports a write lock held past the busy timeout as BUSY, not as a raw SQLite error', async () => {
    await writeSession(ws, 's1');
    Library.open(ws).close();
    const writer = openDatabase(join(ws, 'library.sqlite'));
    writer.pragma('busy_timeout = 0');
    const lib = Library.open(ws);
    try {
      writer.exec('BEGIN IMMEDIATE');
      const err = await lib.indexSession('s1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(LibraryError);
      expect((err as LibraryError).code).toBe('BUSY');
      expect((err as Error).message).toMatch(/write lock for more than 5 s/);
    } finally {
      writer.exec('ROLLBACK');
      writer.close();
      lib.close();
    }
  }, 20_000);

  it('enforces foreign keys: a stream row needs its session', () => {
    const lib = Library.open(ws);
    lib.close();
    const db = openDatabase(join(ws, 'library.sqlite'));
    try {
      expect(() =>
        db.prepare(`INSERT INTO streams (session_id, xdf_stream_id, name, type, channel_count, nominal_rate_hz, sample_count) VALUES ('none', 1, 'x', 'EEG', 1, 1, 0)`).run(),
      ).toThrow(/FOREIGN KEY/);
    } finally {
      db.close();
    }
  });
});

describe('openSessionRecording', () => {
  it('creates the session folder and indexes it as recording, then as complete after finish', async () => {
    const log: string[] = [];
    const rec = await openSessionRecording(
      ws,
      { subject: 'P044', protocol: 'rest', source: { kind: 'device', device: 'test-amp' }, streams: [], createdAt: new Date('2026-11-24T05:00:00Z') },
      (l) => log.push(l),
    );
    const w = await XdfWriter.create(rec.xdfPath);
    w.addStream(EEG);
    await w.flush();
    await rec.index();
    const lib = Library.open(ws, { create: false });
    const during = lib.getSession(rec.meta.id)!;
    await w.close();
    await rec.finish();
    await rec.finish(); // idempotent
    const after = lib.getSession(rec.meta.id)!;
    lib.close();

    expect(rec.meta.id).toMatch(/^20261124T050000Z-P044-[0-9a-f]{6}$/);
    expect(rec.xdfPath).toBe(join(sessionDir(ws, rec.meta.id), 'recording.xdf'));
    expect(during).toMatchObject({ status: 'recording', subject: 'P044', sourceKind: 'device', streamCount: 1 });
    expect(after.status).toBe('complete');
    expect(existsSync(join(sessionDir(ws, rec.meta.id), RECORDING_LOCK_FILE))).toBe(false);
    expect(log).toEqual([]);
  });

  it('never throws when the index cannot be written: it logs the session and the rebuild that recovers it', async () => {
    const log: string[] = [];
    const rec = await openSessionRecording(ws, { protocol: 'rest', source: { kind: 'device' }, streams: [] }, (l) => log.push(l));
    writeFileSync(join(ws, 'library.sqlite'), Buffer.alloc(4096, 0x33));

    await rec.finish();

    expect(log).toHaveLength(1);
    expect(log[0]).toContain(`session ${rec.meta.id} is recorded but not indexed`);
    expect(log[0]).toContain(`himoe library rebuild --workspace ${ws}`);
  });

  it('refuses a subject that is not a pseudonym before creating anything', async () => {
    await expect(openSessionRecording(ws, { subject: 'Jane Doe', protocol: '', source: { kind: 'device' }, streams: [] }, () => {})).rejects.toMatchObject({
      code: 'BAD_SUBJECT',
    });
    expect(existsSync(join(ws, 'sessions')) ? readdirSync(join(ws, 'sessions')) : []).toEqual([]);
  });
});
