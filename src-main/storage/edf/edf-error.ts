// The one error class of the EDF/BDF domain (writer, reader). Messages name the file, the
// header field or byte offset, and what was expected; `code` is stable for callers and tests.

import { HimoeError } from '../../core/errors.js';

export type EdfErrorCode =
  /** Fewer bytes than the fixed header or the signal headers need. */
  | 'TRUNCATED'
  /** The version field is neither "0" (EDF) nor 0xFF "BIOSEMI" (BDF). */
  | 'BAD_VERSION'
  /** A header field holds bytes outside printable US-ASCII (32..126). */
  | 'NON_ASCII'
  /** A header field does not parse as what it must hold (number, date, time, label). */
  | 'BAD_FIELD'
  /** The header's sizes (header bytes, signals, records, samples) contradict each other or the
   *  file size (including data records missing at the end). */
  | 'SIZE_MISMATCH'
  /** A count outside what the format or this reader allows (signals, records, samples per record). */
  | 'LIMIT_EXCEEDED'
  /** An EDF+/BDF+ annotation signal holds bytes that are not valid TALs. */
  | 'BAD_ANNOTATION'
  /** What the writer was given cannot be encoded (rates, lengths, labels, ranges). */
  | 'BAD_INPUT'
  | 'IO_FAILED';

export class EdfError extends HimoeError {
  readonly domain = 'edf';
  declare readonly code: EdfErrorCode;

  constructor(code: EdfErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }

  /** The header field the error refers to, when there is one. */
  get field(): string | undefined {
    const v = this.details['field'];
    return typeof v === 'string' ? v : undefined;
  }
}
