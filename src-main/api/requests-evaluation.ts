// Requests and events of the Evaluate view (issue 7): start an offline evaluation (`himoe evaluate`
// run by the engine as a child process, output in <workspace>/evaluations/<id>/), follow its
// progress, cancel it, list the runs kept in the workspace and read one run's report and plots.

import { z } from 'zod';

/** The architectures `himoe evaluate --arch` trains (model/evaluate ARCHITECTURES; a test keeps them equal). */
export const EVALUATION_ARCHS = [
  'himoe',
  'eeg-only',
  'early-fusion',
  'late-fusion',
  'ablation-no-alignment',
  'ablation-softmax-attention',
  'ablation-mean-fusion',
] as const;

/**
 * Model + training presets (engine/evaluation-handlers.ts holds the configs):
 * 'quick' is a tiny model (d 8, EEG 3 ch + ECG @ 32 Hz, EDA @ 8 Hz, 4 s windows, 1 epoch of 1 step)
 * so a demonstration run finishes in about a minute; its scores mean nothing. 'default' is the
 * default Hi-MoE configuration with the default training (up to 30 epochs: hours on a laptop).
 */
export const EVALUATION_PRESETS = ['quick', 'default'] as const;

export const EVALUATION_STATUSES = ['running', 'cancelling', 'done', 'cancelled', 'failed', 'interrupted'] as const;

/** Session and run ids: folder names inside the workspace. */
const folderId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "an id: letters, digits, '.', '_' or '-'");
/** A path typed by the researcher: relative to the workspace (or absolute inside it). */
const workspacePath = z.string().min(1).max(1024);

export const evaluationDataSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('synthetic'),
    subjects: z.number().int().min(2).max(64).default(3),
    trials: z.number().int().min(1).max(64).default(1),
    seed: z.number().int().min(0).max(2 ** 31).default(1),
  }).strict(),
  /** Recorded sessions of the workspace (each needs a GROUND_TRUTH stream or annotation traces, post-hoc passes included); sessions of one subject (session.json / file header) are one subject of the protocol. */
  z.object({ kind: z.literal('sessions'), ids: z.array(folderId).min(2).max(1000) }).strict(),
  /** DEAP preprocessed subject files (sNN.dat / sNN.mat): a folder inside the workspace. */
  z.object({ kind: z.literal('deap'), dir: workspacePath }).strict(),
  /** DREAMER.mat: a file inside the workspace. */
  z.object({ kind: z.literal('dreamer'), file: workspacePath }).strict(),
]);
export type ApiEvaluationData = z.infer<typeof evaluationDataSchema>;

/** What a run was asked for (kept as request.json in the run folder). */
export const evaluationRequestSchema = z.object({
  data: evaluationDataSchema,
  /** The data SPEC handed to `himoe evaluate --data` (paths resolved). */
  dataSpec: z.string(),
  protocol: z.enum(['loso', 'subject-kfold']),
  archs: z.array(z.enum(EVALUATION_ARCHS)),
  /** A trained model of <workspace>/models/ scored instead of training (then archs is empty). */
  model: z.string().nullable(),
  folds: z.number().nullable(),
  robustness: z.boolean(),
  preset: z.enum(EVALUATION_PRESETS),
  epochs: z.number().nullable(),
  seed: z.number(),
  /** Keep every Hi-MoE network the run trains as a model folder, <run>/models/fold<k>-<member>/ (absent in runs of older versions). */
  keepModels: z.boolean().default(false),
});
export type ApiEvaluationRequest = z.infer<typeof evaluationRequestSchema>;

const meanSd = z.object({ mean: z.number().nullable(), sd: z.number().nullable() });

export const evaluationRunSchema = z.object({
  id: z.string(),
  /** ISO 8601 start of the run (the first start when it was resumed). */
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  request: evaluationRequestSchema,
  status: z.enum(EVALUATION_STATUSES),
  /** Why it failed (the command's error line), when it did. */
  error: z.string().nullable(),
  /** Finished (fold, architecture) results. */
  results: z.number(),
  /** The architecture with the highest mean CCC over valence and arousal, when there are results. */
  best: z.object({ arch: z.string(), meanCcc: meanSd }).nullable(),
  /** Interrupted and cancelled runs continue with evaluation.start { resume: id }. */
  resumable: z.boolean(),
});
export type ApiEvaluationRun = z.infer<typeof evaluationRunSchema>;

export const evaluationArchSummarySchema = z.object({
  arch: z.string(),
  description: z.string(),
  parameters: z.number(),
  folds: z.number(),
  trainSec: z.number(),
  /** Per output dimension (valence, arousal): mean ± s.d. over folds. */
  dimensions: z.record(z.string(), z.object({ ccc: meanSd, pcc: meanSd, rmse: meanSd })),
  meanCcc: meanSd,
});
export type ApiEvaluationArchSummary = z.infer<typeof evaluationArchSummarySchema>;

export const evaluationRequests = {
  'evaluation.start': {
    params: z
      .object({
        /** Continue an interrupted, cancelled or failed run with its own settings (the other fields are then ignored). */
        resume: folderId.optional(),
        data: evaluationDataSchema.optional(),
        protocol: z.enum(['loso', 'subject-kfold']).optional(),
        archs: z.array(z.enum(EVALUATION_ARCHS)).min(1).max(EVALUATION_ARCHS.length).optional(),
        /** Score this trained model (<workspace>/models/<id>) on every fold instead of training. */
        model: folderId.optional(),
        /** Folds of subject-kfold (default 5). */
        folds: z.number().int().min(3).max(50).optional(),
        robustness: z.boolean().default(false),
        epochs: z.number().int().min(1).max(1000).optional(),
        seed: z.number().int().min(0).max(2 ** 31).default(1),
        preset: z.enum(EVALUATION_PRESETS).default('quick'),
        /** Keep every Hi-MoE network trained (himoe evaluate --keep-models); not with "model". */
        keepModels: z.boolean().default(false),
      })
      .strict(),
    result: z.object({ id: z.string(), out: z.string() }),
  },
  /**
   * Copy a model the run kept (evaluation.report's `models`) into the workspace's models/, where
   * "score a trained model", `himoe predict` and `himoe serve --model` find it. Never replaces one.
   */
  'evaluation.adoptModel': {
    params: z
      .object({
        id: folderId,
        /** A kept model's folder name, e.g. fold1-himoe. */
        model: folderId,
        /** Its folder name in models/ (default: <run id>-<model>). */
        name: folderId.optional(),
      })
      .strict(),
    result: z.object({ name: z.string(), path: z.string() }),
  },
  'evaluation.cancel': {
    params: z
      .object({
        id: folderId,
        /** Stop at once (SIGTERM) instead of after the model in training; finished results stay resumable. */
        force: z.boolean().default(false),
      })
      .strict(),
    result: z.object({ id: z.string(), status: z.enum(EVALUATION_STATUSES) }),
  },
  'evaluation.list': {
    params: z.object({}).strict(),
    result: z.object({
      /** Newest first. */
      runs: z.array(evaluationRunSchema),
      /** The run in progress (one at a time), if any. */
      active: z.string().nullable(),
      presets: z.array(z.object({ name: z.enum(EVALUATION_PRESETS), description: z.string() })),
    }),
  },
  'evaluation.report': {
    params: z.object({ id: folderId }).strict(),
    result: z.object({
      run: evaluationRunSchema,
      /** Null until the run has written report.json. */
      report: z
        .object({
          createdAt: z.string(),
          cancelled: z.boolean(),
          elapsedSec: z.number(),
          protocol: z.string(),
          data: z.string(),
          seed: z.number(),
          outputs: z.array(z.string()),
          archs: z.array(z.string()),
          summary: z.array(evaluationArchSummarySchema),
          /** verdict: pass or fail, ", within fold noise" when the comparison paired by fold cannot tell them apart (model/evaluate/verdict.ts). */
          claims: z.array(z.object({ claim: z.string(), passed: z.boolean(), verdict: z.string(), detail: z.string() })),
          /** Mean CCC per fold and architecture (null where that result is missing). */
          folds: z.array(z.object({ index: z.number(), name: z.string(), test: z.number(), meanCcc: z.array(z.number().nullable()) })),
        })
        .nullable(),
      /** The SVG plots the run wrote, as text (display through an <img> of a data: URL, never as markup). */
      plots: z.array(z.object({ name: z.string(), svg: z.string() })),
      /** The run folder (report.md is there). */
      out: z.string(),
      /** Models the run kept (keepModels), by folder name in <run>/models/: its fold (1-based) and network, and the validation mean CCC its epoch was chosen on. */
      models: z.array(z.object({ name: z.string(), fold: z.number().nullable(), member: z.string(), validationMeanCcc: z.number().nullable() })),
    }),
  },
} as const;

/** Progress of the running evaluation (a few per second at most). */
export const evaluationProgressEventSchema = z.object({
  kind: z.literal('evaluation.progress'),
  id: z.string(),
  phase: z.enum(['data', 'train', 'test', 'robustness', 'loaded']),
  /** 0 .. 1 over the whole run. */
  fraction: z.number(),
  done: z.number(),
  total: z.number(),
  fold: z.number().nullable(),
  folds: z.number().nullable(),
  arch: z.string().nullable(),
  epoch: z.number().nullable(),
  epochs: z.number().nullable(),
  validationCcc: z.number().nullable(),
  elapsedSec: z.number(),
  etaSec: z.number().nullable(),
  /** What happens now, in words (e.g. "fold 2/3 early-fusion: epoch 1/1"). */
  message: z.string(),
});
export type ApiEvaluationProgress = z.infer<typeof evaluationProgressEventSchema>;

export const evaluationDoneEventSchema = z.object({ kind: z.literal('evaluation.done'), run: evaluationRunSchema });
