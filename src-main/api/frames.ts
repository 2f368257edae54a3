// Binary sample frames from the engine to a plot: per channel, the min and max of the
// samples in each pixel column (uPlot style: drawing costs the plot's width, not the
// sample count). Same bytes over the WebSocket and over an Electron MessagePort.
// Columns sit on a grid of the session clock (column k = [k*columnSec, (k+1)*columnSec)), so
// a frame may carry only the columns that changed since the view's previous frame of that
// stream (a delta) and a `FrameAssembler` on the receiving side rebuilds the whole window.

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
  /** Grid frames: seconds per column; column k covers [k*columnSec, (k+1)*columnSec) of the session clock. */
  columnSec?: number;
  /** Grid frames: index k of this frame's first column (t0Sec = firstColumn * columnSec). */
  firstColumn?: number;
  /** Grid frames: columns of the whole plot window, which ends with this frame's last column. */
  windowColumns?: number;
  /** Deltas only: `seq` of the view's previous frame of this stream, which this one updates. */
  prevSeq?: number;
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
  // A view of the bytes when they are 4-byte aligned (a WebSocket message's own buffer), a copy otherwise.
  const offset = bytes.byteOffset + start;
  if (offset % 4 === 0) return { header, minMax: new Float32Array(bytes.buffer, offset, n) };
  const minMax = new Float32Array(n);
  new Uint8Array(minMax.buffer).set(bytes.subarray(start));
  return { header, minMax };
}

/**
 * Rebuilds a plot's whole window from grid frames: a keyframe (all `windowColumns`) resets it,
 * a delta overwrites its columns when it follows the last frame applied (`prevSeq`) and leaves
 * no column unsent; anything else is refused until the next keyframe. Frames without a grid
 * pass through whole.
 */
export class FrameAssembler {
  private ring = new Float32Array(0);
  private header: FrameHeader | null = null;
  private whole: Frame | null = null;
  private lastColumn = 0;
  private out = new Float32Array(0);

  /** Apply `frame`; false when it was refused (a delta without its predecessor). */
  push(frame: Frame): boolean {
    const h = frame.header;
    if (h.columnSec === undefined || h.firstColumn === undefined || h.windowColumns === undefined) {
      this.header = null;
      this.whole = frame;
      return true;
    }
    const W = h.windowColumns;
    const last = h.firstColumn + h.columns - 1;
    const key = h.columns === W;
    const prev = this.header;
    if (!key) {
      const follows =
        prev !== null &&
        prev.seq === h.prevSeq &&
        prev.channels === h.channels &&
        prev.windowColumns === W &&
        prev.columnSec === h.columnSec &&
        h.firstColumn <= this.lastColumn + 1 &&
        last >= this.lastColumn;
      if (!follows) {
        // Until a keyframe comes, later deltas cannot follow either.
        this.header = null;
        return false;
      }
    }
    const size = h.channels * W * 2;
    if (this.ring.length !== size) this.ring = new Float32Array(size);
    const n = h.columns;
    for (let c = 0; c < h.channels; c++) {
      const src = c * n * 2;
      const dst = c * W * 2;
      for (let j = 0; j < n; j++) {
        const slot = (((h.firstColumn + j) % W) + W) % W;
        this.ring[dst + slot * 2] = frame.minMax[src + j * 2];
        this.ring[dst + slot * 2 + 1] = frame.minMax[src + j * 2 + 1];
      }
    }
    this.header = h;
    this.whole = null;
    this.lastColumn = last;
    return true;
  }

  /** The whole window as one frame (null before the first keyframe); reused between calls. */
  frame(): Frame | null {
    if (this.whole) return this.whole;
    const h = this.header;
    if (!h || h.columnSec === undefined || h.windowColumns === undefined) return null;
    const W = h.windowColumns;
    const first = this.lastColumn - W + 1;
    const size = h.channels * W * 2;
    if (this.out.length !== size) this.out = new Float32Array(size);
    const split = ((first % W) + W) % W;
    for (let c = 0; c < h.channels; c++) {
      const base = c * W * 2;
      // Oldest column first: the ring from `split` to its end, then from its start.
      this.out.set(this.ring.subarray(base + split * 2, base + W * 2), base);
      this.out.set(this.ring.subarray(base, base + split * 2), base + (W - split) * 2);
    }
    const header: FrameHeader = { ...h, columns: W, firstColumn: first, t0Sec: first * h.columnSec, t1Sec: (this.lastColumn + 1) * h.columnSec };
    delete header.prevSeq;
    return { header, minMax: this.out };
  }
}
