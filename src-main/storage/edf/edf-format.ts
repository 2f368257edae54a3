// EDF/EDF+/BDF/BDF+ layout shared by the writer and the reader: fixed-width ASCII header
// fields, number formatting that fits 8 characters, EDF+ patient/recording subfields, and
// unit names. No I/O here.

import { EdfError } from './edf-error.js';

export type EdfFormat = 'edf' | 'bdf';

/** Bytes of the fixed header and of each signal's header. */
export const FIXED_HEADER_BYTES = 256;
export const SIGNAL_HEADER_BYTES = 256;
/** Largest signal count the 4-character field can hold. */
export const MAX_SIGNALS = 9999;
/** The EDF spec's advice: one data record should not exceed 61440 bytes. */
export const RECOMMENDED_MAX_RECORD_BYTES = 61440;

export const BYTES_PER_SAMPLE: Readonly<Record<EdfFormat, number>> = { edf: 2, bdf: 3 };
export const DIGITAL_RANGE: Readonly<Record<EdfFormat, readonly [number, number]>> = {
  edf: [-32768, 32767],
  bdf: [-8388608, 8388607],
};
export const ANNOTATION_LABEL: Readonly<Record<EdfFormat, string>> = { edf: 'EDF Annotations', bdf: 'BDF Annotations' };

/** Fixed header fields: name, byte offset, width. */
export const FIXED_FIELDS = {
  version: [0, 8],
  patient: [8, 80],
  recording: [88, 80],
  startDate: [168, 8],
  startTime: [176, 8],
  headerBytes: [184, 8],
  reserved: [192, 44],
  recordCount: [236, 8],
  recordDuration: [244, 8],
  signalCount: [252, 4],
} as const;

/** Per-signal header fields in file order with their widths (each stored for all signals in turn). */
export const SIGNAL_FIELDS = [
  ['label', 16],
  ['transducer', 80],
  ['physicalDimension', 8],
  ['physicalMin', 8],
  ['physicalMax', 8],
  ['digitalMin', 8],
  ['digitalMax', 8],
  ['prefiltering', 80],
  ['samplesPerRecord', 8],
  ['reserved', 32],
] as const;
export type SignalFieldName = (typeof SIGNAL_FIELDS)[number][0];

/** Byte offset of signal field `field` of signal `index` when there are `signalCount` signals. */
export function signalFieldOffset(field: SignalFieldName, index: number, signalCount: number): number {
  let offset = FIXED_HEADER_BYTES;
  for (const [name, width] of SIGNAL_FIELDS) {
    if (name === field) return offset + index * width;
    offset += width * signalCount;
  }
  return offset;
}

/** Replaces everything outside printable ASCII by '_' (the header is ASCII only). */
export function toHeaderAscii(text: string): string {
  let out = '';
  for (const ch of text.normalize('NFKD')) {
    const c = ch.charCodeAt(0);
    if (c >= 0x300 && c <= 0x36f) continue; // combining accents left over from NFKD
    out += c >= 32 && c <= 126 && ch.length === 1 ? ch : '_';
  }
  return out;
}

/** `text` as ASCII, cut to `width` and padded with spaces. */
export function padField(text: string, width: number): string {
  const ascii = toHeaderAscii(text);
  return ascii.length >= width ? ascii.slice(0, width) : ascii + ' '.repeat(width - ascii.length);
}

const NUMBER_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a header number field (spaces trimmed); NaN when it is not a plain decimal number. */
export function parseHeaderNumber(text: string): number {
  const t = text.trim();
  return NUMBER_RE.test(t) ? Number(t) : NaN;
}

/**
 * Formats `x` in at most `width` characters, rounded in the given direction so that the parsed
 * text is <= x ('down'), >= x ('up') or nearest. Physical ranges use 'down' for the minimum and
 * 'up' for the maximum so every sample stays inside the written range.
 */
export function formatHeaderNumber(x: number, width = 8, direction: 'down' | 'up' | 'nearest' = 'nearest'): string {
  if (!Number.isFinite(x)) throw new EdfError('BAD_INPUT', `cannot write ${x} in an EDF header number field`, { value: x });
  if (Number.isInteger(x) && String(x).length <= width) return String(x);
  const round = direction === 'down' ? Math.floor : direction === 'up' ? Math.ceil : Math.round;
  const intDigits = Math.abs(x) < 1 ? 1 : Math.floor(Math.log10(Math.abs(x))) + 1;
  const sign = x < 0 ? 1 : 0;
  for (let decimals = Math.max(0, width - intDigits - sign - 1); decimals >= 0; decimals--) {
    const scale = 10 ** decimals;
    let v = round(x * scale) / scale;
    let s = trimZeros(v.toFixed(decimals));
    // Guard against binary rounding of x * scale: step once more if the text went the wrong way.
    if (direction === 'down' && Number(s) > x) s = trimZeros((v = (round(x * scale) - 1) / scale).toFixed(decimals));
    if (direction === 'up' && Number(s) < x) s = trimZeros((v = (round(x * scale) + 1) / scale).toFixed(decimals));
    if (s === '-0') s = '0';
    if (s.length <= width) return s;
  }
  // Too large for fixed notation: exponent form (read by MNE, EDFbrowser and this reader).
  const e = Math.floor(Math.log10(Math.abs(x)));
  for (let digits = width - 5; digits >= 0; digits--) {
    const scale = 10 ** digits;
    let m = round((x / 10 ** e) * scale) / scale;
    let s = `${trimZeros(m.toFixed(digits))}e${e}`;
    if (direction === 'down' && Number(s) > x) s = `${trimZeros((m -= 1 / scale).toFixed(digits))}e${e}`;
    if (direction === 'up' && Number(s) < x) s = `${trimZeros((m += 1 / scale).toFixed(digits))}e${e}`;
    if (s.length <= width) return s;
  }
  throw new EdfError('BAD_INPUT', `cannot write ${x} in ${width} characters`, { value: x });
}

function trimZeros(s: string): string {
  if (!s.includes('.')) return s;
  s = s.replace(/0+$/, '');
  return s.endsWith('.') ? s.slice(0, -1) : s;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** EDF+ patient identification subfields. Exports are pseudonymous: only `code` is filled
 *  unless the caller deliberately passes more. Unknown subfields are written as "X". */
export interface EdfPatientFields {
  code: string;
  sex?: 'F' | 'M';
  /** UTC date; written dd-MMM-yyyy. */
  birthdate?: Date;
  name?: string;
  additional?: string;
}

/** EDF+ recording identification subfields (after "Startdate dd-MMM-yyyy"). */
export interface EdfRecordingFields {
  admincode?: string;
  technician?: string;
  equipment?: string;
  additional?: string;
}

function subfield(text: string | undefined): string {
  const t = toHeaderAscii(text ?? '').trim().replace(/ +/g, '_');
  return t.length === 0 ? 'X' : t;
}

function plusDate(d: Date): string {
  return `${String(d.getUTCDate()).padStart(2, '0')}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()}`;
}

export function formatPatientField(p: EdfPatientFields): string {
  const parts = [subfield(p.code), p.sex ?? 'X', p.birthdate ? plusDate(p.birthdate) : 'X', subfield(p.name)];
  if (p.additional) parts.push(toHeaderAscii(p.additional));
  return parts.join(' ');
}

export function formatRecordingField(startDate: Date, r: EdfRecordingFields): string {
  const parts = ['Startdate', plusDate(startDate), subfield(r.admincode), subfield(r.technician), subfield(r.equipment)];
  if (r.additional) parts.push(toHeaderAscii(r.additional));
  return parts.join(' ');
}

function unknown(s: string | undefined): string | undefined {
  return s === undefined || s === 'X' ? undefined : s.replace(/_/g, ' ');
}

function parsePlusDate(s: string | undefined): Date | undefined {
  const m = /^(\d{2})-([A-Z]{3})-(\d{4})$/.exec((s ?? '').toUpperCase());
  if (!m) return undefined;
  const month = MONTHS.indexOf(m[2]!);
  return month < 0 ? undefined : new Date(Date.UTC(Number(m[3]), month, Number(m[1])));
}

/** Parses an EDF+ patient field; null when it does not follow the EDF+ subfield layout. */
export function parsePatientField(text: string): EdfPatientFields | null {
  const parts = text.trim().split(/ +/);
  if (parts.length < 4) return null;
  const sex = parts[1] === 'F' || parts[1] === 'M' ? parts[1] : undefined;
  const additional = parts.slice(4).join(' ');
  return { code: unknown(parts[0]) ?? '', sex, birthdate: parsePlusDate(parts[2]), name: unknown(parts[3]), additional: additional || undefined };
}

/** Parses an EDF+ recording field; null when it does not start with "Startdate". */
export function parseRecordingField(text: string): (EdfRecordingFields & { startDate?: Date }) | null {
  const parts = text.trim().split(/ +/);
  if (parts[0] !== 'Startdate' || parts.length < 5) return null;
  const additional = parts.slice(5).join(' ');
  return {
    startDate: parsePlusDate(parts[1]),
    admincode: unknown(parts[2]),
    technician: unknown(parts[3]),
    equipment: unknown(parts[4]),
    additional: additional || undefined,
  };
}

/** "dd.mm.yy" and "hh.mm.ss" of a UTC date (EDF years 1985..2084). */
export function formatStartDateTime(d: Date): { date: string; time: string } {
  const p2 = (n: number) => String(n).padStart(2, '0');
  return {
    date: `${p2(d.getUTCDate())}.${p2(d.getUTCMonth() + 1)}.${p2(d.getUTCFullYear() % 100)}`,
    time: `${p2(d.getUTCHours())}.${p2(d.getUTCMinutes())}.${p2(d.getUTCSeconds())}`,
  };
}

const UNIT_TO_EDF: Readonly<Record<string, string>> = {
  microvolts: 'uV',
  microvolt: 'uV',
  µv: 'uV',
  millivolts: 'mV',
  millivolt: 'mV',
  volts: 'V',
  volt: 'V',
  microsiemens: 'uS',
  µs: 'uS',
  siemens: 'S',
  bpm: 'bpm',
  'a.u.': 'a.u.',
  percent: '%',
  celsius: 'degC',
  degc: 'degC',
  ohms: 'Ohm',
  kiloohms: 'kOhm',
  seconds: 's',
  milliseconds: 'ms',
};

/** The short SI-style dimension for a unit name ("microvolts" -> "uV"); unknown names are
 *  kept (ASCII, at most 8 characters). Used for EDF physical dimensions and BIDS units. */
export function shortUnit(unit: string): string {
  const key = unit.trim().toLowerCase();
  const mapped = UNIT_TO_EDF[key];
  if (mapped !== undefined) return mapped;
  return toHeaderAscii(unit.trim()).slice(0, 8);
}
