import { describe, expect, it } from 'vitest';
import { CytonEmulator } from '../../../../../src-main/acquisition/serial/cyton/emulator.js';
import { CYTON_ACCEL_G_PER_COUNT, cytonUvPerCount } from '../../../../../src-main/acquisition/serial/cyton/format.js';
import { CytonProtocol } from '../../../../../src-main/acquisition/serial/cyton/protocol.js';
import { collectingParser, pushChunked, runEmulator, truthInto, unmatchedSamples, type Decoded } from '../protocol-harness.js';

/** One hand-built packet: counter, 8 channel counts, accel counts, footer. */
function packet(counter: number, counts: number[], accel: [number, number, number] = [0, 0, 0], footer = 0xc0): Uint8Array {
  const p = new Uint8Array(33);
  p[0] = 0xa0;
  p[1] = counter & 0xff;
  counts.forEach((c, i) => {
    p[2 + 3 * i] = (c >> 16) & 0xff;
    p[3 + 3 * i] = (c >> 8) & 0xff;
    p[4 + 3 * i] = c & 0xff;
  });
  accel.forEach((a, k) => {
    p[26 + 2 * k] = (a >> 8) & 0xff;
    p[27 + 2 * k] = a & 0xff;
  });
  p[32] = footer;
  return p;
}

function packets(list: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(list.length * 33);
  list.forEach((p, i) => out.set(p, i * 33));
  return out;
}

describe('OpenBCI Cyton protocol', () => {
  it('scales 24-bit big-endian two-complement counts by 4.5 V / gain / (2^23 - 1) to microvolts', () => {
    const protocol = new CytonProtocol({ gains: [24, 24, 24, 24, 1, 2, 4, 8] });
    const { samples, parser } = collectingParser(protocol);
    const counts = [0x7fffff, -0x800000, -1, 1, 0x7fffff, 1000, -1000, 0x123456];
    parser.push(packets([packet(0, counts), packet(1, counts)]));
    const eeg = samples.filter((s) => s.key === 'eeg');
    expect(eeg).toHaveLength(1); // the second packet is held until a third confirms it
    expect(eeg[0].values[0]).toBeCloseTo(187500, 1); // full scale at gain 24: 4.5 V / 24
    expect(eeg[0].values[1]).toBeCloseTo(-187500.02, 1);
    expect(eeg[0].values[2]).toBeCloseTo(-0.02235, 4);
    expect(eeg[0].values[4]).toBeCloseTo(4.5e6, -1); // gain 1
    expect(eeg[0].values[5]).toBeCloseTo(1000 * cytonUvPerCount(2), 3);
    expect(eeg[0].values[7]).toBeCloseTo(0x123456 * cytonUvPerCount(8), 2);
  });

  it('decodes the emulator stream exactly, delivered byte by byte or in large chunks', () => {
    for (const chunk of [1, 7, 4096]) {
      const truth: Decoded[] = [];
      const emu = new CytonEmulator({ seed: 3, truth: truthInto(truth) });
      const bytes = runEmulator(emu, 2);
      const { samples, parser } = collectingParser(emu.protocol);
      pushChunked(parser, bytes, () => chunk);
      expect(samples.length).toBe(truth.length - 2); // last packet (eeg + accel rows) awaits confirmation
      expect(unmatchedSamples(samples, truth, 0)).toEqual([]);
      expect(parser.stats).toMatchObject({ frames: 499, badFrames: 0, resyncs: 0, discardedBytes: 0, bytes: bytes.length });
    }
  });

  it('unwraps the 0..255 sample number into a continuous counter', () => {
    const emu = new CytonEmulator({ seed: 1 });
    const bytes = runEmulator(emu, 3); // 750 packets: the byte counter wraps twice
    const { samples, parser } = collectingParser(emu.protocol);
    parser.push(bytes);
    const idx = samples.filter((s) => s.key === 'eeg').map((s) => s.index);
    expect(idx).toEqual(Array.from({ length: 749 }, (_, i) => i));
  });

  it('shows packets lost on the device side as a jump of the counter by the number lost', () => {
    const truth: Decoded[] = [];
    const emu = new CytonEmulator({ seed: 9, lossProbability: 0.05, truth: truthInto(truth) });
    const { samples, parser } = collectingParser(emu.protocol);
    parser.push(runEmulator(emu, 2));
    const got = samples.filter((s) => s.key === 'eeg').map((s) => s.index);
    const sent = truth.filter((s) => s.key === 'eeg').map((s) => s.index);
    expect(sent.length).toBeLessThan(490); // some were lost
    // Nothing confirms the packet right before a loss (Cyton has no checksum), so it is dropped too.
    const confirmed = sent.filter((idx, i) => i + 1 < sent.length && sent[i + 1] === idx + 1);
    expect(got).toEqual(confirmed);
    expect(confirmed.length).toBeGreaterThan(400);
  });

  it('holds the accelerometer reading between the packets that carry one, NaN before the first', () => {
    const protocol = new CytonProtocol();
    const { samples, parser } = collectingParser(protocol);
    const zero = new Array(8).fill(0);
    parser.push(packets([packet(0, zero), packet(1, zero, [16, -32, 8000]), packet(2, zero), packet(3, zero)]));
    const accel = samples.filter((s) => s.key === 'accel').map((s) => s.values);
    expect(accel[0].every(Number.isNaN)).toBe(true);
    const g = [16, -32, 8000].map((c) => Math.fround(c * CYTON_ACCEL_G_PER_COUNT));
    expect(accel[1]).toEqual(g);
    expect(accel[2]).toEqual(g);
  });

  it('rejects a packet whose footer is not 0xC0..0xC6 and resumes at the next header', () => {
    const protocol = new CytonProtocol();
    const { samples, parser } = collectingParser(protocol);
    const list = Array.from({ length: 8 }, (_, i) => packet(i, new Array(8).fill(i + 1)));
    list[3][32] = 0xd0;
    parser.push(packets(list));
    const idx = samples.filter((s) => s.key === 'eeg').map((s) => s.index);
    expect(idx).not.toContain(3);
    expect(idx).toContain(6);
    expect(parser.stats.badFrames).toBeGreaterThan(0);
    expect(parser.stats.resyncs).toBeGreaterThan(0);
  });

  it('resynchronises after garbage and does not take 0xA0 in the garbage for a header', () => {
    const truth: Decoded[] = [];
    const emu = new CytonEmulator({ seed: 4, accelEveryPackets: 1, truth: truthInto(truth) });
    const bytes = runEmulator(emu, 1);
    const garbage = new Uint8Array(500).map((_, i) => (i % 7 === 0 ? 0xa0 : (i * 37) & 0x7f)); // headers, never a footer
    const mixed = new Uint8Array(bytes.length + garbage.length);
    mixed.set(bytes.subarray(0, 33 * 100 + 17));
    mixed.set(garbage, 33 * 100 + 17);
    mixed.set(bytes.subarray(33 * 100 + 17), 33 * 100 + 17 + garbage.length);
    const { samples, parser } = collectingParser(emu.protocol);
    parser.push(mixed);
    expect(unmatchedSamples(samples, truth, 0)).toEqual([]);
    const idx = samples.filter((s) => s.key === 'eeg').map((s) => s.index);
    expect(idx).toContain(240);
    expect(parser.stats.resyncs).toBeGreaterThanOrEqual(1);
  });

  it('Cyton + Daisy: joins an odd (board, ch 1-8) and the next even (daisy, ch 9-16) packet into one 125 Hz sample', () => {
    const protocol = new CytonProtocol({ daisy: true });
    expect(protocol.streams()[0]).toMatchObject({ nominalRateHz: 125 });
    expect(protocol.streams()[0].channels).toHaveLength(16);
    const { samples, parser } = collectingParser(protocol);
    const board = new Array(8).fill(100);
    const daisy = new Array(8).fill(-200);
    // Starts on a daisy half (unpaired), then pairs (3,4) (5,6) (7,8), packets 9 and 10 lost, pair (11,12).
    parser.push(
      packets([
        packet(2, daisy),
        packet(3, board, [100, 0, 0]),
        packet(4, daisy, [300, 0, 0]),
        packet(5, board),
        packet(6, daisy),
        packet(7, board),
        packet(8, daisy),
        packet(11, board),
        packet(12, daisy),
        packet(13, board),
      ]),
    );
    const eeg = samples.filter((s) => s.key === 'eeg');
    expect(eeg.map((s) => s.index)).toEqual([1, 2, 5]); // (7,8) precedes the loss: unconfirmed, dropped
    const uv = cytonUvPerCount(24);
    expect(eeg[0].values.slice(0, 8)).toEqual(new Array(8).fill(Math.fround(100 * uv)));
    expect(eeg[0].values.slice(8)).toEqual(new Array(8).fill(Math.fround(-200 * uv)));
    const accel = samples.filter((s) => s.key === 'accel');
    expect(accel[0].values[0]).toBe(Math.fround(200 * CYTON_ACCEL_G_PER_COUNT)); // mean of the two halves
    expect((parser as unknown as { unpairedPackets: number }).unpairedPackets).toBe(2); // packets 2 and 7
  });

  it('Cyton + Daisy: decodes the emulator stream exactly across counter wraps', () => {
    const truth: Decoded[] = [];
    const emu = new CytonEmulator({ daisy: true, seed: 2, truth: truthInto(truth) });
    const { samples, parser } = collectingParser(emu.protocol);
    parser.push(runEmulator(emu, 3));
    expect(unmatchedSamples(samples, truth, 0)).toEqual([]);
    expect(samples.filter((s) => s.key === 'eeg')).toHaveLength(374);
  });

  it("starts on 'b' and stops on 's' (emulator and protocol commands agree)", () => {
    const emu = new CytonEmulator();
    expect(emu.produce(1)).toHaveLength(0);
    expect(Array.from(emu.protocol.startCommands()[0])).toEqual([0x62]);
    expect(Array.from(emu.protocol.stopCommands()[0])).toEqual([0x73]);
    emu.receive(emu.protocol.startCommands()[0]);
    expect(emu.produce(0.1)).toHaveLength(25 * 33);
    emu.receive(emu.protocol.stopCommands()[0]);
    expect(emu.produce(1)).toHaveLength(0);
  });

  it('rejects gains the ADS1299 does not have and a wrong number of labels', () => {
    expect(() => new CytonProtocol({ gains: 3 })).toThrow(/gain/);
    expect(() => new CytonProtocol({ labels: ['Fp1'] })).toThrow(/labels/);
  });

  it('decodes the analog read mode (footer 0xC1) into an analog stream in counts, averaged over Daisy halves', () => {
    for (const daisy of [false, true]) {
      const truth: Decoded[] = [];
      const emu = new CytonEmulator({ daisy, aux: 'analog', seed: 12, truth: truthInto(truth) });
      expect(emu.protocol.streams().map((s) => s.key)).toEqual(['eeg', 'analog']);
      const { samples, parser } = collectingParser(emu.protocol);
      parser.push(runEmulator(emu, 1));
      expect(unmatchedSamples(samples, truth, 0)).toEqual([]);
      const analog = samples.filter((s) => s.key === 'analog');
      expect(analog.length).toBe(daisy ? 124 : 249);
      expect(analog.every((s) => s.values.every(Number.isFinite))).toBe(true);
    }
    // A packet in accelerometer format while in analog mode has no analog values: NaN, not a stale copy.
    const { samples, parser } = collectingParser(new CytonProtocol({ aux: 'analog' }));
    const zero = new Array(8).fill(0);
    parser.push(packets([packet(0, zero, [1, 2, 3], 0xc1), packet(1, zero, [4, 5, 6], 0xc0), packet(2, zero, [7, 8, 9], 0xc1)]));
    expect(samples.filter((s) => s.key === 'analog').map((s) => s.values)).toEqual([[1, 2, 3], [NaN, NaN, NaN]]);
  });
});
