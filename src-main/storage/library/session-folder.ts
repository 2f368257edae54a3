// Creating a workspace session for a recording: a fresh sessions/<id>/ folder with its
// session.json and the recording lock, and finishing it. The recorder writes recording.xdf
// in between; the library indexes the folder at both ends.

import { mkdir } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import {
  assertPseudonym,
  assertValidId,
  recordingPath,
  sessionDir,
  sessionsRoot,
  writeSessionMeta,
  type SessionMeta,
  type SessionSource,
  type SessionStreamMeta,
} from '../workspace.js';
import { LibraryError } from './library-error.js';
import { compactStamp, Library } from './library.js';
import { acquireRecordingLock, releaseRecordingLock } from './recording-lock.js';

export interface NewSessionInit {
  /** Defaults to "<UTC stamp>-<subject or anon>-<random>". */
  id?: string;
  subject?: string | null;
  protocol: string;
  source: SessionSource;
  streams: SessionStreamMeta[];
  notes?: string;
  createdAt?: Date;
}

export interface NewSession {
  meta: SessionMeta;
  folder: string;
  /** sessions/<id>/recording.xdf: where the recorder writes. */
  xdfPath: string;
}

/** A sortable session id that is unique without coordination: 20261124T043500Z-P012-3fa9c1. */
export function newSessionId(createdAt: Date, subject: string | null): string {
  return `${compactStamp(createdAt)}-${subject ?? 'anon'}-${randomBytes(3).toString('hex')}`;
}

/**
 * Creates sessions/<id>/ (refusing an existing one), writes session.json and takes the recording
 * lock, so the library sees status 'recording' until `finishSessionRecording`.
 */
export async function beginSessionRecording(ws: string, init: NewSessionInit): Promise<NewSession> {
  const subject = init.subject ?? null;
  if (subject !== null) assertPseudonym(subject);
  const createdAt = init.createdAt ?? new Date();
  const id = init.id ?? newSessionId(createdAt, subject);
  assertValidId(id);
  const folder = sessionDir(ws, id);
  await mkdir(sessionsRoot(ws), { recursive: true });
  try {
    await mkdir(folder);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new LibraryError('SESSION_EXISTS', `${folder}: a session with id "${id}" already exists; refusing to record over it`, { id }, { cause: err });
    }
    throw new LibraryError('IO_FAILED', `${folder}: cannot create the session folder: ${(err as Error).message}`, { id }, { cause: err });
  }
  const meta: SessionMeta = {
    id,
    subject,
    createdAt: createdAt.toISOString(),
    protocol: init.protocol,
    source: init.source,
    streams: init.streams,
    notes: init.notes ?? '',
  };
  await writeSessionMeta(ws, meta);
  await acquireRecordingLock(folder);
  return { meta, folder, xdfPath: recordingPath(ws, id) };
}

/** Releases the recording lock once the recorder has closed the XDF (footers written). */
export async function finishSessionRecording(ws: string, id: string): Promise<void> {
  await releaseRecordingLock(sessionDir(ws, id));
}

/** A session being recorded into a workspace, with its indexing at both ends. */
export interface SessionRecording extends NewSession {
  /** Indexes the session (status 'recording' while the lock is held). Never throws: a failure
   *  or an index warning goes to the log, since indexing must never stop a recording. */
  index(): Promise<void>;
  /** Releases the recording lock (call after the XDF is closed) and indexes the finished
   *  session. Idempotent; never throws. */
  finish(): Promise<void>;
}

/**
 * `beginSessionRecording` plus the library bookkeeping every recorder needs (CLI, server, app):
 * index now as 'recording', and at the end as 'complete' (or 'truncated'). `log` receives one
 * line per warning; a failed index names the session and the rebuild that recovers it.
 */
export async function openSessionRecording(ws: string, init: NewSessionInit, log: (line: string) => void): Promise<SessionRecording> {
  const session = await beginSessionRecording(ws, init);
  const id = session.meta.id;
  const index = async (): Promise<void> => {
    try {
      const lib = Library.open(ws);
      try {
        for (const w of (await lib.indexSession(id)).warnings) log(w);
      } finally {
        lib.close();
      }
    } catch (err) {
      log(`session ${id} is recorded but not indexed (${(err as Error).message}); \`himoe library rebuild --workspace ${ws}\` indexes it`);
    }
  };
  let finished = false;
  return {
    ...session,
    index,
    async finish() {
      if (finished) return;
      finished = true;
      try {
        await finishSessionRecording(ws, id);
      } catch (err) {
        log(`session ${id}: could not remove the recording lock (${(err as Error).message})`);
      }
      await index();
    },
  };
}
