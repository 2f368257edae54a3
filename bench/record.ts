// Figure: synthetic generation + recording throughput, in multiples of real time, for the
// issue's reference montage (32-ch EEG@256 + ECG@256 + EDA@32 + PPG@64 + RESP@32), through
// the full engine path (clock sync, dejitter, ring buffers, XDF writer with fsync).
// Run: npx tsx bench/record.ts [--seconds 120] [--runs 5]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyntheticSession } from '../src-main/acquisition/synthetic/synthetic-session.js';
import { SessionEngine } from '../src-main/engine/session-engine.js';
import { argNumber, median } from './bench-util.js';

const seconds = argNumber('--seconds', 120);
const runs = argNumber('--runs', 5);
const dir = mkdtempSync(join(tmpdir(), 'himoe-bench-record-'));
const ratios: number[] = [];
// Per CPU second of this process too: the wall figure suffers when the machine is shared.
const cpuRatios: number[] = [];
let bytes = 0;
try {
  for (let r = 0; r < runs; r++) {
    const session = new SyntheticSession({
      seed: 1 + r,
      modalities: ['EEG', 'ECG', 'EDA', 'PPG', 'RESP'],
      durationSec: seconds,
      pacing: 'fast',
    });
    const engine = new SessionEngine({ clock: session.clock });
    for (const s of session.sources) engine.addSource(s);
    const path = join(dir, `run-${r}.xdf`);
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await engine.start({ recordPath: path });
    await session.done;
    await engine.release();
    const wallSec = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    ratios.push(seconds / wallSec);
    cpuRatios.push(seconds / ((cpu.user + cpu.system) / 1e6));
    bytes = statSync(path).size;
    rmSync(path);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(
  JSON.stringify({
    figure: 'record-synthetic-xrealtime',
    median: median(ratios),
    runs: ratios.map((x) => Number(x.toFixed(1))),
    perCpuSecondMedian: median(cpuRatios),
    target: 200,
    sessionSec: seconds,
    fileMB: Number((bytes / 1e6).toFixed(2)),
    montage: '32xEEG@256+ECG@256+EDA@32+PPG@64+RESP@32',
  }),
);
