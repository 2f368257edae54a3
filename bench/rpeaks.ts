// R-peak detection throughput (issue 6, item 7): one hour of noisy synthetic ECG at 360 Hz
// (MIT-BIH rate), batch detectRPeaks (detector + zero-phase refinement) and the streaming
// detector fed 100 ms chunks. Run: npx tsx bench/rpeaks.ts [--runs N]. One JSON line per figure.

import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { detectRPeaks, StreamingRPeakDetector } from '../src-main/core/dsp/ecg.js';
import { scoreDetections, synthEcg } from '../test/unit/core/dsp/ecg-synth.js';
import { argNumber, median } from './bench-util.js';

const RATE_HZ = 360;
const DURATION_SEC = 3600;
const RUNS = Math.max(5, Math.round(argNumber('--runs', 5)));

const ecg = synthEcg({ rateHz: RATE_HZ, durationSec: DURATION_SEC, heartRateBpm: (t) => 70 + 25 * Math.sin((2 * Math.PI * t) / 900), seed: 360, emgMv: 0.05, baselineMv: 0.5, powerlineMv: 0.15, lineHz: 60 });

const batchMs: number[] = [];
let lastPeaks: Int32Array = new Int32Array(0);
for (let r = 0; r < RUNS; r++) {
  const t0 = performance.now();
  lastPeaks = detectRPeaks(ecg.signal, RATE_HZ, { lineHz: 60 }).peaks;
  batchMs.push(performance.now() - t0);
}
const streamMs: number[] = [];
let streamed = 0;
const chunk = RATE_HZ / 10;
for (let r = 0; r < RUNS; r++) {
  let count = 0;
  const det = new StreamingRPeakDetector(RATE_HZ, { onPeak: () => count++ });
  const t0 = performance.now();
  for (let i = 0; i < ecg.signal.length; i += chunk) det.push(ecg.signal.subarray(i, i + chunk));
  streamMs.push(performance.now() - t0);
  streamed = count;
}

const score = scoreDetections(ecg.rPeaks, lastPeaks, RATE_HZ);
const meta = { signalSec: DURATION_SEC, rateHz: RATE_HZ, runs: RUNS, node: process.version, cpu: cpus()[0]?.model ?? 'unknown', date: new Date().toISOString().slice(0, 10) };
const lines = [
  {
    figure: 'rpeaks-batch',
    what: 'detectRPeaks on 1 h of 360 Hz ECG (Pan-Tompkins + zero-phase refinement)',
    xRealTime: Math.round(DURATION_SEC / (median(batchMs) / 1000)),
    medianMs: Number(median(batchMs).toFixed(1)),
    runsMs: batchMs.map((v) => Number(v.toFixed(1))),
    beats: ecg.rPeaks.length,
    sePct: Number((100 * score.se).toFixed(3)),
    ppvPct: Number((100 * score.ppv).toFixed(3)),
  },
  {
    figure: 'rpeaks-streaming',
    what: 'StreamingRPeakDetector fed 100 ms chunks of the same hour',
    xRealTime: Math.round(DURATION_SEC / (median(streamMs) / 1000)),
    medianMs: Number(median(streamMs).toFixed(1)),
    runsMs: streamMs.map((v) => Number(v.toFixed(1))),
    beats: streamed,
  },
];
for (const line of lines) console.log(JSON.stringify({ ...line, ...meta }));
