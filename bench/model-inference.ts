// Live inference latency of the default Hi-MoE config per 8 s window on the wasm backend
// (issue 3, item 11): batchWindows + forward + download for one window, as the live runner does
// every hop; wall-clock and process CPU time (the CPU figure is less distorted by a loaded machine).
// Run: npx tsx bench/model-inference.ts [--runs 300]. One JSON line per figure.

import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { assembleWindow, DEFAULT_MODEL_RATES_HZ, type ModalityInput } from '../src-main/core/align/index.js';
import { DEFAULT_HIMOE_CONFIG, HiMoE, batchWindows, disposeBatch } from '../src-main/model/himoe/index.js';
import { initModelRuntime, seededRng, tf } from '../src-main/model/runtime/index.js';
import { argNumber, median } from './bench-util.js';

const runs = Math.max(20, argNumber('--runs', 300));
const runtime = await initModelRuntime({ prefer: 'wasm', log: (m) => process.stderr.write(`${m}\n`) });
const config = DEFAULT_HIMOE_CONFIG;
const model = new HiMoE(config, 1);

// 12 s of every modality at its model rate; windows end at 8.5 .. 12 s.
const rng = seededRng(1, 'bench');
const inputs: ModalityInput[] = config.modalities.map((spec) => {
  const n = Math.round(12 * spec.rateHz);
  const c = spec.channelLabels.length;
  const timestamps = new Float64Array(n).map((_, i) => i / DEFAULT_MODEL_RATES_HZ[spec.modality]);
  const values = new Float32Array(n * c).map(() => rng.gaussian());
  return { modality: spec.modality, channelCount: c, nominalRateHz: spec.rateHz, timestamps, values };
});
const windows = Array.from({ length: 8 }, (_, k) => assembleWindow(inputs, 8.5 + k * 0.5));

const times: number[] = [];
const cpuTimes: number[] = [];
const before = tf.memory().numTensors;
for (let r = 0; r < runs + 20; r++) {
  const w = windows[r % windows.length]!;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const batch = batchWindows([w], config);
  model.predict(batch);
  disposeBatch(batch);
  const dt = performance.now() - t0;
  const dc = process.cpuUsage(c0);
  if (r >= 20) {
    times.push(dt);
    cpuTimes.push((dc.user + dc.system) / 1000);
  }
}
const leaked = tf.memory().numTensors - before;
const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(0.99 * xs.length) - 1)]!;
console.log(JSON.stringify({
  figure: 'Hi-MoE inference latency per window (default config)',
  backend: runtime.backend,
  simd: runtime.simd,
  median: Number(median(times).toFixed(2)),
  p99: Number(p99(times).toFixed(2)),
  unit: 'ms (wall clock)',
  cpuMedianMs: Number(median(cpuTimes).toFixed(2)),
  cpuP99Ms: Number(p99(cpuTimes).toFixed(2)),
  target: 'p99 < 20 ms',
  runs,
  parameters: model.params.count(),
  leakedTensors: leaked,
  cpu: cpus()[0]?.model ?? 'unknown',
  loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
  date: new Date().toISOString(),
}));
model.dispose();
