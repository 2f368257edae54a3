import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, Library, migrate, schemaVersion } from '../../../../src-main/storage/library/index.js';
import { openDatabase, type Database } from '../../../../src-main/storage/library/sqlite.js';

let ws: string;
let file: string;

beforeEach(() => {
  ws = mkdtempSync(join(tmpdir(), 'himoe-mig-'));
  file = join(ws, 'library.sqlite');
});
afterEach(() => {
  rmSync(ws, { recursive: true, force: true });
});

/** A library.sqlite as schema version 1 left it, with one session, stream and marker. */
function writeV1Database(): void {
  const db = openDatabase(file);
  try {
    const r = migrate(db, { toVersion: 1 });
    expect(r).toEqual({ fromVersion: 0, toVersion: 1, applied: [1] });
    db.exec(`
      INSERT INTO subjects (id, first_seen) VALUES ('P003', '2026-10-01T08:00:00Z');
      INSERT INTO sessions (id, subject_id, path, created_at, duration_sec, protocol, notes, source_kind, status, indexed_at)
        VALUES ('old', 'P003', 'sessions/old', '2026-10-01T08:00:00Z', 600, 'rest', 'v1 row', 'device', 'complete', '2026-10-01T09:00:00Z');
      INSERT INTO streams (session_id, xdf_stream_id, name, type, channel_count, nominal_rate_hz, sample_count, first_time_sec, last_time_sec)
        VALUES ('old', 1, 'EEG', 'EEG', 8, 250, 150000, 0, 599.996);
      INSERT INTO markers (session_id, xdf_stream_id, time_sec, label) VALUES ('old', 1, 12.5, 'eyes-closed');
    `);
  } finally {
    db.close();
  }
}

function columns(db: Database, table: string): string[] {
  return db.prepare<{ name: string }>(`SELECT name FROM pragma_table_info('${table}')`).all().map((c) => c.name);
}

describe('library schema migrations', () => {
  it('migrates a version-1 database to the latest schema, keeping its rows', () => {
    writeV1Database();

    const lib = Library.open(ws, { create: false });
    let version: number;
    let sessions;
    let detail;
    try {
      version = lib.schemaVersion;
      sessions = lib.listSessions();
      detail = lib.getSession('old');
    } finally {
      lib.close();
    }
    const db = openDatabase(file);
    try {
      expect(version).toBe(LATEST_SCHEMA_VERSION);
      expect(LATEST_SCHEMA_VERSION).toBeGreaterThanOrEqual(2);
      expect(db.prepare<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version').all().map((r) => r.version)).toEqual(
        Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1),
      );
      expect(columns(db, 'streams')).toEqual(expect.arrayContaining(['channel_format', 'source_id']));
      expect(columns(db, 'annotation_sets')).toEqual(expect.arrayContaining(['rater_id', 'dimension', 'xdf_stream_id', 'pass_id', 'device']));
      expect(columns(db, 'runs')).toEqual(expect.arrayContaining(['kind', 'config_json', 'metrics_json', 'created_at', 'path']));
    } finally {
      db.close();
    }
    expect(sessions.map((s) => [s.id, s.subject, s.durationSec, s.notes, s.status, s.streamCount, s.markerCount])).toEqual([
      ['old', 'P003', 600, 'v1 row', 'complete', 1, 1],
    ]);
    expect(detail!.streams[0]).toMatchObject({ name: 'EEG', sampleCount: 150000, channelFormat: 'float32', sourceId: '' });
    expect(detail!.markers).toEqual([{ xdfStreamId: 1, timeSec: 12.5, label: 'eyes-closed' }]);
  });

  it('applies nothing when the database is already current', () => {
    Library.open(ws).close();
    const db = openDatabase(file);
    try {
      expect(migrate(db)).toEqual({ fromVersion: LATEST_SCHEMA_VERSION, toVersion: LATEST_SCHEMA_VERSION, applied: [] });
    } finally {
      db.close();
    }
  });

  it('rolls a failing migration back as a whole and leaves the database at the previous version', () => {
    writeV1Database();
    const db = openDatabase(file);
    try {
      // A table that step 2 wants to create makes step 2 fail after its ALTER TABLEs ran.
      db.exec('CREATE TABLE runs (x INTEGER)');
      let err: unknown;
      try {
        migrate(db);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'MIGRATION_FAILED' });
      expect((err as Error).message).toMatch(/migration 2 .* rolled back/);
      expect(schemaVersion(db)).toBe(1);
      expect(columns(db, 'streams')).not.toContain('channel_format');
    } finally {
      db.close();
    }
  });

  it('refuses a database written by a newer schema without touching it', () => {
    Library.open(ws).close();
    const db = openDatabase(file);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'future', '2030-01-01T00:00:00Z')").run();
    db.close();

    expect(() => Library.open(ws)).toThrow(/schema version 99, newer than this HiMoE knows/);
    const again = openDatabase(file);
    try {
      expect(schemaVersion(again)).toBe(99);
    } finally {
      again.close();
    }
  });
});
