// Hi-MoE training throughput on the wasm backend (issue 3, item 11): windows per second of
// forward + backward + Adam for the default config at batch 16, with augmentation, on windows of
// a synthetic session. Run: npx tsx bench/model-training.ts [--steps 8]. One JSON line per figure.

import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { DEFAULT_HIMOE_CONFIG } from '../src-main/model/himoe/index.js';
import { initModelRuntime } from '../src-main/model/runtime/index.js';
import { syntheticExamples, trainHiMoE } from '../src-main/model/training/index.js';
import { argNumber } from './bench-util.js';

const steps = Math.max(2, argNumber('--steps', 8));
const batchSize = 16;
const runtime = await initModelRuntime({ prefer: 'wasm', log: (m) => process.stderr.write(`${m}\n`) });
const config = DEFAULT_HIMOE_CONFIG;
const t0 = performance.now();
const train = syntheticExamples(config, { subjectSeed: 1, durationSec: 8 + steps * batchSize * 0.5, hopSec: 0.5 }).examples;
const validation = syntheticExamples(config, { subjectSeed: 2, durationSec: 24, hopSec: 4 }).examples;
const prepareSec = (performance.now() - t0) / 1000;
const c0 = process.cpuUsage();
const t1 = performance.now();
const result = await trainHiMoE({ config, seed: 1, train, validation, epochs: 1, batchSize, maxStepsPerEpoch: steps });
const wallSec = (performance.now() - t1) / 1000;
const cpu = process.cpuUsage(c0);
result.model.dispose();
const windows = steps * batchSize;
console.log(JSON.stringify({
  figure: 'Hi-MoE training throughput (default config, batch 16, augmented)',
  backend: runtime.backend,
  simd: runtime.simd,
  median: Number((windows / wallSec).toFixed(1)),
  unit: 'windows/s (wall clock, incl. one validation pass)',
  windowsPerCpuSecond: Number((windows / ((cpu.user + cpu.system) / 1e6)).toFixed(1)),
  steps,
  examplePreparationSec: Number(prepareSec.toFixed(2)),
  cpu: cpus()[0]?.model ?? 'unknown',
  loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
  date: new Date().toISOString(),
}));
