// Reader conformance: files written by other tools (../shared/fixtures/xdf), hand-built edge
// cases (timestamps left out, unknown tags), and damaged files that must fail with a clear
// XdfError naming the byte offset and without a large allocation.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readXdf, readXdfBytes, type XdfStream } from '../../../../src-main/storage/xdf/xdf-reader.js';
import { XdfError } from '../../../../src-main/storage/xdf/xdf-error.js';
import {
  BOUNDARY,
  chunk,
  concat,
  f64,
  fileHeader,
  int16Samples,
  streamHeader,
  text,
  u32,
  u64,
  u8,
  xdf,
} from './xdf-test-bytes.js';

const FIXTURES = path.resolve(process.cwd(), '../shared/fixtures/xdf');
const RAW = { synchronizeClocks: false, dejitter: false } as const;
const tmp = mkdtempSync(path.join(tmpdir(), 'himoe-xdf-reader-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function byId(streams: XdfStream[], id: number): XdfStream {
  const s = streams.find((x) => x.id === id);
  if (!s) throw new Error(`stream ${id} missing; have ${streams.map((x) => x.id).join(', ')}`);
  return s;
}

function expectCloseArray(actual: ArrayLike<number>, expected: number[], digits = 9): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(actual[i]).toBeCloseTo(expected[i]!, digits);
}

function catchXdf(fn: () => unknown): XdfError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(XdfError);
    return err as XdfError;
  }
  throw new Error('expected an XdfError, nothing was thrown');
}

const MINIMAL_TS = [5.1, 5.2, 5.3, 5.4, 5.5, 5.6, 5.7, 5.8, 5.9];

describe('readXdf on minimal.xdf (XDF maintainers fixture)', () => {
  it('returns the documented raw int16 rows, timestamps, clock offsets and footer of stream 0', async () => {
    const f = await readXdf(path.join(FIXTURES, 'minimal.xdf'), RAW);

    const s = byId(f.streams, 0);
    expect(f.truncatedAt).toBeNull();
    expect(f.fileHeader.version).toBe('1.0');
    expect(s.info).toMatchObject({ id: '0', name: 'SendDataC', type: 'EEG', channelFormat: 'int16', nominalRateHz: 10, sourceId: '' });
    expect(s.channelCount).toBe(3);
    expect(s.timeSeries).toBeInstanceOf(Int16Array);
    expect(Array.from(s.timeSeries as Int16Array)).toEqual([
      192, 255, 238, 12, 22, 32, 13, 23, 33, 14, 24, 34, 15, 25, 35, 12, 22, 32, 13, 23, 33, 14, 24, 34, 15, 25, 35,
    ]);
    expectCloseArray(s.timestamps, MINIMAL_TS);
    expect(Array.from(s.clockOffsets.times)).toEqual([6.1, 7.1]);
    expect(Array.from(s.clockOffsets.values)).toEqual([-0.1, -0.1]);
    expect(s.footer).toEqual({ firstTimestamp: 5.1, lastTimestamp: 5.9, sampleCount: 9 });
  });

  it('reads the string stream with uint32 id 0x02C0FFEE whose first value is an XML footer string', async () => {
    const f = await readXdf(path.join(FIXTURES, 'minimal.xdf'), RAW);

    const s = byId(f.streams, 0x02c0ffee);
    expect(s.info.id).toBe('46202862');
    expect(s.info).toMatchObject({ name: 'SendDataString', type: 'StringMarker', channelFormat: 'string', nominalRateHz: 10 });
    const values = s.timeSeries as string[];
    expect(values).toHaveLength(9);
    expect(values[0]).toMatch(/^<\?xml version="1.0"\?><info><writer>LabRecorder xdfwriter<\/writer>/);
    expect(values.slice(1)).toEqual(['Hello', 'World', 'from', 'LSL', 'Hello', 'World', 'from', 'LSL']);
    expectCloseArray(s.timestamps, MINIMAL_TS);
    expect(s.clockOffsets.times).toHaveLength(0);
  });

  it('shifts stream 0 by the fitted clock offset of -0.1 s when synchronising, and leaves the string stream alone', async () => {
    const f = await readXdf(path.join(FIXTURES, 'minimal.xdf'), { synchronizeClocks: true, dejitter: false });

    expectCloseArray(byId(f.streams, 0).timestamps, MINIMAL_TS.map((t) => t - 0.1));
    expectCloseArray(byId(f.streams, 0x02c0ffee).timestamps, MINIMAL_TS);
  });

  it('reports one segment and the (n-1)/duration rate when dejittering is off, and the fit when on', async () => {
    const raw = await readXdf(path.join(FIXTURES, 'minimal.xdf'), RAW);
    const dejittered = await readXdf(path.join(FIXTURES, 'minimal.xdf'), { synchronizeClocks: false, dejitter: true });

    expect(byId(raw.streams, 0).segments).toEqual([[0, 8]]);
    expect(byId(raw.streams, 0).effectiveRateHz).toBeCloseTo(10, 6);
    expect(byId(dejittered.streams, 0).segments).toEqual([[0, 8]]);
    expect(byId(dejittered.streams, 0).effectiveRateHz).toBeCloseTo(10, 6);
    expectCloseArray(byId(dejittered.streams, 0).timestamps, MINIMAL_TS);
  });
});

describe('readXdf on empty_streams.xdf (LSL tools fixture)', () => {
  it('returns all four streams, the two empty ones with zero samples', async () => {
    const f = await readXdf(path.join(FIXTURES, 'empty_streams.xdf'), RAW);

    expect(f.streams.map((s) => s.id).sort()).toEqual([1, 2, 3, 4]);
    const empty2 = byId(f.streams, 2);
    expect(empty2.info).toMatchObject({ name: 'Empty marker stream: test stream 0 counter', channelFormat: 'string', nominalRateHz: 0 });
    expect(empty2.timestamps).toHaveLength(0);
    expect(empty2.timeSeries).toHaveLength(0);
    const empty3 = byId(f.streams, 3);
    expect(empty3.info).toMatchObject({ name: 'Empty data stream: test stream 0 counter', channelFormat: 'float32', nominalRateHz: 1 });
    expect(empty3.info.channels.map((c) => c.label)).toEqual(['ch:00']);
    expect(empty3.timestamps).toHaveLength(0);
    expect(empty3.timeSeries).toBeInstanceOf(Float32Array);
    expect(empty3.segments).toEqual([]);
  });

  it('reads the control string sample and the int32 counter 0..9 at 91725.213948 + k s', async () => {
    const f = await readXdf(path.join(FIXTURES, 'empty_streams.xdf'), RAW);

    const ctrl = byId(f.streams, 1);
    expect(ctrl.info).toMatchObject({ name: 'ctrl', type: 'control', channelFormat: 'string', nominalRateHz: 0 });
    expect(ctrl.timeSeries).toEqual(['{"state": 2}']);
    expect(ctrl.timestamps[0]).toBeCloseTo(91725.014004246, 9);
    const data = byId(f.streams, 4);
    expect(data.info).toMatchObject({ name: 'Data stream: test stream 0 counter', channelFormat: 'int32', nominalRateHz: 1 });
    expect(data.info.channels.map((c) => c.label)).toEqual(['ch:00']);
    expect(Array.from(data.timeSeries as Int32Array)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expectCloseArray(data.timestamps, Array.from({ length: 10 }, (_, k) => 91725.213948 + k), 5);
  });

  it('has clock offsets of about 1e-5 s roughly every 5 s for every stream, and reads with sync and dejitter on', async () => {
    const raw = await readXdf(path.join(FIXTURES, 'empty_streams.xdf'), RAW);
    const full = await readXdf(path.join(FIXTURES, 'empty_streams.xdf'));

    for (const s of raw.streams) {
      expect(s.clockOffsets.times.length).toBeGreaterThan(1);
      for (const v of s.clockOffsets.values) expect(Math.abs(v)).toBeLessThan(1e-3);
      const gap = s.clockOffsets.times[1]! - s.clockOffsets.times[0]!;
      expect(gap).toBeGreaterThan(3);
      expect(gap).toBeLessThan(7);
    }
    expect(full.streams).toHaveLength(4);
    expectCloseArray(byId(full.streams, 4).timestamps, Array.from({ length: 10 }, (_, k) => 91725.213948 + k), 3);
  });
});

describe('readXdfBytes on hand-built files', () => {
  it('gives a sample without a timestamp the previous timestamp plus 1/nominal rate (pyxdf rule)', () => {
    const bytes = xdf(
      fileHeader(),
      streamHeader(7, { format: 'int16', channels: 1, rate: 100 }),
      int16Samples(7, [[null, [1]], [2.0, [2]], [null, [3]], [null, [4]]]),
      int16Samples(7, [[null, [5]]]),
    );

    const f = readXdfBytes(bytes, RAW);

    const s = byId(f.streams, 7);
    expectCloseArray(s.timestamps, [0.01, 2.0, 2.01, 2.02, 2.03], 12);
    expect(Array.from(s.timeSeries as Int16Array)).toEqual([1, 2, 3, 4, 5]);
  });

  it('skips a chunk with an unknown tag with a warning and keeps reading', () => {
    const bytes = xdf(
      fileHeader(),
      streamHeader(1, { format: 'int16', channels: 2, rate: 10 }),
      chunk({ tag: 99, content: text('future extension') }),
      chunk({ tag: 5, content: BOUNDARY }),
      int16Samples(1, [[1.5, [7, -7]]]),
    );

    const f = readXdfBytes(bytes, RAW);

    expect(f.warnings.some((w) => /unknown chunk tag 99 at byte \d+/.test(w))).toBe(true);
    expect(Array.from(byId(f.streams, 1).timeSeries as Int16Array)).toEqual([7, -7]);
  });

  it('accepts chunk lengths written with 4 and 8 length bytes', () => {
    const header = streamHeader(1, { format: 'int16', channels: 1, rate: 10 });
    const samples = concat([u32(1), u8(1, 1), u8(8), f64(3.25), u8(9, 0)]);
    const bytes = xdf(fileHeader(), header, chunk({ tag: 3, content: samples, lengthBytes: 8 }), chunk({ tag: 3, content: samples, lengthBytes: 4 }));

    const f = readXdfBytes(bytes, RAW);

    expect(Array.from(byId(f.streams, 1).timeSeries as Int16Array)).toEqual([9, 9]);
  });
});

describe('readXdf on damaged files', () => {
  it('rejects a file without the XDF: magic with BAD_MAGIC naming the file and byte 0', async () => {
    const file = path.join(tmp, 'not-xdf.xdf');
    writeFileSync(file, Buffer.from('PK\x03\x04 this is a zip'));

    const err = await readXdf(file).then(
      () => null,
      (e: unknown) => e,
    );

    expect(err).toBeInstanceOf(XdfError);
    expect((err as XdfError).code).toBe('BAD_MAGIC');
    expect((err as XdfError).byteOffset).toBe(0);
    expect((err as XdfError).message).toContain(file);
    expect((err as XdfError).message).toMatch(/at byte 0: expected the magic "XDF:"/);
  });

  it('fails with TRUNCATED_CHUNK at the chunk start when truncation is not tolerated, and stops there by default', () => {
    const complete = xdf(fileHeader(), streamHeader(1, { format: 'int16', channels: 1, rate: 10 }), int16Samples(1, [[1, [1]]]));
    const lastChunkAt = complete.length;
    const cut = concat([complete, int16Samples(1, [[2, [2]], [3, [3]]])]).subarray(0, lastChunkAt + 10);

    const err = catchXdf(() => readXdfBytes(cut, { ...RAW, tolerateTruncation: false }, 'cut.xdf'));
    const tolerant = readXdfBytes(cut, RAW);

    expect(err.code).toBe('TRUNCATED_CHUNK');
    expect(err.byteOffset).toBe(lastChunkAt);
    expect(err.message).toContain(`cut.xdf: at byte ${lastChunkAt}`);
    expect(tolerant.truncatedAt).toBe(lastChunkAt);
    expect(tolerant.warnings.join('\n')).toMatch(new RegExp(`truncated final chunk at byte ${lastChunkAt}`));
    expect(Array.from(byId(tolerant.streams, 1).timeSeries as Int16Array)).toEqual([1]);
  });

  it('rejects an absurd 2^60 chunk length with BAD_LENGTH naming the offset, even when tolerating truncation', () => {
    const head = xdf(fileHeader());
    const bytes = concat([head, u8(8), u64(2n ** 60n), u8(3, 0), u32(1)]);

    const err = catchXdf(() => readXdfBytes(bytes, RAW, 'absurd.xdf'));

    expect(err.code).toBe('BAD_LENGTH');
    expect(err.byteOffset).toBe(head.length);
    expect(err.message).toMatch(new RegExp(`absurd.xdf: at byte ${head.length}: chunk length field says`));
  });

  it('does not allocate for a length field longer than the file or a sample count larger than the chunk', () => {
    const head = xdf(fileHeader(), streamHeader(1, { format: 'float32', channels: 64, rate: 1000 }));
    const longChunk = concat([head, u8(8), u64(3_000_000_000n), u8(3, 0), u32(1)]);
    const hugeCount = concat([head, chunk({ tag: 3, content: concat([u32(1), u8(4), u32(0xffffffff), u8(8)]) })]);
    const before = process.memoryUsage().arrayBuffers;

    const errLong = catchXdf(() => readXdfBytes(longChunk, { ...RAW, tolerateTruncation: false }));
    const errCount = catchXdf(() => readXdfBytes(hugeCount, RAW));

    expect(errLong.code).toBe('TRUNCATED_CHUNK');
    expect(errLong.byteOffset).toBe(head.length);
    expect(errCount.code).toBe('BAD_SAMPLES');
    expect(errCount.message).toMatch(/claims 4294967295 samples/);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
  });

  it('rejects a corrupt NumLengthBytes (zero-filled tail) with BAD_LENGTH at its offset', () => {
    const good = xdf(fileHeader(), streamHeader(1, { format: 'int16', channels: 1, rate: 10 }));
    const bytes = concat([good, new Uint8Array(64)]);

    const err = catchXdf(() => readXdfBytes(bytes, RAW));

    expect(err.code).toBe('BAD_LENGTH');
    expect(err.byteOffset).toBe(good.length);
    expect(err.message).toMatch(/NumLengthBytes is 0; expected 1, 4 or 8/);
  });

  it('rejects a sample whose TimeStampBytes is neither 0 nor 8 with BAD_SAMPLES at that byte', () => {
    const head = xdf(fileHeader(), streamHeader(1, { format: 'int16', channels: 1, rate: 10 }));
    const samples = chunk({ tag: 3, content: concat([u32(1), u8(1, 1), u8(4), u8(1, 2, 3, 4), u8(5, 0)]) });
    // content starts after [width, len, tag(2)]; the sample after [id(4), count(2)].
    const sampleAt = head.length + 1 + 1 + 2 + 4 + 2;

    const err = catchXdf(() => readXdfBytes(concat([head, samples]), RAW));

    expect(err.code).toBe('BAD_SAMPLES');
    expect(err.byteOffset).toBe(sampleAt);
    expect(err.message).toMatch(/TimeStampBytes is 4; expected 0 or 8/);
  });

  it('rejects a StreamHeader whose XML is malformed with BAD_XML, and one without channel_format with BAD_HEADER', () => {
    const broken = chunk({ tag: 2, content: concat([u32(1), text('<info><name>x</nam></info>')]) });
    const noFormat = chunk({ tag: 2, content: concat([u32(1), text('<info><channel_count>1</channel_count></info>')]) });
    const at = xdf(fileHeader()).length;

    const errXml = catchXdf(() => readXdfBytes(xdf(fileHeader(), broken), RAW));
    const errHeader = catchXdf(() => readXdfBytes(xdf(fileHeader(), noFormat), RAW));

    expect(errXml.code).toBe('BAD_XML');
    expect(errXml.byteOffset).toBe(at);
    expect(errHeader.code).toBe('BAD_HEADER');
    expect(errHeader.message).toMatch(/channel_format is ""; expected one of/);
  });
});
