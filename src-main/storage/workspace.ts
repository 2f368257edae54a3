// The workspace folder layout (DESIGN §3) and each session's session.json, the truth the
// library index is rebuilt from: recorder and importers write sessions here, the library reads them.
//   <ws>/library.sqlite, <ws>/sessions/<id>/{recording.xdf, session.json}, <ws>/models/<id>/, <ws>/evaluations/<id>/

import { mkdir, open, readdir, readFile, realpath, rename, stat } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { HimoeError } from '../core/errors.js';

export class WorkspaceError extends HimoeError {
  readonly domain = 'workspace';
}

export const LIBRARY_FILE = 'library.sqlite';
export const SESSIONS_DIR = 'sessions';
export const MODELS_DIR = 'models';
export const EVALUATIONS_DIR = 'evaluations';
export const SESSION_META_FILE = 'session.json';
export const RECORDING_FILE = 'recording.xdf';
/** Post-hoc annotation passes of a session, one XDF per pass: sessions/<id>/annotations/<rater>-<pass>.xdf. */
export const ANNOTATIONS_DIR = 'annotations';
/** Stimulus media registered for a session (references to files inside the workspace). */
export const SESSION_MEDIA_FILE = 'media.json';
/** The workspace folder researchers copy stimulus media into (any folder of the workspace works). */
export const MEDIA_DIR = 'media';

export type SessionSourceKind = 'synthetic' | 'device' | 'import';
export const SESSION_SOURCE_KINDS: readonly SessionSourceKind[] = ['synthetic', 'device', 'import'];

/** Where the data came from; kind-specific fields (seed, device ids, dataset and file) ride along. */
export interface SessionSource {
  kind: SessionSourceKind;
  [field: string]: unknown;
}

export interface SessionStreamMeta {
  /** The stream id in the session (StreamInfo.id, e.g. "synthetic:eeg"). */
  id: string;
  name: string;
  type: string;
  channelCount: number;
  nominalRateHz: number;
}

/** The content of sessions/<id>/session.json. */
export interface SessionMeta {
  id: string;
  /** Pseudonymous subject id (P012, sub-01, s01), never a name; null when unknown. */
  subject: string | null;
  /** ISO 8601 time the session was created (recording start or import). */
  createdAt: string;
  protocol: string;
  source: SessionSource;
  streams: SessionStreamMeta[];
  notes: string;
}

/** Session and run ids are folder names: letters, digits, '.', '_', '-' (no path tricks). */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** A pseudonym: letters, digits, '_' and '-' only, so a name with spaces cannot slip in. */
const PSEUDONYM_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id) && !id.includes('..');
}

export function isValidPseudonym(subject: string): boolean {
  return PSEUDONYM_PATTERN.test(subject);
}

export function assertValidId(id: string, what = 'session id'): void {
  if (!isValidId(id)) {
    throw new WorkspaceError('BAD_ID', `${what} "${id}" is not usable as a folder name; expected letters, digits, '.', '_' or '-' (at most 128)`, { id });
  }
}

export function assertPseudonym(subject: string): void {
  if (!isValidPseudonym(subject)) {
    throw new WorkspaceError(
      'BAD_SUBJECT',
      `subject "${subject}" is not a pseudonym; expected letters, digits, '_' or '-' (at most 64), e.g. P012 — never a name`,
      { subject },
    );
  }
}

export function sessionsRoot(ws: string): string {
  return join(ws, SESSIONS_DIR);
}

export function sessionDir(ws: string, id: string): string {
  assertValidId(id);
  return join(ws, SESSIONS_DIR, id);
}

export function sessionMetaPath(ws: string, id: string): string {
  return join(sessionDir(ws, id), SESSION_META_FILE);
}

export function recordingPath(ws: string, id: string): string {
  return join(sessionDir(ws, id), RECORDING_FILE);
}

export function annotationsDir(ws: string, id: string): string {
  return join(sessionDir(ws, id), ANNOTATIONS_DIR);
}

/** Post-hoc annotation files in a session folder (sorted, relative to the folder, '/'-separated); none without annotations/. */
export async function listAnnotationFiles(sessionFolder: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(join(sessionFolder, ANNOTATIONS_DIR), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries
    // Links too: an evaluation run links the passes of the sessions it reads (engine/evaluation-handlers).
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && e.name.toLowerCase().endsWith('.xdf'))
    .map((e) => `${ANNOTATIONS_DIR}/${e.name}`)
    .sort();
}

/** The post-hoc annotation files of `path` when it is a workspace recording (…/sessions/<id>/recording.xdf): absolute, sorted. */
export async function postHocAnnotationFiles(path: string): Promise<string[]> {
  if (basename(path) !== RECORDING_FILE) return [];
  const folder = dirname(path);
  return (await listAnnotationFiles(folder)).map((f) => join(folder, f));
}

/**
 * A path the UI gave, relative to the workspace ('media/clip.webm'), as an absolute path that
 * stays inside the workspace: no absolute paths, '..', backslashes, NUL or empty segments,
 * and (when the file exists) no symbolic link leading out of it. BAD_PATH otherwise.
 */
export async function resolveInsideWorkspace(ws: string, rel: string): Promise<string> {
  const bad = (why: string): never => {
    throw new WorkspaceError('BAD_PATH', `path "${rel}" ${why}; expected a path relative to the workspace, e.g. media/clip.webm`, { path: rel });
  };
  if (rel === '' || rel.length > 1024) bad('is empty or too long');
  if (rel.includes('\\') || rel.includes('\0')) bad('holds a backslash or NUL');
  if (rel.startsWith('/') || /^[A-Za-z]:/.test(rel)) bad('is absolute');
  const parts = rel.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) bad("has an empty, '.' or '..' segment");
  const root = await realpath(ws);
  const abs = join(root, ...parts);
  let real: string;
  try {
    real = await realpath(abs);
  } catch {
    return abs; // not there (yet): the caller reports it; the segments alone cannot leave the workspace
  }
  if (real !== root && !real.startsWith(root + sep)) bad('leads out of the workspace through a symbolic link');
  return real;
}

/** Writes session.json atomically (temp file, fsync, rename), creating the session folder. */
export async function writeSessionMeta(ws: string, meta: SessionMeta): Promise<void> {
  validateSessionMeta(meta, `session ${meta.id}`);
  const dir = sessionDir(ws, meta.id);
  await mkdir(dir, { recursive: true });
  const path = join(dir, SESSION_META_FILE);
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(`${JSON.stringify(meta, null, 2)}\n`, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

/** A session.json is a few kB; anything far larger is not one (and is not read into memory). */
const MAX_SESSION_META_BYTES = 1 << 20;

/** Reads and validates session.json; a missing or malformed file is a BAD_SESSION_META error naming it. */
export async function readSessionMeta(ws: string, id: string): Promise<SessionMeta> {
  const path = sessionMetaPath(ws, id);
  const meta = await readSessionMetaFile(path);
  if (meta.id !== id) {
    throw new WorkspaceError('BAD_SESSION_META', `${path}: "id" is "${meta.id}" but the folder is "${id}"; expected them to match`, { path });
  }
  return meta;
}

/**
 * The session.json beside a workspace recording (sessions/<id>/recording.xdf), the truth the
 * library is built from (a corrected subject lives there, never in the recording's header);
 * undefined for a file of another name or one without a session.json. One that cannot be read or
 * is invalid is a BAD_SESSION_META error naming it, not a silent fallback to the header.
 */
export async function sessionMetaOfRecording(xdfPath: string): Promise<SessionMeta | undefined> {
  if (basename(xdfPath) !== RECORDING_FILE) return undefined;
  const path = join(dirname(xdfPath), SESSION_META_FILE);
  try {
    await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  }
  return readSessionMetaFile(path);
}

async function readSessionMetaFile(path: string): Promise<SessionMeta> {
  let text: string;
  try {
    const size = (await stat(path)).size;
    if (size > MAX_SESSION_META_BYTES) {
      throw new WorkspaceError('BAD_SESSION_META', `${path}: ${size} bytes; a session.json holds at most ${MAX_SESSION_META_BYTES} bytes`, { path, size });
    }
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (err instanceof WorkspaceError) throw err;
    throw new WorkspaceError('BAD_SESSION_META', `${path}: cannot read: ${(err as Error).message}`, { path }, { cause: err });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new WorkspaceError('BAD_SESSION_META', `${path}: not valid JSON (${(err as Error).message})`, { path }, { cause: err });
  }
  return validateSessionMeta(value, path);
}

/** Ids of the session folders (sorted); an absent sessions/ folder is an empty workspace. */
export async function listSessionIds(ws: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(sessionsRoot(ws), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries
    .filter((e) => e.isDirectory() && isValidId(e.name))
    .map((e) => e.name)
    .sort();
}

/** Checks the shape of a session.json value; `where` names the file in messages. */
export function validateSessionMeta(value: unknown, where: string): SessionMeta {
  const bad = (field: string, expected: string): never => {
    throw new WorkspaceError('BAD_SESSION_META', `${where}: field "${field}" ${expected}`, { where, field });
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('(root)', 'must be a JSON object');
  const o = value as Record<string, unknown>;
  if (typeof o.id !== 'string' || !isValidId(o.id)) bad('id', "must be a string of letters, digits, '.', '_' or '-'");
  if (o.subject !== null && o.subject !== undefined && (typeof o.subject !== 'string' || !isValidPseudonym(o.subject))) {
    bad('subject', "must be null or a pseudonym (letters, digits, '_' or '-'), never a name");
  }
  if (typeof o.createdAt !== 'string' || Number.isNaN(Date.parse(o.createdAt))) bad('createdAt', 'must be an ISO 8601 time');
  if (o.protocol !== undefined && typeof o.protocol !== 'string') bad('protocol', 'must be a string');
  if (o.notes !== undefined && typeof o.notes !== 'string') bad('notes', 'must be a string');
  const src = o.source as Record<string, unknown> | null;
  if (typeof src !== 'object' || src === null || !SESSION_SOURCE_KINDS.includes(src.kind as SessionSourceKind)) {
    bad('source', `must be an object whose "kind" is one of ${SESSION_SOURCE_KINDS.join(', ')}`);
  }
  const streams = o.streams ?? [];
  if (!Array.isArray(streams)) bad('streams', 'must be an array');
  (streams as unknown[]).forEach((s, i) => {
    const r = s as Record<string, unknown> | null;
    if (
      typeof r !== 'object' || r === null ||
      typeof r.id !== 'string' || typeof r.name !== 'string' || typeof r.type !== 'string' ||
      !Number.isInteger(r.channelCount) || typeof r.nominalRateHz !== 'number'
    ) {
      bad(`streams[${i}]`, 'must have id, name, type (strings), channelCount (integer) and nominalRateHz (number)');
    }
  });
  return {
    id: o.id as string,
    subject: (o.subject as string | undefined) ?? null,
    createdAt: o.createdAt as string,
    protocol: (o.protocol as string | undefined) ?? '',
    source: src as SessionSource,
    streams: streams as SessionStreamMeta[],
    notes: (o.notes as string | undefined) ?? '',
  };
}
