import { describe, expect, it } from 'vitest';
import {
  chooseRecordDuration,
  encodeEdf,
  formatHeaderNumber,
  parseHeaderNumber,
  readEdfBytes,
  sampleTimeSec,
  type EdfAnnotation,
  type EdfSignalSpec,
  type EdfWriteSpec,
} from '../../../../src-main/storage/edf/index.js';
import { encodeRecordTals } from '../../../../src-main/storage/edf/edf-tal.js';
import { parseRecordTals } from '../../../../src-main/storage/edf/edf-tal.js';

function sine(n: number, rateHz: number, freqHz: number, amplitude: number, offset = 0): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = offset + amplitude * Math.sin((2 * Math.PI * freqHz * i) / rateHz) + 0.1 * amplitude * Math.sin(i * 0.7);
  return v;
}

function multiRateSpec(format: 'edf' | 'bdf', recordCount = 10): EdfWriteSpec {
  const signals: EdfSignalSpec[] = [
    { label: 'EEG Fp1', physicalDimension: 'uV', transducer: 'AgAgCl electrode', prefiltering: 'HP:0.1Hz LP:100Hz', samplesPerRecord: 256, values: sine(256 * recordCount, 256, 10, 50) },
    { label: 'ECG II', physicalDimension: 'mV', samplesPerRecord: 128, values: sine(128 * recordCount, 128, 1.2, 1.5, 0.2) },
    { label: 'EDA', physicalDimension: 'uS', samplesPerRecord: 4, values: sine(4 * recordCount, 4, 0.05, 0.8, 5) },
  ];
  const annotations: EdfAnnotation[] = [
    { onsetSec: 0.5, text: 'stimulus/start' },
    { onsetSec: 2.25, durationSec: 3.5, text: 'clip: joyful ☺' },
    { onsetSec: 9.999, text: 'end' },
  ];
  return {
    format,
    patient: { code: 'P012' },
    recording: { admincode: 'study-7', technician: 'tech A', equipment: 'HiMoE' },
    startDate: new Date(Date.UTC(2024, 2, 5, 13, 7, 9)),
    recordDurationSec: 1,
    recordCount,
    signals,
    annotations,
  };
}

function maxAbsError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('EDF+/BDF+ writer and reader round trip', () => {
  for (const format of ['edf', 'bdf'] as const) {
    it(`${format}: multi-rate signals come back within half a quantisation step, with header fields and annotations`, () => {
      const spec = multiRateSpec(format);
      const { bytes, result } = encodeEdf(spec);
      const file = readEdfBytes(bytes);

      expect(file.variant).toBe(`${format.toUpperCase()}+C`);
      expect(result.bytes).toBe(bytes.length);
      expect(file.signals.map((s) => s.label)).toEqual(['EEG Fp1', 'ECG II', 'EDA']);
      expect(file.signals.map((s) => s.rateHz)).toEqual([256, 128, 4]);
      expect(file.signals.map((s) => s.physicalDimension)).toEqual(['uV', 'mV', 'uS']);
      expect(file.signals[0]!.transducer).toBe('AgAgCl electrode');
      expect(file.signals[0]!.prefiltering).toBe('HP:0.1Hz LP:100Hz');
      expect(file.patient?.code).toBe('P012');
      expect(file.patient?.name).toBeUndefined();
      expect(file.recording?.technician).toBe('tech A');
      expect(file.recording?.startDate?.toISOString()).toBe('2024-03-05T00:00:00.000Z');
      expect(file.startDate.toISOString()).toBe('2024-03-05T13:07:09.000Z');
      spec.signals.forEach((s, i) => {
        const quantum = result.signals[i]!.quantumPhysical;
        expect(maxAbsError(file.signals[i]!.values, s.values)).toBeLessThanOrEqual(quantum / 2 + 1e-12);
      });
      expect(file.annotations).toEqual([
        { onsetSec: 0.5, text: 'stimulus/start' },
        { onsetSec: 2.25, durationSec: 3.5, text: 'clip: joyful ☺' },
        { onsetSec: 9.999, text: 'end' },
      ]);
      expect(Array.from(file.recordOnsetsSec)).toEqual(Array.from({ length: 10 }, (_, r) => r));
      expect(file.warnings).toEqual([]);
    });
  }

  it('decodes only the signals asked for, keeping annotations and record onsets', () => {
    const spec = multiRateSpec('bdf');
    const { bytes, result } = encodeEdf(spec);
    const file = readEdfBytes(bytes, { signals: ['ECG II'] });
    expect(file.signals.map((s) => s.label)).toEqual(['ECG II']);
    expect(maxAbsError(file.signals[0]!.values, spec.signals[1]!.values)).toBeLessThanOrEqual(result.signals[1]!.quantumPhysical / 2 + 1e-12);
    expect(file.annotations).toHaveLength(3);
    expect(file.recordOnsetsSec[9]).toBe(9);
  });

  it('chooses physical ranges from the data so the quantisation step is the data range over the digital range', () => {
    const spec = multiRateSpec('edf');
    const { result } = encodeEdf(spec);
    const eeg = spec.signals[0]!.values;
    const min = Math.min(...eeg);
    const max = Math.max(...eeg);
    const w = result.signals[0]!;
    expect(w.physicalMin).toBeLessThanOrEqual(min);
    expect(w.physicalMax).toBeGreaterThanOrEqual(max);
    // Outward rounding to 8 characters costs far less than 1 % of the range.
    expect(w.quantumPhysical).toBeLessThan(((max - min) / 65535) * 1.01);
    const bdf = encodeEdf(multiRateSpec('bdf')).result.signals[0]!;
    expect(bdf.quantumPhysical).toBeLessThan(((max - min) / 16777215) * 1.01);
  });

  it('writes EDF+D with records at their true onsets and reads the onsets back', () => {
    const base = multiRateSpec('edf', 4);
    const onsets = Float64Array.from([0, 1, 5, 6.5]);
    const { bytes } = encodeEdf({ ...base, recordOnsetsSec: onsets, annotations: [{ onsetSec: 5.5, text: 'after the gap' }] });
    const file = readEdfBytes(bytes);
    expect(file.variant).toBe('EDF+D');
    expect(file.continuous).toBe(false);
    expect(Array.from(file.recordOnsetsSec)).toEqual([0, 1, 5, 6.5]);
    expect(sampleTimeSec(file, file.signals[0]!, 2 * 256 + 128)).toBeCloseTo(5.5, 12);
    expect(file.annotations).toEqual([{ onsetSec: 5.5, text: 'after the gap' }]);
  });

  it('reads channels straight out of a row-major block through stride and offset', () => {
    const rows = 20;
    const block = Float32Array.from({ length: rows * 3 }, (_, k) => (k % 3) * 100 + Math.floor(k / 3));
    const { bytes } = encodeEdf({
      format: 'bdf',
      startDate: new Date(Date.UTC(2020, 0, 1)),
      recordDurationSec: 1,
      recordCount: 2,
      signals: [0, 1, 2].map((c) => ({ label: `ch${c}`, physicalDimension: 'uV', samplesPerRecord: rows / 2, values: block, stride: 3, offset: c })),
    });
    const file = readEdfBytes(bytes);
    file.signals.forEach((s, c) => {
      expect(s.physicalMin).toBeLessThanOrEqual(c * 100);
      expect(s.physicalMax).toBeLessThan(c * 100 + 20);
      expect(maxAbsError(s.values, Array.from({ length: rows }, (_, i) => c * 100 + i))).toBeLessThan(1e-4);
    });
  });

  it('writes plain EDF without an annotation signal when plus is false', () => {
    const spec = { ...multiRateSpec('edf'), plus: false, annotations: [] };
    const file = readEdfBytes(encodeEdf(spec).bytes);
    expect(file.variant).toBe('EDF');
    expect(file.plus).toBe(false);
    expect(file.patientId).toBe('P012');
    expect(file.signals).toHaveLength(3);
  });

  it('keeps a constant signal and clamps values outside a fixed physical range', () => {
    const constant = new Float64Array(10).fill(3.25);
    const clipped = Float64Array.from([-500, -100, 0, 100, 500, NaN, 0, 0, 0, 0]);
    const { bytes } = encodeEdf({
      format: 'edf',
      startDate: new Date(Date.UTC(2020, 0, 1)),
      recordDurationSec: 1,
      recordCount: 1,
      signals: [
        { label: 'const', physicalDimension: 'uV', samplesPerRecord: 10, values: constant },
        { label: 'clip', physicalDimension: 'uV', samplesPerRecord: 10, values: clipped, physicalMin: -200, physicalMax: 200 },
      ],
    });
    const file = readEdfBytes(bytes);
    expect(maxAbsError(file.signals[0]!.values, constant)).toBeLessThan(1e-4);
    const v = file.signals[1]!.values;
    expect(v[0]).toBeCloseTo(-200, 6);
    expect(v[4]).toBeCloseTo(200, 6);
    expect(Math.abs(v[5]!)).toBeLessThan(0.01); // NaN is written as (nearly) zero, not a rail
  });

  it('grows the annotation signal so a record with many annotations keeps them all', () => {
    const annotations = Array.from({ length: 40 }, (_, k) => ({ onsetSec: 3 + k * 0.01, text: `marker ${k}` }));
    const { bytes, result } = encodeEdf({ ...multiRateSpec('edf'), annotations });
    const file = readEdfBytes(bytes);
    expect(result.annotationSamplesPerRecord * 2).toBeGreaterThan(40 * 12);
    expect(file.annotations.map((a) => a.text)).toEqual(annotations.map((a) => a.text));
    file.annotations.forEach((a, k) => expect(a.onsetSec).toBeCloseTo(annotations[k]!.onsetSec, 9));
  });

  it('splits a BioSemi Status channel into 16 trigger bits and 8 status bits', () => {
    const n = 64;
    const triggers = Array.from({ length: n }, (_, i) => (i * 977) & 0xffff);
    const statusBits = Array.from({ length: n }, (_, i) => (i % 2 ? 0x10 : 0) | (i === 0 ? 0x01 : 0) | (i > 40 ? 0x80 : 0));
    // A 24-bit word as BioSemi writes it: signed, digital == physical.
    const words = Float64Array.from(triggers, (t, i) => ((((statusBits[i]! << 16) | t) << 8) >> 8));
    const { bytes } = encodeEdf({
      format: 'bdf',
      plus: false,
      startDate: new Date(Date.UTC(2021, 5, 1)),
      recordDurationSec: 1,
      recordCount: 1,
      signals: [
        { label: 'A1', physicalDimension: 'uV', samplesPerRecord: n, values: sine(n, n, 3, 100) },
        { label: 'Status', physicalDimension: 'Boolean', samplesPerRecord: n, values: words, physicalMin: -8388608, physicalMax: 8388607 },
      ],
    });
    const file = readEdfBytes(bytes);
    expect(file.variant).toBe('BDF');
    expect(file.reserved).toBe('24BIT');
    expect(file.status?.signalIndex).toBe(1);
    expect(Array.from(file.status!.triggers)).toEqual(triggers);
    expect(Array.from(file.status!.status)).toEqual(statusBits);
  });
});

describe('record duration', () => {
  it('picks 1 s when every rate has integer samples per second', () => {
    expect(chooseRecordDuration([256, 128, 4, 32])).toBe(1);
  });
  it('picks a longer record for rates below 1 Hz or with half-hertz parts', () => {
    expect(chooseRecordDuration([256, 0.5])).toBe(2);
    expect(chooseRecordDuration([250, 2.5])).toBe(2);
  });
  it('picks a fractional-second record when 1 s records would exceed 61440 bytes', () => {
    const d = chooseRecordDuration(new Array(64).fill(1000), 3);
    expect(d).not.toBeNull();
    expect(d!).toBeLessThan(1);
    expect(64 * 1000 * d! * 3).toBeLessThanOrEqual(61440);
  });
  it('returns null when no candidate gives integer samples per record', () => {
    expect(chooseRecordDuration([Math.PI])).toBeNull();
  });
});

describe('header numbers and TALs', () => {
  it('formats numbers in 8 characters rounded outward', () => {
    const xs = [0, -0.000123456, 1234.56789, -98765.4321, 123456789, -1.5e12, 1e-9, 3.14159265, -32768];
    for (const x of xs) {
      const down = formatHeaderNumber(x, 8, 'down');
      const up = formatHeaderNumber(x, 8, 'up');
      expect(down.length).toBeLessThanOrEqual(8);
      expect(up.length).toBeLessThanOrEqual(8);
      expect(parseHeaderNumber(down)).toBeLessThanOrEqual(x);
      expect(parseHeaderNumber(up)).toBeGreaterThanOrEqual(x);
    }
  });

  it('encodes the time-keeping TAL first and parses annotations with negative onsets and durations', () => {
    const bytes = encodeRecordTals(12.5, [{ onsetSec: -0.25, durationSec: 1.125, text: 'pre\x14stim' }, { onsetSec: 13, text: '' }]);
    const padded = new Uint8Array(bytes.length + 5);
    padded.set(bytes);
    const tals = parseRecordTals(padded, 0, 'x');
    expect(tals[0]).toEqual({ onsetSec: 12.5, texts: [''] });
    expect(tals[1]).toEqual({ onsetSec: -0.25, durationSec: 1.125, texts: ['pre stim'] });
    expect(tals[2]!.onsetSec).toBe(13);
  });
});
