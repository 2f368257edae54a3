// EDF, EDF+C/D, BDF, BDF+C/D reader: header checked against itself and the file size before
// anything is allocated, physical values per signal, TAL annotations and record onsets, and a
// BioSemi Status channel split into its 16 trigger bits and 8 status bits.

import { readFileSync, statSync } from 'node:fs';
import { EdfError } from './edf-error.js';
import {
  ANNOTATION_LABEL,
  BYTES_PER_SAMPLE,
  DIGITAL_RANGE,
  FIXED_FIELDS,
  FIXED_HEADER_BYTES,
  MAX_SIGNALS,
  SIGNAL_FIELDS,
  SIGNAL_HEADER_BYTES,
  parseHeaderNumber,
  parsePatientField,
  parseRecordingField,
  signalFieldOffset,
  type EdfFormat,
  type EdfPatientFields,
  type EdfRecordingFields,
  type SignalFieldName,
} from './edf-format.js';
import { parseRecordTals, type EdfAnnotation } from './edf-tal.js';

export interface EdfReadOptions {
  /** Read the whole records a truncated file holds (with a warning) instead of failing with
   *  TRUNCATED. Default false. */
  allowTruncated?: boolean;
  /** Decode only the ordinary signals with these labels (default: all). Others are skipped
   *  without allocating their values; annotations are always decoded. */
  signals?: readonly string[];
}

export interface EdfSignal {
  label: string;
  transducer: string;
  physicalDimension: string;
  physicalMin: number;
  physicalMax: number;
  digitalMin: number;
  digitalMax: number;
  prefiltering: string;
  samplesPerRecord: number;
  reserved: string;
  /** samplesPerRecord / record duration (0 when the duration is 0). */
  rateHz: number;
  /** Physical values, recordCount x samplesPerRecord, record after record. */
  values: Float64Array;
}

/** A BioSemi Status channel (BDF "Status"): the raw 24-bit word split into the trigger bits
 *  (0-15) and the status bits (16: new epoch, 17-19 speed mode, 20 CMS in range, 22 battery low, 23 MK2). */
export interface EdfStatusChannel {
  /** Index in `signals`. */
  signalIndex: number;
  triggers: Uint16Array;
  status: Uint8Array;
}

export interface EdfFile {
  format: EdfFormat;
  /** 'EDF', 'EDF+C', 'EDF+D', 'BDF', 'BDF+C' or 'BDF+D'. */
  variant: string;
  plus: boolean;
  continuous: boolean;
  patientId: string;
  recordingId: string;
  /** EDF+ subfields when the fields follow the EDF+ layout. */
  patient: EdfPatientFields | null;
  recording: (EdfRecordingFields & { startDate?: Date }) | null;
  /** Start date and time of the first record (UTC as written; the format has no time zone). */
  startDate: Date;
  headerBytes: number;
  recordCount: number;
  recordDurationSec: number;
  reserved: string;
  /** Ordinary signals (annotation signals are decoded into `annotations`). */
  signals: EdfSignal[];
  /** Onset of each record in seconds from startDate (EDF+: from the time-keeping TALs). */
  recordOnsetsSec: Float64Array;
  annotations: EdfAnnotation[];
  status: EdfStatusChannel | null;
  warnings: string[];
}

const ascii = new TextDecoder('latin1');

/** Reads an EDF/BDF file. */
export function readEdf(path: string, opts: EdfReadOptions = {}): EdfFile {
  let bytes: Uint8Array;
  try {
    if (!statSync(path).isFile()) throw new Error('not a regular file');
    bytes = readFileSync(path);
  } catch (err) {
    throw new EdfError('IO_FAILED', `${path}: cannot read the file: ${(err as Error).message}`, { path }, { cause: err });
  }
  return readEdfBytes(bytes, opts, path);
}

/** Parses EDF/BDF bytes; `fileName` only labels messages. */
export function readEdfBytes(bytes: Uint8Array, opts: EdfReadOptions = {}, fileName = '<bytes>'): EdfFile {
  const size = bytes.length;
  const warnings: string[] = [];
  const fail = (code: EdfError['code'], offset: number, field: string, what: string): never => {
    throw new EdfError(code, `${fileName}: ${field} at byte ${offset}: ${what}`, { file: fileName, byteOffset: offset, field });
  };
  const field = (name: string, offset: number, width: number): string => {
    for (let i = offset; i < offset + width; i++) {
      const c = bytes[i]!;
      if (c < 32 || c > 126) fail('NON_ASCII', i, name, `byte 0x${c.toString(16).padStart(2, '0')} is not printable ASCII (EDF headers are ASCII 32..126)`);
    }
    return ascii.decode(bytes.subarray(offset, offset + width));
  };
  const integer = (name: string, offset: number, width: number, min: number, max: number): number => {
    const text = field(name, offset, width);
    const v = parseHeaderNumber(text);
    if (!Number.isInteger(v)) fail('BAD_FIELD', offset, name, `"${text.trim()}" is not an integer`);
    if (v < min || v > max) fail('LIMIT_EXCEEDED', offset, name, `${v} is outside ${min}..${max}`);
    return v;
  };

  if (size < FIXED_HEADER_BYTES) fail('TRUNCATED', size, 'fixed header', `the file has ${size} bytes; an EDF/BDF header needs at least ${FIXED_HEADER_BYTES}`);
  let format: EdfFormat;
  if (bytes[0] === 0xff && ascii.decode(bytes.subarray(1, 8)) === 'BIOSEMI') format = 'bdf';
  else if (bytes[0] === 0x30 && field('version', 1, 7).trim() === '') format = 'edf';
  else {
    const shown = Array.from(bytes.subarray(0, 8), (c) => (c >= 32 && c < 127 ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`)).join('');
    return fail('BAD_VERSION', 0, 'version', `"${shown}" is neither "0" (EDF) nor "\\xffBIOSEMI" (BDF)`);
  }
  const f = FIXED_FIELDS;
  const patientId = field('patient', ...f.patient).trimEnd();
  const recordingId = field('recording', ...f.recording).trimEnd();
  const startDate = parseStart(field('startdate', ...f.startDate), field('starttime', ...f.startTime), fail);
  const reserved = field('reserved', ...f.reserved).trimEnd();
  const signalCount = integer('number of signals', ...f.signalCount, 1, MAX_SIGNALS);
  const headerBytes = integer('number of header bytes', ...f.headerBytes, 0, 99_999_999);
  const expectedHeader = FIXED_HEADER_BYTES + SIGNAL_HEADER_BYTES * signalCount;
  if (headerBytes !== expectedHeader) {
    fail('SIZE_MISMATCH', f.headerBytes[0], 'number of header bytes', `${headerBytes}, but ${signalCount} signals need 256 x (${signalCount} + 1) = ${expectedHeader}`);
  }
  if (size < headerBytes) fail('TRUNCATED', size, 'signal headers', `the file has ${size} bytes; the header of ${signalCount} signals needs ${headerBytes}`);
  let recordCount = integer('number of data records', ...f.recordCount, -1, 99_999_999);
  const durationText = field('duration of a data record', ...f.recordDuration);
  const recordDurationSec = parseHeaderNumber(durationText);
  if (!(recordDurationSec >= 0) || !Number.isFinite(recordDurationSec)) {
    fail('BAD_FIELD', f.recordDuration[0], 'duration of a data record', `"${durationText.trim()}" is not a non-negative number of seconds`);
  }

  // Signal headers: text fields, then the numbers, each error naming signal and field.
  const raw: Record<SignalFieldName, string[]> = Object.fromEntries(SIGNAL_FIELDS.map(([name]) => [name, [] as string[]])) as never;
  for (const [name, width] of SIGNAL_FIELDS) {
    for (let i = 0; i < signalCount; i++) raw[name].push(field(`signal ${i + 1} ${name}`, signalFieldOffset(name, i, signalCount), width).trim());
  }
  const [formatDMin, formatDMax] = DIGITAL_RANGE[format];
  const bps = BYTES_PER_SAMPLE[format];
  const annotationLabel = ANNOTATION_LABEL[format];
  interface Header {
    label: string;
    spr: number;
    pMin: number;
    pMax: number;
    dMin: number;
    dMax: number;
    annotation: boolean;
  }
  const headers: Header[] = [];
  let recordBytes = 0;
  for (let i = 0; i < signalCount; i++) {
    const num = (name: SignalFieldName): number => {
      const v = parseHeaderNumber(raw[name][i]!);
      if (Number.isNaN(v)) fail('BAD_FIELD', signalFieldOffset(name, i, signalCount), `signal ${i + 1} ${name}`, `"${raw[name][i]}" is not a number`);
      return v;
    };
    const label = raw.label[i]!;
    const spr = num('samplesPerRecord');
    if (!Number.isInteger(spr) || spr < 1 || spr > 99_999_999) {
      fail('LIMIT_EXCEEDED', signalFieldOffset('samplesPerRecord', i, signalCount), `signal ${i + 1} samplesPerRecord`, `${spr} is not an integer in 1..99999999`);
    }
    const dMin = num('digitalMin');
    const dMax = num('digitalMax');
    if (!Number.isInteger(dMin) || !Number.isInteger(dMax) || dMin >= dMax || dMin < formatDMin || dMax > formatDMax) {
      fail('BAD_FIELD', signalFieldOffset('digitalMin', i, signalCount), `signal ${i + 1} digital range`, `[${dMin}, ${dMax}] is not an integer range inside ${formatDMin}..${formatDMax}`);
    }
    const pMin = num('physicalMin');
    const pMax = num('physicalMax');
    const annotation = label === annotationLabel;
    if (pMin === pMax && !annotation) {
      fail('BAD_FIELD', signalFieldOffset('physicalMin', i, signalCount), `signal ${i + 1} physical range`, `minimum and maximum are both ${pMin}`);
    }
    headers.push({ label, spr, pMin, pMax, dMin, dMax, annotation });
    recordBytes += spr * bps;
  }

  // Sizes against the file before any allocation that depends on them.
  const dataBytes = size - headerBytes;
  const plus = reserved.startsWith(`${format.toUpperCase()}+C`) || reserved.startsWith(`${format.toUpperCase()}+D`);
  if (recordCount === -1) {
    recordCount = Math.floor(dataBytes / recordBytes);
    warnings.push(`number of data records is -1 (recording not closed); ${recordCount} whole records in the file`);
  } else if (recordCount * recordBytes > dataBytes) {
    const whole = Math.floor(dataBytes / recordBytes);
    const what = `the header promises ${recordCount} records of ${recordBytes} bytes (${headerBytes + recordCount * recordBytes} bytes in all) but the file has ${size} bytes (${whole} whole records)`;
    if (!opts.allowTruncated) fail('SIZE_MISMATCH', f.recordCount[0], 'number of data records', what);
    warnings.push(`truncated: ${what}`);
    recordCount = whole;
  } else if (recordCount * recordBytes < dataBytes) {
    warnings.push(`${dataBytes - recordCount * recordBytes} bytes after the last of ${recordCount} data records are ignored`);
  }
  if (plus && !headers.some((h) => h.annotation)) {
    // Some writers (e.g. biosig's save2gdf) mark files EDF+C without the annotation signal.
    warnings.push(`"${reserved.slice(0, 5)}" announces ${format.toUpperCase()}+ but no signal is labelled "${annotationLabel}": records taken as contiguous, no annotations`);
  }

  // Data: physical values per ordinary signal, TALs per annotation signal.
  const signals: EdfSignal[] = [];
  const wanted = opts.signals ? new Set(opts.signals) : null;
  const decoders: Array<{ values: Float64Array; gain: number; offset: number } | null | 'skip'> = headers.map((h, i) => {
    if (h.annotation) return null;
    if (wanted && !wanted.has(h.label)) return 'skip';
    const gain = (h.pMax - h.pMin) / (h.dMax - h.dMin);
    const values = new Float64Array(recordCount * h.spr);
    signals.push({
      label: h.label,
      transducer: raw.transducer[i]!,
      physicalDimension: raw.physicalDimension[i]!,
      physicalMin: h.pMin,
      physicalMax: h.pMax,
      digitalMin: h.dMin,
      digitalMax: h.dMax,
      prefiltering: raw.prefiltering[i]!,
      samplesPerRecord: h.spr,
      reserved: raw.reserved[i]!,
      rateHz: recordDurationSec > 0 ? h.spr / recordDurationSec : 0,
      values,
    });
    return { values, gain, offset: h.pMin - h.dMin * gain };
  });
  const statusIndex = format === 'bdf' ? signals.findIndex((s) => s.label.toLowerCase() === 'status') : -1;
  const statusHeaderIndex = statusIndex >= 0 ? headers.findIndex((h) => h.label === signals[statusIndex]!.label) : -1;
  const status: EdfStatusChannel | null =
    statusIndex >= 0 ? { signalIndex: statusIndex, triggers: new Uint16Array(recordCount * headers[statusHeaderIndex]!.spr), status: new Uint8Array(recordCount * headers[statusHeaderIndex]!.spr) } : null;

  const recordOnsetsSec = new Float64Array(recordCount);
  const annotations: EdfAnnotation[] = [];
  const firstAnnotation = headers.findIndex((h) => h.annotation);
  let p = headerBytes;
  for (let r = 0; r < recordCount; r++) {
    recordOnsetsSec[r] = r * recordDurationSec;
    for (let s = 0; s < headers.length; s++) {
      const h = headers[s]!;
      const dec = decoders[s];
      const spr = h.spr;
      if (dec === 'skip') {
        p += spr * bps;
        continue;
      }
      if (dec === null) {
        const tals = parseRecordTals(bytes.subarray(p, p + spr * bps), p, fileName);
        tals.forEach((tal, k) => {
          if (s === firstAnnotation && k === 0) {
            recordOnsetsSec[r] = tal.onsetSec;
            for (const text of tal.texts) if (text !== '') annotations.push(annotationOf(tal.onsetSec, tal.durationSec, text));
            return;
          }
          for (const text of tal.texts) annotations.push(annotationOf(tal.onsetSec, tal.durationSec, text));
        });
        if (s === firstAnnotation && tals.length === 0) fail('BAD_ANNOTATION', p, 'annotations', `record ${r} has no time-keeping TAL`);
        p += spr * bps;
        continue;
      }
      const { values, gain, offset } = dec;
      const base = r * spr;
      if (bps === 2) {
        for (let i = 0; i < spr; i++, p += 2) {
          const d = ((bytes[p]! | (bytes[p + 1]! << 8)) << 16) >> 16;
          values[base + i] = d * gain + offset;
        }
      } else if (s === statusHeaderIndex && status) {
        for (let i = 0; i < spr; i++, p += 3) {
          const u = bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16);
          values[base + i] = ((u << 8) >> 8) * gain + offset;
          status.triggers[base + i] = u & 0xffff;
          status.status[base + i] = u >>> 16;
        }
      } else {
        for (let i = 0; i < spr; i++, p += 3) {
          const d = ((bytes[p]! | (bytes[p + 1]! << 8) | (bytes[p + 2]! << 16)) << 8) >> 8;
          values[base + i] = d * gain + offset;
        }
      }
    }
  }
  let continuous = true;
  for (let r = 1; r < recordCount; r++) {
    const step = recordOnsetsSec[r]! - recordOnsetsSec[r - 1]!;
    if (Math.abs(step - recordDurationSec) > 1e-6) continuous = false;
    if (step < recordDurationSec - 1e-6) warnings.push(`record ${r} starts ${step.toFixed(6)} s after record ${r - 1}, less than the record duration`);
  }
  if (plus && reserved.startsWith(`${format.toUpperCase()}+C`) && !continuous) warnings.push(`${format.toUpperCase()}+C file whose record onsets are not contiguous`);
  annotations.sort((a, b) => a.onsetSec - b.onsetSec);
  const variant = plus ? reserved.slice(0, 5) : format.toUpperCase();
  return {
    format,
    variant,
    plus,
    continuous,
    patientId,
    recordingId,
    patient: plus ? parsePatientField(patientId) : null,
    recording: plus ? parseRecordingField(recordingId) : null,
    startDate,
    headerBytes,
    recordCount,
    recordDurationSec,
    reserved,
    signals,
    recordOnsetsSec,
    annotations,
    status,
    warnings,
  };
}

function annotationOf(onsetSec: number, durationSec: number | undefined, text: string): EdfAnnotation {
  return durationSec === undefined ? { onsetSec, text } : { onsetSec, durationSec, text };
}

function parseStart(date: string, time: string, fail: (code: EdfError['code'], offset: number, field: string, what: string) => never): Date {
  const d = /^(\d\d)\.(\d\d)\.(\d\d)$/.exec(date);
  if (!d) return fail('BAD_FIELD', FIXED_FIELDS.startDate[0], 'startdate', `"${date}" is not dd.mm.yy`);
  const t = /^(\d\d)\.(\d\d)\.(\d\d)$/.exec(time);
  if (!t) return fail('BAD_FIELD', FIXED_FIELDS.startTime[0], 'starttime', `"${time}" is not hh.mm.ss`);
  const yy = Number(d[3]);
  const year = yy >= 85 ? 1900 + yy : 2000 + yy;
  const month = Number(d[2]);
  const day = Number(d[1]);
  if (month < 1 || month > 12 || day < 1 || day > 31) return fail('BAD_FIELD', FIXED_FIELDS.startDate[0], 'startdate', `"${date}" is not a calendar date`);
  if (Number(t[1]) > 23 || Number(t[2]) > 59 || Number(t[3]) > 60) return fail('BAD_FIELD', FIXED_FIELDS.startTime[0], 'starttime', `"${time}" is not a time of day`);
  return new Date(Date.UTC(year, month - 1, day, Number(t[1]), Number(t[2]), Number(t[3])));
}

/** Seconds from the file start of sample `i` of a signal (EDF+D aware). */
export function sampleTimeSec(file: EdfFile, signal: EdfSignal, i: number): number {
  const r = Math.floor(i / signal.samplesPerRecord);
  return file.recordOnsetsSec[r]! + ((i - r * signal.samplesPerRecord) * file.recordDurationSec) / signal.samplesPerRecord;
}
