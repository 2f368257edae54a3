import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  listSessionIds,
  readSessionMeta,
  sessionDir,
  writeSessionMeta,
  WorkspaceError,
  type SessionMeta,
} from '../../../src-main/storage/workspace.js';

let ws: string;
beforeEach(() => {
  ws = mkdtempSync(join(tmpdir(), 'himoe-ws-'));
});
afterEach(() => {
  rmSync(ws, { recursive: true, force: true });
});

const meta: SessionMeta = {
  id: 'deap-s01',
  subject: 's01',
  createdAt: '2026-11-24T04:35:00.000Z',
  protocol: 'DEAP music videos',
  source: { kind: 'import', dataset: 'DEAP', file: 's01.dat' },
  streams: [{ id: 'eeg', name: 'DEAP EEG', type: 'EEG', channelCount: 32, nominalRateHz: 128 }],
  notes: '',
};

describe('workspace session.json', () => {
  it('round-trips session.json through sessions/<id>/ and leaves no temp file', async () => {
    await writeSessionMeta(ws, meta);
    expect(await readSessionMeta(ws, 'deap-s01')).toEqual(meta);
    expect(existsSync(join(sessionDir(ws, 'deap-s01'), 'session.json.tmp'))).toBe(false);
    expect(JSON.parse(readFileSync(join(ws, 'sessions', 'deap-s01', 'session.json'), 'utf8'))).toEqual(meta);
  });

  it('lists session folders sorted, ignoring files and an absent sessions/ folder', async () => {
    expect(await listSessionIds(ws)).toEqual([]);
    await writeSessionMeta(ws, { ...meta, id: 'b' });
    await writeSessionMeta(ws, { ...meta, id: 'a' });
    writeFileSync(join(ws, 'sessions', 'stray.txt'), '');
    expect(await listSessionIds(ws)).toEqual(['a', 'b']);
  });

  it('rejects an id that would leave the sessions folder and a subject that is not a pseudonym', async () => {
    expect(() => sessionDir(ws, '../x')).toThrow(WorkspaceError);
    await expect(writeSessionMeta(ws, { ...meta, subject: 'Jane Doe' })).rejects.toThrow(/"subject".*pseudonym/);
  });

  it('names the file and the field of a malformed session.json', async () => {
    mkdirSync(join(ws, 'sessions', 'x'), { recursive: true });
    const file = join(ws, 'sessions', 'x', 'session.json');
    writeFileSync(file, JSON.stringify({ ...meta, id: 'x', createdAt: 'yesterday' }));
    await expect(readSessionMeta(ws, 'x')).rejects.toThrow(`${file}: field "createdAt" must be an ISO 8601 time`);
    writeFileSync(file, JSON.stringify({ ...meta, id: 'y' }));
    await expect(readSessionMeta(ws, 'x')).rejects.toThrow(/"id" is "y" but the folder is "x"/);
    writeFileSync(file, JSON.stringify({ ...meta, id: 'x', notes: 'x'.repeat(2 << 20) }));
    await expect(readSessionMeta(ws, 'x')).rejects.toThrow(/bytes; a session\.json holds at most 1048576 bytes/);
  });
});
