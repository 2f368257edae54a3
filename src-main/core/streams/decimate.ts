// Min/max decimation per pixel column: what crosses to the renderer for a plot is two
// values per channel per column, whatever the sample rate (uPlot's habit, done engine-side).

/**
 * For samples (row-major `count` x `channels`, timestamps ascending) write, per channel and
 * column, [min, max] of the samples whose time falls in the column into `out`
 * (channels x columns x 2); columns without samples get NaN. Returns `out`.
 */
export function decimateMinMax(
  values: Float32Array,
  timestamps: Float64Array,
  count: number,
  channels: number,
  t0Sec: number,
  t1Sec: number,
  columns: number,
  out: Float32Array = new Float32Array(channels * columns * 2),
): Float32Array {
  out.fill(Number.NaN);
  const span = t1Sec - t0Sec;
  if (!(span > 0) || columns <= 0) return out;
  const scale = columns / span;
  for (let i = 0; i < count; i++) {
    const col = Math.floor((timestamps[i] - t0Sec) * scale);
    if (col < 0 || col >= columns) continue;
    const row = i * channels;
    for (let c = 0; c < channels; c++) {
      const v = values[row + c];
      if (v !== v) continue; // a NaN sample carries no extent
      const k = (c * columns + col) * 2;
      const lo = out[k];
      // NaN compares false: the first sample of a column initialises both bounds.
      if (!(v >= lo)) out[k] = v;
      const hi = out[k + 1];
      if (!(v <= hi)) out[k + 1] = v;
    }
  }
  return out;
}
