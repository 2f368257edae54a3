// Messages between the live inference runner (engine, main thread) and its worker thread
// (issue 3 item 8): the main thread posts the last window of each modality's ring buffer as
// transferable typed arrays; the worker answers with one prediction row per window.

import type { Modality } from '../../core/align/types.js';
import type { StreamInfo } from '../../core/streams/types.js';
import type { ModalityRouting } from '../himoe/config.js';
import type { ModelBackend } from '../runtime/index.js';

/** workerData of the inference worker. */
export interface LiveWorkerInit {
  modelDir: string;
  /** Streams at hand (checked against the manifest by loadModel). */
  streams: StreamInfo[];
  /** Backend preference (default: tensorflow > wasm > cpu). */
  backend?: ModelBackend | ModelBackend[];
  /** Test hook: busy-wait this long after each prediction (simulates a slow machine). */
  testDelayMs: number;
}

/** One modality's raw samples for a window: the stream's own channels, session-clock times. */
export interface LiveModalityData {
  modality: Modality;
  streamId: string;
  /** Channels of the stream (the worker picks and orders the model's channels). */
  channelCount: number;
  nominalRateHz: number;
  /** n x channelCount, row-major (transferred). */
  values: Float32Array;
  /** n session-clock seconds (transferred). */
  timestamps: Float64Array;
  /** The stream's first-ever timestamp: fixes the patch-grid phase as the buffer slides. */
  anchorSec: number;
}

export type ToLiveWorker = { kind: 'window'; seq: number; windowEndSec: number; inputs: LiveModalityData[] };

/** How inputs are normalised: the manifest's fixed statistics, the subject's own estimated from the session so far, or not at all. */
export type LiveNormalisation = 'fixed' | 'live-per-subject' | 'none';

/** Layout of one prediction row, fixed once the model is loaded. */
export interface LiveModelLayout {
  backend: string;
  modelName: string;
  outputs: string[];
  modalities: Modality[];
  /** 'per-output': each output has its own Modality Expert Bank weights, sent after the prototypes. */
  modalityRouting: ModalityRouting;
  prototypes: number;
  windowSec: number;
  tokenRateHz: number;
  normalisation: LiveNormalisation;
  /** The stream feeding each present modality (absent modalities are not listed). */
  inputs: Array<{ modality: Modality; streamId: string }>;
  /** Notices of the runtime and the stream check (backend, absent modalities, reordered channels). */
  messages: string[];
}

export type FromLiveWorker =
  | { kind: 'ready'; layout: LiveModelLayout }
  /** row: predictionChannelLabels' order; NaN outputs when no modality is available at the window end. */
  | { kind: 'prediction'; seq: number; windowEndSec: number; row: Float32Array; computeMs: number; numTensors: number }
  | { kind: 'error'; seq?: number; code: string; message: string };

/**
 * Channel labels of the PREDICTION stream for a layout: the outputs; `weight_<modality>`, the
 * Modality Expert Bank weight per model modality (the mean over the outputs with per-output
 * routing; the shared experts have 1 - their sum); `prototype_<k>`; and with per-output routing
 * `<output>_weight_<modality>`, each output's own weights, output by output. The per-output
 * channels come last so that a reader of the shared layout finds its channels where they were.
 */
export function predictionChannelLabels(layout: Pick<LiveModelLayout, 'outputs' | 'modalities' | 'prototypes' | 'modalityRouting'>): string[] {
  return [
    ...layout.outputs,
    ...layout.modalities.map((m) => `weight_${m}`),
    ...Array.from({ length: layout.prototypes }, (_, k) => `prototype_${k}`),
    ...(layout.modalityRouting === 'per-output' ? layout.outputs.flatMap((o) => layout.modalities.map((m) => `${o}_weight_${m}`)) : []),
  ];
}
