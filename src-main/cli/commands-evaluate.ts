// `himoe evaluate` (issue 3 item 6): train and compare Hi-MoE, its baselines and ablations under
// one protocol (leave-one-subject-out or trial-wise k-fold), folds and seed, or score a trained
// model; optional robustness sweeps; writes report.json, report.md and SVG plots to --out.
// Ctrl-C (SIGINT) stops after the model in training (exit 1, error CANCELLED); every finished (fold, architecture) is kept, and
// --resume continues the run.

import type { Command } from 'commander';
import { initModelRuntime, loadModel, resolveHiMoEConfig } from '../model/index.js';
import { DATA_SPEC_HELP, loadDataset, parseDataSpec } from '../model/data/index.js';
import { ABLATIONS, ARCHITECTURES, BASELINES, DEFAULT_ROBUSTNESS_GRID, PROTOCOLS, claimVerdict, fixedRegressor, isArchName, runEvaluation, writeReport, type ArchName, type EvaluateProgress, type ProtocolName } from '../model/evaluate/index.js';
import { dataProgressLine, loopOptions, readTrainConfig, skippedLines } from './commands-model.js';
import { CliError } from './errors.js';
import type { CliIo } from './main.js';
import { parseNumberFlag } from './record.js';

interface EvaluateFlags {
  data: string;
  out: string;
  protocol: string;
  model?: string;
  arch?: string;
  baselines: boolean;
  ablations: boolean;
  robustness: boolean;
  folds?: string;
  onlyFolds?: string;
  config?: string;
  epochs?: string;
  seed: string;
  resume: boolean;
  keepModels: boolean;
  progressJson: boolean;
}

/** The architectures a command line asks for, in report order (Hi-MoE first). */
export function selectArchitectures(flags: Pick<EvaluateFlags, 'arch' | 'baselines' | 'ablations'>): ArchName[] {
  const picked: string[] = flags.arch !== undefined ? flags.arch.split(',').map((s) => s.trim()).filter((s) => s !== '') : ['himoe'];
  for (const a of picked) if (!isArchName(a)) throw new CliError('BAD_FLAG', `--arch: unknown architecture "${a}"; expected one or more of ${ARCHITECTURES.join(', ')} (comma-separated)`);
  if (flags.baselines) picked.push(...BASELINES);
  if (flags.ablations) picked.push(...ABLATIONS);
  return ARCHITECTURES.filter((a) => picked.includes(a));
}

function progressLine(p: EvaluateProgress): string | undefined {
  const eta = Number.isFinite(p.etaSec) ? `, ETA ${Math.round(p.etaSec)} s` : '';
  const head = `[${p.done}/${p.total}] fold ${p.fold + 1}/${p.folds} ${p.arch}`;
  if (p.phase === 'train' && p.epoch !== undefined) {
    const e = p.epoch;
    return `${head}${p.member !== undefined && p.member !== p.arch ? ` (${p.member})` : ''}: epoch ${e.epoch}/${e.epochs} loss ${e.trainLoss.total.toFixed(3)} val CCC ${e.validation.meanCcc.toFixed(3)}${e.improved ? ' *' : ''}${eta}`;
  }
  if (p.phase === 'test') return `${head}: testing${eta}`;
  if (p.phase === 'loaded') return `${head}: result from an earlier run`;
  return `${head}: done (${p.elapsedSec.toFixed(0)} s${eta})`;
}

export function registerEvaluateCommands(program: Command, io: CliIo): void {
  program
    .command('evaluate')
    .description('train and compare Hi-MoE, baselines and ablations under one protocol, folds and seed (or score a trained model); report.json, report.md and SVG plots')
    .requiredOption('--data <spec>', `evaluation data: ${DATA_SPEC_HELP}`)
    .requiredOption('--protocol <name>', `${PROTOCOLS.join(' (leave one subject out) | ')} (trial-wise folds within subjects)`)
    .requiredOption('--out <dir>', 'directory for report.json, report.md, the plots and runs/ (one result per fold and architecture)')
    .option('--model <dir>', 'score this trained model on every fold\'s test set instead of training')
    .option('--arch <list>', `architectures to train, comma-separated: ${ARCHITECTURES.join(', ')} (default himoe)`)
    .option('--baselines', `also train the baselines (${BASELINES.join(', ')})`, false)
    .option('--ablations', `also train the ablations (${ABLATIONS.join(', ')})`, false)
    .option('--robustness', 'score every model under missing modalities, missing segments, asynchrony and timestamp jitter', false)
    .option('--folds <k>', 'folds of subject-kfold (default 5)')
    .option('--only-folds <list>', 'run only these folds (1-based, comma-separated), e.g. to share a run between processes; then --resume without it for the report')
    .option('--config <file>', 'JSON { "model": {Hi-MoE config}, "train": {epochs, batchSize, learningRate, warmupSteps, maxStepsPerEpoch, patience, hopSec, augment} } used for every architecture')
    .option('--epochs <n>', 'maximum epochs per model (default 30)')
    .option('--seed <s>', 'seed of folds, initialisation, shuffling, augmentation and perturbations', '1')
    .option('--resume', 'keep the results already in --out/runs from the same run and compute the rest', false)
    .option('--keep-models', 'also save every Hi-MoE network trained, a model folder each: --out/models/fold<k>-<member>/ (for himoe predict, evaluate --model, live use)', false)
    .option('--progress-json', 'machine-readable output for a supervising program: one JSON object per line on stdout ({"type":"progress",...} then {"type":"done",...})', false)
    .action(async (flags: EvaluateFlags) => {
      if (!(PROTOCOLS as readonly string[]).includes(flags.protocol)) throw new CliError('BAD_FLAG', `--protocol: expected ${PROTOCOLS.join(' or ')}, got "${flags.protocol}"`);
      if (flags.model !== undefined && (flags.arch !== undefined || flags.baselines || flags.ablations)) throw new CliError('BAD_FLAG', '--model scores one trained model; it cannot be combined with --arch, --baselines or --ablations');
      if (flags.model !== undefined && flags.keepModels) throw new CliError('BAD_FLAG', '--keep-models saves the models an evaluation trains; --model trains none');
      const spec = parseDataSpec(flags.data);
      const file = flags.config !== undefined ? await readTrainConfig(flags.config) : {};
      const t = file.train ?? {};
      const seed = parseNumberFlag('--seed', flags.seed, { min: 0, integer: true });
      const folds = flags.folds !== undefined ? parseNumberFlag('--folds', flags.folds, { min: 3, integer: true }) : undefined;
      const onlyFolds = flags.onlyFolds?.split(',').map((s) => parseNumberFlag('--only-folds', s.trim(), { min: 1, integer: true }) - 1);
      const epochs = flags.epochs !== undefined ? parseNumberFlag('--epochs', flags.epochs, { min: 1, integer: true }) : (t.epochs ?? 30);
      const runtime = await initModelRuntime({ log: (line) => io.stderr.write(`${line}\n`) });
      const loaded = flags.model !== undefined ? await loadModel(flags.model) : undefined;
      try {
        const config = loaded?.model.config ?? resolveHiMoEConfig(file.model);
        const archs = flags.model !== undefined ? [] : selectArchitectures(flags);
        const dataset = await loadDataset(spec, config, { hopSec: t.hopSec ?? 2, onSubject: (name, i, n) => io.stderr.write(dataProgressLine(name, i, n)) });
        io.stderr.write(skippedLines(dataset));
        const train = loopOptions(t, epochs);
        const controller = new AbortController();
        const onSigint = () => {
          io.stderr.write('\nstopping after the model in training; finished results are kept (continue with --resume)\n');
          controller.abort();
        };
        process.once('SIGINT', onSigint);
        let run;
        try {
          run = await runEvaluation({
            dataset,
            config,
            archs,
            ...(loaded !== undefined ? { fixedModel: { name: loaded.manifest.name, regressor: fixedRegressor(loaded.model) } } : {}),
            protocol: flags.protocol as ProtocolName,
            ...(folds !== undefined ? { folds } : {}),
            ...(onlyFolds !== undefined ? { onlyFolds } : {}),
            seed,
            train,
            robustness: flags.robustness ? DEFAULT_ROBUSTNESS_GRID : false,
            outDir: flags.out,
            resume: flags.resume,
            keepModels: flags.keepModels,
            signal: controller.signal,
            onProgress: (p) => {
              if (flags.progressJson) {
                const { epoch, ...rest } = p;
                io.stdout(`${JSON.stringify({ type: 'progress', ...rest, ...(epoch !== undefined ? { epoch: epoch.epoch, epochs: epoch.epochs, validationCcc: epoch.validation.meanCcc, loss: epoch.trainLoss.total } : {}) })}\n`);
                return;
              }
              const line = progressLine(p);
              if (line !== undefined) io.stderr.write(`${line}\n`);
            },
          });
        } finally {
          process.off('SIGINT', onSigint);
        }
        const report = await writeReport(run, flags.out);
        const cancelled = () => new CliError('CANCELLED', `evaluation cancelled after ${run.results.length} result(s); partial report in ${flags.out}; continue with the same command and --resume`);
        if (flags.progressJson) {
          io.stdout(`${JSON.stringify({ type: 'done', out: flags.out, cancelled: run.cancelled, results: run.results.length, elapsedSec: run.elapsedSec, summary: report.summary, claims: report.claims })}\n`);
          if (run.cancelled) throw cancelled();
          return;
        }
        const best = [...report.summary].sort((a, b) => b.meanCcc.mean - a.meanCcc.mean)[0];
        io.stdout(
          `${run.cancelled ? 'cancelled: partial ' : ''}report written to ${flags.out}/report.md (${run.results.length} result(s), ${run.archs.length} architecture(s), ${report.run.fingerprint.folds} fold(s), ${runtime.backend}, ${run.elapsedSec.toFixed(0)} s)\n` +
            report.summary.map((s) => `  ${s.arch.padEnd(28)} mean CCC ${s.meanCcc.mean.toFixed(3)} ± ${s.meanCcc.sd.toFixed(3)}\n`).join('') +
            (best !== undefined ? `best: ${best.arch}\n` : '') +
            report.claims.map((c) => `  ${claimVerdict(c).replace(/^fail/, 'FAIL')}: ${c.claim} (${c.detail})\n`).join(''),
        );
      } finally {
        if (loaded !== undefined) loaded.model.dispose();
      }
    });
}
