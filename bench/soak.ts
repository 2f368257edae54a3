// Soak: a long synthetic session at accelerated time through the full engine path (every
// modality, 32-ch EEG, live signal quality, live Hi-MoE inference in its worker, recording to XDF)
// to show that memory stays flat and that no sample is lost between generation and the file.
// Run: npx tsx bench/soak.ts [--minutes 120] [--small-model] [--no-inference]
//   (one JSON line per simulated minute on stderr, the summary on stdout; the model is trained
//   for 2 steps on synthetic data first: the default config, or dModel 16 with --small-model)
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SyntheticSession } from '../src-main/acquisition/synthetic/synthetic-session.js';
import { LiveInferenceRunner, type LiveInferenceStats } from '../src-main/engine/live-inference.js';
import { SessionEngine } from '../src-main/engine/session-engine.js';
import { SignalQualityPublisher } from '../src-main/engine/signal-quality.js';
import type { ModelError } from '../src-main/model/errors.js';
import { initModelRuntime, resolveHiMoEConfig, saveModel, syntheticExamples, trainHiMoE, type HiMoEConfig } from '../src-main/model/index.js';
import { argNumber } from './bench-util.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** A full garbage collection, without needing node --expose-gc on the command line. */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  gc?.();
}

export interface SoakSample {
  simMinute: number;
  wallSec: number;
  rssMB: number;
  heapUsedMB: number;
  arrayBuffersMB: number;
  /** tf.memory().numTensors in the inference worker after its latest prediction (null without inference). */
  workerTensors: number | null;
}

export interface SoakOptions {
  /** A model folder (saveModel): the session runs live inference into a PREDICTION stream. */
  modelDir?: string;
  /** Seconds of session clock between inference windows (default 0.5, as in the workstation). */
  hopSec?: number;
  onSample?: (s: SoakSample) => void;
}

/** Live inference over the soak: hops the runner saw, and what became of each. */
export interface SoakInference {
  streamId: string;
  /** Hops of the session clock from the runner's start to the last chunk, counted independently of the runner. */
  expectedWindows: number;
  stats: LiveInferenceStats;
  /** Predictions recorded in the file (the PREDICTION stream's sample count). */
  recordedPredictions: number;
  /** Window or worker failures (messages). */
  errors: string[];
}

export interface SoakResult {
  simMinutes: number;
  wallSec: number;
  xRealTime: number;
  samples: SoakSample[];
  /** Least-squares slope of RSS over simulated time, after the first 10 % (warm-up). */
  rssSlopeMBPerHour: number;
  rssStartMB: number;
  rssEndMB: number;
  fileMB: number;
  /** Per stream: samples the sources (or the quality publisher) produced, and samples in the file. */
  streams: Array<{ id: string; xdfStreamId: number | null; generated: number; recorded: number }>;
  inference: SoakInference | null;
}

const MB = 1024 * 1024;

/** A Hi-MoE config for the soak's streams: the default, or a small one (dModel 16, 4 s windows, quarter rates, 3 EEG channels). */
export function soakModelConfig(size: 'default' | 'small'): HiMoEConfig {
  const d = resolveHiMoEConfig();
  if (size === 'default') return d;
  return resolveHiMoEConfig({
    // The default modalities at a quarter of their model rates, EEG on three channels.
    modalities: d.modalities.map((m) => ({ ...m, rateHz: m.rateHz / 4, channelLabels: m.modality === 'EEG' ? ['Fz', 'Cz', 'Pz'] : m.channelLabels })),
    windowSec: 4,
    dModel: 16,
    heads: 2,
    alignHorizonSec: 2,
  });
}

/** Train `config` for 2 steps on one synthetic subject and save it to `dir` (what live inference loads). */
export async function trainSoakModel(dir: string, config: HiMoEConfig, seed = 11): Promise<void> {
  await initModelRuntime({ log: () => undefined });
  const train = syntheticExamples(config, { subjectSeed: seed, durationSec: 4 * config.windowSec, hopSec: config.windowSec / 2 }).examples;
  const validation = syntheticExamples(config, { subjectSeed: seed + 1, durationSec: 2 * config.windowSec, hopSec: config.windowSec }).examples;
  const result = await trainHiMoE({ config, seed, train, validation, epochs: 1, batchSize: 2, maxStepsPerEpoch: 2, augment: false });
  try {
    await saveModel(dir, result.model, {
      name: 'soak',
      normalisation: { method: 'per-subject-robust', description: 'median / IQR per subject and channel, estimated live' },
      training: { data: 'synthetic', description: `${result.steps} steps on one synthetic subject: the soak tests the runner, not accuracy`, synthetic: true, subjects: 1 },
      seed,
    });
  } finally {
    result.model.dispose();
  }
}

/** Run `minutes` simulated minutes recording into `dir` (with live inference when `opts.modelDir` is set). */
export async function runSoak(minutes: number, dir: string, opts: SoakOptions = {}): Promise<SoakResult> {
  const onSample = opts.onSample ?? (() => {});
  const session = new SyntheticSession({ seed: 7, modalities: ['EEG', 'ECG', 'EDA', 'PPG', 'RESP'], durationSec: minutes * 60, pacing: 'fast' });
  const engine = new SessionEngine({ clock: session.clock });
  for (const s of session.sources) engine.addSource(s);
  const quality = new SignalQualityPublisher(engine);
  quality.attach();
  const qualityIds = new Set(quality.qualityStreams.values());
  const errors: string[] = [];
  const runner = opts.modelDir === undefined ? null : new LiveInferenceRunner(engine, { modelDir: opts.modelDir, hopSec: opts.hopSec ?? 0.5, onError: (e: ModelError) => errors.push(e.message) });
  // The session clock where the runner starts counting hops, and the last chunk's time (its last tick).
  const runnerStartSec = runner === null ? 0 : (await runner.start(), session.clock.nowSec());
  let lastTickSec = runnerStartSec;

  // Generated = what each source emitted (counted at the source, before the engine) and what
  // the quality publisher published (seen on the engine's chunk events).
  const generated = new Map<string, number>();
  const add = (id: string, n: number) => generated.set(id, (generated.get(id) ?? 0) + n);
  const offs = session.sources.map((src) =>
    src.subscribe((ev) => {
      if (ev.kind === 'chunk') add(ev.chunk.streamId, ev.chunk.timestamps.length);
    }),
  );
  const samples: SoakSample[] = [];
  const wall0 = performance.now();
  let nextMinute = 1;
  let origin = Number.NaN;
  const take = (simMinute: number) => {
    // Measure live memory, not how far the garbage collector happens to be behind.
    collectGarbage();
    const m = process.memoryUsage();
    const s = {
      simMinute,
      wallSec: Number(((performance.now() - wall0) / 1000).toFixed(2)),
      rssMB: Number((m.rss / MB).toFixed(1)),
      heapUsedMB: Number((m.heapUsed / MB).toFixed(1)),
      arrayBuffersMB: Number((m.arrayBuffers / MB).toFixed(1)),
      workerTensors: runner === null ? null : runner.stats().workerTensors,
    };
    samples.push(s);
    onSample(s);
  };
  offs.push(
    engine.subscribe((ev) => {
      if (ev.kind !== 'chunk') return;
      if (qualityIds.has(ev.chunk.streamId)) add(ev.chunk.streamId, ev.chunk.timestampsSec.length);
      if (runner !== null && ev.chunk.streamId === runner.streamId) add(ev.chunk.streamId, ev.chunk.timestampsSec.length);
      else lastTickSec = session.clock.nowSec();
      if (Number.isNaN(origin)) origin = session.clock.nowSec();
      if (session.clock.nowSec() - origin >= nextMinute * 60) take(nextMinute++);
    }),
  );

  const path = join(dir, 'soak.xdf');
  take(0);
  await engine.start({ recordPath: path });
  await session.done;
  if (runner !== null) {
    // Let the window in flight come back, so every posted window is either published or failed.
    for (let waitedMs = 0; waitedMs < 30_000; waitedMs += 10) {
      const st = runner.stats();
      if (st.publishedWindows + st.failedWindows >= st.postedWindows) break;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  // The last sample while everything still runs: after the worker stops, RSS falls by what it held.
  take(nextMinute);
  await runner?.stop();
  await engine.release();
  quality.detach();
  for (const off of offs) off();
  const wallSec = (performance.now() - wall0) / 1000;

  const stats = engine.recordStats();
  const recorded = new Map(stats.map((r) => [r.streamId, r.sampleCount]));
  const xdfIds = new Map(stats.map((r) => [r.streamId, r.xdfStreamId]));
  const ids = [...new Set([...generated.keys(), ...recorded.keys()])].sort();
  const steady = samples.slice(Math.floor(samples.length / 10));
  const hopSec = runner?.hopSec ?? 1;
  const inference: SoakInference | null =
    runner === null
      ? null
      : {
          streamId: runner.streamId,
          expectedWindows: Math.floor(lastTickSec / hopSec + 1e-9) - Math.floor(runnerStartSec / hopSec + 1e-9),
          stats: runner.stats(),
          recordedPredictions: recorded.get(runner.streamId) ?? 0,
          errors,
        };
  return {
    simMinutes: minutes,
    wallSec: Number(wallSec.toFixed(1)),
    xRealTime: Number(((minutes * 60) / wallSec).toFixed(1)),
    samples,
    rssSlopeMBPerHour: Number((slope(steady.map((s) => s.simMinute / 60), steady.map((s) => s.rssMB)) || 0).toFixed(2)),
    rssStartMB: samples[0]!.rssMB,
    rssEndMB: samples[samples.length - 1]!.rssMB,
    fileMB: Number((statSync(path).size / 1e6).toFixed(1)),
    streams: ids.map((id) => ({ id, xdfStreamId: xdfIds.get(id) ?? null, generated: generated.get(id) ?? 0, recorded: recorded.get(id) ?? 0 })),
    inference,
  };
}

/** Ordinary least-squares slope of y on x. */
export function slope(x: number[], y: number[]): number {
  const n = x.length;
  if (n < 2) return 0;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  return sxx > 0 ? sxy / sxx : 0;
}

/**
 * What is wrong with a soak's live inference, if anything: no PREDICTION stream, a failed window,
 * predictions recorded != expected hops - skipped hops, or a tensor count that changed in the worker.
 */
export function inferenceProblems(r: SoakResult): string[] {
  const inf = r.inference;
  if (inf === null) return [];
  const out: string[] = [];
  const st = inf.stats;
  if (inf.recordedPredictions === 0) out.push('no prediction recorded');
  if (st.failedWindows > 0 || inf.errors.length > 0) out.push(`${st.failedWindows} failed window(s): ${inf.errors.slice(0, 3).join('; ')}`);
  if (st.postedWindows + st.skippedWindows !== inf.expectedWindows) out.push(`posted ${st.postedWindows} + skipped ${st.skippedWindows} != ${inf.expectedWindows} hops`);
  if (inf.recordedPredictions !== inf.expectedWindows - st.skippedWindows - st.failedWindows) out.push(`recorded ${inf.recordedPredictions} predictions, expected ${inf.expectedWindows} - ${st.skippedWindows} skipped - ${st.failedWindows} failed`);
  const tensors = new Set(r.samples.map((s) => s.workerTensors).filter((n): n is number => n !== null && Number.isFinite(n)));
  if (tensors.size > 1) out.push(`worker tensor count changed over the soak: ${[...tensors].join(', ')}`);
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // `npm run bench` passes no flag: the two-hour soak with live inference (default model config)
  // runs at ~30-70x real time on the 2-core machine, short enough to keep in the bench run.
  const minutes = argNumber('--minutes', 120);
  const inference = !process.argv.includes('--no-inference');
  const modelSize = process.argv.includes('--small-model') ? 'small' : 'default';
  const dir = mkdtempSync(join(tmpdir(), 'himoe-soak-'));
  try {
    const modelDir = join(dir, 'model');
    if (inference) await trainSoakModel(modelDir, soakModelConfig(modelSize));
    const r = await runSoak(minutes, dir, { ...(inference ? { modelDir } : {}), onSample: (s) => process.stderr.write(`${JSON.stringify({ soak: 'rss', ...s })}\n`) });
    const lost = r.streams.filter((s) => s.generated !== s.recorded);
    const problems = inferenceProblems(r);
    const inf = r.inference;
    console.log(
      JSON.stringify({
        figure: 'soak-rss-slope-MB-per-hour',
        median: r.rssSlopeMBPerHour,
        target: '~0 (flat)',
        simMinutes: r.simMinutes,
        wallSec: r.wallSec,
        xRealTime: r.xRealTime,
        rssStartMB: r.rssStartMB,
        rssEndMB: r.rssEndMB,
        rssMaxMB: Math.max(...r.samples.map((s) => s.rssMB)),
        fileMB: r.fileMB,
        samplesLost: lost.length,
        inference:
          inf === null
            ? null
            : {
                model: modelSize,
                expectedWindows: inf.expectedWindows,
                predictions: inf.recordedPredictions,
                skippedWindows: inf.stats.skippedWindows,
                failedWindows: inf.stats.failedWindows,
                workerTensors: inf.stats.workerTensors,
                latencyMedianMs: Number(inf.stats.latencyMs.medianMs.toFixed(1)),
                computeMedianMs: Number(inf.stats.computeMs.medianMs.toFixed(1)),
                problems,
              },
        streams: r.streams,
      }),
    );
    if (lost.length > 0) {
      process.stderr.write(`soak: recorded != generated for ${lost.map((s) => s.id).join(', ')}\n`);
      process.exitCode = 1;
    }
    if (problems.length > 0) {
      process.stderr.write(`soak: live inference: ${problems.join('; ')}\n`);
      process.exitCode = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
