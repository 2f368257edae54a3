// The Sessions view's requests over the workspace library: list/search, open, export into
// <ws>/exports/<id>/, and delete by moving the session folder to <ws>/trash/<id>-<stamp>
// (nothing recorded is ever erased) and re-indexing. Ids from the UI never leave the workspace.

import { existsSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { exportSession } from '../storage/export/index.js';
import { isRecordingLive } from '../storage/library/recording-lock.js';
import { compactStamp, Library, type SessionDetail, type SessionSummary } from '../storage/library/library.js';
import { assertPseudonym, isValidId, LIBRARY_FILE, readSessionMeta, recordingPath, sessionDir, writeSessionMeta } from '../storage/workspace.js';
import type { ApiSessionDetail, ApiSessionSummary } from '../api/requests-library.js';
import { HimoeError } from '../core/errors.js';
import { EngineError } from './errors.js';
import type { RequestHandlers } from './workstation-service.js';

export const EXPORTS_DIR = 'exports';
export const TRASH_DIR = 'trash';

export interface LibraryHandlerOptions {
  /** The workspace folder (absolute). */
  workspace: string;
  /** Clock for trash folder names (tests fix it). */
  now?: () => Date;
}

function checkId(id: string): void {
  if (!isValidId(id)) throw new EngineError('BAD_SESSION_ID', `session id "${id}" is not a workspace session id (letters, digits, ".", "_", "-")`, { id });
}

function summary(s: SessionSummary): ApiSessionSummary {
  return {
    id: s.id,
    subject: s.subject,
    path: s.path,
    createdAt: s.createdAt,
    durationSec: s.durationSec,
    protocol: s.protocol,
    notes: s.notes,
    sourceKind: s.sourceKind,
    status: s.status,
    streamCount: s.streamCount,
    markerCount: s.markerCount,
  };
}

function detail(d: SessionDetail): ApiSessionDetail {
  return {
    ...summary(d),
    streams: d.streams.map((s) => ({
      xdfStreamId: s.xdfStreamId,
      name: s.name,
      type: s.type,
      sourceId: s.sourceId,
      channelCount: s.channelCount,
      nominalRateHz: s.nominalRateHz,
      sampleCount: s.sampleCount,
      firstTimeSec: s.firstTimeSec,
      lastTimeSec: s.lastTimeSec,
    })),
    markers: d.markers.map((m) => ({ timeSec: m.timeSec, label: m.label })),
    annotationSets: d.annotationSets.map((a) => ({ raterId: a.raterId, dimension: a.dimension, passId: a.passId, device: a.device, sampleCount: a.sampleCount, file: a.file })),
  };
}

/** True when `s` matches every whitespace-separated word of `query` (case-insensitive). */
export function matchesQuery(s: ApiSessionSummary, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0) return true;
  const text = [s.id, s.subject ?? '', s.protocol, s.notes, s.sourceKind, s.createdAt].join(' ').toLowerCase();
  return words.every((w) => text.includes(w));
}

export function libraryHandlers(opts: LibraryHandlerOptions): RequestHandlers {
  const ws = opts.workspace;
  const now = opts.now ?? (() => new Date());
  const withLibrary = async <T>(fn: (lib: Library) => Promise<T> | T): Promise<T> => {
    try {
      const lib = Library.open(ws);
      try {
        return await fn(lib);
      } finally {
        lib.close();
      }
    } catch (err) {
      // SQLite and file-system failures (disk full, read-only media) arrive untyped: name the index.
      if (err instanceof HimoeError) throw err;
      throw new EngineError('LIBRARY_FAILED', `${join(ws, LIBRARY_FILE)}: ${(err as Error).message ?? String(err)}`, {}, { cause: err });
    }
  };
  const mustGet = (lib: Library, id: string): SessionDetail => {
    checkId(id);
    const s = lib.getSession(id);
    if (!s) throw new EngineError('NO_SESSION', `no session "${id}" in the library of ${ws}`, { id });
    return s;
  };

  return {
    'library.list': (p) =>
      withLibrary(async (lib) => {
        // A recorder that crashed leaves 'recording' rows behind; the index cannot notice by itself.
        await lib.refreshStaleRecordings();
        const sessions = lib
          .listSessions(p.subject !== '' ? { subject: p.subject } : {})
          .map(summary)
          .filter((s) => matchesQuery(s, p.query));
        const subjects = lib.listSubjects().map((s) => ({ id: s.id, sessionCount: s.sessionCount }));
        return { sessions, subjects };
      }),

    'library.get': (p) => withLibrary((lib) => detail(mustGet(lib, p.id))),

    'library.export': (p) =>
      withLibrary(async (lib) => {
        const s = mustGet(lib, p.id);
        if (s.status === 'recording') throw new EngineError('SESSION_RECORDING', `session "${p.id}" is still recording; stop it before exporting`, { id: p.id });
        const dir = join(ws, EXPORTS_DIR, p.id);
        await mkdir(dir, { recursive: true });
        const out = p.to === 'edf' || p.to === 'bdf' ? join(dir, `${p.id}.${p.to}`) : join(dir, p.to);
        // The library's subject (session.json, which Edit can correct), not the recording header's.
        // Null (corrected to unknown) exports none, whatever the header says.
        const r = await exportSession(recordingPath(ws, p.id), { to: p.to, out, overwrite: true, subject: s.subject });
        return { out, files: r.files, bytes: r.bytes ?? null, warnings: r.warnings };
      }),

    'library.update': (p) =>
      withLibrary(async (lib) => {
        checkId(p.id);
        if (!existsSync(sessionDir(ws, p.id))) throw new EngineError('NO_SESSION', `no session folder "${p.id}" in ${ws}`, { id: p.id });
        if (await isRecordingLive(sessionDir(ws, p.id))) throw new EngineError('SESSION_RECORDING', `session "${p.id}" is being recorded; stop it before editing it`, { id: p.id });
        if (p.subject !== undefined && p.subject !== null) assertPseudonym(p.subject);
        // session.json is the truth (the recording is never rewritten; its header keeps the
        // subject it was recorded with): rewrite it, then re-index.
        const meta = await readSessionMeta(ws, p.id);
        await writeSessionMeta(ws, {
          ...meta,
          ...(p.subject !== undefined ? { subject: p.subject } : {}),
          ...(p.protocol !== undefined ? { protocol: p.protocol } : {}),
          ...(p.notes !== undefined ? { notes: p.notes } : {}),
        });
        // As after a delete: a rebuild also drops a subject left without sessions.
        await lib.rebuild();
        return detail(mustGet(lib, p.id));
      }),

    'library.delete': (p) =>
      withLibrary(async (lib) => {
        checkId(p.id);
        const from = sessionDir(ws, p.id);
        if (!existsSync(from)) throw new EngineError('NO_SESSION', `no session folder "${p.id}" in ${ws}`, { id: p.id });
        if (await isRecordingLive(from)) throw new EngineError('SESSION_RECORDING', `session "${p.id}" is being recorded; stop it before deleting`, { id: p.id });
        const trash = join(ws, TRASH_DIR);
        await mkdir(trash, { recursive: true });
        let to = join(trash, `${p.id}-${compactStamp(now())}`);
        for (let k = 2; existsSync(to); k++) to = join(trash, `${p.id}-${compactStamp(now())}-${k}`);
        await rename(from, to);
        // The folders are the truth: re-index so the session leaves the library.
        await lib.rebuild();
        return { id: p.id, trashPath: to };
      }),
  };
}
