// Safe reader for the subset of Python pickles (protocols 0-2) that holds dicts, lists and tuples
// of numpy arrays and scalars: the DEAP `data_preprocessed_python/sXX.dat` files go through here.
// Nothing is ever called: the few allowed GLOBALs (numpy's array/dtype/scalar reconstructors and
// the `_codecs.encode` Python 3 uses for bytes) are interpreted by this reader, every other GLOBAL
// or opcode is a DatasetError naming it and its byte offset, and every declared length is checked
// against the bytes that remain before anything is allocated.

import { DatasetError } from '../dataset-error.js';
import { ND_ITEM_BYTES, columnMajorToRowMajor, decodeItems, shapeSize, type NdArray, type NdDtype } from '../ndarray.js';

/** A Python 2 `str` / Python 3 `bytes`. `bytes` may be a view into the pickle's buffer. */
export class PyBytes {
  constructor(readonly bytes: Uint8Array) {}
  /** The bytes as Latin-1 text (how Python 3 `encoding='latin1'` reads Python 2 strings). */
  get text(): string {
    return latin1Decode(this.bytes);
  }
}

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** A dict. Keys that were byte strings are stored as their Latin-1 text, so `d.get('data')`
 *  finds both `b'data'` (Python 2 pickles) and `'data'`. */
export class PyDict {
  readonly map = new Map<string | number | boolean | null, PyValue>();
  get(key: string | number): PyValue | undefined {
    return this.map.get(key);
  }
}

export type PyValue = null | boolean | number | string | PyBytes | PyTuple | PyDict | NdArray | PyValue[];

export interface PickleReadOptions {
  /** Name of the input for error messages (a file path). */
  source?: string;
  /** Copy array data out of the input (default false: an aligned little-endian C-order array
   *  is a view on the input buffer, which the caller then must not modify). */
  copyArrays?: boolean;
}

/** The numpy reconstructors this reader interprets, plus the byte constructors of Python 3. */
type AllowedGlobal = 'reconstruct' | 'ndarray' | 'dtype' | 'scalar' | 'codecs_encode' | 'bytes';

const ALLOWED_GLOBALS: Record<string, AllowedGlobal> = {
  'numpy.core.multiarray _reconstruct': 'reconstruct',
  'numpy._core.multiarray _reconstruct': 'reconstruct',
  'numpy ndarray': 'ndarray',
  'numpy dtype': 'dtype',
  'numpy.core.multiarray scalar': 'scalar',
  'numpy._core.multiarray scalar': 'scalar',
  '_codecs encode': 'codecs_encode',
  '__builtin__ bytes': 'bytes',
  'builtins bytes': 'bytes',
};

class GlobalRef {
  constructor(readonly kind: AllowedGlobal, readonly name: string) {}
}


class DtypeObj {
  littleEndian: boolean;
  constructor(readonly dtype: NdDtype) {
    this.littleEndian = true;
  }
}

/** `_reconstruct(ndarray, (0,), b'b')`: an empty array waiting for its BUILD state. */
class PendingArray {
  array: NdArray | null = null;
}

/** Deeper nesting than any numpy data file needs; bounds the recursion of finish(). */
const MAX_NESTING = 256;

const MARK = Symbol('mark');
type StackItem = PyValue | GlobalRef | DtypeObj | PendingArray | typeof MARK;

const OPCODE_NAMES: Record<number, string> = {
  0x28: 'MARK', 0x2e: 'STOP', 0x30: 'POP', 0x31: 'POP_MARK', 0x32: 'DUP', 0x46: 'FLOAT', 0x49: 'INT', 0x4a: 'BININT',
  0x4b: 'BININT1', 0x4c: 'LONG', 0x4d: 'BININT2', 0x4e: 'NONE', 0x50: 'PERSID', 0x51: 'BINPERSID', 0x52: 'REDUCE',
  0x53: 'STRING', 0x54: 'BINSTRING', 0x55: 'SHORT_BINSTRING', 0x56: 'UNICODE', 0x58: 'BINUNICODE', 0x61: 'APPEND',
  0x62: 'BUILD', 0x63: 'GLOBAL', 0x64: 'DICT', 0x7d: 'EMPTY_DICT', 0x65: 'APPENDS', 0x67: 'GET', 0x68: 'BINGET',
  0x69: 'INST', 0x6a: 'LONG_BINGET', 0x6c: 'LIST', 0x5d: 'EMPTY_LIST', 0x6f: 'OBJ', 0x70: 'PUT', 0x71: 'BINPUT',
  0x72: 'LONG_BINPUT', 0x73: 'SETITEM', 0x74: 'TUPLE', 0x29: 'EMPTY_TUPLE', 0x75: 'SETITEMS', 0x47: 'BINFLOAT',
  0x80: 'PROTO', 0x81: 'NEWOBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x85: 'TUPLE1', 0x86: 'TUPLE2',
  0x87: 'TUPLE3', 0x88: 'NEWTRUE', 0x89: 'NEWFALSE', 0x8a: 'LONG1', 0x8b: 'LONG4', 0x42: 'BINBYTES',
  0x43: 'SHORT_BINBYTES', 0x8c: 'SHORT_BINUNICODE', 0x8d: 'BINUNICODE8', 0x8e: 'BINBYTES8', 0x8f: 'EMPTY_SET',
  0x90: 'ADDITEMS', 0x91: 'FROZENSET', 0x92: 'NEWOBJ_EX', 0x93: 'STACK_GLOBAL', 0x94: 'MEMOIZE', 0x95: 'FRAME',
  0x96: 'BYTEARRAY8', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

const DTYPE_CODES: Record<string, NdDtype> = {
  f4: 'float32',
  f8: 'float64',
  i1: 'int8',
  u1: 'uint8',
  i2: 'int16',
  u2: 'uint16',
  i4: 'int32',
  u4: 'uint32',
  b1: 'uint8',
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

function latin1Decode(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + 8192)));
  return s;
}

/** Latin-1 encoding of a string whose code points are all < 256 (else null). */
function latin1Encode(s: string): Uint8Array | null {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 255) return null;
    out[i] = c;
  }
  return out;
}

/** Reads a pickle (protocol 0, 1 or 2) without executing anything. */
export function readPickle(bytes: Uint8Array, opts: PickleReadOptions = {}): PyValue {
  return new PickleParser(bytes, opts.source ?? 'pickle', !opts.copyArrays).run();
}

class PickleParser {
  private pos = 0;
  private stack: StackItem[] = [];
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, StackItem>();
  private readonly view: DataView;
  private opStart = 0;
  private opName = '';

  constructor(
    private readonly bytes: Uint8Array,
    private readonly source: string,
    private readonly aliasArrays: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  run(): PyValue {
    const b = this.bytes;
    for (;;) {
      if (this.pos >= b.length) this.truncated('an opcode (the pickle ends without STOP)');
      this.opStart = this.pos;
      const op = b[this.pos++]!;
      this.opName = OPCODE_NAMES[op] ?? `0x${op.toString(16).padStart(2, '0')}`;
      switch (op) {
        case 0x80: {
          // PROTO
          const proto = this.u8();
          if (proto > 2) this.fail('PICKLE_OPCODE', `pickle protocol ${proto} is not supported; expected protocol 0, 1 or 2`);
          break;
        }
        case 0x2e: {
          // STOP
          const v = this.pop();
          return this.finish(v);
        }
        case 0x28:
          this.marks.push(this.stack.length);
          break;
        case 0x30:
          this.pop();
          break;
        case 0x31:
          this.popMark();
          break;
        case 0x32:
          this.push(this.peek());
          break;
        case 0x4e:
          this.push(null);
          break;
        case 0x88:
          this.push(true);
          break;
        case 0x89:
          this.push(false);
          break;
        case 0x49:
          this.push(this.parseIntLine(this.line()));
          break;
        case 0x4a:
          this.need(4);
          this.push(this.view.getInt32(this.pos, true));
          this.pos += 4;
          break;
        case 0x4b:
          this.push(this.u8());
          break;
        case 0x4d:
          this.need(2);
          this.push(this.view.getUint16(this.pos, true));
          this.pos += 2;
          break;
        case 0x4c: {
          // LONG: decimal digits with an optional trailing 'L'
          const s = latin1Decode(this.line()).replace(/L$/, '');
          this.push(this.parseDecimal(s));
          break;
        }
        case 0x8a:
          this.push(this.longBytes(this.u8()));
          break;
        case 0x8b: {
          const n = this.i32();
          this.push(this.longBytes(n));
          break;
        }
        case 0x46: {
          // Python's repr: digits, or inf / -inf / nan.
          const s = latin1Decode(this.line()).trim();
          const special = /^([+-]?)(inf|nan)$/i.exec(s);
          const v = special ? (special[2]!.toLowerCase() === 'nan' ? Number.NaN : special[1] === '-' ? -Infinity : Infinity) : Number(s);
          if (s === '' || (Number.isNaN(v) && !special)) this.fail('PICKLE_MALFORMED', `FLOAT "${s.slice(0, 40)}" is not a number`);
          this.push(v);
          break;
        }
        case 0x47:
          this.need(8);
          this.push(this.view.getFloat64(this.pos, false));
          this.pos += 8;
          break;
        case 0x53:
          this.push(new PyBytes(this.parseQuotedString(this.line())));
          break;
        case 0x54: {
          const n = this.i32();
          this.push(new PyBytes(this.take(n)));
          break;
        }
        case 0x55:
          this.push(new PyBytes(this.take(this.u8())));
          break;
        case 0x56:
          this.push(decodeRawUnicodeEscape(this.line()));
          break;
        case 0x58: {
          const n = this.view.getUint32(this.need(4), true);
          this.pos += 4;
          const raw = this.take(n);
          try {
            this.push(utf8.decode(raw));
          } catch {
            this.fail('PICKLE_MALFORMED', 'BINUNICODE holds bytes that are not UTF-8');
          }
          break;
        }
        case 0x29:
          this.push(new PyTuple([]));
          break;
        case 0x74:
          this.push(new PyTuple(this.values(this.popMark())));
          break;
        case 0x85:
        case 0x86:
        case 0x87: {
          const n = op - 0x84;
          if (this.stack.length - this.floor() < n) this.fail('PICKLE_MALFORMED', `${this.opName} needs ${n} items on the stack`);
          this.push(new PyTuple(this.values(this.stack.splice(this.stack.length - n, n))));
          break;
        }
        case 0x5d:
          this.push([]);
          break;
        case 0x6c:
          this.push(this.values(this.popMark()));
          break;
        case 0x61: {
          const v = this.value(this.pop());
          this.list().push(v);
          break;
        }
        case 0x65: {
          const items = this.values(this.popMark());
          const list = this.list();
          for (const v of items) list.push(v);
          break;
        }
        case 0x7d:
          this.push(new PyDict());
          break;
        case 0x64: {
          const items = this.values(this.popMark());
          const d = new PyDict();
          this.setItems(d, items);
          this.push(d);
          break;
        }
        case 0x73: {
          const v = this.value(this.pop());
          const k = this.value(this.pop());
          this.setItems(this.dict(), [k, v]);
          break;
        }
        case 0x75: {
          const items = this.values(this.popMark());
          this.setItems(this.dict(), items);
          break;
        }
        case 0x70:
          this.memo.set(this.parseMemoIndex(this.line()), this.peek());
          break;
        case 0x71:
          this.memo.set(this.u8(), this.peek());
          break;
        case 0x72:
          this.memo.set(this.view.getUint32(this.need(4), true), this.peek());
          this.pos += 4;
          break;
        case 0x67:
          this.push(this.memoGet(this.parseMemoIndex(this.line())));
          break;
        case 0x68:
          this.push(this.memoGet(this.u8()));
          break;
        case 0x6a: {
          const i = this.view.getUint32(this.need(4), true);
          this.pos += 4;
          this.push(this.memoGet(i));
          break;
        }
        case 0x63: {
          const module = latin1Decode(this.line());
          const name = latin1Decode(this.line());
          const key = `${module} ${name}`;
          const kind = ALLOWED_GLOBALS[key];
          if (!kind) {
            this.fail(
              'PICKLE_GLOBAL',
              `GLOBAL ${module}.${name} is not allowed; only numpy's array reconstructors (numpy.core.multiarray._reconstruct, ` +
                'numpy.ndarray, numpy.dtype, numpy.core.multiarray.scalar) and _codecs.encode are read, nothing is executed',
            );
          }
          this.push(new GlobalRef(kind, `${module}.${name}`));
          break;
        }
        case 0x52: {
          const args = this.pop();
          const fn = this.pop();
          this.push(this.reduce(fn, args));
          break;
        }
        case 0x62: {
          const state = this.pop();
          const target = this.peek();
          this.build(target, state);
          break;
        }
        default:
          this.fail('PICKLE_OPCODE', `opcode ${this.opName} is not in the allowed subset (dicts, lists, tuples of numpy arrays and scalars)`);
      }
    }
  }

  // --- reconstructors --------------------------------------------------------------------

  private reduce(fn: StackItem, args: StackItem): StackItem {
    if (!(fn instanceof GlobalRef)) this.fail('PICKLE_MALFORMED', 'REDUCE applies only to an allowed GLOBAL');
    if (!(args instanceof PyTuple)) this.fail('PICKLE_MALFORMED', `REDUCE of ${fn.name} needs an argument tuple`);
    const a = args.items;
    switch (fn.kind) {
      case 'reconstruct': {
        const cls = a[0] as unknown;
        if (!(cls instanceof GlobalRef) || cls.kind !== 'ndarray') this.fail('PICKLE_MALFORMED', `${fn.name} is read only for numpy.ndarray`);
        return new PendingArray();
      }
      case 'dtype': {
        const code = this.text(a[0], 'the dtype code');
        const m = /^([<>|=]?)([a-z]\d+)$/.exec(code);
        const dtype = m ? DTYPE_CODES[m[2]!] : undefined;
        if (!dtype) {
          throw new DatasetError('UNSUPPORTED_DTYPE', `${this.source}: numpy dtype "${code}" at byte ${this.opStart} is not supported; expected f4, f8, i1/u1, i2/u2 or i4/u4`, {
            byteOffset: this.opStart,
            dtype: code,
          });
        }
        const d = new DtypeObj(dtype);
        if (m![1] === '>') d.littleEndian = false;
        return d;
      }
      case 'scalar': {
        const d = a[0] as unknown;
        if (!(d instanceof DtypeObj)) this.fail('PICKLE_MALFORMED', `${fn.name} needs a dtype as its first argument`);
        const raw = this.rawBytes(a[1], 'the scalar bytes');
        const size = ND_ITEM_BYTES[d.dtype];
        if (raw.length !== size) this.fail('PICKLE_MALFORMED', `${fn.name}: ${raw.length} bytes for a ${d.dtype} scalar; expected ${size}`);
        return Number(decodeItems(raw, d.dtype, 1, d.littleEndian)[0]);
      }
      case 'codecs_encode': {
        const s = this.text(a[0], 'the text to encode');
        const enc = a.length > 1 ? this.text(a[1], 'the encoding') : 'utf-8';
        if (enc !== 'latin1' && enc !== 'latin-1' && enc !== 'iso-8859-1') this.fail('PICKLE_MALFORMED', `_codecs.encode with encoding "${enc}"; expected latin1`);
        const out = latin1Encode(s);
        if (!out) this.fail('PICKLE_MALFORMED', '_codecs.encode(..., "latin1") of text with code points above 255');
        return new PyBytes(out);
      }
      case 'bytes':
        if (a.length !== 0) this.fail('PICKLE_MALFORMED', `${fn.name} is read only without arguments (empty bytes)`);
        return new PyBytes(new Uint8Array(0));
      case 'ndarray':
        return this.fail('PICKLE_MALFORMED', 'numpy.ndarray is only accepted as the argument of _reconstruct');
    }
  }

  private build(target: StackItem, state: StackItem): void {
    if (target instanceof DtypeObj) {
      if (!(state instanceof PyTuple)) this.fail('PICKLE_MALFORMED', 'BUILD of a numpy.dtype needs a state tuple');
      const order = state.items[1];
      const endian = typeof order === 'string' ? order : order instanceof PyBytes ? order.text : '';
      if (endian === '>') target.littleEndian = false;
      else if (endian === '<' || endian === '|' || endian === '=') target.littleEndian = endian !== '=' || littleEndianHost();
      else this.fail('PICKLE_MALFORMED', `numpy.dtype state has byte order "${endian}"; expected <, >, | or =`);
      return;
    }
    if (target instanceof PendingArray) {
      if (!(state instanceof PyTuple)) this.fail('PICKLE_MALFORMED', 'BUILD of a numpy array needs a state tuple');
      // (version, shape, dtype, isFortran, data) - or, in very old numpy, without the version.
      const s = state.items.length === 5 ? state.items.slice(1) : state.items;
      if (s.length !== 4) this.fail('PICKLE_MALFORMED', `numpy array state has ${state.items.length} items; expected 5`);
      const [shapeItem, dtypeItem, fortranItem, dataItem] = s as unknown[];
      if (!(shapeItem instanceof PyTuple) || !shapeItem.items.every((x) => typeof x === 'number')) {
        this.fail('PICKLE_MALFORMED', 'numpy array state: the shape is not a tuple of integers');
      }
      if (!(dtypeItem instanceof DtypeObj)) this.fail('PICKLE_MALFORMED', 'numpy array state: the dtype is not a numpy.dtype');
      const shape = shapeItem.items as number[];
      const count = shapeSize(shape, `${this.source}: numpy array at byte ${this.opStart}`);
      const raw = this.rawBytes(dataItem as StackItem, 'the array data');
      const itemBytes = ND_ITEM_BYTES[dtypeItem.dtype];
      if (raw.length !== count * itemBytes) {
        this.fail('PICKLE_MALFORMED', `numpy array of shape [${shape.join(', ')}] ${dtypeItem.dtype} needs ${count * itemBytes} bytes; the data has ${raw.length}`);
      }
      // Only bytes that are the input's own (not text re-encoded by _codecs.encode) may be aliased.
      const ownBytes = raw.buffer === this.bytes.buffer;
      let data = decodeItems(raw, dtypeItem.dtype, count, dtypeItem.littleEndian, this.aliasArrays && ownBytes);
      if (fortranItem === true || fortranItem === 1) data = columnMajorToRowMajor(data, shape);
      target.array = { dtype: dtypeItem.dtype, shape: [...shape], data };
      return;
    }
    this.fail('PICKLE_MALFORMED', 'BUILD applies only to numpy arrays and dtypes');
  }

  // --- stack and values ------------------------------------------------------------------

  /** The STOP value with every array resolved; internal objects left in it are an error. */
  private finish(v: StackItem): PyValue {
    const seen = new Set<object>();
    let depth = 0;
    const resolve = (x: StackItem): PyValue => {
      if (x instanceof PendingArray) {
        if (!x.array) this.fail('PICKLE_MALFORMED', 'a numpy array never got its BUILD state');
        return x.array;
      }
      if (x instanceof GlobalRef || x instanceof DtypeObj || x === MARK) {
        return this.fail('PICKLE_MALFORMED', `the result holds ${x === MARK ? 'a MARK' : x instanceof GlobalRef ? x.name : 'a bare numpy.dtype'}, which is not data`);
      }
      if (x === null || typeof x !== 'object' || x instanceof PyBytes || seen.has(x)) return x;
      seen.add(x);
      if (++depth > MAX_NESTING) this.fail('PICKLE_MALFORMED', `containers nested deeper than ${MAX_NESTING} levels`);
      if (Array.isArray(x)) for (let i = 0; i < x.length; i++) x[i] = resolve(x[i]!);
      else if (x instanceof PyTuple) for (let i = 0; i < x.items.length; i++) x.items[i] = resolve(x.items[i]!);
      else if (x instanceof PyDict) for (const [k, val] of x.map) x.map.set(k, resolve(val));
      depth--;
      return x;
    };
    return resolve(v);
  }

  /** Items for containers, kept as they are (an array's BUILD may come later; tuples carry
   *  reconstructor arguments); finish() resolves them. */
  private values(items: StackItem[]): PyValue[] {
    return items as PyValue[];
  }

  private value(v: StackItem): PyValue {
    return v as PyValue;
  }

  private setItems(d: PyDict, items: PyValue[]): void {
    if (items.length % 2 !== 0) this.fail('PICKLE_MALFORMED', `${this.opName} has an odd number of items`);
    for (let i = 0; i < items.length; i += 2) {
      const k = items[i] as unknown;
      let key: string | number | boolean | null;
      if (k instanceof PyBytes) key = k.text;
      else if (typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean' || k === null) key = k;
      else return this.fail('PICKLE_MALFORMED', 'dict key is not a string, number, bool or None');
      d.map.set(key, items[i + 1]!);
    }
  }

  private list(): PyValue[] {
    const l = this.peek();
    if (!Array.isArray(l)) this.fail('PICKLE_MALFORMED', `${this.opName} needs a list on the stack`);
    return l;
  }

  private dict(): PyDict {
    const d = this.peek();
    if (!(d instanceof PyDict)) this.fail('PICKLE_MALFORMED', `${this.opName} needs a dict on the stack`);
    return d;
  }

  private floor(): number {
    return this.marks.length > 0 ? this.marks[this.marks.length - 1]! : 0;
  }

  private push(v: StackItem): void {
    this.stack.push(v);
  }

  private pop(): StackItem {
    if (this.stack.length <= this.floor()) this.fail('PICKLE_MALFORMED', `${this.opName} on an empty stack`);
    return this.stack.pop()!;
  }

  private peek(): StackItem {
    if (this.stack.length <= this.floor()) this.fail('PICKLE_MALFORMED', `${this.opName} on an empty stack`);
    return this.stack[this.stack.length - 1]!;
  }

  private popMark(): StackItem[] {
    const m = this.marks.pop();
    if (m === undefined) this.fail('PICKLE_MALFORMED', `${this.opName} without a MARK`);
    return this.stack.splice(m!);
  }

  private memoGet(i: number): StackItem {
    const v = this.memo.get(i);
    if (v === undefined) this.fail('PICKLE_MALFORMED', `memo entry ${i} was never stored`);
    return v!;
  }

  private text(v: unknown, what: string): string {
    if (typeof v === 'string') return v;
    if (v instanceof PyBytes) return v.text;
    return this.fail('PICKLE_MALFORMED', `${what} is not a string`);
  }

  private rawBytes(v: unknown, what: string): Uint8Array {
    if (v instanceof PyBytes) return v.bytes;
    if (typeof v === 'string') {
      const b = latin1Encode(v);
      if (b) return b;
    }
    return this.fail('PICKLE_MALFORMED', `${what} is not a byte string`);
  }

  // --- byte-level reading ----------------------------------------------------------------

  /** Checks that n more bytes exist; returns the current position. */
  private need(n: number): number {
    if (n > this.bytes.length - this.pos) this.truncated(`${n} bytes`);
    return this.pos;
  }

  private u8(): number {
    this.need(1);
    return this.bytes[this.pos++]!;
  }

  private i32(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** n bytes as a view into the input; the declared length is checked before anything else. */
  private take(n: number): Uint8Array {
    if (n < 0) this.fail('PICKLE_MALFORMED', `${this.opName} declares a negative length ${n}`);
    if (n > this.bytes.length - this.pos) {
      this.fail('PICKLE_TRUNCATED', `${this.opName} declares ${n} bytes but only ${this.bytes.length - this.pos} remain`);
    }
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** Bytes up to the next newline (excluded). */
  private line(): Uint8Array {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) this.truncated('a newline-terminated argument');
    const v = this.bytes.subarray(this.pos, end);
    this.pos = end + 1;
    return v;
  }

  private parseIntLine(raw: Uint8Array): number | boolean {
    const s = latin1Decode(raw).trim();
    if (s === '00') return false; // protocol 0 spelling of False/True
    if (s === '01') return true;
    return this.parseDecimal(s.replace(/L$/, ''));
  }

  private parseDecimal(s: string): number {
    if (!/^[+-]?\d{1,400}$/.test(s)) this.fail('PICKLE_MALFORMED', `"${s.slice(0, 40)}" is not an integer`);
    return Number(s);
  }

  private parseMemoIndex(raw: Uint8Array): number {
    const s = latin1Decode(raw);
    if (!/^\d{1,10}$/.test(s)) this.fail('PICKLE_MALFORMED', `memo index "${s.slice(0, 40)}" is not an integer`);
    return Number(s);
  }

  /** LONG1/LONG4: little-endian two's complement of n bytes, as a Number (may lose precision
   *  beyond 2^53, which numpy pickles never need). */
  private longBytes(n: number): number {
    if (n > 64) this.fail('PICKLE_MALFORMED', `${this.opName} of ${n} bytes; integers above 512 bits are not read`);
    const b = this.take(n);
    if (n === 0) return 0;
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + b[i]!;
    if (b[n - 1]! & 0x80) v -= 2 ** (8 * n);
    return v;
  }

  /** Protocol 0 STRING: a Python repr, quoted with ' or ", with backslash escapes. */
  private parseQuotedString(raw: Uint8Array): Uint8Array {
    const q = raw[0];
    if (raw.length < 2 || (q !== 0x27 && q !== 0x22) || raw[raw.length - 1] !== q) this.fail('PICKLE_MALFORMED', 'STRING argument is not quoted');
    const out = new Uint8Array(raw.length - 2);
    let o = 0;
    for (let i = 1; i < raw.length - 1; i++) {
      const c = raw[i]!;
      if (c !== 0x5c) {
        out[o++] = c;
        continue;
      }
      const e = raw[++i];
      switch (e) {
        case 0x6e: out[o++] = 0x0a; break; // \n
        case 0x74: out[o++] = 0x09; break; // \t
        case 0x72: out[o++] = 0x0d; break; // \r
        case 0x61: out[o++] = 0x07; break; // \a
        case 0x62: out[o++] = 0x08; break; // \b
        case 0x66: out[o++] = 0x0c; break; // \f
        case 0x76: out[o++] = 0x0b; break; // \v
        case 0x5c: case 0x27: case 0x22: out[o++] = e; break;
        case 0x78: {
          const h = latin1Decode(raw.subarray(i + 1, i + 3));
          if (!/^[0-9a-fA-F]{2}$/.test(h)) this.fail('PICKLE_MALFORMED', `bad \\x escape in STRING`);
          out[o++] = parseInt(h, 16);
          i += 2;
          break;
        }
        default:
          if (e !== undefined && e >= 0x30 && e <= 0x37) {
            let v = 0;
            let k = 0;
            while (k < 3 && raw[i + k] !== undefined && raw[i + k]! >= 0x30 && raw[i + k]! <= 0x37 && i + k < raw.length - 1) v = v * 8 + (raw[i + k++]! - 0x30);
            out[o++] = v & 0xff;
            i += k - 1;
          } else {
            out[o++] = 0x5c;
            if (e !== undefined) out[o++] = e;
          }
      }
    }
    return out.slice(0, o);
  }

  private truncated(what: string): never {
    return this.fail('PICKLE_TRUNCATED', `the pickle ends early: expected ${what}`);
  }

  private fail(code: 'PICKLE_OPCODE' | 'PICKLE_GLOBAL' | 'PICKLE_TRUNCATED' | 'PICKLE_MALFORMED', what: string): never {
    throw new DatasetError(code, `${this.source}: byte ${this.opStart} (${this.opName}): ${what}`, {
      byteOffset: this.opStart,
      opcode: this.opName,
      source: this.source,
    });
  }
}

function littleEndianHost(): boolean {
  return new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
}

/** Protocol 0 UNICODE argument: Latin-1 bytes with \uXXXX and \UXXXXXXXX escapes. */
function decodeRawUnicodeEscape(raw: Uint8Array): string {
  const s = latin1Decode(raw);
  if (!s.includes('\\')) return s;
  return s.replace(/\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})/g, (_m, u4: string | undefined, u8: string | undefined) =>
    String.fromCodePoint(parseInt(u4 ?? u8!, 16)),
  );
}
