import { describe, expect, it } from 'vitest';
import { EdfError, encodeEdf, readEdfBytes, type EdfWriteSpec } from '../../../../src-main/storage/edf/index.js';

function validFile(recordCount = 3): Uint8Array {
  const spec: EdfWriteSpec = {
    format: 'edf',
    patient: { code: 'S01' },
    startDate: new Date(Date.UTC(2022, 0, 2, 3, 4, 5)),
    recordDurationSec: 1,
    recordCount,
    signals: [
      { label: 'EEG Cz', physicalDimension: 'uV', samplesPerRecord: 8, values: Float64Array.from({ length: 8 * recordCount }, (_, i) => Math.sin(i)) },
      { label: 'EDA', physicalDimension: 'uS', samplesPerRecord: 2, values: Float64Array.from({ length: 2 * recordCount }, (_, i) => i) },
    ],
    annotations: [{ onsetSec: 1.5, text: 'go' }],
  };
  return encodeEdf(spec).bytes;
}

/** Overwrites a fixed-width ASCII field (space padded). */
function put(bytes: Uint8Array, offset: number, width: number, text: string): Uint8Array {
  const out = bytes.slice();
  for (let i = 0; i < width; i++) out[offset + i] = i < text.length ? text.charCodeAt(i) : 0x20;
  return out;
}

function edfErrorOf(fn: () => unknown): EdfError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(EdfError);
    return err as EdfError;
  }
  throw new Error('expected an EdfError, nothing was thrown');
}

// Header layout: signal count 3 (2 + annotations) -> signal fields start at 256.
const NS = 3;
const SPR_OFFSET = 256 + NS * (16 + 80 + 8 + 8 + 8 + 8 + 8 + 80);

describe('EDF reader on bad input', () => {
  it('rejects a file shorter than the fixed header as TRUNCATED', () => {
    const e = edfErrorOf(() => readEdfBytes(validFile().subarray(0, 100), {}, 'short.edf'));
    expect(e.code).toBe('TRUNCATED');
    expect(e.domain).toBe('edf');
    expect(e.message).toContain('short.edf');
  });

  it('rejects an unknown version field naming it at byte 0', () => {
    const e = edfErrorOf(() => readEdfBytes(put(validFile(), 0, 8, 'PK\x03\x04'), {}, 'zip.edf'));
    expect(e.code).toBe('BAD_VERSION');
    expect(e.byteOffset).toBe(0);
    expect(e.message).toMatch(/PK\\x03\\x04/);
  });

  it('names the field and byte offset of non-ASCII garbage in the header', () => {
    const bytes = validFile();
    bytes[8 + 5] = 0xc3; // inside the patient field
    const e = edfErrorOf(() => readEdfBytes(bytes));
    expect(e.code).toBe('NON_ASCII');
    expect(e.field).toBe('patient');
    expect(e.byteOffset).toBe(13);
    expect(e.message).toContain('0xc3');
  });

  it('rejects a header-bytes field that contradicts the number of signals', () => {
    const e = edfErrorOf(() => readEdfBytes(put(validFile(), 184, 8, '512')));
    expect(e.code).toBe('SIZE_MISMATCH');
    expect(e.field).toBe('number of header bytes');
    expect(e.byteOffset).toBe(184);
  });

  it('rejects an absurd number of signals before allocating for them', () => {
    const file = validFile();
    let bytes = put(file, 252, 4, '9999');
    bytes = put(bytes, 184, 8, String(256 * 10000));
    const e = edfErrorOf(() => readEdfBytes(bytes));
    expect(e.code).toBe('TRUNCATED');
    expect(e.field).toBe('signal headers');
    expect(e.message).toMatch(/9999 signals needs 2560000/);
    expect(edfErrorOf(() => readEdfBytes(put(file, 252, 4, '-7'))).code).toBe('LIMIT_EXCEEDED');
    expect(edfErrorOf(() => readEdfBytes(put(file, 252, 4, 'x2')))).toMatchObject({ code: 'BAD_FIELD', field: 'number of signals' });
  });

  it('rejects a record count that the file size contradicts, quickly and without a huge allocation', () => {
    const bytes = put(validFile(), 236, 8, '99999999');
    const heapBefore = process.memoryUsage().arrayBuffers;
    const e = edfErrorOf(() => readEdfBytes(bytes, {}, 'big.edf'));
    expect(process.memoryUsage().arrayBuffers - heapBefore).toBeLessThan(10 * 1024 * 1024);
    expect(e.code).toBe('SIZE_MISMATCH');
    expect(e.field).toBe('number of data records');
    expect(e.byteOffset).toBe(236);
    expect(e.message).toMatch(/promises 99999999 records/);
  });

  it('rejects absurd samples per record naming the signal', () => {
    const bytes = put(validFile(), SPR_OFFSET + 8, 8, '99999999'); // signal 2
    const e = edfErrorOf(() => readEdfBytes(bytes));
    expect(e.code).toBe('SIZE_MISMATCH');
    const zero = edfErrorOf(() => readEdfBytes(put(validFile(), SPR_OFFSET, 8, '0')));
    expect(zero).toMatchObject({ code: 'LIMIT_EXCEEDED', field: 'signal 1 samplesPerRecord', byteOffset: SPR_OFFSET });
  });

  it('rejects a truncated data section unless asked to read the whole records it holds', () => {
    const file = validFile(3);
    const cut = file.subarray(0, file.length - 10);
    expect(edfErrorOf(() => readEdfBytes(cut)).code).toBe('SIZE_MISMATCH');
    const read = readEdfBytes(cut, { allowTruncated: true });
    expect(read.recordCount).toBe(2);
    expect(read.warnings.join()).toMatch(/truncated/);
  });

  it('rejects an inverted digital range and an unparseable physical minimum', () => {
    const digitalMinOffset = 256 + NS * (16 + 80 + 8 + 8 + 8);
    const e = edfErrorOf(() => readEdfBytes(put(validFile(), digitalMinOffset, 8, '40000')));
    expect(e).toMatchObject({ code: 'BAD_FIELD', field: 'signal 1 digital range' });
    const physicalMinOffset = 256 + NS * (16 + 80 + 8);
    expect(edfErrorOf(() => readEdfBytes(put(validFile(), physicalMinOffset, 8, '1,5')))).toMatchObject({ code: 'BAD_FIELD', field: 'signal 1 physicalMin' });
  });

  it('rejects a bad start date and a broken TAL with its byte offset', () => {
    expect(edfErrorOf(() => readEdfBytes(put(validFile(), 168, 8, '32.13.99')))).toMatchObject({ code: 'BAD_FIELD', field: 'startdate' });
    const bytes = validFile();
    const headerBytes = 256 * (NS + 1);
    const talOffset = headerBytes + (8 + 2) * 2; // first record, after the two ordinary signals
    bytes[talOffset] = 0x41; // 'A' instead of '+'
    const e = edfErrorOf(() => readEdfBytes(bytes));
    expect(e).toMatchObject({ code: 'BAD_ANNOTATION', byteOffset: talOffset });
  });

  it('reads a file marked EDF+C without an annotation signal (as some writers make) with a warning', () => {
    const plain = encodeEdf({
      format: 'edf',
      plus: false,
      startDate: new Date(Date.UTC(2022, 0, 1)),
      recordDurationSec: 1,
      recordCount: 2,
      signals: [{ label: 'X', physicalDimension: 'uV', samplesPerRecord: 4, values: Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8]) }],
    }).bytes;
    const file = readEdfBytes(put(plain, 192, 44, 'EDF+C'));
    expect(file.variant).toBe('EDF+C');
    expect(Array.from(file.recordOnsetsSec)).toEqual([0, 1]);
    expect(file.warnings.join()).toMatch(/no signal is labelled "EDF Annotations"/);
  });

  it('throws only EdfError on random corruptions of a valid file', () => {
    const file = validFile();
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    let errors = 0;
    for (let trial = 0; trial < 300; trial++) {
      const bytes = file.slice();
      const flips = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < flips; k++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      const cut = rand() < 0.3 ? bytes.subarray(0, Math.floor(rand() * bytes.length)) : bytes;
      try {
        readEdfBytes(cut);
      } catch (err) {
        expect(err).toBeInstanceOf(EdfError);
        errors++;
      }
    }
    expect(errors).toBeGreaterThan(50);
  });
});

describe('EDF writer on bad input', () => {
  it('names the signal whose value count does not fill the records', () => {
    const e = edfErrorOf(() =>
      encodeEdf({
        format: 'edf',
        startDate: new Date(Date.UTC(2022, 0, 1)),
        recordDurationSec: 1,
        recordCount: 2,
        signals: [{ label: 'X', physicalDimension: 'uV', samplesPerRecord: 4, values: new Float64Array(7) }],
      }),
    );
    expect(e).toMatchObject({ code: 'BAD_INPUT', field: 'signals[0].values' });
  });

  it('refuses a record duration that 8 characters cannot hold exactly and a start year outside EDF', () => {
    const base = { format: 'edf' as const, recordCount: 0, signals: [{ label: 'X', physicalDimension: 'uV', samplesPerRecord: 1, values: new Float64Array(0) }] };
    expect(edfErrorOf(() => encodeEdf({ ...base, startDate: new Date(Date.UTC(2022, 0, 1)), recordDurationSec: 1 / 3 }))).toMatchObject({ field: 'recordDurationSec' });
    expect(edfErrorOf(() => encodeEdf({ ...base, startDate: new Date(Date.UTC(2099, 0, 1)), recordDurationSec: 1 }))).toMatchObject({ field: 'startDate' });
  });
});
