// fast-check arbitraries for the reliability fuzzers: mutations of valid seed files (byte flips,
// truncations, splices, inserted random blocks, length-field edits) for the file parsers, and
// hostile JSON and contract-driven request envelopes for the API and WebSocket fuzzers.
import fc from 'fast-check';
import type { z } from 'zod';
import { isRequestName, type RequestName } from '../../src-main/api/contract.js';
import { concat } from '../unit/storage/xdf/xdf-test-bytes.js';
import { defOf, paramFields, REQUEST_NAMES } from './workstation-fixture.js';

/** One edit of a byte string. Positions are taken modulo the current length, so they shrink to 0. */
export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'zero'; at: number; length: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; block: Uint8Array }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'length'; field: number; at: number; value: number; width: 1 | 2 | 4 }
  | { kind: 'splice'; at: number; donor: number; from: number; length: number; replace: number };

/** Values a corrupted length field likes to take: empty, off by one, huge, negative as signed. */
export const HOSTILE_LENGTHS = [0, 1, 2, 7, 8, 255, 256, 65535, 0x7fffffff, 0x80000000, 0xffffffff] as const;

const position = fc.nat({ max: 1 << 20 });

/** A single mutation: every kind equally likely. */
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: position, value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('zero' as const), at: position, length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({ kind: fc.constant('insert' as const), at: position, block: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({
    kind: fc.constant('length' as const),
    field: fc.nat(),
    at: position,
    value: fc.oneof({ weight: 7, arbitrary: fc.constantFrom(...HOSTILE_LENGTHS) }, { weight: 3, arbitrary: fc.nat({ max: 0xffffffff }) }),
    width: fc.constantFrom(1 as const, 2 as const, 4 as const),
  }),
  fc.record({ kind: fc.constant('splice' as const), at: position, donor: fc.nat(), from: position, length: fc.integer({ min: 1, max: 512 }), replace: fc.integer({ min: 0, max: 512 }) }),
);

/**
 * Applies `mutations` in order to a copy of `valid`. A 'length' edit writes a little-endian value
 * over one of `lengthOffsets` (the framing fields of the seed file), or over any byte when there
 * are none; a 'splice' copies a range of a donor (another valid file, or the input itself).
 */
export function applyMutations(valid: Uint8Array, mutations: readonly Mutation[], lengthOffsets: readonly number[] = [], donors: readonly Uint8Array[] = []): Uint8Array {
  // A plain copy: Buffer.prototype.slice would be a view (mutating the seed) and Buffer.fill throws past the end.
  let b: Uint8Array = new Uint8Array(valid);
  for (const m of mutations) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    switch (m.kind) {
      case 'flip':
        b[at] = b[at]! ^ (1 << m.bit);
        break;
      case 'set':
        b[at] = m.value;
        break;
      case 'zero':
        b.fill(0, at, at + m.length);
        break;
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'insert':
        b = concat([b.subarray(0, at), m.block, b.subarray(at)]);
        break;
      case 'delete':
        b = concat([b.subarray(0, at), b.subarray(at + m.length)]);
        break;
      case 'length': {
        const off = lengthOffsets.length > 0 ? lengthOffsets[m.field % lengthOffsets.length]! : at;
        for (let i = 0; i < m.width && off + i < b.length; i++) b[off + i] = (m.value >>> (8 * i)) & 0xff;
        break;
      }
      case 'splice': {
        const pool = [b, ...donors];
        const donor = pool[m.donor % pool.length]!;
        const from = donor.length === 0 ? 0 : m.from % donor.length;
        b = concat([b.subarray(0, at), donor.slice(from, from + m.length), b.subarray(Math.min(b.length, at + m.replace))]);
        break;
      }
    }
  }
  return b;
}

export interface SeedFile {
  bytes: Uint8Array;
  /** Byte offsets of the fields that size the file's parts (chunk lengths, header counts). */
  lengthOffsets?: readonly number[];
}

/**
 * A valid seed file (one of `seeds`) with 1 to `maxOps` mutations; splices draw from every seed.
 * Shrinking removes mutations and moves them towards the start of the file.
 */
export function mutatedFile(seeds: readonly SeedFile[], opts: { maxOps?: number } = {}): fc.Arbitrary<Uint8Array> {
  const donors = seeds.map((s) => s.bytes);
  return fc
    .tuple(fc.nat({ max: seeds.length - 1 }), fc.array(mutationArb, { minLength: 1, maxLength: opts.maxOps ?? 3 }))
    .map(([k, ms]) => applyMutations(seeds[k]!.bytes, ms, seeds[k]!.lengthOffsets, donors));
}

/** Strings that break naive parsers and path handling. */
export const NASTY_STRINGS = [
  '',
  ' ',
  '\u0000',
  '../x',
  '..%2f..%2fetc%2fpasswd',
  '/etc/passwd',
  'C:\\Windows\\system32',
  'a'.repeat(5000),
  '__proto__',
  'constructor',
  '\ud800',
  '{"a":1}',
  'NaN',
  '-1',
  '1e309',
] as const;

/** Numbers at the edges: zero, negatives, 2^31, 2^53, huge, NaN, infinities, fractions. */
export const EDGE_NUMBERS = [0, -0, -1, 1, 0.5, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 53), 1e308, -1e308, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MIN_VALUE] as const;

/** Text: a nasty string most of the time, otherwise any code points (lone surrogates included). */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NASTY_STRINGS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
);

const hostileNumber: fc.Arbitrary<number> = fc.oneof(fc.constantFrom(...EDGE_NUMBERS), fc.integer({ min: -1000, max: 1000 }), fc.double());

/** Any JSON-like value, with edge numbers, nasty strings and keys such as __proto__, up to depth 4. */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, undefined, true, false),
    hostileNumber,
    hostileString,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(hostileString, tie('value'), { maxKeys: 5 }),
  ),
})).value;

const PLAUSIBLE_TEXT = ['P001', 'sub-01', 'x', 'EEG', 'synthetic', 'text:/dev/null', 'a-b_c.d'] as const;

/**
 * Values for a zod schema of the API contract: of the right type most of the time (often valid, so
 * the fuzz reaches the handlers), with edge values of that type, and sometimes anything at all.
 */
export function schemaValue(schema: z.ZodType, depth = 0): fc.Arbitrary<unknown> {
  if (depth > 3) return hostileJson;
  const d = defOf(schema);
  let typed: fc.Arbitrary<unknown>;
  switch (d.type) {
    case 'default':
    case 'optional':
    case 'nullable':
      return fc.oneof({ weight: 1, arbitrary: fc.constant(undefined) }, { weight: 4, arbitrary: schemaValue(d.innerType!, depth) });
    case 'string':
      typed = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...PLAUSIBLE_TEXT) }, { weight: 2, arbitrary: hostileString });
      break;
    case 'number':
      typed = fc.oneof(fc.constantFrom(0, 1, 4, 30, 64, 256, -1, 0.5, 1e9), fc.integer({ min: 0, max: 5000 }), hostileNumber);
      break;
    case 'boolean':
      typed = fc.boolean();
      break;
    case 'enum':
      typed = fc.constantFrom(...Object.values(d.entries ?? {}));
      break;
    case 'literal':
      typed = fc.constant(d.values?.[0]);
      break;
    case 'array':
      typed = fc.array(schemaValue(d.element!, depth + 1), { maxLength: 4 });
      break;
    case 'object':
      typed = objectValue(d.shape ?? {}, depth);
      break;
    default:
      return hostileJson;
  }
  return fc.oneof({ weight: 9, arbitrary: typed }, { weight: 1, arbitrary: hostileJson });
}

/** An object with `shape`'s keys, each left out now and then, and now and then a stray key. */
function objectValue(shape: Record<string, z.ZodType>, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, fc.option(schemaValue(v, depth + 1), { freq: 10, nil: undefined })]));
  return fc.tuple(fc.record(fields), fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.tuple(hostileString, hostileJson) })).map(([o, stray]) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
    if (stray) Object.defineProperty(out, stray[0], { value: stray[1], enumerable: true, configurable: true, writable: true });
    return out;
  });
}

/** Params for request `name` drawn from its schema (near-valid). */
export function requestParams(name: RequestName): fc.Arbitrary<Record<string, unknown>> {
  return objectValue(paramFields(name), 0);
}

/**
 * A client message as the transports receive it: mostly {id, method, params} with a real method
 * and near-valid params from its schema, sometimes a random method or random params, and
 * sometimes anything at all.
 */
export const requestEnvelope: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 1, arbitrary: hostileJson },
  {
    weight: 9,
    arbitrary: fc
      .tuple(
        fc.oneof({ weight: 19, arbitrary: fc.nat({ max: 1_000_000 }) }, { weight: 1, arbitrary: hostileJson }),
        fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...REQUEST_NAMES) }, { weight: 1, arbitrary: hostileString }, { weight: 1, arbitrary: fc.string({ maxLength: 70 }) }),
      )
      .chain(([id, method]) =>
        (isRequestName(method) ? fc.oneof({ weight: 4, arbitrary: requestParams(method) }, { weight: 1, arbitrary: hostileJson }) : hostileJson).map((params) => ({ id, method, params })),
      ),
  },
);
