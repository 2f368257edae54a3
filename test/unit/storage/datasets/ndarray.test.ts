import { describe, expect, it } from 'vitest';
import { DatasetError } from '../../../../src-main/storage/datasets/dataset-error.js';
import { columnMajorToRowMajor, decodeItems, shapeSize } from '../../../../src-main/storage/datasets/ndarray.js';

describe('columnMajorToRowMajor', () => {
  it('reorders a 4-D column-major array so the last index varies fastest', () => {
    const shape = [2, 3, 1, 4];
    // Column-major value at (i, j, k, l) = its row-major linear index, so the output must be 0..n-1.
    const n = 24;
    const src = new Float64Array(n);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let l = 0; l < 4; l++) src[i + 2 * j + 6 * l] = ((i * 3 + j) * 1 + 0) * 4 + l;

    const out = columnMajorToRowMajor(src, shape);

    expect(Array.from(out)).toEqual(Array.from({ length: n }, (_, k) => k));
  });

  it('returns a copy for vectors and empty arrays', () => {
    const v = Float32Array.of(1, 2, 3);

    const out = columnMajorToRowMajor(v, [3]);
    const empty = columnMajorToRowMajor(new Float64Array(0), [0, 5]);

    expect(out).not.toBe(v);
    expect(Array.from(out)).toEqual([1, 2, 3]);
    expect(empty.length).toBe(0);
  });
});

describe('decodeItems and shapeSize', () => {
  it('swaps big-endian items and reads unaligned bytes', () => {
    const raw = new Uint8Array(1 + 8);
    new DataView(raw.buffer).setFloat64(1, -2.5, false);

    const v = decodeItems(raw.subarray(1), 'float64', 1, false);

    expect(v[0]).toBe(-2.5);
  });

  it('refuses shapes whose element count is not addressable', () => {
    expect(() => shapeSize([2 ** 30, 2 ** 30, 2 ** 30], 'x')).toThrow(DatasetError);
    expect(() => shapeSize([3, -1], 'x')).toThrow(/-1 is not a non-negative integer/);
  });
});
