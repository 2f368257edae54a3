// Public entry of the EDF/BDF storage module: writer (export, BIDS) and reader (import, checks).

export { EdfError, type EdfErrorCode } from './edf-error.js';
export {
  formatHeaderNumber,
  parseHeaderNumber,
  shortUnit,
  type EdfFormat,
  type EdfPatientFields,
  type EdfRecordingFields,
} from './edf-format.js';
export { type EdfAnnotation } from './edf-tal.js';
export {
  EdfEncoder,
  chooseRecordDuration,
  encodeEdf,
  writeEdfFile,
  type EdfSignalSpec,
  type EdfWriteResult,
  type EdfWriteSpec,
  type EdfWrittenSignal,
} from './edf-writer.js';
export { readEdf, readEdfBytes, sampleTimeSec, type EdfFile, type EdfReadOptions, type EdfSignal, type EdfStatusChannel } from './edf-reader.js';
