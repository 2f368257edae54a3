// Annotation traces from and to files: the ANNOTATION streams (plus PREDICTION and
// GROUND_TRUTH references) of a session XDF as traces on the session clock, and the CSV
// export of traces. A workspace recording's post-hoc passes (sessions/<id>/annotations/*.xdf,
// written by engine/replay-handlers.ts) are read with it. The library index reads through here too.

import { writeFile } from 'node:fs/promises';
import { tracesToCsv, type TraceCsvOptions } from '../core/annotation/csv.js';
import { tracesFromStreams, type AnnotationTrace } from '../core/annotation/trace.js';
import { postHocAnnotationFiles } from '../storage/workspace.js';
import { readXdf, type XdfFile, type XdfReadOptions } from '../storage/xdf/xdf-reader.js';

export interface AnnotationFileContents {
  /** Rater traces (kind 'rater') and, unless excluded, model / ground-truth references. */
  traces: AnnotationTrace[];
  /** Dimensions annotated by at least one rater, in first-seen order. */
  dimensions: string[];
  warnings: string[];
  /** The files read: the recording first, then its post-hoc annotation files. */
  files: string[];
}

/** Traces of an XdfFile already read (clock-synchronised, as readXdf returns by default). */
export function annotationTracesOf(file: XdfFile, opts: { includeReferences?: boolean } = {}): Omit<AnnotationFileContents, 'files'> {
  const traces = tracesFromStreams(file.streams, { includeReferences: opts.includeReferences ?? true });
  return { traces, dimensions: raterDimensions(traces), warnings: file.warnings };
}

function raterDimensions(traces: readonly AnnotationTrace[]): string[] {
  return [...new Set(traces.filter((t) => t.kind === 'rater').map((t) => t.dimension))];
}

/**
 * Read a session XDF and return its annotation traces (timestamps on the session clock). With
 * `postHoc` (default true) the post-hoc passes beside a workspace recording join in as raters
 * (references come from the recording only); each pass has its own pass id, so rater ids stay unique.
 */
export async function readAnnotationTraces(
  path: string,
  opts: { includeReferences?: boolean; xdf?: XdfReadOptions; postHoc?: boolean } = {},
): Promise<AnnotationFileContents> {
  const main = annotationTracesOf(await readXdf(path, opts.xdf ?? {}), opts);
  const files = [path];
  const traces = [...main.traces];
  const warnings = [...main.warnings];
  if (opts.postHoc ?? true) {
    for (const file of await postHocAnnotationFiles(path)) {
      // Post-hoc passes are written on the session clock (zero offset, irregular): nothing to dejitter.
      const extra = annotationTracesOf(await readXdf(file, { ...(opts.xdf ?? {}), dejitter: false }), { includeReferences: false });
      traces.push(...extra.traces);
      warnings.push(...extra.warnings.map((w) => `${file}: ${w}`));
      files.push(file);
    }
  }
  return { traces, dimensions: raterDimensions(traces), warnings, files };
}

/** Write traces as CSV (time + one column per rater on a common grid; see tracesToCsv). */
export async function writeTracesCsv(path: string, traces: readonly AnnotationTrace[], opts: TraceCsvOptions = {}): Promise<void> {
  await writeFile(path, tracesToCsv(traces, opts), 'utf8');
}
