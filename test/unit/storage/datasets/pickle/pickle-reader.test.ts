import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError } from '../../../../../src-main/storage/datasets/dataset-error.js';
import type { NdArray } from '../../../../../src-main/storage/datasets/ndarray.js';
import { PyBytes, PyDict, PyTuple, readPickle } from '../../../../../src-main/storage/datasets/pickle/pickle-reader.js';
import { makeTempDir, maxAbsDiff, pyFixture, readF8 } from '../fixture-helpers.js';

let tmp: ReturnType<typeof makeTempDir>;
beforeAll(() => {
  tmp = makeTempDir('himoe-pickle-');
});
afterAll(() => tmp.cleanup());

function write(name: string, ...args: string[]): string {
  const out = join(tmp.dir, name);
  pyFixture('pickle', out, '--trials', '3', '--channels', '5', '--samples', '7', ...args);
  return out;
}

function arrayOf(d: unknown, key: string): NdArray {
  expect(d).toBeInstanceOf(PyDict);
  const v = (d as PyDict).get(key) as NdArray;
  expect(v && typeof v === 'object' && 'shape' in v).toBe(true);
  return v;
}

function errorOf(fn: () => unknown): DatasetError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DatasetError);
    return err as DatasetError;
  }
  throw new Error('expected a DatasetError, nothing was thrown');
}

describe('readPickle on numpy pickles', () => {
  const cases: Array<[string, string[]]> = [
    ['Python 2 style, protocol 0 (STRING with repr escapes)', ['--style', 'py2', '--protocol', '0']],
    ['Python 2 style, protocol 1 (BINSTRING)', ['--style', 'py2', '--protocol', '1']],
    ['Python 2 style, protocol 2', ['--style', 'py2', '--protocol', '2']],
    ['Python 3, protocol 0 (_codecs.encode of raw-unicode-escape text)', ['--style', 'py3', '--protocol', '0']],
    ['Python 3, protocol 2 (_codecs.encode of BINUNICODE)', ['--style', 'py3', '--protocol', '2']],
    ['float32 big-endian Fortran order', ['--style', 'py2', '--protocol', '2', '--dtype', 'f4', '--endian', '>', '--order', 'F']],
    ['float64 big-endian C order, protocol 0', ['--style', 'py2', '--protocol', '0', '--endian', '>']],
    ['float64 Fortran order, Python 3 protocol 1', ['--style', 'py3', '--protocol', '1', '--order', 'F']],
  ];
  for (const [name, args] of cases) {
    it(`decodes data and labels equal to numpy's own values: ${name}`, () => {
      const file = write(`${name.replace(/\W+/g, '_')}.dat`, ...args);
      const expData = readF8(`${file}.data.f8`);
      const expLabels = readF8(`${file}.labels.f8`);

      const d = readPickle(readFileSync(file), { source: file });

      const data = arrayOf(d, 'data');
      const labels = arrayOf(d, 'labels');
      expect(data.shape).toEqual([3, 5, 7]);
      expect(labels.shape).toEqual([3, 4]);
      expect(data.dtype).toBe(args.includes('f4') ? 'float32' : 'float64');
      expect(maxAbsDiff(data.data, expData)).toBe(0);
      expect(maxAbsDiff(labels.data, expLabels)).toBe(0);
    });
  }

  it('reads numpy scalars, tuples, lists, ints, None and bools beside the arrays', () => {
    const file = write('extra.dat', '--style', 'py2', '--protocol', '2', '--extra');

    const d = readPickle(readFileSync(file)) as PyDict;

    const extra = d.get('extra') as unknown[];
    expect(extra[0]).toBe(2.5);
    expect(extra[1]).toBeInstanceOf(PyTuple);
    expect((extra[1] as PyTuple).items).toEqual([1, -7, 3.25, null, true, false]);
    expect(extra[2]).toBeInstanceOf(PyBytes);
    expect((extra[2] as PyBytes).text).toBe('text');
    expect(extra[3]).toBe(2 ** 40);
  });

  it('reads the same values at protocol 0 from Python 3 (unicode text, LONG ints)', () => {
    const file = write('extra3.dat', '--style', 'py3', '--protocol', '0', '--extra');

    const d = readPickle(readFileSync(file)) as PyDict;

    const extra = d.get('extra') as unknown[];
    expect(extra[0]).toBe(2.5);
    expect(extra[2]).toBe('text');
    expect(extra[3]).toBe(2 ** 40);
  });
});

describe('readPickle protocol 0 numbers', () => {
  it("reads Python's float reprs inf, -inf and nan, and negative ints", () => {
    const bytes = Buffer.from('(lp0\nFinf\naF-inf\naFnan\naF-1.5e-3\naI-42\naL-7L\na.', 'latin1');

    const v = readPickle(bytes) as number[];

    expect(v[0]).toBe(Infinity);
    expect(v[1]).toBe(-Infinity);
    expect(v[2]).toBeNaN();
    expect(v.slice(3)).toEqual([-0.0015, -42, -7]);
  });
});

describe('readPickle array memory', () => {
  it('copies array data out of the input with copyArrays, and otherwise may share it', () => {
    const file = write('alias.dat', '--style', 'py2', '--protocol', '2');
    const bytes = readFileSync(file);
    const expected = readF8(`${file}.data.f8`);

    const copied = arrayOf(readPickle(bytes, { copyArrays: true }), 'data');
    const shared = arrayOf(readPickle(bytes), 'data');
    bytes.fill(0);

    expect(maxAbsDiff(copied.data, expected)).toBe(0);
    // A view when the payload happened to be 8-byte aligned in the file, a copy otherwise.
    const aliased = shared.data.buffer === bytes.buffer;
    expect(maxAbsDiff(shared.data, expected) === 0).toBe(!aliased);
  });
});

describe('readPickle on hostile or broken input', () => {
  it('refuses GLOBAL os.system, names it and its offset, and runs nothing', () => {
    const marker = join(tmp.dir, 'pwned');
    const evil = Buffer.from(`cos\nsystem\n(S'touch ${marker}'\ntR.`, 'latin1');

    const err = errorOf(() => readPickle(evil, { source: 'evil.dat' }));

    expect(err.code).toBe('PICKLE_GLOBAL');
    expect(err.message).toContain('os.system');
    expect(err.message).toContain('evil.dat');
    expect(err.byteOffset).toBe(0);
    expect(existsSync(marker)).toBe(false);
  });

  it('refuses a GLOBAL hidden after valid protocol 2 content, at its byte offset', () => {
    const evil = Buffer.concat([Buffer.from([0x80, 0x02, 0x5d, 0x28]), Buffer.from('cbuiltins\neval\n', 'latin1'), Buffer.from('X\x01\x00\x00\x001\x85R.', 'latin1')]);

    const err = errorOf(() => readPickle(evil));

    expect(err.code).toBe('PICKLE_GLOBAL');
    expect(err.byteOffset).toBe(4);
    expect(err.message).toContain('builtins.eval');
  });

  it('refuses opcodes outside the subset (INST, OBJ, NEWOBJ, STACK_GLOBAL, unknown bytes) by name', () => {
    const cases: Array<[number[], string]> = [
      [[0x80, 0x02, 0x69], 'INST'],
      [[0x80, 0x02, 0x28, 0x6f], 'OBJ'],
      [[0x80, 0x02, 0x81], 'NEWOBJ'],
      [[0x80, 0x02, 0x93], 'STACK_GLOBAL'],
      [[0x80, 0x02, 0x51], 'BINPERSID'],
      [[0x80, 0x02, 0xff], '0xff'],
    ];
    for (const [bytes, name] of cases) {
      const err = errorOf(() => readPickle(Uint8Array.from(bytes)));
      expect(err.code).toBe('PICKLE_OPCODE');
      expect(err.message).toContain(name);
      expect(err.byteOffset).toBe(bytes.length - 1);
    }
  });

  it('refuses absurdly deep nesting with a clear error instead of a stack overflow', () => {
    const deep = Buffer.concat([Buffer.from([0x80, 0x02]), Buffer.alloc(100000, 0x5d), Buffer.alloc(99999, 0x61), Buffer.from('.')]);

    const err = errorOf(() => readPickle(deep));

    expect(err.code).toBe('PICKLE_MALFORMED');
    expect(err.message).toMatch(/nested deeper than 256/);
  });

  it('refuses protocols above 2', () => {
    const err = errorOf(() => readPickle(Uint8Array.from([0x80, 0x04, 0x95])));

    expect(err.code).toBe('PICKLE_OPCODE');
    expect(err.message).toMatch(/protocol 4/);
  });

  it('rejects huge declared string lengths before allocating them', () => {
    const binstring = Uint8Array.from([0x80, 0x02, 0x54, 0xff, 0xff, 0xff, 0x7f, 0x41]);
    const binunicode = Uint8Array.from([0x80, 0x02, 0x58, 0xff, 0xff, 0xff, 0xff, 0x41]);

    const e1 = errorOf(() => readPickle(binstring));
    const e2 = errorOf(() => readPickle(binunicode));

    expect(e1.code).toBe('PICKLE_TRUNCATED');
    expect(e1.message).toMatch(/declares 2147483647 bytes but only 1 remain/);
    expect(e2.code).toBe('PICKLE_TRUNCATED');
  });

  it('rejects an array whose shape does not match its data, also for an enormous shape', () => {
    const file = write('shape.dat', '--style', 'py2', '--protocol', '2');
    const good = readFileSync(file);
    // The labels shape tuple (3, 4) is "K\x03K\x04\x86": make it (3, 5) and (3, 2^31-1).
    const at = good.indexOf(Buffer.from([0x4b, 0x03, 0x4b, 0x04, 0x86]));
    expect(at).toBeGreaterThan(0);
    const wrong = Buffer.from(good);
    wrong[at + 3] = 5;
    const huge = Buffer.concat([good.subarray(0, at), Buffer.from([0x4b, 0x03, 0x4a, 0xff, 0xff, 0xff, 0x7f, 0x86]), good.subarray(at + 5)]);

    const e1 = errorOf(() => readPickle(wrong));
    const e2 = errorOf(() => readPickle(huge));

    expect(e1.code).toBe('PICKLE_MALFORMED');
    expect(e1.message).toMatch(/shape \[3, 5\].*needs 120 bytes; the data has 96/);
    expect(e2.message).toMatch(/needs \d+ bytes; the data has 96/);
  });

  it('reports a truncated file as truncated', () => {
    const file = write('trunc.dat', '--style', 'py2', '--protocol', '2');
    const bytes = readFileSync(file);

    const err = errorOf(() => readPickle(bytes.subarray(0, Math.floor(bytes.length / 2))));

    expect(err.code).toBe('PICKLE_TRUNCATED');
  });

  it('refuses a dtype it does not read (complex, object)', () => {
    const bytes = Buffer.from("cnumpy\ndtype\n(S'c16'\nI0\nI1\ntR.", 'latin1');

    const err = errorOf(() => readPickle(bytes));

    expect(err.code).toBe('UNSUPPORTED_DTYPE');
    expect(err.message).toContain('c16');
  });
});
