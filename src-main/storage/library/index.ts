// Public entry of the session library: the SQLite index of a workspace (DESIGN §3) and the
// helpers that create a session folder for a recording.

export { LibraryError, type LibraryErrorCode } from './library-error.js';
export {
  Library,
  RUN_FILE,
  type IndexResult,
  type OpenOptions,
  type RebuildResult,
  type RunInput,
  type RunKind,
  type RunRecord,
  type SessionDetail,
  type SessionSummary,
  type SubjectSummary,
} from './library.js';
export { LATEST_SCHEMA_VERSION, MIGRATIONS, migrate, schemaVersion, type Migration, type MigrateResult } from './migrations.js';
export {
  beginSessionRecording,
  finishSessionRecording,
  newSessionId,
  openSessionRecording,
  type NewSession,
  type NewSessionInit,
  type SessionRecording,
} from './session-folder.js';
export { acquireRecordingLock, isRecordingLive, releaseRecordingLock, RECORDING_LOCK_FILE } from './recording-lock.js';
export type { AnnotationSetRow, MarkerRow, SessionStatus, StreamRow } from './session-scan.js';
