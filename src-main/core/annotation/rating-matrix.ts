// The targets x raters matrix every agreement statistic reads: rated items, or the time
// points of a common grid for continuous traces. Row-major; NaN marks a missing rating.

import { AnnotationError } from './errors.js';

export interface RatingMatrix {
  /** Targets (items, or grid time points). */
  readonly targets: number;
  /** Raters (coders, judges; a model may be one). */
  readonly raters: number;
  /** targets x raters, row-major: values[i * raters + j] is rater j's rating of target i; NaN = missing. */
  readonly values: Float64Array;
}

/** Build a matrix from rows (one per target); null/undefined/NaN are missing ratings. */
export function ratingMatrix(rows: ReadonlyArray<ReadonlyArray<number | null | undefined>>): RatingMatrix {
  const targets = rows.length;
  const raters = targets > 0 ? rows[0].length : 0;
  const values = new Float64Array(targets * raters);
  for (let i = 0; i < targets; i++) {
    const row = rows[i];
    if (row.length !== raters) {
      throw new AnnotationError('BAD_MATRIX', `rating row ${i} has ${row.length} ratings; expected ${raters} like row 0`, { row: i });
    }
    for (let j = 0; j < raters; j++) {
      const v = row[j];
      if (v !== null && v !== undefined && !Number.isNaN(v) && !Number.isFinite(v)) {
        throw new AnnotationError('BAD_MATRIX', `rating at row ${i}, rater ${j} is ${v}; expected a finite number or missing`, { row: i, rater: j });
      }
      values[i * raters + j] = v === null || v === undefined ? Number.NaN : v;
    }
  }
  return { targets, raters, values };
}

/** Build a matrix from columns (one per rater, e.g. traces on a common grid). */
export function ratingMatrixFromColumns(columns: ReadonlyArray<ArrayLike<number>>): RatingMatrix {
  const raters = columns.length;
  const targets = raters > 0 ? columns[0].length : 0;
  const values = new Float64Array(targets * raters);
  for (let j = 0; j < raters; j++) {
    const col = columns[j];
    if (col.length !== targets) {
      throw new AnnotationError('BAD_MATRIX', `rater column ${j} has ${col.length} values; expected ${targets} like column 0`, { rater: j });
    }
    for (let i = 0; i < targets; i++) {
      const v = col[i];
      values[i * raters + j] = Number.isFinite(v) ? v : Number.NaN;
    }
  }
  return { targets, raters, values };
}

/** Column j as a new array. */
export function raterColumn(m: RatingMatrix, j: number): Float64Array {
  const out = new Float64Array(m.targets);
  for (let i = 0; i < m.targets; i++) out[i] = m.values[i * m.raters + j];
  return out;
}

/** Indices of the targets rated by every rater (listwise deletion, as the ICC needs). */
export function completeTargets(m: RatingMatrix): Int32Array {
  const keep = new Int32Array(m.targets);
  let n = 0;
  for (let i = 0; i < m.targets; i++) {
    let ok = true;
    for (let j = 0; j < m.raters && ok; j++) if (Number.isNaN(m.values[i * m.raters + j])) ok = false;
    if (ok) keep[n++] = i;
  }
  return keep.slice(0, n);
}
