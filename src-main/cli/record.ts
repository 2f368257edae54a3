// `himoe record`: run a session from the command line and record it to XDF, either to a file
// (--out) or into a workspace (--workspace: sessions/<id>/ with session.json, indexed in the
// library at start as 'recording' and at the end as 'complete'). Sources come from repeatable
// --source specs (synthetic by default; serial devices, BrainFlow boards, playback), all in one XDF.

import { statSync } from 'node:fs';
import { createSourceSet, parseSourceSpec, type SourceSet, type SourceSpec } from '../acquisition/source-spec.js';
import { SessionEngine, type SessionMetadata } from '../engine/session-engine.js';
import { getDeviceProfile } from '../storage/device-profiles.js';
import { openSessionRecording, type NewSessionInit } from '../storage/library/index.js';
import { CliError } from './errors.js';
import { ProgressReporter, type ProgressSink } from './progress.js';

export const MODALITIES = ['EEG', 'ECG', 'EDA', 'PPG', 'RESP'] as const;
export type CliModality = (typeof MODALITIES)[number];

export interface RecordOptions {
  /** One spec or several (repeatable --source); empty or missing = synthetic. */
  source?: string | string[];
  modalities: string;
  seed: string;
  duration?: string;
  realtime?: boolean;
  /** Exactly one of out / workspace. */
  out?: string;
  workspace?: string;
  subject?: string;
  notes?: string;
  json?: boolean;
}

export interface RecordResult {
  path: string;
  /** The workspace session id (with --workspace). */
  sessionId?: string;
  durationSec: number;
  wallSec: number;
  xRealTime: number;
  bytes: number;
  streams: Array<{ id: string; name: string; type: string; samples: number; lost: number; gaps: number }>;
}

export function parseModalities(text: string): CliModality[] {
  const list = text
    .split(',')
    .map((s) => s.trim().toUpperCase())
    .filter((s) => s.length > 0);
  if (list.length === 0) throw new CliError('BAD_MODALITIES', '--modalities is empty; expected a comma list of eeg,ecg,eda,ppg,resp');
  for (const m of list) {
    if (!(MODALITIES as readonly string[]).includes(m)) {
      throw new CliError('BAD_MODALITIES', `--modalities: unknown modality "${m.toLowerCase()}"; expected some of eeg,ecg,eda,ppg,resp`);
    }
  }
  return [...new Set(list)] as CliModality[];
}

export function parseNumberFlag(flag: string, text: string, { min, integer }: { min: number; integer?: boolean }): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || (integer && !Number.isInteger(value)) || value < min) {
    throw new CliError('BAD_FLAG', `${flag}: "${text}" is not ${integer ? 'an integer' : 'a number'} >= ${min}`);
  }
  return value;
}

/** The --source values as specs; a bare `synthetic` takes its modalities from --modalities. */
export function parseSourceFlags(source: string | string[] | undefined, modalities: CliModality[]): SourceSpec[] {
  const texts = source === undefined ? [] : Array.isArray(source) ? source : [source];
  const specs = (texts.length === 0 ? ['synthetic'] : texts).map((t) => parseSourceSpec(t));
  return specs.map((s) => (s.kind === 'synthetic' && s.modalities === null ? { ...s, modalities } : s));
}

/** Replaces `@NAME` sources by the workspace's device profile NAME (`himoe devices add`). */
export async function expandProfiles(source: string | string[] | undefined, workspace: string | undefined): Promise<string[]> {
  const texts = source === undefined ? [] : Array.isArray(source) ? source : [source];
  const out: string[] = [];
  for (const t of texts) {
    if (!t.startsWith('@')) {
      out.push(t);
      continue;
    }
    if (workspace === undefined) throw new CliError('BAD_FLAG', `--source ${t}: device profiles live in a workspace; add --workspace DIR`);
    out.push((await getDeviceProfile(workspace, t.slice(1))).source);
  }
  return out;
}

export async function runRecord(opts: RecordOptions, stderr: ProgressSink, signal?: AbortSignal): Promise<RecordResult> {
  if ((opts.out === undefined) === (opts.workspace === undefined)) {
    throw new CliError('BAD_FLAG', 'give exactly one of --out FILE.xdf (a single file) or --workspace DIR (a session in a workspace)');
  }
  const modalities = parseModalities(opts.modalities);
  const seed = parseNumberFlag('--seed', opts.seed, { min: 0, integer: true });
  const durationSec = opts.duration === undefined ? undefined : parseNumberFlag('--duration', opts.duration, { min: 0.1 });
  const specs = parseSourceFlags(await expandProfiles(opts.source, opts.workspace), modalities);
  const onlyPlayback = specs.length === 1 && specs[0].kind === 'playback';
  if (durationSec === undefined && !opts.realtime && !onlyPlayback) {
    throw new CliError('BAD_FLAG', '--duration SEC is required unless --realtime is given (a fast run needs an end)');
  }
  const set = await createSourceSet(specs, { seed, durationSec, realtime: opts.realtime });
  const engine = new SessionEngine({ clock: set.clock });
  for (const source of set.sources) engine.addSource(source);

  const problems: string[] = [];
  // A recorder that cannot write (disk full, drive gone) ends the session at once: recording on
  // into nothing until --duration (or forever with --realtime) would hide the failure.
  let onRecorderFailed: () => void = () => {};
  const recorderFailed = new Promise<void>((resolve) => (onRecorderFailed = resolve));
  engine.subscribe((event) => {
    if (event.kind === 'sourceError') problems.push(`${event.sourceId}: ${event.error.message}`);
    if (event.kind === 'recorderError') {
      problems.push(`recorder: ${event.error.message}`);
      onRecorderFailed();
    }
    // A device lost or back is news while recording, not only in the summary.
    if (event.kind === 'sourceState' && (event.state === 'disconnected' || event.detail?.startsWith('reconnected'))) {
      stderr.write(`${event.sourceId}: ${event.state}${event.detail ? ` (${event.detail})` : ''}\n`);
    }
  });

  const onlySynthetic = specs.every((s) => s.kind === 'synthetic');
  const metadata: SessionMetadata = {
    subject: opts.subject,
    notes: opts.notes,
    source: onlySynthetic ? 'synthetic' : specs.map((s) => s.text).join(' '),
    ...(set.synthetic ? { seed: String(seed) } : {}),
  };
  const target =
    opts.workspace === undefined
      ? null
      : await openSessionRecording(opts.workspace, workspaceSessionInit(opts, set, specs, seed, modalities), (line) => stderr.write(`warning: ${line}\n`));
  const recordPath = target?.xdfPath ?? opts.out!;
  if (target) metadata.session = target.meta.id;
  const progress = new ProgressReporter(stderr, 'recording', durationSec ?? 0, 's');
  const wallStart = performance.now();
  try {
    await engine.start({ recordPath, metadata });
  } catch (err) {
    await target?.finish();
    throw err;
  }
  await target?.index();
  const timer = setInterval(() => {
    const wall = (performance.now() - wallStart) / 1000;
    const t = engine.elapsedSec;
    progress.update(t, wall > 0 ? `${(t / wall).toFixed(0)}x real time` : '');
  }, 200);
  // Session seconds recorded (the session clock may be virtual or absolute host time).
  let sessionSec = 0;
  try {
    await new Promise<void>((resolve) => {
      void recorderFailed.then(resolve);
      // Finite sources end the session themselves; live devices end at --duration (host time).
      if (set.finished) void set.finished.then(resolve);
      else if (durationSec !== undefined) {
        const end = setTimeout(resolve, durationSec * 1000);
        signal?.addEventListener('abort', () => clearTimeout(end), { once: true });
        void recorderFailed.then(() => clearTimeout(end));
      }
      if (signal) {
        if (signal.aborted) resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
      }
    });
    sessionSec = engine.elapsedSec;
  } finally {
    clearInterval(timer);
    try {
      await engine.release();
    } finally {
      await target?.finish();
    }
  }
  const wallSec = (performance.now() - wallStart) / 1000;
  const recorded = new Map(engine.recordStats().map((r) => [r.streamId, r.sampleCount]));
  const stats = engine.stats();
  const elapsed = sessionSec;
  const wallNow = (performance.now() - wallStart) / 1000;
  progress.update(engine.elapsedSec, `${(engine.elapsedSec / wallNow).toFixed(0)}x real time`);
  progress.finish();
  if (problems.length > 0) for (const p of problems) stderr.write(`warning: ${p}\n`);
  return {
    path: recordPath,
    ...(target ? { sessionId: target.meta.id } : {}),
    durationSec: durationSec ?? elapsed,
    wallSec,
    xRealTime: (durationSec ?? elapsed) / wallSec,
    bytes: statSync(recordPath).size,
    streams: stats.map((s) => ({
      id: s.info.id,
      name: s.info.name,
      type: s.info.type,
      samples: recorded.get(s.info.id) ?? 0,
      lost: s.lostSamples,
      gaps: s.gaps,
    })),
  };
}

/** What session.json says about this recording's sources and streams. */
function workspaceSessionInit(opts: RecordOptions, set: SourceSet, specs: SourceSpec[], seed: number, modalities: CliModality[]): NewSessionInit {
  const onlySynthetic = specs.every((s) => s.kind === 'synthetic');
  return {
    subject: opts.subject ?? null,
    protocol: onlySynthetic ? 'synthetic' : 'devices',
    source: onlySynthetic ? { kind: 'synthetic', seed, modalities } : { kind: 'device', sources: specs.map((s) => s.text), seed },
    streams: set.sources.flatMap((src) =>
      src.streams.map((info) => ({ id: info.id, name: info.name, type: String(info.type), channelCount: info.channels.length, nominalRateHz: info.nominalRateHz })),
    ),
    notes: opts.notes,
  };
}
