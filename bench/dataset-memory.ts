// Memory held by an offline dataset's examples (issue 3): windows that share their session's
// aligned arrays (windowsOver shareAligned, the loaders' default) against one copy per window, for
// a synthetic corpus loaded through the data SPEC loader at a 2 s and a 0.5 s hop.
// Run: node --expose-gc --import tsx bench/dataset-memory.ts [--subjects 4] [--trials 6]. One JSON line.

import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadDataset, type Dataset } from '../src-main/model/data/index.js';
import { DEFAULT_HIMOE_CONFIG } from '../src-main/model/himoe/index.js';
import { argNumber } from './bench-util.js';

// `npm run bench` starts every script without --expose-gc: expose it here then.
if (typeof globalThis.gc !== 'function') setFlagsFromString('--expose-gc');
const gc: () => void = typeof globalThis.gc === 'function' ? globalThis.gc : (runInNewContext('gc') as () => void);

const subjects = Math.round(argNumber('--subjects', 4));
const trials = Math.round(argNumber('--trials', 6));
const spec = `synthetic:subjects=${subjects},trials=${trials},seed=1`;
const config = DEFAULT_HIMOE_CONFIG;

function settled(): { arrayBuffers: number; heapUsed: number } {
  for (let i = 0; i < 3; i++) gc();
  const m = process.memoryUsage();
  return { arrayBuffers: m.arrayBuffers, heapUsed: m.heapUsed };
}

/** Bytes (array buffers, JS heap) the dataset's examples keep alive once everything else is collected. */
async function measure(hopSec: number, shareAligned: boolean): Promise<{ windows: number; arrayBuffers: number; heap: number; loadSec: number }> {
  const before = settled();
  const t0 = performance.now();
  let dataset: Dataset | undefined = await loadDataset(spec, config, { hopSec, shareAligned });
  const loadSec = (performance.now() - t0) / 1000;
  const held = settled();
  const windows = dataset.subjects.reduce((n, s) => n + s.examples.length, 0);
  dataset = undefined;
  return { windows, arrayBuffers: held.arrayBuffers - before.arrayBuffers, heap: held.heapUsed - before.heapUsed, loadSec };
}

const c0 = process.cpuUsage();
const rows: Record<string, unknown>[] = [];
for (const hopSec of [2, 0.5]) {
  const copied = await measure(hopSec, false);
  const shared = await measure(hopSec, true);
  const perWindow = (r: typeof copied) => Math.round((r.arrayBuffers + r.heap) / r.windows);
  rows.push({
    hopSec,
    windows: shared.windows,
    copiedMB: Number(((copied.arrayBuffers + copied.heap) / 1e6).toFixed(1)),
    sharedMB: Number(((shared.arrayBuffers + shared.heap) / 1e6).toFixed(1)),
    copiedBytesPerWindow: perWindow(copied),
    sharedBytesPerWindow: perWindow(shared),
    arrayBuffersCopiedMB: Number((copied.arrayBuffers / 1e6).toFixed(1)),
    arrayBuffersSharedMB: Number((shared.arrayBuffers / 1e6).toFixed(1)),
    ratio: Number(((copied.arrayBuffers + copied.heap) / (shared.arrayBuffers + shared.heap)).toFixed(2)),
    loadSecCopied: Number(copied.loadSec.toFixed(2)),
    loadSecShared: Number(shared.loadSec.toFixed(2)),
  });
}
const cpu = process.cpuUsage(c0);
const at = (hop: number) => rows.find((r) => r.hopSec === hop)!;
console.log(JSON.stringify({
  figure: 'dataset memory: examples sharing the aligned arrays vs one copy per window',
  spec,
  config: 'default Hi-MoE (32-ch EEG@128, ECG@128, EDA@32, PPG@64, RESP@32; 8 s windows)',
  median: at(0.5).ratio,
  unit: 'x less memory at a 0.5 s hop (copied / shared; array buffers + JS heap held by the examples)',
  ratioHop2s: at(2).ratio,
  rows,
  cpuSec: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
  cpu: cpus()[0]?.model ?? 'unknown',
  loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
  date: new Date().toISOString(),
}));
