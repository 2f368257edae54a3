// Test helper: least-squares fit of offset + a sin + b cos at a known frequency, so tests can
// read amplitude and timing of a resampled tone (used by the dsp and align tests).

export interface SineFit {
  amplitude: number;
  /** Delay in seconds of the fitted tone relative to sin(2 pi f t), wrapped to half a period. */
  delaySec: number;
  offset: number;
  /** RMS of the residual after the fit. */
  residualRms: number;
}

/** Fit over the samples whose time lies in [fromSec, toSec] and whose mask is 1 (if given). */
export function fitSine(
  timesSec: ArrayLike<number>,
  values: ArrayLike<number>,
  freqHz: number,
  fromSec: number,
  toSec: number,
  mask?: ArrayLike<number>,
  stride = 1,
  offsetInRow = 0,
): SineFit {
  // Normal equations for [sin, cos, 1].
  const m = [0, 0, 0, 0, 0, 0, 0, 0, 0];
  const r = [0, 0, 0];
  let count = 0;
  for (let i = 0; i < timesSec.length; i++) {
    const t = timesSec[i]!;
    if (t < fromSec || t > toSec) continue;
    if (mask !== undefined && mask[i] === 0) continue;
    const y = values[i * stride + offsetInRow]!;
    const s = Math.sin(2 * Math.PI * freqHz * t);
    const c = Math.cos(2 * Math.PI * freqHz * t);
    const basis = [s, c, 1];
    for (let a = 0; a < 3; a++) {
      r[a]! += basis[a]! * y;
      for (let b = 0; b < 3; b++) m[a * 3 + b]! += basis[a]! * basis[b]!;
    }
    count++;
  }
  if (count < 3) throw new Error(`fitSine: only ${count} samples in [${fromSec}, ${toSec}]`);
  const [sa, sb, sc] = solve3(m, r);
  const amplitude = Math.hypot(sa, sb);
  // sa sin(wt) + sb cos(wt) = A sin(w t + phi) = A sin(w (t - d)), d = -phi / w.
  const phi = Math.atan2(sb, sa);
  const period = 1 / freqHz;
  let delaySec = -phi / (2 * Math.PI * freqHz);
  delaySec -= Math.round(delaySec / period) * period;
  let ss = 0;
  for (let i = 0; i < timesSec.length; i++) {
    const t = timesSec[i]!;
    if (t < fromSec || t > toSec) continue;
    if (mask !== undefined && mask[i] === 0) continue;
    const e = values[i * stride + offsetInRow]! - (sa * Math.sin(2 * Math.PI * freqHz * t) + sb * Math.cos(2 * Math.PI * freqHz * t) + sc);
    ss += e * e;
  }
  return { amplitude, delaySec, offset: sc, residualRms: Math.sqrt(ss / count) };
}

function solve3(m: number[], r: number[]): [number, number, number] {
  const a = m.slice();
  const b = r.slice();
  for (let col = 0; col < 3; col++) {
    let pivot = col;
    for (let row = col + 1; row < 3; row++) if (Math.abs(a[row * 3 + col]!) > Math.abs(a[pivot * 3 + col]!)) pivot = row;
    for (let k = 0; k < 3; k++) [a[col * 3 + k], a[pivot * 3 + k]] = [a[pivot * 3 + k]!, a[col * 3 + k]!];
    [b[col], b[pivot]] = [b[pivot]!, b[col]!];
    for (let row = 0; row < 3; row++) {
      if (row === col) continue;
      const f = a[row * 3 + col]! / a[col * 3 + col]!;
      for (let k = 0; k < 3; k++) a[row * 3 + k]! -= f * a[col * 3 + k]!;
      b[row]! -= f * b[col]!;
    }
  }
  return [b[0]! / a[0]!, b[1]! / a[4]!, b[2]! / a[8]!];
}

/** Grid times of a uniform grid. */
export function gridTimes(startSec: number, rateHz: number, length: number): Float64Array {
  const t = new Float64Array(length);
  for (let i = 0; i < length; i++) t[i] = startSec + i / rateHz;
  return t;
}

/** Deterministic PRNG (mulberry32) for jitter and noise in tests. */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
