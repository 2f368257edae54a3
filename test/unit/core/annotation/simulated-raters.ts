// Test helper: a seeded smooth "true emotion" signal and simulated raters who follow it
// with their own reaction lag, gain, bias, noise and sampling (shared by core, engine and
// CLI annotation tests).

import type { AnnotationTrace } from '../../../../src-main/core/annotation/trace.js';

export function lcg(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** A smooth signal in about [-0.8, 0.8]: sum of slow sinusoids (periods 8-60 s) with seeded phases. */
export function latentSignal(seed: number): (tSec: number) => number {
  const rnd = lcg(seed);
  const comps = Array.from({ length: 6 }, () => ({ f: 1 / (8 + rnd() * 52), ph: rnd() * 2 * Math.PI, a: 0.5 + rnd() }));
  const norm = comps.reduce((s, c) => s + c.a, 0);
  return (t) => (0.8 * comps.reduce((s, c) => s + c.a * Math.sin(2 * Math.PI * c.f * t + c.ph), 0)) / norm;
}

export interface SimRater {
  raterId: string;
  lagSec: number;
  gain?: number;
  bias?: number;
  noise?: number;
  rateHz?: number;
  device?: string;
  seed?: number;
}

/** A rater's trace over [startSec, endSec]: value(t) = gain * latent(t - lag) + bias + noise, clamped to [-1, 1]. */
export function simulateRater(latent: (t: number) => number, r: SimRater, startSec: number, endSec: number, dimension = 'valence'): AnnotationTrace {
  const rate = r.rateHz ?? 20;
  const rnd = lcg(r.seed ?? 99);
  const n = Math.floor((endSec - startSec) * rate) + 1;
  const timesSec = new Float64Array(n);
  const values = new Float64Array(n);
  let smoothNoise = 0;
  for (let i = 0; i < n; i++) {
    const t = startSec + i / rate + (rnd() - 0.5) * 0.2 / rate;
    timesSec[i] = t;
    smoothNoise = 0.9 * smoothNoise + 0.1 * (rnd() * 2 - 1);
    const v = (r.gain ?? 1) * latent(t - r.lagSec) + (r.bias ?? 0) + (r.noise ?? 0) * smoothNoise * 3;
    values[i] = Math.max(-1, Math.min(1, v));
  }
  return { raterId: r.raterId, dimension, device: r.device ?? 'joystick', kind: 'rater', timesSec, values };
}

/** The latent signal itself as a reference trace (ground truth / ideal model output). */
export function referenceTrace(latent: (t: number) => number, startSec: number, endSec: number, rateHz: number, kind: AnnotationTrace['kind'] = 'ground-truth', dimension = 'valence'): AnnotationTrace {
  const n = Math.floor((endSec - startSec) * rateHz) + 1;
  const timesSec = new Float64Array(n);
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    timesSec[i] = startSec + i / rateHz;
    values[i] = latent(timesSec[i]);
  }
  return { raterId: kind, dimension, device: 'reference', kind, timesSec, values };
}
