// The one error class of the dataset importers (pickle-subset reader, MAT level 5 reader, DEAP,
// DREAMER, workspace import). Messages name the file, the byte offset or field, and what was expected.

import { HimoeError } from '../../core/errors.js';

export type DatasetErrorCode =
  | 'PICKLE_OPCODE'
  | 'PICKLE_GLOBAL'
  | 'PICKLE_TRUNCATED'
  | 'PICKLE_MALFORMED'
  | 'MAT_BAD_HEADER'
  | 'MAT_TRUNCATED'
  | 'MAT_BAD_DIMS'
  | 'MAT_UNSUPPORTED'
  | 'MAT_MALFORMED'
  | 'UNSUPPORTED_DTYPE'
  | 'TOO_LARGE'
  | 'BAD_LAYOUT'
  | 'NOT_FOUND'
  | 'IO_FAILED'
  | 'SESSION_EXISTS';

export class DatasetError extends HimoeError {
  readonly domain = 'dataset';
  declare readonly code: DatasetErrorCode;

  constructor(code: DatasetErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}
