// Versioned schema of library.sqlite. Each migration is one numbered step applied in its own
// transaction and recorded in `schema_migrations`; opening a library runs the missing steps.
// Steps are append-only: never edit a released one, add the next number instead.

import { LibraryError } from './library-error.js';
import type { Database } from './sqlite.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'subjects, sessions, streams, markers',
    sql: `
      CREATE TABLE subjects (
        id          TEXT PRIMARY KEY,          -- pseudonym only (P012, sub-01), never a name
        first_seen  TEXT NOT NULL              -- ISO time of the first session indexed
      );
      CREATE TABLE sessions (
        id            TEXT PRIMARY KEY,        -- the folder name under sessions/
        subject_id    TEXT REFERENCES subjects(id) ON DELETE RESTRICT,
        path          TEXT NOT NULL,           -- folder, relative to the workspace
        created_at    TEXT NOT NULL,           -- ISO, from session.json
        duration_sec  REAL,                    -- last minus first sample time over all streams
        protocol      TEXT,
        notes         TEXT,
        source_kind   TEXT NOT NULL,           -- synthetic | device | import
        status        TEXT NOT NULL CHECK (status IN ('recording', 'complete', 'truncated')),
        indexed_at    TEXT NOT NULL
      );
      CREATE INDEX sessions_subject ON sessions(subject_id, created_at);
      CREATE TABLE streams (
        session_id       TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        xdf_stream_id    INTEGER NOT NULL,
        name             TEXT NOT NULL,
        type             TEXT NOT NULL,
        channel_count    INTEGER NOT NULL,
        nominal_rate_hz  REAL NOT NULL,
        sample_count     INTEGER NOT NULL,
        first_time_sec   REAL,                 -- recording clock, NULL without samples
        last_time_sec    REAL,
        PRIMARY KEY (session_id, xdf_stream_id)
      );
      CREATE TABLE markers (
        id             INTEGER PRIMARY KEY,
        session_id     TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        xdf_stream_id  INTEGER NOT NULL,
        time_sec       REAL NOT NULL,
        label          TEXT NOT NULL,
        FOREIGN KEY (session_id, xdf_stream_id) REFERENCES streams(session_id, xdf_stream_id) ON DELETE CASCADE
      );
      CREATE INDEX markers_session_time ON markers(session_id, time_sec);
    `,
  },
  {
    version: 2,
    name: 'annotation sets per rater, model runs and evaluations, stream formats and sources',
    sql: `
      ALTER TABLE streams ADD COLUMN channel_format TEXT NOT NULL DEFAULT 'float32';
      ALTER TABLE streams ADD COLUMN source_id TEXT NOT NULL DEFAULT '';
      CREATE TABLE annotation_sets (
        id             INTEGER PRIMARY KEY,
        session_id     TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        rater_id       TEXT NOT NULL,          -- pseudonymous rater id
        dimension      TEXT NOT NULL,          -- valence | arousal | dominance | ...
        xdf_stream_id  INTEGER NOT NULL,
        channel_index  INTEGER,                -- NULL: the whole stream is this dimension
        sample_count   INTEGER NOT NULL,
        FOREIGN KEY (session_id, xdf_stream_id) REFERENCES streams(session_id, xdf_stream_id) ON DELETE CASCADE
      );
      CREATE INDEX annotation_sets_session ON annotation_sets(session_id, rater_id, dimension);
      CREATE TABLE runs (
        id            TEXT PRIMARY KEY,
        kind          TEXT NOT NULL CHECK (kind IN ('model', 'evaluation')),
        config_json   TEXT NOT NULL,
        metrics_json  TEXT,
        created_at    TEXT NOT NULL,
        path          TEXT NOT NULL            -- models/<id> or evaluations/<id>, relative to the workspace
      );
      CREATE INDEX runs_kind_created ON runs(kind, created_at);
    `,
  },
  {
    version: 3,
    name: 'annotation sets: pass and input device (repeated passes of one rater)',
    sql: `
      ALTER TABLE annotation_sets ADD COLUMN pass_id TEXT;
      ALTER TABLE annotation_sets ADD COLUMN device TEXT NOT NULL DEFAULT 'unknown';
      DROP INDEX annotation_sets_session;
      CREATE INDEX annotation_sets_session ON annotation_sets(session_id, rater_id, dimension, pass_id);
    `,
  },
  {
    version: 4,
    name: 'annotation sets from post-hoc annotation files (sessions/<id>/annotations/*.xdf)',
    // A post-hoc pass lives in its own XDF beside the recording, so its stream is not a row of
    // `streams` (which lists the recording): the set names its file and keeps only the session key.
    sql: `
      CREATE TABLE annotation_sets_v4 (
        id             INTEGER PRIMARY KEY,
        session_id     TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        rater_id       TEXT NOT NULL,
        dimension      TEXT NOT NULL,
        xdf_stream_id  INTEGER NOT NULL,
        channel_index  INTEGER,
        sample_count   INTEGER NOT NULL,
        pass_id        TEXT,
        device         TEXT NOT NULL DEFAULT 'unknown',
        file           TEXT                    -- NULL: recording.xdf; else relative to the session folder
      );
      INSERT INTO annotation_sets_v4 (id, session_id, rater_id, dimension, xdf_stream_id, channel_index, sample_count, pass_id, device)
        SELECT id, session_id, rater_id, dimension, xdf_stream_id, channel_index, sample_count, pass_id, device FROM annotation_sets;
      DROP TABLE annotation_sets;
      ALTER TABLE annotation_sets_v4 RENAME TO annotation_sets;
      CREATE INDEX annotation_sets_session ON annotation_sets(session_id, rater_id, dimension, pass_id);
    `,
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

const CREATE_MIGRATIONS_TABLE = `
  CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    applied_at  TEXT NOT NULL
  )`;

/** The highest migration applied to `db` (0 for a new, empty database). */
export function schemaVersion(db: Database): number {
  const table = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).get();
  if (!table) return 0;
  const row = db.prepare<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations').get();
  return row?.v ?? 0;
}

export interface MigrateResult {
  fromVersion: number;
  toVersion: number;
  applied: number[];
}

/**
 * Applies the missing migrations up to `toVersion` (default: the latest), each in its own
 * IMMEDIATE transaction that re-checks the version first, so two processes opening the same new
 * workspace do not both apply a step. A current database is only read (no write lock, so opening
 * never waits for another connection's write). A database newer than this build is refused, untouched.
 */
export function migrate(db: Database, { toVersion = LATEST_SCHEMA_VERSION, file = db.name }: { toVersion?: number; file?: string } = {}): MigrateResult {
  const fromVersion = schemaVersion(db);
  if (fromVersion > LATEST_SCHEMA_VERSION) {
    throw new LibraryError(
      'NEWER_SCHEMA',
      `${file}: the library index has schema version ${fromVersion}, newer than this HiMoE knows (${LATEST_SCHEMA_VERSION}); update HiMoE or index into another workspace`,
      { file, version: fromVersion },
    );
  }
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (m.version > toVersion) break;
    if (m.version <= fromVersion) continue;
    const step = db.transaction(() => {
      db.exec(CREATE_MIGRATIONS_TABLE);
      if (schemaVersion(db) >= m.version) return false;
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run([m.version, m.name, new Date().toISOString()]);
      return true;
    });
    try {
      if (step.immediate()) applied.push(m.version);
    } catch (err) {
      if (err instanceof LibraryError) throw err;
      throw new LibraryError('MIGRATION_FAILED', `${file}: migration ${m.version} (${m.name}) failed and was rolled back: ${(err as Error).message}`, { file, version: m.version }, { cause: err });
    }
  }
  return { fromVersion, toVersion: applied.length > 0 ? schemaVersion(db) : fromVersion, applied };
}
