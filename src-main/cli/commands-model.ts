// `himoe synth-corpus`, `himoe train` and `himoe predict` (issue 3 item 6): write a synthetic
// corpus as XDF sessions, train Hi-MoE from a data SPEC into a model directory (model.json +
// weights + manifest.json + MODEL_CARD.md), and predict valence/arousal per window of a session.

import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { SYNTHETIC_MODALITIES, SyntheticSession } from '../acquisition/synthetic/index.js';
import { SessionEngine } from '../engine/session-engine.js';
import { readXdf } from '../storage/xdf/index.js';
import { AUGMENTATION_NAMES, DEFAULT_AUGMENT, PER_SESSION_NORMALISATION, expertNames, initModelRuntime, loadModel, predictExamples, resolveHiMoEConfig, saveModel, trainHiMoE, type HiMoEConfig, type TrainOptions, type TrainProgress } from '../model/index.js';
import { CORPUS_MANIFEST_JSON, DATA_SPEC_HELP, corpusSubject, holdOutSplit, loadDataset, parseDataSpec, xdfExamples, type CorpusManifest, type CorpusSubject, type Dataset } from '../model/data/index.js';
import { CliError } from './errors.js';
import type { CliIo } from './main.js';
import { parseNumberFlag } from './record.js';

/** Training options a --config file may set besides the architecture. */
export interface TrainFileOptions {
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  warmupSteps?: number;
  maxStepsPerEpoch?: number;
  patience?: number;
  /** Step between window ends, seconds (default 2). */
  hopSec?: number;
  augment?: false | Record<string, unknown>;
}

export interface TrainConfigFile {
  model?: Partial<HiMoEConfig>;
  train?: TrainFileOptions;
}

const TRAIN_KEYS = ['epochs', 'batchSize', 'learningRate', 'warmupSteps', 'maxStepsPerEpoch', 'patience', 'hopSec', 'augment'];

/** Read a --config JSON file: { "model": {...Hi-MoE config}, "train": {...} }. */
export async function readTrainConfig(path: string): Promise<TrainConfigFile> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new CliError('BAD_FLAG', `--config ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CliError('BAD_FLAG', `--config ${path}: expected a JSON object { "model": {...}, "train": {...} }`);
  const unknown = Object.keys(value).filter((k) => k !== 'model' && k !== 'train');
  if (unknown.length > 0) throw new CliError('BAD_FLAG', `--config ${path}: unknown key(s) ${unknown.join(', ')}; expected "model" (Hi-MoE config) and "train" (${TRAIN_KEYS.join(', ')})`);
  const train = (value as TrainConfigFile).train ?? {};
  const badTrain = Object.keys(train).filter((k) => !TRAIN_KEYS.includes(k));
  if (badTrain.length > 0) throw new CliError('BAD_FLAG', `--config ${path}: unknown train option(s) ${badTrain.join(', ')}; known: ${TRAIN_KEYS.join(', ')}`);
  return value as TrainConfigFile;
}

/**
 * The line printed as each subject of a dataset is loaded: `data 3/23: s03`, or `data 3: s03` while
 * the total is not known yet (DREAMER's subjects are counted as the file is read). The Evaluate
 * view parses it (engine/evaluation-handlers.ts).
 */
export function dataProgressLine(name: string, index: number, total: number): string {
  return total > 0 ? `data ${index + 1}/${total}: ${name}\n` : `data ${index + 1}: ${name}\n`;
}

/** The sessions a dataset left out, one stderr line each (empty when none). */
export function skippedLines(dataset: Dataset): string {
  return (dataset.skipped ?? []).map((why) => `left out: ${why}\n`).join('');
}

/** The training-loop options of a --config file's "train" part, with the epochs the caller decided. */
export function loopOptions(t: TrainFileOptions, epochs: number): Required<Pick<TrainOptions, 'epochs' | 'augment'>> & Pick<TrainOptions, 'batchSize' | 'learningRate' | 'warmupSteps' | 'maxStepsPerEpoch' | 'patience'> {
  return {
    epochs,
    ...(t.batchSize !== undefined ? { batchSize: t.batchSize } : {}),
    ...(t.learningRate !== undefined ? { learningRate: t.learningRate } : {}),
    ...(t.warmupSteps !== undefined ? { warmupSteps: t.warmupSteps } : {}),
    ...(t.maxStepsPerEpoch !== undefined ? { maxStepsPerEpoch: t.maxStepsPerEpoch } : {}),
    ...(t.patience !== undefined ? { patience: t.patience } : {}),
    augment: t.augment === false ? false : { ...DEFAULT_AUGMENT, ...(t.augment ?? {}) },
  };
}

function fmt(v: number, digits = 3): string {
  return Number.isFinite(v) ? v.toFixed(digits) : String(v);
}

/** One progress line per epoch: losses, validation CCC per output, learning rate, time and ETA. */
export function formatEpoch(p: TrainProgress): string {
  const l = p.trainLoss;
  const ccc = Object.entries(p.validation.dimensions).map(([d, m]) => `${d} ${fmt(m.ccc)}`).join(' ');
  return `epoch ${p.epoch}/${p.epochs}  loss ${fmt(l.total)} (ccc ${fmt(l.ccc)} mse ${fmt(l.mse)} align ${fmt(l.alignment)} balance ${fmt(l.balance)})  val CCC ${ccc} mean ${fmt(p.validation.meanCcc)}${p.improved ? ' *' : ''}  lr ${p.learningRate.toExponential(1)}  ${p.elapsedSec.toFixed(1)} s, ETA ${p.etaSec.toFixed(0)} s`;
}

const quiet = () => undefined;

/** Record each corpus subject as an XDF session (fast pacing through the session engine), read it back, and write corpus.json. */
export async function writeSyntheticCorpus(
  outDir: string,
  options: { subjects: number; trials: number; seed: number; onSubject?: (s: CorpusSubject & { file: string }, index: number) => void; onWarning?: (message: string) => void },
): Promise<CorpusManifest> {
  await mkdir(outDir, { recursive: true });
  const manifest: CorpusManifest = { format: 'himoe-synthetic-corpus', version: 1, seed: options.seed, trials: options.trials, subjects: [] };
  for (let i = 0; i < options.subjects; i++) {
    const s = corpusSubject(options.seed, i, options.trials);
    const file = `${s.subject}.xdf`;
    const path = join(outDir, file);
    // Every file is read back: a corpus with an unreadable session is useless.
    const session = new SyntheticSession({ seed: s.seed, modalities: [...SYNTHETIC_MODALITIES], durationSec: s.durationSec, pacing: 'fast', stimuli: s.stimuli });
    const engine = new SessionEngine({ clock: session.clock });
    for (const source of session.sources) engine.addSource(source);
    const problems: string[] = [];
    engine.subscribe((ev) => {
      if (ev.kind === 'recorderError') problems.push(ev.error.message);
    });
    await engine.start({ recordPath: path, metadata: { subject: s.subject, source: 'synthetic', seed: String(s.seed), protocol: 'synthetic-corpus' } });
    try {
      await session.done;
    } finally {
      await engine.release();
    }
    for (const p of problems) options.onWarning?.(`${path}: ${p}`);
    await readXdf(path);
    const entry = { ...s, file };
    manifest.subjects.push(entry);
    options.onSubject?.(entry, i);
  }
  await writeFile(join(outDir, CORPUS_MANIFEST_JSON), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

export function registerModelCommands(program: Command, io: CliIo): void {
  program
    .command('synth-corpus')
    .description('write a synthetic corpus: one XDF session per subject (signals, GROUND_TRUTH valence/arousal, stimulus markers) and corpus.json')
    .requiredOption('--out <dir>', 'directory to write <subject>.xdf files and corpus.json into')
    .option('--subjects <n>', 'number of subjects', '8')
    .option('--trials <m>', 'stimuli (trials) per subject, ~60 s each with rest between', '12')
    .option('--seed <s>', 'corpus seed; subject i gets seed S*1000+i+1', '1')
    .action(async (opts: { out: string; subjects: string; trials: string; seed: string }) => {
      const subjects = parseNumberFlag('--subjects', opts.subjects, { min: 1, integer: true });
      const trials = parseNumberFlag('--trials', opts.trials, { min: 1, integer: true });
      const seed = parseNumberFlag('--seed', opts.seed, { min: 0, integer: true });
      const started = performance.now();
      const manifest = await writeSyntheticCorpus(opts.out, {
        subjects,
        trials,
        seed,
        onSubject: (s, i) => io.stderr.write(`subject ${i + 1}/${subjects}: ${s.file} (${s.durationSec} s, ${s.stimuli.length} trials)\n`),
        onWarning: (message) => io.stderr.write(`warning: ${message}\n`),
      });
      io.stdout(`wrote ${manifest.subjects.length} subject(s) x ${trials} trial(s) to ${opts.out} in ${((performance.now() - started) / 1000).toFixed(1)} s (corpus.json lists subjects, seeds and stimuli)\n`);
    });

  program
    .command('train')
    .description('train Hi-MoE on a data SPEC and save the model directory (model.json, weights.bin, manifest.json, MODEL_CARD.md)')
    .requiredOption('--data <spec>', `training data: ${DATA_SPEC_HELP}`)
    .requiredOption('--out <dir>', 'model directory to write (checkpoints go to DIR/checkpoint)')
    .option('--config <file>', 'JSON { "model": {Hi-MoE config}, "train": {epochs, batchSize, learningRate, warmupSteps, maxStepsPerEpoch, patience, hopSec, augment} }')
    .option('--epochs <n>', 'maximum epochs (overrides the config file; default 30)')
    .option('--seed <s>', 'training seed', '1')
    .option('--resume', 'continue from DIR/checkpoint when it exists', false)
    .option('--name <name>', 'model name for the manifest and card')
    .action(async (opts: { data: string; out: string; config?: string; epochs?: string; seed: string; resume: boolean; name?: string }) => {
      const spec = parseDataSpec(opts.data);
      const file = opts.config !== undefined ? await readTrainConfig(opts.config) : {};
      const config = resolveHiMoEConfig(file.model);
      const t = file.train ?? {};
      const epochs = opts.epochs !== undefined ? parseNumberFlag('--epochs', opts.epochs, { min: 1, integer: true }) : (t.epochs ?? 30);
      const seed = parseNumberFlag('--seed', opts.seed, { min: 0, integer: true });
      const hopSec = t.hopSec ?? 2;
      const runtime = await initModelRuntime({ log: (line) => io.stderr.write(`${line}\n`) });
      const dataset = await loadDataset(spec, config, { hopSec, onSubject: (name, i, n) => io.stderr.write(dataProgressLine(name, i, n)) });
      io.stderr.write(skippedLines(dataset));
      const split = holdOutSplit(dataset);
      io.stderr.write(`${split.train.length} training / ${split.validation.length} validation windows; ${split.protocol}\n`);
      const loop = loopOptions(t, epochs);
      const { augment } = loop;
      const result = await trainHiMoE({
        config,
        seed,
        train: split.train,
        validation: split.validation,
        ...loop,
        checkpointDir: join(opts.out, 'checkpoint'),
        resume: opts.resume,
        onProgress: (p) => io.stderr.write(`${formatEpoch(p)}\n`),
      });
      try {
        const best = result.history.find((h) => h.epoch === result.bestEpoch);
        const validation: Record<string, number> = {};
        for (const [d, m] of Object.entries(best?.validation.dimensions ?? {})) Object.assign(validation, { [`${d}_rmse`]: m.rmse, [`${d}_pcc`]: m.pcc, [`${d}_ccc`]: m.ccc });
        const enabled = augment === false ? [] : [...AUGMENTATION_NAMES];
        const manifest = await saveModel(opts.out, result.model, {
          name: opts.name ?? basename(opts.out),
          normalisation: { ...PER_SESSION_NORMALISATION },
          training: {
            data: spec.text,
            description: dataset.description,
            synthetic: dataset.synthetic,
            subjects: dataset.subjects.length,
            trials: dataset.subjects.reduce((n, s) => n + s.trials, 0),
            windows: split.train.length + split.validation.length,
            epochs: result.history.length,
            augmentations: enabled,
          },
          protocol: split.protocol,
          metrics: { validation },
          seed,
        });
        io.stdout(
          `trained ${result.history.length} epoch(s) (${result.steps} steps${result.stoppedEarly ? ', stopped early' : ''}) on ${runtime.backend}; best epoch ${result.bestEpoch}, validation mean CCC ${fmt(result.bestValidationCcc)}\n` +
            `model saved to ${opts.out} (${manifest.architecture.parameters} parameters, data ${spec.text}, seed ${seed})\n`,
        );
      } finally {
        result.model.dispose();
      }
    });

  program
    .command('predict')
    .description('predict valence/arousal per window of an XDF session with a trained model; CSV with the Modality Expert Bank routing weights')
    .requiredOption('--model <dir>', 'model directory written by himoe train')
    .requiredOption('--in <file.xdf>', 'session to predict')
    .option('--out <file.csv>', 'CSV to write (default: stdout)')
    .option('--hop <sec>', 'step between window ends, seconds', '0.5')
    .action(async (opts: { model: string; in: string; out?: string; hop: string }) => {
      const hopSec = parseNumberFlag('--hop', opts.hop, { min: 0.01 });
      await initModelRuntime({ log: quiet });
      const file = await readXdf(opts.in);
      const { model, manifest } = await loadModel(opts.model, { streams: file.streams.map((s) => s.info) });
      try {
        const { examples, streamCheck } = xdfExamples(model.config, file, { subject: basename(opts.in), hopSec, source: opts.in });
        for (const line of streamCheck.messages) io.stderr.write(`note: ${line}\n`);
        const experts = expertNames(model.config);
        const outputs = model.config.outputs;
        const perOutput = model.routes > 1; // per-output routing with a router (not the mean-fusion ablation)
        const rows: string[] = [
          `# model ${manifest.name}; session_time_s: window end on the session clock of ${basename(opts.in)}, seconds; ${outputs.join(', ')}: model output in [-1, 1] (mean over the window's tokens); weight_*: Modality Expert Bank routing weight (fraction, mean over the window's tokens; 0 = modality absent)${perOutput ? `, the mean over the outputs; <output>_weight_*: that output's own routing weight (per-output modality routing)` : ''}`,
          ['session_time_s', ...outputs, ...experts.map((e) => `weight_${e}`), ...(perOutput ? outputs.flatMap((o) => experts.map((e) => `${o}_weight_${e}`)) : [])].join(','),
        ];
        predictExamples(model, examples).forEach((p, i) => {
          const L = p.scored.length;
          const E = experts.length;
          const D = outputs.length;
          /** Mean over the window's tokens of weights[(r * stride + offset) * E + e]. */
          const meanOverTokens = (weights: Float32Array, stride: number, offset: number) => experts.map((_, e) => {
            let s = 0;
            for (let r = 0; r < L; r++) s += weights[(r * stride + offset) * E + e]!;
            return (s / L).toFixed(4);
          });
          const routes = p.outputModalityWeights;
          rows.push([
            examples[i]!.window.endSec.toFixed(3),
            ...Array.from(p.window, (v) => v.toFixed(4)),
            ...meanOverTokens(p.modalityWeights, 1, 0),
            ...(perOutput && routes !== undefined ? outputs.flatMap((_, o) => meanOverTokens(routes, D, o)) : []),
          ].join(','));
        });
        const text = `${rows.join('\n')}\n`;
        if (opts.out === undefined) io.stdout(text);
        else {
          await writeFile(opts.out, text);
          io.stdout(`wrote ${examples.length} window prediction(s) to ${opts.out}\n`);
        }
      } finally {
        model.dispose();
      }
    });
}
