// CSV export of annotation traces: one time column and one column per rater (per rater and
// dimension when several dimensions are exported together), resampled onto a common grid,
// with the scale, clock and resampling stated in '#' comment lines above the header.

import { AnnotationError } from './errors.js';
import { resampleTrace, traceSpan, uniformGrid, type ResampleOptions } from './grid.js';
import { ANNOTATION_SCALE, type AnnotationTrace } from './trace.js';

export interface TraceCsvOptions extends ResampleOptions {
  /** Grid rate (default 10 Hz). */
  rateHz?: number;
  /** Grid span (default: the union of the traces' spans). */
  startSec?: number;
  endSec?: number;
  /** Decimals of the values (default 4); times get enough to resolve the grid. */
  decimals?: number;
}

export function tracesToCsv(traces: readonly AnnotationTrace[], opts: TraceCsvOptions = {}): string {
  if (traces.length === 0) throw new AnnotationError('NO_ANNOTATIONS', 'no annotation traces to export');
  const rateHz = opts.rateHz ?? 10;
  const span = traceSpan(traces);
  const startSec = opts.startSec ?? span.startSec;
  const endSec = opts.endSec ?? span.endSec;
  const grid = uniformGrid(startSec, endSec, rateHz);
  const decimals = opts.decimals ?? 4;
  const timeDecimals = Math.max(3, Math.ceil(Math.log10(rateHz)) + 2);
  const dims = [...new Set(traces.map((t) => t.dimension))];
  const names = traces.map((t) => (dims.length === 1 ? t.raterId : `${t.raterId}:${t.dimension}`));
  const columns = traces.map((t) => resampleTrace(t, grid, opts));
  const interpolation = opts.interpolation ?? 'linear';
  const lines: string[] = [
    '# HiMoE Workstation annotation traces',
    `# dimension${dims.length > 1 ? 's' : ''}: ${dims.join(', ')}`,
    `# scale: [${ANNOTATION_SCALE.min}, ${ANNOTATION_SCALE.max}] a.u. (${ANNOTATION_SCALE.min} = lowest / most negative, ${ANNOTATION_SCALE.max} = highest / most positive)`,
    `# time_s: session clock in seconds; common grid at ${rateHz} Hz from ${startSec.toFixed(timeDecimals)} to ${endSec.toFixed(timeDecimals)} s`,
    `# resampling: ${interpolation === 'hold' ? 'last value held' : 'linear interpolation'}; an empty cell is no rating (outside the trace, or a gap longer than ${opts.maxGapSec ?? 1} s)`,
    `# columns: ${traces.map((t, i) => `${names[i]} = ${t.kind} ${t.raterId}, ${t.dimension}, device ${t.device}`).join('; ')}`,
    ['time_s', ...names.map(csvField)].join(','),
  ];
  for (let g = 0; g < grid.length; g++) {
    let row = grid[g].toFixed(timeDecimals);
    for (const col of columns) {
      const v = col[g];
      row += Number.isNaN(v) ? ',' : `,${v.toFixed(decimals)}`;
    }
    lines.push(row);
  }
  return `${lines.join('\n')}\n`;
}

function csvField(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
