// Disk full while recording: a real size-limited filesystem (tmpfs of 256 KiB, we are root in
// CI) under a real-time `himoe record` and under the workstation service of `himoe serve`. The
// recording stops with a clear error naming ENOSPC and the file, and the file keeps every sample
// written before the disk filled. Without permission to mount, the CLI case falls back to a
// file-size limit (ulimit -f: EFBIG) and says so; the in-process service case then skips.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../src-main/api/contract.js';
import { readXdf } from '../../src-main/storage/xdf/index.js';
import { assertBuilt, repairWithCli, sleep, spawnHimoe } from './process-helpers.js';
import { makeWorkstation } from './workstation-fixture.js';

const LIMIT_KIB = 256;
let dir: string;
let fullDir: string;
let mode: 'tmpfs' | 'ulimit' | 'none' = 'none';

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'himoe-full-'));
  fullDir = join(dir, 'small-fs');
  mkdirSync(fullDir);
  if (mountSmallFs(fullDir)) mode = 'tmpfs';
  else if (spawnSync('bash', ['-c', `ulimit -f ${LIMIT_KIB}`]).status === 0) mode = 'ulimit';
  if (mode === 'ulimit') console.warn(`disk-full test: cannot mount a tmpfs here; falling back to ulimit -f ${LIMIT_KIB} (EFBIG instead of ENOSPC)`);
  if (mode === 'none') {
    const why = 'disk-full test: neither a tmpfs mount nor ulimit -f is available';
    if (process.env.CI === 'true') throw new Error(`${why} (CI must run this test)`);
    console.warn(`SKIPPED: ${why}`);
  }
});

const mounted: string[] = [];
function mountSmallFs(at: string): boolean {
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${LIMIT_KIB}k`, 'tmpfs', at]).status === 0;
  if (ok) mounted.push(at);
  return ok;
}

afterAll(() => {
  for (const m of mounted) spawnSync('umount', [m]);
  rmSync(dir, { recursive: true, force: true });
});

describe('disk full while recording', () => {
  it('stops a real-time recording with an error naming ENOSPC and the file, and the file stays valid', async ({ skip }) => {
    if (mode === 'none') skip();
    const out = join(fullDir, 'full.xdf');
    const p = spawnHimoe(['record', '--realtime', '--modalities', 'eeg,ecg,eda', '--out', out], mode === 'ulimit' ? { wrapInShell: `ulimit -f ${LIMIT_KIB}` } : {});

    // 256 KiB at ~40 KB/s fill in ~7 s; a recorder that goes on without its file would run forever.
    const outcome = await Promise.race([p.exited, sleep(30_000).then(() => null)]);
    if (outcome === null) p.child.kill('SIGKILL');

    expect(outcome, `still recording 30 s after start:\n${p.stderr()}`).not.toBeNull();
    expect(outcome!.code).not.toBe(0);
    expect(p.stderr()).toContain(out);
    expect(p.stderr()).toMatch(mode === 'tmpfs' ? /ENOSPC/ : /EFBIG/);
    const file = await readXdf(out, { synchronizeClocks: false, dejitter: false, tolerateTruncation: true });
    const eeg = file.streams.find((s) => s.info.type === 'EEG')!;
    expect(eeg.timestamps.length).toBeGreaterThan(256);
    // Repair on a disk with room (the full one has no space for the backup copy).
    const copy = join(dir, 'copy.xdf');
    copyFileSync(out, copy);
    const r = repairWithCli(copy);
    expect(r.code, r.out).toBe(0);
    const repaired = await readXdf(copy, { synchronizeClocks: false, dejitter: false });
    expect(repaired.truncatedAt).toBeNull();
    expect(repaired.streams.find((s) => s.info.type === 'EEG')!.timestamps.length).toBe(eeg.timestamps.length);
  });

  it('reports ENOSPC with the file to every client of the workstation service, and the session file stays valid', async ({ skip }) => {
    if (mode !== 'tmpfs') {
      console.warn('SKIPPED: disk-full service test needs a tmpfs mount (ulimit -f would limit the test runner itself)');
      skip();
    }
    const wsDir = join(dir, 'small-ws');
    mkdirSync(wsDir);
    expect(mountSmallFs(wsDir)).toBe(true);
    const { service, api, shutdown } = makeWorkstation(wsDir);
    const events: ApiEvent[] = [];
    service.onEvent((e) => events.push(e));
    try {
      const started = await api.handle('session.start', { modalities: ['EEG', 'ECG', 'EDA'], subject: 'P901' });
      expect(started.ok).toBe(true);
      const path = (started as { result: { recordingPath: string } }).result.recordingPath;
      const ended = () => events.some((e) => e.kind === 'session' && e.state === 'stopped');
      for (let i = 0; i < 300 && !ended(); i++) await sleep(100);
      // The failed recording ends the session by itself: nothing pretends to still record.
      expect(ended(), 'the session did not end within 30 s of the disk filling').toBe(true);
      const status = await api.handle('session.status', {});
      expect(status).toMatchObject({ ok: true, result: { state: 'idle', recording: false } });
      const stopped = await api.handle('session.stop', {});

      const error = events.find((e) => e.kind === 'error');
      expect(error, 'no error event within 30 s of the disk filling').toBeDefined();
      expect(error).toMatchObject({ kind: 'error', code: 'IO_FAILED' });
      expect((error as { message: string }).message).toMatch(/ENOSPC/);
      expect((error as { message: string }).message).toContain(path);
      expect(stopped).toMatchObject({ ok: false, error: { code: 'NO_SESSION' } });
      const file = await readXdf(path, { synchronizeClocks: false, dejitter: false, tolerateTruncation: true });
      expect(file.streams.find((s) => s.info.type === 'EEG')!.timestamps.length).toBeGreaterThan(256);
      // The library index lives on the same full disk: a request that must write it fails with a
      // typed error naming the index file, not an anonymous INTERNAL "disk I/O error".
      const listed = await api.handle('library.list', {});
      if (!listed.ok) {
        expect(listed.error.code).not.toBe('INTERNAL');
        expect(listed.error.message).toContain('library.sqlite');
      }
    } finally {
      await shutdown();
    }
  });
});
