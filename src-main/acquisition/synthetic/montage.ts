// 10-20 / 10-10 electrode labels for the synthetic EEG device: the default 32-channel set,
// label validation, and the coarse scalp position (region, hemisphere) the generator uses to
// place alpha, blinks and frontal asymmetry. Pure TS.

/** The 32-channel 10-20 set of DEAP (Biosemi order), the default EEG montage. */
export const DEFAULT_EEG_CHANNELS: readonly string[] = [
  'Fp1', 'AF3', 'F3', 'F7', 'FC5', 'FC1', 'C3', 'T7', 'CP5', 'CP1', 'P3', 'P7', 'PO3', 'O1', 'Oz', 'Pz',
  'Fp2', 'AF4', 'Fz', 'F4', 'F8', 'FC6', 'FC2', 'Cz', 'C4', 'T8', 'CP6', 'CP2', 'P4', 'P8', 'PO4', 'O2',
];

export type ScalpRegion = 'prefrontal' | 'frontal' | 'central' | 'temporal' | 'parietal' | 'occipital';

export interface ElectrodePosition {
  region: ScalpRegion;
  /** -1 left (odd numbers), 0 midline (z), +1 right (even numbers). */
  side: -1 | 0 | 1;
  /** 1 near the midline ... 5 far lateral (from the 10-10 number; 0 on the midline). */
  lateral: number;
}

// Longest prefixes first so 'FC' is not read as 'F' + 'C...'.
const PREFIX_REGION: ReadonlyArray<[string, ScalpRegion]> = [
  ['Fp', 'prefrontal'],
  ['AF', 'prefrontal'],
  ['FT', 'temporal'],
  ['FC', 'frontal'],
  ['TP', 'temporal'],
  ['CP', 'central'],
  ['PO', 'occipital'],
  ['F', 'frontal'],
  ['C', 'central'],
  ['T', 'temporal'],
  ['P', 'parietal'],
  ['O', 'occipital'],
  ['I', 'occipital'],
];

const LABEL_RE = /^(Fp|AF|FT|FC|TP|CP|PO|F|C|T|P|O|I)(z|[1-9]|10)$/i;

/** Position of a 10-20/10-10 label, or undefined if the label is not one (case-insensitive). */
export function electrodePosition(label: string): ElectrodePosition | undefined {
  const m = LABEL_RE.exec(label.trim());
  if (!m) return undefined;
  const prefix = m[1].toUpperCase();
  const entry = PREFIX_REGION.find(([p]) => p.toUpperCase() === prefix);
  if (!entry) return undefined;
  const suffix = m[2].toLowerCase();
  if (suffix === 'z') return { region: entry[1], side: 0, lateral: 0 };
  const num = Number(suffix);
  return { region: entry[1], side: num % 2 === 1 ? -1 : 1, lateral: Math.ceil(num / 2) };
}

export function isElectrodeLabel(label: string): boolean {
  return electrodePosition(label) !== undefined;
}
