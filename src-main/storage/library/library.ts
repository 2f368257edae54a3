// The session library: a SQLite index (<workspace>/library.sqlite, WAL) of subjects, sessions,
// streams, markers, annotation sets and model runs/evaluations. It is only an index: the
// session folders (and run.json of models/ and evaluations/) are the truth, and `rebuild`
// recreates every row from them. Recorder, importers, CLI and app read and update it here.

import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { HimoeError } from '../../core/errors.js';
import { EVALUATIONS_DIR, LIBRARY_FILE, listSessionIds, MODELS_DIR, sessionDir, WorkspaceError, assertValidId } from '../workspace.js';
import { LibraryError } from './library-error.js';
import { migrate, schemaVersion } from './migrations.js';
import { isRecordingLive } from './recording-lock.js';
import { scanSession, type AnnotationSetRow, type MarkerRow, type ScannedSession, type SessionStatus, type StreamRow } from './session-scan.js';
import { BUSY_TIMEOUT_MS, isCorruptionError, openDatabase, type Database, type Statement } from './sqlite.js';

export interface SessionSummary {
  id: string;
  subject: string | null;
  /** Folder relative to the workspace ("sessions/<id>"). */
  path: string;
  createdAt: string;
  durationSec: number | null;
  protocol: string;
  notes: string;
  sourceKind: string;
  status: SessionStatus;
  indexedAt: string;
  streamCount: number;
  markerCount: number;
}

export interface SessionDetail extends SessionSummary {
  streams: StreamRow[];
  markers: MarkerRow[];
  annotationSets: AnnotationSetRow[];
}

export interface SubjectSummary {
  id: string;
  firstSeen: string;
  sessionCount: number;
}

export type RunKind = 'model' | 'evaluation';

export interface RunInput {
  /** Defaults to "<kind>-<UTC stamp>-<random>". */
  id?: string;
  kind: RunKind;
  config: unknown;
  metrics?: unknown;
  /** ISO time; defaults to now. */
  createdAt?: string;
}

export interface RunRecord {
  id: string;
  kind: RunKind;
  config: unknown;
  metrics: unknown;
  createdAt: string;
  /** models/<id> or evaluations/<id>, relative to the workspace; holds run.json. */
  path: string;
}

export interface IndexResult {
  id: string;
  status: SessionStatus;
  warnings: string[];
}

export interface RebuildResult {
  sessions: number;
  runs: number;
  /** Folders left out, each with the file and the reason. */
  skipped: Array<{ path: string; reason: string }>;
  warnings: string[];
  /** Where a damaged library.sqlite was moved (never deleted), or null. */
  movedAside: string | null;
}

export interface OpenOptions {
  /** Create the workspace folder and its index when missing (default true). */
  create?: boolean;
}

export const RUN_FILE = 'run.json';

const RUN_DIRS: Record<RunKind, string> = { model: MODELS_DIR, evaluation: EVALUATIONS_DIR };

interface SessionDbRow {
  id: string;
  subject_id: string | null;
  path: string;
  created_at: string;
  duration_sec: number | null;
  protocol: string | null;
  notes: string | null;
  source_kind: string;
  status: SessionStatus;
  indexed_at: string;
  stream_count: number;
  marker_count: number;
}

interface RunDbRow {
  id: string;
  kind: RunKind;
  config_json: string;
  metrics_json: string | null;
  created_at: string;
  path: string;
}

const SESSION_SELECT = `
  SELECT s.*,
    (SELECT COUNT(*) FROM streams t WHERE t.session_id = s.id) AS stream_count,
    (SELECT COUNT(*) FROM markers m WHERE m.session_id = s.id) AS marker_count
  FROM sessions s`;

export class Library {
  private db: Database | null;
  private readonly stmts: ReturnType<typeof prepareStatements>;

  private constructor(
    readonly workspaceDir: string,
    readonly path: string,
    db: Database,
  ) {
    this.db = db;
    this.stmts = this.guard(() => prepareStatements(db));
  }

  /**
   * Opens the index of a workspace, creating it (and the folder) when allowed, and applies any
   * missing schema migrations. A damaged file is a CORRUPT_INDEX error that names it and says
   * to run `himoe library rebuild`.
   */
  static open(workspaceDir: string, { create = true }: OpenOptions = {}): Library {
    const path = join(workspaceDir, LIBRARY_FILE);
    if (!existsSync(workspaceDir)) {
      if (!create) throw new LibraryError('NO_WORKSPACE', `${workspaceDir}: no such workspace folder`, { workspaceDir });
      mkdirSync(workspaceDir, { recursive: true });
    } else if (!statSync(workspaceDir).isDirectory()) {
      throw new LibraryError('NO_WORKSPACE', `${workspaceDir}: not a folder; a workspace is a folder holding ${LIBRARY_FILE} and sessions/`, { workspaceDir });
    }
    if (!create && !existsSync(path)) {
      throw new LibraryError(
        'NO_WORKSPACE',
        `${workspaceDir}: no ${LIBRARY_FILE}; run \`himoe library rebuild --workspace ${workspaceDir}\` to index its session folders`,
        { workspaceDir },
      );
    }
    let db: Database | null = null;
    try {
      db = openDatabase(path);
      migrate(db, { file: path });
      // Touch the schema so a file with a valid header but damaged pages fails here, not later.
      db.prepare('SELECT COUNT(*) FROM sessions').get();
      return new Library(workspaceDir, path, db);
    } catch (err) {
      db?.close();
      throw toLibraryError(err, path, workspaceDir);
    }
  }

  /**
   * Rebuilds a workspace's index from its folders, also when library.sqlite is damaged: the
   * damaged file (and its -wal/-shm) is moved aside to library.sqlite.corrupt-<time>, never
   * deleted, and a fresh index is built.
   */
  static async rebuildWorkspace(workspaceDir: string): Promise<RebuildResult> {
    let movedAside: string | null = null;
    for (let attempt = 0; ; attempt++) {
      let lib: Library | null = null;
      try {
        lib = Library.open(workspaceDir, { create: true });
        const result = await lib.rebuild();
        return { ...result, movedAside };
      } catch (err) {
        if (!(err instanceof LibraryError && err.code === 'CORRUPT_INDEX') || attempt > 0) throw err;
        lib?.close();
        lib = null;
        movedAside = moveAside(join(workspaceDir, LIBRARY_FILE));
      } finally {
        lib?.close();
      }
    }
  }

  get schemaVersion(): number {
    return this.guard(() => schemaVersion(this.conn()));
  }

  /**
   * (Re)indexes sessions/<id> from its session.json and recording.xdf, replacing its rows in one
   * transaction. A recording still being written is indexed as 'recording'; an XDF without
   * footers whose recorder is gone as 'truncated'. A broken session.json throws BAD_SESSION_META.
   */
  async indexSession(id: string): Promise<IndexResult> {
    this.conn();
    assertValidId(id);
    if (!existsSync(sessionDir(this.workspaceDir, id))) {
      throw new LibraryError('NO_SESSION', `${sessionDir(this.workspaceDir, id)}: no such session folder`, { id });
    }
    const scanned = await scanSession(this.workspaceDir, id);
    this.guard(() =>
      this.conn().transaction(() => {
        this.stmts.deleteSession.run([id]);
        this.insertScanned(scanned);
      }).immediate(),
    );
    return { id, status: scanned.status, warnings: scanned.warnings };
  }

  /**
   * Drops every row and re-indexes every session folder and run folder, in one transaction
   * (readers see the old index until it commits). A folder whose session.json or run.json is
   * broken is skipped with a warning naming the file; the rest are indexed.
   */
  async rebuild(): Promise<Omit<RebuildResult, 'movedAside'> & { movedAside: null }> {
    this.conn();
    const skipped: RebuildResult['skipped'] = [];
    const warnings: string[] = [];
    const sessions: ScannedSession[] = [];
    for (const id of await listSessionIds(this.workspaceDir)) {
      try {
        const s = await scanSession(this.workspaceDir, id);
        sessions.push(s);
        warnings.push(...s.warnings);
      } catch (err) {
        if (!(err instanceof WorkspaceError)) throw err;
        skipped.push({ path: sessionDir(this.workspaceDir, id), reason: err.message });
        warnings.push(`skipped session ${id}: ${err.message}`);
      }
    }
    const runs: RunRecord[] = [];
    for (const kind of ['model', 'evaluation'] as const) {
      for (const r of await this.scanRuns(kind)) {
        if ('reason' in r) {
          skipped.push(r);
          warnings.push(`skipped ${kind} run: ${r.reason}`);
        } else {
          runs.push(r);
        }
      }
    }
    this.guard(() =>
      this.conn().transaction(() => {
        const db = this.conn();
        db.exec('DELETE FROM annotation_sets; DELETE FROM markers; DELETE FROM streams; DELETE FROM sessions; DELETE FROM subjects; DELETE FROM runs;');
        for (const s of sessions) this.insertScanned(s);
        for (const r of runs) this.insertRun(r);
      }).immediate(),
    );
    return { sessions: sessions.length, runs: runs.length, skipped, warnings, movedAside: null };
  }

  /**
   * Re-indexes the sessions the index shows as 'recording' whose recorder is gone (crash, kill):
   * the index cannot learn that by itself. Returns what changed. Cheap when nothing is recording.
   */
  async refreshStaleRecordings(): Promise<IndexResult[]> {
    const recording = this.guard(() => this.stmts.recordingIds.all()).map((r) => r.id);
    const changed: IndexResult[] = [];
    for (const id of recording) {
      if (await isRecordingLive(sessionDir(this.workspaceDir, id))) continue;
      if (!existsSync(sessionDir(this.workspaceDir, id))) {
        this.guard(() => this.stmts.deleteSession.run([id]));
        continue;
      }
      changed.push(await this.indexSession(id));
    }
    return changed;
  }

  listSessions({ subject }: { subject?: string } = {}): SessionSummary[] {
    return this.guard(() => this.stmts.listSessions.all({ subject: subject ?? null }).map(toSummary));
  }

  getSession(id: string): SessionDetail | null {
    return this.guard(() => {
      const row = this.stmts.getSession.get([id]);
      if (!row) return null;
      return {
        ...toSummary(row),
        streams: this.stmts.streamsOf.all([id]),
        markers: this.stmts.markersOf.all([id]),
        annotationSets: this.stmts.annotationSetsOf.all([id]),
      };
    });
  }

  listSubjects(): SubjectSummary[] {
    return this.guard(() => this.stmts.listSubjects.all());
  }

  /**
   * Records a model run or an evaluation: writes <models|evaluations>/<id>/run.json (the truth a
   * rebuild reads back) and its index row. The folder may already hold the run's other files.
   */
  async recordRun(input: RunInput): Promise<RunRecord> {
    this.conn();
    if (input.kind !== 'model' && input.kind !== 'evaluation') {
      throw new LibraryError('BAD_RUN', `run kind "${String(input.kind)}" is not known; expected "model" or "evaluation"`, { kind: input.kind });
    }
    const createdAt = input.createdAt ?? new Date().toISOString();
    if (Number.isNaN(Date.parse(createdAt))) {
      throw new LibraryError('BAD_RUN', `run createdAt "${createdAt}" is not an ISO 8601 time`, { createdAt });
    }
    const id = input.id ?? `${input.kind}-${compactStamp(new Date(createdAt))}-${randomBytes(3).toString('hex')}`;
    assertValidId(id, 'run id');
    const rel = `${RUN_DIRS[input.kind]}/${id}`;
    const run: RunRecord = { id, kind: input.kind, config: input.config ?? null, metrics: input.metrics ?? null, createdAt, path: rel };
    const folder = join(this.workspaceDir, RUN_DIRS[input.kind], id);
    await mkdir(folder, { recursive: true });
    await writeFileAtomic(join(folder, RUN_FILE), `${JSON.stringify(run, null, 2)}\n`);
    this.guard(() => this.insertRun(run));
    return run;
  }

  listRuns({ kind }: { kind?: RunKind } = {}): RunRecord[] {
    return this.guard(() => this.stmts.listRuns.all({ kind: kind ?? null }).map(toRun));
  }

  getRun(id: string): RunRecord | null {
    return this.guard(() => {
      const row = this.stmts.getRun.get([id]);
      return row ? toRun(row) : null;
    });
  }

  close(): void {
    this.db?.close();
    this.db = null;
  }

  private conn(): Database {
    if (!this.db) throw new LibraryError('CLOSED', `${this.path}: the library is closed`, { path: this.path });
    return this.db;
  }

  /** Runs `fn`, turning SQLite's corruption errors into CORRUPT_INDEX with the rebuild hint. */
  private guard<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw toLibraryError(err, this.path, this.workspaceDir);
    }
  }

  private insertScanned(s: ScannedSession): void {
    const st = this.stmts;
    const m = s.meta;
    if (m.subject !== null) st.upsertSubject.run([m.subject, m.createdAt]);
    st.insertSession.run([
      m.id,
      m.subject,
      s.path,
      m.createdAt,
      s.durationSec,
      m.protocol,
      m.notes,
      m.source.kind,
      s.status,
      new Date().toISOString(),
    ]);
    for (const t of s.streams) {
      st.insertStream.run([
        m.id,
        t.xdfStreamId,
        t.name,
        t.type,
        t.channelFormat,
        t.sourceId,
        t.channelCount,
        t.nominalRateHz,
        t.sampleCount,
        t.firstTimeSec,
        t.lastTimeSec,
      ]);
    }
    for (const k of s.markers) st.insertMarker.run([m.id, k.xdfStreamId, k.timeSec, k.label]);
    for (const a of s.annotationSets) {
      st.insertAnnotationSet.run([m.id, a.raterId, a.dimension, a.passId, a.device, a.xdfStreamId, a.channelIndex, a.sampleCount, a.file]);
    }
  }

  private insertRun(r: RunRecord): void {
    this.stmts.upsertRun.run([r.id, r.kind, JSON.stringify(r.config ?? null), r.metrics === null ? null : JSON.stringify(r.metrics), r.createdAt, r.path]);
  }

  private async scanRuns(kind: RunKind): Promise<Array<RunRecord | { path: string; reason: string }>> {
    const root = join(this.workspaceDir, RUN_DIRS[kind]);
    let names: string[];
    try {
      names = (await readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: Array<RunRecord | { path: string; reason: string }> = [];
    for (const name of names) {
      const file = join(root, name, RUN_FILE);
      if (!existsSync(file)) continue; // a model folder written by other tools, not recorded as a run
      try {
        out.push(parseRunFile(JSON.parse(await readFile(file, 'utf8')) as unknown, kind, name, file));
      } catch (err) {
        out.push({ path: file, reason: `${file}: ${err instanceof HimoeError ? err.message : `not valid JSON (${(err as Error).message})`}` });
      }
    }
    return out;
  }
}

function prepareStatements(db: Database) {
  const p = <Row = Record<string, unknown>>(sql: string): Statement<Row> => db.prepare<Row>(sql);
  return {
    deleteSession: p('DELETE FROM sessions WHERE id = ?'),
    recordingIds: p<{ id: string }>("SELECT id FROM sessions WHERE status = 'recording' ORDER BY id"),
    upsertSubject: p(`INSERT INTO subjects (id, first_seen) VALUES (?, ?)
      ON CONFLICT (id) DO UPDATE SET first_seen = MIN(first_seen, excluded.first_seen)`),
    insertSession: p(`INSERT INTO sessions (id, subject_id, path, created_at, duration_sec, protocol, notes, source_kind, status, indexed_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    insertStream: p(`INSERT INTO streams (session_id, xdf_stream_id, name, type, channel_format, source_id, channel_count,
      nominal_rate_hz, sample_count, first_time_sec, last_time_sec) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    insertMarker: p('INSERT INTO markers (session_id, xdf_stream_id, time_sec, label) VALUES (?, ?, ?, ?)'),
    insertAnnotationSet: p(`INSERT INTO annotation_sets (session_id, rater_id, dimension, pass_id, device, xdf_stream_id, channel_index, sample_count, file)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    upsertRun: p(`INSERT INTO runs (id, kind, config_json, metrics_json, created_at, path) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, config_json = excluded.config_json,
        metrics_json = excluded.metrics_json, created_at = excluded.created_at, path = excluded.path`),
    listSessions: p<SessionDbRow>(`${SESSION_SELECT} WHERE (@subject IS NULL OR s.subject_id = @subject) ORDER BY s.created_at, s.id`),
    getSession: p<SessionDbRow>(`${SESSION_SELECT} WHERE s.id = ?`),
    streamsOf: p<StreamRow>(`SELECT xdf_stream_id AS xdfStreamId, name, type, channel_format AS channelFormat, source_id AS sourceId,
      channel_count AS channelCount, nominal_rate_hz AS nominalRateHz, sample_count AS sampleCount,
      first_time_sec AS firstTimeSec, last_time_sec AS lastTimeSec
      FROM streams WHERE session_id = ? ORDER BY xdf_stream_id`),
    markersOf: p<MarkerRow>('SELECT xdf_stream_id AS xdfStreamId, time_sec AS timeSec, label FROM markers WHERE session_id = ? ORDER BY time_sec, id'),
    annotationSetsOf: p<AnnotationSetRow>(`SELECT rater_id AS raterId, dimension, pass_id AS passId, device, xdf_stream_id AS xdfStreamId,
      channel_index AS channelIndex, sample_count AS sampleCount, file
      FROM annotation_sets WHERE session_id = ? ORDER BY rater_id, dimension, pass_id, file, xdf_stream_id`),
    listSubjects: p<SubjectSummary>(`SELECT j.id, j.first_seen AS firstSeen, (SELECT COUNT(*) FROM sessions s WHERE s.subject_id = j.id) AS sessionCount
      FROM subjects j ORDER BY j.id`),
    listRuns: p<RunDbRow>('SELECT * FROM runs WHERE (@kind IS NULL OR kind = @kind) ORDER BY created_at, id'),
    getRun: p<RunDbRow>('SELECT * FROM runs WHERE id = ?'),
  };
}

function toSummary(r: SessionDbRow): SessionSummary {
  return {
    id: r.id,
    subject: r.subject_id,
    path: r.path,
    createdAt: r.created_at,
    durationSec: r.duration_sec,
    protocol: r.protocol ?? '',
    notes: r.notes ?? '',
    sourceKind: r.source_kind,
    status: r.status,
    indexedAt: r.indexed_at,
    streamCount: r.stream_count,
    markerCount: r.marker_count,
  };
}

function toRun(r: RunDbRow): RunRecord {
  return {
    id: r.id,
    kind: r.kind,
    config: JSON.parse(r.config_json) as unknown,
    metrics: r.metrics_json === null ? null : (JSON.parse(r.metrics_json) as unknown),
    createdAt: r.created_at,
    path: r.path,
  };
}

function parseRunFile(value: unknown, kind: RunKind, folder: string, file: string): RunRecord {
  const o = value as Record<string, unknown> | null;
  const bad = (what: string): never => {
    throw new LibraryError('BAD_RUN', `${file}: ${what}`, { file });
  };
  if (typeof o !== 'object' || o === null || Array.isArray(o)) bad('must be a JSON object');
  const r = o as Record<string, unknown>;
  if (r.id !== folder) bad(`"id" is ${JSON.stringify(r.id)} but the folder is "${folder}"; expected them to match`);
  if (r.kind !== kind) bad(`"kind" is ${JSON.stringify(r.kind)}; expected "${kind}" in ${RUN_DIRS[kind]}/`);
  if (typeof r.createdAt !== 'string' || Number.isNaN(Date.parse(r.createdAt))) bad('"createdAt" must be an ISO 8601 time');
  return { id: folder, kind, config: r.config ?? null, metrics: r.metrics ?? null, createdAt: r.createdAt as string, path: `${RUN_DIRS[kind]}/${folder}` };
}

function toLibraryError(err: unknown, path: string, workspaceDir: string): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) {
    return new LibraryError(
      'BUSY',
      `${path}: another process has held the library's write lock for more than ${BUSY_TIMEOUT_MS / 1000} s (a rebuild or an import?); try again when it is done`,
      { path },
      { cause: err },
    );
  }
  if (isCorruptionError(err) || (err instanceof LibraryError && err.code === 'MIGRATION_FAILED' && isCorruptionError(err.cause))) {
    return new LibraryError(
      'CORRUPT_INDEX',
      `${path}: the library index is damaged (${(err as Error).message}); run \`himoe library rebuild --workspace ${workspaceDir}\` to rebuild it from the session folders (the damaged file is kept)`,
      { path },
      { cause: err },
    );
  }
  return err;
}

/** Renames a damaged database and its WAL/shared-memory files aside; returns the new name. */
function moveAside(path: string): string {
  const target = `${path}.corrupt-${compactStamp(new Date())}`;
  renameSync(path, target);
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, target + suffix);
  }
  return target;
}

/** 20261124T043500Z: sortable, safe in file names. */
export function compactStamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

async function writeFileAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

