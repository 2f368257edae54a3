// Post-hoc annotation of a recorded workspace session (Annotate view, "recorded session"): the
// replay requests open a session (span, markers, a decimated overview, media, passes), register
// stimulus media inside the workspace (sessions/<id>/media.json), and record a rater's pass
// stamped with the playback cursor's session time as one ANNOTATION stream in its own XDF,
// sessions/<id>/annotations/<rater>-ph<k>.xdf. recording.xdf is only read, never written.

import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { z } from 'zod';
import type { ApiReplayMedia } from '../api/requests-replay.js';
import { annotationStreamInfo, ANNOTATION_SCALE, describeAnnotationStream } from '../core/annotation/trace.js';
import { HimoeError } from '../core/errors.js';
import { isRecordingLive } from '../storage/library/recording-lock.js';
import { Library } from '../storage/library/library.js';
import {
  ANNOTATIONS_DIR,
  isValidId,
  MEDIA_DIR,
  postHocAnnotationFiles,
  readSessionMeta,
  recordingPath,
  resolveInsideWorkspace,
  sessionDir,
  SESSION_MEDIA_FILE,
  SESSIONS_DIR,
} from '../storage/workspace.js';
import { readXdf, XdfWriter, type XdfFile, type XdfStream } from '../storage/xdf/index.js';
import { EngineError } from './errors.js';
import { MediaTickets, mediaTypeOf } from './media-serving.js';
import type { RequestHandlers } from './workstation-service.js';

export interface ReplayHandlerOptions {
  /** The workspace folder (absolute). */
  workspace: string;
  /** Shared with the transport that serves 'media/<ticket>' URLs. */
  tickets: MediaTickets;
  /** Samples this far outside the recording's span are refused (default 1 s). */
  spanToleranceSec?: number;
}

/** The overview rows shown at most (the first numeric streams of the recording). */
const MAX_OVERVIEW_STREAMS = 12;

const mediaFileSchema = z.object({
  media: z.array(z.object({ mediaId: z.string(), path: z.string(), offsetSec: z.number(), addedAt: z.string() })),
});
type MediaEntry = z.infer<typeof mediaFileSchema>['media'][number];

interface OpenPass {
  writer: XdfWriter;
  xdfStreamId: number;
  sessionId: string;
  raterId: string;
  passId: string;
  file: string;
  dimensions: number;
  startSec: number;
  endSec: number;
  lastTSec: number;
  firstTSec: number | null;
  samples: number;
}

function checkId(id: string): void {
  if (!isValidId(id)) throw new EngineError('BAD_SESSION_ID', `session id "${id}" is not a workspace session id (letters, digits, ".", "_", "-")`, { id });
}

function isNumeric(s: XdfStream): boolean {
  return !Array.isArray(s.timeSeries) && !(s.timeSeries instanceof BigInt64Array);
}

/** First and last sample over every stream of the recording (session clock). */
function spanOf(xdf: XdfFile): { startSec: number; endSec: number } | null {
  let first = Infinity;
  let last = -Infinity;
  for (const s of xdf.streams) {
    const n = s.timestamps.length;
    if (n === 0) continue;
    first = Math.min(first, s.timestamps[0]!);
    last = Math.max(last, s.timestamps[n - 1]!);
  }
  return last >= first ? { startSec: first, endSec: last } : null;
}

/** Min/max of channel 0 per bin of [startSec, endSec] (null where a bin has no sample). */
function overviewOf(s: XdfStream, startSec: number, endSec: number, columns: number): { min: Array<number | null>; max: Array<number | null> } {
  const min: Array<number | null> = new Array<number | null>(columns).fill(null);
  const max: Array<number | null> = new Array<number | null>(columns).fill(null);
  const series = s.timeSeries as ArrayLike<number>;
  const c = s.channelCount;
  const scale = columns / Math.max(endSec - startSec, 1e-9);
  for (let i = 0; i < s.timestamps.length; i++) {
    const v = series[i * c];
    if (!Number.isFinite(v)) continue;
    const b = Math.min(columns - 1, Math.max(0, Math.floor((s.timestamps[i]! - startSec) * scale)));
    const lo = min[b];
    const hi = max[b];
    if (lo === null || v < lo) min[b] = v;
    if (hi === null || v > hi) max[b] = v;
  }
  return { min, max };
}

function markerLabel(s: XdfStream, i: number): string {
  const c = s.channelCount;
  const values = s.timeSeries;
  if (Array.isArray(values)) return c === 1 ? values[i]! : values.slice(i * c, (i + 1) * c).join('|');
  return String((values as ArrayLike<number | bigint>)[i * c]);
}

function passesOf(xdf: XdfFile, file: string | null): Array<{ raterId: string; passId: string | null; file: string | null; dimensions: string[]; device: string; samples: number }> {
  return xdf.streams.flatMap((s) => {
    const d = describeAnnotationStream(s.info);
    return d ? [{ raterId: d.raterId, passId: d.passId ?? null, file, dimensions: d.dimensions, device: d.device, samples: s.timestamps.length }] : [];
  });
}

/** Media files (by extension) under `dir`, at most `depth` folders deep, relative to the workspace. */
async function mediaFilesUnder(ws: string, dir: string, depth: number, out: Array<{ path: string; kind: 'audio' | 'video'; bytes: number }>): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const abs = join(dir, e.name);
    if (e.isDirectory() && depth > 0 && e.name !== ANNOTATIONS_DIR) await mediaFilesUnder(ws, abs, depth - 1, out);
    const type = e.isFile() ? mediaTypeOf(e.name) : null;
    if (type && out.length < 500) out.push({ path: relative(ws, abs).split(sep).join('/'), kind: type.kind, bytes: (await stat(abs)).size });
  }
}

export function replayHandlers(opts: ReplayHandlerOptions): RequestHandlers {
  const ws = opts.workspace;
  const tolerance = opts.spanToleranceSec ?? 1;
  const passes = new Map<string, OpenPass>();
  /** Spans of sessions opened for replay, so a pass need not read the recording again. */
  const spans = new Map<string, { startSec: number; endSec: number }>();

  async function sessionFolder(id: string): Promise<string> {
    checkId(id);
    const folder = sessionDir(ws, id);
    if (!existsSync(recordingPath(ws, id))) throw new EngineError('NO_SESSION', `no recorded session "${id}" in ${ws} (no ${SESSIONS_DIR}/${id}/recording.xdf)`, { id });
    if (await isRecordingLive(folder)) {
      throw new EngineError('SESSION_RECORDING', `session "${id}" is still being recorded; annotate it live, or post hoc once it has stopped`, { id });
    }
    return folder;
  }

  async function readRecording(id: string): Promise<XdfFile> {
    const xdf = await readXdf(recordingPath(ws, id), { dejitter: false });
    const span = spanOf(xdf);
    if (!span) throw new EngineError('EMPTY_SESSION', `session "${id}" has no samples to replay`, { id });
    spans.set(id, span);
    return xdf;
  }

  async function readMediaFile(id: string): Promise<MediaEntry[]> {
    const path = join(sessionDir(ws, id), SESSION_MEDIA_FILE);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    let parsed;
    try {
      parsed = mediaFileSchema.safeParse(JSON.parse(text));
    } catch {
      parsed = null;
    }
    if (!parsed?.success) throw new EngineError('BAD_MEDIA_FILE', `${path}: not a media list ({ media: [{ mediaId, path, offsetSec, addedAt }] }); fix or remove it`, { path });
    return parsed.data.media;
  }

  async function writeMediaFile(id: string, media: MediaEntry[]): Promise<void> {
    const path = join(sessionDir(ws, id), SESSION_MEDIA_FILE);
    const tmp = `${path}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(`${JSON.stringify({ media }, null, 2)}\n`, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, path);
  }

  /** Registered media that still resolve inside the workspace, with their ticket URLs. */
  async function mediaList(id: string): Promise<ApiReplayMedia[]> {
    const out: ApiReplayMedia[] = [];
    for (const m of await readMediaFile(id)) {
      const type = mediaTypeOf(m.path);
      let abs: string;
      try {
        abs = await resolveInsideWorkspace(ws, m.path);
      } catch {
        continue;
      }
      const st = await stat(abs).catch(() => null);
      if (!type || !st?.isFile()) continue;
      out.push({ mediaId: m.mediaId, path: m.path, kind: type.kind, offsetSec: m.offsetSec, bytes: st.size, url: MediaTickets.url(opts.tickets.issue(abs)) });
    }
    return out;
  }

  function openPass(id: string, raterId: string, passId: string): OpenPass {
    const p = passes.get(`${id}/${raterId}`);
    if (!p || p.passId !== passId) {
      throw new EngineError('NO_ANNOTATION', `rater "${raterId}" has no open post-hoc pass "${passId}" on session "${id}" (replay.begin first)`, { id, raterId, passId });
    }
    return p;
  }

  const reindex = async (id: string): Promise<void> => {
    try {
      const lib = Library.open(ws);
      try {
        await lib.indexSession(id);
      } finally {
        lib.close();
      }
    } catch (err) {
      // The folders are the truth: a failed index is repaired by `himoe library rebuild`.
      if (!(err instanceof HimoeError)) throw err;
    }
  };

  return {
    'replay.open': async (p) => {
      await sessionFolder(p.id);
      const meta = await readSessionMeta(ws, p.id);
      const xdf = await readRecording(p.id);
      const { startSec, endSec } = spans.get(p.id)!;
      const markers: Array<{ timeSec: number; label: string }> = [];
      const overview = [];
      for (const s of xdf.streams) {
        const type = String(s.info.type).toUpperCase();
        if (type === 'MARKER' || (Array.isArray(s.timeSeries) && type !== 'ANNOTATION' && type !== 'PREDICTION')) {
          for (let i = 0; i < s.timestamps.length; i++) markers.push({ timeSec: s.timestamps[i]!, label: markerLabel(s, i) });
          continue;
        }
        if (type === 'ANNOTATION' || !isNumeric(s) || s.timestamps.length === 0 || overview.length >= MAX_OVERVIEW_STREAMS) continue;
        const ch = s.info.channels[0];
        overview.push({ name: s.info.name, type, channel: ch?.label ?? '', unit: ch?.unit ?? '', ...overviewOf(s, startSec, endSec, p.columns) });
      }
      markers.sort((a, b) => a.timeSec - b.timeSec);
      const all = passesOf(xdf, null);
      for (const file of await postHocAnnotationFiles(recordingPath(ws, p.id))) {
        try {
          all.push(...passesOf(await readXdf(file, { dejitter: false }), relative(sessionDir(ws, p.id), file).split(sep).join('/')));
        } catch (err) {
          if (!(err instanceof HimoeError)) throw err;
        }
      }
      return { id: p.id, subject: meta.subject, startSec, endSec, markers, overview, media: await mediaList(p.id), passes: all };
    },

    'replay.media.candidates': async (p) => {
      const folder = await sessionFolder(p.id);
      const files: Array<{ path: string; kind: 'audio' | 'video'; bytes: number }> = [];
      await mediaFilesUnder(ws, join(ws, MEDIA_DIR), 3, files);
      await mediaFilesUnder(ws, folder, 2, files);
      return { files };
    },

    'replay.media.attach': async (p) => {
      await sessionFolder(p.id);
      let abs: string;
      try {
        abs = await resolveInsideWorkspace(ws, p.path);
      } catch (err) {
        if (err instanceof HimoeError) throw new EngineError('BAD_PATH', err.message, { path: p.path });
        throw err;
      }
      const st = await stat(abs).catch(() => null);
      if (!st?.isFile()) throw new EngineError('NO_MEDIA', `media "${p.path}" is not a file in the workspace ${ws}; copy it into ${MEDIA_DIR}/ first`, { path: p.path });
      if (!mediaTypeOf(abs)) {
        throw new EngineError('BAD_MEDIA', `media "${p.path}": not an audio or video file this view plays (.wav .mp3 .m4a .ogg .oga .opus .flac .webm .ogv .mp4 .m4v)`, { path: p.path });
      }
      const media = await readMediaFile(p.id);
      const same = media.find((m) => m.path === p.path);
      if (same) same.offsetSec = p.offsetSec;
      else {
        let k = media.length + 1;
        while (media.some((m) => m.mediaId === `m${k}`)) k++;
        media.push({ mediaId: `m${k}`, path: p.path, offsetSec: p.offsetSec, addedAt: new Date().toISOString() });
      }
      await writeMediaFile(p.id, media);
      return { media: await mediaList(p.id) };
    },

    'replay.media.detach': async (p) => {
      await sessionFolder(p.id);
      const media = await readMediaFile(p.id);
      const kept = media.filter((m) => m.mediaId !== p.mediaId);
      if (kept.length === media.length) throw new EngineError('NO_MEDIA', `session "${p.id}" has no media "${p.mediaId}"`, { id: p.id, mediaId: p.mediaId });
      await writeMediaFile(p.id, kept);
      return { media: await mediaList(p.id) };
    },

    'replay.begin': async (p) => {
      const folder = await sessionFolder(p.id);
      const key = `${p.id}/${p.raterId}`;
      if (passes.has(key)) {
        throw new EngineError('RATER_ACTIVE', `rater "${p.raterId}" already has an open post-hoc pass on session "${p.id}"; end it first or use another pseudonym`, { id: p.id });
      }
      if (!spans.has(p.id)) await readRecording(p.id);
      const span = spans.get(p.id)!;
      const media = p.mediaId === undefined ? undefined : (await readMediaFile(p.id)).find((m) => m.mediaId === p.mediaId);
      if (p.mediaId !== undefined && !media) throw new EngineError('NO_MEDIA', `session "${p.id}" has no media "${p.mediaId}"`, { id: p.id, mediaId: p.mediaId });
      const dir = join(folder, ANNOTATIONS_DIR);
      await mkdir(dir, { recursive: true });
      // Pass ids ph1, ph2, ... ("post hoc"), never reused: live passes are p2, p3, ... in the recording.
      let k = 1;
      while (existsSync(join(dir, `${p.raterId}-ph${k}.xdf`))) k++;
      const passId = `ph${k}`;
      const file = `${ANNOTATIONS_DIR}/${p.raterId}-ph${k}.xdf`;
      const info = annotationStreamInfo({
        raterId: p.raterId,
        device: p.device,
        dimensions: p.dimensions,
        passId,
        // Irregular: pauses and forward seeks leave gaps, so readers must not dejitter the times.
        nominalRateHz: 0,
        extra: {
          mode: 'post-hoc',
          session_id: p.id,
          sample_rate_hz: p.rateHz,
          playback_rate: p.playbackRate,
          clock: 'session (playback cursor)',
          ...(media ? { stimulus_media: media.path, media_offset_sec: media.offsetSec } : {}),
        },
      });
      const writer = await XdfWriter.create(join(folder, file), { fileHeaderFields: { session_id: p.id, annotation: 'post-hoc', recording: 'recording.xdf' } });
      const xdfStreamId = writer.addStream(info);
      writer.appendClockOffset(xdfStreamId, span.startSec, 0); // on the session clock
      passes.set(key, { writer, xdfStreamId, sessionId: p.id, raterId: p.raterId, passId, file, dimensions: p.dimensions.length, ...span, lastTSec: -Infinity, firstTSec: null, samples: 0 });
      return { raterId: p.raterId, passId, streamId: info.id, file };
    },

    'replay.samples': async (p) => {
      const pass = openPass(p.id, p.raterId, p.passId);
      const n = p.samples.length;
      const times = new Float64Array(n);
      const values = new Float32Array(n * pass.dimensions);
      let last = pass.lastTSec;
      let clamped = 0;
      p.samples.forEach((s, i) => {
        const where = `rater "${p.raterId}" pass ${p.passId}, sample ${i}`;
        if (s.values.length !== pass.dimensions) throw new EngineError('BAD_SAMPLE', `${where}: ${s.values.length} values; this pass annotates ${pass.dimensions} dimension(s)`);
        if (s.tSec < last) {
          throw new EngineError('BAD_SAMPLE', `${where}: session time ${s.tSec} s is before the previous sample (${last} s); a seek backwards ends the pass — begin a new one`, { tSec: s.tSec });
        }
        if (s.tSec < pass.startSec - tolerance || s.tSec > pass.endSec + tolerance) {
          throw new EngineError('BAD_SAMPLE', `${where}: session time ${s.tSec} s is outside the recording (${pass.startSec.toFixed(3)}–${pass.endSec.toFixed(3)} s)`, { tSec: s.tSec });
        }
        last = s.tSec;
        times[i] = s.tSec;
        s.values.forEach((v, c) => {
          const k = Math.min(ANNOTATION_SCALE.max, Math.max(ANNOTATION_SCALE.min, v));
          if (k !== v) clamped++;
          values[i * pass.dimensions + c] = k;
        });
      });
      pass.writer.appendSamples(pass.xdfStreamId, times, values);
      pass.lastTSec = last;
      pass.firstTSec ??= times[0]!;
      pass.samples += n;
      return { accepted: n, clamped, total: pass.samples };
    },

    'replay.end': async (p) => {
      const pass = openPass(p.id, p.raterId, p.passId);
      passes.delete(`${p.id}/${p.raterId}`);
      await pass.writer.close();
      // A pass without a single rating holds nothing: drop its file rather than index an empty rater.
      if (pass.samples === 0) await rm(join(sessionDir(ws, p.id), pass.file), { force: true });
      else await reindex(p.id);
      return {
        raterId: p.raterId,
        passId: p.passId,
        file: pass.file,
        samples: pass.samples,
        firstTSec: pass.firstTSec,
        lastTSec: pass.samples > 0 ? pass.lastTSec : null,
      };
    },
  };
}
