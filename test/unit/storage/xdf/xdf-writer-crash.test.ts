// Crash safety of the writer with real processes: a recorder killed with SIGKILL loses at most
// about the last second and its file reads (then repairs to complete); a recorder whose writes
// start failing (file size limit -> EFBIG) reports one XdfError, keeps what it wrote, and
// rejects flush/close instead of throwing from its timer.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, describe, expect, it } from 'vitest';
import { readXdf } from '../../../../src-main/storage/xdf/xdf-reader.js';
import { repairXdf } from '../../../../src-main/storage/xdf/xdf-repair.js';

const RAW = { synchronizeClocks: false, dejitter: false } as const;
const here = path.resolve(process.cwd(), 'test/unit/storage/xdf');
const tmp = mkdtempSync(path.join(tmpdir(), 'himoe-xdf-crash-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('XdfWriter under SIGKILL', () => {
  it('keeps every sample up to at most ~1 s before the kill, and repairXdf completes the file', async () => {
    const file = path.join(tmp, 'killed.xdf');
    const rateHz = 250;
    const channels = 8;
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'record-until-killed.child.ts'), file, String(rateHz), String(channels)], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('started') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited early (${code}): ${stderr}`)));
    });
    const startedAt = performance.now();

    await new Promise((r) => setTimeout(r, 3300));
    const recordedSec = (performance.now() - startedAt) / 1000;
    child.kill('SIGKILL');
    const signal = await exited;
    const killed = await readXdf(file, RAW);

    expect(signal).toBe('SIGKILL');
    const s = killed.streams[0]!;
    const n = s.timestamps.length;
    expect(n).toBeGreaterThanOrEqual(Math.floor(rateHz * (recordedSec - 1.5)));
    expect(n).toBeLessThanOrEqual(Math.ceil(rateHz * (recordedSec + 0.5)));
    // Contiguous from the first sample: nothing lost in the middle, values intact.
    for (let i = 0; i < n; i++) expect(s.timestamps[i]).toBe(i / rateHz);
    const v = s.timeSeries as Float32Array;
    expect(v[(n - 1) * channels + 3]).toBeCloseTo(n - 1 + 0.03, 2);
    expect(s.footer).toBeNull();
    expect(Array.from(s.clockOffsets.values)).toEqual([0.5]);

    const before = readFileSync(file);
    const result = await repairXdf(file);
    const repaired = await readXdf(file, RAW);

    expect(result.streamsFooted).toEqual([s.id]);
    expect(result.backupPath).toBe(`${file}.bak`);
    expect(readFileSync(`${file}.bak`).equals(before)).toBe(true);
    expect(repaired.truncatedAt).toBeNull();
    expect(repaired.warnings).toEqual([]);
    expect(repaired.streams[0]!.timestamps.length).toBe(n);
    expect(repaired.streams[0]!.footer).toEqual({ firstTimestamp: 0, lastTimestamp: (n - 1) / rateHz, sampleCount: n });
  });
});

describe('XdfWriter when the disk refuses writes', () => {
  const hasBash = spawnSync('bash', ['-c', 'true']).status === 0;

  it.skipIf(!hasBash)('reports one IO_FAILED through onError, rejects flush/close with it, and leaves a readable file', async () => {
    const file = path.join(tmp, 'full.xdf');
    const limitKiB = 64;
    const script = path.join(here, 'write-until-full.child.ts');

    const r = spawnSync('bash', ['-c', `ulimit -f ${limitKiB} && exec "$0" --import tsx "$1" "$2"`, process.execPath, script, file], {
      cwd: process.cwd(),
      encoding: 'utf8',
      timeout: 30_000,
    });
    const line = r.stdout.split('\n').find((l) => l.startsWith('{'));
    if (!line) throw new Error(`child printed no report (status ${r.status}): ${r.stderr}`);
    const report = JSON.parse(line) as Record<string, unknown>;

    expect(report['errorCodes']).toEqual(['IO_FAILED']);
    expect(report['message']).toMatch(/full\.xdf: writing the XDF file failed at byte \d+ \(EFBIG\)/);
    expect(report['flushCode']).toBe('IO_FAILED');
    expect(report['closeCode']).toBe('IO_FAILED');
    expect(report['closeAgainCode']).toBe('IO_FAILED');
    expect(report['appendThrew']).toBe(false);
    expect(report['samplesDropped']).toBeGreaterThan(0);
    expect(statSync(file).size).toBeLessThanOrEqual(limitKiB * 1024);

    const partial = await readXdf(file, RAW);
    const kept = partial.streams[0]!.timestamps.length;
    expect(kept).toBeGreaterThan(0);
    for (let i = 0; i < kept; i++) expect(partial.streams[0]!.timestamps[i]).toBe(i / 1000);

    const result = await repairXdf(file);
    const repaired = await readXdf(file, RAW);
    expect(existsSync(`${file}.bak`)).toBe(true);
    expect(result.streamsFooted).toEqual([1]);
    expect(repaired.truncatedAt).toBeNull();
    expect(repaired.streams[0]!.footer?.sampleCount).toBe(kept);
  });
});
