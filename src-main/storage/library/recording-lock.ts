// sessions/<id>/recording.lock: present while a recorder writes the session's XDF, so the
// library can tell a recording in progress (status 'recording') from one a crash cut short
// ('truncated'): both leave an XDF without footers, only the first has a live owner process.

import { hostname } from 'node:os';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const RECORDING_LOCK_FILE = 'recording.lock';

interface LockContent {
  pid: number;
  host: string;
  startedAt: string;
}

/** Marks the session folder as being recorded by this process (fails if a lock exists). */
export async function acquireRecordingLock(sessionFolder: string): Promise<void> {
  const content: LockContent = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
  await writeFile(join(sessionFolder, RECORDING_LOCK_FILE), `${JSON.stringify(content)}\n`, { flag: 'wx' });
}

export async function releaseRecordingLock(sessionFolder: string): Promise<void> {
  await rm(join(sessionFolder, RECORDING_LOCK_FILE), { force: true });
}

/**
 * True while the process holding the lock is alive. A lock from another host cannot be checked
 * and counts as live; an unreadable lock or a dead owner (crash, kill -9) does not.
 */
export async function isRecordingLive(sessionFolder: string): Promise<boolean> {
  let lock: LockContent;
  try {
    lock = JSON.parse(await readFile(join(sessionFolder, RECORDING_LOCK_FILE), 'utf8')) as LockContent;
  } catch {
    return false;
  }
  if (typeof lock.pid !== 'number' || !Number.isInteger(lock.pid) || lock.pid <= 0) return false;
  if (lock.host !== hostname()) return true;
  try {
    process.kill(lock.pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
