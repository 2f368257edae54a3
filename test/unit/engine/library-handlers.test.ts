// The Sessions view's requests over a real workspace (session folders + SQLite index):
// search, open, export into <ws>/exports/<id>/, delete into <ws>/trash/ with re-indexing.

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { libraryHandlers, matchesQuery } from '../../../src-main/engine/library-handlers.js';
import type { RequestHandler, WorkstationService } from '../../../src-main/engine/workstation-service.js';
import type { RequestName } from '../../../src-main/api/contract.js';
import { readEdf } from '../../../src-main/storage/edf/index.js';
import { Library } from '../../../src-main/storage/library/library.js';
import { acquireRecordingLock } from '../../../src-main/storage/library/recording-lock.js';
import { writeSession } from '../storage/library/session-fixture.js';

let ws: string;
const service = {} as WorkstationService;

function handler<N extends RequestName>(name: N): RequestHandler<N> {
  const h = libraryHandlers({ workspace: ws, now: () => new Date(Date.UTC(2026, 10, 24, 5, 0, 0)) })[name];
  if (!h) throw new Error(`no handler for ${name}`);
  return h as RequestHandler<N>;
}

beforeEach(async () => {
  ws = mkdtempSync(join(tmpdir(), 'himoe-libh-'));
  await writeSession(ws, 'sess-a', { subject: 'P001', protocol: 'film-clips-v1' });
  await writeSession(ws, 'sess-b', { subject: 'P002', protocol: 'rest-baseline' });
  const lib = Library.open(ws);
  await lib.rebuild();
  lib.close();
});

afterEach(() => rmSync(ws, { recursive: true, force: true }));

describe('library handlers', () => {
  it('lists every session and subject, filters by subject and by words of a query', async () => {
    const list = handler('library.list');
    const all = await list({ subject: '', query: '' }, service);
    const bySubject = await list({ subject: 'P002', query: '' }, service);
    const byQuery = await list({ subject: '', query: 'FILM p001' }, service);
    const none = await list({ subject: '', query: 'P001 rest' }, service);

    expect(all.sessions.map((s) => s.id).sort()).toEqual(['sess-a', 'sess-b']);
    expect(all.subjects.map((s) => s.id).sort()).toEqual(['P001', 'P002']);
    expect(bySubject.sessions.map((s) => s.id)).toEqual(['sess-b']);
    expect(byQuery.sessions.map((s) => s.id)).toEqual(['sess-a']);
    expect(none.sessions).toEqual([]);
  });

  it('opens a session with its streams, markers and annotation sets', async () => {
    const s = await handler('library.get')({ id: 'sess-a' }, service);

    expect(s.streams.map((x) => x.type)).toContain('EEG');
    expect(s.markers.map((m) => m.label)).toEqual(['clip-start:amusement', 'clip-end:amusement']);
    expect(s.annotationSets.map((a) => `${a.raterId}/${a.dimension}`)).toContain('R01/valence');
  });

  it('refuses ids that could leave the sessions folder, and unknown sessions', async () => {
    await expect(handler('library.get')({ id: '../etc' }, service)).rejects.toMatchObject({ code: 'BAD_SESSION_ID' });
    await expect(handler('library.delete')({ id: '..', confirm: true }, service)).rejects.toMatchObject({ code: 'BAD_SESSION_ID' });
    await expect(handler('library.export')({ id: 'nope', to: 'edf' }, service)).rejects.toMatchObject({ code: 'NO_SESSION' });
  });

  it('exports a session as EDF+ under <ws>/exports/<id>/ and reports the path', async () => {
    const r = await handler('library.export')({ id: 'sess-a', to: 'edf' }, service);

    expect(r.out).toBe(join(ws, 'exports', 'sess-a', 'sess-a.edf'));
    const edf = readEdf(r.out);
    expect(edf.signals.some((s) => s.label.includes('Fz'))).toBe(true);
    expect(r.bytes).toBeGreaterThan(256);
  });

  it('moves a deleted session to the trash (never erased) and drops it from the library', async () => {
    const r = await handler('library.delete')({ id: 'sess-a', confirm: true }, service);

    expect(r.trashPath).toBe(join(ws, 'trash', 'sess-a-20261124T050000Z'));
    expect(existsSync(join(r.trashPath, 'recording.xdf'))).toBe(true);
    expect(existsSync(join(ws, 'sessions', 'sess-a'))).toBe(false);
    const after = await handler('library.list')({ subject: '', query: '' }, service);
    expect(after.sessions.map((s) => s.id)).toEqual(['sess-b']);
    expect(readdirSync(join(ws, 'trash'))).toHaveLength(1);
  });

  it('neither exports nor trashes a session while it is being recorded', async () => {
    const writer = await writeSession(ws, 'sess-live', { keepOpen: true });
    await acquireRecordingLock(join(ws, 'sessions', 'sess-live'));
    const lib = Library.open(ws);
    await lib.indexSession('sess-live');
    lib.close();

    await expect(handler('library.export')({ id: 'sess-live', to: 'csv' }, service)).rejects.toMatchObject({ code: 'SESSION_RECORDING' });
    await expect(handler('library.delete')({ id: 'sess-live', confirm: true }, service)).rejects.toMatchObject({ code: 'SESSION_RECORDING' });
    await expect(handler('library.update')({ id: 'sess-live', subject: 'P009' }, service)).rejects.toMatchObject({ code: 'SESSION_RECORDING' });
    expect(existsSync(join(ws, 'sessions', 'sess-live', 'recording.xdf'))).toBe(true);
    expect(existsSync(join(ws, 'trash'))).toBe(false);
    await writer?.close();
  });

  it('corrects a session\'s subject, protocol and notes in session.json and the index; the recording is untouched', async () => {
    const xdf = join(ws, 'sessions', 'sess-b', 'recording.xdf');
    const before = readFileSync(xdf);
    const s = await handler('library.update')({ id: 'sess-b', subject: 'P001', notes: 'pseudonym corrected' }, service);
    expect(s).toMatchObject({ id: 'sess-b', subject: 'P001', protocol: 'rest-baseline', notes: 'pseudonym corrected' });
    expect(JSON.parse(readFileSync(join(ws, 'sessions', 'sess-b', 'session.json'), 'utf8'))).toMatchObject({ subject: 'P001', notes: 'pseudonym corrected', protocol: 'rest-baseline' });
    expect(readFileSync(xdf).equals(before)).toBe(true);
    const list = await handler('library.list')({ subject: '', query: '' }, service);
    expect(list.subjects).toEqual([{ id: 'P001', sessionCount: 2 }]);
    // Exports carry the corrected subject, not the one in the recording's header.
    const edf = readEdf((await handler('library.export')({ id: 'sess-b', to: 'edf' }, service)).out);
    expect(edf.patientId.split(' ')[0]).toBe('P001');
    // Unknown is allowed; a name is not a pseudonym.
    await expect(handler('library.update')({ id: 'sess-b', subject: null }, service)).resolves.toMatchObject({ subject: null });
    // Corrected to unknown: the export names no subject, not the header's.
    const unknown = readEdf((await handler('library.export')({ id: 'sess-b', to: 'edf' }, service)).out);
    expect(unknown.patientId.split(' ')[0]).toBe('X');
    await expect(handler('library.update')({ id: 'sess-b', subject: 'Jane Doe' }, service)).rejects.toMatchObject({ code: 'BAD_SUBJECT' });
    await expect(handler('library.update')({ id: 'nope', notes: '' }, service)).rejects.toMatchObject({ code: 'NO_SESSION' });
    await expect(handler('library.update')({ id: '../x', notes: '' }, service)).rejects.toMatchObject({ code: 'BAD_SESSION_ID' });
  });

  it('matches a query against id, subject, protocol and notes', () => {
    const s = { id: 'x1', subject: 'P9', path: '', createdAt: '', durationSec: null, protocol: 'stroop', notes: 'noisy ECG', sourceKind: 'device', status: 'complete' as const, streamCount: 0, markerCount: 0 };
    expect(matchesQuery(s, 'ecg  p9')).toBe(true);
    expect(matchesQuery(s, 'stroop rest')).toBe(false);
  });
});
