import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRecord } from '../../../src-main/cli/record.js';
import { Library, type SessionSummary } from '../../../src-main/storage/library/index.js';
import { himoe, type CliRun as Run } from './run-cli.js';



let dir: string;
let ws: string;
let first: Run;
let second: Run;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'himoe-cli-lib-'));
  ws = join(dir, 'ws');
  first = await himoe('record', '--duration', '4', '--seed', '2', '--workspace', ws, '--subject', 'P012', '--notes', 'pilot', '--json');
  second = await himoe('record', '--duration', '3', '--seed', '5', '--modalities', 'eeg,eda', '--workspace', ws, '--subject', 'P013', '--json');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A copy of the recorded workspace, so a test may damage it. */
function copyWorkspace(name: string): string {
  const copy = join(dir, name);
  cpSync(ws, copy, { recursive: true });
  return copy;
}

describe('himoe record --workspace', () => {
  it('records into sessions/<id>/ with session.json and indexes the finished session as complete', async () => {
    expect(first.code, first.err).toBe(0);
    const r = JSON.parse(first.out) as { sessionId: string; path: string };
    const folder = join(ws, 'sessions', r.sessionId);
    const meta = JSON.parse(readFileSync(join(folder, 'session.json'), 'utf8')) as Record<string, unknown>;

    expect(r.sessionId).toMatch(/^\d{8}T\d{6}Z-P012-[0-9a-f]{6}$/);
    expect(r.path).toBe(join(folder, 'recording.xdf'));
    expect(existsSync(r.path)).toBe(true);
    expect(readdirSync(folder).sort()).toEqual(['recording.xdf', 'session.json']); // the lock is gone
    expect(meta).toMatchObject({ id: r.sessionId, subject: 'P012', protocol: 'synthetic', notes: 'pilot', source: { kind: 'synthetic', seed: 2 } });
    expect((meta.streams as Array<{ type: string }>).map((s) => s.type)).toEqual(expect.arrayContaining(['EEG', 'ECG', 'EDA', 'PPG', 'RESP', 'MARKER']));

    const list = await himoe('sessions', '--workspace', ws, '--json');
    const sessions = JSON.parse(list.out) as SessionSummary[];
    const s = sessions.find((x) => x.id === r.sessionId)!;
    expect(list.code).toBe(0);
    expect(s).toMatchObject({ subject: 'P012', status: 'complete', notes: 'pilot', sourceKind: 'synthetic', path: `sessions/${r.sessionId}` });
    expect(s.streamCount).toBeGreaterThanOrEqual(6);
    expect(s.durationSec).toBeGreaterThan(3.5);
    expect(s.durationSec).toBeLessThan(4.6);
  });

  it('shows the session as recording in the library while it is being recorded', async () => {
    const live = join(dir, 'live-ws');
    const ac = new AbortController();
    const sink = { write: () => {}, isTTY: false };
    const recording = runRecord({ source: 'synthetic', modalities: 'eeg', seed: '1', realtime: true, workspace: live, subject: 'P020' }, sink, ac.signal);
    let during: SessionSummary[] = [];
    for (let i = 0; i < 50 && during.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      if (!existsSync(join(live, 'library.sqlite'))) continue;
      const lib = Library.open(live, { create: false });
      try {
        during = lib.listSessions();
      } finally {
        lib.close();
      }
    }
    ac.abort();
    const result = await recording;
    const lib = Library.open(live, { create: false });
    const after = lib.listSessions();
    lib.close();

    expect(during.map((s) => [s.id, s.status])).toEqual([[result.sessionId, 'recording']]);
    expect(after.map((s) => [s.id, s.status])).toEqual([[result.sessionId, 'complete']]);
  });

  it('leaves a session killed with SIGKILL that indexes as truncated, and complete once repaired', async () => {
    const killedWs = join(dir, 'killed-ws');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(dirname(fileURLToPath(import.meta.url)), 'himoe-cli.child.ts'), 'record', '--realtime', '--modalities', 'eeg', '--workspace', killedWs, '--subject', 'P030'],
      { stdio: 'ignore' },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    let live: SessionSummary | undefined;
    for (let i = 0; i < 200 && !live; i++) {
      await new Promise((r) => setTimeout(r, 100));
      if (!existsSync(join(killedWs, 'library.sqlite'))) continue;
      const lib = Library.open(killedWs, { create: false });
      try {
        live = lib.listSessions().find((s) => s.status === 'recording');
      } finally {
        lib.close();
      }
    }
    await new Promise((r) => setTimeout(r, 1500)); // past one fsync interval, so samples are on disk
    child.kill('SIGKILL');
    const signal = await exited;

    const listed = await himoe('sessions', '--workspace', killedWs, '--json');
    const afterKill = JSON.parse(listed.out) as SessionSummary[];
    const rebuilt = await himoe('library', 'rebuild', '--workspace', killedWs);
    const repaired = await himoe('repair', join(killedWs, live!.path, 'recording.xdf'));
    await himoe('library', 'rebuild', '--workspace', killedWs);
    const afterRepair = JSON.parse((await himoe('sessions', '--workspace', killedWs, '--json')).out) as SessionSummary[];

    expect(live?.subject).toBe('P030');
    expect(signal).toBe('SIGKILL');
    expect(rebuilt.code).toBe(0);
    expect(listed.err).toMatch(/recording\.xdf: .*no recorder is running; indexed as truncated/);
    expect(rebuilt.err).toMatch(/recording\.xdf: .*no recorder is running; indexed as truncated/);
    expect(afterKill.map((s) => [s.id, s.status])).toEqual([[live!.id, 'truncated']]);
    expect(afterKill[0]!.durationSec).toBeGreaterThan(0.5);
    expect(repaired.code, repaired.err).toBe(0);
    expect(afterRepair.map((s) => [s.id, s.status])).toEqual([[live!.id, 'complete']]);
  });

  it('requires exactly one of --out and --workspace', async () => {
    const both = await himoe('record', '--duration', '1', '--out', join(dir, 'x.xdf'), '--workspace', join(dir, 'x-ws'));
    const neither = await himoe('record', '--duration', '1');

    expect(both.code).toBe(1);
    expect(both.err).toMatch(/exactly one of --out FILE\.xdf .* or --workspace DIR/);
    expect(existsSync(join(dir, 'x.xdf'))).toBe(false);
    expect(existsSync(join(dir, 'x-ws'))).toBe(false);
    expect(neither.code).toBe(1);
    expect(neither.err).toMatch(/exactly one of --out/);
  });

  it('refuses a subject that is not a pseudonym before creating a session folder', async () => {
    const target = join(dir, 'named-ws');
    const r = await himoe('record', '--duration', '1', '--workspace', target, '--subject', 'Jane Doe');

    expect(r.code).toBe(1);
    expect(r.err).toMatch(/\[BAD_SUBJECT\].*"Jane Doe" is not a pseudonym/);
    expect(existsSync(join(target, 'sessions')) ? readdirSync(join(target, 'sessions')) : []).toEqual([]);
  });
});

describe('himoe sessions', () => {
  it('prints a table of the sessions, and only one subject\'s with --subject', async () => {
    const all = await himoe('sessions', '--workspace', ws);
    const one = await himoe('sessions', '--workspace', ws, '--subject', 'P013');
    const none = await himoe('sessions', '--workspace', ws, '--subject', 'P999');

    expect(second.code, second.err).toBe(0);
    const lines = all.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+SUBJECT\s+CREATED\s+DURATION\s+STATUS\s+STREAMS\s+MARKERS\s+PROTOCOL$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[1])).toEqual(['P012', 'P013']);
    expect(lines[1]).toMatch(/\bcomplete\b/);
    expect(one.out.trimEnd().split('\n').slice(1).map((l) => l.split(/\s+/)[1])).toEqual(['P013']);
    expect(none.out).toBe(`no sessions of subject P999 in ${ws}\n`);
  });

  it('names a missing workspace and exits 1', async () => {
    const r = await himoe('sessions', '--workspace', join(dir, 'nowhere'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/\[NO_WORKSPACE\].*nowhere: no such workspace folder/);
  });
});

describe('himoe library rebuild', () => {
  it('recreates the same listing after library.sqlite is deleted', async () => {
    const copy = copyWorkspace('rebuild-ws');
    const before = JSON.parse((await himoe('sessions', '--workspace', copy, '--json')).out) as SessionSummary[];
    for (const f of readdirSync(copy).filter((f) => f.startsWith('library.sqlite'))) unlinkSync(join(copy, f));
    const missing = await himoe('sessions', '--workspace', copy);

    const r = await himoe('library', 'rebuild', '--workspace', copy);
    const after = JSON.parse((await himoe('sessions', '--workspace', copy, '--json')).out) as SessionSummary[];

    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/no library\.sqlite; run `himoe library rebuild --workspace/);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe(`indexed 2 sessions and 0 runs into ${copy}/library.sqlite\n`);
    const strip = (list: SessionSummary[]) => list.map(({ indexedAt: _t, ...rest }) => rest);
    expect(strip(after)).toEqual(strip(before));
    expect(before).toHaveLength(2);
  });

  it('reports a corrupt index with the rebuild hint, and rebuild moves it aside and recovers', async () => {
    const copy = copyWorkspace('corrupt-ws');
    const garbage = Buffer.from('this is not an SQLite database '.repeat(200));
    for (const f of readdirSync(copy).filter((f) => f.startsWith('library.sqlite'))) unlinkSync(join(copy, f));
    writeFileSync(join(copy, 'library.sqlite'), garbage);

    const broken = await himoe('sessions', '--workspace', copy);
    const rebuilt = await himoe('library', 'rebuild', '--workspace', copy);
    const listed = await himoe('sessions', '--workspace', copy, '--json');

    expect(broken.code).toBe(1);
    expect(broken.err).toMatch(/\[CORRUPT_INDEX\].*damaged.*run `himoe library rebuild --workspace /);
    expect(rebuilt.code, rebuilt.err).toBe(0);
    const aside = /moved the damaged index aside to (\S+)/.exec(rebuilt.out)?.[1];
    expect(aside).toBeDefined();
    expect(readFileSync(aside!)).toEqual(garbage);
    expect((JSON.parse(listed.out) as SessionSummary[]).map((s) => s.subject)).toEqual(['P012', 'P013']);
  });

  it('skips a session with a broken session.json, warning with the file name, and indexes the rest', async () => {
    const copy = copyWorkspace('broken-meta-ws');
    const [firstId] = readdirSync(join(copy, 'sessions')).sort();
    const file = join(copy, 'sessions', firstId!, 'session.json');
    writeFileSync(file, '{"id": ');

    const r = await himoe('library', 'rebuild', '--workspace', copy, '--json');
    const result = JSON.parse(r.out) as { sessions: number; skipped: Array<{ path: string }> };

    expect(r.code).toBe(0);
    expect(r.err).toContain(`warning: skipped session ${firstId}: ${file}: not valid JSON`);
    expect(result.sessions).toBe(1);
    expect(result.skipped).toHaveLength(1);
  });
});
