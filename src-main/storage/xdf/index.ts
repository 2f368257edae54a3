// Public entry of the XDF storage module: writer (session recorder), reader (import, inspect,
// playback) and repair (CLI `himoe repair`).

export { XdfError, type XdfErrorCode } from './xdf-error.js';
export { XdfWriter, type XdfWriterOptions, type XdfSampleValues } from './xdf-writer.js';
export { readXdf, readXdfBytes, type XdfFile, type XdfStream, type XdfReadOptions, type XdfTimeSeries } from './xdf-reader.js';
export { repairXdf, type XdfRepairOptions, type XdfRepairResult } from './xdf-repair.js';
