// Repair of an XDF recording cut short (killed recorder, power loss, full disk): keep every
// complete valid chunk, drop the damaged tail, and append the StreamFooters the writer never
// wrote. The original is first copied to <file>.bak, so nothing recorded is ever lost.

import { constants as fsConstants } from 'node:fs';
import { copyFile, open, type FileHandle } from 'node:fs/promises';
import type { ChannelFormat } from '../../core/streams/types.js';
import { ByteSink } from './xdf-byte-sink.js';
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
  readVarLen,
  valueBytes,
  type VarLenResult,
} from './xdf-format.js';
import { parseStreamHeader } from './xdf-reader.js';
import { buildStreamFooterXml, parseXml } from './xdf-xml.js';

export interface XdfRepairOptions {
  /** Write the repaired file here and leave the original untouched. Default: repair in place
   *  (after copying the original to `<path>.bak`, or `<path>.bak.2`, ... if that exists). */
  outPath?: string;
}

export interface XdfRepairResult {
  /** Byte offset where the damaged tail began (and was cut), or null when the chunks were intact. */
  truncatedAtByte: number | null;
  bytesRemoved: number;
  /** XDF ids of the streams that received a StreamFooter computed from their data. */
  streamsFooted: number[];
  /** Where the original was copied before an in-place repair; null when nothing was changed
   *  or outPath was used. */
  backupPath: string | null;
}

interface ScanStream {
  id: number;
  format: ChannelFormat;
  channelCount: number;
  dt: number;
  count: number;
  first: number;
  last: number;
  offsetTimes: number[];
  offsetValues: number[];
  hasFooter: boolean;
}

const utf8 = new TextDecoder();

/** Scans `path` to its last complete valid chunk, cuts the rest and adds missing footers. */
export async function repairXdf(path: string, opts: XdfRepairOptions = {}): Promise<XdfRepairResult> {
  const scan = await scanFile(path);
  const missing = scan.streams.filter((s) => !s.hasFooter);
  const cut = scan.validEnd < scan.size;
  if (!cut && missing.length === 0) {
    return { truncatedAtByte: null, bytesRemoved: 0, streamsFooted: [], backupPath: null };
  }
  const sink = new ByteSink(4096);
  for (const s of missing) {
    sink.appendXmlChunk(
      TAG_STREAM_FOOTER,
      s.id,
      buildStreamFooterXml({
        firstTimestamp: s.count > 0 ? s.first : 0,
        lastTimestamp: s.count > 0 ? s.last : 0,
        sampleCount: s.count,
        offsetTimes: s.offsetTimes,
        offsetValues: s.offsetValues,
      }),
    );
  }

  let target = path;
  let backupPath: string | null = null;
  try {
    if (opts.outPath !== undefined && opts.outPath !== path) {
      target = opts.outPath;
      await copyFile(path, target);
    } else {
      backupPath = await backup(path);
    }
  } catch (err) {
    if (err instanceof XdfError) throw err;
    throw new XdfError('IO_FAILED', `${path}: cannot copy the file before repairing it: ${(err as Error).message}`, { path }, { cause: err });
  }

  let fh: FileHandle | null = null;
  try {
    fh = await open(target, 'r+');
    await fh.truncate(scan.validEnd);
    const bytes = sink.filled();
    let off = 0;
    while (off < bytes.length) {
      const { bytesWritten } = await fh.write(bytes, off, bytes.length - off, scan.validEnd + off);
      off += bytesWritten;
    }
    await fh.sync();
  } catch (err) {
    throw new XdfError(
      'IO_FAILED',
      `${target}: writing the repaired file failed: ${(err as Error).message}${backupPath ? `; the original is in ${backupPath}` : ''}`,
      { path: target, backupPath },
      { cause: err },
    );
  } finally {
    await fh?.close().catch(() => {});
  }
  return {
    truncatedAtByte: cut ? scan.validEnd : null,
    bytesRemoved: scan.size - scan.validEnd,
    streamsFooted: missing.map((s) => s.id),
    backupPath,
  };
}

async function backup(path: string): Promise<string> {
  for (let i = 1; i < 1000; i++) {
    const candidate = i === 1 ? `${path}.bak` : `${path}.bak.${i}`;
    try {
      await copyFile(path, candidate, fsConstants.COPYFILE_EXCL);
      return candidate;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  throw new XdfError('IO_FAILED', `${path}: no free backup name (${path}.bak ... .bak.999 all exist)`, { path });
}

/** Walks the chunks with bounded reads (one chunk in memory at a time) and returns where the
 *  valid part ends plus what each stream's footer should say. */
async function scanFile(path: string): Promise<{ size: number; validEnd: number; streams: ScanStream[] }> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new XdfError('IO_FAILED', `${path}: cannot open the file: ${(err as Error).message}`, { path }, { cause: err });
  }
  try {
    const size = (await fh.stat()).size;
    const head = new Uint8Array(9);
    const headDv = new DataView(head.buffer);
    await fh.read(head, 0, Math.min(4, size), 0);
    if (size < 4 || head[0] !== 0x58 || head[1] !== 0x44 || head[2] !== 0x46 || head[3] !== 0x3a) {
      throw new XdfError('BAD_MAGIC', `${path}: at byte 0: expected the magic "XDF:"; not an XDF file, cannot repair`, { path, byteOffset: 0 });
    }
    const streams = new Map<number, ScanStream>();
    const order: ScanStream[] = [];
    const vl: VarLenResult = { value: 0, next: 0 };
    let buf = new Uint8Array(64 * 1024);
    let pos = 4;
    while (pos < size) {
      const headLen = Math.min(9, size - pos);
      await fh.read(head, 0, headLen, pos);
      const nlb: number = head[0]!;
      if (nlb !== 1 && nlb !== 4 && nlb !== 8) break;
      if (!readVarLen(headDv, 0, headLen, vl)) break;
      const len = vl.value;
      if (len < 2 || len > MAX_PLAUSIBLE_CHUNK_BYTES) break;
      const contentAt = pos + vl.next;
      if (contentAt + len > size) break;
      if (len > buf.length) buf = new Uint8Array(Math.max(len, buf.length * 2));
      await readFully(fh, buf, len, contentAt);
      if (!checkChunk(buf, len, streams, order, path, contentAt)) break;
      pos = contentAt + len;
    }
    return { size, validEnd: pos, streams: order };
  } finally {
    await fh.close().catch(() => {});
  }
}

async function readFully(fh: FileHandle, buf: Uint8Array, len: number, at: number): Promise<void> {
  let off = 0;
  while (off < len) {
    const { bytesRead } = await fh.read(buf, off, len - off, at + off);
    if (bytesRead === 0) throw new XdfError('IO_FAILED', `unexpected end of file at byte ${at + off}`, { byteOffset: at + off });
    off += bytesRead;
  }
}

/** Validates one chunk (tag + content in buf[0, len)) and updates the stream tallies. */
function checkChunk(buf: Uint8Array, len: number, streams: Map<number, ScanStream>, order: ScanStream[], path: string, at: number): boolean {
  const dv = new DataView(buf.buffer, buf.byteOffset, len);
  const tag = dv.getUint16(0, true);
  const cs = 2;
  const text = (from: number): string => utf8.decode(buf.subarray(from, len));
  try {
    switch (tag) {
      case TAG_FILE_HEADER:
        parseXml(text(cs));
        return true;
      case TAG_STREAM_HEADER: {
        if (len - cs < 4) return false;
        const id = dv.getUint32(cs, true);
        const h = parseStreamHeader(id, text(cs + 4), at, path, []);
        if (!streams.has(id)) {
          const s: ScanStream = {
            id,
            format: h.format,
            channelCount: h.channelCount,
            dt: h.nominalRateHz > 0 ? 1 / h.nominalRateHz : 0,
            count: 0,
            first: 0,
            last: 0,
            offsetTimes: [],
            offsetValues: [],
            hasFooter: false,
          };
          streams.set(id, s);
          order.push(s);
        }
        return true;
      }
      case TAG_SAMPLES: {
        if (len - cs < 5) return false;
        const s = streams.get(dv.getUint32(cs, true));
        if (!s) return true; // the reader skips these too
        return walkSamples(buf, dv, cs + 4, len, s);
      }
      case TAG_CLOCK_OFFSET: {
        if (len - cs !== 20) return false;
        const s = streams.get(dv.getUint32(cs, true));
        if (s) {
          s.offsetTimes.push(dv.getFloat64(cs + 4, true));
          s.offsetValues.push(dv.getFloat64(cs + 12, true));
        }
        return true;
      }
      case TAG_BOUNDARY:
        return isBoundaryUuid(buf, cs, len);
      case TAG_STREAM_FOOTER: {
        if (len - cs < 4) return false;
        parseXml(text(cs + 4));
        const s = streams.get(dv.getUint32(cs, true));
        if (s) s.hasFooter = true;
        return true;
      }
      default:
        return true; // unknown tags are legal XDF; the reader skips them
    }
  } catch {
    return false;
  }
}

/** Checks a Samples chunk's structure and accumulates count and first/last timestamps. */
function walkSamples(buf: Uint8Array, dv: DataView, p: number, stop: number, s: ScanStream): boolean {
  const vl: VarLenResult = { value: 0, next: 0 };
  if (!readVarLen(dv, p, stop, vl) || vl.value < 0) return false;
  const n = vl.value;
  p = vl.next;
  const row = s.channelCount * valueBytes(s.format);
  let last = s.last;
  let first = s.first;
  for (let i = 0; i < n; i++) {
    const tsb = buf[p];
    if (tsb === 8) {
      if (p + 9 > stop) return false;
      last = dv.getFloat64(p + 1, true);
      p += 9;
    } else if (tsb === 0) {
      last += s.dt;
      p += 1;
    } else {
      return false;
    }
    if (s.format === 'string') {
      for (let c = 0; c < s.channelCount; c++) {
        if (!readVarLen(dv, p, stop, vl) || vl.value < 0 || vl.next + vl.value > stop) return false;
        p = vl.next + vl.value;
      }
    } else {
      p += row;
      if (p > stop) return false;
    }
    if (i === 0 && s.count === 0) first = last;
  }
  // Commit only a chunk that decoded completely.
  s.first = first;
  s.last = last;
  s.count += n;
  return true;
}
