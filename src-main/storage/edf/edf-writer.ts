// EDF+/BDF+ writer: signals at different rates (samples per record), physical ranges chosen
// from the data so the 16-bit (EDF) or 24-bit (BDF) digital range covers exactly what is there,
// annotations as TALs, EDF+D records at their true onsets. Used by `himoe export` and BIDS.

import { closeSync, openSync, writeSync } from 'node:fs';
import { EdfError } from './edf-error.js';
import {
  ANNOTATION_LABEL,
  BYTES_PER_SAMPLE,
  DIGITAL_RANGE,
  FIXED_HEADER_BYTES,
  MAX_SIGNALS,
  SIGNAL_FIELDS,
  SIGNAL_HEADER_BYTES,
  formatHeaderNumber,
  formatPatientField,
  formatRecordingField,
  formatStartDateTime,
  padField,
  parseHeaderNumber,
  type EdfFormat,
  type EdfPatientFields,
  type EdfRecordingFields,
} from './edf-format.js';
import { encodeRecordTals, type EdfAnnotation } from './edf-tal.js';

/** One ordinary signal to write. */
export interface EdfSignalSpec {
  /** At most 16 ASCII characters; EDF+ style "EEG Fp1", "ECG II", "Resp chest". */
  label: string;
  transducer?: string;
  /** Physical dimension, e.g. "uV" (see shortUnit). */
  physicalDimension: string;
  prefiltering?: string;
  samplesPerRecord: number;
  /** Physical values, recordCount x samplesPerRecord, record after record: sample i is
   *  values[offset + i * stride] (so one channel of a row-major block needs no copy).
   *  Non-finite values are written as the digital value nearest to physical 0. */
  values: Float32Array | Float64Array;
  /** Distance between consecutive samples in `values` (default 1). */
  stride?: number;
  /** Index of the first sample in `values` (default 0). */
  offset?: number;
  /** Fixed physical range; default: the data's minimum and maximum (rounded outward to fit
   *  the 8-character fields). */
  physicalMin?: number;
  physicalMax?: number;
}

export interface EdfWriteSpec {
  format: EdfFormat;
  /** EDF+/BDF+ (annotation signal, structured patient/recording fields). Default true. */
  plus?: boolean;
  patient?: EdfPatientFields;
  recording?: EdfRecordingFields;
  /** Start of the first record (UTC; whole seconds are written). */
  startDate: Date;
  recordDurationSec: number;
  recordCount: number;
  /** Onset of each record in seconds from startDate. Default r x recordDurationSec. Onsets that
   *  leave gaps make the file EDF+D (needs plus). */
  recordOnsetsSec?: Float64Array;
  signals: readonly EdfSignalSpec[];
  annotations?: readonly EdfAnnotation[];
}

/** What was written per signal: the ranges in the header and the quantisation step. */
export interface EdfWrittenSignal {
  label: string;
  physicalMin: number;
  physicalMax: number;
  digitalMin: number;
  digitalMax: number;
  /** Physical units per digital count: the largest round-trip error is half of it. */
  quantumPhysical: number;
}

export interface EdfWriteResult {
  bytes: number;
  /** 'EDF', 'EDF+C', 'EDF+D', 'BDF', 'BDF+C' or 'BDF+D'. */
  variant: string;
  recordBytes: number;
  annotationSamplesPerRecord: number;
  signals: EdfWrittenSignal[];
}

interface PreparedSignal {
  spec: EdfSignalSpec;
  header: string[];
  offset: number;
  gain: number;
  digitalMin: number;
  digitalMax: number;
  zeroDigital: number;
  written: EdfWrittenSignal;
}

const CONTINUITY_TOLERANCE_SEC = 1e-6;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Encodes a recording header and its data records. Build with prepare(); then header() and
 * encodeRecords() produce the file's bytes in order (the file writer streams them in blocks).
 */
export class EdfEncoder {
  readonly variant: string;
  readonly recordBytes: number;
  readonly annotationSamplesPerRecord: number;
  private readonly bytesPerSample: number;
  private readonly signals: PreparedSignal[];
  private readonly tals: Uint8Array[] | null;
  private readonly onsets: Float64Array;

  constructor(private readonly spec: EdfWriteSpec) {
    const plus = spec.plus ?? true;
    validate(spec, plus);
    this.bytesPerSample = BYTES_PER_SAMPLE[spec.format];
    this.onsets = spec.recordOnsetsSec ?? Float64Array.from({ length: spec.recordCount }, (_, r) => r * spec.recordDurationSec);
    let continuous = true;
    for (let r = 1; r < this.onsets.length; r++) {
      if (Math.abs(this.onsets[r]! - this.onsets[r - 1]! - spec.recordDurationSec) > CONTINUITY_TOLERANCE_SEC) continuous = false;
    }
    if (!continuous && !plus) throw new EdfError('BAD_INPUT', 'records with gaps need EDF+D/BDF+D (plus: true)', { field: 'recordOnsetsSec' });
    const name = spec.format.toUpperCase();
    this.variant = plus ? `${name}+${continuous ? 'C' : 'D'}` : name;
    const ranges = dataRanges(spec.signals, spec.recordCount);
    this.signals = spec.signals.map((s, i) => prepareSignal(s, spec.format, ranges[i]!));
    if (plus) {
      this.tals = this.assignTals(spec.annotations ?? []);
      const maxBytes = this.tals.reduce((m, t) => Math.max(m, t.length), 0) + 1; // + a padding zero
      this.annotationSamplesPerRecord = Math.max(1, Math.ceil(maxBytes / this.bytesPerSample));
    } else {
      if ((spec.annotations ?? []).length > 0) throw new EdfError('BAD_INPUT', 'annotations need EDF+/BDF+ (plus: true)', { field: 'annotations' });
      this.tals = null;
      this.annotationSamplesPerRecord = 0;
    }
    let samples = this.annotationSamplesPerRecord;
    for (const s of spec.signals) samples += s.samplesPerRecord;
    this.recordBytes = samples * this.bytesPerSample;
  }

  get signalCount(): number {
    return this.signals.length + (this.tals ? 1 : 0);
  }

  get headerBytes(): number {
    return FIXED_HEADER_BYTES + SIGNAL_HEADER_BYTES * this.signalCount;
  }

  get totalBytes(): number {
    return this.headerBytes + this.recordBytes * this.spec.recordCount;
  }

  get written(): EdfWrittenSignal[] {
    return this.signals.map((s) => s.written);
  }

  header(): Uint8Array {
    const spec = this.spec;
    const plus = this.tals !== null;
    const { date, time } = formatStartDateTime(spec.startDate);
    const patient = plus ? formatPatientField(spec.patient ?? { code: '' }) : (spec.patient?.code ?? '');
    const recording = plus ? formatRecordingField(spec.startDate, spec.recording ?? {}) : (spec.recording?.additional ?? '');
    const reserved = plus ? this.variant : spec.format === 'bdf' ? '24BIT' : '';
    let text =
      padField(spec.format === 'bdf' ? 'BIOSEMI' : '0', spec.format === 'bdf' ? 7 : 8) +
      padField(patient, 80) +
      padField(recording, 80) +
      date +
      time +
      padField(String(this.headerBytes), 8) +
      padField(reserved, 44) +
      padField(String(spec.recordCount), 8) +
      padField(formatHeaderNumber(spec.recordDurationSec), 8) +
      padField(String(this.signalCount), 4);
    const headers = this.signals.map((s) => s.header);
    if (plus) {
      const [dMin, dMax] = DIGITAL_RANGE[spec.format];
      headers.push([ANNOTATION_LABEL[spec.format], '', '', '-1', '1', String(dMin), String(dMax), '', String(this.annotationSamplesPerRecord), '']);
    }
    SIGNAL_FIELDS.forEach(([, width], f) => {
      for (const h of headers) text += padField(h[f]!, width);
    });
    const out = new Uint8Array(this.headerBytes);
    let p = 0;
    if (spec.format === 'bdf') out[p++] = 0xff;
    for (let i = 0; i < text.length; i++) out[p++] = text.charCodeAt(i);
    return out;
  }

  /** Encodes records [from, to) into `out` (length (to - from) x recordBytes). */
  encodeRecords(from: number, to: number, out: Uint8Array): void {
    const bps = this.bytesPerSample;
    // EDF samples are little-endian int16 at even offsets (records start at even offsets):
    // one typed store per sample on little-endian hosts, bytes otherwise.
    const int16 = bps === 2 && LITTLE_ENDIAN && out.byteOffset % 2 === 0 ? new Int16Array(out.buffer, out.byteOffset, out.length >> 1) : null;
    let p = 0;
    for (let r = from; r < to; r++) {
      for (const s of this.signals) {
        const spr = s.spec.samplesPerRecord;
        const values = s.spec.values;
        const stride = s.spec.stride ?? 1;
        const gain = s.gain;
        const offset = s.offset;
        const dMin = s.digitalMin;
        const dMax = s.digitalMax;
        const zero = s.zeroDigital;
        let k = (s.spec.offset ?? 0) + r * spr * stride;
        if (int16) {
          let q = p >> 1;
          for (let i = 0; i < spr; i++, k += stride) {
            const x = values[k]! * gain + offset;
            // x >= dMax and x < dMin are false for NaN, which falls through to `zero`.
            int16[q++] = x >= dMax ? dMax : x >= dMin ? Math.round(x) : x < dMin ? dMin : zero;
          }
          p += spr * 2;
        } else if (bps === 2) {
          for (let i = 0; i < spr; i++, k += stride) {
            const x = values[k]! * gain + offset;
            const d = x >= dMax ? dMax : x >= dMin ? Math.round(x) : x < dMin ? dMin : zero;
            out[p] = d & 0xff;
            out[p + 1] = (d >> 8) & 0xff;
            p += 2;
          }
        } else {
          for (let i = 0; i < spr; i++, k += stride) {
            const x = values[k]! * gain + offset;
            const d = x >= dMax ? dMax : x >= dMin ? Math.round(x) : x < dMin ? dMin : zero;
            out[p] = d & 0xff;
            out[p + 1] = (d >> 8) & 0xff;
            out[p + 2] = (d >> 16) & 0xff;
            p += 3;
          }
        }
      }
      if (this.tals) {
        const tal = this.tals[r]!;
        const size = this.annotationSamplesPerRecord * bps;
        out.set(tal, p);
        out.fill(0, p + tal.length, p + size);
        p += size;
      }
    }
  }

  /** Each annotation goes to the last record starting at or before its onset (the first
   *  record for earlier onsets), after that record's time-keeping TAL. */
  private assignTals(annotations: readonly EdfAnnotation[]): Uint8Array[] {
    const n = this.spec.recordCount;
    const perRecord: EdfAnnotation[][] = Array.from({ length: Math.max(n, 0) }, () => []);
    if (n === 0 && annotations.length > 0) throw new EdfError('BAD_INPUT', 'annotations need at least one data record', { field: 'annotations' });
    for (const a of annotations) {
      if (!Number.isFinite(a.onsetSec)) throw new EdfError('BAD_INPUT', `annotation "${a.text}" has onset ${a.onsetSec}`, { field: 'annotations' });
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (this.onsets[mid]! <= a.onsetSec + CONTINUITY_TOLERANCE_SEC) lo = mid;
        else hi = mid - 1;
      }
      perRecord[lo]!.push(a);
    }
    return perRecord.map((list, r) => encodeRecordTals(this.onsets[r]!, list));
  }
}

function validate(spec: EdfWriteSpec, plus: boolean): void {
  const bad = (field: string, what: string): never => {
    throw new EdfError('BAD_INPUT', `EDF writer: ${field}: ${what}`, { field });
  };
  if (spec.format !== 'edf' && spec.format !== 'bdf') bad('format', `"${String(spec.format)}" is neither "edf" nor "bdf"`);
  if (!Number.isInteger(spec.recordCount) || spec.recordCount < 0 || spec.recordCount > 99_999_999) bad('recordCount', `${spec.recordCount} is not an integer in 0..99999999`);
  const d = spec.recordDurationSec;
  if (!(d > 0) || !Number.isFinite(d) || Math.abs(parseHeaderNumber(formatHeaderNumber(d)) - d) > 1e-12 * Math.max(1, d)) {
    bad('recordDurationSec', `${d} is not a positive duration that 8 characters write exactly`);
  }
  if (Number.isNaN(spec.startDate.getTime())) bad('startDate', 'is not a valid date');
  const year = spec.startDate.getUTCFullYear();
  if (year < 1985 || year > 2084) bad('startDate', `year ${year} is outside EDF's 1985..2084`);
  const signalCount = spec.signals.length + (plus ? 1 : 0);
  if (signalCount < 1 || signalCount > MAX_SIGNALS) bad('signals', `${signalCount} signals; EDF holds 1..${MAX_SIGNALS}`);
  if (spec.recordOnsetsSec) {
    const o = spec.recordOnsetsSec;
    if (o.length !== spec.recordCount) bad('recordOnsetsSec', `${o.length} onsets for ${spec.recordCount} records`);
    for (let r = 0; r < o.length; r++) {
      if (!Number.isFinite(o[r]!) || o[r]! < 0 || (r > 0 && o[r]! < o[r - 1]! + d - CONTINUITY_TOLERANCE_SEC)) {
        bad('recordOnsetsSec', `onset ${o[r]} s of record ${r} is not >= 0 and at least one record duration after the previous one`);
      }
    }
  }
  spec.signals.forEach((s, i) => {
    if (!Number.isInteger(s.samplesPerRecord) || s.samplesPerRecord < 1 || s.samplesPerRecord > 99_999_999) {
      bad(`signals[${i}].samplesPerRecord`, `${s.samplesPerRecord} is not a positive integer`);
    }
    const stride = s.stride ?? 1;
    const offset = s.offset ?? 0;
    if (!Number.isInteger(stride) || stride < 1 || !Number.isInteger(offset) || offset < 0) bad(`signals[${i}].stride`, `stride ${stride} / offset ${offset} are not integers >= 1 / >= 0`);
    const n = s.samplesPerRecord * spec.recordCount;
    const needed = n === 0 ? 0 : offset + (n - 1) * stride + 1;
    if (s.values.length < needed || (stride === 1 && offset === 0 && s.values.length !== n)) {
      bad(`signals[${i}].values`, `"${s.label}" has ${s.values.length} values; ${spec.recordCount} records x ${s.samplesPerRecord} = ${n} samples (stride ${stride}, offset ${offset}) expected`);
    }
  });
}

/** Physical range from the data (or the spec), written outward-rounded in 8 characters, and
 *  the linear map physical -> digital that the reader inverts from those very characters. */
/**
 * Data minimum and maximum of every signal without a fixed range. Signals that read one
 * row-major block through stride/offset are scanned together in one pass over the block
 * (one pass per channel would stream the whole block through the cache once per channel).
 */
function dataRanges(signals: readonly EdfSignalSpec[], recordCount: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = signals.map(() => [Infinity, -Infinity]);
  const groups = new Map<Float32Array | Float64Array, Map<number, number[]>>();
  signals.forEach((s, i) => {
    if (s.physicalMin !== undefined && s.physicalMax !== undefined) return;
    const byStride = groups.get(s.values) ?? new Map<number, number[]>();
    groups.set(s.values, byStride);
    const stride = s.stride ?? 1;
    byStride.set(stride, [...(byStride.get(stride) ?? []), i]);
  });
  for (const [v, byStride] of groups) {
    for (const [stride, members] of byStride) {
      const n = signals[members[0]!]!.samplesPerRecord * recordCount;
      const offsets = members.map((i) => signals[i]!.offset ?? 0);
      const sameLength = members.every((i) => signals[i]!.samplesPerRecord * recordCount === n);
      const minOffset = Math.min(...offsets);
      if (!sameLength || members.length === 1 || Math.max(...offsets) - minOffset >= stride) {
        for (const i of members) ranges[i] = scanRange(v, signals[i]!.offset ?? 0, stride, signals[i]!.samplesPerRecord * recordCount);
        continue;
      }
      // Columns of one block: row by row, each member's column inside the row.
      const mins = new Float64Array(members.length).fill(Infinity);
      const maxs = new Float64Array(members.length).fill(-Infinity);
      const cols = Int32Array.from(offsets, (o) => o - minOffset);
      for (let row = 0, base = minOffset; row < n; row++, base += stride) {
        for (let m = 0; m < cols.length; m++) {
          const x = v[base + cols[m]!]!;
          if (x < mins[m]!) mins[m] = x;
          if (x > maxs[m]!) maxs[m] = x;
        }
      }
      members.forEach((i, m) => (ranges[i] = [mins[m]!, maxs[m]!]));
    }
  }
  return ranges;
}

function scanRange(v: Float32Array | Float64Array, offset: number, stride: number, n: number): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let j = 0, i = offset; j < n; j++, i += stride) {
    const x = v[i]!;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return [min, max];
}

function prepareSignal(s: EdfSignalSpec, format: EdfFormat, dataRange: [number, number]): PreparedSignal {
  let lo = s.physicalMin;
  let hi = s.physicalMax;
  if (lo === undefined || hi === undefined) {
    let [min, max] = dataRange;
    if (min > max) {
      min = -1;
      max = 1;
    }
    lo ??= min;
    hi ??= max;
  }
  if (!(hi >= lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) {
    throw new EdfError('BAD_INPUT', `EDF writer: signal "${s.label}": physical range [${lo}, ${hi}] is not a finite interval`, { field: 'physicalMin' });
  }
  if (hi === lo) {
    const pad = Math.max(1, Math.abs(lo) * 1e-3);
    lo -= pad;
    hi += pad;
  }
  const minText = formatHeaderNumber(lo, 8, 'down');
  let maxText = formatHeaderNumber(hi, 8, 'up');
  const pMin = parseHeaderNumber(minText);
  let pMax = parseHeaderNumber(maxText);
  if (pMax <= pMin) {
    maxText = formatHeaderNumber(pMin + Math.max(1e-6, Math.abs(pMin) * 1e-6), 8, 'up');
    pMax = parseHeaderNumber(maxText);
  }
  const [dMin, dMax] = DIGITAL_RANGE[format];
  const gain = (dMax - dMin) / (pMax - pMin);
  const offset = dMin - pMin * gain;
  const zeroDigital = Math.min(dMax, Math.max(dMin, Math.round(offset)));
  return {
    spec: s,
    header: [s.label, s.transducer ?? '', s.physicalDimension, minText, maxText, String(dMin), String(dMax), s.prefiltering ?? '', String(s.samplesPerRecord), ''],
    gain,
    offset,
    digitalMin: dMin,
    digitalMax: dMax,
    zeroDigital,
    written: { label: padField(s.label, 16).trimEnd(), physicalMin: pMin, physicalMax: pMax, digitalMin: dMin, digitalMax: dMax, quantumPhysical: (pMax - pMin) / (dMax - dMin) },
  };
}

const BLOCK_BYTES = 4 * 1024 * 1024;

/** The whole file in memory. */
export function encodeEdf(spec: EdfWriteSpec): { bytes: Uint8Array; result: EdfWriteResult } {
  const enc = new EdfEncoder(spec);
  const out = new Uint8Array(enc.totalBytes);
  out.set(enc.header(), 0);
  enc.encodeRecords(0, spec.recordCount, out.subarray(enc.headerBytes));
  return { bytes: out, result: resultOf(enc) };
}

/** Writes the file in blocks of records (memory stays a few MB beyond the input values).
 *  Refuses to replace an existing file unless `overwrite`. */
export function writeEdfFile(path: string, spec: EdfWriteSpec, opts: { overwrite?: boolean } = {}): EdfWriteResult {
  const enc = new EdfEncoder(spec);
  let fd: number;
  try {
    fd = openSync(path, opts.overwrite ? 'w' : 'wx');
  } catch (err) {
    throw new EdfError('IO_FAILED', `${path}: cannot create the file: ${(err as Error).message}`, { path }, { cause: err });
  }
  try {
    writeAll(fd, enc.header(), path);
    const perBlock = Math.max(1, Math.floor(BLOCK_BYTES / Math.max(1, enc.recordBytes)));
    const block = new Uint8Array(perBlock * enc.recordBytes);
    for (let r = 0; r < spec.recordCount; r += perBlock) {
      const to = Math.min(spec.recordCount, r + perBlock);
      enc.encodeRecords(r, to, block);
      writeAll(fd, block.subarray(0, (to - r) * enc.recordBytes), path);
    }
  } finally {
    closeSync(fd);
  }
  return resultOf(enc);
}

function writeAll(fd: number, bytes: Uint8Array, path: string): void {
  let done = 0;
  try {
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done);
  } catch (err) {
    throw new EdfError('IO_FAILED', `${path}: write failed: ${(err as Error).message}`, { path }, { cause: err });
  }
}

function resultOf(enc: EdfEncoder): EdfWriteResult {
  return { bytes: enc.totalBytes, variant: enc.variant, recordBytes: enc.recordBytes, annotationSamplesPerRecord: enc.annotationSamplesPerRecord, signals: enc.written };
}

/**
 * A record duration (seconds) for which every rate gives an integer number of samples per
 * record: 1 s when it works, else the first of a list of shorter and longer durations, the
 * shorter ones preferred while a record stays under `maxRecordBytes`. Null when no candidate
 * fits (the caller then rounds the rates).
 */
export function chooseRecordDuration(ratesHz: readonly number[], bytesPerSample = 2, maxRecordBytes = 61440): number | null {
  const candidates = [1, 0.5, 0.25, 0.2, 0.125, 0.1, 0.05, 0.04, 0.025, 0.02, 0.01, 2, 4, 5, 8, 10, 20, 30, 60];
  const fits = (d: number) => ratesHz.every((r) => Math.abs(r * d - Math.round(r * d)) < 1e-9 * Math.max(1, r * d) && Math.round(r * d) >= 1);
  const bytes = (d: number) => ratesHz.reduce((sum, r) => sum + Math.round(r * d) * bytesPerSample, 0);
  let fallback: number | null = null;
  for (const d of candidates) {
    if (!fits(d)) continue;
    if (bytes(d) <= maxRecordBytes) return d;
    fallback ??= d;
  }
  if (fallback !== null) {
    // Too large at the first fitting duration: the shortest fitting one keeps records smallest.
    let best = fallback;
    for (const d of candidates) if (fits(d) && bytes(d) < bytes(best)) best = d;
    return best;
  }
  return null;
}
