// Live inference latency of the default Hi-MoE config per 8 s window on the wasm backend
// (issue 3, item 11): one window from its ModelWindow to the downloaded prediction, as the live
// runner does every hop. Two paths, run in alternating blocks under the same conditions:
// 'inference' (HiMoEInference.predict, what the live worker runs) and 'reference'
// (batchWindows + HiMoE.predict + disposeBatch, the training forward). Per call: wall clock,
// process CPU time (user + system of every thread, so V8's background GC and compiler threads
// too), and from /proc/thread-self/schedstat (Linux) this thread's own CPU time and the time it
// sat runnable waiting for a core (run-queue delay: what a loaded machine adds to the wall
// clock). Per path: kernels per prediction and the GC pauses that fell inside its calls.
// Run: npx tsx bench/model-inference.ts [--runs 600] [--block 50] [--per-output] (the default config
// with per-output modality routing). One JSON line per path, then a summary.

import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { assembleWindow, DEFAULT_MODEL_RATES_HZ, type ModalityInput, type ModelWindow } from '../src-main/core/align/index.js';
import { DEFAULT_HIMOE_CONFIG, HiMoE, HiMoEInference, batchWindows, disposeBatch, resolveHiMoEConfig } from '../src-main/model/himoe/index.js';
import { initModelRuntime, seededRng, tf } from '../src-main/model/runtime/index.js';
import { argNumber, median } from './bench-util.js';

const runs = Math.max(20, argNumber('--runs', 600));
const block = Math.max(1, Math.round(argNumber('--block', 50)));
const warmup = 30;
const runtime = await initModelRuntime({ prefer: 'wasm', log: (m) => process.stderr.write(`${m}\n`) });
const routing = process.argv.includes('--per-output') ? 'per-output' : 'shared';
const config = resolveHiMoEConfig({ ...DEFAULT_HIMOE_CONFIG, modalityRouting: routing });
const model = new HiMoE(config, 1);
const inference = new HiMoEInference(model);

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

/** [on-CPU ns, run-queue wait ns] of this thread, or undefined off Linux. */
function threadSchedNs(): [number, number] | undefined {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ').map(Number);
    return [run!, wait!];
  } catch {
    return undefined;
  }
}

interface Path {
  name: 'inference' | 'reference';
  run: (w: ModelWindow) => void;
  wallMs: number[];
  cpuMs: number[];
  threadCpuMs: number[];
  runQueueMs: number[];
  /** [start, end] of every measured call on the performance timeline. */
  spans: Array<[number, number]>;
}
const paths: Path[] = [
  { name: 'inference', run: (w) => void inference.predict([w]), wallMs: [], cpuMs: [], threadCpuMs: [], runQueueMs: [], spans: [] },
  {
    name: 'reference',
    run: (w) => {
      const batch = batchWindows([w], config);
      model.predict(batch);
      disposeBatch(batch);
    },
    wallMs: [],
    cpuMs: [],
    threadCpuMs: [],
    runQueueMs: [],
    spans: [],
  },
];

const gcPauses: Array<{ start: number; durationMs: number }> = [];
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcPauses.push({ start: e.startTime, durationMs: e.duration });
});
observer.observe({ entryTypes: ['gc'] });
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

for (const path of paths) for (let i = 0; i < warmup; i++) path.run(windows[i % windows.length]!);
const tensorsBefore = tf.memory().numTensors;
let count = 0;
for (let done = 0; done < runs; done += block) {
  for (const path of paths) {
    for (let i = 0; i < Math.min(block, runs - done); i++) {
      const w = windows[count++ % windows.length]!;
      const s0 = threadSchedNs();
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      path.run(w);
      const t1 = performance.now();
      const dc = process.cpuUsage(c0);
      const s1 = threadSchedNs();
      path.wallMs.push(t1 - t0);
      path.cpuMs.push((dc.user + dc.system) / 1000);
      if (s0 !== undefined && s1 !== undefined) {
        path.threadCpuMs.push((s1[0] - s0[0]) / 1e6);
        path.runQueueMs.push((s1[1] - s0[1]) / 1e6);
      }
      path.spans.push([t0, t1]);
    }
    await tick(); // let the GC observer deliver
  }
}
await tick();
observer.disconnect();
const leakedTensors = tf.memory().numTensors - tensorsBefore;

const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)]!;
const round = (x: number) => Number(x.toFixed(2));
const summary = (xs: number[]) => ({ median: round(median(xs)), p95: round(quantile(xs, 0.95)), p99: round(quantile(xs, 0.99)), max: round(Math.max(...xs)) });
const results = [];
for (const path of paths) {
  const profile = await tf.profile(() => path.run(windows[0]!));
  const kernels = profile.kernels.filter((k) => !k.name.endsWith('__op'));
  const inside = gcPauses.filter((g) => path.spans.some(([a, b]) => g.start >= a && g.start < b));
  const wall = summary(path.wallMs);
  const cpu = summary(path.cpuMs);
  const result = {
    figure: `Hi-MoE inference latency per window (default config, ${routing} modality routing)`,
    modalityRouting: routing,
    path: path.name,
    backend: runtime.backend,
    simd: runtime.simd,
    runs: path.wallMs.length,
    wallMs: wall,
    cpuMs: cpu,
    ...(path.threadCpuMs.length > 0 ? { threadCpuMs: summary(path.threadCpuMs), runQueueMs: summary(path.runQueueMs) } : {}),
    target: 'p99 < 20 ms',
    kernelsPerPrediction: kernels.length,
    reshapesPerPrediction: kernels.filter((k) => k.name === 'Reshape').length,
    gc: { pausesInCalls: inside.length, totalMs: round(inside.reduce((s, g) => s + g.durationMs, 0)), maxMs: round(Math.max(0, ...inside.map((g) => g.durationMs))) },
    parameters: model.params.count(),
    leakedTensors,
    cpu: cpus()[0]?.model ?? 'unknown',
    loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
    date: new Date().toISOString(),
  };
  results.push(result);
  console.log(JSON.stringify(result));
}
const [fast, slow] = results as [(typeof results)[number], (typeof results)[number]];
console.log(JSON.stringify({
  figure: 'Hi-MoE inference: reference / inference path',
  wallMedianRatio: round(slow.wallMs.median / fast.wallMs.median),
  wallP99Ratio: round(slow.wallMs.p99 / fast.wallMs.p99),
  cpuMedianRatio: round(slow.cpuMs.median / fast.cpuMs.median),
  cpuP99Ratio: round(slow.cpuMs.p99 / fast.cpuMs.p99),
  ...(fast.threadCpuMs !== undefined && slow.threadCpuMs !== undefined
    ? { threadCpuMedianRatio: round(slow.threadCpuMs.median / fast.threadCpuMs.median), threadCpuP99Ratio: round(slow.threadCpuMs.p99 / fast.threadCpuMs.p99) }
    : {}),
  kernelRatio: round(slow.kernelsPerPrediction / fast.kernelsPerPrediction),
}));
inference.dispose();
model.dispose();
