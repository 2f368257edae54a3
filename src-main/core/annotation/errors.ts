// Errors of the annotation domain: bad traces, rating matrices, options or live samples
// given to the agreement statistics, lag estimation, consensus and annotation inputs.

import { HimoeError } from '../errors.js';

export type AnnotationErrorCode =
  | 'BAD_TRACE'
  | 'BAD_MATRIX'
  | 'BAD_OPTION'
  | 'BAD_SAMPLE'
  | 'TOO_FEW_RATERS'
  | 'TOO_FEW_POINTS'
  | 'UNKNOWN_STREAM'
  | 'NO_ANNOTATIONS';

export class AnnotationError extends HimoeError {
  readonly domain = 'annotation';
  declare readonly code: AnnotationErrorCode;
  constructor(code: AnnotationErrorCode, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, details, options);
  }
}
