// The evaluation run (issue 3 item 5): a dataset, a protocol's folds, and for every fold each
// architecture trained from the same seed and options, scored on the fold's test windows and on
// the same perturbed copies of them (robustness sweeps). Each (fold, architecture) result is
// written to OUT/runs/ as soon as it exists, so a long run that stops (crash, cancel, power) loses
// at most the model in training, and `resume` picks up from there.

import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Modality } from '../../core/align/types.js';
import { ModelError } from '../errors.js';
import { resolveStoredConfig, type HiMoEConfig } from '../himoe/config.js';
import { PER_SESSION_NORMALISATION, saveModel, writeAtomically } from '../io/model-files.js';
import { AUGMENTATION_NAMES } from '../training/augment.js';
import type { RegressionMetrics } from '../metrics.js';
import { scorePredictions, type ExamplePrediction, type TrainProgress } from '../training/trainer.js';
import { timelineOf, tokensWithMostContext, type Example } from '../training/examples.js';
import type { Dataset } from '../data/index.js';
import { ARCHITECTURES, trainArchitecture, type ArchName, type ArchTrainOptions, type Regressor } from './architectures.js';
import { FOLD_MODELS_DIR, RUNS_DIR, RUN_JSON, foldModelName } from './layout.js';
import { makeFolds, type Fold, type ProtocolName } from './protocol.js';
import { DEFAULT_ROBUSTNESS_GRID, perturbExamples, type PerturbationKind, type RobustnessGrid } from './robustness.js';

export interface EvaluateOptions {
  dataset: Dataset;
  config: HiMoEConfig;
  /** Architectures to train and compare (in this order; 'himoe' first by convention). */
  archs: ArchName[];
  /** Evaluate this trained model on every fold's test set instead of training (himoe evaluate --model). */
  fixedModel?: { name: string; regressor: Regressor };
  protocol: ProtocolName;
  folds?: number;
  /** 0-based fold indices to run (e.g. to share a run between processes); default all. */
  onlyFolds?: number[];
  seed: number;
  train: Omit<ArchTrainOptions, 'seed'>;
  /** Robustness sweeps (false: clean test set only). */
  robustness: RobustnessGrid | false;
  /** Write per-(fold, arch) results here; with resume, reuse those that match this run. */
  outDir?: string;
  resume?: boolean;
  /** Also save every Hi-MoE network trained (outDir/models/fold<k>-<member>/, a model folder each). */
  keepModels?: boolean;
  onProgress?: (progress: EvaluateProgress) => void;
  signal?: AbortSignal;
}

export interface EvaluateProgress {
  phase: 'train' | 'test' | 'robustness' | 'loaded';
  fold: number;
  folds: number;
  arch: string;
  /** Network being trained (late fusion has one per modality). */
  member?: string;
  epoch?: TrainProgress;
  /** Finished (fold, arch) units over all units of the run. */
  done: number;
  total: number;
  elapsedSec: number;
  etaSec: number;
}

export interface RobustnessResult {
  kind: PerturbationKind | 'none';
  level: number;
  metrics: RegressionMetrics;
}

/** The last scored token of each test window of the fold's first test subject: a live-like trace. */
export interface TraceSample {
  tSec: number;
  truth: number[];
  prediction: number[];
  /** Modality Expert Bank weights (experts in config order, then shared); with per-output routing the mean over the outputs. */
  weights: number[];
  /** With per-output routing, each output's own weights (outputs in config order, then experts). */
  outputWeights?: number[][];
}

export interface FoldArchResult {
  fold: number;
  foldName: string;
  arch: string;
  parameters: number;
  training: Regressor['training'];
  trainWindows: number;
  validationWindows: number;
  testWindows: number;
  trainSec: number;
  metrics: RegressionMetrics;
  robustness: RobustnessResult[];
  trace: { subject: string; samples: TraceSample[] };
}

/**
 * Version of what an evaluation computes beyond its options (perturbations, augmentations,
 * scoring), part of the run fingerprint: bumped when one of them changes meaning, so that
 * --resume never mixes results computed under two definitions. A run.json without it is 1.
 * 1: first release. 2: the asynchrony shift and the time-shift augmentation take the content
 * they move in from the recording (augment's shiftContent); version 1 cut it out of the window.
 * 3: each instant is scored once, in the window that gives it the most context
 * (tokensWithMostContext); versions 1-2 scored every token of the overlapping windows.
 * 4: training's validation (early stopping, late fusion's member weights) scores each instant once
 * too (evaluateExamples); version 3 selected epochs on every token.
 */
export const EVALUATION_VERSION = 4;

export interface RunFingerprint {
  evaluationVersion: number;
  data: string;
  protocol: ProtocolName;
  folds: number;
  seed: number;
  config: HiMoEConfig;
  train: Omit<ArchTrainOptions, 'seed'>;
  robustness: RobustnessGrid | false;
  fixedModel?: string;
}

export interface EvaluationRun {
  fingerprint: RunFingerprint;
  folds: Array<Pick<Fold, 'index' | 'name' | 'testSubjects' | 'testTrials' | 'droppedOverlapping'> & { train: number; validation: number; test: number }>;
  archs: string[];
  results: FoldArchResult[];
  cancelled: boolean;
  elapsedSec: number;
}

export { FOLD_MODELS_DIR, RUNS_DIR, RUN_JSON } from './layout.js';

function runFile(outDir: string, fold: number, arch: string): string {
  return join(outDir, RUNS_DIR, `fold${fold + 1}-${arch.replace(/[^a-z0-9-]/gi, '_')}.json`);
}

/**
 * Save the Hi-MoE networks of a (fold, architecture) as model folders: OUT/models/fold<k>-<member>/
 * (himoe predict, evaluate --model and live inference read them). Their manifests name the fold
 * and carry the best validation epoch's scores and, for a single network, its fold's test scores.
 * Early fusion is another network and is not saved.
 */
async function keepModels(options: EvaluateOptions, fold: Fold, regressor: Regressor, result: FoldArchResult): Promise<void> {
  const networks = regressor.hiMoENetworks();
  for (const { member, model } of networks) {
    const name = foldModelName(fold.index, member);
    const trained = result.training.find((t) => t.member === member);
    // Finite numbers only: a manifest holds JSON numbers (a CCC of a constant prediction is NaN).
    const finite = (entries: Array<[string, number]>) => Object.fromEntries(entries.filter(([, v]) => Number.isFinite(v)));
    const metrics: Record<string, Record<string, number>> = {};
    if (trained !== undefined) metrics.validation = finite([['mean_ccc', trained.bestValidationCcc], ['best_epoch', trained.bestEpoch], ['epochs', trained.epochs]]);
    if (networks.length === 1) metrics.test = finite(Object.entries(result.metrics.dimensions).flatMap(([d, m]): Array<[string, number]> => [[`${d}_ccc`, m.ccc], [`${d}_pcc`, m.pcc], [`${d}_rmse`, m.rmse]]));
    await saveModel(join(options.outDir!, FOLD_MODELS_DIR, name), model, {
      name,
      normalisation: { ...PER_SESSION_NORMALISATION },
      training: {
        data: options.dataset.spec.text,
        description: options.dataset.description,
        synthetic: options.dataset.synthetic,
        windows: fold.train.length + fold.validation.length,
        ...(trained !== undefined ? { epochs: trained.epochs } : {}),
        augmentations: options.train.augment === false ? [] : [...AUGMENTATION_NAMES],
      },
      protocol: `${options.protocol}, ${fold.name} (evaluation fold ${fold.index + 1}, ${result.arch}): trained on ${fold.train.length} windows, early stopping on ${fold.validation.length}, tested on ${fold.test.length}`,
      metrics,
      seed: options.seed,
    });
  }
}

function referenceOf(config: HiMoEConfig): Modality {
  return config.modalities.some((s) => s.modality === 'EEG') ? 'EEG' : config.modalities[0]!.modality;
}

function traceOf(examples: readonly Example[], predictions: readonly ExamplePrediction[], D: number): TraceSample[] {
  const samples: TraceSample[] = [];
  predictions.forEach((p, e) => {
    const L = p.scored.length;
    const r = p.scored.lastIndexOf(1);
    if (r < 0) return;
    const E = p.modalityWeights.length / L;
    const ex = examples[e]!;
    const routes = p.outputModalityWeights;
    samples.push({
      tSec: ex.window.referenceTimesSec[r]!,
      truth: Array.from(ex.targets.subarray(r * D, (r + 1) * D)),
      prediction: Array.from(p.tokens.subarray(r * D, (r + 1) * D)),
      weights: Array.from(p.modalityWeights.subarray(r * E, (r + 1) * E)),
      ...(routes !== undefined ? { outputWeights: Array.from({ length: D }, (_, o) => Array.from(routes.subarray((r * D + o) * E, (r * D + o + 1) * E))) } : {}),
    });
  });
  return samples.sort((a, b) => a.tSec - b.tSec);
}

/**
 * Score predictions on the labelled tokens of the test windows, each instant once with the most
 * context it has (tokensWithMostContext), and the same tokens for every architecture: where a
 * model has no input in reach of a token (eeg-only on a window that lost its EEG, a token inside a
 * gap) it predicts neutral, 0 on the [-1, 1] scale. Scoring only the tokens a model has input for
 * would let a model that sees less be judged on an easier, smaller set.
 */
export function scoreLabelledTokens(predictions: readonly ExamplePrediction[], examples: readonly Example[], outputs: readonly string[]): RegressionMetrics {
  return scorePredictions(predictions, examples, outputs, { blind: 'neutral', tokens: tokensWithMostContext(examples) });
}

/** Score a trained regressor on a fold's test set, clean and under every perturbation of the grid (scoreLabelledTokens). */
export function testRegressor(regressor: Regressor, fold: Fold, options: { config: HiMoEConfig; seed: number; robustness: RobustnessGrid | false; signal?: AbortSignal; onPerturbation?: () => void }): Pick<FoldArchResult, 'metrics' | 'robustness' | 'trace'> {
  const outputs = options.config.outputs;
  const clean = regressor.predict(fold.test);
  const metrics = scoreLabelledTokens(clean, fold.test, outputs);
  const subject = fold.testSubjects[0]!;
  // Its first recording only: the times of two sessions would interleave.
  const first = fold.test.find((e) => e.subject === subject);
  const timeline = first !== undefined ? timelineOf(first) : undefined;
  const own = fold.test.map((e, i) => [e, clean[i]!] as const).filter(([e]) => e.subject === subject && timelineOf(e) === timeline);
  const trace = { subject, samples: traceOf(own.map(([e]) => e), own.map(([, p]) => p), outputs.length) };
  const robustness: RobustnessResult[] = [{ kind: 'none', level: 0, metrics }];
  if (options.robustness !== false) {
    for (const kind of Object.keys(options.robustness) as PerturbationKind[]) {
      for (const level of options.robustness[kind]) {
        if (options.signal?.aborted === true) return { metrics, robustness, trace };
        const perturbed = perturbExamples(fold.test, { kind, level }, options.seed * 1000 + fold.index, referenceOf(options.config));
        robustness.push({ kind, level, metrics: scoreLabelledTokens(regressor.predict(perturbed), perturbed, outputs) });
        options.onPerturbation?.();
      }
    }
  }
  return { metrics, robustness, trace };
}

function stableJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v));
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ModelError('invalid-evaluation', `${path}: cannot read (${(error as Error).message}); delete it to recompute that result`, { path }, { cause: error });
  }
}

/** A saved fingerprint with its config resolved (resolveStoredConfig); one that no longer resolves is left as it is, and so does not match. */
function withResolvedConfig(previous: Partial<RunFingerprint> | undefined): Partial<RunFingerprint> | undefined {
  const config = previous?.config !== undefined ? resolveStoredConfig(previous.config) : undefined;
  return config !== undefined ? { ...previous, config } : previous;
}

/** Run the evaluation; resolves with every (fold, arch) result (cancelled: true when the signal stopped it). */
export async function runEvaluation(options: EvaluateOptions): Promise<EvaluationRun> {
  const started = performance.now();
  for (const a of options.archs) if (!(ARCHITECTURES as readonly string[]).includes(a)) throw new ModelError('invalid-config', `unknown architecture "${a}"; expected one of ${ARCHITECTURES.join(', ')}`);
  const allFolds = makeFolds(options.dataset, options.protocol, { folds: options.folds, seed: options.seed });
  const only = options.onlyFolds ?? allFolds.map((f) => f.index);
  for (const i of only) if (!allFolds.some((f) => f.index === i)) throw new ModelError('invalid-config', `fold ${i + 1} does not exist; the ${options.protocol} protocol on ${options.dataset.spec.text} has ${allFolds.length} folds`);
  const folds = allFolds.filter((f) => only.includes(f.index));
  const archs: string[] = options.fixedModel !== undefined ? [options.fixedModel.name] : [...options.archs];
  const robustness = options.robustness === false ? false : { ...DEFAULT_ROBUSTNESS_GRID, ...options.robustness };
  const fingerprint: RunFingerprint = {
    evaluationVersion: EVALUATION_VERSION,
    data: options.dataset.spec.text,
    protocol: options.protocol,
    folds: allFolds.length,
    seed: options.seed,
    config: options.config,
    train: options.train,
    robustness,
    ...(options.fixedModel !== undefined ? { fixedModel: options.fixedModel.name } : {}),
  };
  if (options.outDir !== undefined) {
    await mkdir(join(options.outDir, RUNS_DIR), { recursive: true });
    const previous = withResolvedConfig(await readJson<Partial<RunFingerprint>>(join(options.outDir, RUN_JSON)));
    // Results of another run are neither mixed in nor overwritten: a later --resume would read them as this run's.
    if (previous !== undefined && stableJson(previous) !== stableJson(fingerprint)) {
      const version = previous.evaluationVersion ?? 1;
      if (version !== EVALUATION_VERSION && stableJson({ ...previous, evaluationVersion: EVALUATION_VERSION }) === stableJson(fingerprint)) {
        throw new ModelError('evaluation-mismatch', `${options.outDir} holds results of another run: computed by evaluation version ${version}, and this program computes version ${EVALUATION_VERSION} (perturbations, augmentations or scoring changed), so the numbers are not comparable; use another --out`, { dir: options.outDir, version });
      }
      throw new ModelError('evaluation-mismatch', `${options.outDir} holds results of another run (data, protocol, seed, config or training options differ); use another --out or the same options`, { dir: options.outDir });
    }
    await writeAtomically(join(options.outDir, RUN_JSON), `${JSON.stringify(fingerprint, null, 2)}\n`);
  }

  const total = folds.length * archs.length;
  let done = 0;
  const results: FoldArchResult[] = [];
  const report = (p: Omit<EvaluateProgress, 'done' | 'total' | 'elapsedSec' | 'etaSec' | 'folds'>, fraction = 0) => {
    const elapsedSec = (performance.now() - started) / 1000;
    const progressed = done + fraction;
    options.onProgress?.({ ...p, folds: allFolds.length, done, total, elapsedSec, etaSec: progressed > 0 ? (elapsedSec / progressed) * (total - progressed) : Number.NaN });
  };
  let cancelled = false;
  const aborted = (): boolean => options.signal?.aborted === true;
  for (const fold of folds) {
    // eeg-only is trained before late fusion so that late fusion reuses it as its EEG member.
    const order = [...archs].sort((a, b) => (a === 'eeg-only' ? -1 : b === 'eeg-only' ? 1 : 0) || archs.indexOf(a) - archs.indexOf(b));
    const trained = new Map<string, Regressor>();
    try {
      for (const arch of order) {
        if (aborted()) {
          cancelled = true;
          break;
        }
        const file = options.outDir !== undefined ? runFile(options.outDir, fold.index, arch) : undefined;
        const needed = arch === 'eeg-only' && archs.includes('late-fusion') && file !== undefined && options.resume === true && (await readJson(runFile(options.outDir!, fold.index, 'late-fusion'))) === undefined;
        if (file !== undefined && options.resume === true && !needed) {
          const saved = await readJson<FoldArchResult>(file);
          if (saved !== undefined) {
            results.push(saved);
            done++;
            report({ phase: 'loaded', fold: fold.index, arch });
            continue;
          }
        }
        const t0 = performance.now();
        let regressor: Regressor;
        if (options.fixedModel !== undefined) {
          regressor = options.fixedModel.regressor;
        } else {
          const epochs = options.train.epochs;
          regressor = await trainArchitecture(
            arch as ArchName,
            {
              config: options.config,
              train: fold.train,
              validation: fold.validation,
              options: { ...options.train, seed: options.seed, ...(options.signal !== undefined ? { signal: options.signal } : {}) },
              onProgress: (member, epoch) => report({ phase: 'train', fold: fold.index, arch, member, epoch }, Math.min(0.9, (0.9 * epoch.epoch) / epochs)),
            },
            { ...(trained.has('eeg-only') ? { eegOnly: trained.get('eeg-only')! } : {}) },
          );
          trained.set(arch, regressor);
        }
        const trainSec = (performance.now() - t0) / 1000;
        if (aborted()) {
          // A model cut short by the cancel is not a result.
          cancelled = true;
          break;
        }
        report({ phase: 'test', fold: fold.index, arch }, 0.9);
        const tested = testRegressor(regressor, fold, { config: options.config, seed: options.seed, robustness, ...(options.signal !== undefined ? { signal: options.signal } : {}) });
        if (aborted()) {
          cancelled = true;
          break;
        }
        const result: FoldArchResult = {
          fold: fold.index,
          foldName: fold.name,
          arch,
          parameters: regressor.parameters,
          training: regressor.training,
          trainWindows: fold.train.length,
          validationWindows: fold.validation.length,
          testWindows: fold.test.length,
          trainSec,
          ...tested,
        };
        if (options.keepModels === true && options.outDir !== undefined && options.fixedModel === undefined) await keepModels(options, fold, regressor, result);
        if (file !== undefined) await writeAtomically(file, JSON.stringify(result));
        results.push(result);
        done++;
        report({ phase: 'robustness', fold: fold.index, arch });
      }
    } finally {
      // Late fusion does not own a reused eeg-only member, so disposing every trained model once is right.
      for (const r of trained.values()) r.dispose();
    }
    if (cancelled) break;
  }
  return {
    fingerprint,
    folds: allFolds.map((f) => ({ index: f.index, name: f.name, testSubjects: f.testSubjects, testTrials: f.testTrials, droppedOverlapping: f.droppedOverlapping, train: f.train.length, validation: f.validation.length, test: f.test.length })),
    archs,
    results: results.sort((a, b) => a.fold - b.fold || archs.indexOf(a.arch) - archs.indexOf(b.arch)),
    cancelled,
    elapsedSec: (performance.now() - started) / 1000,
  };
}
