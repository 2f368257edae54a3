// Reads one session folder (session.json + recording.xdf) into the rows the library index
// holds: session summary, streams, markers (MARKER streams) and annotation sets (ANNOTATION
// streams of the recording and of the post-hoc files sessions/<id>/annotations/*.xdf, described
// as core/annotation reads them: rater_id, device, pass_id in <desc>, one channel per dimension). The folder is the truth; this is the
// only place that turns it into index rows, used by indexSession and rebuild alike.

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describeAnnotationStream } from '../../core/annotation/trace.js';
import { readXdf, XdfError, type XdfFile, type XdfStream } from '../xdf/index.js';
import { listAnnotationFiles, readSessionMeta, RECORDING_FILE, sessionDir, SESSIONS_DIR, type SessionMeta } from '../workspace.js';
import { isRecordingLive } from './recording-lock.js';

export type SessionStatus = 'recording' | 'complete' | 'truncated';

export interface StreamRow {
  xdfStreamId: number;
  name: string;
  type: string;
  channelFormat: string;
  sourceId: string;
  channelCount: number;
  nominalRateHz: number;
  sampleCount: number;
  /** Recording clock seconds (clock-synchronised as the XDF reader does); null without samples. */
  firstTimeSec: number | null;
  lastTimeSec: number | null;
}

export interface MarkerRow {
  xdfStreamId: number;
  timeSec: number;
  label: string;
}

/** One rater's trace of one dimension: a channel of an ANNOTATION stream. */
export interface AnnotationSetRow {
  raterId: string;
  dimension: string;
  /** Repeated passes of one rater in one session differ here; null for a single pass. */
  passId: string | null;
  /** Input device (joystick, slider, ...), 'unknown' when the stream does not say. */
  device: string;
  xdfStreamId: number;
  channelIndex: number;
  sampleCount: number;
  /** null: in recording.xdf; else the post-hoc annotation file, relative to the session folder ("annotations/R01-ph1.xdf"). */
  file: string | null;
}

export interface ScannedSession {
  meta: SessionMeta;
  /** Folder relative to the workspace, with '/' separators. */
  path: string;
  status: SessionStatus;
  durationSec: number | null;
  streams: StreamRow[];
  markers: MarkerRow[];
  annotationSets: AnnotationSetRow[];
  warnings: string[];
}

/**
 * Scans sessions/<id>. A broken session.json throws (WorkspaceError BAD_SESSION_META, naming the
 * file); a missing, unfinished or damaged XDF never does: it gives status 'recording' while a
 * live recorder owns the folder, 'truncated' otherwise, and what could be read.
 */
export async function scanSession(ws: string, id: string): Promise<ScannedSession> {
  const meta = await readSessionMeta(ws, id);
  const folder = sessionDir(ws, id);
  const xdfPath = join(folder, RECORDING_FILE);
  const live = await isRecordingLive(folder);
  const warnings: string[] = [];
  const base: ScannedSession = {
    meta,
    path: `${SESSIONS_DIR}/${id}`,
    status: live ? 'recording' : 'truncated',
    durationSec: null,
    streams: [],
    markers: [],
    annotationSets: [],
    warnings,
  };
  // Post-hoc annotation passes sit beside the recording in their own files (never inside it).
  await collectPostHocAnnotationSets(folder, await listAnnotationFiles(folder), base.annotationSets, warnings);
  const exists = await stat(xdfPath).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!exists) {
    if (!live) warnings.push(`${xdfPath}: missing; session ${id} indexed without streams`);
    return base;
  }
  let xdf: XdfFile;
  try {
    // Clock sync puts every stream on the recording clock; dejittering is not needed for an index.
    xdf = await readXdf(xdfPath, { dejitter: false });
  } catch (err) {
    if (!(err instanceof XdfError)) throw err;
    if (!live) warnings.push(`${xdfPath}: unreadable (${err.message}); session ${id} indexed as truncated without streams — try \`himoe repair\``);
    return base;
  }
  const unfinished = xdf.truncatedAt !== null || xdf.streams.some((s) => s.footer === null);
  if (unfinished && !live) {
    warnings.push(`${xdfPath}: ${xdf.truncatedAt !== null ? `cut at byte ${xdf.truncatedAt}` : 'no stream footers'} and no recorder is running; indexed as truncated (\`himoe repair\` completes it)`);
  }
  base.status = live ? 'recording' : unfinished ? 'truncated' : 'complete';
  let first = Infinity;
  let last = -Infinity;
  for (const s of xdf.streams) {
    const n = s.timestamps.length;
    base.streams.push({
      xdfStreamId: s.id,
      name: s.info.name,
      type: String(s.info.type),
      channelFormat: s.channelFormat,
      sourceId: s.info.sourceId,
      channelCount: s.channelCount,
      nominalRateHz: s.nominalRateHz,
      sampleCount: n,
      firstTimeSec: n > 0 ? s.timestamps[0]! : null,
      lastTimeSec: n > 0 ? s.timestamps[n - 1]! : null,
    });
    if (n > 0) {
      first = Math.min(first, s.timestamps[0]!);
      last = Math.max(last, s.timestamps[n - 1]!);
    }
    if (s.info.type === 'MARKER') collectMarkers(s, base.markers);
    if (s.info.type === 'ANNOTATION') collectAnnotationSets(s, base.annotationSets, null);
  }
  base.durationSec = last >= first ? last - first : null;
  return base;
}

function collectMarkers(s: XdfStream, out: MarkerRow[]): void {
  const n = s.timestamps.length;
  const c = s.channelCount;
  const values = s.timeSeries;
  for (let i = 0; i < n; i++) {
    let label: string;
    if (Array.isArray(values)) {
      label = c === 1 ? values[i]! : values.slice(i * c, (i + 1) * c).join('|');
    } else {
      label = String(values[i * c]);
    }
    out.push({ xdfStreamId: s.id, timeSec: s.timestamps[i]!, label });
  }
}

/** An ANNOTATION stream is one rater's pass with one channel per dimension. */
function collectAnnotationSets(s: XdfStream, out: AnnotationSetRow[], file: string | null): void {
  const d = describeAnnotationStream(s.info);
  if (!d) return;
  d.dimensions.forEach((dimension, channelIndex) => {
    out.push({
      raterId: d.raterId,
      dimension: dimension || `channel${channelIndex + 1}`,
      passId: d.passId ?? null,
      device: d.device,
      xdfStreamId: s.id,
      channelIndex,
      sampleCount: s.timestamps.length,
      file,
    });
  });
}

/** Annotation sets of the post-hoc files (relative to `folder`); an unreadable file is a warning, never a failure. */
async function collectPostHocAnnotationSets(folder: string, files: readonly string[], out: AnnotationSetRow[], warnings: string[]): Promise<void> {
  for (const file of files) {
    const path = join(folder, file);
    try {
      const xdf = await readXdf(path, { dejitter: false });
      for (const s of xdf.streams) if (s.info.type === 'ANNOTATION') collectAnnotationSets(s, out, file);
    } catch (err) {
      if (!(err instanceof XdfError)) throw err;
      warnings.push(`${path}: unreadable post-hoc annotation file (${err.message}); its passes are not indexed`);
    }
  }
}
