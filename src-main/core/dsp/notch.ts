// Power-line notch filters (50/60 Hz and harmonics) as second-order sections, for the modality
// presets (presets.ts), the live display and the features.

import Fili from 'fili';
import { DspError } from '../errors.js';
import type { Sos } from './iir.js';

export type LineFrequencyHz = 50 | 60;

export interface NotchOptions {
  /** Quality factor f0 / bandwidth of each notch (default 30: about 1.7 Hz wide at 50 Hz). */
  q?: number;
  /** How many multiples of the line frequency to remove (1 = the fundamental only). Default:
   *  every harmonic below 0.95 x Nyquist. */
  harmonics?: number;
}

const coeffs = new Fili.IirCoeffs();

/**
 * Notches at lineHz, 2 lineHz, ... as SOS: each one the RBJ-cookbook band-stop biquad from fili
 * (the bilinear transform of (s^2 + 1) / (s^2 + s/Q + 1) pre-warped at the notch frequency), with
 * unit gain away from the notch and an exact zero on it.
 */
export function notchSos(lineHz: number, rateHz: number, opts: NotchOptions = {}): Sos {
  const q = opts.q ?? 30;
  if (!(rateHz > 0) || !Number.isFinite(rateHz)) {
    throw new DspError('invalid-rate', `notch: rateHz must be positive and finite, got ${rateHz}`, { rateHz });
  }
  if (!(lineHz > 0) || !(q > 0) || !Number.isFinite(q)) {
    throw new DspError('invalid-filter-options', `notch: expected lineHz > 0 and q > 0, got lineHz=${lineHz}, q=${q}`, { lineHz, q });
  }
  const limitHz = 0.95 * (rateHz / 2);
  const maxHarmonic = opts.harmonics ?? Number.POSITIVE_INFINITY;
  if (!(maxHarmonic >= 1)) {
    throw new DspError('invalid-filter-options', `notch: harmonics must be >= 1, got ${maxHarmonic}`, { harmonics: maxHarmonic });
  }
  const sections: number[] = [];
  for (let k = 1; k <= maxHarmonic && k * lineHz < limitHz; k++) {
    const c = coeffs.bandstop({ Fs: rateHz, Fc: k * lineHz, Q: q });
    sections.push(c.b[0]! * c.k, c.b[1]! * c.k, c.b[2]! * c.k, 1, c.a[0]!, c.a[1]!);
  }
  if (sections.length === 0) {
    throw new DspError('invalid-filter-options', `notch: ${lineHz} Hz is above 0.95 x Nyquist of a ${rateHz} Hz signal; nothing to remove`, {
      lineHz,
      rateHz,
    });
  }
  return Float64Array.from(sections);
}
