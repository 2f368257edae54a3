// The thin typed door to better-sqlite3 (which ships no TypeScript types): the part of its API
// the session library uses, and one `openDatabase` that sets WAL, foreign keys and busy_timeout.

import { createRequire } from 'node:module';

export type SqlValue = string | number | bigint | null | Uint8Array;
export type SqlParams = Record<string, SqlValue> | SqlValue[];

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface Statement<Row = Record<string, unknown>> {
  run(...params: SqlParams[]): RunResult;
  get(...params: SqlParams[]): Row | undefined;
  all(...params: SqlParams[]): Row[];
}

/** A function wrapped in BEGIN/COMMIT (ROLLBACK when it throws); `immediate` takes the write
 *  lock at BEGIN, so a check made inside cannot race another writer. */
export type Transaction<Args extends unknown[], R> = ((...args: Args) => R) & { immediate: (...args: Args) => R };

export interface Database {
  readonly name: string;
  readonly open: boolean;
  readonly inTransaction: boolean;
  prepare<Row = Record<string, unknown>>(sql: string): Statement<Row>;
  exec(sql: string): Database;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  transaction<Args extends unknown[], R>(fn: (...args: Args) => R): Transaction<Args, R>;
  close(): Database;
}

interface DatabaseConstructor {
  new (path: string, options?: { readonly?: boolean; fileMustExist?: boolean; timeout?: number }): Database;
}

/** better-sqlite3's error: `code` is the SQLite result code name (SQLITE_BUSY, SQLITE_NOTADB, ...). */
export interface SqliteErrorLike extends Error {
  code: string;
}

const BetterSqlite3 = createRequire(import.meta.url)('better-sqlite3') as DatabaseConstructor;

/** Milliseconds a connection waits for another connection's write lock before SQLITE_BUSY. */
export const BUSY_TIMEOUT_MS = 5000;

/** Opens (or creates) a database file in WAL mode with foreign keys enforced. WAL lets readers
 *  run while another connection writes (a recording being indexed, a rebuild in progress). */
export function openDatabase(path: string): Database {
  const db = new BetterSqlite3(path, { timeout: BUSY_TIMEOUT_MS });
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** SQLite result codes that mean the file is not (or no longer) a usable database. */
export function isCorruptionError(err: unknown): err is SqliteErrorLike {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT'));
}
