// Property-based checks (fast-check, fixed seeds) of the invariants the parsers rest on: COBS
// round trips, the CRCs catch every single-bit error, decimals parse like Number(), and no
// parser throws or emits anything on arbitrary bytes. fuzz.test.ts checks whole streams.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bitalinoCrc4, bitalinoFrameBytes, encodeBitalinoFrame } from '../../../../src-main/acquisition/serial/bitalino/format.js';
import { BitalinoProtocol } from '../../../../src-main/acquisition/serial/bitalino/protocol.js';
import { CytonProtocol } from '../../../../src-main/acquisition/serial/cyton/protocol.js';
import { buildDataPayload, checkFrame, cobsDecode, cobsEncode, encodeFrame } from '../../../../src-main/acquisition/serial/himoe-frame/codec.js';
import { HimoeFrameProtocol } from '../../../../src-main/acquisition/serial/himoe-frame/protocol.js';
import { parseDecimal } from '../../../../src-main/acquisition/serial/text/parser.js';
import { collectingParser } from './protocol-harness.js';

const RUNS = { numRuns: 400, seed: 20261124 };

describe('serial protocol properties', () => {
  it('COBS: decode(encode(x)) = x, no zero byte inside, at most one byte of overhead per 254', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 1200 }), (x) => {
        const enc = new Uint8Array(x.length + Math.ceil(x.length / 254) + 1);
        const n = cobsEncode(x, x.length, enc);
        expect(n).toBeLessThanOrEqual(x.length + Math.ceil(x.length / 254) + 1);
        expect(enc.subarray(0, n).includes(0)).toBe(false);
        const dec = new Uint8Array(x.length + 1);
        expect(cobsDecode(enc, 0, n, dec)).toBe(x.length);
        expect(dec.subarray(0, x.length)).toEqual(x);
      }),
      RUNS,
    );
  });

  it('HiMoE frames: CRC-16 rejects every single-bit error anywhere in the decoded frame', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { minLength: 1, maxLength: 200 }), fc.nat(), (raw, bitSeed) => {
        const wire = encodeFrame((p) => buildDataPayload(p, 1, 0, 7, 9, raw, raw.length, 1, 2));
        const f = new Uint8Array(1100);
        const len = cobsDecode(wire, 0, wire.length - 1, f);
        expect(checkFrame(f, len)).toBeGreaterThan(0);
        const bit = bitSeed % (len * 8);
        f[bit >> 3] ^= 1 << (bit & 7);
        expect(checkFrame(f, len)).toBe(-1);
      }),
      RUNS,
    );
  });

  it('BITalino: CRC-4 rejects every single-bit error of a frame, for 1 to 6 channels', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(fc.integer({ min: 0, max: 1023 }), { minLength: 6, maxLength: 6 }), fc.nat(), (n, codes, bitSeed) => {
        const values = codes.slice(0, n).map((v, k) => (k < 4 ? v : v & 0x3f));
        const frame = new Uint8Array(bitalinoFrameBytes(n));
        encodeBitalinoFrame(frame, 0, values, bitSeed & 0x0f, bitSeed >> 4);
        const ok = (b: Uint8Array) => (b[b.length - 1] & 0x0f) === bitalinoCrc4(b, 0, b.length);
        expect(ok(frame)).toBe(true);
        const bit = bitSeed % (frame.length * 8);
        frame[bit >> 3] ^= 1 << (bit & 7);
        expect(ok(frame)).toBe(false);
      }),
      RUNS,
    );
  });

  it('text: a decimal as a device prints it parses to exactly Number(text)', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e9, max: 1e9, noNaN: true }), fc.integer({ min: 0, max: 9 }), (v, digits) => {
        const text = v.toFixed(digits);
        const b = new TextEncoder().encode(text);
        expect(parseDecimal(b, 0, b.length)).toBe(Number(text));
      }),
      RUNS,
    );
  });

  it('no binary parser throws or emits a sample on arbitrary bytes, in arbitrary chunks', () => {
    const protocols = [
      new CytonProtocol(),
      new CytonProtocol({ daisy: true }),
      new BitalinoProtocol({ channels: [{ key: 'ecg', sensor: 'ecg', input: 1 }] }),
      new BitalinoProtocol({ channels: [1, 2, 3, 4, 5, 6].map((input) => ({ key: `raw${input}`, sensor: 'raw' as const, input })) }),
      new HimoeFrameProtocol({ requireDescriptor: false }),
    ];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }), (bytes, sizes) => {
        for (const protocol of protocols) {
          const { samples, parser } = collectingParser(protocol);
          let k = 0;
          for (let at = 0; at < bytes.length; at += sizes[k++ % sizes.length]) parser.push(bytes.subarray(at, at + sizes[k % sizes.length]));
          expect(samples, protocol.name).toEqual([]);
        }
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});
