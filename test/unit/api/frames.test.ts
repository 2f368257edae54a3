import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, FrameAssembler, FrameError, type Frame, type FrameHeader } from '../../../src-main/api/frames.js';

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

/** A grid frame of columns [first, first + n) whose min/max is the column index (channel 1: negated). */
function gridFrame(first: number, n: number, seq: number, prevSeq?: number, windowColumns = 5): Frame {
  const minMax = new Float32Array(2 * n * 2);
  for (let j = 0; j < n; j++) {
    minMax.set([first + j, first + j + 0.5], j * 2);
    minMax.set([-(first + j), -(first + j) + 0.5], (n + j) * 2);
  }
  const header: FrameHeader = { ...header2, columns: n, t0Sec: first * 0.1, t1Sec: (first + n) * 0.1, seq, columnSec: 0.1, firstColumn: first, windowColumns, ...(prevSeq === undefined ? {} : { prevSeq }) };
  return decodeFrame(encodeFrame(header, minMax));
}
const header2: FrameHeader = { viewId: 'live', streamId: 's', channels: 2, columns: 0, t0Sec: 0, t1Sec: 0, latestSec: 0, madeAtSec: 0, seq: 0 };
const mins = (f: Frame | null, c: number) => Array.from({ length: f?.header.columns ?? 0 }, (_, j) => f!.minMax[(c * f!.header.columns + j) * 2]);

describe('FrameAssembler', () => {
  it('rebuilds the whole window from a keyframe and deltas that rewrite the partial column and scroll', () => {
    const a = new FrameAssembler();
    expect(a.frame()).toBeNull();
    expect(a.push(gridFrame(-2, 5, 0))).toBe(true); // a clock that starts at 0: negative columns early on
    expect(mins(a.frame(), 0)).toEqual([-2, -1, 0, 1, 2]);
    expect(a.push(gridFrame(2, 3, 1, 0))).toBe(true); // column 2 again, then 3 and 4
    const f = a.frame()!;
    expect(mins(f, 0)).toEqual([0, 1, 2, 3, 4]);
    expect(mins(f, 1)).toEqual([-0, -1, -2, -3, -4]);
    expect(f.minMax[1]).toBe(0.5);
    expect(f.header.columns).toBe(5);
    expect(f.header.firstColumn).toBe(0);
    expect(f.header.t0Sec).toBeCloseTo(0);
    expect(f.header.t1Sec).toBeCloseTo(0.5);
    expect(f.header.prevSeq).toBeUndefined();
    // A delta longer than the window (a view that fell behind): its newest columns are the window.
    expect(a.push(gridFrame(4, 9, 2, 1))).toBe(true);
    expect(mins(a.frame(), 0)).toEqual([8, 9, 10, 11, 12]);
  });

  it('refuses a delta whose predecessor it never saw, and every delta after it, until a keyframe', () => {
    const a = new FrameAssembler();
    expect(a.push(gridFrame(10, 2, 1, 0))).toBe(false); // no keyframe yet
    a.push(gridFrame(10, 5, 2));
    expect(a.push(gridFrame(14, 2, 4, 3))).toBe(false); // frame 3 was dropped on the way
    expect(a.push(gridFrame(15, 2, 5, 4))).toBe(false);
    expect(mins(a.frame(), 0)).toEqual([]);
    expect(a.push(gridFrame(13, 5, 6))).toBe(true);
    expect(mins(a.frame(), 0)).toEqual([13, 14, 15, 16, 17]);
  });

  it('refuses a delta that would leave a column unsent', () => {
    const a = new FrameAssembler();
    a.push(gridFrame(0, 5, 0));
    expect(a.push(gridFrame(6, 1, 1, 0))).toBe(false); // column 5 missing
  });

  it('passes frames without a grid through whole', () => {
    const a = new FrameAssembler();
    const f = decodeFrame(encodeFrame(header, new Float32Array(12).fill(2)));
    expect(a.push(f)).toBe(true);
    expect(a.frame()).toBe(f);
  });
});
