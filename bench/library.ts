// Figures: (1) indexing one recorded session into the library (session.json + reading the
// whole XDF + one SQLite transaction) for a 10-min reference-montage synthetic session;
// (2) `rebuild` of a workspace of 10 one-minute sessions; (3) listSessions on that index.
// Run: npx tsx bench/library.ts [--minutes 10] [--sessions 10] [--runs 5]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runRecord } from '../src-main/cli/record.js';
import { Library } from '../src-main/storage/library/index.js';
import { argNumber, median } from './bench-util.js';

const minutes = argNumber('--minutes', 10);
const sessions = argNumber('--sessions', 10);
const runs = Math.max(3, argNumber('--runs', 5));
const quiet = { write: () => {}, isTTY: false };
const record = (ws: string, durationSec: number, seed: number) =>
  runRecord({ source: 'synthetic', modalities: 'eeg,ecg,eda,ppg,resp', seed: String(seed), duration: String(durationSec), workspace: ws, subject: `P${seed}` }, quiet);

const dir = mkdtempSync(join(tmpdir(), 'himoe-bench-library-'));
try {
  const big = join(dir, 'big');
  const rec = await record(big, minutes * 60, 1);
  const lib = Library.open(big);
  const indexMs: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await lib.indexSession(rec.sessionId!);
    indexMs.push(performance.now() - t0);
  }
  lib.close();
  const mb = statSync(rec.path).size / 1e6;
  console.log(JSON.stringify({ figure: `indexSession ${minutes}-min session`, unit: 'ms', median: median(indexMs), xdfMB: Number(mb.toFixed(1)), runs }));

  const many = join(dir, 'many');
  for (let i = 0; i < sessions; i++) await record(many, 60, 100 + i);
  const rebuildMs: number[] = [];
  const listMs: number[] = [];
  const wsLib = Library.open(many);
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await wsLib.rebuild();
    rebuildMs.push(performance.now() - t0);
    const t1 = performance.now();
    wsLib.listSessions();
    listMs.push(performance.now() - t1);
  }
  wsLib.close();
  console.log(JSON.stringify({ figure: `rebuild ${sessions} x 1-min sessions`, unit: 'ms', median: median(rebuildMs), runs }));
  console.log(JSON.stringify({ figure: `listSessions (${sessions} sessions)`, unit: 'ms', median: median(listMs), runs }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
