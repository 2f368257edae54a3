// Writes a dataset (DEAP, DREAMER) into a workspace as sessions, one per subject:
// sessions/<id>/recording.xdf (one stream per modality plus a MARKER stream) and session.json.
// Trials are laid end to end on the session timeline: baseline, stimulus, then a gap; markers
// at each onset carry the trial number and its ratings. Used by `himoe import deap|dreamer`.

import { mkdir, rm, stat } from 'node:fs/promises';
import type { StreamInfo } from '../../core/streams/types.js';
import { XdfWriter } from '../xdf/xdf-writer.js';
import { recordingPath, sessionDir, writeSessionMeta, type SessionMeta } from '../workspace.js';
import { DatasetError } from './dataset-error.js';
import type { DatasetModality, DatasetName, DatasetSubject, DatasetTrial, EmotionDataset, SignalBlock, TrialQuery } from './types.js';

/** Silence between two trials on the session timeline (a visible gap: the trials were not contiguous). */
export const TRIAL_GAP_SEC = 2;
/** Silence between a baseline and its stimulus when they are separate recordings (DREAMER). */
export const BASELINE_GAP_SEC = 1;
/** Samples per XDF Samples chunk. */
const CHUNK_SAMPLES = 1024;

const PROTOCOLS: Record<DatasetName, string> = {
  DEAP: 'DEAP: one-minute music-video excerpts, each after a 3 s baseline; valence, arousal, dominance, liking rated 1-9',
  DREAMER: 'DREAMER: film clips, each after a neutral baseline clip; valence, arousal, dominance rated 1-5',
};

export interface ImportWorkspaceOptions extends TrialQuery {
  /** Replace sessions that already exist (default: refuse with SESSION_EXISTS). */
  overwrite?: boolean;
  /** Called after each subject's session is complete. */
  onSession?: (s: ImportedSession) => void;
}

export interface ImportedSession {
  id: string;
  subject: string;
  dir: string;
  trials: number;
  durationSec: number;
  streams: SessionMeta['streams'];
}

/** Markers: "baseline_start trial=N", "trial_start trial=N valence=... scale=1-9", "trial_end trial=N". */
export function trialStartMarker(trial: DatasetTrial): string {
  const parts = [`trial_start trial=${trial.trialIndex + 1}`];
  let scale = '';
  for (const [dim, r] of Object.entries(trial.ratings)) {
    parts.push(`${dim}=${Number(r.value.toFixed(4))}`);
    scale = `${r.scale.min}-${r.scale.max}`;
  }
  if (scale) parts.push(`scale=${scale}`);
  return parts.join(' ');
}

class SubjectSession {
  private readonly streamIds = new Map<DatasetModality, number>();
  private readonly metaStreams: SessionMeta['streams'] = [];
  private markerId = 0;
  private cursorSec = 0;
  trials = 0;

  private constructor(
    readonly ws: string,
    readonly dataset: DatasetName,
    readonly subject: DatasetSubject,
    private readonly writer: XdfWriter,
  ) {}

  static async open(ws: string, dataset: DatasetName, subject: DatasetSubject, overwrite: boolean): Promise<SubjectSession> {
    const dir = sessionDir(ws, subject.id);
    const exists = await stat(dir).then(
      () => true,
      () => false,
    );
    if (exists) {
      if (!overwrite) {
        throw new DatasetError('SESSION_EXISTS', `${dir}: session "${subject.id}" already exists; pass --overwrite to replace it`, { dir });
      }
      await rm(dir, { recursive: true, force: true });
    }
    await mkdir(dir, { recursive: true });
    const writer = await XdfWriter.create(recordingPath(ws, subject.id), {
      fileHeaderFields: { subject: subject.id, dataset, source_file: subject.file },
    });
    return new SubjectSession(ws, dataset, subject, writer);
  }

  private ensureStreams(blocks: readonly SignalBlock[]): void {
    const src = this.dataset.toLowerCase();
    if (this.markerId === 0) {
      const info: StreamInfo = {
        id: `${src}:markers`,
        name: `${this.dataset} trials`,
        type: 'MARKER',
        channels: [{ label: 'marker', unit: '' }],
        channelFormat: 'string',
        nominalRateHz: 0,
        sourceId: src,
      };
      this.markerId = this.writer.addStream(info);
      this.metaStreams.push({ id: info.id, name: info.name, type: info.type, channelCount: 1, nominalRateHz: 0 });
    }
    for (const b of blocks) {
      if (this.streamIds.has(b.modality)) continue;
      const info: StreamInfo = {
        id: `${src}:${b.modality.toLowerCase()}`,
        name: `${this.dataset} ${b.modality}`,
        type: b.modality,
        channels: b.channels,
        channelFormat: 'float32',
        nominalRateHz: b.rateHz,
        sourceId: src,
        desc: { dataset: this.dataset },
      };
      this.streamIds.set(b.modality, this.writer.addStream(info));
      this.metaStreams.push({ id: info.id, name: info.name, type: info.type, channelCount: b.channels.length, nominalRateHz: b.rateHz });
    }
  }

  private marker(tSec: number, text: string): void {
    this.writer.appendSamples(this.markerId, Float64Array.of(tSec), [text]);
  }

  /** Writes the blocks starting at t0; returns the longest block's duration. */
  private writeBlocks(blocks: readonly SignalBlock[], t0: number): number {
    let durSec = 0;
    for (const b of blocks) {
      const id = this.streamIds.get(b.modality)!;
      const ch = b.channels.length;
      const ts = new Float64Array(Math.min(CHUNK_SAMPLES, b.sampleCount));
      for (let first = 0; first < b.sampleCount; first += CHUNK_SAMPLES) {
        const n = Math.min(CHUNK_SAMPLES, b.sampleCount - first);
        const t = n === ts.length ? ts : ts.subarray(0, n);
        for (let i = 0; i < n; i++) t[i] = t0 + (first + i) / b.rateHz;
        this.writer.appendSamples(id, t, b.values.subarray(first * ch, (first + n) * ch));
      }
      durSec = Math.max(durSec, b.sampleCount / b.rateHz);
    }
    return durSec;
  }

  async addTrial(trial: DatasetTrial): Promise<void> {
    this.ensureStreams([...trial.baseline, ...trial.signals]);
    const n = trial.trialIndex + 1;
    if (trial.baseline.length > 0) {
      this.marker(this.cursorSec, `baseline_start trial=${n}`);
      this.cursorSec += this.writeBlocks(trial.baseline, this.cursorSec);
      if (!trial.baselineContiguous) this.cursorSec += BASELINE_GAP_SEC;
    }
    this.marker(this.cursorSec, trialStartMarker(trial));
    this.cursorSec += this.writeBlocks(trial.signals, this.cursorSec);
    this.marker(this.cursorSec, `trial_end trial=${n}`);
    this.cursorSec += TRIAL_GAP_SEC;
    this.trials++;
    await this.writer.flush();
  }

  async finish(): Promise<ImportedSession> {
    await this.writer.close();
    const id = this.subject.id;
    const meta: SessionMeta = {
      id,
      subject: id,
      createdAt: new Date().toISOString(),
      protocol: PROTOCOLS[this.dataset],
      source: { kind: 'import', dataset: this.dataset, file: this.subject.file },
      streams: this.metaStreams,
      notes:
        `Imported from ${this.dataset} (${this.subject.file}), ${this.trials} trials. Markers: "baseline_start trial=N", ` +
        '"trial_start trial=N <rating>=<value> ... scale=min-max" at stimulus onset, "trial_end trial=N".',
    };
    await writeSessionMeta(this.ws, meta);
    return { id, subject: id, dir: sessionDir(this.ws, id), trials: this.trials, durationSec: Math.max(0, this.cursorSec - TRIAL_GAP_SEC), streams: meta.streams };
  }

  /** Closes and removes the half-written session, so no incomplete import is left to index. */
  async abort(): Promise<void> {
    await this.writer.close().catch(() => {});
    await rm(sessionDir(this.ws, this.subject.id), { recursive: true, force: true }).catch(() => {});
  }
}

/** Streams `dataset` into `ws`, one session per subject; resolves to the sessions written. */
export async function importDatasetToWorkspace(dataset: EmotionDataset, ws: string, opts: ImportWorkspaceOptions = {}): Promise<ImportedSession[]> {
  const done: ImportedSession[] = [];
  let current: SubjectSession | null = null;
  try {
    for await (const trial of dataset.trials(opts.subjects ? { subjects: opts.subjects } : {})) {
      if (!current || current.subject.id !== trial.subject.id) {
        if (current) {
          const s = await current.finish();
          done.push(s);
          opts.onSession?.(s);
        }
        current = await SubjectSession.open(ws, dataset.name, trial.subject, opts.overwrite ?? false);
      }
      await current.addTrial(trial);
      if (trial.trialIndex + 1 === trial.trialCount) {
        // The subject is complete: close its session now, so a later failure cannot take it with it.
        const s = await current.finish();
        current = null;
        done.push(s);
        opts.onSession?.(s);
      }
    }
    if (current) {
      const s = await current.finish();
      current = null;
      done.push(s);
      opts.onSession?.(s);
    }
  } catch (err) {
    await current?.abort();
    throw err;
  }
  return done;
}
