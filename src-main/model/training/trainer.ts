// The Hi-MoE training loop (issue 3 item 4): shuffled window batches with masks, the DESIGN §4
// augmentations, Adam with linear warm-up and cosine decay, early stopping on the validation
// CCC, a checkpoint after every epoch (resumable bit for bit), progress with losses, validation
// metrics and ETA. Every random draw derives from the seed, so one seed gives one model.

import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelError } from '../errors.js';
import { resolveHiMoEConfig, resolveStoredConfig, type HiMoEConfig } from '../himoe/config.js';
import { batchWindows, disposeBatch, type WindowBatch } from '../himoe/batch.js';
import { HiMoE, type HiMoEOutput, type LossTerms, type Prediction } from '../himoe/model.js';
import type { ParamStore } from '../himoe/params.js';
import { writeAtomically } from '../io/model-files.js';
import { regressionMetrics, type RegressionMetrics } from '../metrics.js';
import { seededRng, tf, type Rng } from '../runtime/index.js';
import { Adam, DEFAULT_ADAM } from './adam.js';
import { DEFAULT_AUGMENT, augmentWindow, type AugmentOptions } from './augment.js';
import { tokensWithMostContext, type Example } from './examples.js';

/**
 * What the training loop needs of a network: Hi-MoE, and the baselines of the evaluation
 * (src-main/model/evaluate) that reuse its batches, loss and loop under the same seed.
 */
export interface TrainableModel {
  readonly config: HiMoEConfig;
  readonly params: ParamStore;
  forward(batch: WindowBatch, options?: { training?: boolean; rng?: Rng }): HiMoEOutput;
  loss(output: HiMoEOutput, batch: WindowBatch): LossTerms;
  predict(batch: WindowBatch): Prediction;
  dispose(): void;
}

export interface TrainOptions<M extends TrainableModel = HiMoE> {
  config?: Partial<HiMoEConfig>;
  /** Build the network (default: Hi-MoE). */
  createModel?: (config: HiMoEConfig, seed: number) => M;
  seed: number;
  train: readonly Example[];
  validation: readonly Example[];
  /** Maximum epochs. */
  epochs: number;
  batchSize?: number;
  /** Peak learning rate (after warm-up). */
  learningRate?: number;
  warmupSteps?: number;
  /** Floor of the cosine decay. */
  minLearningRate?: number;
  clipNorm?: number;
  /** Stop after this many epochs without a validation mean-CCC gain of at least minDelta. */
  patience?: number;
  minDelta?: number;
  /** Augmentations (false = none). */
  augment?: Partial<AugmentOptions> | false;
  /** Limit of steps per epoch (e.g. for quick runs and tests). */
  maxStepsPerEpoch?: number;
  /** Write checkpoint.json + checkpoint.bin here after every epoch. */
  checkpointDir?: string;
  /** Continue from the checkpoint in checkpointDir when there is one. */
  resume?: boolean;
  onProgress?: (progress: TrainProgress) => void;
  /** Aborting stops the run after the current epoch (its checkpoint is written); resume later. */
  signal?: AbortSignal;
}

export interface LossValues {
  total: number;
  ccc: number;
  mse: number;
  alignment: number;
  balance: number;
}

export interface TrainProgress {
  epoch: number;
  epochs: number;
  steps: number;
  learningRate: number;
  /** Mean training loss terms over the epoch's steps. */
  trainLoss: LossValues;
  validation: RegressionMetrics;
  /** Validation mean CCC improved (the best weights were updated). */
  improved: boolean;
  elapsedSec: number;
  etaSec: number;
}

export interface TrainResult<M extends TrainableModel = HiMoE> {
  /** The model with the best validation weights. */
  model: M;
  history: TrainProgress[];
  bestEpoch: number;
  bestValidationCcc: number;
  stoppedEarly: boolean;
  steps: number;
  /** Epoch the run resumed after (0 for a fresh run). */
  resumedFromEpoch: number;
  /** Stopped by the abort signal before the last epoch. */
  interrupted: boolean;
}

export const CHECKPOINT_JSON = 'checkpoint.json';
export const CHECKPOINT_BIN = 'checkpoint.bin';
const CHECKPOINT_VERSION = 2;

interface CheckpointMeta {
  format: 'himoe-checkpoint';
  /** 2: validation scores each instant once (evaluateExamples); 1 scored every token. */
  version: 2;
  seed: number;
  config: HiMoEConfig;
  epoch: number;
  step: number;
  bestEpoch: number;
  bestValidationCcc: number;
  badEpochs: number;
  history: TrainProgress[];
  specs: tf.io.WeightsManifestEntry[];
}

/** Learning rate at a step: linear warm-up to `peak`, then cosine decay to `floor` at `total`. */
export function learningRateAt(step: number, total: number, peak: number, warmup: number, floor: number): number {
  if (step < warmup) return (peak * (step + 1)) / warmup;
  const progress = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
  return floor + 0.5 * (peak - floor) * (1 + Math.cos(Math.PI * progress));
}

/** Per-example outputs of predictExamples (row-major per token). */
export interface ExamplePrediction {
  /** [L, D] */
  tokens: Float32Array;
  /** [D] masked mean over the window's valid tokens. */
  window: Float32Array;
  /** [L, experts] Modality Expert Bank weights (per-output routing: the mean over the outputs). */
  modalityWeights: Float32Array;
  /** [L, D, experts] each output's own weights, with per-output routing. */
  outputModalityWeights?: Float32Array;
  /** [L, K] emotion prototype weights. */
  prototypeWeights: Float32Array;
  /** [L] 1 where the token has a label and data (scored). */
  scored: Uint8Array;
}

/** Run the model over examples in batches (inference mode). */
export function predictExamples(model: TrainableModel, examples: readonly Example[], batchSize = 32): ExamplePrediction[] {
  const out: ExamplePrediction[] = [];
  for (let i = 0; i < examples.length; i += batchSize) {
    const chunk = examples.slice(i, i + batchSize);
    const batch = batchWindows(chunk.map((e) => e.window), model.config, { targets: chunk.map((e) => e.targets) });
    const p = model.predict(batch);
    const mask = batch.targetMask!.dataSync();
    disposeBatch(batch);
    const L = p.tokensPerWindow;
    const D = p.outputs.length;
    const E = p.experts.length;
    const K = p.prototypeWeights.length / (p.size * L);
    for (let b = 0; b < chunk.length; b++) {
      out.push({
        tokens: p.tokens.slice(b * L * D, (b + 1) * L * D),
        window: p.windows.slice(b * D, (b + 1) * D),
        modalityWeights: p.modalityWeights.slice(b * L * E, (b + 1) * L * E),
        ...(p.outputModalityWeights !== undefined ? { outputModalityWeights: p.outputModalityWeights.slice(b * L * D * E, (b + 1) * L * D * E) } : {}),
        prototypeWeights: p.prototypeWeights.slice(b * L * K, (b + 1) * L * K),
        scored: Uint8Array.from(mask.subarray(b * L, (b + 1) * L)),
      });
    }
  }
  return out;
}

/**
 * Score per-token predictions of examples (RMSE, PCC, CCC per output). By default on the tokens
 * a model scored (a label and input in reach); with `blind: 'neutral'` on every token with a
 * label, a token without input counting as a neutral prediction (0), so that models that see
 * different inputs are scored on the same tokens (the evaluation's scoreLabelledTokens).
 * `tokens` (per example, 1 = may be scored) narrows either set, e.g. to one token per instant.
 */
export function scorePredictions(predictions: readonly ExamplePrediction[], examples: readonly Example[], outputs: readonly string[], options: { blind?: 'skip' | 'neutral'; tokens?: readonly Uint8Array[] } = {}): RegressionMetrics {
  const D = outputs.length;
  const neutral = options.blind === 'neutral';
  const preds: number[] = [];
  const targets: number[] = [];
  predictions.forEach((p, e) => {
    const y = examples[e]!.targets;
    const only = options.tokens?.[e];
    for (let r = 0; r < p.scored.length; r++) {
      if (only !== undefined && only[r] !== 1) continue;
      const seen = p.scored[r] === 1;
      if (neutral ? !y.subarray(r * D, (r + 1) * D).every(Number.isFinite) : !seen) continue;
      for (let d = 0; d < D; d++) {
        preds.push(seen ? p.tokens[r * D + d]! : 0);
        targets.push(y[r * D + d]!);
      }
    }
  });
  return regressionMetrics(preds, targets, outputs);
}

/**
 * Predict a set of examples and score them (RMSE, PCC, CCC per output) as the evaluation does:
 * each labelled instant once, in the window that gives it the most context (tokensWithMostContext).
 * Training's early stopping selects on this score, so it picks the epoch that is best at what the
 * test and live use read, not at predictions from the first tokens of a window.
 */
export function evaluateExamples(model: TrainableModel, examples: readonly Example[], batchSize = 32): RegressionMetrics {
  return scorePredictions(predictExamples(model, examples, batchSize), examples, model.config.outputs, { tokens: tokensWithMostContext(examples) });
}

function snapshot(model: TrainableModel): Map<string, tf.Tensor> {
  return new Map(model.params.entries().map(([name, v]) => [name, tf.clone(v)]));
}

async function saveCheckpoint(dir: string, meta: Omit<CheckpointMeta, 'specs' | 'format' | 'version'>, model: TrainableModel, adam: Adam, best: Map<string, tf.Tensor>): Promise<void> {
  await mkdir(dir, { recursive: true });
  const named = [
    ...model.params.entries().map(([name, tensor]) => ({ name: `param/${name}`, tensor })),
    ...adam.namedState(),
    ...[...best.entries()].map(([name, tensor]) => ({ name: `best/${name}`, tensor })),
  ];
  const { data, specs } = await tf.io.encodeWeights(named);
  await writeAtomically(join(dir, CHECKPOINT_BIN), new Uint8Array(data));
  const full: CheckpointMeta = { format: 'himoe-checkpoint', version: CHECKPOINT_VERSION, ...meta, specs };
  await writeAtomically(join(dir, CHECKPOINT_JSON), JSON.stringify(full));
}

async function readCheckpoint(dir: string): Promise<{ meta: CheckpointMeta; tensors: Record<string, tf.Tensor> } | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, CHECKPOINT_JSON), 'utf8');
  } catch {
    return undefined;
  }
  const meta = JSON.parse(text) as CheckpointMeta;
  if (meta.format !== 'himoe-checkpoint') {
    throw new ModelError('invalid-checkpoint', `${join(dir, CHECKPOINT_JSON)} is not a Hi-MoE checkpoint`, { dir });
  }
  if ((meta.version as number) !== CHECKPOINT_VERSION) {
    // A version 1 checkpoint's best validation score was computed on every token: resuming would
    // compare two scores of different meaning and could keep the wrong best epoch.
    throw new ModelError('invalid-checkpoint', `${join(dir, CHECKPOINT_JSON)} is a version ${String(meta.version)} Hi-MoE checkpoint; this version resumes only version ${CHECKPOINT_VERSION} (its validation scores differ); start a fresh run`, { dir });
  }
  const bin = await readFile(join(dir, CHECKPOINT_BIN));
  return { meta, tensors: tf.io.decodeWeights(new Uint8Array(bin).buffer, meta.specs) };
}

/** Train Hi-MoE; resolves with the best model (by validation mean CCC) and the history. */
export async function trainHiMoE(options: TrainOptions): Promise<TrainResult>;
export async function trainHiMoE<M extends TrainableModel>(options: TrainOptions<M> & { createModel: (config: HiMoEConfig, seed: number) => M }): Promise<TrainResult<M>>;
export async function trainHiMoE(options: TrainOptions<TrainableModel>): Promise<TrainResult<TrainableModel>> {
  const config = resolveHiMoEConfig(options.config);
  const batchSize = options.batchSize ?? 16;
  const peak = options.learningRate ?? 1e-3;
  const warmup = options.warmupSteps ?? 20;
  const floor = options.minLearningRate ?? 1e-5;
  const patience = options.patience ?? 5;
  const minDelta = options.minDelta ?? 1e-3;
  const augment: AugmentOptions | undefined = options.augment === false ? undefined : { ...DEFAULT_AUGMENT, ...options.augment };
  if (options.train.length === 0) throw new ModelError('no-training-data', 'trainHiMoE: no training examples');
  if (options.validation.length === 0) throw new ModelError('no-validation-data', 'trainHiMoE: no validation examples (early stopping needs them)');
  const fullSteps = Math.ceil(options.train.length / batchSize);
  const stepsPerEpoch = Math.min(fullSteps, options.maxStepsPerEpoch ?? fullSteps);
  const totalSteps = stepsPerEpoch * options.epochs;

  const model = options.createModel !== undefined ? options.createModel(config, options.seed) : new HiMoE(config, options.seed);
  const adam = new Adam(model.params, { ...DEFAULT_ADAM, clipNorm: options.clipNorm ?? DEFAULT_ADAM.clipNorm });
  let best = snapshot(model);
  let bestEpoch = 0;
  let bestValidationCcc = Number.NEGATIVE_INFINITY;
  let badEpochs = 0;
  let history: TrainProgress[] = [];
  let startEpoch = 1;

  if (options.resume === true && options.checkpointDir !== undefined) {
    // Nothing of this call outlives a refused checkpoint.
    const release = () => {
      adam.dispose();
      model.dispose();
      tf.dispose([...best.values()]);
    };
    let checkpoint: Awaited<ReturnType<typeof readCheckpoint>>;
    try {
      checkpoint = await readCheckpoint(options.checkpointDir);
    } catch (err) {
      release();
      throw err;
    }
    if (checkpoint !== undefined) {
      const { meta, tensors } = checkpoint;
      try {
        if (meta.seed !== options.seed || JSON.stringify(resolveStoredConfig(meta.config)) !== JSON.stringify(config)) {
          release();
          throw new ModelError('checkpoint-mismatch', `checkpoint in ${options.checkpointDir} was written for another seed or config (seed ${meta.seed}); start a fresh run or pass the same options`, { dir: options.checkpointDir });
        }
        const pick = (prefix: string) => Object.fromEntries(model.params.names().map((n) => [n, tensors[`${prefix}/${n}`]!]));
        model.params.assign(pick('param'));
        adam.restore(tensors, meta.step);
        tf.dispose([...best.values()]);
        best = new Map(Object.entries(pick('best')).map(([n, t]) => [n, tf.clone(t)]));
      } finally {
        tf.dispose(Object.values(tensors));
      }
      bestEpoch = meta.bestEpoch;
      bestValidationCcc = meta.bestValidationCcc ?? Number.NEGATIVE_INFINITY;
      badEpochs = meta.badEpochs;
      history = meta.history;
      startEpoch = meta.epoch + 1;
    }
  }
  const resumedFromEpoch = startEpoch - 1;
  const vars = model.params.entries();
  const started = Date.now();
  let stoppedEarly = false;
  if (badEpochs >= patience) stoppedEarly = true;

  let interrupted = false;
  for (let epoch = startEpoch; epoch <= options.epochs && !stoppedEarly; epoch++) {
    if (options.signal?.aborted === true) {
      interrupted = true;
      break;
    }
    const order = seededRng(options.seed, 'shuffle', epoch).shuffle(options.train.map((_, i) => i));
    const augmentRng = seededRng(options.seed, 'augment', epoch);
    const sums: LossValues = { total: 0, ccc: 0, mse: 0, alignment: 0, balance: 0 };
    let learningRate = peak;
    for (let s = 0; s < stepsPerEpoch; s++) {
      const picked = order.slice(s * batchSize, (s + 1) * batchSize).map((i) => options.train[i]!);
      const windows = picked.map((e) => (augment ? augmentWindow(e.window, augmentRng, augment) : e.window));
      const batch = batchWindows(windows, config, { targets: picked.map((e) => e.targets) });
      const dropoutRng = seededRng(options.seed, 'dropout', adam.step);
      learningRate = learningRateAt(adam.step, totalSteps, peak, warmup, floor);
      const terms: LossValues = { total: 0, ccc: 0, mse: 0, alignment: 0, balance: 0 };
      const { value, grads } = tf.variableGrads(() => {
        const loss = model.loss(model.forward(batch, { training: true, rng: dropoutRng }), batch);
        for (const key of ['ccc', 'mse', 'alignment', 'balance'] as const) terms[key] = loss[key].dataSync()[0]!;
        return loss.total;
      }, vars.map(([, v]) => v));
      terms.total = value.dataSync()[0]!;
      const byName = new Map(vars.map(([name, v]) => [name, grads[v.name]!]).filter(([, g]) => g !== undefined) as Array<[string, tf.Tensor]>);
      adam.apply(byName, learningRate);
      tf.dispose([value, ...Object.values(grads)]);
      disposeBatch(batch);
      if (!Number.isFinite(terms.total)) {
        throw new ModelError('non-finite-loss', `training loss became ${terms.total} at epoch ${epoch}, step ${s} (learning rate ${learningRate}); lower the learning rate`, { epoch, step: s });
      }
      for (const key of Object.keys(sums) as Array<keyof LossValues>) sums[key] += terms[key] / stepsPerEpoch;
    }
    const validation = evaluateExamples(model, options.validation, batchSize * 2);
    const score = Number.isNaN(validation.meanCcc) ? Number.NEGATIVE_INFINITY : validation.meanCcc;
    const improved = score > bestValidationCcc + minDelta || (bestEpoch === 0 && Number.isFinite(score));
    if (improved) {
      tf.dispose([...best.values()]);
      best = snapshot(model);
      bestValidationCcc = score;
      bestEpoch = epoch;
      badEpochs = 0;
    } else {
      badEpochs++;
    }
    const elapsedSec = (Date.now() - started) / 1000;
    const epochsRun = epoch - startEpoch + 1;
    const progress: TrainProgress = {
      epoch,
      epochs: options.epochs,
      steps: adam.step,
      learningRate,
      trainLoss: sums,
      validation,
      improved,
      elapsedSec,
      etaSec: (elapsedSec / epochsRun) * (options.epochs - epoch),
    };
    history.push(progress);
    if (badEpochs >= patience) stoppedEarly = true;
    if (options.checkpointDir !== undefined) {
      await saveCheckpoint(options.checkpointDir, { seed: options.seed, config, epoch, step: adam.step, bestEpoch, bestValidationCcc, badEpochs, history }, model, adam, best);
    }
    options.onProgress?.(progress);
  }

  model.params.assign(best);
  tf.dispose([...best.values()]);
  const steps = adam.step;
  adam.dispose();
  return { model, history, bestEpoch, bestValidationCcc, stoppedEarly, steps, resumedFromEpoch, interrupted };
}
