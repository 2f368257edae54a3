// The installed `himoe` command as a user runs it: a separate process, real signals.
// Needs dist/ (built by `npm ci` / `npm test`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readXdf } from '../../src-main/storage/xdf/xdf-reader.js';

const bin = resolve('bin/himoe.js');
let dir: string;

beforeAll(() => {
  if (!existsSync(resolve('dist/cli/main.js'))) throw new Error('dist/ is missing: run `npm run build` before the integration tests');
  dir = mkdtempSync(join(tmpdir(), 'himoe-bin-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('himoe binary', () => {
  it('prints help listing the commands', () => {
    const r = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    for (const cmd of ['record', 'inspect', 'repair']) expect(r.stdout).toContain(cmd);
  });

  it('ends a real-time recording cleanly on SIGINT, with footers and no lost chunk', async () => {
    const out = join(dir, 'live.xdf');
    const child = spawn(process.execPath, [bin, 'record', '--realtime', '--modalities', 'eeg,ecg', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    // Signal only once the recorder runs (its first progress line), however slow start-up is.
    const recording = new Promise<void>((resolve) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        if (stderr.includes('recording')) resolve();
      });
    });
    await recording;
    await new Promise((r) => setTimeout(r, 2000));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(0);
    expect(stdout).toMatch(/recorded/);
    const file = await readXdf(out);
    expect(file.truncatedAt).toBeNull();
    const eeg = file.streams.find((s) => s.info.type === 'EEG');
    expect(eeg?.footer?.sampleCount).toBe(eeg?.timestamps.length);
    // About 2 s of EEG at 256 Hz made it to disk.
    expect(eeg?.timestamps.length).toBeGreaterThan(256 * 1.5);
    expect(eeg?.timestamps.length).toBeLessThan(256 * 4);
  });
});
