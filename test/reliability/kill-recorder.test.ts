// A recording cannot be repeated: a recorder killed with SIGKILL (the `himoe record` CLI and
// `himoe serve` with a session started over the WebSocket) leaves an XDF that reads, misses at
// most about the last second, and `himoe repair` completes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { readXdf, type XdfFile } from '../../src-main/storage/xdf/index.js';
import { assertBuilt, repairWithCli, sleep, spawnHimoe } from './process-helpers.js';

const RAW = { synchronizeClocks: false, dejitter: false } as const;
/** The writer fsyncs every second; a loaded shared machine may delay its timer a little. */
const MAX_LOST_SEC = 1.5;
let dir: string;

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(join(tmpdir(), 'himoe-kill-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Seconds of EEG in the file (sample count / nominal rate). */
function eegSeconds(file: XdfFile): number {
  const eeg = file.streams.find((s) => s.info.type === 'EEG');
  if (!eeg) throw new Error('no EEG stream in the file');
  return eeg.timestamps.length / eeg.nominalRateHz;
}

async function expectRepairCompletes(path: string, samplesBefore: number[]): Promise<void> {
  const r = repairWithCli(path);
  expect(r.code, r.out).toBe(0);
  const repaired = await readXdf(path, RAW);
  expect(repaired.truncatedAt).toBeNull();
  for (const s of repaired.streams) expect(s.footer?.sampleCount).toBe(s.timestamps.length);
  // Repair keeps every sample that was readable before it.
  expect(repaired.streams.map((s) => s.timestamps.length)).toEqual(samplesBefore);
}

describe('kill -9 of a recording process', () => {
  it('himoe record --realtime: the file reads, at most ~1 s is missing, and himoe repair completes it', async () => {
    const out = join(dir, 'cli.xdf');
    const p = spawnHimoe(['record', '--realtime', '--modalities', 'eeg,ecg,eda', '--out', out]);
    // The first progress line comes after the engine started: recording time counts from here.
    await p.waitFor('stderr', /recording/);
    const t0 = performance.now();
    await sleep(3000);
    const recordedSec = (performance.now() - t0) / 1000;
    p.child.kill('SIGKILL');
    const { signal } = await p.exited;

    const file = await readXdf(out, { ...RAW, tolerateTruncation: true });

    expect(signal).toBe('SIGKILL');
    expect(eegSeconds(file)).toBeGreaterThanOrEqual(recordedSec - MAX_LOST_SEC);
    expect(file.streams.every((s) => s.footer === null)).toBe(true);
    await expectRepairCompletes(
      out,
      file.streams.map((s) => s.timestamps.length),
    );
  });

  it('himoe serve with a session started over the WebSocket: the session file reads, at most ~1 s missing, repairable', async () => {
    const p = spawnHimoe(['serve', '--port', '0', '--workspace', join(dir, 'ws')]);
    const [, base, token] = await p.waitFor('stdout', /(http:\/\/[^\s#]+)#token=([A-Za-z0-9_-]+)/);
    const origin = base!.replace(/\/$/, '');
    const ws = new WebSocket(`${origin.replace('http', 'ws')}/ws`, ['himoe.v1', `token.${token}`], { origin });
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    const started = new Promise<{ ok: boolean; result?: { recordingPath: string }; error?: unknown }>((res) =>
      ws.on('message', (data, isBinary) => {
        if (isBinary) return;
        const msg = JSON.parse(String(data));
        if (msg.type === 'response' && msg.id === 1) res(msg);
      }),
    );
    ws.send(JSON.stringify({ id: 1, method: 'session.start', params: { modalities: ['EEG', 'ECG'], subject: 'P900' } }));
    const reply = await started;
    expect(reply.ok, JSON.stringify(reply.error)).toBe(true);
    const t0 = performance.now();
    await sleep(2500);
    const recordedSec = (performance.now() - t0) / 1000;
    p.child.kill('SIGKILL');
    const { signal } = await p.exited;
    ws.terminate();

    const path = reply.result!.recordingPath;
    const file = await readXdf(path, { ...RAW, tolerateTruncation: true });

    expect(signal).toBe('SIGKILL');
    expect(eegSeconds(file)).toBeGreaterThanOrEqual(recordedSec - MAX_LOST_SEC);
    await expectRepairCompletes(
      path,
      file.streams.map((s) => s.timestamps.length),
    );
  });
});
