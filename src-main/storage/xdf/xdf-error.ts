// The one error class of the XDF domain (writer, reader, repair). Messages name the file, the
// byte offset or field, and what was expected; `code` is stable for callers and tests.

import { HimoeError } from '../../core/errors.js';

export type XdfErrorCode =
  | 'BAD_MAGIC'
  | 'TRUNCATED_CHUNK'
  | 'BAD_LENGTH'
  | 'BAD_TAG'
  | 'BAD_XML'
  | 'BAD_HEADER'
  | 'BAD_SAMPLES'
  | 'BAD_CHUNK'
  | 'UNKNOWN_STREAM'
  | 'FILE_EXISTS'
  | 'IO_FAILED'
  | 'WRITER_CLOSED'
  | 'WRITER_FAILED';

export class XdfError extends HimoeError {
  readonly domain = 'xdf';
  declare readonly code: XdfErrorCode;

  constructor(code: XdfErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}
