// The one error class of the session library (SQLite index of a workspace). Messages name the
// workspace or file, what was wrong, and what to do (e.g. run `himoe library rebuild`).

import { HimoeError } from '../../core/errors.js';

export type LibraryErrorCode =
  | 'NO_WORKSPACE'
  | 'CORRUPT_INDEX'
  | 'BUSY'
  | 'NEWER_SCHEMA'
  | 'MIGRATION_FAILED'
  | 'NO_SESSION'
  | 'SESSION_EXISTS'
  | 'BAD_RUN'
  | 'IO_FAILED'
  | 'CLOSED';

export class LibraryError extends HimoeError {
  readonly domain = 'library';
  declare readonly code: LibraryErrorCode;

  constructor(code: LibraryErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}
