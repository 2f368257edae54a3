// The project's framed binary protocol (firmware in native/, C twin in native/codec/himoe_frame.c):
// COBS framing with 0x00 delimiters around payload + CRC-16/CCITT-FALSE. Pure functions shared by
// the parser, the emulator, the C/TS cross-check test and bench/.
//
// Payload (all integers little-endian):
//   0      version (1)
//   1      kind << 4 | stream id      kind 0 = data, 1 = descriptor; stream id 0..15
//   2      status flags (HIMOE_STATUS_*)
//   3..6   u32 sample counter of the first sample (wraps at 2^32)
//   7..10  u32 device tick of the first sample, microseconds (wraps every ~71.6 min)
//   data:        11  n samples (1..255), then n x M values, int16 or int24 (per descriptor), sample-major
//   descriptor:  11  bytes per value (2 or 3), 12  M channels (1..32), 13..16 u32 rate in mHz,
//                17  type (u8 length + ASCII), name (u8 length + ASCII), then per channel:
//                    label (u8 length + ASCII), unit (u8 length + ASCII), f32 scale, f32 offset
//                    (physical value = raw * scale + offset, in unit)
// Frame on the wire: COBS(payload || CRC-16 big-endian) || 0x00. The CRC is CRC-16/CCITT-FALSE
// (poly 0x1021, init 0xFFFF, no reflection, xorout 0; "123456789" -> 0x29B1) over the payload.

export const HIMOE_VERSION = 1;
export const HIMOE_KIND_DATA = 0;
export const HIMOE_KIND_DESCRIPTOR = 1;
export const HIMOE_HEADER_BYTES = 11;
/** Largest payload + CRC a frame may carry (bounds the parser's memory). */
export const HIMOE_MAX_FRAME_BYTES = 1024;
export const HIMOE_STATUS_LEAD_OFF = 0x01;
export const HIMOE_STATUS_SENSOR_FAULT = 0x02;
export const HIMOE_STATUS_ADC_OVERRUN = 0x04;
export const HIMOE_STATUS_BUFFER_OVERFLOW = 0x08;
export const HIMOE_STATUS_LOW_BATTERY = 0x10;

const CRC_TABLE = (() => {
  const t = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 8;
    for (let k = 0; k < 8; k++) c = c & 0x8000 ? ((c << 1) ^ 0x1021) & 0xffff : (c << 1) & 0xffff;
    t[i] = c;
  }
  return t;
})();

/** CRC-16/CCITT-FALSE of `buf[start..end)`. */
export function crc16CcittFalse(buf: Uint8Array, start = 0, end = buf.length): number {
  let crc = 0xffff;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xffff) ^ CRC_TABLE[((crc >> 8) ^ buf[i]) & 0xff];
  return crc;
}

/**
 * COBS-encode `src[0..n)` into `dst` (needs n + ceil(n/254) + 1 bytes); returns the length (no
 * delimiter). Canonical Cheshire & Baker output: a block of 254 non-zero bytes that ends the
 * input is not followed by an extra code byte.
 */
export function cobsEncode(src: Uint8Array, n: number, dst: Uint8Array, dstOffset = 0): number {
  let codeAt = dstOffset;
  let w = dstOffset + 1;
  let code = 1;
  for (let i = 0; i < n; i++) {
    const b = src[i];
    if (b !== 0) {
      dst[w++] = b;
      code++;
    }
    if (b === 0 || code === 0xff) {
      dst[codeAt] = code;
      code = 1;
      codeAt = w;
      if (b === 0 || i + 1 < n) w++;
    }
  }
  if (codeAt < w) dst[codeAt] = code;
  return w - dstOffset;
}

/** COBS-decode `src[start..end)` (no delimiter inside) into `dst`; returns the length, or -1 if malformed or too long. */
export function cobsDecode(src: Uint8Array, start: number, end: number, dst: Uint8Array): number {
  let r = start;
  let w = 0;
  while (r < end) {
    const code = src[r++];
    if (code === 0) return -1;
    const stop = r + code - 1;
    if (stop > end || w + code - 1 > dst.length) return -1;
    while (r < stop) dst[w++] = src[r++];
    if (code !== 0xff && r < end) {
      if (w >= dst.length) return -1;
      dst[w++] = 0;
    }
  }
  return w;
}

export interface HimoeChannel {
  label: string;
  unit: string;
  scale: number;
  offset: number;
}

export interface HimoeDescriptor {
  streamId: number;
  type: string;
  name: string;
  rateHz: number;
  /** 2 (int16) or 3 (int24). */
  bytesPerValue: 2 | 3;
  channels: HimoeChannel[];
}

export interface HimoeHeader {
  version: number;
  kind: number;
  streamId: number;
  status: number;
  counter: number;
  tickUs: number;
}

function putU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}

export function readU32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
}

function putHeader(p: Uint8Array, kind: number, streamId: number, status: number, counter: number, tickUs: number): void {
  p[0] = HIMOE_VERSION;
  p[1] = ((kind & 0x0f) << 4) | (streamId & 0x0f);
  p[2] = status & 0xff;
  putU32(p, 3, counter >>> 0);
  putU32(p, 7, tickUs >>> 0);
}

/** Append CRC and COBS-encode `payload[0..n)` into `out` at `at`, with the trailing 0x00. Returns bytes written. */
export function sealFrame(payload: Uint8Array, n: number, out: Uint8Array, at: number): number {
  const crc = crc16CcittFalse(payload, 0, n);
  payload[n] = crc >> 8;
  payload[n + 1] = crc & 0xff;
  const len = cobsEncode(payload, n + 2, out, at);
  out[at + len] = 0;
  return len + 1;
}

/** Worst-case wire size of a frame whose payload is `payloadBytes` long. */
export function maxWireBytes(payloadBytes: number): number {
  const n = payloadBytes + 2;
  return n + Math.ceil(n / 254) + 2;
}

/** Build a data frame's payload (without CRC) into `p`; returns its length. `raw` holds n x M integer codes. */
export function buildDataPayload(
  p: Uint8Array,
  streamId: number,
  status: number,
  counter: number,
  tickUs: number,
  raw: ArrayLike<number>,
  sampleCount: number,
  channelCount: number,
  bytesPerValue: 2 | 3,
): number {
  putHeader(p, HIMOE_KIND_DATA, streamId, status, counter, tickUs);
  p[11] = sampleCount;
  let w = 12;
  const total = sampleCount * channelCount;
  for (let i = 0; i < total; i++) {
    const v = raw[i];
    p[w++] = v & 0xff;
    p[w++] = (v >> 8) & 0xff;
    if (bytesPerValue === 3) p[w++] = (v >> 16) & 0xff;
  }
  return w;
}

function putString(p: Uint8Array, at: number, s: string): number {
  p[at] = s.length;
  for (let i = 0; i < s.length; i++) p[at + 1 + i] = s.charCodeAt(i) & 0x7f;
  return at + 1 + s.length;
}

/** Build a descriptor frame's payload (without CRC) into `p`; returns its length. */
export function buildDescriptorPayload(p: Uint8Array, d: HimoeDescriptor, status = 0, counter = 0, tickUs = 0): number {
  putHeader(p, HIMOE_KIND_DESCRIPTOR, d.streamId, status, counter, tickUs);
  p[11] = d.bytesPerValue;
  p[12] = d.channels.length;
  putU32(p, 13, Math.round(d.rateHz * 1000));
  let w = putString(p, 17, d.type);
  w = putString(p, w, d.name);
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  for (const ch of d.channels) {
    w = putString(p, w, ch.label);
    w = putString(p, w, ch.unit);
    view.setFloat32(w, ch.scale, true);
    view.setFloat32(w + 4, ch.offset, true);
    w += 8;
  }
  return w;
}

/** Encode a whole frame (payload built by `build`) to fresh bytes. Convenience for tests and tools. */
export function encodeFrame(build: (payload: Uint8Array) => number): Uint8Array {
  const payload = new Uint8Array(HIMOE_MAX_FRAME_BYTES + 2);
  const n = build(payload);
  const out = new Uint8Array(maxWireBytes(n));
  const len = sealFrame(payload, n, out, 0);
  return out.slice(0, len);
}

/** Check a decoded frame (payload + CRC, `len` bytes): CRC and version. Returns the payload length or -1. */
export function checkFrame(f: Uint8Array, len: number): number {
  if (len < HIMOE_HEADER_BYTES + 1 + 2) return -1;
  const n = len - 2;
  if (crc16CcittFalse(f, 0, n) !== ((f[n] << 8) | f[n + 1])) return -1;
  if (f[0] !== HIMOE_VERSION) return -1;
  return n;
}

export function readHeader(f: Uint8Array): HimoeHeader {
  return { version: f[0], kind: f[1] >> 4, streamId: f[1] & 0x0f, status: f[2], counter: readU32(f, 3), tickUs: readU32(f, 7) };
}

/** Parse a descriptor payload of length n; null when malformed. */
export function parseDescriptor(f: Uint8Array, n: number): HimoeDescriptor | null {
  if (f[1] >> 4 !== HIMOE_KIND_DESCRIPTOR || n < 19) return null;
  const bytesPerValue = f[11];
  const m = f[12];
  if ((bytesPerValue !== 2 && bytesPerValue !== 3) || m < 1 || m > 32) return null;
  let r = 17;
  const str = (): string | null => {
    if (r >= n) return null;
    const len = f[r];
    if (r + 1 + len > n) return null;
    let s = '';
    for (let i = 0; i < len; i++) {
      const c = f[r + 1 + i];
      if (c < 0x20 || c > 0x7e) return null;
      s += String.fromCharCode(c);
    }
    r += 1 + len;
    return s;
  };
  const type = str();
  const name = str();
  if (type === null || name === null) return null;
  const view = new DataView(f.buffer, f.byteOffset, f.byteLength);
  const channels: HimoeChannel[] = [];
  for (let c = 0; c < m; c++) {
    const label = str();
    const unit = str();
    if (label === null || unit === null || r + 8 > n) return null;
    const scale = view.getFloat32(r, true);
    const offset = view.getFloat32(r + 4, true);
    if (!Number.isFinite(scale) || !Number.isFinite(offset)) return null;
    channels.push({ label, unit, scale, offset });
    r += 8;
  }
  if (r !== n) return null;
  const rateHz = readU32(f, 13) / 1000;
  if (!(rateHz > 0)) return null;
  return { streamId: f[1] & 0x0f, type, name, rateHz, bytesPerValue, channels };
}

/** Same layout, labels, units, rate, scale and offset (float32-exact). */
export function sameDescriptor(a: HimoeDescriptor, b: HimoeDescriptor): boolean {
  if (a.streamId !== b.streamId || a.type !== b.type || a.name !== b.name || a.bytesPerValue !== b.bytesPerValue) return false;
  if (Math.round(a.rateHz * 1000) !== Math.round(b.rateHz * 1000) || a.channels.length !== b.channels.length) return false;
  return a.channels.every((c, i) => {
    const d = b.channels[i];
    return c.label === d.label && c.unit === d.unit && Math.fround(c.scale) === Math.fround(d.scale) && Math.fround(c.offset) === Math.fround(d.offset);
  });
}
