// Aligner throughput (issue 2, item 10): a 10-minute session of 32-ch EEG@256 + 2-ch ECG@256 +
// EDA@32 + PPG@64 + RESP@32 with drift, stamping jitter and packet loss, aligned to model rates
// and cut into 8 s windows every 0.25 s. Run: npx tsx bench/align.ts [--runs N]. One JSON line per figure.

import { cpus } from 'node:os';
import { alignSession, assembleWindow, windowsOver, type AlignedSession, type Modality, type ModalityInput } from '../src-main/core/align/index.js';

const SESSION_SEC = 600;
const HOP_SEC = 0.25;
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface DeviceSpec {
  modality: Modality;
  rateHz: number;
  channels: number;
  driftPpm: number;
  offsetSec: number;
  seed: number;
}

/** Sines + noise on a drifting device clock; 40 ms packets, 0.2 % of them lost; one 3 s dropout; ~0.1 ms stamping jitter. */
function device(spec: DeviceSpec): ModalityInput {
  const rand = rng(spec.seed);
  const trueRate = spec.rateHz * (1 + spec.driftPpm * 1e-6);
  const total = Math.floor((SESSION_SEC - spec.offsetSec) * trueRate);
  const packet = Math.max(1, Math.round(0.04 * spec.rateHz));
  const dropoutFrom = 200 + spec.seed * 37;
  const timestamps = new Float64Array(total);
  const values = new Float32Array(total * spec.channels);
  let n = 0;
  let lost = false;
  for (let i = 0; i < total; i++) {
    if (i % packet === 0) lost = rand() < 0.002;
    const t = spec.offsetSec + i / trueRate;
    if (lost || (t >= dropoutFrom && t < dropoutFrom + 3)) continue;
    timestamps[n] = t + (rand() - 0.5) * 2e-4;
    for (let c = 0; c < spec.channels; c++) {
      const f = 1 + ((c * 1.7) % (0.4 * spec.rateHz));
      values[n * spec.channels + c] = Math.sin(2 * Math.PI * f * t) + 0.3 * Math.sin(2 * Math.PI * 0.11 * f * t + c) + 0.2 * (rand() - 0.5);
    }
    n++;
  }
  return {
    modality: spec.modality,
    channelCount: spec.channels,
    nominalRateHz: spec.rateHz,
    timestamps: timestamps.slice(0, n),
    values: values.slice(0, n * spec.channels),
    streamId: `bench:${spec.modality.toLowerCase()}`,
  };
}

const inputs: ModalityInput[] = [
  device({ modality: 'EEG', rateHz: 256, channels: 32, driftPpm: 42, offsetSec: 0.013, seed: 1 }),
  device({ modality: 'ECG', rateHz: 256, channels: 2, driftPpm: -31, offsetSec: 0.027, seed: 2 }),
  device({ modality: 'EDA', rateHz: 32, channels: 1, driftPpm: 15, offsetSec: 0.41, seed: 3 }),
  device({ modality: 'PPG', rateHz: 64, channels: 1, driftPpm: -48, offsetSec: 0.09, seed: 4 }),
  device({ modality: 'RESP', rateHz: 32, channels: 1, driftPpm: 5, offsetSec: 1.2, seed: 5 }),
];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function timeIt<T>(fn: () => T): { ms: number; result: T } {
  const t0 = performance.now();
  const result = fn();
  return { ms: performance.now() - t0, result };
}

let sink = 0;
const alignMs: number[] = [];
const windowsMs: number[] = [];
const liveMs: number[] = [];
let windowCount = 0;
let aligned: AlignedSession | undefined;

// Warm-up (JIT), not measured.
aligned = alignSession(inputs, { startSec: 0, endSec: SESSION_SEC });
for (const w of windowsOver(aligned, { hopSec: HOP_SEC, lastEndSec: 60 })) sink += w.availability.EEG ?? 0;

for (let r = 0; r < RUNS; r++) {
  const a = timeIt(() => alignSession(inputs, { startSec: 0, endSec: SESSION_SEC }));
  alignMs.push(a.ms);
  aligned = a.result;
  const w = timeIt(() => {
    let count = 0;
    for (const win of windowsOver(aligned!, { hopSec: HOP_SEC })) {
      sink += win.modalities.EEG!.x[0]! + win.modalities.EDA!.patchTimesSec[31]!;
      count++;
    }
    return count;
  });
  windowsMs.push(w.ms);
  windowCount = w.result;
}

// Live path: each call resamples the last 12 s of every stream for one window (what the engine
// does at the token rate). Timed over 200 window ends spread across the session.
const anchorsSec = Object.fromEntries(inputs.map((i) => [i.modality, i.timestamps[0]!]));
const liveEnds = Array.from({ length: 200 }, (_, k) => 20 + k * 2.9);
const buffers = liveEnds.map((endSec) =>
  inputs.map((input) => {
    let from = 0;
    while (from < input.timestamps.length && input.timestamps[from]! < endSec - 12) from++;
    let to = from;
    while (to < input.timestamps.length && input.timestamps[to]! < endSec) to++;
    return { ...input, timestamps: input.timestamps.subarray(from, to), values: input.values.subarray(from * input.channelCount, to * input.channelCount) };
  }),
);
for (let r = 0; r < RUNS; r++) {
  const t = timeIt(() => {
    liveEnds.forEach((endSec, k) => {
      sink += assembleWindow(buffers[k]!, endSec, { anchorsSec }).modalities.EEG!.x[100]!;
    });
  });
  liveMs.push(t.ms / liveEnds.length);
}

const meta = { sessionSec: SESSION_SEC, runs: RUNS, node: process.version, cpu: cpus()[0]?.model ?? 'unknown', date: new Date().toISOString().slice(0, 10) };
const inputSamples = inputs.reduce((s, i) => s + i.values.length, 0);
const alignMed = median(alignMs);
const windowsMed = median(windowsMs);
const liveMed = median(liveMs);
const out = [
  { figure: 'align', what: 'alignSession: whole session to model rates (anti-aliased resampling + masks)', xRealTime: SESSION_SEC / (alignMed / 1000), medianMs: alignMed, inputMSamplesPerSec: inputSamples / 1e3 / alignMed },
  { figure: 'align-windows', what: `windowsOver: every ${HOP_SEC} s window of 8 s (copy + patch masks/times)`, xRealTime: SESSION_SEC / (windowsMed / 1000), medianMs: windowsMed, windows: windowCount, usPerWindow: (windowsMed * 1000) / windowCount },
  { figure: 'align-total', what: 'alignSession + windowsOver (offline evaluation path)', xRealTime: SESSION_SEC / ((alignMed + windowsMed) / 1000), medianMs: alignMed + windowsMed },
  {
    figure: 'align-live-window',
    what: `assembleWindow from the last 12 s of raw inputs (live path), per window; xLiveCadence = ${HOP_SEC} s hop / time per window`,
    medianMsPerWindow: liveMed,
    xLiveCadence: (HOP_SEC * 1000) / liveMed,
  },
];
for (const line of out) console.log(JSON.stringify({ ...line, ...meta }));
if (Number.isNaN(sink)) console.error('unexpected NaN');
