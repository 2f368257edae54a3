import { describe, expect, it } from 'vitest';
import { TextEmulator } from '../../../../../src-main/acquisition/serial/text/emulator.js';
import { parseDecimal } from '../../../../../src-main/acquisition/serial/text/parser.js';
import { TextProtocol, type TextOptions } from '../../../../../src-main/acquisition/serial/text/protocol.js';
import { Rng } from '../../../../../src-main/acquisition/synthetic/prng.js';
import { collectingParser, pushChunked, runEmulator, truthInto, unmatchedSamples, type Decoded } from '../protocol-harness.js';

const enc = (s: string) => new TextEncoder().encode(s);
const ECG_EDA: TextOptions = { columns: [{ key: 'ecg', unit: 'mV' }, { key: 'eda', unit: 'uS' }], rateHz: 100 };

describe('line-based text protocol', () => {
  it('parses decimals exactly as Number() does, without building strings for plain decimals', () => {
    const rng = new Rng(3);
    for (let i = 0; i < 5000; i++) {
      const v = (rng.uniform() - 0.5) * 10 ** rng.int(8);
      for (const s of [v.toFixed(rng.int(7)), String(v), v.toExponential(3), `+${Math.abs(v).toFixed(2)}`, ` ${v.toFixed(1)}\t`]) {
        const b = enc(s);
        expect(parseDecimal(b, 0, b.length)).toBe(Number(s));
      }
    }
    for (const bad of ['', '-', '.', '1.2.3', '1e', '12a', '0x10', '1,5', 'NaN', '--1']) {
      const b = enc(bad);
      expect(parseDecimal(b, 0, b.length)).toBeNaN();
    }
  });

  it('maps fields to streams around the timestamp and counter columns, with device times in seconds', () => {
    const p = new TextProtocol({ ...ECG_EDA, timestampColumn: 1, counterColumn: 0 });
    const { samples, parser } = collectingParser(p);
    parser.push(enc('\n7,1500,0.25,3.5\r\n8,1510,-0.5,3.25\n'));
    expect(samples).toEqual([
      { key: 'ecg', index: 7, values: [0.25], deviceTimeSec: 1.5 },
      { key: 'ecg', index: 8, values: [-0.5], deviceTimeSec: 1.51 },
      { key: 'eda', index: 7, values: [3.5], deviceTimeSec: 1.5 },
      { key: 'eda', index: 8, values: [3.25], deviceTimeSec: 1.51 },
    ]);
    expect(p.streams().map((s) => [s.key, s.type, s.channels[0].unit])).toEqual([
      ['ecg', 'ECG', 'millivolts'],
      ['eda', 'EDA', 'microsiemens'],
    ]);
  });

  it('counts lines that do not parse as bad and never emits them', () => {
    const p = new TextProtocol(ECG_EDA);
    const { samples, parser } = collectingParser(p);
    const lines = ['', '1.5,2.5', '1.5', '1.5,2.5,3.5', 'abc,2', '1.5,', ',2.5', '1.5;2.5', '1.5,2.5x', `${'9'.repeat(300)},1`, '3,4', '# comment'];
    parser.push(enc(lines.join('\n') + '\n'));
    expect(samples.filter((s) => s.key === 'ecg').map((s) => s.values[0])).toEqual([1.5, 3]);
    expect(parser.stats.badFrames).toBe(8);
    expect(parser.stats.frames).toBe(2);
    // Without a counter column the line number is the index: each bad line is a lost sample.
    expect(samples.filter((s) => s.key === 'ecg').map((s) => s.index)).toEqual([0, 9]);
  });

  it('skips the first, possibly cut, line after a (re)connect', () => {
    const p = new TextProtocol(ECG_EDA);
    const { samples, parser } = collectingParser(p);
    parser.push(enc('5,2.5\n1,2\n'));
    expect(samples.map((s) => s.values[0])).toEqual([1, 2]);
    parser.reset();
    parser.push(enc('.5,9\n3,4\n'));
    expect(samples.map((s) => s.values[0])).toEqual([1, 2, 3, 4]);
    expect(parser.stats.resyncs).toBe(2);
  });

  it('bounds a line: a line longer than maxLineBytes is rejected without growing memory', () => {
    const p = new TextProtocol({ ...ECG_EDA, maxLineBytes: 64 });
    const { samples, parser } = collectingParser(p);
    parser.push(enc('\n'));
    parser.push(new Uint8Array(100000).fill(0x31));
    expect((parser as unknown as { bufferedBytes: number }).bufferedBytes).toBeLessThanOrEqual(64);
    parser.push(enc('\n1,2\n'));
    expect(samples.map((s) => s.values[0])).toEqual([1, 2]);
    expect(parser.stats.badFrames).toBe(1);
  });

  it('splits on runs of spaces or tabs when the separator is a space', () => {
    const p = new TextProtocol({ ...ECG_EDA, separator: ' ' });
    const { samples, parser } = collectingParser(p);
    parser.push(enc('\n  1.5 \t 2.5  \n3\t4\n'));
    expect(samples.map((s) => s.values[0])).toEqual([1.5, 3, 2.5, 4]); // per stream: ecg rows, then eda rows
  });

  it('decodes the emulator stream exactly, in any chunking, with timestamps in ms or s', () => {
    for (const unit of ['ms', 's'] as const) {
      const truth: Decoded[] = [];
      const emu = new TextEmulator({ ...ECG_EDA, counterColumn: 0, timestampColumn: 1, timestampUnit: unit, seed: 4, truth: truthInto(truth) });
      const bytes = runEmulator(emu, 3);
      const { samples, parser } = collectingParser(emu.protocol);
      const rng = new Rng(8);
      pushChunked(parser, bytes, () => 1 + rng.int(40));
      expect(samples).toHaveLength(truth.length);
      expect(unmatchedSamples(samples, truth, 0)).toEqual([]);
      expect(samples.find((s) => s.key === 'eda' && s.index === 150)?.deviceTimeSec).toBeCloseTo(1.5, 9);
      expect(parser.stats.badFrames).toBe(0);
    }
  });

  it('sends configured start/stop commands and the emulator streams only between them', () => {
    const emu = new TextEmulator({ ...ECG_EDA, startCommand: 'start\n', stopCommand: 'stop\n' });
    expect(emu.protocol.startCommands().map((c) => new TextDecoder().decode(c))).toEqual(['start\n']);
    expect(emu.produce(1)).toHaveLength(0);
    emu.receive(enc('start\n'));
    expect(new TextDecoder().decode(emu.produce(0.05)).split('\n').filter(Boolean)).toHaveLength(1 + 5);
    emu.receive(enc('stop\n'));
    expect(emu.produce(1)).toHaveLength(0);
    expect(new TextProtocol(ECG_EDA).startCommands()).toEqual([]);
  });

  it('rejects bad configurations naming the option', () => {
    expect(() => new TextProtocol({ ...ECG_EDA, columns: [] })).toThrow(/columns/);
    expect(() => new TextProtocol({ ...ECG_EDA, rateHz: 0 })).toThrow(/rate/);
    expect(() => new TextProtocol({ ...ECG_EDA, separator: '|' })).toThrow(/separator/);
    expect(() => new TextProtocol({ ...ECG_EDA, timestampColumn: 5 })).toThrow(/timestamp/);
    expect(() => new TextProtocol({ ...ECG_EDA, timestampColumn: 0, counterColumn: 0 })).toThrow(/counter/);
    expect(() => new TextProtocol({ ...ECG_EDA, columns: [{ key: 'ecg', unit: 'mV' }, { key: 'ecg', unit: 'mV' }] })).toThrow(/twice/);
  });

  it('unwraps a counter that wraps (counterWrap, e.g. a uint16_t) into a continuous count', () => {
    const p = new TextProtocol({ ...ECG_EDA, columns: [{ key: 'eda', unit: 'uS' }], counterColumn: 0, counterWrap: 65536 });
    const { samples, parser } = collectingParser(p);
    parser.push(enc('\n65534,1\n65535,2\n0,3\n2,4\n65536,5\n'));
    expect(samples.map((s) => [s.index, s.values[0]])).toEqual([
      [65534, 1],
      [65535, 2],
      [65536, 3],
      [65538, 4],
    ]);
    expect(parser.stats.badFrames).toBe(1); // 65536 is outside 0..65535
    expect(() => new TextProtocol({ ...ECG_EDA, counterWrap: 256 })).toThrow(/counterWrap/);
  });
});
