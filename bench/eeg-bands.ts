// EEG band-power feature throughput (issue 6, item 7): 10 minutes of 32-channel EEG at 256 Hz.
// Batch: Welch (2 s Hann, 50 % overlap) band powers, relative powers and differential entropy per
// 4 s epoch; live: StreamingBandPowers (4 s window, 1 s hop) fed 125 ms chunks.
// Run: npx tsx bench/eeg-bands.ts [--runs N]. One JSON line per figure.

import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { bandPowersFromSpectrum, EEG_BANDS, StreamingBandPowers } from '../src-main/core/dsp/eeg.js';
import { WelchEstimator } from '../src-main/core/dsp/spectrum.js';
import { argNumber, median } from './bench-util.js';

const RATE_HZ = 256;
const CHANNELS = 32;
const DURATION_SEC = 600;
const EPOCH_SEC = 4;
const RUNS = Math.max(5, Math.round(argNumber('--runs', 5)));

const n = RATE_HZ * DURATION_SEC;
const eeg = new Float32Array(n * CHANNELS);
let s = 12345;
for (let i = 0; i < n; i++) {
  for (let c = 0; c < CHANNELS; c++) {
    s = (s * 16807) % 2147483647;
    eeg[i * CHANNELS + c] = 20 * (s / 2147483647 - 0.5) + 10 * Math.sin((2 * Math.PI * (9 + c / 16) * i) / RATE_HZ);
  }
}

let sink = 0;
const batchMs: number[] = [];
const epochRows = EPOCH_SEC * RATE_HZ;
for (let r = 0; r < RUNS; r++) {
  const est = new WelchEstimator(RATE_HZ, CHANNELS, { segmentLength: 2 * RATE_HZ });
  const t0 = performance.now();
  for (let e = 0; e + epochRows <= n; e += epochRows) {
    est.reset();
    est.addRun(eeg, e, e + epochRows);
    const bp = bandPowersFromSpectrum(est.result(), EEG_BANDS);
    sink += bp.differentialEntropy[7]! + bp.relative[3]!;
  }
  batchMs.push(performance.now() - t0);
}
const liveMs: number[] = [];
const chunk = RATE_HZ / 8;
let updates = 0;
for (let r = 0; r < RUNS; r++) {
  const live = new StreamingBandPowers(CHANNELS, RATE_HZ);
  const t0 = performance.now();
  for (let i = 0; i < n; i += chunk) live.push(eeg.subarray(i * CHANNELS, (i + chunk) * CHANNELS));
  liveMs.push(performance.now() - t0);
  updates = live.updates;
  sink += live.latest.absolute[0]!;
}

const meta = { signalSec: DURATION_SEC, channels: CHANNELS, rateHz: RATE_HZ, runs: RUNS, node: process.version, cpu: cpus()[0]?.model ?? 'unknown', date: new Date().toISOString().slice(0, 10) };
const lines = [
  {
    figure: 'eeg-bands-batch',
    what: `Welch band powers + relative + DE of 32 ch per ${EPOCH_SEC} s epoch`,
    xRealTime: Math.round(DURATION_SEC / (median(batchMs) / 1000)),
    medianMs: Number(median(batchMs).toFixed(1)),
    runsMs: batchMs.map((v) => Number(v.toFixed(1))),
  },
  {
    figure: 'eeg-bands-streaming',
    what: 'StreamingBandPowers (4 s window, 1 s hop) fed 125 ms chunks of 32 ch',
    xRealTime: Math.round(DURATION_SEC / (median(liveMs) / 1000)),
    medianMs: Number(median(liveMs).toFixed(1)),
    runsMs: liveMs.map((v) => Number(v.toFixed(1))),
    updates,
  },
];
for (const line of lines) console.log(JSON.stringify({ ...line, ...meta }));
if (Number.isNaN(sink)) console.error('unexpected NaN');
