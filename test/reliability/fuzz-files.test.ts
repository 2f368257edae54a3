// Property-based fuzzing (fast-check, fixed seeds) of every file parser with mutations of valid
// seed files (byte flips, truncations, inserted random blocks, length-field edits, splices from
// another valid file): the parser either reads the input or throws its domain's typed error with a
// clear message — never another exception, never a hang, never unbounded memory.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError } from '../../src-main/storage/datasets/dataset-error.js';
import { readMatBytes } from '../../src-main/storage/datasets/mat/mat-reader.js';
import { readPickle } from '../../src-main/storage/datasets/pickle/pickle-reader.js';
import { EdfError, encodeEdf, readEdfBytes, type EdfFormat } from '../../src-main/storage/edf/index.js';
import { readXdfBytes, XdfError, XdfWriter } from '../../src-main/storage/xdf/index.js';
import { pyFixture } from '../unit/storage/datasets/fixture-helpers.js';
import { mutatedFile } from './fuzz-arbitraries.js';
import { expectTyped, fuzzProperty } from './fuzz-runner.js';

// HIMOE_FUZZ_CASES raises the count for a longer hunt (e.g. nightly); CI runs the default.
const CASES = Number(process.env.HIMOE_FUZZ_CASES ?? 2000);
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'himoe-fuzz-files-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A small valid XDF: a 4-channel float stream, an int16 stream, a marker stream, clock offsets, footers. */
async function validXdf(name: string, seconds: number): Promise<Uint8Array> {
  const path = join(dir, name);
  const w = await XdfWriter.create(path, { boundaryIntervalSec: 1 });
  const common = { sourceId: 'fuzz', channelFormat: 'float32' as const };
  const a = w.addStream({ ...common, id: 'a', name: 'A', type: 'EEG', nominalRateHz: 50, channels: ['C3', 'C4', 'O1', 'O2'].map((label) => ({ label, unit: 'microvolts' })) });
  const b = w.addStream({ ...common, id: 'b', name: 'B', type: 'ECG', channelFormat: 'int16', nominalRateHz: 20, channels: [{ label: 'ECG', unit: 'microvolts' }] });
  const m = w.addStream({ ...common, id: 'm', name: 'M', type: 'MARKER', channelFormat: 'string', nominalRateHz: 0, channels: [{ label: 'label', unit: '' }] });
  for (let s = 0; s < seconds; s++) {
    w.appendSamples(a, Float64Array.from({ length: 50 }, (_, i) => s + i / 50), Float32Array.from({ length: 200 }, (_, i) => Math.sin(i)));
    w.appendSamples(b, Float64Array.from({ length: 20 }, (_, i) => s + i / 20), Int16Array.from({ length: 20 }, (_, i) => i * 100));
    w.appendSamples(m, Float64Array.of(s + 0.5), [`stim ${s}`]);
    w.appendClockOffset(a, s, 0.01);
  }
  await w.close();
  return readFileSync(path);
}

/** Offsets of each XDF chunk's NumLengthBytes and Length fields (the framing a corruption hits hardest). */
function xdfLengthOffsets(bytes: Uint8Array): number[] {
  const out: number[] = [];
  let o = 4;
  while (o < bytes.length) {
    const nlb = bytes[o]!;
    out.push(o, o + 1);
    let len = 0;
    for (let i = 0; i < nlb; i++) len += bytes[o + 1 + i]! * 2 ** (8 * i);
    o += 1 + nlb + len;
  }
  return out;
}

function validEdf(format: EdfFormat): Uint8Array {
  return encodeEdf({
    format,
    startDate: new Date(Date.UTC(2024, 0, 2, 3, 4, 5)),
    recordDurationSec: 1,
    recordCount: 4,
    signals: [
      { label: 'EEG Fz', physicalDimension: 'uV', samplesPerRecord: 16, values: Float64Array.from({ length: 64 }, (_, i) => 50 * Math.sin(i / 3)) },
      { label: 'ECG', physicalDimension: 'mV', samplesPerRecord: 8, values: Float64Array.from({ length: 32 }, (_, i) => i / 10) },
    ],
    annotations: [
      { onsetSec: 0.5, durationSec: 1, text: 'clip 1' },
      { onsetSec: 2.25, text: 'blink' },
    ],
  }).bytes;
}

/** The ASCII header fields that size the file: header bytes, record count and duration, signal count, samples per record. */
function edfLengthOffsets(bytes: Uint8Array): number[] {
  const ns = Number(String.fromCharCode(...bytes.subarray(252, 256)).trim());
  return [184, 236, 244, 252, 256 + ns * (16 + 80 + 8 + 8 + 8 + 8 + 8 + 80)];
}

/** Offsets of the size fields of the top-level MAT v5 data elements (tag: type u32, bytes u32). */
function matLengthOffsets(bytes: Uint8Array): number[] {
  const out: number[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 128;
  while (o + 8 <= bytes.length) {
    out.push(o, o + 4, o + 8 + 4);
    const n = view.getUint32(o + 4, true);
    o += 8 + n + ((8 - (n % 8)) % 8);
  }
  return out;
}

describe('fuzzing the file parsers', () => {
  it(`XDF reader: ${CASES} mutated files read or fail with XdfError`, async () => {
    const valid = await validXdf('a.xdf', 4);
    const donor = await validXdf('b.xdf', 2);
    expect(readXdfBytes(valid).streams).toHaveLength(3);

    const seeds = [{ bytes: valid, lengthOffsets: xdfLengthOffsets(valid) }, { bytes: donor, lengthOffsets: xdfLengthOffsets(donor) }];

    const report = await fuzzProperty('readXdfBytes', mutatedFile(seeds), (bytes) => {
      try {
        readXdfBytes(bytes);
        return 'accepted';
      } catch (err) {
        return expectTyped(err, XdfError);
      }
    }, { seed: 9001, numRuns: CASES });

    // Both outcomes occur: the mutations are neither all harmless nor all fatal.
    expect(report.rejected).toBeGreaterThan(CASES / 20);
    expect(report.rejected).toBeLessThan(CASES);
  });

  for (const format of ['edf', 'bdf'] as const) {
    it(`${format.toUpperCase()} reader: ${CASES} mutated files read or fail with EdfError`, async () => {
      const valid = validEdf(format);
      const donor = validEdf(format === 'edf' ? 'bdf' : 'edf');
      expect(readEdfBytes(valid).signals.length).toBeGreaterThanOrEqual(2);

      const seeds = [{ bytes: valid, lengthOffsets: edfLengthOffsets(valid) }, { bytes: donor, lengthOffsets: edfLengthOffsets(donor) }];

      const report = await fuzzProperty(`readEdfBytes(${format})`, mutatedFile(seeds), (bytes) => {
        try {
          readEdfBytes(bytes);
          return 'accepted';
        } catch (err) {
          return expectTyped(err, EdfError);
        }
      }, { seed: 4242, numRuns: CASES });

      expect(report.rejected).toBeGreaterThan(CASES / 20);
      expect(report.rejected).toBeLessThan(CASES);
    });
  }

  it(`pickle subset reader: ${CASES} mutated numpy pickles (protocols 0 and 2) read or fail with DatasetError`, async () => {
    const p0 = join(dir, 'p0.pkl');
    const p2 = join(dir, 'p2.pkl');
    pyFixture('pickle', p0, '--protocol', '0', '--trials', '2', '--channels', '3', '--samples', '5');
    pyFixture('pickle', p2, '--protocol', '2', '--trials', '2', '--channels', '3', '--samples', '5', '--extra');
    const valid = [readFileSync(p0), readFileSync(p2)];
    readPickle(valid[0]!);
    readPickle(valid[1]!);

    const report = await fuzzProperty(
      'readPickle',
      mutatedFile(valid.map((bytes) => ({ bytes }))),
      (bytes) => {
        try {
          readPickle(bytes);
          return 'accepted';
        } catch (err) {
          return expectTyped(err, DatasetError);
        }
      },
      { seed: 77, numRuns: CASES },
    );

    expect(report.rejected).toBeGreaterThan(CASES / 20);
    expect(report.rejected).toBeLessThan(CASES);
  });

  it(`MAT reader: ${CASES} mutated v5 files (plain and zlib-compressed) read or fail with DatasetError`, async () => {
    const plain = join(dir, 'm.mat');
    const packed = join(dir, 'mz.mat');
    pyFixture('mat-misc', plain);
    pyFixture('mat-misc', packed, '--compress');
    const valid = [readFileSync(plain), readFileSync(packed)];
    await readMatBytes(valid[0]!);
    await readMatBytes(valid[1]!);

    const report = await fuzzProperty(
      'readMatBytes',
      mutatedFile(valid.map((bytes) => ({ bytes, lengthOffsets: matLengthOffsets(bytes) }))),
      async (bytes) => {
        try {
          await readMatBytes(bytes);
          return 'accepted';
        } catch (err) {
          return expectTyped(err, DatasetError);
        }
      },
      { seed: 5150, numRuns: CASES },
    );

    expect(report.rejected).toBeGreaterThan(CASES / 20);
    expect(report.rejected).toBeLessThan(CASES);
  });
});
