import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { BitalinoEmulator } from '../../../../../src-main/acquisition/serial/bitalino/emulator.js';
import {
  bitalinoChannel,
  bitalinoCrc4,
  bitalinoFrameBytes,
  bitalinoRateCommand,
  bitalinoStartCommand,
  bitalinoTransfer,
  encodeBitalinoFrame,
} from '../../../../../src-main/acquisition/serial/bitalino/format.js';
import { BitalinoProtocol, type BitalinoChannel } from '../../../../../src-main/acquisition/serial/bitalino/protocol.js';
import { Rng } from '../../../../../src-main/acquisition/synthetic/prng.js';
import { collectingParser, runEmulator, truthInto, unmatchedSamples, type Decoded } from '../protocol-harness.js';

const ECG_EDA: BitalinoChannel[] = [
  { key: 'ecg', sensor: 'ecg', input: 2 },
  { key: 'eda', sensor: 'eda', input: 3 },
];

/** The frame decoding and CRC of the BITalino Python API's read(), restated in Python. */
const PYTHON_API_DECODE = `
import sys, json
out = []
for line in sys.stdin.read().split():
    n_ch, hexdata = line.split(':')
    nChannels = int(n_ch)
    decodedData = list(bytes.fromhex(hexdata))
    number_bytes = len(decodedData)
    crc = decodedData[-1] & 0x0F
    decodedData[-1] = decodedData[-1] & 0xF0
    x = 0
    for i in range(number_bytes):
        for bit in range(7, -1, -1):
            x = x << 1
            if (x & 0x10):
                x = x ^ 0x03
            x = x ^ ((decodedData[i] >> bit) & 0x01)
    row = {'ok': crc == x & 0x0F, 'seq': decodedData[-1] >> 4, 'crc': x & 0x0F}
    a = []
    if nChannels > 0: a.append(((decodedData[-2] & 0x0F) << 6) | (decodedData[-3] >> 2))
    if nChannels > 1: a.append(((decodedData[-3] & 0x03) << 8) | decodedData[-4])
    if nChannels > 2: a.append((decodedData[-5] << 2) | (decodedData[-6] >> 6))
    if nChannels > 3: a.append(((decodedData[-6] & 0x3F) << 4) | (decodedData[-7] >> 4))
    if nChannels > 4: a.append(((decodedData[-7] & 0x0F) << 2) | (decodedData[-8] >> 6))
    if nChannels > 5: a.append(decodedData[-8] & 0x3F)
    row['analog'] = a
    row['digital'] = [(decodedData[-2] >> b) & 1 for b in (7, 6, 5, 4)]
    out.append(row)
print(json.dumps(out))
`;

function hasPython(): boolean {
  try {
    execFileSync('python3', ['--version']);
    return true;
  } catch {
    return false;
  }
}

describe('BITalino (r)evolution protocol', () => {
  it('sizes frames as the API does: ceil((12 + 10N)/8) up to 4 channels, ceil((52 + 6(N-4))/8) beyond', () => {
    expect([1, 2, 3, 4, 5, 6].map(bitalinoFrameBytes)).toEqual([3, 4, 6, 7, 8, 8]);
  });

  it.skipIf(!hasPython())('encodes frames that the BITalino API decoding (run in Python) reads back with a valid CRC-4', () => {
    const rng = new Rng(11);
    const cases: { n: number; frame: Uint8Array; values: number[]; seq: number; digital: number }[] = [];
    for (let i = 0; i < 300; i++) {
      const n = 1 + (i % 6);
      const values = Array.from({ length: n }, (_, k) => rng.int(k < 4 ? 1024 : 64));
      const seq = rng.int(16);
      const digital = rng.int(16);
      const frame = new Uint8Array(bitalinoFrameBytes(n));
      encodeBitalinoFrame(frame, 0, values, digital, seq);
      cases.push({ n, frame, values, seq, digital });
    }
    const input = cases.map((c) => `${c.n}:${Buffer.from(c.frame).toString('hex')}`).join('\n');
    const rows = JSON.parse(execFileSync('python3', ['-c', PYTHON_API_DECODE], { input, encoding: 'utf8' })) as {
      ok: boolean;
      seq: number;
      analog: number[];
      digital: number[];
    }[];
    rows.forEach((row, i) => {
      const c = cases[i];
      expect(row.ok).toBe(true);
      expect(row.seq).toBe(c.seq);
      expect(row.analog).toEqual(c.values);
      expect(row.digital).toEqual([3, 2, 1, 0].map((b) => (c.digital >> b) & 1));
      expect(c.values.map((_, k) => bitalinoChannel(c.frame, 0, c.frame.length, k))).toEqual(c.values);
      expect(bitalinoCrc4(c.frame, 0, c.frame.length)).toBe(c.frame[c.frame.length - 1] & 0x0f);
    });
  });

  it('applies the datasheet transfer functions: ECG/EEG/EMG to microvolts, EDA to microsiemens', () => {
    expect(bitalinoTransfer('ecg', 512, 10)).toBe(0);
    expect(bitalinoTransfer('ecg', 1023, 10)).toBeCloseTo(((1023 / 1024 - 0.5) * 3.3 * 1e6) / 1100, 6); // ~1498.5 µV
    expect(bitalinoTransfer('eeg', 0, 10)).toBeCloseTo((-0.5 * 3.3 * 1e6) / 41782, 6); // ~ -39.49 µV
    expect(bitalinoTransfer('emg', 768, 10)).toBeCloseTo((0.25 * 3.3 * 1e6) / 1009, 6);
    expect(bitalinoTransfer('eda', 1023, 10)).toBeCloseTo(((1023 / 1024) * 3.3) / 0.132, 9); // ~24.98 µS
    expect(bitalinoTransfer('eda', 32, 6)).toBeCloseTo((0.5 * 3.3) / 0.132, 9); // 6-bit channel A5/A6
    expect(bitalinoTransfer('raw', 77, 10)).toBe(77);
  });

  it('sends the API commands: rate code << 6 | 0x03, then the live start with the channel mask, stop 0x00', () => {
    const p = new BitalinoProtocol({ channels: ECG_EDA, rateHz: 1000 });
    expect(p.startCommands().map((c) => Array.from(c))).toEqual([[0xc3], [0x19]]);
    expect(p.stopCommands().map((c) => Array.from(c))).toEqual([[0x00]]);
    expect(bitalinoRateCommand(1)).toBe(0x03);
    expect(bitalinoRateCommand(100)).toBe(0x83);
    expect(bitalinoStartCommand(0x3f)).toBe(0xfd);
  });

  it('decodes the emulator stream for 1 to 6 channels at every rate, with the sequence unwrapped into a counter', () => {
    const sensors = ['ecg', 'eda', 'eeg', 'emg', 'raw', 'eda'] as const;
    for (let n = 1; n <= 6; n++) {
      for (const rateHz of [1, 10, 100, 1000] as const) {
        const channels = Array.from({ length: n }, (_, k) => ({ key: `${sensors[k]}${k}`, sensor: sensors[k], input: 6 - k }));
        const truth: Decoded[] = [];
        const emu = new BitalinoEmulator({ channels, rateHz, seed: n, truth: truthInto(truth) });
        const seconds = Math.max(1, 40 / rateHz);
        const { samples, parser } = collectingParser(emu.protocol);
        parser.push(runEmulator(emu, seconds, seconds / 4));
        const frames = Math.round(seconds * rateHz);
        expect(samples).toHaveLength((frames - 2) * n); // the last two frames await confirmation
        expect(unmatchedSamples(samples, truth, 0)).toEqual([]);
        expect(parser.stats.badFrames).toBe(0);
      }
    }
  });

  it('orders streams by analog input, whatever order the options gave', () => {
    const p = new BitalinoProtocol({ channels: [ECG_EDA[1], ECG_EDA[0]] });
    expect(p.streams().map((s) => s.key)).toEqual(['ecg', 'eda']);
    expect(p.streams()[1]).toMatchObject({ type: 'EDA', channels: [{ unit: 'microsiemens' }] });
  });

  it('drops a frame whose single flipped bit breaks its CRC-4, and the two unconfirmed frames before it, then resumes', () => {
    const truth: Decoded[] = [];
    const emu = new BitalinoEmulator({ channels: ECG_EDA, seed: 5, truth: truthInto(truth) });
    const bytes = runEmulator(emu, 0.2);
    const frameBytes = emu.protocol.frameBytes;
    bytes[100 * frameBytes + 1] ^= 0x10;
    const { samples, parser } = collectingParser(emu.protocol);
    parser.push(bytes);
    const idx = samples.filter((s) => s.key === 'ecg').map((s) => s.index);
    expect(idx).not.toContain(100);
    expect(idx).toContain(110);
    expect(unmatchedSamples(samples, truth, 0)).toEqual([]);
    expect(parser.stats.badFrames).toBeGreaterThanOrEqual(1);
  });

  it('records frames lost on the device side as counter jumps (sequence 0..15 wraps)', () => {
    const truth: Decoded[] = [];
    const emu = new BitalinoEmulator({ channels: ECG_EDA, seed: 6, lossProbability: 0.01, truth: truthInto(truth) });
    const { samples, parser } = collectingParser(emu.protocol);
    parser.push(runEmulator(emu, 2));
    const idx = samples.filter((s) => s.key === 'ecg').map((s) => s.index);
    expect(unmatchedSamples(samples, truth, 0)).toEqual([]);
    const jumps = idx.slice(1).filter((v, i) => v !== idx[i] + 1).length;
    expect(jumps).toBeGreaterThan(5);
    expect(idx.length).toBeGreaterThan(0.9 * truth.filter((t) => t.key === 'ecg').length);
  });

  it('reacts to the live/stop commands like the device: nothing before start, nothing after stop', () => {
    const emu = new BitalinoEmulator({ channels: ECG_EDA, rateHz: 100 });
    expect(emu.produce(1)).toHaveLength(0);
    for (const c of emu.protocol.startCommands()) emu.receive(c);
    expect(emu.produce(1)).toHaveLength(100 * 4);
    emu.receive(emu.protocol.stopCommands()[0]);
    expect(emu.produce(1)).toHaveLength(0);
  });

  it('rejects a rate BITalino does not have and an input outside A1..A6 or used twice', () => {
    expect(() => new BitalinoProtocol({ channels: ECG_EDA, rateHz: 500 as 1000 })).toThrow(/rate/);
    expect(() => new BitalinoProtocol({ channels: [{ key: 'ecg', sensor: 'ecg', input: 7 }] })).toThrow(/A1..A6/);
    expect(() => new BitalinoProtocol({ channels: [ECG_EDA[0], { key: 'eda', sensor: 'eda', input: 2 }] })).toThrow(/twice/);
  });
});
