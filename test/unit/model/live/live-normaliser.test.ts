import { describe, expect, it } from 'vitest';
import { assembleWindow, type ModalityInput } from '../../../../src-main/core/align/index.js';
import { resolveHiMoEConfig } from '../../../../src-main/model/himoe/index.js';
import { LiveNormaliser } from '../../../../src-main/model/live/live-normaliser.js';
import { seededRng } from '../../../../src-main/model/runtime/index.js';

const config = resolveHiMoEConfig({ modalities: [{ modality: 'EDA', rateHz: 8, channelLabels: ['EDA'] }], windowSec: 4, dModel: 16, heads: 2 });
const alignConfig = { windowSec: 4, tokenRateHz: 4, modalities: ['EDA' as const], modelRatesHz: { EDA: 8 } as never, channelCounts: { EDA: 1 } };

function edaInput(durationSec: number, valueAt: (tSec: number) => number): ModalityInput {
  const n = durationSec * 8;
  const timestamps = Float64Array.from({ length: n }, (_, i) => i / 8);
  return { modality: 'EDA', channelCount: 1, nominalRateHz: 8, timestamps, values: Float32Array.from(timestamps, valueAt) };
}

function feed(normaliser: LiveNormaliser, input: ModalityInput, durationSec: number) {
  let stats = normaliser.update(assembleWindow([input], 4, alignConfig));
  for (let end = 4.5; end <= durationSec; end += 0.5) stats = normaliser.update(assembleWindow([input], end, alignConfig));
  return stats.EDA!;
}

describe('LiveNormaliser', () => {
  it('estimates the subject median and IQR-based scale from the session so far', () => {
    const rng = seededRng(4, 'eda');
    const input = edaInput(60, () => 5 + 2 * rng.gaussian());

    const stats = feed(new LiveNormaliser(config, 120, 1), input, 60);

    expect(stats.center[0]).toBeCloseTo(5, 0);
    expect(Math.abs(stats.scale[0]! - 2)).toBeLessThan(0.3);
  });

  it('takes each sample once from overlapping windows and keeps only the newest capacitySec', () => {
    const input = edaInput(30, (t) => t);

    const stats = feed(new LiveNormaliser(config, 10, 1), input, 30);

    // the last 10 s of a ramp: median 25 s within the stride-4 subsample's 0.5 s (re-adding overlaps would crowd the reservoir with the last window: ~28 s)
    expect(Math.abs(stats.center[0]! - 25)).toBeLessThanOrEqual(0.5);
  });
});
