import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, FrameError, type FrameHeader } from '../../../src-main/api/frames.js';

const header: FrameHeader = { viewId: 'live', streamId: 'synthetic:eeg', channels: 2, columns: 3, t0Sec: 1, t1Sec: 11, latestSec: 10.99, madeAtSec: 11, seq: 7 };

describe('sample frames', () => {
  it('round-trips header and min/max values, NaN included', () => {
    const mm = Float32Array.from([1, 2, NaN, NaN, -3, 4, 5, 6, 7, 8, 9, 10]);
    const back = decodeFrame(encodeFrame(header, mm));
    expect(back.header).toEqual(header);
    expect(Array.from(back.minMax)).toEqual(Array.from(mm));
  });

  it('decodes from an unaligned view of a larger buffer', () => {
    const bytes = encodeFrame(header, new Float32Array(12).fill(0.5));
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(decodeFrame(shifted.subarray(3)).minMax[11]).toBe(0.5);
  });

  it('rejects a frame whose data length does not match its header, naming both', () => {
    const bytes = encodeFrame(header, new Float32Array(12));
    expect(() => decodeFrame(bytes.subarray(0, bytes.length - 4))).toThrowError(/expected 48/);
    expect(() => decodeFrame(Uint8Array.from([1, 2, 3]))).toThrowError(FrameError);
    expect(() => encodeFrame(header, new Float32Array(5))).toThrowError(/expected 12/);
  });
});
