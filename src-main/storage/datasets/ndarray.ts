// N-dimensional numeric arrays as the dataset readers hand them out (pickled numpy arrays, MAT
// matrices): always row-major (C order), native byte order, in a typed array of the stored type.

import { DatasetError } from './dataset-error.js';

export type NdDtype = 'float32' | 'float64' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32';
export type NdData = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

export interface NdArray {
  dtype: NdDtype;
  /** Dimensions, outermost first; data.length is their product. */
  shape: number[];
  /** Values in row-major (C) order: the last index varies fastest. */
  data: NdData;
}

export const ND_ITEM_BYTES: Record<NdDtype, number> = {
  float32: 4,
  float64: 8,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
};

const CTORS = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
} as const;

const NATIVE_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Product of the dimensions, or an error when it is not a safe integer. */
export function shapeSize(shape: readonly number[], what: string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new DatasetError('MAT_BAD_DIMS', `${what}: dimension ${d} is not a non-negative integer`, { shape });
    n *= d;
    if (!Number.isSafeInteger(n)) throw new DatasetError('TOO_LARGE', `${what}: shape [${shape.join(', ')}] has more elements than can be addressed`, { shape });
  }
  return n;
}

export function allocNd(dtype: NdDtype, length: number): NdData {
  return new CTORS[dtype](length);
}

/** `count` items of `dtype` from raw bytes (any alignment, either byte order) as a native typed
 *  array: a new copy, or - with `alias` - a view on `bytes` when they are aligned and in native
 *  order (no copy; the caller then must not reuse `bytes`). */
export function decodeItems(bytes: Uint8Array, dtype: NdDtype, count: number, littleEndian: boolean, alias = false): NdData {
  const size = ND_ITEM_BYTES[dtype];
  if (alias && (size === 1 || littleEndian === NATIVE_LE) && bytes.byteOffset % size === 0 && bytes.length >= count * size) {
    return new CTORS[dtype](bytes.buffer as ArrayBuffer, bytes.byteOffset, count);
  }
  const out = allocNd(dtype, count);
  const dst = new Uint8Array(out.buffer, out.byteOffset, count * size);
  dst.set(bytes.subarray(0, count * size));
  if (size > 1 && littleEndian !== NATIVE_LE) {
    for (let i = 0; i < dst.length; i += size) {
      for (let a = i, b = i + size - 1; a < b; a++, b--) {
        const t = dst[a]!;
        dst[a] = dst[b]!;
        dst[b] = t;
      }
    }
  }
  return out;
}

/** Reorders values stored column-major (Fortran / MATLAB order: first index fastest) for `shape`
 *  into a new row-major array of the same type. */
export function columnMajorToRowMajor<T extends NdData | Float64Array>(src: T, shape: readonly number[]): T {
  const n = src.length;
  const nd = shape.length;
  if (nd <= 1 || n === 0) return src.slice() as T;
  const out = new (src.constructor as new (n: number) => T)(n);
  // Column-major strides: stride[0] = 1, stride[k] = stride[k-1] * shape[k-1].
  const fStride = new Array<number>(nd);
  fStride[0] = 1;
  for (let k = 1; k < nd; k++) fStride[k] = fStride[k - 1]! * shape[k - 1]!;
  const idx = new Array<number>(nd).fill(0);
  const last = nd - 1;
  const lastDim = shape[last]!;
  const lastStride = fStride[last]!;
  let f = 0;
  let o = 0;
  while (o < n) {
    // Innermost (row-major fastest) index runs over the last dimension.
    for (let j = 0, fj = f; j < lastDim; j++, fj += lastStride) out[o++] = src[fj]!;
    // Carry into the outer indices.
    let k = last - 1;
    while (k >= 0) {
      idx[k]!++;
      f += fStride[k]!;
      if (idx[k]! < shape[k]!) break;
      f -= fStride[k]! * shape[k]!;
      idx[k] = 0;
      k--;
    }
    if (k < 0) break;
  }
  return out;
}
