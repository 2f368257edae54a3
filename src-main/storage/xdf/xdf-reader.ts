// XDF 1.0 reader: recordings made by our writer, LabRecorder, pyxdf tests, ... into typed
// arrays per stream, with pyxdf-style clock synchronisation, dejittering and clock-reset
// handling (each switchable). Two passes over the bytes: index + count, then fill.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { synchronizeClocksOffline } from '../../core/streams/clock-sync.js';
import { dejitterOffline } from '../../core/streams/dejitter.js';
import type { ChannelFormat, ChannelInfo, StreamInfo } from '../../core/streams/types.js';
import { XdfError } from './xdf-error.js';
import {
  MAX_PLAUSIBLE_CHUNK_BYTES,
  TAG_BOUNDARY,
  TAG_CLOCK_OFFSET,
  TAG_FILE_HEADER,
  TAG_SAMPLES,
  TAG_STREAM_FOOTER,
  TAG_STREAM_HEADER,
  isBoundaryUuid,
  isChannelFormat,
  readVarLen,
  valueBytes,
  type VarLenResult,
} from './xdf-format.js';
import { child, childText, parseXml, XmlSyntaxError, type XmlElement } from './xdf-xml.js';

export { XdfError } from './xdf-error.js';

export interface XdfReadOptions {
  /** Map each stream onto the recording clock with its ClockOffset chunks (default true). */
  synchronizeClocks?: boolean;
  /** Replace timestamps of regular streams by a piecewise linear fit (default true). */
  dejitter?: boolean;
  /** Detect and handle clock resets during synchronisation (default true). */
  handleClockResets?: boolean;
  /** Dejitter breaks at gaps longer than max(breakThresholdSeconds, breakThresholdSamples / rate). */
  breakThresholdSeconds?: number;
  breakThresholdSamples?: number;
  /** Stop at a truncated final chunk and report it in `truncatedAt` (default true); when false
   *  a truncated chunk is a TRUNCATED_CHUNK error. */
  tolerateTruncation?: boolean;
}

export type XdfTimeSeries = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array | string[];

export interface XdfStream {
  /** The stream id in the file (uint32). */
  id: number;
  /** info.id is String(id); sourceId is source_id or ''; desc holds the leaf elements of <desc>. */
  info: StreamInfo;
  headerXml: string;
  footerXml: string | null;
  channelCount: number;
  channelFormat: ChannelFormat;
  nominalRateHz: number;
  timestamps: Float64Array;
  /** n x channelCount values, row-major. */
  timeSeries: XdfTimeSeries;
  clockOffsets: { times: Float64Array; values: Float64Array };
  footer: { firstTimestamp: number; lastTimestamp: number; sampleCount: number } | null;
  /** Inclusive [first, last] sample index ranges without breaks. */
  segments: Array<[number, number]>;
  effectiveRateHz: number;
}

export interface XdfFile {
  fileHeader: { xml: string; version: string };
  streams: XdfStream[];
  /** Byte offset of a truncated final chunk that was dropped, or null. */
  truncatedAt: number | null;
  warnings: string[];
}

interface StreamBuild {
  id: number;
  headerXml: string;
  info: StreamInfo;
  format: ChannelFormat;
  channelCount: number;
  nominalRateHz: number;
  footerXml: string | null;
  total: number;
  offsetTimes: number[];
  offsetValues: number[];
}

const DEFAULTS = {
  synchronizeClocks: true,
  dejitter: true,
  handleClockResets: true,
  breakThresholdSeconds: 1,
  breakThresholdSamples: 500,
  tolerateTruncation: true,
};

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Random access to the file's bytes through a window: the whole buffer for in-memory input,
 *  or blocks read on demand from a file, so a large recording is never copied into one fresh
 *  file-sized buffer (fresh memory is the dominant cost of reading). Offsets are file offsets;
 *  `bytes[pos - base]` is byte `pos`. */
interface ByteWindow {
  bytes: Uint8Array;
  dv: DataView;
  base: number;
  readonly size: number;
  /** Makes bytes [pos, pos + need) available; the caller guarantees pos + need <= size. */
  ensure(pos: number, need: number): void;
}

class MemoryWindow implements ByteWindow {
  readonly dv: DataView;
  readonly base = 0;
  readonly size: number;
  constructor(readonly bytes: Uint8Array) {
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.size = bytes.length;
  }
  ensure(): void {}
}

const FILE_BLOCK_BYTES = 4 * 1024 * 1024;

class FileWindow implements ByteWindow {
  bytes: Uint8Array;
  dv: DataView;
  base = 0;
  private filled = 0;
  constructor(
    private readonly fd: number,
    readonly size: number,
    private readonly path: string,
  ) {
    this.bytes = new Uint8Array(Math.min(FILE_BLOCK_BYTES, Math.max(size, 16)));
    this.dv = new DataView(this.bytes.buffer);
  }
  ensure(pos: number, need: number): void {
    if (pos >= this.base && pos + need <= this.base + this.filled) return;
    if (need > this.bytes.length) {
      this.bytes = new Uint8Array(need);
      this.dv = new DataView(this.bytes.buffer);
    }
    const want = Math.min(this.bytes.length, this.size - pos);
    let got = 0;
    while (got < want) {
      let n: number;
      try {
        n = readSync(this.fd, this.bytes, got, want - got, pos + got);
      } catch (err) {
        throw new XdfError('IO_FAILED', `${this.path}: at byte ${pos + got}: read failed: ${(err as Error).message}`, { path: this.path, byteOffset: pos + got }, { cause: err });
      }
      if (n === 0) break;
      got += n;
    }
    if (got < need) {
      throw new XdfError('IO_FAILED', `${this.path}: at byte ${pos + got}: the file shrank while being read`, { path: this.path, byteOffset: pos + got });
    }
    this.base = pos;
    this.filled = got;
  }
}

/** Reads an XDF file (path or its bytes). A path is read in 4 MB blocks (synchronously, like
 *  the decoding itself; use a worker thread to keep a UI responsive on huge files). */
export async function readXdf(source: string | Uint8Array, opts: XdfReadOptions = {}): Promise<XdfFile> {
  if (typeof source !== 'string') return readXdfBytes(source, opts);
  let fd: number;
  let size: number;
  try {
    fd = openSync(source, 'r');
  } catch (err) {
    throw new XdfError('IO_FAILED', `${source}: cannot open the file: ${(err as Error).message}`, { path: source }, { cause: err });
  }
  try {
    size = fstatSync(fd).size;
    return readWindow(new FileWindow(fd, size, source), opts, source);
  } finally {
    closeSync(fd);
  }
}

/** Synchronous variant over bytes already in memory; `fileName` only labels messages. */
export function readXdfBytes(bytes: Uint8Array, opts: XdfReadOptions = {}, fileName = '<bytes>'): XdfFile {
  return readWindow(new MemoryWindow(bytes), opts, fileName);
}

function readWindow(w: ByteWindow, opts: XdfReadOptions, fileName: string): XdfFile {
  const o = { ...DEFAULTS, ...stripUndefined(opts) };
  const end = w.size;
  const warnings: string[] = [];
  const fail = (code: ConstructorParameters<typeof XdfError>[0], offset: number, what: string): never => {
    throw new XdfError(code, `${fileName}: at byte ${offset}: ${what}`, { file: fileName, byteOffset: offset });
  };
  const text = (from: number, to: number): string => {
    w.ensure(from, to - from);
    return utf8.decode(w.bytes.subarray(from - w.base, to - w.base));
  };

  w.ensure(0, Math.min(4, end));
  const b = w.bytes;
  if (end < 4 || b[0] !== 0x58 || b[1] !== 0x44 || b[2] !== 0x46 || b[3] !== 0x3a) {
    const got = Array.from(b.subarray(0, Math.min(4, end)), (x) => x.toString(16).padStart(2, '0')).join(' ');
    fail('BAD_MAGIC', 0, `expected the magic "XDF:" (58 44 46 3a), found ${got || 'an empty file'}; not an XDF file`);
  }

  const streams = new Map<number, StreamBuild>();
  const order: StreamBuild[] = [];
  let fileHeader: { xml: string; version: string } | null = null;
  let truncatedAt: number | null = null;
  // Index of Samples chunks: stream, first sample byte, chunk end, sample count (file offsets).
  const chunkStream: StreamBuild[] = [];
  const chunkStart: number[] = [];
  const chunkEnd: number[] = [];
  const chunkCount: number[] = [];
  const vl: VarLenResult = { value: 0, next: 0 };

  // Pass 1: walk the chunks, parse headers/footers/offsets, count samples.
  let pos = 4;
  while (pos < end) {
    const headLen = Math.min(9, end - pos);
    w.ensure(pos, headLen);
    let l = pos - w.base;
    const nlb = w.bytes[l]!;
    if (nlb !== 1 && nlb !== 4 && nlb !== 8) {
      fail('BAD_LENGTH', pos, `chunk NumLengthBytes is ${nlb}; expected 1, 4 or 8 (corrupt data; try repairXdf)`);
    }
    const truncated = (what: string): boolean => {
      if (!o.tolerateTruncation) fail('TRUNCATED_CHUNK', pos, `${what}; the file ends at byte ${end}`);
      truncatedAt = pos;
      warnings.push(`${fileName}: truncated final chunk at byte ${pos} (${what}); ${end - pos} bytes ignored`);
      return true;
    };
    if (!readVarLen(w.dv, l, l + headLen, vl)) {
      if (truncated('the chunk length field is cut off')) break;
    }
    const len = vl.value;
    if (len === -2 || len > MAX_PLAUSIBLE_CHUNK_BYTES) {
      fail('BAD_LENGTH', pos, `chunk length field says ${len === -2 ? 'more than 2^53' : len} bytes; expected at most ${MAX_PLAUSIBLE_CHUNK_BYTES} (corrupt length)`);
    }
    if (len < 2) fail('BAD_LENGTH', pos, `chunk length ${len} is too short to hold the 2-byte tag`);
    const tagAt = pos + (vl.next - l);
    const chunkEndAt = tagAt + len;
    if (chunkEndAt > end) {
      if (truncated(`chunk of ${len} bytes needs ${chunkEndAt - end} more bytes than the file has`)) break;
    }
    const cs = tagAt + 2;
    // Tag plus up to 20 content bytes: enough for every fixed-size part read below.
    w.ensure(tagAt, Math.min(len, 22));
    l = tagAt - w.base;
    const dv = w.dv;
    const tag = dv.getUint16(l, true);
    const c = l + 2; // local offset of the content
    switch (tag) {
      case TAG_FILE_HEADER: {
        const xml = text(cs, chunkEndAt);
        const root = parseXmlAt(xml, pos, 'FileHeader', fileName);
        if (fileHeader) warnings.push(`${fileName}: a second FileHeader chunk at byte ${pos} was ignored`);
        else fileHeader = { xml, version: childText(root, 'version') ?? '' };
        break;
      }
      case TAG_STREAM_HEADER: {
        if (chunkEndAt - cs < 4) fail('BAD_CHUNK', pos, 'StreamHeader chunk has no stream id; expected 4 bytes of id then XML');
        const id = dv.getUint32(c, true);
        if (streams.has(id)) {
          warnings.push(`${fileName}: a second StreamHeader for stream ${id} at byte ${pos} was ignored`);
          break;
        }
        const s = buildStream(id, text(cs + 4, chunkEndAt), pos, fileName, warnings);
        streams.set(id, s);
        order.push(s);
        break;
      }
      case TAG_SAMPLES: {
        if (chunkEndAt - cs < 5) fail('BAD_SAMPLES', pos, 'Samples chunk too short; expected a stream id and a sample count');
        const id = dv.getUint32(c, true);
        const s = streams.get(id);
        if (!s) {
          warnings.push(`${fileName}: Samples chunk at byte ${pos} for stream ${id} before (or without) its StreamHeader; skipped`);
          break;
        }
        const localEnd = Math.min(c + 13, chunkEndAt - w.base);
        if (!readVarLen(dv, c + 4, localEnd, vl) || vl.value < 0) {
          fail('BAD_SAMPLES', cs + 4, `bad sample count in Samples chunk of stream ${id}; expected a 1, 4 or 8-byte count`);
        }
        const n = vl.value;
        const first = vl.next + w.base;
        const minSample = 1 + (s.format === 'string' ? 2 * s.channelCount : s.channelCount * valueBytes(s.format));
        if (n * minSample > chunkEndAt - first) {
          fail('BAD_SAMPLES', cs + 4, `Samples chunk of stream ${id} claims ${n} samples but holds only ${chunkEndAt - first} bytes (at least ${minSample} per sample)`);
        }
        if (n > 0) {
          chunkStream.push(s);
          chunkStart.push(first);
          chunkEnd.push(chunkEndAt);
          chunkCount.push(n);
          s.total += n;
        }
        break;
      }
      case TAG_CLOCK_OFFSET: {
        if (chunkEndAt - cs !== 20) {
          fail('BAD_CHUNK', pos, `ClockOffset chunk holds ${chunkEndAt - cs} bytes; expected 20 (id, collection time, offset)`);
        }
        const id = dv.getUint32(c, true);
        const s = streams.get(id);
        if (!s) {
          warnings.push(`${fileName}: ClockOffset chunk at byte ${pos} for unknown stream ${id}; skipped`);
          break;
        }
        s.offsetTimes.push(dv.getFloat64(c + 4, true));
        s.offsetValues.push(dv.getFloat64(c + 12, true));
        break;
      }
      case TAG_BOUNDARY:
        if (!isBoundaryUuid(w.bytes, c, chunkEndAt - w.base)) warnings.push(`${fileName}: Boundary chunk at byte ${pos} does not hold the XDF boundary UUID`);
        break;
      case TAG_STREAM_FOOTER: {
        if (chunkEndAt - cs < 4) fail('BAD_CHUNK', pos, 'StreamFooter chunk has no stream id');
        const id = dv.getUint32(c, true);
        const s = streams.get(id);
        if (!s) {
          warnings.push(`${fileName}: StreamFooter at byte ${pos} for unknown stream ${id}; skipped`);
          break;
        }
        s.footerXml = text(cs + 4, chunkEndAt);
        break;
      }
      default:
        warnings.push(`${fileName}: unknown chunk tag ${tag} at byte ${pos} (${len} bytes) skipped`);
    }
    pos = chunkEndAt;
  }
  if (!fileHeader) warnings.push(`${fileName}: no FileHeader chunk`);

  // Pass 2: allocate each stream's arrays once (exact sizes from pass 1) and decode into them.
  const out = new Map<StreamBuild, Fill>();
  for (const s of order) {
    out.set(s, { ts: new Float64Array(s.total), values: allocValues(s.format, s.total * s.channelCount), fill: 0, lastTs: 0 });
  }
  for (let k = 0; k < chunkStream.length; k++) {
    const s = chunkStream[k]!;
    const dst = out.get(s)!;
    const start = chunkStart[k]!;
    const stop = chunkEnd[k]!;
    w.ensure(start, stop - start);
    const dt = s.nominalRateHz > 0 ? 1 / s.nominalRateHz : 0;
    const base = w.base;
    const n = chunkCount[k]!;
    const p =
      s.format === 'string'
        ? decodeStrings(w.bytes, w.dv, start - base, stop - base, base, n, s.channelCount, dt, dst, fileName, s.id)
        : decodeNumeric(w.bytes, w.dv, start - base, stop - base, base, n, s.channelCount, s.format, dt, dst, fileName, s.id);
    if (p + base !== stop) warnings.push(`${fileName}: Samples chunk of stream ${s.id} ending at byte ${stop} has ${stop - base - p} unused bytes`);
  }

  const result: XdfStream[] = [];
  for (const s of order) {
    const d = out.get(s)!;
    result.push(finishStream(s, d.ts, d.values, o, warnings, fileName));
  }
  return { fileHeader: fileHeader ?? { xml: '', version: '' }, streams: result, truncatedAt, warnings };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const r: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (r as Record<string, unknown>)[k] = v;
  return r;
}

function parseXmlAt(xml: string, chunkOffset: number, what: string, fileName: string): XmlElement {
  try {
    return parseXml(xml);
  } catch (err) {
    const detail = err instanceof XmlSyntaxError ? `${err.message} at character ${err.position}` : String(err);
    throw new XdfError('BAD_XML', `${fileName}: at byte ${chunkOffset}: ${what} XML is malformed (${detail}); expected well-formed XML`, {
      file: fileName,
      byteOffset: chunkOffset,
    });
  }
}

/** Parses a StreamHeader's XML into the stream description (shared with repair). Throws
 *  BAD_XML / BAD_HEADER naming the chunk offset. */
export function parseStreamHeader(
  id: number,
  xml: string,
  offset: number,
  fileName: string,
  warnings: string[],
): { info: StreamInfo; format: ChannelFormat; channelCount: number; nominalRateHz: number } {
  const s = buildStream(id, xml, offset, fileName, warnings);
  return { info: s.info, format: s.format, channelCount: s.channelCount, nominalRateHz: s.nominalRateHz };
}

function buildStream(id: number, xml: string, offset: number, fileName: string, warnings: string[]): StreamBuild {
  const root = parseXmlAt(xml, offset, `StreamHeader of stream ${id}`, fileName);
  const bad = (what: string): never => {
    throw new XdfError('BAD_HEADER', `${fileName}: at byte ${offset}: StreamHeader of stream ${id}: ${what}`, { file: fileName, byteOffset: offset, streamId: id });
  };
  const countText = childText(root, 'channel_count');
  const channelCount = countText !== undefined && /^\d+$/.test(countText) ? Number(countText) : -1;
  if (channelCount < 1 || channelCount > 1_000_000) bad(`channel_count is "${countText ?? '(missing)'}"; expected a positive integer`);
  const formatText = childText(root, 'channel_format') ?? '';
  if (!isChannelFormat(formatText)) bad(`channel_format is "${formatText}"; expected one of int8, int16, int32, int64, float32, double64, string`);
  const format = formatText as ChannelFormat;
  const rateText = childText(root, 'nominal_srate');
  const rate = rateText === undefined || rateText === '' ? 0 : Number(rateText);
  if (!Number.isFinite(rate) || rate < 0) bad(`nominal_srate is "${rateText}"; expected a number >= 0`);

  const desc = child(root, 'desc');
  const channelEls = child(desc, 'channels')?.children.filter((c) => c.name === 'channel') ?? [];
  if (channelEls.length > 0 && channelEls.length !== channelCount) {
    warnings.push(`${fileName}: stream ${id} describes ${channelEls.length} channels but channel_count is ${channelCount}`);
  }
  const channels: ChannelInfo[] = [];
  for (let i = 0; i < channelCount; i++) {
    const c = channelEls[i];
    const type = childText(c, 'type');
    const info: ChannelInfo = { label: childText(c, 'label') ?? `ch${i + 1}`, unit: childText(c, 'unit') ?? '' };
    if (type) info.type = type;
    channels.push(info);
  }
  const descFields: Record<string, string> = {};
  for (const c of desc?.children ?? []) {
    if (c.name !== 'channels' && c.children.length === 0) descFields[c.name] = c.text.trim();
  }
  const info: StreamInfo = {
    id: String(id),
    name: childText(root, 'name') ?? '',
    type: childText(root, 'type') ?? '',
    channels,
    channelFormat: format,
    nominalRateHz: rate,
    sourceId: childText(root, 'source_id') ?? '',
    desc: descFields,
  };
  return { id, headerXml: xml, info, format, channelCount, nominalRateHz: rate, footerXml: null, total: 0, offsetTimes: [], offsetValues: [] };
}

function allocValues(format: ChannelFormat, n: number): XdfTimeSeries {
  switch (format) {
    case 'float32':
      return new Float32Array(n);
    case 'double64':
      return new Float64Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'int64':
      return new BigInt64Array(n);
    case 'string':
      return new Array<string>(n);
  }
}

const F_F32 = 0;
const F_F64 = 1;
const F_I8 = 2;
const F_I16 = 3;
const F_I32 = 4;
const F_I64 = 5;
const FORMAT_CODE: Record<ChannelFormat, number> = { float32: F_F32, double64: F_F64, int8: F_I8, int16: F_I16, int32: F_I32, int64: F_I64, string: -1 };
const EMPTY_F32 = new Float32Array(0);
const EMPTY_F64 = new Float64Array(0);
const EMPTY_I8 = new Int8Array(0);
const EMPTY_I16 = new Int16Array(0);
const EMPTY_I32 = new Int32Array(0);
const EMPTY_U32 = new Uint32Array(0);

interface Fill {
  ts: Float64Array;
  values: XdfTimeSeries;
  fill: number;
  lastTs: number;
}

function badSamples(fileName: string, offset: number, id: number, what: string): never {
  throw new XdfError('BAD_SAMPLES', `${fileName}: at byte ${offset}: Samples of stream ${id}: ${what}`, { file: fileName, byteOffset: offset, streamId: id });
}

/** Decodes n numeric samples starting at p; returns the offset after the last one. Samples
 *  without a timestamp get previous + 1/nominal rate (pyxdf rule). */
function decodeNumeric(
  bytes: Uint8Array,
  dv: DataView,
  p: number,
  stop: number,
  base: number,
  n: number,
  ch: number,
  format: ChannelFormat,
  dt: number,
  d: Fill,
  fileName: string,
  id: number,
): number {
  const row = ch * valueBytes(format);
  const ts = d.ts;
  const vals = d.values;
  // One typed view per format, chosen once per chunk; the per-sample switch below is on a
  // small integer so the loop stays monomorphic.
  const fmt = FORMAT_CODE[format];
  const f32 = fmt === F_F32 ? (vals as Float32Array) : EMPTY_F32;
  const f64 = fmt === F_F64 ? (vals as Float64Array) : EMPTY_F64;
  const i8 = fmt === F_I8 ? (vals as Int8Array) : EMPTY_I8;
  const i16 = fmt === F_I16 ? (vals as Int16Array) : EMPTY_I16;
  const i32 = fmt === F_I32 ? (vals as Int32Array) : EMPTY_I32;
  // int64: copy the 32-bit halves into a view of the BigInt64Array, no BigInt per value.
  const u64 = fmt === F_I64 ? new Uint32Array((vals as BigInt64Array).buffer, (vals as BigInt64Array).byteOffset, vals.length * 2) : EMPTY_U32;
  let i = d.fill;
  let k = i * ch;
  let last = d.lastTs;
  const iEnd = i + n;
  for (; i < iEnd; i++) {
    const tsb = bytes[p];
    if (tsb === 8 && p + 9 + row <= stop) {
      last = dv.getFloat64(p + 1, true);
      p += 9;
    } else if (tsb === 0 && p + 1 + row <= stop) {
      last += dt;
      p += 1;
    } else if (tsb !== 0 && tsb !== 8) {
      badSamples(fileName, base + p, id, `TimeStampBytes is ${tsb}; expected 0 or 8`);
    } else {
      badSamples(fileName, base + p, id, `sample ${i} runs past the chunk end at byte ${base + stop}`);
    }
    ts[i] = last;
    switch (fmt) {
      case F_F32:
        for (let c = 0; c < ch; c++, p += 4) f32[k++] = dv.getFloat32(p, true);
        break;
      case F_F64:
        for (let c = 0; c < ch; c++, p += 8) f64[k++] = dv.getFloat64(p, true);
        break;
      case F_I8:
        for (let c = 0; c < ch; c++, p += 1) i8[k++] = dv.getInt8(p);
        break;
      case F_I16:
        for (let c = 0; c < ch; c++, p += 2) i16[k++] = dv.getInt16(p, true);
        break;
      case F_I32:
        for (let c = 0; c < ch; c++, p += 4) i32[k++] = dv.getInt32(p, true);
        break;
      default:
        for (let c = 0; c < ch; c++, p += 8, k++) {
          u64[2 * k] = dv.getUint32(p, true);
          u64[2 * k + 1] = dv.getUint32(p + 4, true);
        }
    }
  }
  d.fill = i;
  d.lastTs = last;
  return p;
}

function decodeStrings(
  bytes: Uint8Array,
  dv: DataView,
  p: number,
  stop: number,
  base: number,
  n: number,
  ch: number,
  dt: number,
  d: Fill,
  fileName: string,
  id: number,
): number {
  const vl: VarLenResult = { value: 0, next: 0 };
  const v = d.values as string[];
  let i = d.fill;
  let k = i * ch;
  let last = d.lastTs;
  for (const iEnd = i + n; i < iEnd; i++) {
    const tsb = bytes[p];
    if (tsb === 8 && p + 9 <= stop) {
      last = dv.getFloat64(p + 1, true);
      p += 9;
    } else if (tsb === 0) {
      last += dt;
      p += 1;
    } else if (p >= stop || tsb === 8) {
      badSamples(fileName, base + p, id, `sample ${i} runs past the chunk end at byte ${base + stop}`);
    } else {
      badSamples(fileName, base + p, id, `TimeStampBytes is ${tsb}; expected 0 or 8`);
    }
    d.ts[i] = last;
    for (let c = 0; c < ch; c++) {
      if (!readVarLen(dv, p, stop, vl) || vl.value < 0 || vl.next + vl.value > stop) {
        badSamples(fileName, base + p, id, `string length at sample ${i} is missing or runs past the chunk end at byte ${base + stop}`);
      }
      v[k++] = vl.value === 0 ? '' : utf8.decode(bytes.subarray(vl.next, vl.next + vl.value));
      p = vl.next + vl.value;
    }
  }
  d.fill = i;
  d.lastTs = last;
  return p;
}

function parseFooter(xml: string | null, id: number, fileName: string, warnings: string[]): XdfStream['footer'] {
  if (xml === null) return null;
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (err) {
    warnings.push(`${fileName}: StreamFooter of stream ${id} is malformed XML (${(err as Error).message}); ignored`);
    return null;
  }
  const num = (name: string): number => {
    const t = childText(root, name);
    const x = t === undefined || t === '' ? Number.NaN : Number(t);
    return x;
  };
  return { firstTimestamp: num('first_timestamp'), lastTimestamp: num('last_timestamp'), sampleCount: num('sample_count') };
}

/** Raw segmentation used when a stream is not dejittered: one segment over all samples and
 *  the rate (n - 1) / (last - first), i.e. samples per second between the first and last. */
function rawSegmentation(ts: Float64Array): { segments: Array<[number, number]>; effectiveRateHz: number } {
  const n = ts.length;
  if (n === 0) return { segments: [], effectiveRateHz: 0 };
  const dur = ts[n - 1]! - ts[0]!;
  return { segments: [[0, n - 1]], effectiveRateHz: n > 1 && dur > 0 ? (n - 1) / dur : 0 };
}

function finishStream(
  s: StreamBuild,
  rawTs: Float64Array,
  values: XdfTimeSeries,
  o: typeof DEFAULTS,
  warnings: string[],
  fileName: string,
): XdfStream {
  const offsetTimes = Float64Array.from(s.offsetTimes);
  const offsetValues = Float64Array.from(s.offsetValues);
  let ts = rawTs;
  let seg: { segments: Array<[number, number]>; effectiveRateHz: number } | null = null;
  // The core algorithms reject non-finite input with a StreamError; a file holding such values
  // is still read, with raw timestamps and a warning, rather than refused.
  if (o.synchronizeClocks && ts.length > 0 && offsetTimes.length > 0) {
    try {
      ts = synchronizeClocksOffline(ts, offsetTimes, offsetValues, { handleClockResets: o.handleClockResets });
    } catch (err) {
      warnings.push(`${fileName}: stream ${s.id}: clock synchronisation skipped: ${(err as Error).message}`);
    }
  }
  if (o.dejitter && ts.length > 0) {
    try {
      const r = dejitterOffline(ts, s.nominalRateHz, {
        breakThresholdSeconds: o.breakThresholdSeconds,
        breakThresholdSamples: o.breakThresholdSamples,
      });
      ts = r.timestamps;
      seg = { segments: r.segments, effectiveRateHz: r.effectiveRateHz };
    } catch (err) {
      warnings.push(`${fileName}: stream ${s.id}: dejittering skipped: ${(err as Error).message}`);
    }
  }
  seg ??= rawSegmentation(ts);
  return {
    id: s.id,
    info: s.info,
    headerXml: s.headerXml,
    footerXml: s.footerXml,
    channelCount: s.channelCount,
    channelFormat: s.format,
    nominalRateHz: s.nominalRateHz,
    timestamps: ts,
    timeSeries: values,
    clockOffsets: { times: offsetTimes, values: offsetValues },
    footer: parseFooter(s.footerXml, s.id, fileName, warnings),
    segments: seg.segments,
    effectiveRateHz: seg.effectiveRateHz,
  };
}
