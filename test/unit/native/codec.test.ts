// The C codec of native/ against the TypeScript one, and the reference firmware (run on the
// host against a simulated board) against the TypeScript parser. gcc compiles the C at test
// time into a temp dir. Without gcc the suite skips loudly, except in CI where it fails.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildDataPayload,
  buildDescriptorPayload,
  checkFrame,
  cobsDecode,
  encodeFrame,
  parseDescriptor,
  readHeader,
  sameDescriptor,
  HIMOE_STATUS_LEAD_OFF,
} from '../../../src-main/acquisition/serial/himoe-frame/codec.js';
import { HimoeFrameProtocol, REFERENCE_STREAMS } from '../../../src-main/acquisition/serial/himoe-frame/protocol.js';
import { Rng } from '../../../src-main/acquisition/synthetic/prng.js';
import { collectingParser } from '../acquisition/serial/protocol-harness.js';

const NATIVE = resolve(process.cwd(), 'native');

function hasGcc(): boolean {
  return spawnSync('gcc', ['--version']).status === 0;
}

const gcc = hasGcc();
if (!gcc) {
  console.warn('\n*** native codec tests SKIPPED: gcc not found (install gcc to check the C codec against TypeScript) ***\n');
}

describe('native toolchain', () => {
  it('has gcc in CI (the C codec is part of npm test there)', () => {
    if (process.env.CI === 'true') expect(gcc, 'gcc is required in CI').toBe(true);
  });
});

interface CFrame {
  wire?: string;
  ok?: boolean;
  kind: 'data' | 'descriptor';
  streamId: number;
  status?: number;
  counter?: number;
  tickUs?: number;
  raw?: number[];
  type?: string;
  name?: string;
  rateMhz?: number;
  bytesPerValue?: number;
  channels?: { label: string; unit: string; scale: number; offset: number }[];
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const fromHex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));

describe.skipIf(!gcc)('native codec (C) against the TypeScript codec', () => {
  let dir = '';
  let codecTest = '';
  let hostFirmware = '';

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'himoe-native-'));
    codecTest = join(dir, 'codec_test');
    hostFirmware = join(dir, 'host_firmware');
    const warn = ['-std=c99', '-O2', '-Wall', '-Wextra']; // -Werror is the Makefile's job: a newer gcc's new warning must not hide this check
    execFileSync('gcc', [...warn, '-Wpedantic', '-o', codecTest, 'test/codec_test.c', 'codec/himoe_frame.c', 'firmware/descriptors.c'], { cwd: NATIVE });
    execFileSync(
      'gcc',
      [...warn, '-D_DEFAULT_SOURCE', '-o', hostFirmware, 'test/host_firmware.c', 'test/board_host.c', 'firmware/firmware.c', 'firmware/max30102.c', 'firmware/descriptors.c', 'codec/himoe_frame.c', '-lm'],
      { cwd: NATIVE },
    );
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('passes its own self-test (CRC-16 check value, published COBS examples)', () => {
    const r = spawnSync(codecTest, ['selftest'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('encodes frames byte-identical to the TypeScript encoder, and TypeScript decodes them', () => {
    const lines = execFileSync(codecTest, ['vectors'], { encoding: 'utf8' }).trim().split('\n');
    const frames = lines.map((l) => JSON.parse(l) as CFrame);
    expect(frames.length).toBeGreaterThan(40);
    const f = new Uint8Array(1100);
    for (const c of frames) {
      const wire = fromHex(c.wire!);
      const n = checkFrame(f, cobsDecode(wire, 0, wire.length - 1, f));
      expect(n, c.wire).toBeGreaterThan(0);
      const h = readHeader(f);
      expect(h.streamId).toBe(c.streamId);
      if (c.kind === 'descriptor') {
        const d = parseDescriptor(f, n)!;
        const expected = REFERENCE_STREAMS.find((s) => s.streamId === c.streamId)!;
        expect(sameDescriptor(d, expected), `firmware descriptor ${c.streamId} matches REFERENCE_STREAMS`).toBe(true);
        expect(hex(encodeFrame((p) => buildDescriptorPayload(p, expected)))).toBe(c.wire);
      } else {
        const cfg = REFERENCE_STREAMS.find((s) => s.streamId === c.streamId)!;
        const m = cfg.channels.length;
        const count = c.raw!.length / m;
        expect([h.status, h.counter, h.tickUs]).toEqual([c.status, c.counter, c.tickUs]);
        const again = encodeFrame((p) => buildDataPayload(p, c.streamId, c.status!, c.counter!, c.tickUs!, c.raw!, count, m, cfg.bytesPerValue));
        expect(hex(again)).toBe(c.wire);
      }
    }
    // And the whole C byte stream through the streaming parser: values = raw * scale + offset.
    const { samples, parser } = collectingParser(new HimoeFrameProtocol());
    parser.push(fromHex(frames.map((c) => c.wire).join('')));
    expect(parser.stats.badFrames).toBe(0);
    const ecgEdge = samples.filter((s) => s.key === 'ecg').slice(0, 10).map((s) => s.values[0]);
    const ecg = REFERENCE_STREAMS[1].channels[0];
    expect(ecgEdge).toEqual([0, 1, -1, 32767, -32768, 0, 0, 256, -256, 2048].map((r) => Math.fround(r * Math.fround(ecg.scale) + Math.fround(ecg.offset))));
    const dataFrames = frames.filter((c) => c.kind === 'data');
    expect(samples.length).toBe(dataFrames.reduce((n, c) => n + c.raw!.length / REFERENCE_STREAMS[c.streamId].channels.length, 0));
  });

  it('decodes in C what TypeScript encodes, and rejects what TypeScript corrupted', () => {
    const rng = new Rng(99);
    const expected: CFrame[] = [];
    const parts: string[] = [];
    for (const s of REFERENCE_STREAMS) {
      parts.push(hex(encodeFrame((p) => buildDescriptorPayload(p, s))));
      expected.push({ ok: true, kind: 'descriptor', streamId: s.streamId, type: s.type, name: s.name, rateMhz: s.rateHz * 1000, bytesPerValue: s.bytesPerValue, channels: s.channels });
    }
    for (let k = 0; k < 200; k++) {
      const s = REFERENCE_STREAMS[k % 3];
      const m = s.channels.length;
      const count = 1 + rng.int(s.bytesPerValue === 3 ? 100 : 255);
      const half = s.bytesPerValue === 3 ? 2 ** 23 : 2 ** 15;
      const raw = Array.from({ length: count * m }, () => (rng.uniform() < 0.2 ? 0 : rng.int(2 * half) - half));
      const status = rng.int(32);
      const counter = rng.int(2 ** 32);
      const tickUs = rng.int(2 ** 32);
      const wire = encodeFrame((p) => buildDataPayload(p, s.streamId, status, counter, tickUs, raw, count, m, s.bytesPerValue));
      if (k % 10 === 9) {
        wire[1 + rng.int(wire.length - 2)] ^= 1 << rng.int(8); // corrupt one bit (never the delimiter)
        if (wire.subarray(0, -1).includes(0)) continue; // a flip to 0x00 splits the frame: not this test's case
        expected.push({ ok: false } as CFrame);
      } else {
        expected.push({ ok: true, kind: 'data', streamId: s.streamId, status, counter, tickUs, raw });
      }
      parts.push(hex(wire));
    }
    const out = execFileSync(codecTest, ['decode'], { input: parts.join('\n'), encoding: 'utf8' }).trim().split('\n');
    const got = out.map((l) => JSON.parse(l) as CFrame);
    expect(got).toHaveLength(expected.length);
    got.forEach((g, i) => {
      const e = expected[i];
      if (!e.ok) {
        expect(g.ok, `frame ${i} was corrupted`).toBe(false);
        return;
      }
      if (e.kind === 'descriptor') {
        expect({ ...g, channels: g.channels!.map((c) => ({ ...c, scale: Math.fround(c.scale), offset: Math.fround(c.offset) })) }).toEqual({
          ...e,
          channels: e.channels!.map((c) => ({ ...c, scale: Math.fround(c.scale), offset: Math.fround(c.offset) })),
        });
      } else {
        expect(g).toEqual(e);
      }
    });
  });

  it('runs the reference firmware on a simulated board: the TypeScript parser gets every stream at its rate', () => {
    const seconds = 4;
    const bytes = execFileSync(hostFirmware, [String(seconds * 1000), '1000', '1500'], { maxBuffer: 1 << 24 });
    const protocol = new HimoeFrameProtocol();
    const { samples, parser } = collectingParser(protocol);
    parser.push(new Uint8Array(bytes));
    const p = parser as unknown as { descriptorFrames: number; descriptorMismatches: number; framesBeforeDescriptor: number };
    expect(parser.stats.badFrames).toBe(0);
    expect(p.descriptorMismatches).toBe(0);
    expect(p.descriptorFrames).toBe(3 * seconds); // at start and once a second
    expect(p.framesBeforeDescriptor).toBe(0);
    for (const s of REFERENCE_STREAMS) {
      const rows = samples.filter((r) => r.key === s.key);
      const perFrame = { eda: 4, ecg: 10, ppg: 4 }[s.key]!;
      // Every sample up to the last full frame, with consecutive counters from 0.
      expect(rows.length).toBeGreaterThan(seconds * s.rateHz - 2 * perFrame);
      expect(rows.map((r) => r.index)).toEqual(rows.map((_, i) => i));
      const t = rows.map((r) => r.deviceTimeSec!);
      const rateHz = (rows.length - 1) / (t[t.length - 1] - t[0]);
      expect(Math.abs(rateHz - s.rateHz) / s.rateHz).toBeLessThan(0.01);
    }
    // ECG follows the simulated 1.2 Hz waveform: 2048 +- 600 counts -> +-4834 µV around 0.
    const ecg = samples.filter((r) => r.key === 'ecg').map((r) => r.values[0]);
    expect(Math.max(...ecg)).toBeCloseTo(600 * 8.056640625, -2);
    expect(Math.min(...ecg)).toBeCloseTo(-600 * 8.056640625, -2);
  });

  it('flags ECG frames sampled while an electrode was off (AD8232 LO+/LO-) in the status byte', () => {
    const bytes = execFileSync(hostFirmware, ['2000', '1000', '1500'], { maxBuffer: 1 << 24 });
    const wire = new Uint8Array(bytes);
    const f = new Uint8Array(1100);
    const flagged: number[] = [];
    let start = 0;
    for (let i = 0; i < wire.length; i++) {
      if (wire[i] !== 0) continue;
      const n = i > start ? checkFrame(f, cobsDecode(wire, start, i, f)) : -1;
      start = i + 1;
      if (n < 0) continue;
      const h = readHeader(f);
      if (h.kind === 0 && h.streamId === 1 && h.status & HIMOE_STATUS_LEAD_OFF) flagged.push(h.tickUs / 1e6);
    }
    expect(flagged.length).toBeGreaterThanOrEqual(12); // 500 ms at 25 frames/s
    expect(flagged.length).toBeLessThanOrEqual(14);
    expect(Math.min(...flagged)).toBeGreaterThanOrEqual(0.96);
    expect(Math.max(...flagged)).toBeLessThan(1.5);
  });
});
