// Seeded fuzzing of every serial byte parser (fast-check is not installed, so the generator is
// ours): random bytes, bit flips, inserted garbage, truncated frames, and arbitrary chunk
// boundaries, checked against the emulator's ground truth. Each run is reproducible from its seed.

import { describe, expect, it } from 'vitest';
import { BitalinoEmulator } from '../../../../src-main/acquisition/serial/bitalino/emulator.js';
import type { BitalinoChannel } from '../../../../src-main/acquisition/serial/bitalino/protocol.js';
import { CytonEmulator } from '../../../../src-main/acquisition/serial/cyton/emulator.js';
import { HimoeFrameEmulator } from '../../../../src-main/acquisition/serial/himoe-frame/emulator.js';
import type { EmulatorBase } from '../../../../src-main/acquisition/serial/parsing/emulator-kit.js';
import type { SerialProtocol } from '../../../../src-main/acquisition/serial/protocol.js';
import { TextEmulator } from '../../../../src-main/acquisition/serial/text/emulator.js';
import { Rng } from '../../../../src-main/acquisition/synthetic/prng.js';
import { collectingParser, groupByKey, matchTruth, runEmulator, truthInto, type Decoded } from './protocol-harness.js';

interface FuzzTarget {
  name: string;
  make: () => EmulatorBase & { protocol: SerialProtocol };
  seconds: number;
  cases: number;
  /** Decoded indices must equal the truth's modulo this (0: exactly). */
  indexModulus: number;
  /** Frame length in the clean stream when frames are fixed-size and start at byte 0. */
  frameBytes?: number;
  /**
   * Which bits a flip may hit. 'any': the protocol checks every byte (CRC); 'one-per-frame': a
   * single flipped bit per frame (what CRC-4 is guaranteed to catch); 'framing': header/footer
   * bytes only (Cyton has no checksum over its data); 'data': anywhere (unverifiable protocols).
   */
  flips: 'any' | 'one-per-frame' | 'framing' | 'data';
  /** Strict: every decoded sample is in the truth. Otherwise at most one bad sample per mutation. */
  strict: boolean;
  /** Samples a parser may hold back at the end of the stream (awaiting confirmation). */
  heldAtEnd: number;
  /** Upper bound of the parser's retained bytes. */
  maxBufferedBytes: number;
  /** The sample before a device-side loss cannot be confirmed and is dropped (Cyton). */
  lossUnconfirmed?: boolean;
}

const BITALINO_CHANNELS: BitalinoChannel[] = [
  { key: 'ecg', sensor: 'ecg', input: 1 },
  { key: 'eda', sensor: 'eda', input: 3 },
  { key: 'eeg', sensor: 'eeg', input: 2 },
  { key: 'emg', sensor: 'emg', input: 4 },
  { key: 'raw', sensor: 'raw', input: 5 },
  { key: 'eda2', sensor: 'eda', input: 6 },
];

const TARGETS: FuzzTarget[] = [
  {
    name: 'cyton',
    make: () => new CytonEmulator({ seed: 21, accelEveryPackets: 1, lossProbability: 0.02 }),
    seconds: 1,
    cases: 1000,
    indexModulus: 256,
    frameBytes: 33,
    flips: 'framing',
    strict: true,
    heldAtEnd: 1,
    maxBufferedBytes: 33 * 4,
    lossUnconfirmed: true,
  },
  {
    name: 'cyton (flips in unchecked data bytes)',
    make: () => new CytonEmulator({ seed: 22, accelEveryPackets: 1 }),
    seconds: 1,
    cases: 500,
    indexModulus: 256,
    frameBytes: 33,
    flips: 'data',
    strict: false,
    heldAtEnd: 1,
    maxBufferedBytes: 33 * 4,
  },
  {
    name: 'cyton-daisy',
    make: () => new CytonEmulator({ daisy: true, seed: 23, accelEveryPackets: 1, lossProbability: 0.01 }),
    seconds: 1,
    cases: 1000,
    indexModulus: 128,
    frameBytes: 33,
    flips: 'framing',
    strict: true,
    heldAtEnd: 1,
    maxBufferedBytes: 33 * 4,
    lossUnconfirmed: true,
  },
  ...[1, 2, 4, 6].map(
    (n): FuzzTarget => ({
      name: `bitalino ${n} ch`,
      make: () =>
        new BitalinoEmulator({
          channels: BITALINO_CHANNELS.slice(0, n),
          seed: 30 + n,
        }),
      seconds: 0.4,
      cases: 800,
      indexModulus: 16,
      frameBytes: [3, 4, 6, 7, 8, 8][n - 1],
      flips: 'one-per-frame',
      strict: true,
      heldAtEnd: 2,
      maxBufferedBytes: 8 * 8,
    }),
  ),
  {
    name: 'text with counter column',
    make: () => new TextEmulator({ columns: [{ key: 'ecg', unit: 'mV' }, { key: 'eda', unit: 'uS' }], rateHz: 100, counterColumn: 0, seed: 40 }),
    seconds: 2,
    cases: 1500,
    indexModulus: 0,
    flips: 'data',
    strict: false,
    heldAtEnd: 0,
    maxBufferedBytes: 256,
  },
  {
    name: 'text without counter',
    make: () => new TextEmulator({ columns: [{ key: 'gsr', unit: 'uS' }], rateHz: 50, timestampColumn: 0, seed: 41 }),
    seconds: 3,
    cases: 1500,
    indexModulus: 1,
    flips: 'data',
    strict: false,
    heldAtEnd: 0,
    maxBufferedBytes: 256,
  },
  {
    name: 'himoe frames',
    make: () => new HimoeFrameEmulator({ seed: 50, lossProbability: 0.01, tickStartUs: 2 ** 32 - 500_000 }),
    // Long enough that the once-a-second descriptors at 2 s fall in the clean tail.
    seconds: 2.5,
    cases: 2000,
    indexModulus: 0,
    flips: 'any',
    strict: true,
    heldAtEnd: 0,
    maxBufferedBytes: 1100,
  },
];

interface Mutation {
  at: number;
  remove: number;
  insert: Uint8Array;
}

function randomBytes(rng: Rng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = rng.int(256);
  return b;
}

/** Random mutations of the first 70 % of `clean` (the tail stays clean so resync can be checked). */
function mutate(rng: Rng, clean: Uint8Array, t: FuzzTarget): { bytes: Uint8Array; mutations: number } {
  const zone = Math.floor(clean.length * 0.7);
  const count = 1 + rng.int(8);
  const muts: Mutation[] = [];
  const flippedFrames = new Set<number>();
  for (let k = 0; k < count; k++) {
    const kind = rng.int(3);
    const at = rng.int(zone);
    if (kind === 0) {
      muts.push({ at, remove: 0, insert: randomBytes(rng, 1 + rng.int(rng.uniform() < 0.2 ? 400 : 40)) });
    } else if (kind === 1) {
      const frame = t.frameBytes ?? 24;
      muts.push({ at, remove: 1 + rng.int(2 * frame), insert: new Uint8Array(0) });
    } else {
      let pos = at;
      if (t.frameBytes && t.flips !== 'any' && t.flips !== 'data') {
        const frame = Math.floor(at / t.frameBytes);
        if (t.flips === 'one-per-frame' && flippedFrames.has(frame)) continue;
        flippedFrames.add(frame);
        if (t.flips === 'framing') pos = frame * t.frameBytes + (rng.uniform() < 0.5 ? 0 : t.frameBytes - 1);
      }
      if (t.flips === 'data' && t.frameBytes) {
        // Cyton: channel/aux bytes only; the sample number is left alone so indices stay comparable.
        pos = Math.floor(at / t.frameBytes) * t.frameBytes + 2 + rng.int(t.frameBytes - 3);
      }
      // A Cyton footer flipped into another valid footer (0xC1..0xC6) only changes what the aux
      // bytes mean; framing flips there stay in bits 3..7 so the footer becomes invalid.
      const bit = t.flips === 'framing' && pos % (t.frameBytes ?? 1) !== 0 ? 3 + rng.int(5) : rng.int(8);
      muts.push({ at: pos, remove: 1, insert: Uint8Array.of(clean[pos] ^ (1 << bit)) });
    }
  }
  // Apply from the end so that positions refer to the clean stream; skip overlaps.
  muts.sort((a, b) => b.at - a.at);
  const parts: Uint8Array[] = [];
  let end = clean.length;
  let applied = 0;
  for (const m of muts) {
    if (m.at + m.remove > end) continue;
    parts.push(clean.subarray(m.at + m.remove, end), m.insert);
    end = m.at;
    applied++;
  }
  parts.push(clean.subarray(0, end));
  parts.reverse();
  if (process.env.FUZZ_DEBUG) lastMutations = muts.map((m) => `${m.at}-${m.remove}+${m.insert.length}`).join(' ');
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let w = 0;
  for (const p of parts) {
    bytes.set(p, w);
    w += p.length;
  }
  return { bytes, mutations: applied };
}

let lastMutations = '';


describe('serial parser fuzzing (seeded)', () => {
  for (const t of TARGETS) {
    it(`${t.name}: never throws, stays bounded, resynchronises, and emits only samples of the clean stream`, () => {
      const truth: Decoded[] = [];
      const emu = t.make();
      emu.setTruthRecorder(truthInto(truth));
      const clean = runEmulator(emu, t.seconds);
      const byKey = groupByKey(truth);
      const rng = new Rng(0xf0220 + t.name.length);
      let emitted = 0;
      let badTotal = 0;
      for (let c = 0; c < t.cases; c++) {
        const pureGarbage = c % 20 === 19;
        const { bytes, mutations } = pureGarbage ? { bytes: randomBytes(rng, 500 + rng.int(4000)), mutations: 0 } : mutate(rng, clean, t);
        const { samples, parser } = collectingParser(emu.protocol);
        const buffered = parser as unknown as { bufferedBytes: number };
        const maxChunk = rng.uniform() < 0.1 ? 2 : 300;
        for (let at = 0; at < bytes.length; ) {
          const n = 1 + rng.int(maxChunk);
          parser.push(bytes.subarray(at, at + n));
          at += n;
          if (buffered.bufferedBytes > t.maxBufferedBytes) throw new Error(`case ${c}: parser holds ${buffered.bufferedBytes} bytes`);
        }
        emitted += samples.length;
        const { unmatched: bad, matched } = matchTruth(samples, byKey, t.indexModulus, t.strict ? Infinity : 50);
        badTotal += bad.length;
        if (t.strict || pureGarbage) {
          if (t.strict && bad.length > 0 && process.env.FUZZ_DEBUG) {
            // Reproduce a failure: FUZZ_DEBUG=1 prints the mutated bytes and what was applied.
            console.log(JSON.stringify({ c, lastMutations, hex: Buffer.from(bytes).toString('hex'), bad: bad.slice(0, 3), stats: parser.stats }));
          }
          if (t.strict) expect(bad, `case ${c}: samples not in the clean stream`).toEqual([]);
        } else {
          // No checksum: a damaged number can parse. At most one damaged sample per stream and mutation.
          expect(bad.length, `case ${c}`).toBeLessThanOrEqual(mutations * Math.max(1, byKey.size) * 2);
        }
        if (!pureGarbage) {
          // Resync: the clean tail (last 10 % of the truth) is decoded, except what is held back
          // and, where the format cannot confirm it, a sample right before a device-side loss.
          for (const [, list] of byKey) {
            for (let i = Math.floor(list.length * 0.9); i < list.length - t.heldAtEnd; i++) {
              if (t.lossUnconfirmed && list[i + 1].index !== list[i].index + 1) continue;
              if (!matched.has(list[i])) {
                if (process.env.FUZZ_DEBUG) console.log(JSON.stringify({ c, lastMutations, stats: parser.stats }));
                throw new Error(`case ${c}: clean tail sample ${list[i].key}#${list[i].index} not decoded`);
              }
            }
          }
        }
      }
      // The fuzzer did exercise the parser: most of the data came through.
      expect(emitted).toBeGreaterThan(0.5 * t.cases * truth.length * 0.9);
      if (t.strict) expect(badTotal).toBe(0);
    });
  }
});
