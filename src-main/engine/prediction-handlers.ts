// The Predictions view's side of the engine (issue 7): `prediction.status` (the live model's
// layout, counters and the last seconds of PREDICTION rows, exact, from the ring buffer) and the
// publisher that turns each row the live inference runner publishes into a 'prediction' event.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApiPredictionModel, ApiPredictionRow } from '../api/requests-prediction.js';
import { validateManifest } from '../model/io/manifest.js';
import { isValidId } from '../storage/workspace.js';
import type { RequestHandlers, WorkstationService } from './workstation-service.js';

/** Decodes rows of a PREDICTION stream by its channel labels (predictionChannelLabels): outputs,
 *  `weight_<modality>`, `prototype_<k>`, and per-output routing's `<output>_weight_<modality>`. */
export function predictionRowReader(labels: readonly string[]): (values: Float32Array, row: number, tSec: number) => ApiPredictionRow {
  const at = (label: string) => labels.indexOf(label);
  const valence = at('valence');
  const arousal = at('arousal');
  const weights = labels.flatMap((l, i) => (l.startsWith('weight_') ? [i] : []));
  const modalities = weights.map((i) => labels[i]!.slice('weight_'.length));
  const prototypes = labels.flatMap((l, i) => (l.startsWith('prototype_') ? [i] : []));
  // Each output's own weights, in the modalities' order (an output lacking one reads 0).
  const routedOutputs = [...new Set(labels.flatMap((l) => {
    const m = /^(.+)_weight_(.+)$/.exec(l);
    return m !== null && modalities.includes(m[2]!) ? [m[1]!] : [];
  }))];
  const routes = routedOutputs.map((output) => ({ output, indices: modalities.map((m) => at(`${output}_weight_${m}`)) }));
  const C = labels.length;
  // NaN (no modality available at the window end) travels as null: JSON has no NaN.
  const output = (values: Float32Array, base: number, i: number) => (i >= 0 && Number.isFinite(values[base + i]) ? values[base + i]! : null);
  return (values, row, tSec) => {
    const base = row * C;
    const modalityWeights = weights.map((i) => values[base + i]!);
    const sum = modalityWeights.reduce((a, b) => a + b, 0);
    return {
      tSec,
      valence: output(values, base, valence),
      arousal: output(values, base, arousal),
      modalityWeights,
      sharedWeight: Math.min(1, Math.max(0, 1 - sum)),
      prototypeWeights: prototypes.map((i) => values[base + i]!),
      outputWeights: routes.map(({ output, indices }) => {
        const w = indices.map((i) => (i >= 0 ? values[base + i]! : 0));
        return { output, modalityWeights: w, sharedWeight: Math.min(1, Math.max(0, 1 - w.reduce((a, b) => a + b, 0))) };
      }),
    };
  };
}

/** What the publisher heard that the runner no longer knows (a model that failed to load is dropped). */
const lastErrors = new WeakMap<WorkstationService, { message: string | null }>();

const MODEL_ERROR = /^(no live predictions|live inference):/;

/** What a model folder's manifest says, for choosing it (never throws: a bad folder says why). */
export async function describeModel(path: string, name: string | null): Promise<ApiPredictionModel> {
  const none = { name, path, modelName: null, trainedOn: null, synthetic: null, createdAt: null, modalities: [], validation: { valence: null, arousal: null } };
  const file = join(path, 'manifest.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    return { ...none, problem: `${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` };
  }
  try {
    const m = validateManifest(JSON.parse(text) as unknown, file);
    const v = m.metrics?.validation ?? {};
    const ccc = (key: string) => (typeof v[key] === 'number' && Number.isFinite(v[key]) ? v[key] : null);
    return {
      name,
      path,
      modelName: m.name,
      trainedOn: m.training.data,
      synthetic: m.training.synthetic,
      createdAt: m.createdAt,
      modalities: m.modalities.map((s) => `${s.modality} ${s.rateHz} Hz`),
      validation: { valence: ccc('valence_ccc'), arousal: ccc('arousal_ccc') },
      problem: null,
    };
  } catch (err) {
    return { ...none, problem: err instanceof SyntaxError ? `${file}: not valid JSON (${err.message})` : (err as Error).message };
  }
}

export interface PredictionHandlersOptions {
  /** The workspace's models/, listed by prediction.models (session.start's `model` names one). */
  modelsDir?: string;
}

export function predictionHandlers(opts: PredictionHandlersOptions = {}): RequestHandlers {
  return {
    'prediction.models': async (_p, service) => {
      const configuredDir = service.configuredModelDir;
      let names: string[] = [];
      if (opts.modelsDir !== undefined) {
        try {
          names = (await readdir(opts.modelsDir, { withFileTypes: true })).filter((e) => e.isDirectory() && isValidId(e.name)).map((e) => e.name).sort();
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
      }
      return {
        configured: configuredDir !== null ? await describeModel(configuredDir, null) : null,
        models: await Promise.all(names.map((n) => describeModel(join(opts.modelsDir!, n), n))),
      };
    },
    'prediction.status': async (p, service) => {
      const engine = service.engine;
      const runner = service.liveInference;
      const layout = runner?.layout ?? null;
      const nowSec = engine ? engine.clock.nowSec() : null;
      const base = {
        modelConfigured: service.modelDir !== null,
        sessionRunning: engine !== null,
        sessionStartSec: engine && nowSec !== null ? nowSec - engine.elapsedSec : null,
        nowSec,
        lastError: runner?.lastError?.message ?? lastErrors.get(service)?.message ?? null,
      };
      if (!engine || !runner || !layout || nowSec === null) return { ...base, layout: null, stats: null, history: [] };
      const info = engine.streamInfos.find((s) => s.id === runner.streamId);
      const buffer = engine.buffer(runner.streamId);
      const history: ApiPredictionRow[] = [];
      if (info && buffer) {
        const read = predictionRowReader(info.channels.map((c) => c.label));
        const rows = buffer.readRange(nowSec - p.historySec, nowSec + 1);
        for (let r = 0; r < rows.count; r++) history.push(read(rows.values, r, rows.timestamps[r]!));
      }
      const s = runner.stats();
      return {
        ...base,
        layout: {
          streamId: runner.streamId,
          modelName: layout.modelName,
          backend: layout.backend,
          windowSec: layout.windowSec,
          hopSec: runner.hopSec,
          modalities: [...layout.modalities],
          modalityRouting: layout.modalityRouting,
          prototypes: layout.prototypes,
          inputs: layout.inputs.map((i) => ({ modality: i.modality, streamId: i.streamId })),
        },
        stats: {
          publishedWindows: s.publishedWindows,
          skippedWindows: s.skippedWindows,
          failedWindows: s.failedWindows,
          latencyMedianMs: Number.isFinite(s.latencyMs.medianMs) ? s.latencyMs.medianMs : null,
        },
        history,
      };
    },
  };
}

/**
 * Emits a 'prediction' event for every row of the live model's PREDICTION stream while a session
 * runs, and remembers the last model error for `prediction.status`. Returns a detach function.
 */
export function publishPredictions(service: WorkstationService): () => void {
  const lastError = { message: null as string | null };
  lastErrors.set(service, lastError);
  let offEngine: (() => void) | null = null;
  const off = service.onEvent((e) => {
    if (e.kind === 'error' && MODEL_ERROR.test(e.message)) lastError.message = e.message;
    if (e.kind !== 'session') return;
    offEngine?.();
    offEngine = null;
    const engine = service.engine;
    const runner = service.liveInference;
    if (e.state !== 'started' || !engine || !runner) return;
    lastError.message = null;
    const streamId = runner.streamId;
    const info = engine.streamInfos.find((s) => s.id === streamId);
    if (!info) return;
    const read = predictionRowReader(info.channels.map((c) => c.label));
    offEngine = engine.subscribe((ev) => {
      if (ev.kind !== 'chunk' || ev.chunk.streamId !== streamId || !(ev.chunk.values instanceof Float32Array)) return;
      const { values, timestampsSec } = ev.chunk;
      for (let r = 0; r < timestampsSec.length; r++) service.emit({ kind: 'prediction', streamId, ...read(values, r, timestampsSec[r]!) });
    });
  });
  return () => {
    off();
    offEngine?.();
    offEngine = null;
  };
}
