// Band-pass presets per modality (EEG, ECG, EDA, PPG, RESP) as SOS cascades with the power-line
// notch: what the live display, the signal quality and the feature extractors filter with.

import { DspError } from '../errors.js';
import { butterworth, cascadeSos, type Sos } from './iir.js';
import { notchSos, type LineFrequencyHz } from './notch.js';

export type FilterModality = 'EEG' | 'ECG' | 'EDA' | 'PPG' | 'RESP';

export interface FilterPreset {
  /** High-pass edge (Hz); absent for a pure low-pass. */
  lowHz?: number;
  /** Low-pass edge (Hz); clipped to 0.4 x the sampling rate when the rate is low. */
  highHz: number;
  /** Butterworth prototype order. */
  order: number;
  /** Whether the power-line notch is added (only where the band reaches the line frequency's
   *  neighbourhood or the modality is prone to it). */
  notch: boolean;
}

/** Band-pass presets per modality, chosen as the usual analysis bands: EEG 1-45 Hz (the band
 *  powers' span), ECG 0.5-40 Hz (monitoring band), EDA < 3 Hz (NeuroKit's cleaning), PPG 0.5-8 Hz
 *  (Elgendi), respiration 0.05-3 Hz (Khodadad). */
export const FILTER_PRESETS: Readonly<Record<FilterModality, FilterPreset>> = {
  EEG: { lowHz: 1, highHz: 45, order: 4, notch: true },
  ECG: { lowHz: 0.5, highHz: 40, order: 2, notch: true },
  EDA: { highHz: 3, order: 4, notch: false },
  PPG: { lowHz: 0.5, highHz: 8, order: 2, notch: false },
  RESP: { lowHz: 0.05, highHz: 3, order: 2, notch: false },
};

export function isFilterModality(type: string): type is FilterModality {
  return Object.prototype.hasOwnProperty.call(FILTER_PRESETS, type);
}

/**
 * The preset filter of a modality at a sampling rate, as one SOS cascade (band-pass or low-pass,
 * then the notch at `lineHz` and its harmonics when the preset uses one and the rate allows).
 * Pass lineHz null to leave the notch out.
 */
export function presetFilter(modality: FilterModality, rateHz: number, lineHz: LineFrequencyHz | null = 50): Sos {
  const preset = FILTER_PRESETS[modality];
  if (preset === undefined) {
    throw new DspError('invalid-filter-options', `no filter preset for modality "${String(modality)}"; expected one of ${Object.keys(FILTER_PRESETS).join(', ')}`, {
      modality,
    });
  }
  const highHz = Math.min(preset.highHz, 0.4 * rateHz);
  const band =
    preset.lowHz !== undefined && preset.lowHz < highHz
      ? butterworth('bandpass', preset.order, [preset.lowHz, highHz], rateHz)
      : butterworth('lowpass', preset.order, highHz, rateHz);
  if (!preset.notch || lineHz === null || lineHz >= 0.95 * (rateHz / 2)) return band;
  return cascadeSos(band, notchSos(lineHz, rateHz));
}
