// OpenBCI Cyton (and Cyton + Daisy) packet format, shared by the parser and the emulator.
// 33-byte packets: 0xA0, sample number, 8 x 24-bit signed big-endian channels, 6 aux bytes,
// footer 0xC0..0xC6 (0xC0: aux = accelerometer X/Y/Z as 16-bit signed big-endian).
// Source: docs.openbci.com "Cyton Data Format"; scaling as BrainFlow's cyton.h.

export const CYTON_PACKET_BYTES = 33;
export const CYTON_HEADER = 0xa0;
export const CYTON_FOOTER_MIN = 0xc0;
export const CYTON_FOOTER_MAX = 0xc6;
/** Footer of a packet whose aux bytes hold the accelerometer. */
export const CYTON_FOOTER_ACCEL = 0xc0;
/** Footer of a packet whose aux bytes hold three 16-bit analog reads (the board's analog mode; BrainFlow's END_BYTE_ANALOG). */
export const CYTON_FOOTER_ANALOG = 0xc1;
export const CYTON_RATE_HZ = 250;
export const CYTON_BAUD = 115200;
export const CYTON_DEFAULT_GAIN = 24;
/** ADS1299 reference (V) and full scale of its 24-bit two's complement output. */
const ADS1299_VREF_V = 4.5;
const ADS1299_FULL_SCALE = 8388607; // 2^23 - 1
/** LIS3DH at +-4 g, 16-bit left-justified 12-bit data: 0.002 g / 2^4 per count. */
export const CYTON_ACCEL_G_PER_COUNT = 0.002 / 16;

export function cytonUvPerCount(gain: number): number {
  return (ADS1299_VREF_V / gain / ADS1299_FULL_SCALE) * 1e6;
}

export function readInt24Be(buf: Uint8Array, at: number): number {
  const v = (buf[at] << 16) | (buf[at + 1] << 8) | buf[at + 2];
  return (v << 8) >> 8;
}

export function readInt16Be(buf: Uint8Array, at: number): number {
  return (((buf[at] << 8) | buf[at + 1]) << 16) >> 16;
}

export function writeInt24Be(buf: Uint8Array, at: number, v: number): void {
  buf[at] = (v >> 16) & 0xff;
  buf[at + 1] = (v >> 8) & 0xff;
  buf[at + 2] = v & 0xff;
}

export function writeInt16Be(buf: Uint8Array, at: number, v: number): void {
  buf[at] = (v >> 8) & 0xff;
  buf[at + 1] = v & 0xff;
}
