import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgreementReport } from '../../../src-main/core/annotation/report.js';
import { annotationStreamInfo } from '../../../src-main/core/annotation/trace.js';
import type { StreamInfo } from '../../../src-main/core/streams/types.js';
import { XdfWriter } from '../../../src-main/storage/xdf/xdf-writer.js';
import { latentSignal, simulateRater } from '../core/annotation/simulated-raters.js';
import { himoe } from './run-cli.js';


let dir: string;
let path: string;
const LAGS = { R1: 1.0, R2: 2.5, R3: 1.8 };
const T0 = 1000; // session clock seconds at the start of the recording

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'himoe-agreement-'));
  path = join(dir, 'annotated.xdf');
  const valence = latentSignal(61);
  const arousal = latentSignal(62);
  const w = await XdfWriter.create(path);
  // Three simulated raters, each one stream with valence and arousal channels.
  const specs = [
    { raterId: 'R1', device: 'joystick', noise: 0.05, bias: 0 },
    { raterId: 'R2', device: 'mouse', noise: 0.05, bias: 0.25 },
    { raterId: 'R3', device: 'slider', noise: 0.2, bias: 0 },
  ] as const;
  specs.forEach((s, i) => {
    const lagSec = LAGS[s.raterId];
    const v = simulateRater(valence, { raterId: s.raterId, lagSec, noise: s.noise, bias: s.bias, seed: 10 + i, rateHz: 20 }, T0, T0 + 180);
    const a = simulateRater(arousal, { raterId: s.raterId, lagSec, noise: s.noise, seed: 20 + i, rateHz: 20 }, T0, T0 + 180, 'arousal');
    const id = w.addStream(annotationStreamInfo({ raterId: s.raterId, device: s.device, dimensions: ['valence', 'arousal'] }));
    const values = new Float32Array(v.values.length * 2);
    for (let k = 0; k < v.values.length; k++) {
      values[2 * k] = v.values[k];
      values[2 * k + 1] = a.values[k];
    }
    w.appendSamples(id, v.timesSec, values);
    w.appendClockOffset(id, T0, 0);
  });
  // Simulated ground truth at 32 Hz, compared as an extra rater.
  const gt: StreamInfo = {
    id: 'synthetic:ground-truth',
    name: 'Synthetic ground truth',
    type: 'GROUND_TRUTH',
    channels: [{ label: 'valence', unit: 'a.u.' }, { label: 'arousal', unit: 'a.u.' }],
    channelFormat: 'float32',
    nominalRateHz: 32,
    sourceId: 'synthetic:stimulus',
  };
  const gid = w.addStream(gt);
  const n = 180 * 32 + 1;
  const ts = new Float64Array(n);
  const gv = new Float32Array(2 * n);
  for (let k = 0; k < n; k++) {
    ts[k] = T0 + k / 32;
    gv[2 * k] = valence(ts[k]);
    gv[2 * k + 1] = arousal(ts[k]);
  }
  w.appendSamples(gid, ts, gv);
  await w.close();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('himoe agreement', () => {
  it('prints the JSON reports: ICC table, alpha, pairwise CCC, lags, EWE weights and ground truth vs consensus', async () => {
    const r = await himoe('agreement', path, '--json', '--bootstrap', '200', '--seed', '4');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const { reports } = JSON.parse(r.out) as { reports: AgreementReport[] };
    expect(reports.map((x) => x.dimension)).toEqual(['valence', 'arousal']);
    const v = reports[0];
    expect(v.raters.map((x) => [x.raterId, x.device])).toEqual([['R1', 'joystick'], ['R2', 'mouse'], ['R3', 'slider']]);
    expect(v.icc!.forms.map((f) => f.form)).toEqual(['ICC(1,1)', 'ICC(2,1)', 'ICC(3,1)', 'ICC(1,k)', 'ICC(2,k)', 'ICC(3,k)']);
    for (const f of v.icc!.forms) {
      expect(f.bootstrap!.lower).toBeLessThanOrEqual(f.value);
      expect(f.ci.upper).toBeGreaterThanOrEqual(f.value);
    }
    expect(v.alpha!.value).toBeGreaterThan(0);
    expect(v.pairwise).toHaveLength(3);
    // Relative lags: lag minus the group mean (1 + 2.5 + 1.8) / 3 = 1.767.
    const mean = (LAGS.R1 + LAGS.R2 + LAGS.R3) / 3;
    v.lags!.lags.forEach((l) => expect(Math.abs(l.lagSec - (LAGS[l.raterId as keyof typeof LAGS] - mean))).toBeLessThan(0.15));
    expect(v.consensus.weights.reduce((s, w) => s + w.weight, 0)).toBeCloseTo(1, 9);
    const gt = v.referenceComparisons[0];
    expect(gt.raterId).toBe('ground-truth');
    gt.raterLags.forEach((l) => expect(Math.abs(l.lagSec - LAGS[l.raterId as keyof typeof LAGS])).toBeLessThan(0.15));
    expect(gt.ccc.value).toBeGreaterThan(0.5);
  });

  it('prints a readable table for one dimension and writes the CSV', async () => {
    const csv = join(dir, 'arousal.csv');
    const r = await himoe('agreement', path, '--dimension', 'arousal', '--bootstrap', '100', '--csv', csv);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/: arousal — 3 rater\(s\) on a 10 Hz grid/);
    expect(r.out).toMatch(/ICC\(2,1\) ICC\(A,1\)\s+two-way random, absolute agreement\s+\d\.\d{3}/);
    expect(r.out).toMatch(/Krippendorff's alpha \(interval\)/);
    expect(r.out).toMatch(/R1 – R2/);
    expect(r.out).toMatch(/consensus \(EWE\) weights/);
    expect(r.out).toMatch(/ground-truth vs consensus: n \d+, CCC/);
    expect(r.out).not.toMatch(/: valence —/);
    const lines = readFileSync(csv, 'utf8').split('\n');
    expect(lines.find((l) => l.startsWith('time_s'))).toBe('time_s,R1,R2,R3,ground-truth');
  });

  it('fails with a clear message for a dimension that was not annotated, a bad flag, or a file without annotation', async () => {
    const dim = await himoe('agreement', path, '--dimension', 'dominance');
    expect(dim.code).toBe(1);
    expect(dim.err).toMatch(/--dimension: "dominance" is not annotated .*annotated: valence, arousal/);
    const flag = await himoe('agreement', path, '--grid-hz', 'fast');
    expect(flag.code).toBe(1);
    expect(flag.err).toMatch(/--grid-hz: "fast" is not a rate/);
    const plain = join(dir, 'plain.xdf');
    const w = await XdfWriter.create(plain);
    const id = w.addStream({ id: 'e', name: 'eeg', type: 'EEG', channels: [{ label: 'Cz', unit: 'microvolts' }], channelFormat: 'float32', nominalRateHz: 10, sourceId: 'd' });
    w.appendSamples(id, Float64Array.of(0, 0.1), Float32Array.of(1, 2));
    await w.close();
    const none = await himoe('agreement', plain);
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/\[NO_ANNOTATIONS\].*no ANNOTATION streams/);
  });
});
