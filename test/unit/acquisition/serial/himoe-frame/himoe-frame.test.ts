import { describe, expect, it } from 'vitest';
import {
  HIMOE_STATUS_LEAD_OFF,
  buildDataPayload,
  buildDescriptorPayload,
  cobsDecode,
  cobsEncode,
  crc16CcittFalse,
  encodeFrame,
  parseDescriptor,
  checkFrame,
} from '../../../../../src-main/acquisition/serial/himoe-frame/codec.js';
import { HimoeFrameEmulator } from '../../../../../src-main/acquisition/serial/himoe-frame/emulator.js';
import { HimoeFrameProtocol, REFERENCE_STREAMS } from '../../../../../src-main/acquisition/serial/himoe-frame/protocol.js';
import { collectingParser, concat, runEmulator, truthInto, unmatchedSamples, type Decoded } from '../protocol-harness.js';

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const ecg = REFERENCE_STREAMS[1];

function descriptorFrame(d = ecg): Uint8Array {
  return encodeFrame((p) => buildDescriptorPayload(p, d));
}

function ecgFrame(counter: number, tickUs: number, raw: number[], status = 0): Uint8Array {
  return encodeFrame((p) => buildDataPayload(p, ecg.streamId, status, counter, tickUs, raw, raw.length, 1, 2));
}

describe('HiMoE framed protocol: codec', () => {
  it('computes CRC-16/CCITT-FALSE (check value of "123456789" is 0x29B1)', () => {
    expect(crc16CcittFalse(new TextEncoder().encode('123456789'))).toBe(0x29b1);
    expect(crc16CcittFalse(new Uint8Array(0))).toBe(0xffff);
  });

  it('COBS-encodes the published examples (Cheshire & Baker) and decodes them back', () => {
    const cases: [number[], number[]][] = [
      [[0x00], [0x01, 0x01]],
      [[0x00, 0x00], [0x01, 0x01, 0x01]],
      [[0x11, 0x22, 0x00, 0x33], [0x03, 0x11, 0x22, 0x02, 0x33]],
      [[0x11, 0x22, 0x33, 0x44], [0x05, 0x11, 0x22, 0x33, 0x44]],
      [[0x11, 0x00, 0x00, 0x00], [0x02, 0x11, 0x01, 0x01, 0x01]],
      [range(1, 254), [0xff, ...range(1, 254)]],
      [[0, ...range(1, 254)], [0x01, 0xff, ...range(1, 254)]],
      [range(1, 255), [0xff, ...range(1, 254), 0x02, 0xff]],
      [[...range(2, 255), 0], [0xff, ...range(2, 255), 0x01, 0x01]],
      [[...range(3, 255), 0, 1], [0xfe, ...range(3, 255), 0x02, 0x01]],
    ];
    for (const [raw, encoded] of cases) {
      const dst = new Uint8Array(raw.length + 4);
      const n = cobsEncode(Uint8Array.from(raw), raw.length, dst);
      expect(Array.from(dst.subarray(0, n))).toEqual(encoded);
      const back = new Uint8Array(300);
      const m = cobsDecode(Uint8Array.from(encoded), 0, encoded.length, back);
      expect(Array.from(back.subarray(0, m))).toEqual(raw);
    }
  });

  it('rejects malformed COBS (a code running past the end, a zero inside)', () => {
    const out = new Uint8Array(16);
    expect(cobsDecode(Uint8Array.of(0x05, 0x11, 0x22), 0, 3, out)).toBe(-1);
    expect(cobsDecode(Uint8Array.of(0x02, 0x11, 0x00, 0x01), 0, 4, out)).toBe(-1);
  });

  it('round-trips a descriptor (type, name, rate, value width, labels, units, scale, offset)', () => {
    const wire = descriptorFrame(REFERENCE_STREAMS[2]);
    expect(wire[wire.length - 1]).toBe(0);
    expect(wire.subarray(0, -1).includes(0)).toBe(false);
    const f = new Uint8Array(1100);
    const n = checkFrame(f, cobsDecode(wire, 0, wire.length - 1, f));
    expect(parseDescriptor(f, n)).toEqual({
      streamId: 2,
      type: 'PPG',
      name: 'HiMoE PPG',
      rateHz: 100,
      bytesPerValue: 3,
      channels: REFERENCE_STREAMS[2].channels,
    });
  });
});

describe('HiMoE framed protocol: parser', () => {
  it('decodes data only after the device announced a matching descriptor', () => {
    const { samples, parser } = collectingParser(new HimoeFrameProtocol());
    parser.push(ecgFrame(0, 0, [2048, 2049]));
    expect(samples).toHaveLength(0);
    parser.push(concat([descriptorFrame(), ecgFrame(2, 8000, [2048, 4095])]));
    expect(samples.map((s) => [s.index, s.values[0], s.deviceTimeSec])).toEqual([
      [2, Math.fround(2048 * Math.fround(8.056640625) + -16500), 0.008],
      [3, Math.fround(4095 * Math.fround(8.056640625) + -16500), 0.008 + 1 / 250],
    ]);
    const stats = parser as unknown as { framesBeforeDescriptor: number; descriptorFrames: number };
    expect(stats.framesBeforeDescriptor).toBe(1);
    expect(stats.descriptorFrames).toBe(1);
  });

  it('stops decoding a stream whose announced descriptor differs from the expected one (no assumed channel order)', () => {
    const { samples, parser } = collectingParser(new HimoeFrameProtocol());
    const swapped = { ...ecg, channels: [{ ...ecg.channels[0], unit: 'millivolts' }] };
    parser.push(concat([descriptorFrame(swapped), ecgFrame(0, 0, [1, 2])]));
    expect(samples).toHaveLength(0);
    expect((parser as unknown as { descriptorMismatches: number }).descriptorMismatches).toBe(1);
    const trusting = collectingParser(new HimoeFrameProtocol({ requireDescriptor: false }));
    trusting.parser.push(ecgFrame(0, 0, [1, 2]));
    expect(trusting.samples).toHaveLength(2);
  });

  it('never emits a frame whose CRC, version or length check fails, and resumes at the next delimiter', () => {
    const { samples, parser } = collectingParser(new HimoeFrameProtocol());
    const good = ecgFrame(10, 0, [5]);
    const badCrc = ecgFrame(11, 0, [6]);
    badCrc[3] ^= 0x01;
    const badVersion = encodeFrame((p) => {
      const n = buildDataPayload(p, 1, 0, 12, 0, [7], 1, 1, 2);
      p[0] = 2;
      return n;
    });
    const badLength = encodeFrame((p) => buildDataPayload(p, 1, 0, 13, 0, [8, 9], 1, 1, 2) + 2);
    parser.push(concat([descriptorFrame(), badCrc, badVersion, badLength, Uint8Array.of(1, 2, 3, 0), good]));
    expect(samples.map((s) => s.index)).toEqual([10]);
    expect(parser.stats.badFrames).toBe(4);
    expect(parser.stats.frames).toBe(1);
  });

  it('unwraps the 32-bit sample counter and the microsecond tick across their wraps', () => {
    const { samples, parser } = collectingParser(new HimoeFrameProtocol());
    const wrapTick = 2 ** 32 - 2000;
    parser.push(concat([descriptorFrame(), ecgFrame(2 ** 32 - 1, wrapTick, [1]), ecgFrame(0, (wrapTick + 4000) >>> 0, [2])]));
    expect(samples.map((s) => s.index)).toEqual([2 ** 32 - 1, 2 ** 32]);
    expect(samples[1].deviceTimeSec! - samples[0].deviceTimeSec!).toBeCloseTo(0.004, 9);
  });

  it('treats a counter that restarts from a small value as a device reset, not a wrap', () => {
    const { samples, parser } = collectingParser(new HimoeFrameProtocol());
    parser.push(concat([descriptorFrame(), ecgFrame(5000, 9_000_000, [1]), ecgFrame(0, 100, [2])]));
    expect(samples.map((s) => [s.index, s.deviceTimeSec])).toEqual([
      [5000, 9],
      [0, 0.0001],
    ]);
  });

  it('reports the status byte of each stream', () => {
    const protocol = new HimoeFrameProtocol();
    const { parser } = collectingParser(protocol);
    parser.push(concat([descriptorFrame(), ecgFrame(0, 0, [1], HIMOE_STATUS_LEAD_OFF)]));
    expect((parser as unknown as { lastStatus: Uint8Array }).lastStatus[1]).toBe(HIMOE_STATUS_LEAD_OFF);
  });

  it('keeps memory bounded on a long run of bytes without a delimiter', () => {
    const { samples, parser } = collectingParser(new HimoeFrameProtocol());
    parser.push(descriptorFrame());
    parser.push(new Uint8Array(200000).fill(0x55));
    expect((parser as unknown as { bufferedBytes: number }).bufferedBytes).toBeLessThanOrEqual(1100);
    parser.push(concat([Uint8Array.of(0), ecgFrame(1, 0, [3])]));
    expect(samples.map((s) => s.index)).toEqual([1]);
    expect(parser.stats.badFrames).toBe(1);
  });

  it('decodes the emulator (the firmware twin) exactly: EDA, ECG and PPG streams, ticks across the wrap', () => {
    const truth: Decoded[] = [];
    const emu = new HimoeFrameEmulator({ seed: 7, tickStartUs: 2 ** 32 - 1_000_000, truth: truthInto(truth) });
    const { samples, parser } = collectingParser(emu.protocol);
    parser.push(runEmulator(emu, 3));
    expect(samples).toHaveLength(truth.length);
    expect(unmatchedSamples(samples, truth, 0)).toEqual([]);
    for (const key of ['eda', 'ecg', 'ppg']) {
      const t = samples.filter((s) => s.key === key).map((s) => s.deviceTimeSec!);
      const rate = REFERENCE_STREAMS.find((s) => s.key === key)!.rateHz;
      expect(t.length).toBe(3 * rate);
      for (let i = 1; i < t.length; i++) expect(t[i] - t[i - 1]).toBeCloseTo(1 / rate, 5);
    }
    expect(parser.stats.badFrames).toBe(0);
  });

  it("re-announces the descriptors at once on 'S' while streaming, so a reconnected host decodes without waiting a second", () => {
    const emu = new HimoeFrameEmulator({ seed: 8 });
    const { samples, parser } = collectingParser(emu.protocol);
    emu.receive(emu.protocol.startCommands()[0]);
    parser.push(emu.produce(0.3));
    parser.reset(); // the host reconnected: descriptors forgotten
    emu.receive(emu.protocol.startCommands()[0]);
    const before = samples.length;
    parser.push(emu.produce(0.2));
    expect(samples.length - before).toBeGreaterThan(0.15 * (32 + 250 + 100));
    expect(samples.slice(before).every((s) => s.index > 0)).toBe(true); // the count went on
  });
});
