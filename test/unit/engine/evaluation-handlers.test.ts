// The Evaluate view's requests over a temp workspace, with a stand-in for `himoe evaluate
// --progress-json` (a small Node script speaking the same lines and writing the same files): progress
// events then done, one run at a time, cancel with partial results and resume, the history after a
// restart (a dead run is interrupted), failures with the command's own message, and paths that
// would leave the workspace refused.

import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { getPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiEvent } from '../../../src-main/api/contract.js';
import { requests } from '../../../src-main/api/contract.js';
import { EVALUATION_ARCHS, type ApiEvaluationProgress, type ApiEvaluationRun } from '../../../src-main/api/requests-evaluation.js';
import { EVALUATION_NICE, EvaluationRunner, STATUS_JSON, progressEvent } from '../../../src-main/engine/evaluation-handlers.js';
import type { WorkstationService } from '../../../src-main/engine/workstation-service.js';
import { ARCHITECTURES } from '../../../src-main/model/evaluate/architectures.js';
import { findXdfFiles } from '../../../src-main/model/data/index.js';
import { postHocAnnotationFiles } from '../../../src-main/storage/workspace.js';

/**
 * Stand-in for `himoe evaluate`: one unit per (subject, arch) of a synthetic SPEC, FAKE_STEP_MS each,
 * keeps finished units in OUT/runs (and skips them with --resume), SIGINT stops after the unit in
 * progress with a partial report (exit 1), data "synthetic:subjects=9,..." fails like the CLI does.
 */
const FAKE_CLI = String.raw`
import { mkdirSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
const argv = process.argv.slice(2);
const flag = (n) => { const i = argv.indexOf(n); return i < 0 ? undefined : argv[i + 1]; };
const out = flag('--out');
mkdirSync(join(out, 'runs'), { recursive: true });
writeFileSync(join(out, 'argv.json'), JSON.stringify(argv));
const data = flag('--data');
const subjects = Number(/subjects=(\d+)/.exec(data)?.[1] ?? 2);
if (subjects === 9) { process.stderr.write('himoe: error [bad-data-spec]: data spec "' + data + '": nine subjects are not allowed here\n'); process.exit(1); }
const archs = (flag('--arch') ?? 'himoe').split(',');
const step = Number(process.env.FAKE_STEP_MS ?? 30);
let stop = false;
process.on('SIGINT', () => { stop = true; });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// The first subject's line has no total, as while DREAMER's subjects are still being counted.
for (let s = 0; s < subjects; s++) { process.stderr.write('data ' + (s + 1) + (s === 0 ? '' : '/' + subjects) + ': S' + s + '\n'); }
const total = subjects * archs.length;
let done = 0; const results = []; const t0 = Date.now();
const line = (o) => process.stdout.write(JSON.stringify(o) + '\n');
outer: for (let f = 0; f < subjects; f++) for (const arch of archs) {
  const file = join(out, 'runs', 'fold' + (f + 1) + '-' + arch + '.json');
  const meanCcc = 0.1 * (f + 1) + (arch === 'himoe' ? 0.05 : 0);
  if (argv.includes('--resume') && existsSync(file)) { done++; results.push({ fold: f, arch, meanCcc }); line({ type: 'progress', phase: 'loaded', fold: f, folds: subjects, arch, done, total, elapsedSec: 0, etaSec: null }); continue; }
  if (stop) break outer;
  line({ type: 'progress', phase: 'train', fold: f, folds: subjects, arch, member: arch, done, total, elapsedSec: (Date.now() - t0) / 1000, etaSec: null, epoch: 1, epochs: 1, validationCcc: 0.2, loss: 1 });
  await sleep(step);
  line({ type: 'progress', phase: 'test', fold: f, folds: subjects, arch, done, total, elapsedSec: (Date.now() - t0) / 1000, etaSec: 1 });
  writeFileSync(file, JSON.stringify({ fold: f, arch }));
  done++; results.push({ fold: f, arch, meanCcc });
  line({ type: 'progress', phase: 'robustness', fold: f, folds: subjects, arch, done, total, elapsedSec: (Date.now() - t0) / 1000, etaSec: 1 });
}
const summary = archs.filter((a) => results.some((r) => r.arch === a)).map((arch) => {
  const v = results.filter((r) => r.arch === arch).map((r) => r.meanCcc);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const ms = { mean, sd: 0 };
  return { arch, description: arch, parameters: 10, folds: v.length, trainSec: 1, dimensions: { valence: { ccc: ms, pcc: ms, rmse: ms }, arousal: { ccc: ms, pcc: ms, rmse: ms } }, meanCcc: ms };
});
const cancelled = stop && done < total;
const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>';
writeFileSync(join(out, 'traces.svg'), svg);
writeFileSync(join(out, 'report.json'), JSON.stringify({ format: 'himoe-evaluation', version: 1, createdAt: new Date().toISOString(), outputs: ['valence', 'arousal'], summary, robustness: [], claims: [{ claim: 'Hi-MoE beats x', passed: true, detail: '1 vs 0', paired: { mean: 0.01, ci95: [-0.02, 0.04], foldsAhead: 2, folds: 3 } }, { claim: 'Hi-MoE beats y', passed: false, detail: '0 vs 1', paired: { mean: -0.1, ci95: [-0.2, -0.01], foldsAhead: 0, folds: 3 } }], plots: ['traces.svg', '../escape.svg'],
  run: { fingerprint: { data, protocol: flag('--protocol'), seed: Number(flag('--seed')) }, archs, cancelled, elapsedSec: 1, folds: Array.from({ length: subjects }, (_, i) => ({ index: i, name: 'S' + i, test: 5 })), results: results.map((r) => ({ fold: r.fold, arch: r.arch, metrics: { meanCcc: r.meanCcc } })) } }));
if (argv.includes('--keep-models')) for (const r of results) {
  const d = join(out, 'models', 'fold' + (r.fold + 1) + '-' + r.arch);
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'model.json'), '{}');
  writeFileSync(join(d, 'manifest.json'), JSON.stringify({ name: 'fold' + (r.fold + 1) + '-' + r.arch, metrics: { validation: { mean_ccc: r.meanCcc } } }));
}
line({ type: 'done', out, cancelled, results: results.length, elapsedSec: 1, summary, claims: [] });
if (cancelled) { process.stderr.write('himoe: error [CANCELLED]: evaluation cancelled\n'); process.exitCode = 1; }
`;

let ws: string;
let cli: string;
let events: ApiEvent[];
let runners: EvaluationRunner[];
const service = { emit: (e: ApiEvent) => events.push(e), engine: null } as unknown as WorkstationService;

function runner(): EvaluationRunner {
  const r = new EvaluationRunner({ workspace: ws, command: { file: process.execPath, args: [cli] }, progressIntervalMs: 0 });
  runners.push(r);
  return r;
}

const handlers = (r: EvaluationRunner) => r.handlers() as Required<ReturnType<EvaluationRunner['handlers']>>;

async function waitFor<T>(what: string, f: () => T | undefined | null | false, timeoutMs = 60_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = f();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const doneOf = (id: string) => () => events.find((e): e is Extract<ApiEvent, { kind: 'evaluation.done' }> => e.kind === 'evaluation.done' && e.run.id === id)?.run;
const progressOf = (id: string) => events.filter((e): e is ApiEvaluationProgress => e.kind === 'evaluation.progress' && e.id === id);

const SYNTH = { kind: 'synthetic' as const, subjects: 3, trials: 1, seed: 2 };

beforeEach(() => {
  ws = mkdtempSync(join(tmpdir(), 'himoe-evalh-'));
  cli = join(ws, 'fake-himoe.mjs');
  writeFileSync(cli, FAKE_CLI);
  events = [];
  runners = [];
  process.env.FAKE_STEP_MS = '30';
});

afterEach(async () => {
  for (const r of runners) await r.shutdown();
  rmSync(ws, { recursive: true, force: true });
});

describe('evaluation handlers', () => {
  it('runs himoe evaluate with the preset config in <ws>/evaluations/<id>/, relays progress and ends with the results', async () => {
    const h = handlers(runner());
    const { id, out } = await h['evaluation.start']({ data: SYNTH, protocol: 'loso', archs: ['himoe', 'early-fusion'], robustness: false, seed: 4, preset: 'quick', keepModels: false }, service);

    expect(out).toBe(join(ws, 'evaluations', id));
    const run = await waitFor('done', doneOf(id));
    expect(run.status).toBe('done');
    expect(run.results).toBe(6);
    expect(run.best?.arch).toBe('himoe');
    // Progress: data loading, then fractions that never go back, ending at 1 (6 of 6 units).
    const progress = progressOf(id);
    expect(progress[0]!.phase).toBe('data');
    expect(progress.filter((p) => p.phase === 'data').map((p) => p.message)).toEqual(['loading data: 1 S0', 'loading data: 2/3 S1', 'loading data: 3/3 S2']);
    const fractions = progress.map((p) => p.fraction);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
    expect(fractions[fractions.length - 1]).toBe(1);
    expect(progress.some((p) => p.phase === 'train' && p.epoch === 1 && /fold 2\/3 early-fusion: epoch 1\/1/.test(p.message))).toBe(true);
    // The command line: the data SPEC, protocol, seed, architectures and the quick preset's tiny config.
    const argv = JSON.parse(readFileSync(join(out, 'argv.json'), 'utf8')) as string[];
    expect(argv.slice(0, 7)).toEqual(['evaluate', '--data', 'synthetic:subjects=3,trials=1,seed=2', '--protocol', 'loso', '--out', out]);
    expect(argv).toEqual(expect.arrayContaining(['--progress-json', '--arch', 'himoe,early-fusion']));
    expect(argv[argv.indexOf('--seed') + 1]).toBe('4');
    const config = JSON.parse(readFileSync(argv[argv.indexOf('--config') + 1]!, 'utf8')) as { model: { dModel: number }; train: { epochs: number } };
    expect(config.model.dModel).toBe(8);
    expect(config.train.epochs).toBe(1);

    const report = await h['evaluation.report']({ id }, service);
    expect(report.report?.summary.map((s) => s.arch)).toEqual(['himoe', 'early-fusion']);
    // A claim the folds cannot tell apart says so; a clear loss is a plain fail.
    expect(report.report?.claims.map((c) => c.verdict)).toEqual(['pass, within fold noise', 'fail']);
    expect(report.report?.folds.flatMap((f) => f.meanCcc)).toEqual([0.15, 0.1, 0.25, 0.2, 0.35, 0.3].map((v) => expect.closeTo(v)));
    // Only plain plot names inside the run folder are read.
    expect(report.plots.map((p) => p.name)).toEqual(['traces.svg']);
    expect(report.plots[0]!.svg).toMatch(/^<svg/);
  });

  it('runs one evaluation at a time', async () => {
    process.env.FAKE_STEP_MS = '300';
    const h = handlers(runner());
    const { id } = await h['evaluation.start']({ data: SYNTH, protocol: 'loso', robustness: false, seed: 1, preset: 'quick', keepModels: false }, service);
    await expect(h['evaluation.start']({ data: SYNTH, protocol: 'loso', robustness: false, seed: 1, preset: 'quick', keepModels: false }, service)).rejects.toMatchObject({ code: 'EVALUATION_RUNNING' });
    // The run is batch work: it runs below the recording and live inference.
    const { pid } = JSON.parse(readFileSync(join(ws, 'evaluations', id, STATUS_JSON), 'utf8')) as { pid: number };
    expect(getPriority(pid)).toBe(EVALUATION_NICE);
    expect((await h['evaluation.list']({}, service)).active).toBe(id);
    await waitFor('done', doneOf(id));
    expect((await h['evaluation.list']({}, service)).active).toBeNull();
  });

  it('cancels after the model in progress with partial results, and resume completes the run', async () => {
    process.env.FAKE_STEP_MS = '250';
    const h = handlers(runner());
    const { id, out } = await h['evaluation.start']({ data: SYNTH, protocol: 'loso', archs: ['himoe', 'early-fusion'], robustness: false, seed: 1, preset: 'quick', keepModels: false }, service);
    await waitFor('first result', () => progressOf(id).some((p) => p.done >= 1));
    expect((await h['evaluation.cancel']({ id, force: false }, service)).status).toBe('cancelling');

    const cancelled = await waitFor('cancelled', doneOf(id));
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.results).toBeGreaterThanOrEqual(1);
    expect(cancelled.results).toBeLessThan(6);
    expect(cancelled.resumable).toBe(true);
    expect((await h['evaluation.report']({ id }, service)).report?.cancelled).toBe(true);
    await expect(h['evaluation.cancel']({ id, force: false }, service)).rejects.toMatchObject({ code: 'NOT_RUNNING' });

    events = [];
    process.env.FAKE_STEP_MS = '10';
    await h['evaluation.start']({ resume: id, robustness: false, seed: 1, preset: 'quick', keepModels: false }, service);
    const resumed = await waitFor('resumed', doneOf(id));
    expect(resumed.status).toBe('done');
    expect(resumed.results).toBe(6);
    expect(progressOf(id).filter((p) => p.phase === 'loaded')).toHaveLength(cancelled.results);
    expect(JSON.parse(readFileSync(join(out, 'argv.json'), 'utf8'))).toContain('--resume');
  });

  it('stops at once with force; the run is cancelled and resumable', async () => {
    process.env.FAKE_STEP_MS = '5000';
    const h = handlers(runner());
    const { id } = await h['evaluation.start']({ data: SYNTH, protocol: 'loso', robustness: false, seed: 1, preset: 'quick', keepModels: false }, service);
    await waitFor('training', () => progressOf(id).some((p) => p.phase === 'train'));
    const t0 = Date.now();
    await h['evaluation.cancel']({ id, force: true }, service);
    const run = await waitFor('stopped', doneOf(id));
    expect(Date.now() - t0).toBeLessThan(4000);
    expect(run).toMatchObject({ status: 'cancelled', results: 0, resumable: true });
  });

  it('keeps the history across a restart; a run whose process died is interrupted and resumable', async () => {
    const first = runner();
    const { id } = await handlers(first)['evaluation.start']({ data: SYNTH, protocol: 'loso', robustness: false, seed: 1, preset: 'quick', keepModels: false }, service);
    await waitFor('done', doneOf(id));
    // A second run whose workstation crashed mid-run: status.json still says running, its process is gone.
    const crashed = await handlers(first)['evaluation.start']({ data: { ...SYNTH, subjects: 2 }, protocol: 'loso', robustness: false, seed: 1, preset: 'quick', keepModels: false }, service);
    await waitFor('done', doneOf(crashed.id));
    const statusPath = join(ws, 'evaluations', crashed.id, STATUS_JSON);
    const stored = JSON.parse(readFileSync(statusPath, 'utf8')) as Record<string, unknown>;
    writeFileSync(statusPath, JSON.stringify({ ...stored, status: 'running', finishedAt: null, pid: 2 ** 22 + 12345 }));
    mkdirSync(join(ws, 'evaluations', 'not-a-run'));

    const list = await handlers(runner())['evaluation.list']({}, service);
    expect(list.active).toBeNull();
    expect(list.runs.map((r) => r.id).sort()).toEqual([id, crashed.id].sort());
    const byId = new Map(list.runs.map((r): [string, ApiEvaluationRun] => [r.id, r]));
    expect(byId.get(id)).toMatchObject({ status: 'done', results: 3, resumable: false, request: { protocol: 'loso', archs: ['himoe'], preset: 'quick', keepModels: false } });
    expect(byId.get(crashed.id)).toMatchObject({ status: 'interrupted', resumable: true });
    expect(list.presets.map((p) => p.name)).toEqual(['quick', 'default']);
  });

  it('reports a failed run with the command\'s own error message', async () => {
    const h = handlers(runner());
    const { id } = await h['evaluation.start']({ data: { ...SYNTH, subjects: 9 }, protocol: 'loso', robustness: false, seed: 1, preset: 'quick', keepModels: false }, service);
    const run = await waitFor('failed', doneOf(id));
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/^\[bad-data-spec\]: .*nine subjects/);
    expect((await h['evaluation.report']({ id }, service)).report).toBeNull();
    // On disk too (the 'running' written at the start does not land after it).
    const again = (await handlers(runner())['evaluation.list']({}, service)).runs.find((r) => r.id === id);
    expect(again).toMatchObject({ status: 'failed', resumable: true, error: run.error });
  });

  it('turns chosen sessions into a folder laid out as the workspace, with links to their recordings and post-hoc passes', async () => {
    for (const sid of ['sess-a', 'sess-b']) {
      mkdirSync(join(ws, 'sessions', sid), { recursive: true });
      writeFileSync(join(ws, 'sessions', sid, 'recording.xdf'), 'XDF:');
    }
    writeFileSync(join(ws, 'sessions', 'sess-a', 'session.json'), '{}');
    mkdirSync(join(ws, 'sessions', 'sess-a', 'annotations'), { recursive: true });
    writeFileSync(join(ws, 'sessions', 'sess-a', 'annotations', 'R05-ph1.xdf'), 'XDF:');
    const h = handlers(runner());
    const { id, out } = await h['evaluation.start']({ data: { kind: 'sessions', ids: ['sess-a', 'sess-b'] }, protocol: 'loso', robustness: false, seed: 1, preset: 'default', keepModels: false }, service);
    await waitFor('done', doneOf(id));
    const argv = JSON.parse(readFileSync(join(out, 'argv.json'), 'utf8')) as string[];
    expect(argv[argv.indexOf('--data') + 1]).toBe(`xdf:${join(out, 'data')}`);
    expect(argv).not.toContain('--config');
    expect(lstatSync(join(out, 'data', 'sess-a', 'recording.xdf')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(out, 'data', 'sess-b', 'recording.xdf'))).toBe(join(ws, 'sessions', 'sess-b', 'recording.xdf'));
    expect(readlinkSync(join(out, 'data', 'sess-a', 'annotations', 'R05-ph1.xdf'))).toBe(join(ws, 'sessions', 'sess-a', 'annotations', 'R05-ph1.xdf'));
    expect(readlinkSync(join(out, 'data', 'sess-a', 'session.json'))).toBe(join(ws, 'sessions', 'sess-a', 'session.json'));
    expect(existsSync(join(out, 'data', 'sess-b', 'annotations'))).toBe(false);
    expect(existsSync(join(out, 'data', 'sess-b', 'session.json'))).toBe(false);
    // The xdf: SPEC reads the passes through the links, and not as sessions.
    expect(await postHocAnnotationFiles(join(out, 'data', 'sess-a', 'recording.xdf'))).toEqual([join(out, 'data', 'sess-a', 'annotations', 'R05-ph1.xdf')]);
    expect(await findXdfFiles(join(out, 'data'))).toEqual([join(out, 'data', 'sess-a', 'recording.xdf'), join(out, 'data', 'sess-b', 'recording.xdf')]);

    await expect(h['evaluation.start']({ data: { kind: 'sessions', ids: ['sess-a', 'missing'] }, protocol: 'loso', robustness: false, seed: 1, preset: 'quick', keepModels: false }, service)).rejects.toMatchObject({ code: 'NO_SESSION' });
  });

  it('refuses dataset paths that leave the workspace, ids that are not folder names, and bad combinations', async () => {
    const h = handlers(runner());
    const start = (p: Record<string, unknown>) => h['evaluation.start']({ protocol: 'loso', robustness: false, seed: 1, preset: 'quick', keepModels: false, ...p }, service);
    mkdirSync(join(ws, 'datasets', 'deap'), { recursive: true });

    await expect(start({ data: { kind: 'deap', dir: '../deap' } })).rejects.toMatchObject({ code: 'BAD_PATH' });
    await expect(start({ data: { kind: 'deap', dir: '/etc' } })).rejects.toMatchObject({ code: 'BAD_PATH' });
    await expect(start({ data: { kind: 'deap', dir: 'datasets/../../x' } })).rejects.toMatchObject({ code: 'BAD_PATH' });
    await expect(start({ data: { kind: 'dreamer', file: '../../DREAMER.mat' } })).rejects.toMatchObject({ code: 'BAD_PATH' });
    // Inside the workspace but not a dataset: named clearly.
    await expect(start({ data: { kind: 'deap', dir: 'datasets/deap' } })).rejects.toMatchObject({ code: 'BAD_DATASET', message: expect.stringMatching(/no DEAP subject files/) });
    await expect(start({ data: { kind: 'dreamer', file: 'datasets/DREAMER.mat' } })).rejects.toMatchObject({ code: 'BAD_DATASET', message: expect.stringMatching(/cannot read/) });
    await expect(start({ data: SYNTH, model: 'nope' })).rejects.toMatchObject({ code: 'NO_MODEL' });
    await expect(start({ data: SYNTH, model: 'm', archs: ['himoe'] })).rejects.toMatchObject({ code: 'BAD_EVALUATION' });
    mkdirSync(join(ws, 'models', 'm'), { recursive: true });
    writeFileSync(join(ws, 'models', 'm', 'manifest.json'), '{}');
    await expect(start({ data: SYNTH, model: 'm', keepModels: true })).rejects.toMatchObject({ code: 'BAD_EVALUATION', message: expect.stringMatching(/trains none/) });
    await expect(start({ data: SYNTH, folds: 4 })).rejects.toMatchObject({ code: 'BAD_EVALUATION', message: expect.stringMatching(/subject-kfold/) });
    await expect(start({ resume: 'eval-none' })).rejects.toMatchObject({ code: 'NO_EVALUATION' });
    await expect(h['evaluation.report']({ id: '..' }, service)).rejects.toMatchObject({ code: 'BAD_EVALUATION_ID' });
    // Ids are checked by the contract before a handler runs.
    const params = requests['evaluation.start'].params;
    expect(params.safeParse({ data: { kind: 'sessions', ids: ['../../etc', 'b'] }, protocol: 'loso' }).success).toBe(false);
    expect(params.safeParse({ resume: '../x' }).success).toBe(false);
    expect(existsSync(join(ws, 'evaluations'))).toBe(false);
  });

  it('keeps the models a run trains, lists them with its report, and copies one into models/ for scoring, never over another', async () => {
    const h = handlers(runner());
    const { id, out } = await h['evaluation.start']({ data: SYNTH, protocol: 'loso', archs: ['himoe'], robustness: false, seed: 1, preset: 'quick', keepModels: true }, service);
    await waitFor('done', doneOf(id));
    expect(JSON.parse(readFileSync(join(out, 'argv.json'), 'utf8'))).toContain('--keep-models');
    const report = await h['evaluation.report']({ id }, service);
    expect(report.run.request.keepModels).toBe(true);
    expect(report.models).toEqual([1, 2, 3].map((fold) => ({ name: `fold${fold}-himoe`, fold, member: 'himoe', validationMeanCcc: expect.closeTo(0.1 * fold + 0.05, 9) })));

    const adopted = await h['evaluation.adoptModel']({ id, model: 'fold2-himoe' }, service);
    expect(adopted).toEqual({ name: `${id}-fold2-himoe`, path: join(ws, 'models', `${id}-fold2-himoe`) });
    expect(readFileSync(join(adopted.path, 'manifest.json'), 'utf8')).toBe(readFileSync(join(out, 'models', 'fold2-himoe', 'manifest.json'), 'utf8'));
    await expect(h['evaluation.adoptModel']({ id, model: 'fold2-himoe' }, service)).rejects.toMatchObject({ code: 'MODEL_EXISTS' });
    await expect(h['evaluation.adoptModel']({ id, model: 'fold9-himoe' }, service)).rejects.toMatchObject({ code: 'NO_MODEL', message: expect.stringMatching(/kept no model "fold9-himoe"/) });
    await expect(h['evaluation.adoptModel']({ id: '..', model: 'fold1-himoe' }, service)).rejects.toMatchObject({ code: 'BAD_EVALUATION_ID' });
    const mine = await h['evaluation.adoptModel']({ id, model: 'fold1-himoe', name: 'subject-s0-held-out' }, service);
    expect(existsSync(join(mine.path, 'model.json'))).toBe(true);
    expect(readdirSync(join(ws, 'models')).sort()).toEqual([`${id}-fold2-himoe`, 'subject-s0-held-out']); // no temporary folder left
    // The adopted model is one "score a trained model" accepts.
    const scored = await h['evaluation.start']({ data: SYNTH, protocol: 'loso', model: 'subject-s0-held-out', robustness: false, seed: 1, preset: 'quick', keepModels: false }, service);
    await waitFor('done', doneOf(scored.id));
    const argv = JSON.parse(readFileSync(join(scored.out, 'argv.json'), 'utf8')) as string[];
    expect(argv[argv.indexOf('--model') + 1]).toBe(mine.path);
    expect(argv).not.toContain('--keep-models');
    expect((await h['evaluation.report']({ id: scored.id }, service)).models).toEqual([]);
    // A run of an older version (its request.json has no keepModels) lists as keeping none.
    const request = JSON.parse(readFileSync(join(scored.out, 'request.json'), 'utf8')) as Record<string, unknown>;
    delete request.keepModels;
    writeFileSync(join(scored.out, 'request.json'), JSON.stringify(request));
    expect((await h['evaluation.list']({}, service)).runs.find((r) => r.id === scored.id)?.request.keepModels).toBe(false);
  });

  it('names the same architectures as himoe evaluate, and turns a progress line into an event', () => {
    expect([...EVALUATION_ARCHS]).toEqual([...ARCHITECTURES]);
    const ev = progressEvent('x', { type: 'progress', phase: 'train', fold: 1, folds: 3, arch: 'late-fusion', member: 'late-fusion:EEG', done: 3, total: 6, epoch: 2, epochs: 4, validationCcc: 0.3, elapsedSec: 10, etaSec: null });
    expect(ev.fraction).toBeCloseTo((3 + 0.45) / 6);
    expect(ev.etaSec).toBeNull();
    expect(ev.message).toBe('fold 2/3 late-fusion (late-fusion:EEG): epoch 2/4');
  });
});
