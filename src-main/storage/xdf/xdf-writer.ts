// Crash-safe XDF 1.0 writer used by the session recorder: chunks are encoded into memory as
// they arrive and written + fsync'd at least once a second, so a killed process loses at most
// the last second and the file stays readable (see xdf-reader tolerateTruncation, xdf-repair).

import { randomUUID } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { Chunk, ChannelFormat, StreamInfo } from '../../core/streams/types.js';
import { ByteSink } from './xdf-byte-sink.js';
import { XdfError } from './xdf-error.js';
import {
  MAGIC_BYTES,
  TAG_FILE_HEADER,
  TAG_SAMPLES,
  TAG_STREAM_FOOTER,
  TAG_STREAM_HEADER,
  chunkHeaderSize,
  valueBytes,
  varLenSize,
  writeVarLen,
} from './xdf-format.js';
import { buildFileHeaderXml, buildStreamFooterXml, buildStreamHeaderXml } from './xdf-xml.js';

export { XdfError } from './xdf-error.js';

/** Buffered bytes that trigger a write before the next timer tick. */
const SIZE_FLUSH_BYTES = 2 * 1024 * 1024;

export interface XdfWriterOptions {
  /** Longest time buffered bytes stay in memory before write + fsync; at most (and default) 1000 ms. */
  fsyncIntervalMs?: number;
  /** A Boundary chunk is written at least this often, in sample time and in wall time (default 10 s). */
  boundaryIntervalSec?: number;
  /** Extra fields of the FileHeader XML (element name -> text). */
  fileHeaderFields?: Record<string, string>;
  /** Called once when a write or fsync fails (e.g. ENOSPC). The writer then keeps what it has
   *  written, drops further samples, and rejects flush()/close() with the same error. */
  onError?: (err: XdfError) => void;
  /** Replace an existing file. Default false: an existing recording is never clobbered. */
  overwrite?: boolean;
}

/** Values accepted by appendSamples: the live Float32Array, any numeric typed array, or strings. */
export type XdfSampleValues =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | readonly string[];

interface WriterStream {
  xdfId: number;
  info: StreamInfo;
  format: ChannelFormat;
  channelCount: number;
  /** Bytes of one sample incl. the 1-byte TimeStampBytes and 8-byte timestamp (numeric only). */
  sampleBytes: number;
  sampleCount: number;
  firstTimestamp: number;
  lastTimestamp: number;
  /** First sample time of this stream after the last Boundary chunk (NaN: none yet). */
  boundaryRefTs: number;
  offsetTimes: number[];
  offsetValues: number[];
}

const utf8 = new TextEncoder();

const INT_RANGE: Partial<Record<ChannelFormat, [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
};

function toInt(v: number, lo: number, hi: number): number {
  if (v !== v) return 0; // NaN
  const r = Math.round(v);
  return r < lo ? lo : r > hi ? hi : r;
}

/** fsync the directory so the new file's entry survives a power loss (best effort: some
 *  platforms and file systems do not allow opening a directory). */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
  } catch {
    // Not fatal: the data itself is fsync'd; only the directory entry's durability is at stake.
  }
}

export class XdfWriter {
  private readonly streams = new Map<number, WriterStream>();
  private nextStreamId = 1;
  private active = new ByteSink();
  private spare = new ByteSink();
  private flushQueue: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setInterval> | null = null;
  private sizeFlushPending = false;
  private closing: Promise<void> | null = null;
  private failure: XdfError | null = null;
  private written = 0;
  private lastBoundaryWallMs = Date.now();
  private bytesSinceBoundary = 0;
  private droppedSamples = 0;
  private readonly host = hostname();
  private readonly boundaryIntervalSec: number;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    private readonly opts: XdfWriterOptions,
  ) {
    this.boundaryIntervalSec = opts.boundaryIntervalSec && opts.boundaryIntervalSec > 0 ? opts.boundaryIntervalSec : 10;
  }

  /** Creates the file, writes the magic and FileHeader chunk and fsyncs them before resolving. */
  static async create(path: string, opts: XdfWriterOptions = {}): Promise<XdfWriter> {
    let fh: FileHandle;
    try {
      fh = await open(path, opts.overwrite ? 'w' : 'wx');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        throw new XdfError('FILE_EXISTS', `${path}: a file already exists there; refusing to overwrite a recording`, { path }, { cause: err });
      }
      throw new XdfError('IO_FAILED', `${path}: cannot create the XDF file: ${(err as Error).message}`, { path, errno: code }, { cause: err });
    }
    const w = new XdfWriter(path, fh, opts);
    w.active.ensure(4);
    w.active.bytes.set(MAGIC_BYTES, 0);
    w.active.length = 4;
    w.active.appendXmlChunk(TAG_FILE_HEADER, null, buildFileHeaderXml(new Date().toISOString(), opts.fileHeaderFields ?? {}));
    try {
      await w.flush();
    } catch (err) {
      await fh.close().catch(() => {});
      throw err;
    }
    await syncDirectory(dirname(path));
    const intervalMs = Math.min(1000, opts.fsyncIntervalMs && opts.fsyncIntervalMs > 0 ? opts.fsyncIntervalMs : 1000);
    w.timer = setInterval(() => w.tick(), intervalMs);
    w.timer.unref();
    return w;
  }

  /** Bytes written to the file so far (excluding what is still buffered). */
  get bytesWritten(): number {
    return this.written;
  }

  /** Bytes encoded but not yet written. */
  get bytesPending(): number {
    return this.active.length;
  }

  /** Samples dropped because the writer had failed (they could not be stored). */
  get samplesDropped(): number {
    return this.droppedSamples;
  }

  /** The error that stopped the writer, or null while healthy. */
  get error(): XdfError | null {
    return this.failure;
  }

  /** Writes a StreamHeader chunk and returns the stream's XDF id (1, 2, ...). Allowed at any time. */
  addStream(info: StreamInfo, extra: { createdAtSec?: number } = {}): number {
    this.assertOpen();
    const channelCount = info.channels.length;
    if (channelCount < 1) {
      throw new XdfError('BAD_HEADER', `${this.path}: stream "${info.id}" has no channels; expected at least one`, { streamId: info.id });
    }
    const xdfId = this.nextStreamId++;
    const format = info.channelFormat;
    this.streams.set(xdfId, {
      xdfId,
      info,
      format,
      channelCount,
      sampleBytes: 9 + channelCount * valueBytes(format),
      sampleCount: 0,
      firstTimestamp: 0,
      lastTimestamp: 0,
      boundaryRefTs: Number.NaN,
      offsetTimes: [],
      offsetValues: [],
    });
    const xml = buildStreamHeaderXml(info, {
      createdAtSec: extra.createdAtSec ?? Date.now() / 1000,
      uid: randomUUID(),
      hostname: this.host,
    });
    if (!this.failure) {
      this.active.appendXmlChunk(TAG_STREAM_HEADER, xdfId, xml);
      // Headers are rare and describe everything after them: put them on disk now rather
      // than at the next tick (errors are reported through the failed state).
      void this.flush().catch(() => {});
    }
    return xdfId;
  }

  /** Encodes one Chunk (values row-major n x channels) as a Samples chunk. No I/O. */
  appendChunk(xdfStreamId: number, chunk: Chunk): void {
    this.appendSamples(xdfStreamId, chunk.timestamps, chunk.values);
  }

  /** Like appendChunk, for callers holding values in the stream's own numeric type (e.g. a
   *  Float64Array for double64 or a BigInt64Array for int64, stored without rounding through float32). */
  appendSamples(xdfStreamId: number, timestamps: Float64Array, values: XdfSampleValues): void {
    this.assertOpen();
    const s = this.stream(xdfStreamId);
    const n = timestamps.length;
    if (values.length !== n * s.channelCount) {
      throw new XdfError(
        'BAD_CHUNK',
        `${this.path}: stream ${xdfStreamId} ("${s.info.id}"): ${values.length} values for ${n} timestamps; expected ${n * s.channelCount} (${s.channelCount} channels)`,
        { xdfStreamId, values: values.length, timestamps: n },
      );
    }
    const isStrings = Array.isArray(values);
    if (isStrings !== (s.format === 'string')) {
      throw new XdfError(
        'BAD_CHUNK',
        `${this.path}: stream ${xdfStreamId} ("${s.info.id}") is ${s.format}; got ${isStrings ? 'strings' : 'numbers'}`,
        { xdfStreamId },
      );
    }
    if (n === 0) return;
    if (this.failure) {
      this.droppedSamples += n;
      return;
    }
    // A Boundary goes in before a chunk that would stretch this stream's samples since the last
    // Boundary beyond the interval (or when the interval has passed in wall time), so no run of
    // samples between two Boundary chunks spans more than boundaryIntervalSec.
    if (
      this.bytesSinceBoundary > 0 &&
      ((s.boundaryRefTs === s.boundaryRefTs && timestamps[n - 1]! - s.boundaryRefTs > this.boundaryIntervalSec) || this.boundaryDueByWallTime())
    ) {
      this.writeBoundary();
    }
    if (s.boundaryRefTs !== s.boundaryRefTs) s.boundaryRefTs = timestamps[0]!;
    const sink = this.active;
    const before = sink.length;
    try {
      if (isStrings) this.encodeStrings(s, timestamps, values as readonly string[]);
      else this.encodeNumeric(s, timestamps, values as Exclude<XdfSampleValues, readonly string[]>);
    } catch (err) {
      // Never leave half a chunk in the buffer: a header without its content corrupts the file.
      sink.length = before;
      throw err;
    }
    this.bytesSinceBoundary += sink.length - before;

    if (s.sampleCount === 0) s.firstTimestamp = timestamps[0]!;
    s.sampleCount += n;
    s.lastTimestamp = timestamps[n - 1]!;
    // Faster than real time (accelerated sessions, imports) a second of wall time holds
    // minutes of data: write early so the buffer, and memory, stay bounded.
    if (this.active.length >= SIZE_FLUSH_BYTES && !this.sizeFlushPending) {
      this.sizeFlushPending = true;
      void this.flush()
        .catch(() => {})
        .finally(() => {
          this.sizeFlushPending = false;
        });
    }
  }

  /** Writes a ClockOffset chunk: at `collectionTimeSec` the stream's clock was behind the
   *  recording clock by `offsetSec` (LSL convention: recordingTime = sourceTime + offsetSec). */
  appendClockOffset(xdfStreamId: number, collectionTimeSec: number, offsetSec: number): void {
    this.assertOpen();
    const s = this.stream(xdfStreamId);
    s.offsetTimes.push(collectionTimeSec);
    s.offsetValues.push(offsetSec);
    if (!this.failure) this.active.appendClockOffset(xdfStreamId, collectionTimeSec, offsetSec);
  }

  /** Writes everything buffered and fsyncs. Rejects with the XdfError once the writer has failed. */
  flush(): Promise<void> {
    const p = this.flushQueue.then(() => this.writePending());
    this.flushQueue = p.catch(() => {});
    return p;
  }

  /** Writes a StreamFooter per stream, flushes, fsyncs and closes. Idempotent. */
  close(): Promise<void> {
    if (!this.closing) this.closing = this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (!this.failure) {
      for (const s of this.streams.values()) {
        this.active.appendXmlChunk(
          TAG_STREAM_FOOTER,
          s.xdfId,
          buildStreamFooterXml({
            firstTimestamp: s.firstTimestamp,
            lastTimestamp: s.lastTimestamp,
            sampleCount: s.sampleCount,
            offsetTimes: s.offsetTimes,
            offsetValues: s.offsetValues,
          }),
        );
      }
    }
    await this.flush().catch(() => {});
    try {
      await this.fh.close();
    } catch (err) {
      this.fail(err);
    }
    if (this.failure) throw this.failure;
  }

  private assertOpen(): void {
    if (this.closing) {
      throw new XdfError('WRITER_CLOSED', `${this.path}: the XDF writer is closed; no more streams or samples can be added`, { path: this.path });
    }
  }

  private stream(xdfStreamId: number): WriterStream {
    const s = this.streams.get(xdfStreamId);
    if (!s) {
      throw new XdfError('UNKNOWN_STREAM', `${this.path}: no stream with XDF id ${xdfStreamId}; call addStream first`, { xdfStreamId });
    }
    return s;
  }

  private tick(): void {
    if (this.failure) return;
    if (this.bytesSinceBoundary > 0 && this.boundaryDueByWallTime()) this.writeBoundary();
    if (this.active.length > 0) void this.flush().catch(() => {});
  }

  private boundaryDueByWallTime(): boolean {
    return Date.now() - this.lastBoundaryWallMs >= this.boundaryIntervalSec * 1000;
  }

  private writeBoundary(): void {
    this.active.appendBoundary();
    this.lastBoundaryWallMs = Date.now();
    this.bytesSinceBoundary = 0;
    for (const s of this.streams.values()) s.boundaryRefTs = Number.NaN;
  }

  private async writePending(): Promise<void> {
    if (this.failure) throw this.failure;
    const sink = this.active;
    if (sink.length === 0) return;
    this.active = this.spare;
    this.spare = sink;
    try {
      let off = 0;
      while (off < sink.length) {
        const { bytesWritten } = await this.fh.write(sink.bytes, off, sink.length - off, null);
        off += bytesWritten;
        this.written += bytesWritten;
      }
      await this.fh.datasync();
    } catch (err) {
      this.fail(err);
      throw this.failure;
    } finally {
      sink.length = 0;
    }
  }

  private fail(err: unknown): void {
    if (this.failure) return;
    const errno = (err as NodeJS.ErrnoException | undefined)?.code;
    this.failure = new XdfError(
      'IO_FAILED',
      `${this.path}: writing the XDF file failed at byte ${this.written}${errno ? ` (${errno})` : ''}: ${(err as Error)?.message ?? String(err)}; ` +
        'the bytes before that offset are kept, later samples are dropped',
      { path: this.path, byteOffset: this.written, errno },
      { cause: err },
    );
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    try {
      this.opts.onError?.(this.failure);
    } catch {
      // A throwing error listener must not turn an I/O failure into a crash.
    }
  }

  private encodeNumeric(s: WriterStream, ts: Float64Array, values: Exclude<XdfSampleValues, readonly string[]>): void {
    const n = ts.length;
    const ch = s.channelCount;
    const content = 4 + varLenSize(n) + n * s.sampleBytes;
    const sink = this.active;
    sink.ensure(chunkHeaderSize(content + 2) + content);
    let off = sink.chunkHeader(TAG_SAMPLES, content);
    const dv = sink.view;
    dv.setUint32(off, s.xdfId, true);
    off = writeVarLen(dv, off + 4, n);
    let k = 0;
    switch (s.format) {
      case 'float32':
        for (let i = 0; i < n; i++) {
          dv.setUint8(off, 8);
          dv.setFloat64(off + 1, ts[i]!, true);
          off += 9;
          for (let c = 0; c < ch; c++, off += 4) dv.setFloat32(off, Number(values[k++]!), true);
        }
        break;
      case 'double64':
        for (let i = 0; i < n; i++) {
          dv.setUint8(off, 8);
          dv.setFloat64(off + 1, ts[i]!, true);
          off += 9;
          for (let c = 0; c < ch; c++, off += 8) dv.setFloat64(off, Number(values[k++]!), true);
        }
        break;
      case 'int8':
      case 'int16':
      case 'int32': {
        const [lo, hi] = INT_RANGE[s.format]!;
        const width = valueBytes(s.format);
        for (let i = 0; i < n; i++) {
          dv.setUint8(off, 8);
          dv.setFloat64(off + 1, ts[i]!, true);
          off += 9;
          for (let c = 0; c < ch; c++, off += width) {
            const v = toInt(Number(values[k++]!), lo, hi);
            if (width === 1) dv.setInt8(off, v);
            else if (width === 2) dv.setInt16(off, v, true);
            else dv.setInt32(off, v, true);
          }
        }
        break;
      }
      case 'int64': {
        if (values instanceof BigInt64Array) {
          // Copy the two 32-bit halves: no BigInt is created per value.
          const halves = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
          for (let i = 0; i < n; i++) {
            dv.setUint8(off, 8);
            dv.setFloat64(off + 1, ts[i]!, true);
            off += 9;
            for (let c = 0; c < ch; c++, off += 8, k++) {
              dv.setInt32(off, halves[2 * k]!, true);
              dv.setInt32(off + 4, halves[2 * k + 1]!, true);
            }
          }
        } else {
          for (let i = 0; i < n; i++) {
            dv.setUint8(off, 8);
            dv.setFloat64(off + 1, ts[i]!, true);
            off += 9;
            for (let c = 0; c < ch; c++, off += 8) {
              const v = toInt(values[k++] as number, -(2 ** 63), 2 ** 63 - 1024);
              const hi = Math.floor(v / 2 ** 32);
              dv.setUint32(off, v - hi * 2 ** 32, true);
              dv.setInt32(off + 4, hi, true);
            }
          }
        }
        break;
      }
      case 'string':
        throw new Error('unreachable: string stream in encodeNumeric');
    }
    sink.length = off;
  }

  private encodeStrings(s: WriterStream, ts: Float64Array, values: readonly string[]): void {
    const n = ts.length;
    const encoded: Uint8Array[] = new Array<Uint8Array>(values.length);
    let content = 4 + varLenSize(n) + n * 9;
    for (let k = 0; k < values.length; k++) {
      const bytes = utf8.encode(String(values[k] ?? ''));
      encoded[k] = bytes;
      content += varLenSize(bytes.length) + bytes.length;
    }
    const sink = this.active;
    sink.ensure(chunkHeaderSize(content + 2) + content);
    let off = sink.chunkHeader(TAG_SAMPLES, content);
    const dv = sink.view;
    dv.setUint32(off, s.xdfId, true);
    off = writeVarLen(dv, off + 4, n);
    let k = 0;
    for (let i = 0; i < n; i++) {
      dv.setUint8(off, 8);
      dv.setFloat64(off + 1, ts[i]!, true);
      off += 9;
      for (let c = 0; c < s.channelCount; c++) {
        const bytes = encoded[k++]!;
        off = writeVarLen(dv, off, bytes.length);
        sink.bytes.set(bytes, off);
        off += bytes.length;
      }
    }
    sink.length = off;
  }
}
