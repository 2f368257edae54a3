// Requests and events of the Predictions view (issue 7): the live model's layout, its run
// counters and the recent PREDICTION rows (exact values from the engine's ring buffer, not the
// min/max plot frames), and a 'prediction' event per row as the model publishes it (~2 Hz).

import { z } from 'zod';

/** One PREDICTION row, named: outputs (null when no modality was available), then router weights. */
export const predictionRowSchema = z.object({
  /** Window end on the session clock (s), as recorded in the XDF file. */
  tSec: z.number(),
  valence: z.number().nullable(),
  arousal: z.number().nullable(),
  /** Modality Expert Bank weight per model modality (order of `modalities` in the layout); exactly 0 when absent. */
  modalityWeights: z.array(z.number()),
  /** Weight of the shared expert(s): 1 − Σ modality weights (the router's softmax covers both). */
  sharedWeight: z.number(),
  /** Emotion prototype routing weights (differential attention: may be negative, sum is 1 − λ). */
  prototypeWeights: z.array(z.number()),
  /** With per-output modality routing, each output's own Modality Expert Bank weights (modality
   *  order as `modalityWeights`, which are then their mean); empty when the outputs share one router. */
  outputWeights: z.array(z.object({ output: z.string(), modalityWeights: z.array(z.number()), sharedWeight: z.number() })),
});
export type ApiPredictionRow = z.infer<typeof predictionRowSchema>;

export const predictionLayoutSchema = z.object({
  streamId: z.string(),
  modelName: z.string(),
  backend: z.string(),
  windowSec: z.number(),
  hopSec: z.number(),
  modalities: z.array(z.string()),
  /** 'per-output': rows carry each output's own modality weights (outputWeights). */
  modalityRouting: z.enum(['shared', 'per-output']),
  prototypes: z.number(),
  /** The session stream feeding each model modality that has one. */
  inputs: z.array(z.object({ modality: z.string(), streamId: z.string() })),
});
export type ApiPredictionLayout = z.infer<typeof predictionLayoutSchema>;

/** A model folder a session can run live: the configured one, or one of the workspace's models/. */
export const predictionModelSchema = z.object({
  /** Its folder name in models/ (session.start's `model`); null for the configured model. */
  name: z.string().nullable(),
  path: z.string(),
  /** The manifest's name, training data SPEC, and whether that data is synthetic. */
  modelName: z.string().nullable(),
  trainedOn: z.string().nullable(),
  synthetic: z.boolean().nullable(),
  createdAt: z.string().nullable(),
  /** Model modalities with their rates, e.g. "EEG 32 Hz". */
  modalities: z.array(z.string()),
  /** Validation CCC from the manifest, where it has one. */
  validation: z.object({ valence: z.number().nullable(), arousal: z.number().nullable() }),
  /** Why it cannot run (an unreadable or invalid manifest), else null. */
  problem: z.string().nullable(),
});
export type ApiPredictionModel = z.infer<typeof predictionModelSchema>;

export const predictionRequests = {
  /** The models a session can run live: the configured one and each folder of the workspace's models/. */
  'prediction.models': {
    params: z.object({}).strict(),
    result: z.object({ configured: predictionModelSchema.nullable(), models: z.array(predictionModelSchema) }),
  },
  'prediction.status': {
    params: z
      .object({
        /** Seconds of recent rows to return (the engine keeps 60 s). */
        historySec: z.number().min(0).max(60).default(30),
      })
      .strict(),
    result: z.object({
      /** The running session has a model (chosen in session.start, else the default), or, when idle, a default is configured (`himoe serve --model DIR`, HIMOE_MODEL in the app). */
      modelConfigured: z.boolean(),
      sessionRunning: z.boolean(),
      /** Session clock (s) at the session's start and now: the view plots time since start. */
      sessionStartSec: z.number().nullable(),
      nowSec: z.number().nullable(),
      /** Null when no model runs in this session (none configured, or it did not load). */
      layout: predictionLayoutSchema.nullable(),
      stats: z
        .object({
          publishedWindows: z.number(),
          skippedWindows: z.number(),
          failedWindows: z.number(),
          latencyMedianMs: z.number().nullable(),
        })
        .nullable(),
      /** Why the model is not predicting (load failure, worker exit), if it said. */
      lastError: z.string().nullable(),
      history: z.array(predictionRowSchema),
    }),
  },
} as const;

/** Pushed for every row the model publishes while a session runs. */
export const predictionEventSchema = predictionRowSchema.extend({ kind: z.literal('prediction'), streamId: z.string() });
