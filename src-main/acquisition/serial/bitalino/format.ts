// BITalino (r)evolution frame format and commands, shared by the parser and the emulator.
// Source: the BITalino Python API (bitalino.py, read()/start()/stop()) and the sensor datasheets.
//
// A frame for N analog channels is ceil((12 + 10N) / 8) bytes for N <= 4 and
// ceil((52 + 6(N - 4)) / 8) for N = 5, 6. Read from the last byte backwards:
//   last:    seq(4 bits) | CRC-4
//   last-1:  I1 I2 O1 O2 (digital) | ch0 bits 9..6
//   last-2:  ch0 bits 5..0 | ch1 bits 9..8
//   last-3:  ch1 bits 7..0
//   last-4:  ch2 bits 9..2
//   last-5:  ch2 bits 1..0 | ch3 bits 9..4
//   last-6:  ch3 bits 3..0 | ch4 bits 5..2        (ch4, ch5 are 6-bit)
//   last-7:  ch4 bits 1..0 | ch5 bits 5..0
// chK is the K-th acquired channel in ascending A1..A6 order. The CRC-4 (x^4 + x + 1, MSB
// first, initial 0) runs over the whole frame with the CRC nibble zeroed.

export const BITALINO_BAUD = 115200;
export const BITALINO_RATES_HZ = [1, 10, 100, 1000] as const;
export type BitalinoRateHz = (typeof BITALINO_RATES_HZ)[number];

export function bitalinoFrameBytes(channelCount: number): number {
  return channelCount <= 4 ? Math.ceil((12 + 10 * channelCount) / 8) : Math.ceil((52 + 6 * (channelCount - 4)) / 8);
}

/** ADC resolution in bits of the K-th acquired channel. */
export function bitalinoChannelBits(position: number): number {
  return position < 4 ? 10 : 6;
}

/** One byte through the API's bit-serial CRC-4 (x^4 + x + 1): only the low 4 bits of its register matter. */
function crc4Byte(state: number, byte: number): number {
  let x = state;
  for (let bit = 7; bit >= 0; bit--) {
    x <<= 1;
    if (x & 0x10) x ^= 0x03;
    x ^= (byte >> bit) & 1;
  }
  return x & 0x0f;
}

/** CRC-4 register after a byte, for every (register, byte): 16 x 256 entries. */
const CRC4_TABLE = (() => {
  const t = new Uint8Array(16 * 256);
  for (let x = 0; x < 16; x++) for (let b = 0; b < 256; b++) t[(x << 8) | b] = crc4Byte(x, b);
  return t;
})();

/** CRC-4 of a frame whose last byte's low nibble is taken as zero. */
export function bitalinoCrc4(buf: Uint8Array, offset: number, length: number): number {
  let x = 0;
  const last = offset + length - 1;
  for (let i = offset; i < last; i++) x = CRC4_TABLE[(x << 8) | buf[i]];
  return CRC4_TABLE[(x << 8) | (buf[last] & 0xf0)];
}

/** Decode the K-th analog channel of the frame at `o` of `n` bytes (no CRC check). */
export function bitalinoChannel(b: Uint8Array, o: number, n: number, position: number): number {
  const e = o + n - 1;
  switch (position) {
    case 0:
      return ((b[e - 1] & 0x0f) << 6) | (b[e - 2] >> 2);
    case 1:
      return ((b[e - 2] & 0x03) << 8) | b[e - 3];
    case 2:
      return (b[e - 4] << 2) | (b[e - 5] >> 6);
    case 3:
      return ((b[e - 5] & 0x3f) << 4) | (b[e - 6] >> 4);
    case 4:
      return ((b[e - 6] & 0x0f) << 2) | (b[e - 7] >> 6);
    default:
      return b[e - 7] & 0x3f;
  }
}

/** Encode a frame (device side): `values` are ADC codes in acquisition order, `digital` I1 I2 O1 O2 as 4 bits. */
export function encodeBitalinoFrame(out: Uint8Array, o: number, values: ArrayLike<number>, digital: number, seq: number): number {
  const count = values.length;
  const n = bitalinoFrameBytes(count);
  out.fill(0, o, o + n);
  const e = o + n - 1;
  const put = (at: number, v: number) => {
    if (at >= o) out[at] |= v & 0xff;
  };
  const ch = (k: number) => (k < count ? values[k] : 0);
  put(e - 1, ((digital & 0x0f) << 4) | ((ch(0) >> 6) & 0x0f));
  put(e - 2, ((ch(0) & 0x3f) << 2) | ((ch(1) >> 8) & 0x03));
  put(e - 3, ch(1) & 0xff);
  put(e - 4, (ch(2) >> 2) & 0xff);
  put(e - 5, ((ch(2) & 0x03) << 6) | ((ch(3) >> 4) & 0x3f));
  put(e - 6, ((ch(3) & 0x0f) << 4) | ((ch(4) >> 2) & 0x0f));
  put(e - 7, ((ch(4) & 0x03) << 6) | (ch(5) & 0x3f));
  out[e] = (seq & 0x0f) << 4;
  out[e] |= bitalinoCrc4(out, o, n);
  return n;
}

/** Command bytes (BITalino API): set the sampling rate (idle), start live acquisition, stop. */
export function bitalinoRateCommand(rateHz: BitalinoRateHz): number {
  return (BITALINO_RATES_HZ.indexOf(rateHz) << 6) | 0x03;
}

/** `analogMask` bit i (0..5) acquires A(i+1). Bit 0 of the command = live mode. */
export function bitalinoStartCommand(analogMask: number): number {
  return ((analogMask & 0x3f) << 2) | 0x01;
}

export const BITALINO_STOP_COMMAND = 0x00;

/** Sensor transfer functions of the BITalino datasheets (VCC 3.3 V). */
export type BitalinoSensor = 'ecg' | 'eeg' | 'emg' | 'eda' | 'raw';
const VCC_V = 3.3;
const GAIN: Record<'ecg' | 'eeg' | 'emg', number> = { ecg: 1100, eeg: 41782, emg: 1009 };

/** Convert ADC code `adc` of `bits` resolution to the sensor's unit (see `bitalinoUnit`). */
export function bitalinoTransfer(sensor: BitalinoSensor, adc: number, bits: number): number {
  const frac = adc / (1 << bits);
  switch (sensor) {
    case 'ecg':
    case 'eeg':
    case 'emg':
      return ((frac - 0.5) * VCC_V * 1e6) / GAIN[sensor]; // V -> µV
    case 'eda':
      return (frac * VCC_V) / 0.132; // µS
    default:
      return adc;
  }
}

export function bitalinoUnit(sensor: BitalinoSensor): string {
  return sensor === 'eda' ? 'microsiemens' : sensor === 'raw' ? 'counts' : 'microvolts';
}
