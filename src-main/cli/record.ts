// `himoe record`: run a session from the command line and record it to XDF. The synthetic
// source is the embedded default; device sources join here as they land.

import { statSync } from 'node:fs';
import { SyntheticSession, type SyntheticConfig } from '../acquisition/synthetic/synthetic-session.js';
import { SessionEngine, type SessionMetadata } from '../engine/session-engine.js';
import { CliError } from './errors.js';
import { ProgressReporter, type ProgressSink } from './progress.js';

export const MODALITIES = ['EEG', 'ECG', 'EDA', 'PPG', 'RESP'] as const;
export type CliModality = (typeof MODALITIES)[number];

export interface RecordOptions {
  source: string;
  modalities: string;
  seed: string;
  duration?: string;
  realtime?: boolean;
  out: string;
  subject?: string;
  notes?: string;
  json?: boolean;
}

export interface RecordResult {
  path: string;
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

export async function runRecord(opts: RecordOptions, stderr: ProgressSink, signal?: AbortSignal): Promise<RecordResult> {
  if (opts.source !== 'synthetic') {
    throw new CliError('BAD_SOURCE', `--source: "${opts.source}" is not available; expected "synthetic" (device sources arrive with the devices work)`);
  }
  const modalities = parseModalities(opts.modalities);
  const seed = parseNumberFlag('--seed', opts.seed, { min: 0, integer: true });
  const durationSec = opts.duration === undefined ? undefined : parseNumberFlag('--duration', opts.duration, { min: 0.1 });
  if (durationSec === undefined && !opts.realtime) {
    throw new CliError('BAD_FLAG', '--duration SEC is required unless --realtime is given (a fast run needs an end)');
  }
  const config: SyntheticConfig = { seed, modalities, durationSec, pacing: opts.realtime ? 'realtime' : 'fast' };
  const session = new SyntheticSession(config);
  const engine = new SessionEngine({ clock: session.clock });
  for (const source of session.sources) engine.addSource(source);

  const problems: string[] = [];
  engine.subscribe((event) => {
    if (event.kind === 'sourceError') problems.push(`${event.sourceId}: ${event.error.message}`);
    if (event.kind === 'recorderError') problems.push(`recorder: ${event.error.message}`);
  });

  const metadata: SessionMetadata = { subject: opts.subject, notes: opts.notes, source: 'synthetic', seed: String(seed) };
  const progress = new ProgressReporter(stderr, 'recording', durationSec ?? 0, 's');
  const wallStart = performance.now();
  await engine.start({ recordPath: opts.out, metadata });
  const timer = setInterval(() => {
    const wall = (performance.now() - wallStart) / 1000;
    const t = engine.elapsedSec;
    progress.update(t, wall > 0 ? `${(t / wall).toFixed(0)}x real time` : '');
  }, 200);
  try {
    await new Promise<void>((resolve) => {
      void session.done.then(resolve);
      if (signal) {
        if (signal.aborted) resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
      }
    });
  } finally {
    clearInterval(timer);
    await engine.release();
  }
  const wallSec = (performance.now() - wallStart) / 1000;
  const recorded = new Map(engine.recordStats().map((r) => [r.streamId, r.sampleCount]));
  const stats = engine.stats();
  const elapsed = Math.max(...stats.map((s) => s.lastTimeSec).filter(Number.isFinite), 0);
  const wallNow = (performance.now() - wallStart) / 1000;
  progress.update(engine.elapsedSec, `${(engine.elapsedSec / wallNow).toFixed(0)}x real time`);
  progress.finish();
  if (problems.length > 0) for (const p of problems) stderr.write(`warning: ${p}\n`);
  return {
    path: opts.out,
    durationSec: durationSec ?? elapsed,
    wallSec,
    xRealTime: (durationSec ?? elapsed) / wallSec,
    bytes: statSync(opts.out).size,
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
