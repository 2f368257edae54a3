// Training targets from raters when a session has no ground truth: the lag-corrected
// consensus of the ANNOTATION traces (issue 8, item 6) becomes the per-token target.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyntheticSession } from '../../../../src-main/acquisition/synthetic/synthetic-session.js';
import { annotationStreamInfo } from '../../../../src-main/core/annotation/trace.js';
import { SessionEngine } from '../../../../src-main/engine/session-engine.js';
import { xdfExamples } from '../../../../src-main/model/data/xdf-examples.js';
import { readXdf, type XdfFile, type XdfStream } from '../../../../src-main/storage/xdf/index.js';
import { smallConfig } from '../himoe/fixtures.js';

let dir: string;
let file: XdfFile;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'himoe-annot-targets-'));
  const session = new SyntheticSession({ seed: 4, modalities: ['EEG', 'ECG', 'EDA'], durationSec: 150, pacing: 'fast' });
  const engine = new SessionEngine({ clock: session.clock });
  for (const s of session.sources) engine.addSource(s);
  await engine.start({ recordPath: join(dir, 's.xdf') });
  await session.done;
  await engine.release();
  file = await readXdf(join(dir, 's.xdf'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A rater who follows the true valence/arousal `lagSec` late, at 10 Hz, with a little noise. */
function rater(gt: XdfStream, raterId: string, lagSec: number, seed: number): XdfStream {
  const values = gt.timeSeries as Float32Array;
  const n = gt.timestamps.length;
  const timestamps = new Float64Array(n);
  const series = new Float32Array(n * 2);
  let x = seed;
  for (let i = 0; i < n; i++) {
    timestamps[i] = gt.timestamps[i]! + lagSec;
    for (let d = 0; d < 2; d++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      series[i * 2 + d] = Math.max(-1, Math.min(1, values[i * 2 + d]! + 0.05 * (x / 2 ** 31 - 0.5)));
    }
  }
  return { ...gt, info: annotationStreamInfo({ raterId, dimensions: ['valence', 'arousal'], device: 'joystick' }), timestamps, timeSeries: series };
}

function correlation(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('xdfExamples targets from annotations', () => {
  it('uses the raters’ lag-corrected consensus when there is no GROUND_TRUTH, and it follows the truth', () => {
    const config = smallConfig({ dropout: 0 });
    const gt = file.streams.find((s) => s.info.type === 'GROUND_TRUTH')!;
    const withoutTruth: XdfFile = {
      ...file,
      streams: [...file.streams.filter((s) => s !== gt), rater(gt, 'R1', 0.5, 1), rater(gt, 'R2', 1.5, 2), rater(gt, 'R3', 1.0, 3)],
    };
    const fromRaters = xdfExamples(config, withoutTruth, { subject: 's', hopSec: 2, requireTargets: true });
    const fromTruth = xdfExamples(config, file, { subject: 's', hopSec: 2, requireTargets: true });
    expect(fromRaters.hasTargets).toBe(true);
    expect(fromRaters.examples.length).toBe(fromTruth.examples.length);
    const a: number[] = [];
    const b: number[] = [];
    for (let k = 0; k < fromRaters.examples.length; k++) {
      const t1 = fromRaters.examples[k]!.targets!;
      const t2 = fromTruth.examples[k]!.targets!;
      for (let i = 0; i < t1.length; i++) {
        if (Number.isFinite(t1[i]!) && Number.isFinite(t2[i]!)) {
          a.push(t1[i]!);
          b.push(t2[i]!);
        }
      }
    }
    // Most tokens have a target, and the consensus tracks the true trajectory closely.
    expect(a.length).toBeGreaterThan(0.8 * fromTruth.examples.length * fromTruth.examples[0]!.targets!.length);
    expect(correlation(a, b)).toBeGreaterThan(0.9);
  });

  it('says what is missing when a session has neither ground truth nor annotations', () => {
    const config = smallConfig({ dropout: 0 });
    const bare: XdfFile = { ...file, streams: file.streams.filter((s) => s.info.type !== 'GROUND_TRUTH') };
    expect(() => xdfExamples(config, bare, { subject: 's', hopSec: 2, requireTargets: true })).toThrowError(/no GROUND_TRUTH stream and no ANNOTATION traces/);
  });
});
