// Test helper: builds a ModalityInput as a device would deliver it after clock sync: a true
// sample clock with drift, stamping jitter, late start / early stop, gaps, optional time shift.

import type { Modality, ModalityInput } from '../../../../src-main/core/align/types.js';
import { rng } from '../dsp/sine-fit.js';

export interface StreamSpec {
  modality: Modality;
  rateHz: number;
  channelCount?: number;
  startSec?: number;
  endSec: number;
  driftPpm?: number;
  /** Uniform stamping jitter, +- seconds (the samples themselves are taken on the true clock). */
  jitterSec?: number;
  /** Intervals [fromSec, toSec) whose samples are lost. */
  gaps?: ReadonlyArray<readonly [number, number]>;
  /** Added to every timestamp (the device's samples are stamped this much later). */
  shiftSec?: number;
  /** Signal value at true time t for channel c. */
  signal?: (tSec: number, channel: number) => number;
  seed?: number;
}

export function makeStream(spec: StreamSpec): ModalityInput {
  const rand = rng(spec.seed ?? 7);
  const channels = spec.channelCount ?? 1;
  const trueRate = spec.rateHz * (1 + (spec.driftPpm ?? 0) * 1e-6);
  const startSec = spec.startSec ?? 0;
  const signal = spec.signal ?? ((t: number, c: number) => Math.sin(2 * Math.PI * (1 + c) * t));
  const times: number[] = [];
  const values: number[] = [];
  for (let i = 0; ; i++) {
    const t = startSec + i / trueRate;
    if (t >= spec.endSec) break;
    if (spec.gaps?.some(([a, b]) => t >= a && t < b)) continue;
    times.push(t + (spec.shiftSec ?? 0) + (rand() * 2 - 1) * (spec.jitterSec ?? 0));
    for (let c = 0; c < channels; c++) values.push(signal(t, c));
  }
  return {
    modality: spec.modality,
    channelCount: channels,
    nominalRateHz: spec.rateHz,
    timestamps: Float64Array.from(times),
    values: Float32Array.from(values),
    streamId: `test:${spec.modality.toLowerCase()}`,
  };
}
