// The aligner: maps every modality's device stream onto its model-rate grid on the session
// timeline (anti-aliased resampling, availability mask). Sits between the engine's ring
// buffers / a recorded session and the window assembler that feeds the model.

import { DspError, AlignError } from '../errors.js';
import { checkTimestamps, resampleToGrid } from '../dsp/resample.js';
import {
  type AlignConfig,
  type AlignedModality,
  type AlignedSession,
  type Modality,
  type ModalityInput,
  gridOriginAtOrBefore,
  isModality,
  patchGeometry,
  resolveAlignConfig,
} from './types.js';

function label(input: ModalityInput, index: number): string {
  return input.streamId !== undefined ? `input ${index} (${input.modality}, "${input.streamId}")` : `input ${index} (${String(input.modality)})`;
}

/**
 * Check the inputs against the config and index them by modality. Throws AlignError:
 * 'unknown-modality', 'duplicate-modality', 'invalid-channel-count', 'channel-count-mismatch',
 * 'length-mismatch', 'invalid-rate', and with `checkAllTimestamps` 'non-finite-timestamp' /
 * 'non-monotonic-timestamps' (otherwise only the samples actually used are checked).
 */
export function validateInputs(
  inputs: readonly ModalityInput[],
  config: AlignConfig,
  checkAllTimestamps: boolean,
): Partial<Record<Modality, ModalityInput>> {
  const byModality: Partial<Record<Modality, ModalityInput>> = {};
  inputs.forEach((input, index) => {
    const what = label(input, index);
    if (typeof input.modality !== 'string' || !isModality(input.modality) || !config.modalities.includes(input.modality)) {
      throw new AlignError(
        'unknown-modality',
        `${what}: modality "${String(input.modality)}" is not one of the configured modalities ${config.modalities.join(', ')}`,
        { index, modality: input.modality },
      );
    }
    const m = input.modality;
    if (byModality[m] !== undefined) {
      throw new AlignError('duplicate-modality', `${what}: a second stream for ${m}; give the aligner one stream per modality`, { index, modality: m });
    }
    if (!Number.isInteger(input.channelCount) || input.channelCount < 1) {
      throw new AlignError('invalid-channel-count', `${what}: channelCount must be a positive integer, got ${input.channelCount}`, {
        index,
        channelCount: input.channelCount,
      });
    }
    const expected = config.channelCounts[m];
    if (expected !== undefined && expected !== input.channelCount) {
      throw new AlignError('channel-count-mismatch', `${what}: has ${input.channelCount} channels, the model expects ${expected} for ${m}`, {
        index,
        channelCount: input.channelCount,
        expected,
      });
    }
    if (!(input.timestamps instanceof Float64Array) || !(input.values instanceof Float32Array)) {
      throw new AlignError('length-mismatch', `${what}: timestamps must be a Float64Array and values a Float32Array`, { index });
    }
    if (input.values.length !== input.timestamps.length * input.channelCount) {
      throw new AlignError(
        'length-mismatch',
        `${what}: values has ${input.values.length} elements, expected ${input.timestamps.length} timestamps x ${input.channelCount} channels = ${input.timestamps.length * input.channelCount}`,
        { index, values: input.values.length, timestamps: input.timestamps.length, channelCount: input.channelCount },
      );
    }
    if (!Number.isFinite(input.nominalRateHz) || input.nominalRateHz < 0) {
      throw new AlignError('invalid-rate', `${what}: nominalRateHz must be >= 0 and finite (0 = estimate), got ${input.nominalRateHz}`, {
        index,
        nominalRateHz: input.nominalRateHz,
      });
    }
    if (checkAllTimestamps) {
      try {
        checkTimestamps(input.timestamps, 0, input.timestamps.length, `${what} timestamps`);
      } catch (error) {
        throw asAlignError(error, what, index);
      }
    }
    byModality[m] = input;
  });
  return byModality;
}

/** Re-raise a DspError from the resampler as an AlignError naming the stream. */
export function asAlignError(error: unknown, what: string, index: number): unknown {
  if (error instanceof DspError) {
    const message = error.message.startsWith(what) ? error.message : `${what}: ${error.message}`;
    return new AlignError(error.code, message, { ...error.details, index }, { cause: error });
  }
  return error;
}

/** A session time modality m's grid passes through at the first sample of a patch: the fixed
 *  anchor, else the stream's first sample ('stream'), else half a model sample after the session
 *  origin so that patch intervals coincide with token intervals ('session'). */
export function anchorFor(m: Modality, input: ModalityInput | undefined, config: AlignConfig, sessionOriginSec: number): number {
  const fixed = config.anchorsSec[m];
  if (fixed !== undefined) return fixed;
  if (config.gridAnchor === 'stream' && input !== undefined && input.timestamps.length > 0) return input.timestamps[0]!;
  return sessionOriginSec + 0.5 / config.modelRatesHz[m];
}

/** Options of alignSession: the session span plus any config overrides. */
export type AlignSessionOptions = { startSec: number; endSec: number } & Partial<AlignConfig>;

/**
 * Map a whole session onto the session timeline at model rates: per configured modality a
 * grid of whole patches covering [startSec, endSec] (see AlignedSession), the resampled values
 * and the availability mask. A modality
 * without a stream is present with an all-zero mask. Data outside [startSec, endSec] that
 * falls on the grid is kept (masked by availability only).
 */
export function alignSession(inputs: readonly ModalityInput[], options: AlignSessionOptions): AlignedSession {
  const { startSec, endSec, ...overrides } = options;
  if (!Number.isFinite(startSec) || !Number.isFinite(endSec) || !(endSec > startSec)) {
    throw new AlignError('invalid-span', `alignSession needs finite startSec < endSec, got startSec=${startSec}, endSec=${endSec}`, { startSec, endSec });
  }
  const config = resolveAlignConfig(overrides);
  const byModality = validateInputs(inputs, config, true);
  const geometry = patchGeometry(config);
  const modalities: Partial<Record<Modality, AlignedModality>> = {};
  for (const m of config.modalities) {
    const input = byModality[m];
    const rateHz = config.modelRatesHz[m];
    const samplesPerPatch = geometry.samplesPerPatch(m);
    const channelCount = input?.channelCount ?? config.channelCounts[m] ?? 0;
    const halfSampleSec = 0.5 / rateHz;
    // First patch: the latest whose interval starts at or before startSec.
    const originSec = gridOriginAtOrBefore(anchorFor(m, input, config, startSec), startSec + halfSampleSec, geometry.patchSec);
    const patches = Math.max(1, Math.ceil((endSec - (originSec - halfSampleSec)) / geometry.patchSec - 1e-9));
    const length = patches * samplesPerPatch;
    const x = new Float32Array(length * channelCount);
    const mask = new Uint8Array(length);
    if (input !== undefined && input.timestamps.length > 0) {
      try {
        resampleToGrid(
          input,
          { startSec: originSec, rateHz, length },
          { ...config.filter, maxGapPeriods: config.maxGapPeriods, out: { values: x, mask } },
        );
      } catch (error) {
        throw asAlignError(error, label(input, inputs.indexOf(input)), inputs.indexOf(input));
      }
    }
    modalities[m] = { modality: m, channelCount, rateHz, startSec: originSec, length, samplesPerPatch, x, mask, hasStream: input !== undefined };
  }
  return { startSec, endSec, config, modalities };
}
