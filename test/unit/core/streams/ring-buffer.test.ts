import { describe, expect, it } from 'vitest';
import { RingBuffer } from '../../../../src-main/core/streams/ring-buffer.js';
import { StreamError } from '../../../../src-main/core/errors.js';

function ramp(n: number, channels: number, start: number): { values: Float32Array; times: Float64Array } {
  const values = new Float32Array(n * channels);
  const times = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    times[i] = (start + i) / 10;
    for (let c = 0; c < channels; c++) values[i * channels + c] = (start + i) * 100 + c;
  }
  return { values, times };
}

describe('RingBuffer', () => {
  it('keeps the newest samples in order across the wrap-around', () => {
    const rb = new RingBuffer(2, 5);
    const a = ramp(4, 2, 0);
    const b = ramp(4, 2, 4);
    rb.push(a.values, a.times, 0);
    rb.push(b.values, b.times, 4);
    const out = rb.readLast(10);
    expect(out.count).toBe(5);
    expect(Array.from(out.indices.subarray(0, 5))).toEqual([3, 4, 5, 6, 7]);
    expect(Array.from(out.values.subarray(0, 4))).toEqual([300, 301, 400, 401]);
    expect(out.timestamps[4]).toBeCloseTo(0.7);
    expect(rb.totalWritten).toBe(8);
    expect(rb.oldestTimeSec).toBeCloseTo(0.3);
    expect(rb.latestTimeSec).toBeCloseTo(0.7);
  });

  it('reads a half-open time range with a binary search', () => {
    const rb = new RingBuffer(1, 8);
    const a = ramp(12, 1, 0);
    rb.push(a.values, a.times, 0);
    const out = rb.readRange(0.5, 0.8);
    expect(out.count).toBe(3);
    expect(Array.from(out.values.subarray(0, 3))).toEqual([500, 600, 700]);
    expect(rb.readRange(5, 6).count).toBe(0);
  });

  it('keeps only the newest capacity samples of an oversized push', () => {
    const rb = new RingBuffer(1, 3);
    const a = ramp(7, 1, 0);
    rb.push(a.values, a.times, 10);
    const out = rb.readLast(3);
    expect(Array.from(out.indices.subarray(0, 3))).toEqual([14, 15, 16]);
    expect(Array.from(out.values.subarray(0, 3))).toEqual([400, 500, 600]);
  });

  it('reuses a preallocated read result instead of allocating', () => {
    const rb = new RingBuffer(2, 16);
    const a = ramp(10, 2, 0);
    rb.push(a.values, a.times, 0);
    const out = rb.allocateRead(16);
    const again = rb.readLast(6, out);
    expect(again).toBe(out);
    expect(again.values).toBe(out.values);
    expect(again.count).toBe(6);
  });

  it('rejects a chunk whose value count does not match channels x samples', () => {
    const rb = new RingBuffer(3, 4);
    expect(() => rb.push(new Float32Array(5), new Float64Array(2), 0)).toThrowError(StreamError);
    try {
      rb.push(new Float32Array(5), new Float64Array(2), 0);
    } catch (err) {
      expect((err as StreamError).code).toBe('BAD_CHUNK_SHAPE');
      expect((err as Error).message).toMatch(/expected 6/);
    }
  });
});
