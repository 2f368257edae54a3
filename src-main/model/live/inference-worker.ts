// The live inference worker thread (issue 3 item 8): loads the model once, then for every
// window the engine posts, assembles a causal model window from the raw samples, runs Hi-MoE
// and posts back one prediction row. Runs off the main thread so acquisition never waits on it.

import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { assembleWindow, type Modality, type ModalityInput } from '../../core/align/index.js';
import { HiMoEInference } from '../himoe/index.js';
import { loadModel, selectChannels, type LoadedModel, type ModalityMatch } from '../io/index.js';
import { initModelRuntime, tf } from '../runtime/index.js';
import { LiveNormaliser } from './live-normaliser.js';
import type { FromLiveWorker, LiveNormalisation, LiveWorkerInit, ToLiveWorker } from './protocol.js';

const port = parentPort;
if (port === null) throw new Error('inference-worker.ts must run in a worker thread');
const init = workerData as LiveWorkerInit;
const post = (message: FromLiveWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
const sleeper = new Int32Array(new SharedArrayBuffer(4));

function errorMessage(error: unknown, seq?: number): FromLiveWorker {
  const code = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : 'worker-failed';
  return { kind: 'error', ...(seq !== undefined ? { seq } : {}), code, message: error instanceof Error ? error.message : String(error) };
}

/** Fixed statistics from the manifest; else the subject's own, estimated live; else none. */
function normalisationOf(loaded: LoadedModel): { kind: LiveNormalisation; live?: LiveNormaliser } {
  const n = loaded.manifest.normalisation;
  if (n.stats !== undefined) return { kind: 'fixed' };
  if (n.method === 'per-subject-robust') return { kind: 'live-per-subject', live: new LiveNormaliser(loaded.model.config) };
  return { kind: 'none' };
}

async function setUp(): Promise<{ loaded: LoadedModel; inference: HiMoEInference; live?: LiveNormaliser }> {
  const logs: string[] = [];
  const runtime = await initModelRuntime({ ...(init.backend !== undefined ? { prefer: init.backend } : {}), log: (m) => logs.push(m) });
  const loaded = await loadModel(init.modelDir, { streams: init.streams });
  const c = loaded.model.config;
  const normalisation = normalisationOf(loaded);
  post({
    kind: 'ready',
    layout: {
      backend: runtime.backend,
      modelName: loaded.manifest.name,
      outputs: [...c.outputs],
      modalities: c.modalities.map((s) => s.modality),
      // A mean-fusion model has no router, per-output config or not: no per-output weights.
      modalityRouting: loaded.model.routes > 1 ? 'per-output' : 'shared',
      prototypes: c.prototypes,
      windowSec: c.windowSec,
      tokenRateHz: c.tokenRateHz,
      normalisation: normalisation.kind,
      inputs: (loaded.streamCheck?.matches ?? []).flatMap((m) => (m.streamId !== undefined ? [{ modality: m.modality, streamId: m.streamId }] : [])),
      messages: [...logs, ...(loaded.streamCheck?.messages ?? [])],
    },
  });
  // The inference-only forward pass (weights folded once; see himoe/inference.ts): same outputs as
  // HiMoE.predict, ~2x less CPU per window and ~3x fewer tfjs kernels (less garbage, fewer GC pauses).
  const inference = new HiMoEInference(loaded.model);
  return { loaded, inference, ...(normalisation.live ? { live: normalisation.live } : {}) };
}

function predict(loaded: LoadedModel, inference: HiMoEInference, live: LiveNormaliser | undefined, message: ToLiveWorker): Float32Array {
  const c = loaded.model.config;
  const matches = new Map<Modality, ModalityMatch>((loaded.streamCheck?.matches ?? []).map((m) => [m.modality, m]));
  const inputs: ModalityInput[] = [];
  const anchorsSec: Partial<Record<Modality, number>> = {};
  for (const d of message.inputs) {
    const match = matches.get(d.modality);
    if (match === undefined || match.streamId !== d.streamId || d.timestamps.length === 0) continue;
    const values = selectChannels(d.values, d.channelCount, match);
    inputs.push({ modality: d.modality, channelCount: match.channelIndex.length, nominalRateHz: d.nominalRateHz, timestamps: d.timestamps, values, streamId: d.streamId });
    anchorsSec[d.modality] = d.anchorSec;
  }
  const window = assembleWindow(inputs, message.windowEndSec, {
    windowSec: c.windowSec,
    tokenRateHz: c.tokenRateHz,
    modalities: c.modalities.map((s) => s.modality),
    modelRatesHz: Object.fromEntries(c.modalities.map((s) => [s.modality, s.rateHz])) as Record<Modality, number>,
    channelCounts: Object.fromEntries(c.modalities.map((s) => [s.modality, s.channelLabels.length])),
    anchorsSec,
  });
  const stats = live !== undefined ? live.update(window) : loaded.manifest.normalisation.stats;
  const p = inference.predict([window], stats !== undefined ? { normalisation: stats } : {});
  const last = p.tokensPerWindow - 1;
  const valid = p.tokenValid[last] === 1;
  const D = p.outputs.length;
  const M = c.modalities.length;
  const E = p.experts.length;
  const K = c.prototypes;
  // predictionChannelLabels' order: outputs, modality weights, prototypes, then each output's own modality weights.
  const routes = p.outputModalityWeights;
  const row = new Float32Array(D + M + K + (routes !== undefined ? D * M : 0));
  for (let k = 0; k < D; k++) row[k] = valid ? p.tokens[last * D + k]! : Number.NaN;
  for (let m = 0; m < M; m++) row[D + m] = p.modalityWeights[last * E + m]!;
  for (let k = 0; k < K; k++) row[D + M + k] = p.prototypeWeights[last * K + k]!;
  if (routes !== undefined) {
    for (let o = 0; o < D; o++) for (let m = 0; m < M; m++) row[D + M + K + o * M + m] = routes[(last * D + o) * E + m]!;
  }
  return row;
}

setUp().then(
  ({ loaded, inference, live }) => {
    port.on('message', (message: ToLiveWorker) => {
      const t0 = performance.now();
      try {
        const row = predict(loaded, inference, live, message);
        const computeMs = performance.now() - t0;
        if (init.testDelayMs > 0) Atomics.wait(sleeper, 0, 0, init.testDelayMs);
        post({ kind: 'prediction', seq: message.seq, windowEndSec: message.windowEndSec, row, computeMs, numTensors: tf.memory().numTensors }, [row.buffer as ArrayBuffer]);
      } catch (error) {
        post(errorMessage(error, message.seq));
      }
    });
  },
  (error: unknown) => post(errorMessage(error)),
);
