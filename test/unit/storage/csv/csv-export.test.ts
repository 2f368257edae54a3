import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CsvError, csvCell, exportCsv, formatFloat32 } from '../../../../src-main/storage/csv/csv-export.js';
import { loadExportSession, type ExportSession } from '../../../../src-main/storage/export/export-session.js';
import { MARKERS, truth, writeFixtureXdf } from '../export/xdf-fixture.js';

let dir: string;
let session: ExportSession;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'himoe-csv-'));
  await writeFixtureXdf(join(dir, 's.xdf'), { durationSec: 4, gapSec: [1, 2], t0Sec: 500 });
  session = await loadExportSession(join(dir, 's.xdf'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CSV export per stream', () => {
  it('writes session time, the recorded values and units in the header, with gaps as missing rows', () => {
    const files = exportCsv(session, join(dir, 'out'));
    const eeg = files.find((f) => f.stream === 'TestEEG')!;
    const lines = readFileSync(eeg.path, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('time_s,Fp1 [uV],Cz [uV]');
    expect(lines.length - 1).toBe(3 * 256); // 4 s at 256 Hz less the 1 s gap
    const rows = lines.slice(1).map((l) => l.split(',').map(Number));
    expect(rows[0]![0]).toBe(0);
    // Session time is the XDF time minus the session start (t0 = 500 s), not the raw clock.
    const afterGap = rows.find((r) => r[0]! >= 1)!;
    expect(afterGap[0]).toBeCloseTo(2, 6);
    for (const r of [rows[5]!, afterGap]) {
      expect(r[1]).toBeCloseTo(truth('eeg', 0, r[0]!), 3);
      expect(r[2]).toBeCloseTo(truth('eeg', 1, r[0]!), 3);
    }
    const ecg = files.find((f) => f.stream === 'TestECG')!;
    expect(readFileSync(ecg.path, 'utf8').split('\n')[0]).toBe('time_s,II [mV]');
  });

  it('writes markers as time and text', () => {
    const files = exportCsv(session, join(dir, 'markers'));
    const markers = files.find((f) => f.stream === 'Markers')!;
    const lines = readFileSync(markers.path, 'utf8').trimEnd().split('\n');
    expect(lines).toEqual(['time_s,text', ...MARKERS.map(([t, m]) => `${t.toFixed(6)},${m}`)]);
  });

  it('refuses to replace existing files unless asked', () => {
    const out = join(dir, 'twice');
    exportCsv(session, out);
    expect(() => exportCsv(session, out)).toThrow(CsvError);
    expect(exportCsv(session, out, { overwrite: true }).length).toBe(4);
  });

  it('quotes cells with separators and prints float32 values in their shortest exact form', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('plain')).toBe('plain');
    for (const v of [0.1, -123.456, 1e-7, 3.4028234663852886e38, 42]) {
      const f = Math.fround(v);
      const s = formatFloat32(f);
      expect(Math.fround(Number(s))).toBe(f);
      expect(s.length).toBeLessThanOrEqual(14);
    }
    expect(formatFloat32(Math.fround(0.1))).toBe('0.1');
  });
});
