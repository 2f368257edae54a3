// MAT-file level 5 reader (MATLAB v5/v6/v7 .mat; not the HDF5-based v7.3) for the dataset
// importers: DEAP's data_preprocessed_matlab/sXX.mat and DREAMER.mat. Streams the file: numeric
// arrays, char arrays, cells and structs (nested) are decoded as they come, zlib-compressed
// variables are inflated with a bound, and an onValue hook lets a caller take (and drop) parts of
// a large variable - one DREAMER subject - while the rest is still being read.
// Every declared size is checked against what encloses it; nothing is allocated on a declared
// size alone.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInflate } from 'node:zlib';
import { DatasetError } from '../dataset-error.js';
import { allocNd, columnMajorToRowMajor, decodeItems, shapeSize, type NdArray, type NdData, type NdDtype } from '../ndarray.js';
import { ByteStream } from './byte-stream.js';

export type MatNumericClass = 'double' | 'single' | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64';

export interface MatNumeric {
  kind: 'numeric';
  class: MatNumericClass;
  /** MATLAB dimensions (at least two). */
  dims: number[];
  /** Real part, column-major (MATLAB order), in the class's type (int64/uint64 as Float64Array). */
  real: NdData;
  imag?: NdData;
  logical: boolean;
}

export interface MatChar {
  kind: 'char';
  dims: number[];
  /** The characters in column-major order; for a 1xN row vector simply the string. */
  chars: string;
}

export interface MatCell {
  kind: 'cell';
  dims: number[];
  /** Elements in column-major order. */
  items: MatValue[];
}

export interface MatStruct {
  kind: 'struct';
  dims: number[];
  fieldNames: string[];
  /** One record per struct element, column-major. */
  elements: Array<Record<string, MatValue>>;
  /** Class name for MATLAB objects (mxOBJECT_CLASS), read like structs. */
  className?: string;
}

/** A value the reader skipped: sparse matrices, or a part the onValue hook dropped. */
export interface MatSkipped {
  kind: 'skipped';
  reason: string;
}

export type MatValue = MatNumeric | MatChar | MatCell | MatStruct | MatSkipped;

/** Where a value sits: variable name, then struct field names and 0-based cell/struct-array indices.
 *  A 1x1 struct's fields follow its path directly (['DREAMER', 'Data', 3, 'EEG']). */
export type MatPath = ReadonlyArray<string | number>;

export interface MatReadOptions {
  /** Called after each value is decoded, innermost first. Returning 'drop' keeps it out of its
   *  parent (a MatSkipped stands in) so a caller can stream a big variable part by part. */
  onValue?: (path: MatPath, value: MatValue) => void | 'drop' | Promise<void | 'drop'>;
  /** Upper bound on the inflated size of one compressed variable (default 16 GiB). */
  maxInflatedBytes?: number;
  /** Upper bound on one array's data (default 1 GiB). */
  maxArrayBytes?: number;
  /** Read only these variables (others are skipped without decoding). */
  variables?: readonly string[];
}

export interface MatFile {
  header: string;
  littleEndian: boolean;
  variables: Map<string, MatValue>;
}

// Data types (miXXX) and array classes (mxXXX_CLASS) of the MAT level 5 format.
const MI = { INT8: 1, UINT8: 2, INT16: 3, UINT16: 4, INT32: 5, UINT32: 6, SINGLE: 7, DOUBLE: 9, INT64: 12, UINT64: 13, MATRIX: 14, COMPRESSED: 15, UTF8: 16, UTF16: 17, UTF32: 18 } as const;
const MI_DTYPE: Record<number, NdDtype> = { 1: 'int8', 2: 'uint8', 3: 'int16', 4: 'uint16', 5: 'int32', 6: 'uint32', 7: 'float32', 9: 'float64' };
const MI_BYTES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8, 16: 1, 17: 2, 18: 4 };
const CLASS_NAMES: Record<number, string> = {
  1: 'cell', 2: 'struct', 3: 'object', 4: 'char', 5: 'sparse', 6: 'double', 7: 'single', 8: 'int8', 9: 'uint8',
  10: 'int16', 11: 'uint16', 12: 'int32', 13: 'uint32', 14: 'int64', 15: 'uint64',
};
const CLASS_DTYPE: Partial<Record<MatNumericClass, NdDtype>> = {
  double: 'float64', single: 'float32', int8: 'int8', uint8: 'uint8', int16: 'int16', uint16: 'uint16', int32: 'int32', uint32: 'uint32',
};

/** Deeper than any dataset needs (DREAMER: 6); bounds the recursion of readMatrix. */
const MAX_NESTING = 64;
const FLAG_COMPLEX = 0x0800;
const FLAG_LOGICAL = 0x0200;

interface Tag {
  type: number;
  nbytes: number;
  /** Small data element: the data already read, in the tag. */
  small: Uint8Array | null;
  at: number;
}

/** Reads a whole MAT file (all variables or those named in opts.variables). */
export async function readMatFile(path: string, opts: MatReadOptions = {}): Promise<MatFile> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (err) {
    throw new DatasetError('NOT_FOUND', `${path}: cannot read the MAT file: ${(err as Error).message}`, { path }, { cause: err });
  }
  const rs = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    return await readMatStream(new ByteStream(rs[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>, path), size, opts);
  } finally {
    rs.destroy();
  }
}

/** Reads a MAT file held in memory. */
export async function readMatBytes(bytes: Uint8Array, opts: MatReadOptions & { source?: string } = {}): Promise<MatFile> {
  return readMatStream(ByteStream.fromBytes(bytes, opts.source ?? 'MAT data'), bytes.length, opts);
}

async function readMatStream(s: ByteStream, fileBytes: number, opts: MatReadOptions): Promise<MatFile> {
  const head = await s.read(128).catch(() => {
    throw new DatasetError('MAT_BAD_HEADER', `${s.label}: ${fileBytes} bytes is too short for a MAT-file header (128 bytes)`, { byteOffset: 0 });
  });
  const text = new TextDecoder('latin1').decode(head.subarray(0, 116)).replace(/[\0 ]+$/, '');
  const endian = String.fromCharCode(head[126]!, head[127]!);
  if (text.startsWith('MATLAB 7.3')) {
    throw new DatasetError('MAT_UNSUPPORTED', `${s.label}: a MATLAB v7.3 (HDF5) file; only MAT level 5 (save -v7 / -v6) is read`, { byteOffset: 0 });
  }
  if (endian !== 'IM' && endian !== 'MI') {
    throw new DatasetError('MAT_BAD_HEADER', `${s.label}: not a MAT level 5 file (endian indicator at byte 126 is not "IM" or "MI")`, { byteOffset: 126 });
  }
  const le = endian === 'IM';
  const p = new MatParser(le, opts);
  const variables = new Map<string, MatValue>();
  while (!(await s.atEnd())) {
    const tagAt = s.pos;
    // Trailing padding shorter than a tag ends the file.
    if (fileBytes - tagAt < 8) break;
    const tag = await p.readTag(s, fileBytes - tagAt, true);
    if (tag.type === MI.COMPRESSED) {
      const compressed = await s.read(tag.nbytes);
      const inflater = createInflate();
      inflater.end(compressed);
      const inner = new ByteStream(inflater[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>, `${s.label} (element at byte ${tagAt}, inflated)`, p.maxInflated);
      try {
        const innerTag = await p.readTag(inner, p.maxInflated).catch((err: unknown) => {
          throw zlibError(err, s.label, tagAt);
        });
        if (innerTag.type !== MI.MATRIX) throw p.malformed(inner, `a compressed element holds data type ${innerTag.type}; expected miMATRIX (14)`);
        const v = await p.readMatrix(inner, innerTag.nbytes, [], opts.variables).catch((err: unknown) => {
          throw zlibError(err, s.label, tagAt);
        });
        if (v) variables.set(v.name, v.value);
      } finally {
        inflater.destroy();
      }
    } else if (tag.type === MI.MATRIX) {
      const v = await p.readMatrix(s, tag.nbytes, [], opts.variables);
      if (v) variables.set(v.name, v.value);
      await s.skip(pad8(tag.nbytes) - tag.nbytes).catch(() => {});
    } else {
      throw p.malformed(s, `top-level element of data type ${tag.type} at byte ${tagAt}; expected miMATRIX (14) or miCOMPRESSED (15)`);
    }
  }
  return { header: text, littleEndian: le, variables };
}

function zlibError(err: unknown, label: string, at: number): unknown {
  if (err instanceof DatasetError) return err;
  return new DatasetError('MAT_MALFORMED', `${label}: the compressed element at byte ${at} does not inflate: ${(err as Error).message}`, { byteOffset: at }, { cause: err });
}

function pad8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

class MatParser {
  readonly maxInflated: number;
  readonly maxArray: number;

  constructor(
    private readonly le: boolean,
    private readonly opts: MatReadOptions,
  ) {
    this.maxInflated = opts.maxInflatedBytes ?? 16 * 2 ** 30;
    this.maxArray = opts.maxArrayBytes ?? 2 ** 30;
  }

  /** Reads an element tag; `room` is how many bytes the enclosing element (or, at the top
   *  level, the file) has left. */
  async readTag(s: ByteStream, room: number, topLevel = false): Promise<Tag> {
    const at = s.pos;
    if (room < 8) throw this.malformed(s, `an element tag needs 8 bytes; the enclosing element has ${room} left`);
    const b = await s.read(8);
    const dv = new DataView(b.buffer, b.byteOffset, 8);
    const w0 = dv.getUint32(0, this.le);
    if (w0 >>> 16 !== 0) {
      const nbytes = w0 >>> 16;
      const type = w0 & 0xffff;
      if (nbytes > 4) throw this.malformed(s, `small data element at byte ${at} declares ${nbytes} bytes; at most 4 fit`);
      return { type, nbytes, small: b.slice(4, 4 + nbytes), at };
    }
    const nbytes = dv.getUint32(4, this.le);
    if (nbytes > room - 8) {
      throw new DatasetError(
        topLevel ? 'MAT_TRUNCATED' : 'MAT_BAD_DIMS',
        `${s.label}: element at byte ${at} declares ${nbytes} bytes but only ${room - 8} remain in ${topLevel ? 'the file (truncated or corrupt)' : 'what encloses it'}`,
        { byteOffset: at },
      );
    }
    return { type: w0, nbytes, small: null, at };
  }

  /** Reads an element's data (and its padding to 8 bytes); `owned`: not shared with the input. */
  async readData(s: ByteStream, room: number, owned = false): Promise<{ tag: Tag; data: Uint8Array }> {
    const tag = await this.readTag(s, room);
    if (tag.small) return { tag, data: tag.small };
    if (tag.type === MI.MATRIX || tag.type === MI.COMPRESSED) throw this.malformed(s, `unexpected nested matrix at byte ${tag.at}`);
    if (tag.nbytes > this.maxArray) {
      throw new DatasetError('TOO_LARGE', `${s.label}: element at byte ${tag.at} holds ${tag.nbytes} bytes; the limit is ${this.maxArray}`, { byteOffset: tag.at });
    }
    const data = owned ? await s.readOwned(tag.nbytes) : await s.read(tag.nbytes);
    const padded = Math.min(pad8(tag.nbytes), room - 8);
    if (padded > tag.nbytes) await s.skip(padded - tag.nbytes);
    return { tag, data };
  }

  /** Parses the body of a miMATRIX of `nbytes`. With `only`, a top-level variable not listed is
   *  skipped (returns null). */
  async readMatrix(
    s: ByteStream,
    nbytes: number,
    path: MatPath,
    only?: readonly string[],
  ): Promise<{ name: string; value: MatValue } | null> {
    const start = s.pos;
    const end = start + nbytes;
    if (path.length > MAX_NESTING) {
      throw new DatasetError('MAT_MALFORMED', `${s.label}: cells/structs nested deeper than ${MAX_NESTING} levels at byte ${start}`, { byteOffset: start });
    }
    if (nbytes === 0) {
      // MATLAB writes an empty matrix (e.g. an empty cell) as a miMATRIX without content.
      return { name: '', value: { kind: 'numeric', class: 'double', dims: [0, 0], real: new Float64Array(0), logical: false } };
    }
    const room = () => end - s.pos;
    const flagsEl = await this.readData(s, room());
    if (flagsEl.data.length < 8 || flagsEl.tag.type !== MI.UINT32) throw this.malformed(s, `array flags at byte ${flagsEl.tag.at} are not 2 x miUINT32`);
    const fdv = new DataView(flagsEl.data.buffer, flagsEl.data.byteOffset, 8);
    const flags = fdv.getUint32(0, this.le);
    const classId = flags & 0xff;
    const dimsEl = await this.readData(s, room());
    if (dimsEl.tag.type !== MI.INT32 || dimsEl.data.length % 4 !== 0 || dimsEl.data.length < 8) throw this.malformed(s, `dimensions at byte ${dimsEl.tag.at} are not miINT32 x >= 2`);
    const ddv = new DataView(dimsEl.data.buffer, dimsEl.data.byteOffset, dimsEl.data.length);
    const dims: number[] = [];
    for (let i = 0; i < dimsEl.data.length; i += 4) {
      const d = ddv.getInt32(i, this.le);
      if (d < 0) throw new DatasetError('MAT_BAD_DIMS', `${s.label}: negative dimension ${d} at byte ${dimsEl.tag.at}`, { byteOffset: dimsEl.tag.at });
      dims.push(d);
    }
    const nameEl = await this.readData(s, room());
    const name = new TextDecoder('latin1').decode(nameEl.data);
    const here: MatPath = path.length === 0 ? [name] : path;
    if (path.length === 0 && only && !only.includes(name)) {
      await s.skip(room());
      return null;
    }
    const count = shapeSize(dims, `${s.label}: array "${here.join('.')}"`);
    const className = CLASS_NAMES[classId];
    let value: MatValue;
    switch (className) {
      case 'cell': {
        this.fits(s, count * 8, room(), dimsEl.tag.at, dims, 'cell elements');
        const items: MatValue[] = new Array<MatValue>(count);
        for (let i = 0; i < count; i++) items[i] = await this.readChild(s, room(), [...here, i]);
        value = { kind: 'cell', dims, items };
        break;
      }
      case 'struct':
      case 'object': {
        let objClass: string | undefined;
        if (className === 'object') objClass = new TextDecoder('latin1').decode((await this.readData(s, room())).data);
        const lenEl = await this.readData(s, room());
        if (lenEl.data.length < 4) throw this.malformed(s, `struct field name length at byte ${lenEl.tag.at} has ${lenEl.data.length} bytes; expected a 4-byte int32`);
        const fieldLen = new DataView(lenEl.data.buffer, lenEl.data.byteOffset, lenEl.data.length).getInt32(0, this.le);
        const namesEl = await this.readData(s, room());
        if (fieldLen <= 0 || namesEl.data.length % fieldLen !== 0) throw this.malformed(s, `struct field names at byte ${namesEl.tag.at} do not divide into ${fieldLen}-byte names`);
        const fieldNames: string[] = [];
        for (let i = 0; i < namesEl.data.length; i += fieldLen) {
          const raw = namesEl.data.subarray(i, i + fieldLen);
          const z = raw.indexOf(0);
          fieldNames.push(new TextDecoder('latin1').decode(z >= 0 ? raw.subarray(0, z) : raw));
        }
        this.fits(s, count * fieldNames.length * 8, room(), dimsEl.tag.at, dims, 'struct fields');
        const elements: Array<Record<string, MatValue>> = [];
        for (let e = 0; e < count; e++) {
          const rec: Record<string, MatValue> = {};
          for (const f of fieldNames) rec[f] = await this.readChild(s, room(), count === 1 ? [...here, f] : [...here, e, f]);
          elements.push(rec);
        }
        value = { kind: 'struct', dims, fieldNames, elements, ...(objClass !== undefined ? { className: objClass } : {}) };
        break;
      }
      case 'char': {
        const el = await this.readData(s, room());
        value = { kind: 'char', dims, chars: this.decodeChars(el.tag.type, el.data, count, s) };
        break;
      }
      case 'sparse':
        await s.skip(room());
        value = { kind: 'skipped', reason: 'sparse matrices are not read' };
        break;
      case undefined:
        // Opaque classes (MATLAB string, function handles, tables: class 17) and others: their
        // size is known, so skip them and keep reading the rest of the file.
        await s.skip(room());
        value = { kind: 'skipped', reason: `array class ${classId} is not read` };
        break;
      default: {
        const cls = className as MatNumericClass;
        const real = await this.readNumeric(s, room(), cls, count, dims, here);
        const imag = flags & FLAG_COMPLEX ? await this.readNumeric(s, room(), cls, count, dims, here) : undefined;
        value = { kind: 'numeric', class: cls, dims, real, ...(imag ? { imag } : {}), logical: (flags & FLAG_LOGICAL) !== 0 };
      }
    }
    if (s.pos < end) await s.skip(end - s.pos);
    if (this.opts.onValue && (await this.opts.onValue(here, value)) === 'drop') value = { kind: 'skipped', reason: 'dropped by the reader' };
    return { name, value };
  }

  private async readChild(s: ByteStream, room: number, path: MatPath): Promise<MatValue> {
    const tag = await this.readTag(s, room);
    if (tag.type !== MI.MATRIX) throw this.malformed(s, `element at byte ${tag.at} of "${path.join('.')}" has data type ${tag.type}; expected miMATRIX (14)`);
    const r = await this.readMatrix(s, tag.nbytes, path);
    return r!.value;
  }

  private fits(s: ByteStream, need: number, room: number, at: number, dims: number[], what: string): void {
    if (need > room) {
      throw new DatasetError('MAT_BAD_DIMS', `${s.label}: dimensions [${dims.join(' x ')}] at byte ${at} need at least ${need} bytes of ${what}; only ${room} remain`, {
        byteOffset: at,
        dims,
      });
    }
  }

  private async readNumeric(s: ByteStream, room: number, cls: MatNumericClass, count: number, dims: number[], path: MatPath): Promise<NdData> {
    const at = s.pos;
    const el = await this.readData(s, room, true);
    const type = el.tag.type;
    const size = MI_BYTES[type];
    if (size === undefined || type === MI.UTF8 || type === MI.UTF16 || type === MI.UTF32) throw this.malformed(s, `numeric data of "${path.join('.')}" at byte ${at} has data type ${type}`);
    if (el.data.length !== count * size) {
      throw new DatasetError(
        'MAT_BAD_DIMS',
        `${s.label}: array "${path.join('.')}" has dimensions [${dims.join(' x ')}] (${count} values) but its data at byte ${at} holds ${el.data.length / size}`,
        { byteOffset: at, dims },
      );
    }
    let stored: NdData;
    if (type === MI.INT64 || type === MI.UINT64) {
      const out = new Float64Array(count);
      const dv = new DataView(el.data.buffer, el.data.byteOffset, el.data.length);
      for (let i = 0; i < count; i++) out[i] = Number(type === MI.INT64 ? dv.getBigInt64(i * 8, this.le) : dv.getBigUint64(i * 8, this.le));
      stored = out;
    } else {
      stored = decodeItems(el.data, MI_DTYPE[type]!, count, this.le, !el.tag.small);
    }
    const want = CLASS_DTYPE[cls];
    if (want === undefined) return stored instanceof Float64Array ? stored : Float64Array.from(stored);
    // MATLAB may store a class in a smaller type (doubles that are small integers as miUINT8).
    if (MI_DTYPE[type] === want) return stored;
    const out = allocNd(want, count);
    out.set(stored as ArrayLike<number>);
    return out;
  }

  private decodeChars(type: number, data: Uint8Array, count: number, s: ByteStream): string {
    if (type === MI.UTF8) return new TextDecoder('utf-8').decode(data);
    if (type === MI.UINT8 || type === MI.INT8) return new TextDecoder('latin1').decode(data);
    if (type === MI.UTF16 || type === MI.UINT16) {
      if (data.length !== count * 2) throw new DatasetError('MAT_BAD_DIMS', `${s.label}: char array of ${count} characters holds ${data.length / 2}`, { byteOffset: s.pos });
      const units = decodeItems(data, 'uint16', count, this.le) as Uint16Array;
      let out = '';
      for (let i = 0; i < units.length; i += 8192) out += String.fromCharCode(...units.subarray(i, i + 8192));
      return out;
    }
    if (type === MI.UTF32 || type === MI.INT32 || type === MI.UINT32) {
      const cps = decodeItems(data, 'uint32', data.length / 4, this.le) as Uint32Array;
      let out = '';
      for (const cp of cps) out += String.fromCodePoint(cp);
      return out;
    }
    throw this.malformed(s, `char data of type ${type}`);
  }

  malformed(s: ByteStream, what: string): DatasetError {
    return new DatasetError('MAT_MALFORMED', `${s.label}: ${what}`, { byteOffset: s.pos });
  }
}

// --- helpers for callers ------------------------------------------------------------------

function describe(v: MatValue | undefined): string {
  if (!v) return 'missing';
  return v.kind === 'numeric' ? `${v.class} [${v.dims.join('x')}]` : `${v.kind} [${'dims' in v ? v.dims.join('x') : ''}]`;
}

function layoutError(where: string, what: string, v: MatValue | undefined): DatasetError {
  return new DatasetError('BAD_LAYOUT', `${where}: expected ${what}, found ${describe(v)}`, { where });
}

/** A numeric MAT array as a row-major NdArray with MATLAB's dimensions. */
export function matToNdArray(v: MatValue | undefined, where: string): NdArray {
  if (!v || v.kind !== 'numeric') throw layoutError(where, 'a numeric array', v);
  const dtype: NdDtype = CLASS_DTYPE[v.class] ?? 'float64';
  return { dtype, shape: [...v.dims], data: columnMajorToRowMajor(v.real, v.dims) };
}

/** A real scalar (1x1 numeric). */
export function matScalar(v: MatValue | undefined, where: string): number {
  if (!v || v.kind !== 'numeric' || v.real.length !== 1) throw layoutError(where, 'a numeric scalar', v);
  return Number(v.real[0]);
}

/** A char row vector as a string (or a number's text, for datasets that store either). */
export function matText(v: MatValue | undefined, where: string): string {
  if (v && v.kind === 'char') return v.chars;
  if (v && v.kind === 'numeric' && v.real.length === 1) return String(v.real[0]);
  throw layoutError(where, 'a char array', v);
}

export function matCell(v: MatValue | undefined, where: string): MatCell {
  if (!v || v.kind !== 'cell') throw layoutError(where, 'a cell array', v);
  return v;
}

/** Field `name` of element `index` of a struct (array). */
export function matField(v: MatValue | undefined, name: string, where: string, index = 0): MatValue {
  if (!v || v.kind !== 'struct') throw layoutError(where, 'a struct', v);
  const el = v.elements[index];
  if (!el || !(name in el)) throw new DatasetError('BAD_LAYOUT', `${where}: the struct has no field "${name}" (fields: ${v.fieldNames.join(', ')})`, { where });
  return el[name]!;
}
