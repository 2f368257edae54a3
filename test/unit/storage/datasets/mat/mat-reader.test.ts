import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError } from '../../../../../src-main/storage/datasets/dataset-error.js';
import {
  matCell,
  matField,
  matText,
  matToNdArray,
  readMatBytes,
  readMatFile,
  type MatPath,
  type MatValue,
} from '../../../../../src-main/storage/datasets/mat/mat-reader.js';
import { makeTempDir, maxAbsDiff, pyFixture, readF8 } from '../fixture-helpers.js';

let tmp: ReturnType<typeof makeTempDir>;
let misc: string;
let miscZ: string;
let deapMat: string;

beforeAll(() => {
  tmp = makeTempDir('himoe-mat-');
  misc = join(tmp.dir, 'misc.mat');
  miscZ = join(tmp.dir, 'miscz.mat');
  deapMat = join(tmp.dir, 'deap.mat');
  pyFixture('mat-misc', misc);
  pyFixture('mat-misc', miscZ, '--compress');
  pyFixture('deap-mat', deapMat, '--trials', '3', '--channels', '6', '--samples', '50');
});
afterAll(() => tmp.cleanup());

async function errorOf(p: Promise<unknown>): Promise<DatasetError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DatasetError);
    return err as DatasetError;
  }
  throw new Error('expected a DatasetError, nothing was thrown');
}

describe('readMatFile (scipy.io.savemat files)', () => {
  for (const [label, file] of [
    ['uncompressed', () => misc],
    ['zlib-compressed', () => miscZ],
  ] as const) {
    it(`reads numeric classes, chars, cells and structs of a ${label} file`, async () => {
      const mat = await readMatFile(file());

      const cube = matToNdArray(mat.variables.get('cube'), 'cube');
      expect(cube.shape).toEqual([2, 3, 4]);
      expect(Array.from(cube.data)).toEqual(Array.from({ length: 24 }, (_, i) => i)); // numpy arange in C order
      const i8 = mat.variables.get('i8');
      expect(i8?.kind === 'numeric' && i8.class).toBe('int8');
      expect(Array.from(matToNdArray(i8, 'i8').data)).toEqual([-3, 4]);
      expect(Array.from(matToNdArray(mat.variables.get('u32'), 'u32').data)).toEqual([7, 4000000000]);
      expect(Array.from(matToNdArray(mat.variables.get('f32'), 'f32').data)).toEqual([0.25, -1]);
      expect(matText(mat.variables.get('txt'), 'txt')).toBe('abc');
      const c = matCell(mat.variables.get('c'), 'c');
      expect(c.dims).toEqual([2, 1]);
      const c0 = matToNdArray(c.items[0], 'c{0}');
      expect(c0.shape).toEqual([2, 3]);
      expect(Array.from(c0.data)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(matText(c.items[1], 'c{1}')).toBe('héllo');
      const s = mat.variables.get('s');
      expect(s?.kind === 'struct' && s.fieldNames).toEqual(['a', 'bb']);
      expect(Array.from(matToNdArray(matField(s, 'a', 's', 0), 's(0).a').data)).toEqual([1.5]);
      expect(matText(matField(s, 'bb', 's', 0), 's(0).bb')).toBe('x');
      expect(Array.from(matToNdArray(matField(s, 'bb', 's', 1), 's(1).bb').data)).toEqual([1, 2, 3, 4]);
    });
  }

  it('turns a 3-D column-major array into row-major values equal to numpy\'s', async () => {
    const mat = await readMatFile(deapMat);

    const data = matToNdArray(mat.variables.get('data'), 'data');

    expect(data.shape).toEqual([3, 6, 50]);
    expect(maxAbsDiff(data.data, readF8(`${deapMat}.data.f8`))).toBe(0);
  });

  it('reports every value to onValue with its path and keeps dropped parts out', async () => {
    const paths: string[] = [];

    const mat = await readMatFile(miscZ, {
      onValue: (path: MatPath, v: MatValue) => {
        paths.push(`${path.join('.')}:${v.kind}`);
        return path[0] === 'c' && path.length === 2 ? 'drop' : undefined;
      },
    });

    expect(paths).toContain('c.0:numeric');
    expect(paths).toContain('c.1:char');
    expect(paths).toContain('s.1.bb:numeric');
    expect(paths.indexOf('c.0:numeric')).toBeLessThan(paths.indexOf('c:cell'));
    expect(matCell(mat.variables.get('c'), 'c').items.map((v) => v.kind)).toEqual(['skipped', 'skipped']);
  });

  it('reads only the variables asked for', async () => {
    const mat = await readMatFile(misc, { variables: ['txt'] });

    expect([...mat.variables.keys()]).toEqual(['txt']);
  });
});

describe('readMatFile on broken or hostile files', () => {
  /** A MAT header and one uncompressed double "x" element holding 1, 2, ..., `values`. */
  function tinyMat(dims: [number, number], values: number, littleEndian = true): Buffer {
    const u32 = (b: Buffer, v: number, at: number) => (littleEndian ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
    const i32 = (b: Buffer, v: number, at: number) => (littleEndian ? b.writeInt32LE(v, at) : b.writeInt32BE(v, at));
    const head = Buffer.alloc(128, 0x20);
    head.write('MATLAB 5.0 MAT-file, test', 0, 'latin1');
    if (littleEndian) head.writeUInt16LE(0x0100, 124);
    else head.writeUInt16BE(0x0100, 124);
    head.write(littleEndian ? 'IM' : 'MI', 126, 'latin1');
    const el = (type: number, data: Buffer): Buffer => {
      const tag = Buffer.alloc(8);
      u32(tag, type, 0);
      u32(tag, data.length, 4);
      const pad = Buffer.alloc((8 - (data.length % 8)) % 8);
      return Buffer.concat([tag, data, pad]);
    };
    const flags = Buffer.alloc(8);
    u32(flags, 6, 0);
    const d = Buffer.alloc(8);
    i32(d, dims[0], 0);
    i32(d, dims[1], 4);
    const vals = Buffer.alloc(values * 8);
    for (let i = 0; i < values; i++) {
      if (littleEndian) vals.writeDoubleLE(i + 1, i * 8);
      else vals.writeDoubleBE(i + 1, i * 8);
    }
    const content = Buffer.concat([el(6, flags), el(5, d), el(1, Buffer.from('x')), el(9, vals)]);
    return Buffer.concat([head, el(14, content)]);
  }

  it('reads char arrays stored as UTF-16 code units (how MATLAB writes them)', async () => {
    const bytes = tinyMat([1, 3], 3);
    // Turn "x" into a char array: class 4, data element miUINT16 "Fp1" (6 bytes, padded to 8).
    const flagsAt = 128 + 8 + 8;
    bytes.writeUInt32LE(4, flagsAt);
    const dataTagAt = bytes.length - 24 - 8;
    bytes.writeUInt32LE(4, dataTagAt);
    bytes.writeUInt32LE(6, dataTagAt + 4);
    Buffer.from('Fp1', 'utf16le').copy(bytes, dataTagAt + 8);
    const fixed = Buffer.concat([bytes.subarray(0, dataTagAt + 16)]);
    fixed.writeUInt32LE(fixed.length - 128 - 8, 128 + 4);

    const mat = await readMatBytes(fixed);

    expect(matText(mat.variables.get('x'), 'x')).toBe('Fp1');
  });

  it('skips an array of a class it does not read (MATLAB opaque objects) and reads on', async () => {
    const bytes = Buffer.concat([tinyMat([2, 2], 4), tinyMat([1, 2], 2).subarray(128)]);
    bytes.writeUInt32LE(17, 128 + 8 + 8); // the first "x" becomes an opaque (class 17) array
    bytes.write('y', bytes.length - 16 - 8 - 8, 'latin1'); // rename the second to "y"

    const mat = await readMatBytes(bytes);

    expect(mat.variables.get('x')?.kind).toBe('skipped');
    expect(Array.from(matToNdArray(mat.variables.get('y'), 'y').data)).toEqual([1, 2]);
  });

  it('reads big-endian ("MI") files as well as little-endian ones', async () => {
    const le = await readMatBytes(tinyMat([2, 3], 6, true));
    const be = await readMatBytes(tinyMat([2, 3], 6, false));

    // Column-major 1..6 in a 2x3 matrix -> rows [1 3 5], [2 4 6].
    expect(Array.from(matToNdArray(le.variables.get('x'), 'x').data)).toEqual([1, 3, 5, 2, 4, 6]);
    expect(be.littleEndian).toBe(false);
    expect(Array.from(matToNdArray(be.variables.get('x'), 'x').data)).toEqual([1, 3, 5, 2, 4, 6]);
  });

  it('reads the hand-built reference element (so the broken variants below fail for their own reason)', async () => {
    const mat = await readMatBytes(tinyMat([2, 2], 4));

    expect(matToNdArray(mat.variables.get('x'), 'x').shape).toEqual([2, 2]);
  });

  it('rejects dimensions that do not fit the data, naming the offset', async () => {
    const err = await errorOf(readMatBytes(tinyMat([2, 3], 4), { source: 'bad-dims.mat' }));

    expect(err.code).toBe('MAT_BAD_DIMS');
    expect(err.message).toMatch(/bad-dims\.mat: array "x" has dimensions \[2 x 3\] \(6 values\) but its data at byte \d+ holds 4/);
  });

  it('rejects a cell whose dimensions promise more elements than the file holds, without allocating them', async () => {
    const bytes = tinyMat([2, 2], 4);
    bytes.writeUInt32LE(1, 128 + 8 + 8); // class -> cell
    bytes.writeInt32LE(100000, 128 + 8 + 16 + 8); // dims 100000 x 100000
    bytes.writeInt32LE(100000, 128 + 8 + 16 + 12);

    const err = await errorOf(readMatBytes(bytes));

    expect(err.code).toBe('MAT_BAD_DIMS');
    expect(err.message).toMatch(/need at least 80000000000 bytes of cell elements/);
  });

  it('rejects a variable that declares more bytes than the file has as truncated, and an inner element as bad dims', async () => {
    const outer = tinyMat([2, 2], 4);
    outer.writeUInt32LE(0x7fffffff, 128 + 4);
    const inner = tinyMat([2, 2], 4);
    inner.writeUInt32LE(0x7fffffff, inner.length - 32 - 4); // the data element's length

    const e1 = await errorOf(readMatBytes(outer));
    const e2 = await errorOf(readMatBytes(inner));

    expect(e1.code).toBe('MAT_TRUNCATED');
    expect(e1.byteOffset).toBe(128);
    expect(e2.code).toBe('MAT_BAD_DIMS');
    expect(e2.message).toMatch(/declares 2147483647 bytes but only 32 remain in what encloses it/);
  });

  it('reports a truncated compressed variable and a corrupt zlib stream clearly', async () => {
    const z = readFileSync(miscZ);
    const cut = z.subarray(0, z.length - 40);
    const corrupt = Buffer.from(z);
    corrupt.fill(0x55, 140, 180);
    writeFileSync(join(tmp.dir, 'cut.mat'), cut);

    const e1 = await errorOf(readMatFile(join(tmp.dir, 'cut.mat')));
    const e2 = await errorOf(readMatBytes(corrupt));

    expect(['MAT_TRUNCATED', 'MAT_BAD_DIMS', 'MAT_MALFORMED']).toContain(e1.code);
    expect(e2.code).toBe('MAT_MALFORMED');
    expect(e2.message).toMatch(/does not inflate/);
  });

  it('refuses a compressed element that declares and inflates beyond the bound (zip bomb)', async () => {
    const head = tinyMat([2, 2], 4).subarray(0, 128);
    // A miMATRIX declaring 64 MiB of content, which really inflates to that much zero bytes.
    const inner = Buffer.alloc(64 << 20);
    inner.writeUInt32LE(14, 0);
    inner.writeUInt32LE((64 << 20) - 8, 4);
    const z = deflateSync(inner);
    const tag = Buffer.alloc(8);
    tag.writeUInt32LE(15, 0);
    tag.writeUInt32LE(z.length, 4);

    const err = await errorOf(readMatBytes(Buffer.concat([head, tag, z]), { maxInflatedBytes: 1 << 20 }));

    // Refused on the declared size, before the 64 MiB are inflated and kept.
    expect(['TOO_LARGE', 'MAT_BAD_DIMS']).toContain(err.code);
    expect(err.message).toMatch(/inflated/);
  });

  it('refuses cells nested deeper than any dataset needs', async () => {
    // 100 nested 1x1 cells around an empty matrix, each level a miMATRIX inside the previous.
    let inner = Buffer.alloc(8);
    inner.writeUInt32LE(14, 0); // empty miMATRIX
    for (let i = 0; i < 100; i++) {
      const flags = Buffer.from([6, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
      const dims = Buffer.from([5, 0, 0, 0, 8, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]);
      const name = Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]);
      const body = Buffer.concat([flags, dims, i === 99 ? Buffer.from([1, 0, 1, 0, 0x63, 0, 0, 0]) : name, inner]);
      const tag = Buffer.alloc(8);
      tag.writeUInt32LE(14, 0);
      tag.writeUInt32LE(body.length, 4);
      inner = Buffer.concat([tag, body]);
    }
    const head = Buffer.alloc(128, 0x20);
    head.write('MATLAB 5.0 MAT-file', 0, 'latin1');
    head.write('IM', 126, 'latin1');

    const err = await errorOf(readMatBytes(Buffer.concat([head, inner])));

    expect(err.code).toBe('MAT_MALFORMED');
    expect(err.message).toMatch(/nested deeper than 64/);
  });

  it('refuses HDF5-based v7.3 files and non-MAT data by name', async () => {
    const v73 = Buffer.alloc(512);
    v73.write('MATLAB 7.3 MAT-file, Platform: GLNXA64', 0, 'latin1');
    const junk = Buffer.alloc(300, 1);

    const e1 = await errorOf(readMatBytes(v73));
    const e2 = await errorOf(readMatBytes(junk));

    expect(e1.code).toBe('MAT_UNSUPPORTED');
    expect(e1.message).toMatch(/v7\.3/);
    expect(e2.code).toBe('MAT_BAD_HEADER');
  });
});
