// The Evaluate view's side of the engine (issue 7): runs `himoe evaluate --progress-json` as a child
// process (training blocks a thread for minutes, so never on the server's event loop), one run at a
// time, in <workspace>/evaluations/<id>/; relays its progress as events, cancels it (SIGINT: stop
// after the model in training; SIGTERM: at once), and lists the runs kept there across restarts.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { access, constants, cp, mkdir, readFile, readdir, rename, rm, stat, symlink, copyFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { setPriority } from 'node:os';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import {
  EVALUATION_PRESETS,
  evaluationRequestSchema,
  type ApiEvaluationArchSummary,
  type ApiEvaluationProgress,
  type ApiEvaluationRequest,
  type ApiEvaluationRun,
} from '../api/requests-evaluation.js';
import type { ParsedParams, RequestResult } from '../api/contract.js';
import { findDeapFiles } from '../storage/datasets/deap/deap.js';
import { ANNOTATIONS_DIR, EVALUATIONS_DIR, MODELS_DIR, RECORDING_FILE, SESSION_META_FILE, isValidId, listAnnotationFiles, sessionDir } from '../storage/workspace.js';
import { claimVerdict } from '../model/evaluate/verdict.js';
import { FOLD_MODELS_DIR, parseFoldModelName } from '../model/evaluate/layout.js';
import { EngineError } from './errors.js';
import type { RequestHandlers, WorkstationService } from './workstation-service.js';

/**
 * Scheduling niceness of the evaluation process: training is batch work that would otherwise take
 * a core from acquisition and live inference, so it runs below them (on Windows: below normal).
 */
export const EVALUATION_NICE = 10;

/** Files of a run folder written by the workstation (the rest is `himoe evaluate --out`'s). */
export const REQUEST_JSON = 'request.json';
export const STATUS_JSON = 'status.json';
export const LOG_FILE = 'evaluate.log';

/** The presets' `--config` files ({model, train}); 'default' passes none (the shipped configuration). */
export const PRESET_CONFIGS: Record<(typeof EVALUATION_PRESETS)[number], { description: string; config: object | null }> = {
  quick: {
    description: 'tiny model (d 8; EEG F3 F4 Pz + ECG @ 32 Hz, EDA @ 8 Hz; 4 s windows), 1 epoch of 1 step: a demonstration that finishes in about a minute; scores mean nothing',
    config: {
      model: {
        modalities: [
          { modality: 'EEG', rateHz: 32, channelLabels: ['F3', 'F4', 'Pz'] },
          { modality: 'ECG', rateHz: 32, channelLabels: ['ECG-II'] },
          { modality: 'EDA', rateHz: 8, channelLabels: ['EDA'] },
        ],
        windowSec: 4,
        dModel: 8,
        heads: 2,
        temporalLayers: 1,
        alignHorizonSec: 2,
      },
      train: { epochs: 1, batchSize: 8, maxStepsPerEpoch: 1, warmupSteps: 1, hopSec: 4 },
    },
  },
  default: {
    description: 'the default Hi-MoE configuration and training (up to 30 epochs with early stopping): hours on a laptop',
    config: null,
  },
};

interface StoredStatus {
  status: ApiEvaluationRun['status'];
  startedAt: string;
  finishedAt: string | null;
  pid: number | null;
  error: string | null;
  best: ApiEvaluationRun['best'];
}

interface ActiveRun {
  id: string;
  dir: string;
  request: ApiEvaluationRequest;
  child: ChildProcess;
  status: StoredStatus;
  cancelRequested: boolean;
  done: DoneLine | null;
  stderrTail: string[];
  exited: Promise<void>;
  /** status.json writes, one after another (a run that fails at once must not be overwritten by its 'running'). */
  writes: Promise<void>;
}

/** The last line `himoe evaluate --progress-json` prints. */
interface DoneLine {
  type: 'done';
  cancelled: boolean;
  results: number;
  summary: ApiEvaluationArchSummary[];
}

export interface EvaluationHandlersOptions {
  workspace: string;
  /** The program that runs the `himoe` CLI; `evaluate ...` is appended (default: this Node or Electron binary with dist/cli/main.js). */
  command?: { file: string; args: string[] };
  now?: () => Date;
  /** Least time between two progress events (ms). */
  progressIntervalMs?: number;
}

/** dist/cli/main.js beside this file's layer (dist/engine) or at the package root (src-main/engine under tsx/vitest). */
export function defaultEvaluateCommand(): { file: string; args: string[] } {
  const candidates = [new URL('../cli/main.js', import.meta.url), new URL('../../dist/cli/main.js', import.meta.url)];
  const entry = candidates.find((u) => existsSync(fileURLToPath(u))) ?? candidates[1]!;
  const script = `const { main } = await import(${JSON.stringify(entry.href)}); process.exitCode = await main(process.argv.slice(1));`;
  return { file: process.execPath, args: ['--input-type=module', '-e', script] };
}

/** A path typed in the UI, resolved inside the workspace; anything that leaves it is refused. */
export function insideWorkspace(workspace: string, typed: string, what: string): string {
  if (typed.includes('\0')) throw new EngineError('BAD_PATH', `${what}: the path contains a NUL byte`);
  const path = resolve(workspace, typed);
  const rel = relative(workspace, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
    throw new EngineError('BAD_PATH', `${what} "${typed}" is outside the workspace ${workspace}; put the dataset (or a link to it) under the workspace, e.g. datasets/`, { path: typed });
  }
  return path;
}

async function writeJsonAtomically(path: string, value: unknown): Promise<void> {
  await writeFile(`${path}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}

async function readJsonFile(path: string, maxBytes: number): Promise<unknown> {
  const size = (await stat(path)).size;
  if (size > maxBytes) throw new EngineError('EVALUATION_TOO_LARGE', `${path}: ${size} bytes; at most ${maxBytes} are read`, { path });
  return JSON.parse(await readFile(path, 'utf8')) as unknown;
}

function runId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').replace(/\.\d+Z$/, '');
  return `eval-${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

/** The best architecture of a summary by mean CCC (NaN, written as null, ranks last). */
function bestOf(summary: ApiEvaluationArchSummary[]): ApiEvaluationRun['best'] {
  const ranked = summary.filter((s) => typeof s.meanCcc.mean === 'number').sort((a, b) => b.meanCcc.mean! - a.meanCcc.mean!);
  return ranked[0] ? { arch: ranked[0].arch, meanCcc: ranked[0].meanCcc } : null;
}

/** `himoe evaluate` arguments of a run (the same on resume, plus --resume). */
export function evaluateArgs(dir: string, r: ApiEvaluationRequest, workspace: string, resume: boolean): string[] {
  return [
    'evaluate', '--data', r.dataSpec, '--protocol', r.protocol, '--out', dir, '--progress-json', '--seed', String(r.seed),
    ...(r.model !== null ? ['--model', join(workspace, MODELS_DIR, r.model)] : ['--arch', r.archs.join(',')]),
    ...(r.folds !== null ? ['--folds', String(r.folds)] : []),
    ...(r.robustness ? ['--robustness'] : []),
    ...(PRESET_CONFIGS[r.preset].config !== null ? ['--config', join(dir, 'config.json')] : []),
    ...(r.epochs !== null ? ['--epochs', String(r.epochs)] : []),
    ...(r.keepModels ? ['--keep-models'] : []),
    ...(resume ? ['--resume'] : []),
  ];
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** An evaluation.progress event from one `{"type":"progress",...}` line. */
export function progressEvent(id: string, line: Record<string, unknown>): ApiEvaluationProgress {
  const done = num(line.done) ?? 0;
  const total = Math.max(1, num(line.total) ?? 1);
  const epoch = num(line.epoch);
  const epochs = num(line.epochs);
  const phase = (['train', 'test', 'robustness', 'loaded'] as const).find((p) => p === line.phase) ?? 'train';
  const within = phase === 'train' && epoch !== null && epochs !== null ? Math.min(0.9, (0.9 * epoch) / epochs) : phase === 'test' ? 0.9 : 0;
  const fold = num(line.fold);
  const folds = num(line.folds);
  const arch = typeof line.arch === 'string' ? line.arch : null;
  const member = typeof line.member === 'string' && line.member !== arch ? ` (${line.member})` : '';
  const what = phase === 'train' ? (epoch !== null ? `epoch ${epoch}/${epochs ?? '?'}` : 'training') : phase === 'test' ? 'testing' : phase === 'loaded' ? 'result from an earlier run' : 'done';
  return {
    kind: 'evaluation.progress',
    id,
    phase,
    fraction: Math.min(1, (done + within) / total),
    done,
    total,
    fold,
    folds,
    arch,
    epoch,
    epochs,
    validationCcc: num(line.validationCcc),
    elapsedSec: num(line.elapsedSec) ?? 0,
    etaSec: num(line.etaSec),
    message: `fold ${fold !== null ? fold + 1 : '?'}/${folds ?? '?'} ${arch ?? ''}${member}: ${what}`,
  };
}

/** Runs and remembers evaluations of one workspace; `handlers()` is what the service dispatches to. */
export class EvaluationRunner {
  private active: ActiveRun | null = null;
  private starting = false;
  private service: WorkstationService | null = null;
  private readonly root: string;
  private readonly command: { file: string; args: string[] };
  private readonly now: () => Date;
  private readonly intervalMs: number;
  private readonly killOnExit = () => this.active?.child.kill('SIGTERM');

  constructor(private readonly opts: EvaluationHandlersOptions) {
    this.root = join(opts.workspace, EVALUATIONS_DIR);
    this.command = opts.command ?? defaultEvaluateCommand();
    this.now = opts.now ?? (() => new Date());
    this.intervalMs = opts.progressIntervalMs ?? 200;
  }

  get activeId(): string | null {
    return this.active?.id ?? null;
  }

  handlers(): RequestHandlers {
    return {
      'evaluation.start': async (p, service) => this.start(p, service),
      'evaluation.cancel': async (p) => this.cancel(p.id, p.force),
      'evaluation.list': async () => ({
        runs: await this.list(),
        active: this.activeId,
        presets: EVALUATION_PRESETS.map((name) => ({ name, description: PRESET_CONFIGS[name].description })),
      }),
      'evaluation.report': async (p) => this.report(p.id),
      'evaluation.adoptModel': async (p) => this.adoptModel(p.id, p.model, p.name),
    };
  }

  /** Stop a running evaluation at once (the app or server is closing); its finished results stay resumable. */
  async shutdown(): Promise<void> {
    const a = this.active;
    if (!a) return;
    a.child.kill('SIGTERM');
    await a.exited;
  }

  private runDir(id: string): string {
    if (!isValidId(id)) throw new EngineError('BAD_EVALUATION_ID', `evaluation id "${id}" is not a run folder name`, { id });
    return join(this.root, id);
  }

  async start(p: ParsedParams<'evaluation.start'>, service: WorkstationService): Promise<RequestResult<'evaluation.start'>> {
    if (this.active || this.starting) {
      throw new EngineError('EVALUATION_RUNNING', `evaluation ${this.active?.id ?? '(starting)'} is running; one evaluation runs at a time: wait for it or cancel it`);
    }
    this.starting = true;
    try {
      this.service = service;
      let id: string;
      let request: ApiEvaluationRequest;
      let startedAt = this.now().toISOString();
      if (p.resume !== undefined) {
        id = p.resume;
        const run = await this.readRun(id);
        if (run === null) throw new EngineError('NO_EVALUATION', `no evaluation "${id}" in ${this.root}`, { id });
        if (!run.resumable) throw new EngineError('NOT_RESUMABLE', `evaluation ${id} is ${run.status}${run.error ? ` (${run.error})` : ''}; only interrupted, cancelled or failed runs continue`, { id });
        request = run.request;
        startedAt = run.startedAt;
      } else {
        id = runId(this.now());
        request = await this.plan(p, join(this.root, id), service);
      }
      const dir = this.runDir(id);
      await mkdir(dir, { recursive: true });
      if (p.resume === undefined) {
        await this.prepareData(p, dir);
        const config = PRESET_CONFIGS[request.preset].config;
        if (config !== null) await writeJsonAtomically(join(dir, 'config.json'), config);
        await writeJsonAtomically(join(dir, REQUEST_JSON), request);
      }
      await this.persist(this.spawnRun(id, dir, request, startedAt, p.resume !== undefined));
      return { id, out: dir };
    } finally {
      this.starting = false;
    }
  }

  /** Checks a new run's parameters and turns its data choice into a data SPEC. */
  private async plan(p: ParsedParams<'evaluation.start'>, dir: string, service: WorkstationService): Promise<ApiEvaluationRequest> {
    if (p.data === undefined) throw new EngineError('BAD_EVALUATION', 'evaluation.start needs "data" (synthetic, sessions, deap or dreamer) or "resume"');
    if (p.protocol === undefined) throw new EngineError('BAD_EVALUATION', 'evaluation.start needs "protocol": loso or subject-kfold');
    if (p.model !== undefined && p.archs !== undefined) throw new EngineError('BAD_EVALUATION', '"model" scores one trained model; it cannot be combined with "archs"');
    if (p.model !== undefined && p.keepModels) throw new EngineError('BAD_EVALUATION', '"keepModels" keeps the models a run trains; scoring a trained model trains none');
    if (p.folds !== undefined && p.protocol !== 'subject-kfold') throw new EngineError('BAD_EVALUATION', `"folds" applies to subject-kfold; ${p.protocol} has one fold per subject`);
    const ws = this.opts.workspace;
    if (p.model !== undefined && !existsSync(join(ws, MODELS_DIR, p.model, 'manifest.json'))) {
      throw new EngineError('NO_MODEL', `model "${p.model}": ${join(ws, MODELS_DIR, p.model)} is not a model folder (no manifest.json)`, { model: p.model });
    }
    const d = p.data;
    let dataSpec: string;
    if (d.kind === 'synthetic') {
      dataSpec = `synthetic:subjects=${d.subjects},trials=${d.trials},seed=${d.seed}`;
    } else if (d.kind === 'sessions') {
      const recording = service.engine?.recordingPath ?? null;
      for (const sid of new Set(d.ids)) {
        const file = join(sessionDir(ws, sid), RECORDING_FILE);
        if (!existsSync(file)) throw new EngineError('NO_SESSION', `session "${sid}" has no ${RECORDING_FILE} in ${ws}`, { id: sid });
        if (recording !== null && resolve(recording) === resolve(file)) throw new EngineError('SESSION_RECORDING', `session "${sid}" is being recorded; stop the recording first`, { id: sid });
      }
      dataSpec = `xdf:${join(dir, 'data')}`;
    } else if (d.kind === 'deap') {
      const path = insideWorkspace(ws, d.dir, 'DEAP folder');
      try {
        await findDeapFiles(path);
      } catch (err) {
        throw new EngineError('BAD_DATASET', `DEAP folder "${d.dir}": ${(err as Error).message}`, { path: d.dir }, { cause: err });
      }
      dataSpec = `deap:${path}`;
    } else {
      const path = insideWorkspace(ws, d.file, 'DREAMER file');
      if (!/\.mat$/i.test(path)) throw new EngineError('BAD_DATASET', `DREAMER file "${d.file}": expected the DREAMER.mat file`, { path: d.file });
      try {
        if (!(await stat(path)).isFile()) throw new Error('not a file');
        await access(path, constants.R_OK);
      } catch (err) {
        throw new EngineError('BAD_DATASET', `DREAMER file "${d.file}": cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, { path: d.file }, { cause: err });
      }
      dataSpec = `dreamer:${path}`;
    }
    return {
      data: d,
      dataSpec,
      protocol: p.protocol,
      archs: p.model !== undefined ? [] : (p.archs ?? ['himoe']),
      model: p.model ?? null,
      folds: p.folds ?? null,
      robustness: p.robustness,
      preset: p.preset,
      epochs: p.epochs ?? null,
      seed: p.seed,
      keepModels: p.keepModels,
    };
  }

  /**
   * Sessions become a folder laid out as the workspace's: <run>/data/<session>/recording.xdf, its
   * session.json and its post-hoc annotation passes in annotations/, as links (copies where links
   * are not allowed).
   * The xdf: SPEC then reads each recording with its passes, grouped by subject.
   */
  private async prepareData(p: ParsedParams<'evaluation.start'>, dir: string): Promise<void> {
    if (p.data?.kind !== 'sessions') return;
    const data = join(dir, 'data');
    const link = (target: string, path: string) => symlink(target, path).catch(() => copyFile(target, path));
    for (const sid of new Set(p.data.ids)) {
      const folder = sessionDir(this.opts.workspace, sid);
      const into = join(data, sid);
      await mkdir(into, { recursive: true });
      await link(join(folder, RECORDING_FILE), join(into, RECORDING_FILE));
      if (existsSync(join(folder, SESSION_META_FILE))) await link(join(folder, SESSION_META_FILE), join(into, SESSION_META_FILE));
      const passes = await listAnnotationFiles(folder);
      if (passes.length > 0) await mkdir(join(into, ANNOTATIONS_DIR), { recursive: true });
      for (const pass of passes) await link(join(folder, pass), join(into, pass));
    }
  }

  /** Write the run's status.json after any write still under way. */
  private persist(a: ActiveRun): Promise<void> {
    const snapshot = { ...a.status };
    a.writes = a.writes.then(() => writeJsonAtomically(join(a.dir, STATUS_JSON), snapshot)).catch(() => {});
    return a.writes;
  }

  private spawnRun(id: string, dir: string, request: ApiEvaluationRequest, startedAt: string, resume: boolean): ActiveRun {
    const spawnedMs = Date.now();
    const args = [...this.command.args, ...evaluateArgs(dir, request, this.opts.workspace, resume)];
    const child = spawn(this.command.file, args, {
      cwd: this.opts.workspace,
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, EVALUATION_NICE);
      } catch {
        // The platform may refuse (e.g. a sandbox); the run then goes on at normal priority.
      }
    }
    let resolveExit!: () => void;
    const a: ActiveRun = {
      id,
      dir,
      request,
      child,
      status: { status: 'running', startedAt, finishedAt: null, pid: child.pid ?? null, error: null, best: null },
      cancelRequested: false,
      done: null,
      stderrTail: [],
      exited: new Promise((r) => (resolveExit = r)),
      writes: Promise.resolve(),
    };
    this.active = a;
    process.on('exit', this.killOnExit);

    let lastEmitMs = 0;
    let pending: ApiEvaluationProgress | null = null;
    let timer: NodeJS.Timeout | null = null;
    let lastDone = -1;
    const flush = () => {
      timer = null;
      if (pending && this.active === a) this.service?.emit(pending);
      pending = null;
      lastEmitMs = Date.now();
    };
    const publish = (ev: ApiEvaluationProgress) => {
      pending = ev;
      // Finished units always go out at once; epochs at most every intervalMs.
      if (ev.done !== lastDone || Date.now() - lastEmitMs >= this.intervalMs) {
        lastDone = ev.done;
        if (timer) clearTimeout(timer);
        flush();
      } else if (!timer) {
        timer = setTimeout(flush, this.intervalMs);
      }
    };

    createInterface({ input: child.stdout! }).on('line', (text) => {
      let line: Record<string, unknown>;
      try {
        line = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return;
      }
      if (line.type === 'progress') publish(progressEvent(id, line));
      else if (line.type === 'done') a.done = line as unknown as DoneLine;
    });
    createInterface({ input: child.stderr! }).on('line', (text) => {
      a.stderrTail.push(text);
      if (a.stderrTail.length > 40) a.stderrTail.shift();
      void writeFile(join(dir, LOG_FILE), `${text}\n`, { flag: 'a' }).catch(() => {});
      const m = /^data (\d+)(?:\/(\d+))?: (.*)$/.exec(text);
      if (m) {
        publish({
          kind: 'evaluation.progress', id, phase: 'data', fraction: 0, done: 0, total: 1, fold: null, folds: null, arch: null, epoch: null, epochs: null, validationCcc: null,
          elapsedSec: (Date.now() - spawnedMs) / 1000, etaSec: null, message: `loading data: ${m[2] !== undefined ? `${m[1]}/${m[2]}` : m[1]} ${m[3]}`,
        });
      }
    });

    let finished = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: Error) => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      process.off('exit', this.killOnExit);
      const s = a.status;
      s.finishedAt = this.now().toISOString();
      s.pid = null;
      if (a.done !== null) s.best = bestOf(a.done.summary ?? []);
      if (code === 0 && a.done !== null && !a.done.cancelled) {
        // Complete (a cancel that came after the last model changes nothing).
        s.status = 'done';
      } else if (a.cancelRequested || a.done?.cancelled === true) {
        s.status = 'cancelled';
      } else if (signal === 'SIGTERM' || signal === 'SIGKILL') {
        s.status = 'interrupted';
        s.error = `stopped by ${signal}`;
      } else {
        s.status = 'failed';
        const said = [...a.stderrTail].reverse().find((l) => /^himoe: /.test(l));
        s.error = spawnError?.message ?? said?.replace(/^himoe: (error )?/, '') ?? `himoe evaluate exited with ${signal ?? `code ${code}`}${a.stderrTail.length ? `: ${a.stderrTail[a.stderrTail.length - 1]}` : ''}`;
      }
      void (async () => {
        await this.persist(a);
        if (this.active === a) this.active = null;
        const run = await this.readRun(id).catch(() => null);
        if (run) this.service?.emit({ kind: 'evaluation.done', run });
        resolveExit();
      })();
    };
    child.on('error', (err) => finish(null, null, err));
    child.on('close', (code, signal) => finish(code, signal));
    return a;
  }

  async cancel(id: string, force: boolean): Promise<RequestResult<'evaluation.cancel'>> {
    const a = this.active;
    if (!a || a.id !== id) {
      const run = await this.readRun(id);
      throw new EngineError('NOT_RUNNING', run ? `evaluation ${id} is not running (${run.status})` : `no evaluation "${id}"`, { id });
    }
    a.cancelRequested = true;
    a.status.status = 'cancelling';
    a.child.kill(force ? 'SIGTERM' : 'SIGINT');
    return { id, status: 'cancelling' };
  }

  /** One run from its folder (null when the folder holds no request.json of ours). */
  private async readRun(id: string): Promise<ApiEvaluationRun | null> {
    const dir = this.runDir(id);
    let request: ApiEvaluationRequest;
    try {
      const parsed = evaluationRequestSchema.safeParse(await readJsonFile(join(dir, REQUEST_JSON), 1 << 20));
      if (!parsed.success) return null;
      request = parsed.data;
    } catch {
      return null;
    }
    const a = this.active?.id === id ? this.active : null;
    let s: StoredStatus | null = a?.status ?? null;
    if (s === null) {
      try {
        s = (await readJsonFile(join(dir, STATUS_JSON), 1 << 20)) as StoredStatus;
      } catch {
        s = { status: 'interrupted', startedAt: (await stat(dir)).mtime.toISOString(), finishedAt: null, pid: null, error: 'no status.json', best: null };
      }
    }
    let status = s.status;
    let error = s.error ?? null;
    let stillRunning = false;
    if (a === null && (status === 'running' || status === 'cancelling')) {
      // The workstation that ran it stopped (closed or crashed): interrupted, resumable.
      status = 'interrupted';
      if (s.pid !== null && s.pid !== undefined && processAlive(s.pid)) {
        stillRunning = true;
        error = `process ${s.pid} of the earlier run may still be running`;
      }
    }
    const results = await readdir(join(dir, 'runs')).then((names) => names.filter((n) => /^fold\d+-.*\.json$/.test(n)).length, () => 0);
    return {
      id,
      startedAt: s.startedAt,
      finishedAt: a ? null : (s.finishedAt ?? null),
      request,
      status,
      error,
      results,
      best: s.best ?? null,
      resumable: a === null && !stillRunning && (status === 'interrupted' || status === 'cancelled' || status === 'failed'),
    };
  }

  async list(): Promise<ApiEvaluationRun[]> {
    let names: string[];
    try {
      names = (await readdir(this.root, { withFileTypes: true })).filter((e) => e.isDirectory() && isValidId(e.name)).map((e) => e.name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const runs = (await Promise.all(names.map((n) => this.readRun(n)))).filter((r): r is ApiEvaluationRun => r !== null);
    return runs.sort((x, y) => y.startedAt.localeCompare(x.startedAt) || y.id.localeCompare(x.id));
  }

  async report(id: string): Promise<RequestResult<'evaluation.report'>> {
    const run = await this.readRun(id);
    const dir = this.runDir(id);
    if (run === null) throw new EngineError('NO_EVALUATION', `no evaluation "${id}" in ${this.root}`, { id });
    let raw: ReportJson;
    try {
      raw = (await readJsonFile(join(dir, 'report.json'), 256 << 20)) as ReportJson;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { run, report: null, plots: [], out: dir, models: await this.keptModels(dir) };
      throw new EngineError('BAD_REPORT', `${join(dir, 'report.json')}: ${(err as Error).message}`, { id }, { cause: err });
    }
    if (raw.format !== 'himoe-evaluation') throw new EngineError('BAD_REPORT', `${join(dir, 'report.json')}: format "${String(raw.format)}", expected himoe-evaluation`, { id });
    const plots: Array<{ name: string; svg: string }> = [];
    for (const name of raw.plots ?? []) {
      // Plot names come from the file: only plain SVG names inside the run folder are read.
      if (!/^[a-z0-9-]+\.svg$/.test(name)) continue;
      const path = join(dir, name);
      const size = await stat(path).then((s) => s.size, () => -1);
      if (size < 0 || size > 4 << 20) continue;
      plots.push({ name, svg: await readFile(path, 'utf8') });
    }
    const archs = raw.run.archs;
    return {
      run,
      out: dir,
      plots,
      models: await this.keptModels(dir),
      report: {
        createdAt: raw.createdAt,
        cancelled: raw.run.cancelled,
        elapsedSec: raw.run.elapsedSec,
        protocol: raw.run.fingerprint.protocol,
        data: raw.run.fingerprint.data,
        seed: raw.run.fingerprint.seed,
        outputs: raw.outputs,
        archs,
        summary: raw.summary,
        claims: raw.claims.map((c) => ({ claim: c.claim, passed: c.passed, verdict: claimVerdict(c), detail: c.detail })),
        folds: raw.run.folds
          .filter((f) => raw.run.results.some((r) => r.fold === f.index))
          .map((f) => ({ index: f.index, name: f.name, test: f.test, meanCcc: archs.map((arch) => raw.run.results.find((r) => r.fold === f.index && r.arch === arch)?.metrics.meanCcc ?? null) })),
      },
    };
  }

  /** The model folders a run kept (<run>/models/<name>/ with a manifest.json), in fold order. */
  private async keptModels(dir: string): Promise<RequestResult<'evaluation.report'>['models']> {
    let names: string[];
    try {
      names = (await readdir(join(dir, FOLD_MODELS_DIR), { withFileTypes: true })).filter((e) => e.isDirectory() && isValidId(e.name)).map((e) => e.name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const models: RequestResult<'evaluation.report'>['models'] = [];
    for (const name of names) {
      let manifest: { metrics?: { validation?: { mean_ccc?: unknown } } };
      try {
        manifest = (await readJsonFile(join(dir, FOLD_MODELS_DIR, name, 'manifest.json'), 16 << 20)) as typeof manifest;
      } catch {
        continue; // being written, or not a model folder
      }
      const parsed = parseFoldModelName(name);
      models.push({ name, fold: parsed?.fold ?? null, member: parsed?.member ?? name, validationMeanCcc: num(manifest.metrics?.validation?.mean_ccc) });
    }
    return models.sort((a, b) => (a.fold ?? 0) - (b.fold ?? 0) || a.name.localeCompare(b.name));
  }

  /**
   * Copy a kept model into <workspace>/models/<name>/ (through a temporary folder, so a model
   * folder is never seen half copied); an existing model is never replaced.
   */
  async adoptModel(id: string, model: string, name?: string): Promise<RequestResult<'evaluation.adoptModel'>> {
    const dir = this.runDir(id);
    if (!isValidId(model)) throw new EngineError('NO_MODEL', `"${model}" is not a model folder name`, { model });
    const from = join(dir, FOLD_MODELS_DIR, model);
    if (!existsSync(join(from, 'manifest.json'))) {
      throw new EngineError('NO_MODEL', `evaluation ${id} kept no model "${model}" (${from} has no manifest.json); run it with "keep models" to keep its models`, { id, model });
    }
    const target = name ?? `${id}-${model}`;
    if (!isValidId(target)) throw new EngineError('BAD_MODEL_NAME', `model name "${target}" is not a folder name (letters, digits, '.', '_', '-')`, { name: target });
    const models = join(this.opts.workspace, MODELS_DIR);
    const to = join(models, target);
    if (existsSync(to)) throw new EngineError('MODEL_EXISTS', `${to} exists; choose another name (a model is never replaced)`, { name: target });
    await mkdir(models, { recursive: true });
    const tmp = join(models, `.${target}.${process.pid}.tmp`);
    await rm(tmp, { recursive: true, force: true });
    await cp(from, tmp, { recursive: true, errorOnExist: true, force: false });
    try {
      await rename(tmp, to);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new EngineError('MODEL_EXISTS', `${to} exists; choose another name (a model is never replaced)`, { name: target }, { cause: err });
      throw err;
    }
    return { name: target, path: to };
  }
}

/** The parts of report.json (model/evaluate/report.ts) the view shows. */
interface ReportJson {
  format: string;
  createdAt: string;
  outputs: string[];
  summary: ApiEvaluationArchSummary[];
  claims: Array<{ claim: string; passed: boolean; detail: string; paired?: { ci95: [number, number] } }>;
  plots?: string[];
  run: {
    fingerprint: { data: string; protocol: string; seed: number };
    archs: string[];
    cancelled: boolean;
    elapsedSec: number;
    folds: Array<{ index: number; name: string; test: number }>;
    results: Array<{ fold: number; arch: string; metrics: { meanCcc: number | null } }>;
  };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The request handlers over a workspace (see EvaluationRunner for the shutdown hook). */
export function evaluationHandlers(opts: EvaluationHandlersOptions): RequestHandlers {
  return new EvaluationRunner(opts).handlers();
}
