// Binary sample frames from the engine to a plot: per channel, the min and max of the
// samples in each pixel column (uPlot style: drawing costs the plot's width, not the
// sample count). Same bytes over the WebSocket and over an Electron MessagePort.

export const FRAME_MAGIC = 0x484d4652; // "HMFR"
export const FRAME_VERSION = 1;

export interface FrameHeader {
  viewId: string;
  streamId: string;
  channels: number;
  columns: number;
  /** Session-clock span the columns cover: column k is [t0 + k*dt, t0 + (k+1)*dt). */
  t0Sec: number;
  t1Sec: number;
  /** Session time of the newest sample in the stream when the frame was made. */
  latestSec: number;
  /** Engine session time when the frame was made (for sample-to-screen latency). */
  madeAtSec: number;
  /** Wall clock (Date.now()) when the server sent the frame: server-send -> draw latency on one machine. */
  sentAtUnixMs?: number;
  seq: number;
}

export interface Frame {
  header: FrameHeader;
  /** channels x columns x 2 (min, max); NaN where a column holds no sample. */
  minMax: Float32Array;
}

export class FrameError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = 'FrameError';
  }
}

export function encodeFrame(header: FrameHeader, minMax: Float32Array): Uint8Array {
  const expected = header.channels * header.columns * 2;
  if (minMax.length !== expected) {
    throw new FrameError('BAD_FRAME', `frame for ${header.streamId}: ${minMax.length} values, expected ${expected}`);
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = (json.length + 3) & ~3;
  const out = new Uint8Array(8 + headerBytes + minMax.byteLength);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, FRAME_MAGIC, true);
  dv.setUint16(4, FRAME_VERSION, true);
  dv.setUint16(6, headerBytes, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerBytes); // pad with spaces: still valid JSON
  out.set(new Uint8Array(minMax.buffer, minMax.byteOffset, minMax.byteLength), 8 + headerBytes);
  return out;
}

export function decodeFrame(bytes: Uint8Array): Frame {
  if (bytes.byteLength < 8) throw new FrameError('BAD_FRAME', `frame of ${bytes.byteLength} bytes is shorter than its 8-byte preamble`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, true) !== FRAME_MAGIC) throw new FrameError('BAD_FRAME', 'frame magic is not "HMFR" at byte 0');
  const version = dv.getUint16(4, true);
  if (version !== FRAME_VERSION) throw new FrameError('BAD_FRAME', `frame version ${version}, expected ${FRAME_VERSION}`);
  const headerBytes = dv.getUint16(6, true);
  if (8 + headerBytes > bytes.byteLength) throw new FrameError('BAD_FRAME', `frame header of ${headerBytes} bytes runs past the frame end`);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerBytes))) as FrameHeader;
  const n = header.channels * header.columns * 2;
  const start = 8 + headerBytes;
  if (start + n * 4 !== bytes.byteLength) {
    throw new FrameError('BAD_FRAME', `frame data is ${bytes.byteLength - start} bytes, expected ${n * 4} for ${header.channels}x${header.columns} columns`);
  }
  // Copy so the result is aligned whatever the transport's buffer offset.
  const minMax = new Float32Array(n);
  new Uint8Array(minMax.buffer).set(bytes.subarray(start));
  return { header, minMax };
}
