// Security: ids and names coming from the UI (WebSocket or IPC) never reach outside the workspace.
// Every string field of every request in the contract gets traversal payloads ('../x', '..%2f',
// absolute paths, NUL bytes, backslashes) over the fully wired workstation with one real recorded
// session; nothing outside the workspace is read, moved, created or returned as a path.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests, type RequestName } from '../../src-main/api/contract.js';
import fc from 'fast-check';
import { requestParams } from './fuzz-arbitraries.js';
import { makeWorkstation, paramFields, REQUEST_NAMES, textKind } from './workstation-fixture.js';

const parent = mkdtempSync(join(tmpdir(), 'himoe-traversal-'));
const ws = join(parent, 'ws');
const { service, api, shutdown } = makeWorkstation(ws);
let sessionId = '';

beforeAll(async () => {
  // Things a traversal would hit: a session-like folder and a secret next to the workspace.
  mkdirSync(join(parent, 'victim'));
  writeFileSync(join(parent, 'victim', 'session.json'), '{"id":"victim"}');
  writeFileSync(join(parent, 'victim', 'recording.xdf'), 'not yours');
  writeFileSync(join(parent, 'secret.txt'), 'secret');
  const started = await api.handle('session.start', { modalities: ['EEG'], subject: 'P001' });
  expect(started.ok).toBe(true);
  await new Promise((r) => setTimeout(r, 300));
  expect((await api.handle('session.stop', {})).ok).toBe(true);
  const list = await api.handle('library.list', {});
  if (!list.ok) throw new Error(list.error.message);
  sessionId = (list.result as { sessions: Array<{ id: string }> }).sessions[0]!.id;
});

afterAll(async () => {
  await shutdown();
  rmSync(parent, { recursive: true, force: true });
});

function payloads(): string[] {
  return [
    '../victim',
    '..',
    '.',
    '..%2fvictim',
    '..%2F..%2Fvictim',
    '%2e%2e%2fvictim',
    '..\\victim',
    'sessions/../../victim',
    `${sessionId}/../../victim`,
    `${sessionId}/..`,
    `${sessionId}\u0000../../victim`,
    'victim\u0000',
    join(parent, 'victim'),
    join(parent, 'secret.txt'),
    '/etc/passwd',
    'C:\\Windows\\win.ini',
    `playback:${join(parent, 'secret.txt')}`,
    // Device specs whose port is a file: opening it as a serial port must neither read nor write it.
    `cyton:${join(parent, 'secret.txt')}`,
    `text:${join(parent, 'secret.txt')}:columns=a:uV`,
    'text:../secret.txt:columns=a:uV',
  ];
}

/** Params that pass `name`'s schema (found by seeded sampling), to put one payload into. */
function validBase(name: RequestName): Record<string, unknown> {
  const schema = requests[name].params;
  // Prefer the plainest valid params (defaults only), so the payload is the one unusual thing.
  for (const plain of [{}, { id: sessionId }]) if (schema.safeParse(plain).success) return plain;
  for (const sample of fc.sample(requestParams(name), { seed: 1, numRuns: 5000 })) {
    const o = 'id' in paramFields(name) ? { ...sample, id: sessionId } : sample;
    if (schema.safeParse(o).success) return o;
  }
  throw new Error(`no valid params found for ${name}`);
}

/** Every string in a result under a key that names a file or folder (path, out, trashPath, files, ...). */
function pathsIn(v: unknown, out: string[] = [], isPath = false): string[] {
  if (typeof v === 'string' && isPath) out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => pathsIn(x, out, isPath));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) pathsIn(x, out, /(path|out|dir|files?)$/i.test(k));
  return out;
}

const inside = (p: string) => {
  const rel = relative(ws, resolve(ws, p));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

// Every (request, text field) the contract has: computed at collection time, so each is its own
// test with its own time bound (one test over all of them took 24-37 s on a quiet 2-core machine
// and overran a 60 s bound on a loaded one).
const targets = REQUEST_NAMES.flatMap((name) =>
  Object.entries(paramFields(name)).flatMap(([field, schema]) => {
    const kind = textKind(schema);
    return kind ? [[name, field, kind] as const] : [];
  }),
);

describe('paths from the UI stay inside the workspace', () => {
  const accepted: string[] = [];

  it('covers the id, name and source fields, and accepts the real session id', async () => {
    expect(targets.map(([n, f]) => `${n}.${f}`)).toEqual(
      expect.arrayContaining(['library.get.id', 'library.export.id', 'library.delete.id', 'devices.removeProfile.name', 'devices.saveProfile.source', 'session.start.sources']),
    );
    // Control: the real id is accepted, so refusals below are about the payloads.
    expect((await api.handle('library.get', { id: sessionId })).ok).toBe(true);
  });

  it.each(targets.map(([name, field, kind]) => ({ target: `${name}.${field}`, name, field, kind })))('$target refuses or contains every traversal payload', async ({ name, field, kind }) => {
    for (const payload of payloads()) {
      const out = await api.handle(name, { ...validBase(name), [field]: kind === 'string' ? payload : [payload] });
      if ((await api.handle('session.status', {})).ok && service.engine) await api.handle('session.stop', {});
      if (!out.ok) continue;
      accepted.push(`${name}.${field}=${JSON.stringify(payload)}`);
      for (const p of pathsIn(out.result)) expect(inside(p), `${name}.${field}=${JSON.stringify(payload)} returned ${p}`).toBe(true);
      expect(JSON.stringify(out.result)).not.toContain('not yours');
      expect(JSON.stringify(out.result)).not.toContain('root:');
    }
  });

  it('touched nothing next to the workspace, kept the recorded session, and every id-taking request refused every payload', () => {
    expect(readdirSync(parent).sort()).toEqual(['secret.txt', 'victim', 'ws']);
    expect(readFileSync(join(parent, 'victim', 'recording.xdf'), 'utf8')).toBe('not yours');
    expect(readFileSync(join(parent, 'secret.txt'), 'utf8')).toBe('secret');
    expect(existsSync(join(ws, 'sessions', sessionId, 'recording.xdf'))).toBe(true);
    // Free text such as notes may accept the payloads; ids may not.
    expect(accepted.filter((a) => /^library\.(get|export|delete)\.id=/.test(a))).toEqual([]);
  });
});
