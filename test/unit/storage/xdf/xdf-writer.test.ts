// Writer round trips through the reader: every channel format, strings (UTF-8, empty), channel
// descriptions, clock offsets, boundary chunks, footers, interleaved streams added mid-way;
// and the durability contract (fsync interval, close idempotent, refusing to clobber a file).
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChannelFormat, StreamInfo } from '../../../../src-main/core/streams/types.js';
import { XdfError } from '../../../../src-main/storage/xdf/xdf-error.js';
import { readXdf, type XdfStream } from '../../../../src-main/storage/xdf/xdf-reader.js';
import { XdfWriter } from '../../../../src-main/storage/xdf/xdf-writer.js';
import { chunkTags } from './xdf-test-bytes.js';

const RAW = { synchronizeClocks: false, dejitter: false } as const;
const tmp = mkdtempSync(path.join(tmpdir(), 'himoe-xdf-writer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let fileNo = 0;
const newPath = (): string => path.join(tmp, `rec-${++fileNo}.xdf`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function info(id: string, format: ChannelFormat, channels: number, rateHz: number, extra: Partial<StreamInfo> = {}): StreamInfo {
  return {
    id,
    name: `name-${id}`,
    type: 'EEG',
    channels: Array.from({ length: channels }, (_, c) => ({ label: `${id}-c${c}`, unit: 'microvolts' })),
    channelFormat: format,
    nominalRateHz: rateHz,
    sourceId: `src-${id}`,
    ...extra,
  };
}

function byName(streams: XdfStream[], name: string): XdfStream {
  const s = streams.find((x) => x.info.name === name);
  if (!s) throw new Error(`no stream named ${name}`);
  return s;
}

const ts = (...t: number[]): Float64Array => Float64Array.from(t);

describe('XdfWriter round trip through readXdf', () => {
  it('stores float32 and double64 values and every 8-byte timestamp exactly', async () => {
    const file = newPath();
    const w = await XdfWriter.create(file);
    const f32 = w.addStream(info('f', 'float32', 2, 250));
    const d64 = w.addStream(info('d', 'double64', 1, 250));
    const f32Values = Float32Array.from([1.5, -2.25, 3.1e-7, 65504.5]);
    const irregular = ts(10.000123456789, 10.004987654321);

    w.appendChunk(f32, { streamId: 'f', values: f32Values, timestamps: irregular, firstIndex: 0 });
    w.appendSamples(d64, ts(1, 2, 3), Float64Array.from([0.1 + 0.2, -1e300, Math.PI]));
    w.appendChunk(d64, { streamId: 'd', values: Float32Array.from([0.1]), timestamps: ts(4), firstIndex: 3 });
    await w.close();
    const f = await readXdf(file, RAW);

    const fs = byName(f.streams, 'name-f');
    expect(fs.timeSeries).toBeInstanceOf(Float32Array);
    expect(Array.from(fs.timeSeries as Float32Array)).toEqual(Array.from(f32Values));
    expect(Array.from(fs.timestamps)).toEqual(Array.from(irregular));
    const ds = byName(f.streams, 'name-d');
    expect(ds.timeSeries).toBeInstanceOf(Float64Array);
    expect(Array.from(ds.timeSeries as Float64Array)).toEqual([0.1 + 0.2, -1e300, Math.PI, Math.fround(0.1)]);
    expect(Array.from(ds.timestamps)).toEqual([1, 2, 3, 4]);
  });

  it('stores int8/int16/int32 rounded to nearest and clamped to the type range, NaN as 0', async () => {
    const file = newPath();
    const w = await XdfWriter.create(file);
    const ids = (['int8', 'int16', 'int32'] as const).map((fmt) => w.addStream(info(fmt, fmt, 3, 100)));
    const input = Float32Array.from([1.6, -1.6, 300, -300, 70000, -70000, 3e9, -3e9, Number.NaN]);

    for (const id of ids) w.appendChunk(id, { streamId: '', values: input, timestamps: ts(0, 0.01, 0.02), firstIndex: 0 });
    await w.close();
    const f = await readXdf(file, RAW);

    expect(Array.from(byName(f.streams, 'name-int8').timeSeries as Int8Array)).toEqual([2, -2, 127, -128, 127, -128, 127, -128, 0]);
    expect(Array.from(byName(f.streams, 'name-int16').timeSeries as Int16Array)).toEqual([2, -2, 300, -300, 32767, -32768, 32767, -32768, 0]);
    expect(Array.from(byName(f.streams, 'name-int32').timeSeries as Int32Array)).toEqual([
      2, -2, 300, -300, 70000, -70000, 2147483647, -2147483648, 0,
    ]);
    expect(byName(f.streams, 'name-int16').timeSeries).toBeInstanceOf(Int16Array);
  });

  it('stores int64 from BigInt64Array exactly and from Float32Array rounded, including negatives', async () => {
    const file = newPath();
    const w = await XdfWriter.create(file);
    const id = w.addStream(info('i64', 'int64', 2, 0));
    const big = BigInt64Array.from([2n ** 62n + 12345n, -(2n ** 62n) - 7n, -1n, 0n]);

    w.appendSamples(id, ts(1, 2), big);
    w.appendChunk(id, { streamId: 'i64', values: Float32Array.from([-5.4, 2 ** 40]), timestamps: ts(3), firstIndex: 2 });
    await w.close();
    const f = await readXdf(file, RAW);

    const s = byName(f.streams, 'name-i64');
    expect(s.timeSeries).toBeInstanceOf(BigInt64Array);
    expect(Array.from(s.timeSeries as BigInt64Array)).toEqual([2n ** 62n + 12345n, -(2n ** 62n) - 7n, -1n, 0n, -5n, 2n ** 40n]);
  });

  it('stores strings with UTF-8, markup characters and empty strings, in multi-channel string streams', async () => {
    const file = newPath();
    const w = await XdfWriter.create(file);
    const id = w.addStream(info('m', 'string', 2, 0, { type: 'MARKER' }));
    const values = ['Grüße 😀', '', 'a<b&c>"d"', 'x'.repeat(300), '', '日本語'];

    w.appendChunk(id, { streamId: 'm', values: values.slice(0, 4), timestamps: ts(100.5, 101.25), firstIndex: 0 });
    w.appendChunk(id, { streamId: 'm', values: values.slice(4), timestamps: ts(102), firstIndex: 2 });
    await w.close();
    const f = await readXdf(file, RAW);

    const s = byName(f.streams, 'name-m');
    expect(s.timeSeries).toEqual(values);
    expect(Array.from(s.timestamps)).toEqual([100.5, 101.25, 102]);
    expect(s.channelCount).toBe(2);
  });

  it('writes channel labels, units and types, source id, rate and desc fields into the StreamHeader', async () => {
    const file = newPath();
    const w = await XdfWriter.create(file, { fileHeaderFields: { subject: 'S<01>', protocol: 'film clips' } });
    const eeg: StreamInfo = {
      id: 'dev:eeg',
      name: 'EEG & co',
      type: 'EEG',
      channels: [
        { label: 'Fp1', unit: 'microvolts' },
        { label: 'HEOG', unit: 'microvolts', type: 'EOG' },
      ],
      channelFormat: 'float32',
      nominalRateHz: 256,
      sourceId: 'dev-123',
      desc: { manufacturer: 'ACME', serial: 42, wireless: true, 'bad key!': 'kept' },
    };

    const xdfId = w.addStream(eeg, { createdAtSec: 1234.5 });
    await w.close();
    const f = await readXdf(file, RAW);

    const s = f.streams[0]!;
    expect(xdfId).toBe(1);
    expect(s.id).toBe(1);
    expect(s.info).toEqual({
      id: '1',
      name: 'EEG & co',
      type: 'EEG',
      channels: eeg.channels,
      channelFormat: 'float32',
      nominalRateHz: 256,
      sourceId: 'dev-123',
      desc: { himoe_stream_id: 'dev:eeg', manufacturer: 'ACME', serial: '42', wireless: 'true', bad_key_: 'kept' },
    });
    expect(s.headerXml).toContain('<created_at>1234.5</created_at>');
    expect(s.headerXml).toMatch(/<uid>[0-9a-f-]{36}<\/uid>/);
    expect(f.fileHeader.version).toBe('1.0');
    expect(f.fileHeader.xml).toMatch(/<datetime>\d{4}-\d\d-\d\dT[^<]+<\/datetime>/);
    expect(f.fileHeader.xml).toContain('<subject>S&lt;01&gt;</subject><protocol>film clips</protocol>');
  });

  it('writes ClockOffset chunks the reader returns and uses for synchronisation, and lists them in the footer', async () => {
    const file = newPath();
    const w = await XdfWriter.create(file);
    const id = w.addStream(info('c', 'float32', 1, 10));
    w.appendChunk(id, { streamId: 'c', values: new Float32Array(5), timestamps: ts(1, 1.1, 1.2, 1.3, 1.4), firstIndex: 0 });

    w.appendClockOffset(id, 1.0, 0.25);
    w.appendClockOffset(id, 6.0, 0.25);
    await w.close();
    const raw = await readXdf(file, RAW);
    const synced = await readXdf(file, { synchronizeClocks: true, dejitter: false });

    const s = raw.streams[0]!;
    expect(Array.from(s.clockOffsets.times)).toEqual([1, 6]);
    expect(Array.from(s.clockOffsets.values)).toEqual([0.25, 0.25]);
    expect(s.footerXml).toContain('<clock_offsets><offset><time>1</time><value>0.25</value></offset><offset><time>6</time><value>0.25</value></offset></clock_offsets>');
    const shifted = synced.streams[0]!.timestamps;
    for (let i = 0; i < 5; i++) expect(shifted[i]).toBeCloseTo(s.timestamps[i]! + 0.25, 9);
  });

  it('writes a StreamFooter per stream with first/last timestamp and count, zero for an empty stream', async () => {
    const file = newPath();
    const w = await XdfWriter.create(file);
    const a = w.addStream(info('a', 'int16', 1, 10));
    w.addStream(info('empty', 'float32', 4, 100));
    w.appendChunk(a, { streamId: 'a', values: Float32Array.from([1, 2]), timestamps: ts(7.5, 7.6), firstIndex: 0 });
    w.appendChunk(a, { streamId: 'a', values: Float32Array.from([3]), timestamps: ts(7.7), firstIndex: 2 });

    await w.close();
    const f = await readXdf(file, RAW);

    expect(byName(f.streams, 'name-a').footer).toEqual({ firstTimestamp: 7.5, lastTimestamp: 7.7, sampleCount: 3 });
    const empty = byName(f.streams, 'name-empty');
    expect(empty.footer).toEqual({ firstTimestamp: 0, lastTimestamp: 0, sampleCount: 0 });
    expect(empty.timestamps).toHaveLength(0);
    expect(chunkTags(readFileSync(file)).filter((t) => t === 6)).toHaveLength(2);
  });

  it('keeps many interleaved streams apart, including one added mid-recording', async () => {
    const file = newPath();
    const w = await XdfWriter.create(file);
    const formats: ChannelFormat[] = ['float32', 'double64', 'int8', 'int16', 'int32', 'int64', 'string'];
    const streams = formats.map((fmt, k) => ({ fmt, ch: (k % 3) + 1, id: w.addStream(info(`s${k}`, fmt, (k % 3) + 1, 50)), n: 0 }));
    let late: { fmt: ChannelFormat; ch: number; id: number; n: number } | null = null;

    for (let round = 0; round < 40; round++) {
      if (round === 20) {
        late = { fmt: 'int16', ch: 4, id: w.addStream(info('late', 'int16', 4, 50)), n: 0 };
        streams.push(late);
      }
      for (let j = 0; j < streams.length; j++) {
        const s = streams[(round * 3 + j) % streams.length]!;
        const n = 1 + ((round + j) % 4);
        const times = Float64Array.from({ length: n }, (_, i) => (s.n + i) / 50);
        if (s.fmt === 'string') {
          w.appendChunk(s.id, { streamId: '', values: Array.from({ length: n * s.ch }, (_, i) => `v${s.n * s.ch + i}`), timestamps: times, firstIndex: s.n });
        } else {
          const values = Float32Array.from({ length: n * s.ch }, (_, i) => ((s.n * s.ch + i) % 100) - 50);
          w.appendChunk(s.id, { streamId: '', values, timestamps: times, firstIndex: s.n });
        }
        s.n += n;
      }
    }
    await w.close();
    const f = await readXdf(file, RAW);

    expect(f.streams.map((s) => s.id)).toEqual(streams.map((s) => s.id));
    expect(late?.id).toBe(8);
    for (const s of streams) {
      const r = f.streams.find((x) => x.id === s.id)!;
      expect(r.timestamps.length).toBe(s.n);
      expect(Array.from(r.timestamps)).toEqual(Array.from({ length: s.n }, (_, i) => i / 50));
      const expected = Array.from({ length: s.n * s.ch }, (_, i) => (s.fmt === 'string' ? `v${i}` : (i % 100) - 50));
      const got = Array.from(r.timeSeries as ArrayLike<number | bigint | string>, (v) => (typeof v === 'bigint' ? Number(v) : v));
      expect(got).toEqual(expected);
      expect(r.footer?.sampleCount).toBe(s.n);
    }
  });
});

describe('XdfWriter boundaries and durability', () => {
  it('writes a Boundary chunk at least every boundaryIntervalSec of sample time', async () => {
    const file = newPath();
    const w = await XdfWriter.create(file, { boundaryIntervalSec: 1 });
    const id = w.addStream(info('b', 'float32', 1, 100));

    for (let k = 0; k < 55; k++) {
      w.appendChunk(id, { streamId: 'b', values: new Float32Array(10), timestamps: Float64Array.from({ length: 10 }, (_, i) => (k * 10 + i) / 100), firstIndex: k * 10 });
    }
    await w.close();
    const tags = chunkTags(readFileSync(file));

    expect(tags.filter((t) => t === 5).length).toBeGreaterThanOrEqual(5);
    // No more than one interval's worth of samples (10 chunks of 0.1 s) between boundaries.
    let run = 0;
    for (const t of tags) {
      run = t === 5 ? 0 : t === 3 ? run + 1 : run;
      expect(run).toBeLessThanOrEqual(10);
    }
    expect((await readXdf(file, RAW)).streams[0]!.timestamps).toHaveLength(550);
  });

  it('writes a Boundary chunk after boundaryIntervalSec of wall time even when sample time stands still', async () => {
    const file = newPath();
    const w = await XdfWriter.create(file, { boundaryIntervalSec: 0.2, fsyncIntervalMs: 50 });
    const id = w.addStream(info('m', 'string', 1, 0));
    w.appendChunk(id, { streamId: 'm', values: ['start'], timestamps: ts(5), firstIndex: 0 });

    await sleep(450);
    const tags = chunkTags(readFileSync(file));
    await w.close();

    expect(tags).toContain(5);
  });

  it('writes and fsyncs buffered samples within fsyncIntervalMs without an explicit flush, readable mid-recording', async () => {
    const file = newPath();
    const w = await XdfWriter.create(file, { fsyncIntervalMs: 100 });
    const id = w.addStream(info('d', 'float32', 4, 100));
    const sizeAfterCreate = statSync(file).size;

    w.appendChunk(id, { streamId: 'd', values: new Float32Array(40).fill(1), timestamps: Float64Array.from({ length: 10 }, (_, i) => i / 100), firstIndex: 0 });
    const sizeRightAfterAppend = statSync(file).size;
    await sleep(350);
    const midway = await readXdf(file, RAW);
    const sizeLater = statSync(file).size;
    await w.close();

    expect(sizeRightAfterAppend).toBe(sizeAfterCreate);
    expect(sizeLater).toBeGreaterThan(sizeAfterCreate);
    expect(w.bytesWritten).toBe(statSync(file).size);
    expect(midway.truncatedAt).toBeNull();
    expect(midway.streams[0]!.timestamps).toHaveLength(10);
    expect(midway.streams[0]!.footer).toBeNull();
  });

  it('writes early, before the timer, once more than 2 MiB are buffered (accelerated sessions stay bounded in memory)', async () => {
    const file = newPath();
    const w = await XdfWriter.create(file, { fsyncIntervalMs: 1000 });
    const id = w.addStream(info('big', 'float32', 32, 256));
    await w.flush();
    const before = w.bytesWritten;
    // 100 chunks of 1 s of 32-ch float32 at 256 Hz: about 3.5 MB, in well under the 1 s tick.
    for (let k = 0; k < 100; k++) {
      const timestamps = Float64Array.from({ length: 256 }, (_, i) => k + i / 256);
      w.appendChunk(id, { streamId: 'big', values: new Float32Array(256 * 32), timestamps, firstIndex: k * 256 });
    }
    await sleep(100);
    const early = w.bytesWritten - before;
    const pending = w.bytesPending;
    await w.close();

    expect(early).toBeGreaterThanOrEqual(2 * 1024 * 1024);
    expect(pending).toBeLessThan(2 * 1024 * 1024);
  });

  it('writes the FileHeader to disk before create resolves', async () => {
    const file = newPath();

    const w = await XdfWriter.create(file);
    const bytes = readFileSync(file);
    await w.close();

    expect(new TextDecoder().decode(bytes.subarray(0, 4))).toBe('XDF:');
    expect(chunkTags(bytes)).toEqual([1]);
    expect(w.bytesWritten).toBeGreaterThanOrEqual(bytes.length);
  });

  it('puts a StreamHeader on disk right away, without waiting for the fsync interval', async () => {
    const file = newPath();
    const w = await XdfWriter.create(file, { fsyncIntervalMs: 1000 });

    w.addStream(info('late', 'float32', 2, 100));
    await sleep(100);
    const tags = chunkTags(readFileSync(file));
    await w.close();

    expect(tags).toEqual([1, 2]);
  });

  it('makes close idempotent and rejects appends after close with WRITER_CLOSED', async () => {
    const file = newPath();
    const w = await XdfWriter.create(file);
    const id = w.addStream(info('x', 'float32', 1, 10));

    await Promise.all([w.close(), w.close()]);
    await w.close();
    const tags = chunkTags(readFileSync(file));

    expect(tags.filter((t) => t === 6)).toHaveLength(1);
    expect(() => w.appendChunk(id, { streamId: 'x', values: new Float32Array(1), timestamps: ts(1), firstIndex: 0 })).toThrow(
      expect.objectContaining({ code: 'WRITER_CLOSED' }),
    );
  });

  it('refuses to overwrite an existing file unless asked to', async () => {
    const file = newPath();
    writeFileSync(file, 'precious recording');

    const err = await XdfWriter.create(file).then(
      () => null,
      (e: unknown) => e,
    );
    const w = await XdfWriter.create(file, { overwrite: true });
    await w.close();

    expect(err).toBeInstanceOf(XdfError);
    expect((err as XdfError).code).toBe('FILE_EXISTS');
    expect(existsSync(file)).toBe(true);
    expect(readFileSync(file).subarray(0, 4).toString()).toBe('XDF:');
  });

  it('rejects a chunk whose value count does not match channels x timestamps, naming the stream', async () => {
    const w = await XdfWriter.create(newPath());
    const id = w.addStream(info('eeg', 'float32', 3, 10));

    const act = (): void => w.appendChunk(id, { streamId: 'eeg', values: new Float32Array(5), timestamps: ts(1, 2), firstIndex: 0 });

    expect(act).toThrow(XdfError);
    expect(act).toThrow(/stream 1 \("eeg"\): 5 values for 2 timestamps; expected 6/);
    expect(() => w.appendChunk(99, { streamId: 'x', values: new Float32Array(0), timestamps: ts(), firstIndex: 0 })).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_STREAM' }),
    );
    await w.close();
  });
});
