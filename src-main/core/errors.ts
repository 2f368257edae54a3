// Base of the per-domain error classes. Each domain (streams, sources, xdf, align, engine,
// cli, ...) has one subclass; `code` is stable and machine-readable, the message names
// the input, the offset or field, and what was expected.

export abstract class HimoeError extends Error {
  abstract readonly domain: string;
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: string, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.details = details;
    this.name = new.target.name;
  }

  /** Byte offset in the input (file, frame) the error refers to, when there is one. */
  get byteOffset(): number | undefined {
    const v = this.details['byteOffset'];
    return typeof v === 'number' ? v : undefined;
  }
}

/** Errors from the stream core: buffers, chunks, clock sync. */
export class StreamError extends HimoeError {
  readonly domain = 'streams';
}

/** Errors raised by a SignalSource (device, synthetic, playback). */
export class SourceError extends HimoeError {
  readonly domain = 'source';
  /** The source that failed. */
  readonly sourceId: string;
  constructor(code: string, sourceId: string, message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, { ...details, sourceId }, options);
    this.sourceId = sourceId;
  }
}

/** Errors from the aligner / window assembler. */
export class AlignError extends HimoeError {
  readonly domain = 'align';
}

/** Errors from signal processing (resampling, filters): bad shapes, rates, timestamps or options. */
export class DspError extends HimoeError {
  readonly domain = 'dsp';
}
