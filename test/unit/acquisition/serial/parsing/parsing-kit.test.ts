import { describe, expect, it } from 'vitest';
import { BitalinoEmulator } from '../../../../../src-main/acquisition/serial/bitalino/emulator.js';
import { CytonEmulator } from '../../../../../src-main/acquisition/serial/cyton/emulator.js';
import { TextEmulator } from '../../../../../src-main/acquisition/serial/text/emulator.js';
import { HimoeFrameEmulator } from '../../../../../src-main/acquisition/serial/himoe-frame/emulator.js';
import { ByteQueue } from '../../../../../src-main/acquisition/serial/parsing/byte-queue.js';
import { SampleBatcher } from '../../../../../src-main/acquisition/serial/parsing/sample-batcher.js';
import { collectingParser, runEmulator, truthInto, unmatchedSamples, type Decoded } from '../protocol-harness.js';

describe('serial parsing kit', () => {
  it('ByteQueue keeps bytes in order across growth and compaction, and never holds more than maxBytes', () => {
    const q = new ByteQueue(8, 64);
    const seen: number[] = [];
    let next = 0;
    for (let round = 0; round < 50; round++) {
      const chunk = Uint8Array.from({ length: 1 + (round % 13) }, () => next++ & 0xff);
      expect(q.append(chunk)).toBe(0);
      const take = Math.min(q.length, 1 + (round % 11));
      for (let i = 0; i < take; i++) seen.push(q.data[q.start + i]);
      q.consume(take);
      expect(q.data.length).toBeLessThanOrEqual(64);
    }
    const held = q.length;
    for (let i = 0; i < held; i++) seen.push(q.data[q.start + i]);
    expect(seen).toEqual(Array.from({ length: next }, (_, i) => i & 0xff));
    // Over the bound: the oldest bytes go, and the caller learns how many.
    expect(q.append(new Uint8Array(40).fill(7))).toBe(Math.max(0, held + 40 - 64));
    const before = q.length;
    expect(q.append(new Uint8Array(100).fill(9))).toBe(before + 100 - 64);
    expect(q.length).toBe(64);
    expect(Array.from(q.data.subarray(q.start, q.end)).every((b) => b === 9)).toBe(true);
  });

  it('SampleBatcher hands contiguous runs to the sink and starts a new chunk at a counter jump or when full', () => {
    const calls: [string, number, number[]][] = [];
    const b = new SampleBatcher('eda', 2, (key, first, values, count) => calls.push([key, first, Array.from(values.subarray(0, count * 2))]), 3);
    for (const i of [0, 1, 2, 3, 7, 8]) {
      const row = b.row(i);
      b.values[row] = i;
      b.values[row + 1] = -i;
    }
    b.flush();
    expect(calls).toEqual([
      ['eda', 0, [0, -0, 1, -1, 2, -2]],
      ['eda', 3, [3, -3]],
      ['eda', 7, [7, -7, 8, -8]],
    ]);
  });

  it('emulators inject device-side loss and wire corruption, and parsers with checksums emit none of the corrupted frames', () => {
    const emulators = [
      () => new HimoeFrameEmulator({ seed: 3, lossProbability: 0.02, corruptProbability: 0.02 }),
      () => new BitalinoEmulator({ channels: [{ key: 'ecg', sensor: 'ecg', input: 2 }], seed: 3, lossProbability: 0.01, corruptProbability: 0.02 }),
    ];
    for (const make of emulators) {
      const truth: Decoded[] = [];
      const corrupted = new Set<Decoded>();
      const emu = make();
      emu.setTruthRecorder(truthInto(truth, corrupted));
      const { samples, parser } = collectingParser(emu.protocol);
      parser.push(runEmulator(emu, 3));
      expect(corrupted.size).toBeGreaterThan(10);
      const clean = truth.filter((t) => !corrupted.has(t));
      expect(unmatchedSamples(samples, clean, 0)).toEqual([]);
      expect(samples.length).toBeGreaterThan(0.8 * clean.length);
      expect(parser.stats.badFrames).toBeGreaterThan(0);
    }
  });

  it('every parser resumes after reset() in the middle of a frame (a reconnect) with samples of the stream only', () => {
    const makers = [
      () => new CytonEmulator({ seed: 1, accelEveryPackets: 1 }),
      () => new CytonEmulator({ daisy: true, seed: 2, accelEveryPackets: 1 }),
      () => new BitalinoEmulator({ channels: [{ key: 'ecg', sensor: 'ecg', input: 2 }, { key: 'eda', sensor: 'eda', input: 3 }], seed: 3 }),
      () => new TextEmulator({ columns: [{ key: 'eda', unit: 'uS' }], rateHz: 100, counterColumn: 0, seed: 4 }),
      () => new HimoeFrameEmulator({ seed: 5 }),
    ];
    for (const make of makers) {
      const truth: Decoded[] = [];
      const emu = make();
      emu.setTruthRecorder(truthInto(truth));
      const bytes = runEmulator(emu, 3);
      const { samples, parser } = collectingParser(emu.protocol);
      const cut = Math.floor(bytes.length / 2) + 3;
      parser.push(bytes.subarray(0, cut));
      const before = samples.length;
      parser.reset();
      parser.push(bytes.subarray(cut));
      const after = samples.slice(before);
      expect(after.length, emu.protocol.name).toBeGreaterThan(0.2 * truth.length);
      // Counters restart after a reset, so compare values with indices congruent to anything.
      expect(unmatchedSamples(after, truth, 1), emu.protocol.name).toEqual([]);
    }
  });
});
