// repairXdf: cuts a damaged tail at the last complete valid chunk, appends the missing
// StreamFooters computed from the data, keeps the original as <file>.bak, and leaves intact
// files alone.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { StreamInfo } from '../../../../src-main/core/streams/types.js';
import { XdfError } from '../../../../src-main/storage/xdf/xdf-error.js';
import { readXdf } from '../../../../src-main/storage/xdf/xdf-reader.js';
import { repairXdf } from '../../../../src-main/storage/xdf/xdf-repair.js';
import { XdfWriter } from '../../../../src-main/storage/xdf/xdf-writer.js';
import { chunkTags, concat, fileHeader, int16Samples, streamHeader, xdf } from './xdf-test-bytes.js';

const RAW = { synchronizeClocks: false, dejitter: false } as const;
const tmp = mkdtempSync(path.join(tmpdir(), 'himoe-xdf-repair-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;
const newPath = (): string => path.join(tmp, `rec-${++fileNo}.xdf`);

const eeg: StreamInfo = {
  id: 'eeg',
  name: 'EEG',
  type: 'EEG',
  channels: [
    { label: 'Cz', unit: 'microvolts' },
    { label: 'Pz', unit: 'microvolts' },
  ],
  channelFormat: 'float32',
  nominalRateHz: 100,
  sourceId: 'amp',
};
const markers: StreamInfo = { ...eeg, id: 'mk', name: 'Markers', type: 'MARKER', channels: [{ label: 'm', unit: '' }], channelFormat: 'string', nominalRateHz: 0 };

/** A recording as a killed recorder leaves it: flushed chunks, no footers. Returns its bytes
 *  and the offset where the last Samples chunk starts. */
async function unfinishedRecording(file: string): Promise<{ bytes: Buffer; lastChunkAt: number }> {
  const w = await XdfWriter.create(file);
  const e = w.addStream(eeg);
  const m = w.addStream(markers);
  w.appendClockOffset(e, 0.5, 0.02);
  for (let k = 0; k < 5; k++) {
    w.appendChunk(e, { streamId: 'eeg', values: new Float32Array(20).fill(k), timestamps: Float64Array.from({ length: 10 }, (_, i) => (k * 10 + i) / 100), firstIndex: k * 10 });
  }
  w.appendChunk(m, { streamId: 'mk', values: ['go'], timestamps: Float64Array.of(0.25), firstIndex: 0 });
  await w.flush();
  const lastChunkAt = w.bytesWritten;
  w.appendChunk(e, { streamId: 'eeg', values: new Float32Array(20).fill(9), timestamps: Float64Array.from({ length: 10 }, (_, i) => 1 + i / 100), firstIndex: 50 });
  await w.flush();
  return { bytes: readFileSync(file), lastChunkAt };
}

describe('repairXdf', () => {
  it('cuts a truncated final chunk, keeps a byte-exact .bak, and adds footers computed from the data', async () => {
    const file = newPath();
    const { bytes, lastChunkAt } = await unfinishedRecording(file);
    const cut = bytes.subarray(0, lastChunkAt + 37);
    writeFileSync(file, cut);

    const result = await repairXdf(file);
    const f = await readXdf(file, RAW);

    expect(result).toEqual({ truncatedAtByte: lastChunkAt, bytesRemoved: 37, streamsFooted: [1, 2], backupPath: `${file}.bak` });
    expect(readFileSync(`${file}.bak`).equals(cut)).toBe(true);
    expect(f.truncatedAt).toBeNull();
    expect(f.warnings).toEqual([]);
    const e = f.streams[0]!;
    expect(e.timestamps).toHaveLength(50);
    expect(e.footer).toEqual({ firstTimestamp: 0, lastTimestamp: 0.49, sampleCount: 50 });
    expect(e.footerXml).toContain('<clock_offsets><offset><time>0.5</time><value>0.02</value></offset></clock_offsets>');
    expect(f.streams[1]!.footer).toEqual({ firstTimestamp: 0.25, lastTimestamp: 0.25, sampleCount: 1 });
  });

  it('cuts a zero-filled tail (power loss) that the reader rejects, and the result reads', async () => {
    const file = newPath();
    const { bytes } = await unfinishedRecording(file);
    writeFileSync(file, concat([bytes, new Uint8Array(4096)]));
    const rejected = await readXdf(file, RAW).then(
      () => null,
      (e: unknown) => e as XdfError,
    );

    const result = await repairXdf(file);
    const f = await readXdf(file, RAW);

    expect(rejected?.code).toBe('BAD_LENGTH');
    expect(rejected?.byteOffset).toBe(bytes.length);
    expect(result.truncatedAtByte).toBe(bytes.length);
    expect(result.bytesRemoved).toBe(4096);
    expect(f.streams[0]!.timestamps).toHaveLength(60);
    expect(f.streams[0]!.footer?.lastTimestamp).toBeCloseTo(1.09, 12);
  });

  it('leaves a complete file untouched and makes no backup', async () => {
    const file = newPath();
    const w = await XdfWriter.create(file);
    w.addStream(eeg);
    await w.close();
    const before = readFileSync(file);

    const result = await repairXdf(file);

    expect(result).toEqual({ truncatedAtByte: null, bytesRemoved: 0, streamsFooted: [], backupPath: null });
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(existsSync(`${file}.bak`)).toBe(false);
  });

  it('does not add a second footer to a stream that has one, while cutting garbage after it', async () => {
    const file = newPath();
    const w = await XdfWriter.create(file);
    w.addStream(eeg);
    await w.close();
    const closed = readFileSync(file);
    writeFileSync(file, concat([closed, new Uint8Array([4, 0xff, 0xff])]));

    const result = await repairXdf(file);

    expect(result.streamsFooted).toEqual([]);
    expect(result.bytesRemoved).toBe(3);
    expect(readFileSync(file).equals(closed)).toBe(true);
    expect(chunkTags(readFileSync(file)).filter((t) => t === 6)).toHaveLength(1);
  });

  it('writes to outPath and leaves the original as it was', async () => {
    const file = newPath();
    const out = newPath();
    const { bytes } = await unfinishedRecording(file);

    const result = await repairXdf(file, { outPath: out });

    expect(result.backupPath).toBeNull();
    expect(readFileSync(file).equals(bytes)).toBe(true);
    expect((await readXdf(out, RAW)).streams.map((s) => s.footer?.sampleCount)).toEqual([60, 1]);
  });

  it('never overwrites an earlier backup: a second repair uses <file>.bak.2', async () => {
    const file = newPath();
    const { bytes } = await unfinishedRecording(file);
    await repairXdf(file);
    writeFileSync(file, concat([readFileSync(file), new Uint8Array(10)]));

    const second = await repairXdf(file);

    expect(second.backupPath).toBe(`${file}.bak.2`);
    expect(readFileSync(`${file}.bak`).equals(bytes)).toBe(true);
  });

  it('computes footer timestamps of samples stored without a timestamp by the pyxdf rule', async () => {
    const file = newPath();
    const complete = xdf(fileHeader(), streamHeader(3, { format: 'int16', channels: 1, rate: 50 }), int16Samples(3, [[10, [1]], [null, [2]], [null, [3]]]));
    writeFileSync(file, concat([complete, int16Samples(3, [[11, [4]]]).subarray(0, 6)]));

    const result = await repairXdf(file);
    const f = await readXdf(file, RAW);

    expect(result.truncatedAtByte).toBe(complete.length);
    expect(f.streams[0]!.footer?.sampleCount).toBe(3);
    expect(f.streams[0]!.footer?.lastTimestamp).toBeCloseTo(10.04, 12);
  });

  it('refuses a file that is not XDF with BAD_MAGIC and does not touch it', async () => {
    const file = newPath();
    writeFileSync(file, 'hello world, not a recording');

    const err = await repairXdf(file).then(
      () => null,
      (e: unknown) => e as XdfError,
    );

    expect(err).toBeInstanceOf(XdfError);
    expect(err?.code).toBe('BAD_MAGIC');
    expect(readFileSync(file, 'utf8')).toBe('hello world, not a recording');
    expect(existsSync(`${file}.bak`)).toBe(false);
  });
});
