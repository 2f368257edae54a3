// himoe evaluate end to end on a tiny synthetic corpus and a tiny model config: LOSO with a
// baseline and robustness, resume, a trained model, trial-wise folds, and bad flags.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRESET_CONFIGS } from '../../../src-main/engine/evaluation-handlers.js';
import { EVALUATION_VERSION, type EvaluationReport } from '../../../src-main/model/evaluate/index.js';
import { himoe } from './run-cli.js';

// The Evaluate view's 'quick' preset: a tiny model, 1 epoch of 1 step.
const CONFIG = PRESET_CONFIGS.quick.config;

const DATA = 'synthetic:subjects=3,trials=1,seed=2';

describe('himoe evaluate', () => {
  let dir: string;
  let configPath: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'himoe-cli-evaluate-'));
    configPath = join(dir, 'config.json');
    await writeFile(configPath, JSON.stringify(CONFIG));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const report = async (out: string) => JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as EvaluationReport;

  it('trains Hi-MoE and a baseline on every LOSO fold, scores robustness, and writes the report, plots and per-fold results', async () => {
    const out = join(dir, 'loso');
    const run = await himoe('evaluate', '--data', DATA, '--protocol', 'loso', '--arch', 'himoe,early-fusion', '--robustness', '--config', configPath, '--out', out);

    expect(run.code, run.err).toBe(0);
    const r = await report(out);
    expect(r.run.archs).toEqual(['himoe', 'early-fusion']);
    expect(r.run.results).toHaveLength(6);
    expect(new Set(r.run.results.map((x) => x.fold))).toEqual(new Set([0, 1, 2]));
    for (const x of r.run.results) {
      expect(x.robustness.map((p) => p.kind)).toEqual(['none', ...Array(4).fill('modality-missing'), ...Array(4).fill('segment-missing'), ...Array(3).fill('shift'), ...Array(3).fill('jitter')]);
      expect(x.metrics.dimensions.valence!.n).toBeGreaterThan(0);
    }
    expect(r.claims.map((c) => c.claim)).toContain('Hi-MoE beats early-fusion in valence CCC (all modalities present)');
    expect((await readdir(join(out, 'runs'))).sort()).toEqual(['fold1-early-fusion.json', 'fold1-himoe.json', 'fold2-early-fusion.json', 'fold2-himoe.json', 'fold3-early-fusion.json', 'fold3-himoe.json']);
    expect(await readFile(join(out, 'report.md'), 'utf8')).toMatch(/## Robustness[\s\S]*robustness-shift\.svg/);
    expect(run.out).toMatch(/himoe\s+mean CCC/);
    expect(run.err).toMatch(/fold 3\/3 early-fusion: done/);
  });

  it('--resume keeps every finished result of the same run; another run\'s results are neither reused nor overwritten', async () => {
    const out = join(dir, 'loso');
    const first = await report(out);
    const again = await himoe('evaluate', '--data', DATA, '--protocol', 'loso', '--arch', 'himoe,early-fusion', '--robustness', '--config', configPath, '--out', out, '--resume');
    expect(again.code, again.err).toBe(0);
    expect(again.err.match(/result from an earlier run/g)).toHaveLength(6);
    expect((await report(out)).run.results).toEqual(first.run.results);

    const other = await himoe('evaluate', '--data', DATA, '--protocol', 'loso', '--arch', 'himoe', '--seed', '9', '--config', configPath, '--out', out, '--resume');
    expect(other.code).not.toBe(0);
    expect(other.err).toMatch(/holds results of another run/);
    // Without --resume too: the other run's results are not overwritten.
    const fresh = await himoe('evaluate', '--data', DATA, '--protocol', 'loso', '--arch', 'himoe', '--seed', '9', '--config', configPath, '--out', out);
    expect(fresh.err).toMatch(/holds results of another run/);
    expect((await report(out)).run.results).toEqual(first.run.results);

    // Results computed under an older definition of the perturbations are not mixed in either, and the error says why.
    const runJson = join(out, 'run.json');
    const saved = await readFile(runJson, 'utf8');
    const { evaluationVersion, ...older } = JSON.parse(saved) as Record<string, unknown>;
    expect(evaluationVersion).toBe(EVALUATION_VERSION);
    await writeFile(runJson, JSON.stringify(older));
    const old = await himoe('evaluate', '--data', DATA, '--protocol', 'loso', '--arch', 'himoe,early-fusion', '--robustness', '--config', configPath, '--out', out, '--resume');
    expect(old.code).not.toBe(0);
    expect(old.err).toMatch(new RegExp(`computed by evaluation version 1, and this program computes version ${EVALUATION_VERSION}`));

    // A run.json written before a config key with a default existed states the same model: resumed, not refused.
    const fingerprint = JSON.parse(saved) as { config: Record<string, unknown> };
    expect(fingerprint.config.modalityRouting).toBe('shared');
    delete fingerprint.config.modalityRouting;
    await writeFile(runJson, JSON.stringify(fingerprint));
    const before = await himoe('evaluate', '--data', DATA, '--protocol', 'loso', '--arch', 'himoe,early-fusion', '--robustness', '--config', configPath, '--out', out, '--resume');
    expect(before.code, before.err).toBe(0);
    expect(before.err.match(/result from an earlier run/g)).toHaveLength(6);
    await writeFile(runJson, saved);
  });

  it('shares a run between processes with --only-folds, then completes it with --resume', async () => {
    const out = join(dir, 'split');
    const common = ['evaluate', '--data', DATA, '--protocol', 'loso', '--arch', 'early-fusion', '--config', configPath, '--out', out];
    const part = await himoe(...common, '--only-folds', '2');
    expect(part.code, part.err).toBe(0);
    expect((await report(out)).run.results.map((x) => x.fold)).toEqual([1]);
    const rest = await himoe(...common, '--resume');
    expect(rest.code, rest.err).toBe(0);
    expect(rest.err.match(/result from an earlier run/g)).toHaveLength(1);
    expect((await report(out)).run.results.map((x) => x.fold)).toEqual([0, 1, 2]);
  });

  it('scores a trained model on every fold without training it, and runs trial-wise folds', async () => {
    const modelDir = join(dir, 'model');
    const train = await himoe('train', '--data', 'synthetic:subjects=2,trials=1,seed=4', '--config', configPath, '--epochs', '1', '--out', modelDir, '--name', 'tiny');
    expect(train.code, train.err).toBe(0);
    const out = join(dir, 'kfold');
    const run = await himoe('evaluate', '--model', modelDir, '--data', 'synthetic:subjects=1,trials=3,seed=5', '--protocol', 'subject-kfold', '--folds', '3', '--out', out);
    expect(run.code, run.err).toBe(0);
    const r = await report(out);
    expect(r.run.archs).toEqual(['tiny']);
    expect(r.run.results).toHaveLength(3);
    expect(r.run.results.every((x) => x.training.length === 0)).toBe(true);
    expect(new Set(r.run.folds.flatMap((f) => f.testTrials)).size).toBe(3);
    expect(await readFile(join(out, 'report.md'), 'utf8')).toMatch(/scored on every fold's test set without retraining/);
  });

  it('--keep-models saves every Hi-MoE network of every fold as a model folder that scores as it did in the run', async () => {
    const out = join(dir, 'kept');
    const run = await himoe('evaluate', '--data', DATA, '--protocol', 'loso', '--arch', 'himoe,eeg-only,early-fusion,late-fusion', '--config', configPath, '--out', out, '--keep-models');
    expect(run.code, run.err).toBe(0);
    // Late fusion's own members (its EEG member is the eeg-only model); early fusion is not a Hi-MoE network.
    const perFold = ['eeg-only', 'himoe', 'late-fusion-ECG', 'late-fusion-EDA'];
    expect((await readdir(join(out, 'models'))).sort()).toEqual([1, 2, 3].flatMap((k) => perFold.map((m) => `fold${k}-${m}`)));
    const r = await report(out);
    const trained = r.run.results.find((x) => x.fold === 1 && x.arch === 'himoe')!;
    const kept = join(out, 'models', 'fold2-himoe');
    const manifest = JSON.parse(await readFile(join(kept, 'manifest.json'), 'utf8')) as { name: string; protocol: string; metrics: { test: Record<string, number>; validation: Record<string, number> } };
    expect(manifest.name).toBe('fold2-himoe');
    expect(manifest.protocol).toMatch(/^loso, test subject synthetic-\d+ \(evaluation fold 2, himoe\)/);
    expect(manifest.metrics.test.valence_ccc).toBeCloseTo(trained.metrics.dimensions.valence!.ccc, 12);
    expect(manifest.metrics.validation.best_epoch).toBe(trained.training[0]!.bestEpoch);
    // The saved weights are the fold's network: scored on the same fold, it scores the same.
    const rescored = join(dir, 'kept-rescored');
    // (--config for its hop: the same test windows.)
    const again = await himoe('evaluate', '--model', kept, '--data', DATA, '--protocol', 'loso', '--config', configPath, '--out', rescored);
    expect(again.code, again.err).toBe(0);
    const fold2 = (await report(rescored)).run.results.find((x) => x.fold === 1)!;
    expect(fold2.metrics.dimensions.valence!.ccc).toBeCloseTo(trained.metrics.dimensions.valence!.ccc, 5);
    expect(fold2.metrics.dimensions.arousal!.ccc).toBeCloseTo(trained.metrics.dimensions.arousal!.ccc, 5);
  });

  it('--progress-json prints progress and a summary as JSON lines; Ctrl-C stops it, keeps what is done and says how to resume', async () => {
    const out = join(dir, 'cancel');
    let out2 = '';
    let err = '';
    let interrupted = false;
    const { main } = await import('../../../src-main/cli/main.js');
    const code = await main(['evaluate', '--data', DATA, '--protocol', 'loso', '--arch', 'early-fusion', '--config', configPath, '--out', out, '--progress-json'], {
      stdout: (text) => {
        out2 += text;
        // Interrupt once the first fold's result is written.
        if (!interrupted && text.includes('"phase":"robustness"')) {
          interrupted = true;
          process.emit('SIGINT');
        }
      },
      stderr: { write: (text: string) => (err += text), isTTY: false },
    });
    const lines = out2.trim().split('\n').map((l) => JSON.parse(l) as { type: string; phase?: string; cancelled?: boolean; results?: number });
    expect(lines[0]!.type).toBe('progress');
    expect(lines.at(-1)).toMatchObject({ type: 'done', cancelled: true, results: 1 });
    expect(code).toBe(1);
    expect(err).toMatch(/CANCELLED.*1 result\(s\).*--resume/);
    const r = await report(out);
    expect(r.run.cancelled).toBe(true);
    expect(r.run.results).toHaveLength(1);
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  it('names what is wrong with bad flags', async () => {
    const base = ['evaluate', '--data', DATA, '--out', join(dir, 'bad')];
    expect((await himoe(...base, '--protocol', 'loso', '--arch', 'himoe,transformer')).err).toMatch(/unknown architecture "transformer"/);
    expect((await himoe(...base, '--protocol', 'holdout')).err).toMatch(/--protocol: expected loso or subject-kfold, got "holdout"/);
    expect((await himoe(...base, '--protocol', 'loso', '--model', dir, '--baselines')).err).toMatch(/cannot be combined/);
    expect((await himoe(...base, '--protocol', 'loso', '--model', dir, '--keep-models')).err).toMatch(/--keep-models saves the models an evaluation trains; --model trains none/);
    expect((await himoe(...base, '--protocol', 'subject-kfold', '--folds', '2')).err).toMatch(/--folds/);
    expect((await himoe(...base, '--protocol', 'loso', '--only-folds', '7', '--config', configPath)).err).toMatch(/fold 7 does not exist.*3 folds/);
  });
});
