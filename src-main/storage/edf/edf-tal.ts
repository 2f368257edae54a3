// EDF+ Time-stamped Annotation Lists (TALs): encoding the annotation signal of one data record
// (time-keeping TAL first, then the record's annotations) and parsing it back.

import { EdfError } from './edf-error.js';

/** An annotation: onset in seconds from the file's start date/time, optional duration, text. */
export interface EdfAnnotation {
  onsetSec: number;
  /** Absent when the annotation has no duration (an instant marker). */
  durationSec?: number;
  text: string;
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

/** Seconds as a TAL number: sign, no exponent, at most microsecond decimals, zeros trimmed. */
export function formatTalSeconds(sec: number, signed: boolean): string {
  if (!Number.isFinite(sec)) throw new EdfError('BAD_INPUT', `annotation time ${sec} is not finite`, { value: sec });
  let s = Math.abs(sec).toFixed(6);
  s = s.replace(/0+$/, '').replace(/\.$/, '');
  if (s === '0') return signed ? '+0' : '0';
  return signed ? (sec < 0 ? '-' : '+') + s : s;
}

/** Annotation text with the TAL separators (0x00, 0x14, 0x15) replaced by spaces. */
function cleanText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00\x14\x15]/g, ' ');
}

/** Bytes of the TALs of one record: the time-keeping TAL `+onset\x14\x14\x00`, then one TAL
 *  per annotation. Padding zeros are the caller's. */
export function encodeRecordTals(recordOnsetSec: number, annotations: readonly EdfAnnotation[]): Uint8Array {
  let text = `${formatTalSeconds(recordOnsetSec, true)}\x14\x14\x00`;
  for (const a of annotations) {
    const duration = a.durationSec !== undefined && a.durationSec > 0 ? `\x15${formatTalSeconds(a.durationSec, false)}` : '';
    text += `${formatTalSeconds(a.onsetSec, true)}${duration}\x14${cleanText(a.text)}\x14\x00`;
  }
  return utf8Encoder.encode(text);
}

const ONSET_RE = /^[+-]\d+(\.\d*)?$/;
const DURATION_RE = /^\d+(\.\d*)?$/;

/** One parsed TAL: onset, optional duration, and its texts (the time-keeping TAL has one empty text). */
export interface ParsedTal {
  onsetSec: number;
  durationSec?: number;
  texts: string[];
}

/**
 * Parses the TALs in `bytes` (one annotation signal of one record). `fileOffset` is the file
 * offset of bytes[0], for error messages. Stops at the zero padding.
 */
export function parseRecordTals(bytes: Uint8Array, fileOffset: number, fileName: string): ParsedTal[] {
  const tals: ParsedTal[] = [];
  let pos = 0;
  const n = bytes.length;
  const bad = (at: number, what: string): never => {
    throw new EdfError('BAD_ANNOTATION', `${fileName}: at byte ${fileOffset + at}: ${what}`, { file: fileName, byteOffset: fileOffset + at, field: 'annotations' });
  };
  while (pos < n && bytes[pos] !== 0) {
    const start = pos;
    // Onset [\x15 duration] \x14
    let end = pos;
    while (end < n && bytes[end] !== 0x14 && bytes[end] !== 0x15 && bytes[end] !== 0) end++;
    const onsetText = utf8Decoder.decode(bytes.subarray(pos, end));
    if (!ONSET_RE.test(onsetText)) bad(start, `TAL onset "${onsetText.slice(0, 20)}" is not +/-seconds`);
    const tal: ParsedTal = { onsetSec: Number(onsetText), texts: [] };
    pos = end;
    if (bytes[pos] === 0x15) {
      end = ++pos;
      while (end < n && bytes[end] !== 0x14 && bytes[end] !== 0) end++;
      const durationText = utf8Decoder.decode(bytes.subarray(pos, end));
      if (!DURATION_RE.test(durationText)) bad(pos, `TAL duration "${durationText.slice(0, 20)}" is not seconds`);
      tal.durationSec = Number(durationText);
      pos = end;
    }
    if (bytes[pos] !== 0x14) bad(pos, 'TAL onset is not followed by 0x14');
    pos++;
    // Texts, each closed by 0x14, until the TAL's closing 0x00.
    while (pos < n && bytes[pos] !== 0) {
      end = pos;
      while (end < n && bytes[end] !== 0x14 && bytes[end] !== 0) end++;
      if (bytes[end] !== 0x14) bad(end, 'TAL annotation text is not closed by 0x14');
      tal.texts.push(utf8Decoder.decode(bytes.subarray(pos, end)));
      pos = end + 1;
    }
    if (pos >= n) bad(n, 'TAL is not closed by 0x00 before the end of the annotation signal');
    if (tal.texts.length === 0) tal.texts.push('');
    pos++;
    tals.push(tal);
  }
  return tals;
}
