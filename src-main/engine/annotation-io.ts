// Annotation traces from and to files: the ANNOTATION streams (plus PREDICTION and
// GROUND_TRUTH references) of a session XDF as traces on the session clock, and the CSV
// export of traces. The library index of annotations (issue 5) reads through here too.

import { writeFile } from 'node:fs/promises';
import { tracesToCsv, type TraceCsvOptions } from '../core/annotation/csv.js';
import { tracesFromStreams, type AnnotationTrace } from '../core/annotation/trace.js';
import { readXdf, type XdfFile, type XdfReadOptions } from '../storage/xdf/xdf-reader.js';

export interface AnnotationFileContents {
  /** Rater traces (kind 'rater') and, unless excluded, model / ground-truth references. */
  traces: AnnotationTrace[];
  /** Dimensions annotated by at least one rater, in first-seen order. */
  dimensions: string[];
  warnings: string[];
}

/** Traces of an XdfFile already read (clock-synchronised, as readXdf returns by default). */
export function annotationTracesOf(file: XdfFile, opts: { includeReferences?: boolean } = {}): AnnotationFileContents {
  const traces = tracesFromStreams(file.streams, { includeReferences: opts.includeReferences ?? true });
  const dimensions = [...new Set(traces.filter((t) => t.kind === 'rater').map((t) => t.dimension))];
  return { traces, dimensions, warnings: file.warnings };
}

/** Read a session XDF and return its annotation traces (timestamps on the session clock). */
export async function readAnnotationTraces(
  path: string,
  opts: { includeReferences?: boolean; xdf?: XdfReadOptions } = {},
): Promise<AnnotationFileContents> {
  return annotationTracesOf(await readXdf(path, opts.xdf ?? {}), opts);
}

/** Write traces as CSV (time + one column per rater on a common grid; see tracesToCsv). */
export async function writeTracesCsv(path: string, traces: readonly AnnotationTrace[], opts: TraceCsvOptions = {}): Promise<void> {
  await writeFile(path, tracesToCsv(traces, opts), 'utf8');
}
