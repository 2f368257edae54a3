// Figure: DEAP import time for one full-size subject file (40 trials x 40 channels x 8064 samples
// float64, as the release's data_preprocessed_python/sXX.dat and data_preprocessed_matlab/sXX.mat),
// generated once with python3 + numpy (+ scipy for the .mat) into a temp dir. Times: file ->
// dataset trials (per-modality float32 blocks, ratings) and file -> workspace session (XDF + session.json).
// Run: npx tsx bench/deap-import.ts [--runs 5]
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openDeap } from '../src-main/storage/datasets/deap/deap.js';
import { importDatasetToWorkspace } from '../src-main/storage/datasets/import-workspace.js';
import { argNumber, median } from './bench-util.js';

const runs = Math.max(5, argNumber('--runs', 5));
const script = resolve(process.cwd(), 'test/unit/storage/datasets/fixtures.py');
const dir = mkdtempSync(join(tmpdir(), 'himoe-bench-deap-'));
try {
  const py = join(dir, 'data_preprocessed_python');
  const mat = join(dir, 'matlab', 'data_preprocessed_matlab');
  mkdirSync(py, { recursive: true });
  mkdirSync(mat, { recursive: true });
  const full = ['--trials', '40', '--channels', '40', '--samples', '8064'];
  execFileSync('python3', [script, 'pickle', join(py, 's01.dat'), '--style', 'py2', '--protocol', '2', ...full], { stdio: 'inherit' });
  execFileSync('python3', [script, 'deap-mat', join(mat, 's01.mat'), ...full], { stdio: 'inherit' });

  const toTrials = async (source: string): Promise<number> => {
    const t0 = performance.now();
    let samples = 0;
    for await (const t of openDeap(source).trials()) samples += t.signals[0]!.sampleCount + t.baseline[0]!.sampleCount;
    const ms = performance.now() - t0;
    if (samples !== 40 * 8064) throw new Error(`bench: read ${samples} samples, expected ${40 * 8064}`);
    return ms;
  };
  // Wall time, and CPU time (user + system) of this process, which a busy shared machine
  // inflates far less than wall time.
  const measure = async (fn: () => Promise<number>): Promise<{ wall: number[]; cpu: number[] }> => {
    await fn(); // warm-up (JIT, page cache)
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let r = 0; r < runs; r++) {
      const c0 = process.cpuUsage();
      wall.push(await fn());
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
    }
    return { wall, cpu };
  };
  const dat = await measure(() => toTrials(dir));
  const matR = await measure(() => toTrials(join(dir, 'matlab')));
  let k = 0;
  const wsR = await measure(async () => {
    const ws = join(dir, `ws-${k++}`);
    const t0 = performance.now();
    await importDatasetToWorkspace(openDeap(dir), ws);
    const ms = performance.now() - t0;
    rmSync(ws, { recursive: true, force: true });
    return ms;
  });
  const round = (x: number) => Number(x.toFixed(0));
  console.log(
    JSON.stringify({
      figure: 'deap-import',
      median: round(median(dat.wall)),
      unit: 'ms',
      datToTrialsMs: round(median(dat.wall)),
      matToTrialsMs: round(median(matR.wall)),
      datToWorkspaceMs: round(median(wsR.wall)),
      datToTrialsCpuMs: round(median(dat.cpu)),
      matToTrialsCpuMs: round(median(matR.cpu)),
      datToWorkspaceCpuMs: round(median(wsR.cpu)),
      loadAvg1: Number(loadavg()[0]!.toFixed(1)),
      datFileMB: Number((statSync(join(py, 's01.dat')).size / 1e6).toFixed(1)),
      matFileMB: Number((statSync(join(mat, 's01.mat')).size / 1e6).toFixed(1)),
      rssMB: round(process.memoryUsage().rss / 1e6),
      runs,
      note: 'one full-size subject (40x40x8064 float64); median ms (wall, and CPU of this process); trials = per-modality float32 blocks + ratings; workspace = XDF + session.json with fsync',
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
