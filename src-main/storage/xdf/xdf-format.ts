// XDF 1.0 container constants and the small binary helpers shared by the writer, the reader
// and repair: chunk tags, the boundary UUID, channel-format value sizes, variable-length ints.
// Layout: "XDF:" then chunks [NumLengthBytes 1|4|8][Length (tag + content)][Tag u16][content].

import type { ChannelFormat } from '../../core/streams/types.js';
import { CHANNEL_FORMATS } from '../../core/streams/types.js';

export const XDF_MAGIC = 'XDF:';
export const MAGIC_BYTES = new Uint8Array([0x58, 0x44, 0x46, 0x3a]);

export const TAG_FILE_HEADER = 1;
export const TAG_STREAM_HEADER = 2;
export const TAG_SAMPLES = 3;
export const TAG_CLOCK_OFFSET = 4;
export const TAG_BOUNDARY = 5;
export const TAG_STREAM_FOOTER = 6;

/** The fixed 16-byte content of every Boundary chunk (XDF 1.0 spec). */
export const BOUNDARY_UUID = new Uint8Array([
  0x43, 0xa5, 0x46, 0xdc, 0xcb, 0xf5, 0x41, 0x0f, 0xb3, 0x0e, 0xd5, 0x46, 0x73, 0x83, 0xcb, 0xe4,
]);

/** A chunk length above this is treated as corruption, never as a truncated chunk. No real
 *  recording writes a single chunk of a terabyte; 2^60 style values are rejected before any
 *  allocation. */
export const MAX_PLAUSIBLE_CHUNK_BYTES = 2 ** 40;

/** Bytes per value of each numeric channel format; 0 for strings (variable length). */
export function valueBytes(format: ChannelFormat): number {
  switch (format) {
    case 'int8':
      return 1;
    case 'int16':
      return 2;
    case 'int32':
    case 'float32':
      return 4;
    case 'int64':
    case 'double64':
      return 8;
    case 'string':
      return 0;
  }
}

export function isChannelFormat(s: string): s is ChannelFormat {
  return (CHANNEL_FORMATS as readonly string[]).includes(s);
}

/** Bytes used to encode `n` as an XDF variable-length integer (1 length byte + 1, 4 or 8). */
export function varLenSize(n: number): number {
  if (n < 256) return 2;
  if (n < 2 ** 32) return 5;
  return 9;
}

/** Bytes before a chunk's content (NumLengthBytes + Length + the 2-byte Tag) for a chunk
 *  whose Length field is `len` (Length counts the Tag and the content). */
export function chunkHeaderSize(len: number): number {
  return varLenSize(len) + 2;
}

/** Writes an XDF variable-length integer at `off`; returns the next offset. */
export function writeVarLen(dv: DataView, off: number, n: number): number {
  if (n < 256) {
    dv.setUint8(off, 1);
    dv.setUint8(off + 1, n);
    return off + 2;
  }
  if (n < 2 ** 32) {
    dv.setUint8(off, 4);
    dv.setUint32(off + 1, n, true);
    return off + 5;
  }
  dv.setUint8(off, 8);
  dv.setUint32(off + 1, n % 2 ** 32, true);
  dv.setUint32(off + 5, Math.floor(n / 2 ** 32), true);
  return off + 9;
}

/** Result slot of readVarLen (kept module-level so the hot path allocates nothing). */
export interface VarLenResult {
  value: number;
  next: number;
}

/**
 * Reads an XDF variable-length integer at `off` without reading past `end`. Returns false when
 * the bytes are missing (truncated) and throws nothing; `out.value` is -1 for a width byte that
 * is not 1, 4 or 8, and -2 for an 8-byte value above 2^53 (not representable, always corrupt).
 */
export function readVarLen(dv: DataView, off: number, end: number, out: VarLenResult): boolean {
  if (off >= end) return false;
  const width = dv.getUint8(off);
  if (width === 1) {
    if (off + 2 > end) return false;
    out.value = dv.getUint8(off + 1);
    out.next = off + 2;
    return true;
  }
  if (width === 4) {
    if (off + 5 > end) return false;
    out.value = dv.getUint32(off + 1, true);
    out.next = off + 5;
    return true;
  }
  if (width === 8) {
    if (off + 9 > end) return false;
    const lo = dv.getUint32(off + 1, true);
    const hi = dv.getUint32(off + 5, true);
    out.value = hi >= 2 ** 21 ? -2 : hi * 2 ** 32 + lo;
    out.next = off + 9;
    return true;
  }
  out.value = -1;
  out.next = off + 1;
  return true;
}

export function isBoundaryUuid(bytes: Uint8Array, start: number, end: number): boolean {
  if (end - start !== 16) return false;
  for (let i = 0; i < 16; i++) if (bytes[start + i] !== BOUNDARY_UUID[i]) return false;
  return true;
}

/** Shortest decimal text that reads back as the same double ("5.1", "-0.1", "1e-7"). */
export function formatNumber(x: number): string {
  return Number.isFinite(x) ? String(x) : '0';
}
