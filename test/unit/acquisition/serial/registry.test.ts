import { describe, expect, it } from 'vitest';
import { SourceError } from '../../../../src-main/core/errors.js';
import { BitalinoProtocol } from '../../../../src-main/acquisition/serial/bitalino/protocol.js';
import { CytonProtocol } from '../../../../src-main/acquisition/serial/cyton/protocol.js';
import { HimoeFrameProtocol } from '../../../../src-main/acquisition/serial/himoe-frame/protocol.js';
import { parseProtocolOptions, protocolFor, SERIAL_PROTOCOL_NAMES } from '../../../../src-main/acquisition/serial/registry.js';
import { TextProtocol } from '../../../../src-main/acquisition/serial/text/protocol.js';

function optionError(fn: () => unknown): SourceError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SourceError) return err;
    throw err;
  }
  throw new Error('expected a SourceError');
}

describe('serial protocol registry', () => {
  it('splits option strings on ";" when present, else ",", continuing values that have no "="', () => {
    expect(parseProtocolOptions('ecg=A2,eda=A3,rate=1000')).toEqual({ ecg: 'A2', eda: 'A3', rate: '1000' });
    expect(parseProtocolOptions('columns=ecg:mV,eda:uS;rate=100;timestamp=0')).toEqual({ columns: 'ecg:mV,eda:uS', rate: '100', timestamp: '0' });
    expect(parseProtocolOptions('columns=ecg:mV,eda:uS,rate=100')).toEqual({ columns: 'ecg:mV,eda:uS', rate: '100' });
    expect(parseProtocolOptions('')).toEqual({});
    expect(() => parseProtocolOptions('ecg')).toThrow(/key=value/);
  });

  it('builds every named protocol', () => {
    expect(SERIAL_PROTOCOL_NAMES.map((n) => protocolFor(n, n === 'bitalino' ? { ecg: 'A2' } : n === 'text' ? { columns: 'eda:uS', rate: '10' } : {}).name)).toEqual([
      'cyton',
      'cyton-daisy',
      'bitalino',
      'text',
      'himoe',
    ]);
  });

  it('configures BITalino from sensor=input pairs and a rate', () => {
    const p = protocolFor('bitalino', parseProtocolOptions('ecg=A2,eda=A3,rate=100')) as BitalinoProtocol;
    expect(p).toBeInstanceOf(BitalinoProtocol);
    expect(p.rateHz).toBe(100);
    expect(p.streams().map((s) => [s.key, s.type, s.channels[0].label])).toEqual([
      ['ecg', 'ECG', 'ECG-A2'],
      ['eda', 'EDA', 'EDA-A3'],
    ]);
  });

  it('configures the text protocol from columns, rate, separator, timestamp and counter fields, and commands', () => {
    const p = protocolFor('text', parseProtocolOptions('columns=ecg:mV,eda:uS;rate=100;timestamp=0;counter=1;separator=tab;start=go\\n')) as TextProtocol;
    expect(p).toBeInstanceOf(TextProtocol);
    expect(p.options).toMatchObject({ rateHz: 100, separator: '\t', timestampColumn: 0, counterColumn: 1 });
    expect(Array.from(p.fieldRoles)).toEqual([-1, -2, 0, 1]);
    expect(new TextDecoder().decode(p.startCommands()[0])).toBe('go\n');
  });

  it('configures Cyton gains (one or per channel), labels and the accelerometer', () => {
    const p = protocolFor('cyton', { gain: '8', labels: 'Fp1,Fp2,C3,C4,P3,P4,O1,O2', accel: 'false' }) as CytonProtocol;
    expect(p.streams().map((s) => s.key)).toEqual(['eeg']);
    expect(p.streams()[0].channels[0].label).toBe('Fp1');
    expect(p.uvPerCount[0]).toBeCloseTo(4.5e6 / 8 / 8388607, 9);
    expect((protocolFor('cyton-daisy', {}) as CytonProtocol).channelCount).toBe(16);
    expect(protocolFor('cyton', { aux: 'analog' }).streams().map((s) => s.key)).toEqual(['eeg', 'analog']);
    expect(protocolFor('himoe', { requireDescriptor: 'no' })).toBeInstanceOf(HimoeFrameProtocol);
  });

  it('names the bad option in a SourceError with code BAD_OPTION', () => {
    const cases: [string, Record<string, string>, string][] = [
      ['bitalino', { ecg: 'A9' }, 'ecg'],
      ['bitalino', { ecg: 'A2', rate: '500' }, 'rate'],
      ['bitalino', { ecg: 'A2', colour: 'red' }, 'colour'],
      ['bitalino', { ecg: 'A2', eda: 'A2' }, 'eda'],
      ['bitalino', {}, 'channels'],
      ['text', { rate: '100' }, 'columns'],
      ['text', { columns: 'ecg', rate: '100' }, 'columns'],
      ['text', { columns: 'ecg:mV' }, 'rate'],
      ['text', { columns: 'ecg:mV', rate: 'fast' }, 'rate'],
      ['text', { columns: 'ecg:mV', rate: '100', timestamp: '-1' }, 'timestamp'],
      ['text', { columns: 'ecg:mV', rate: '100', timestamp: '3' }, 'timestamp'],
      ['text', { columns: 'ecg:mV', rate: '100', separator: 'pipe' }, 'separator'],
      ['text', { columns: 'ecg:mV', rate: '100', timestampUnit: 'us' }, 'timestampUnit'],
      ['text', { columns: 'ecg:mV', rate: '100', counter: '0', counterWrap: '1' }, 'counterWrap'],
      ['text', { columns: 'ecg:mV', rate: '100', maxLine: '4' }, 'maxLine'],
      ['cyton', { gain: '3' }, 'gain'],
      ['cyton', { gain: 'x' }, 'gain'],
      ['cyton', { labels: 'a,b' }, 'labels'],
      ['cyton', { accel: 'maybe' }, 'accel'],
      ['cyton', { aux: 'gyro' }, 'aux'],
      ['himoe', { foo: '1' }, 'foo'],
    ];
    for (const [name, options, option] of cases) {
      const err = optionError(() => protocolFor(name, options));
      expect(err.code, `${name} ${JSON.stringify(options)}`).toBe('BAD_OPTION');
      expect(err.details.option, `${name} ${JSON.stringify(options)}`).toBe(option);
      expect(err.message).toContain(option);
    }
    expect(optionError(() => protocolFor('ganglion', {})).code).toBe('UNKNOWN_PROTOCOL');
  });
});
