// The xdf: data SPEC on a workspace's sessions/ folder: each recording is read with its post-hoc
// annotation passes (the raters' consensus is the target when there is no GROUND_TRUTH), the
// passes are not sessions of their own, and sessions whose headers name one subject are one
// subject of the protocols.
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyntheticSession } from '../../../../src-main/acquisition/synthetic/synthetic-session.js';
import { annotationStreamInfo } from '../../../../src-main/core/annotation/trace.js';
import { skippedLines } from '../../../../src-main/cli/commands-model.js';
import { SessionEngine } from '../../../../src-main/engine/session-engine.js';
import { findXdfFiles, loadDataset, xdfExamples } from '../../../../src-main/model/data/index.js';
import { losoFolds } from '../../../../src-main/model/evaluate/index.js';
import { readXdf, XdfWriter, type XdfFile } from '../../../../src-main/storage/xdf/index.js';
import { pearson } from '../../acquisition/synthetic/signal-checks.js';
import { smallConfig } from '../himoe/fixtures.js';

const config = smallConfig({ dropout: 0 });
let root: string;
let sessions: string;
let reference: XdfFile;

/** A 60 s synthetic session recorded through the engine; without the stimulus source it has no GROUND_TRUTH (and no markers). */
async function record(path: string, seed: number, opts: { subject?: string; groundTruth: boolean }): Promise<void> {
  const session = new SyntheticSession({ seed, modalities: ['EEG', 'ECG', 'EDA'], durationSec: 60, pacing: 'fast' });
  const engine = new SessionEngine({ clock: session.clock });
  for (const s of opts.groundTruth ? session.sources : session.sources.slice(0, -1)) engine.addSource(s);
  await engine.start({ recordPath: path, ...(opts.subject !== undefined ? { metadata: { subject: opts.subject } } : {}) });
  await session.done;
  await engine.release();
}

/** A post-hoc pass as the Annotate view writes it: session clock, irregular, pass id ph1; the rater follows the truth `lagSec` late. */
async function writePass(path: string, raterId: string, lagSec: number): Promise<void> {
  const gt = reference.streams.find((s) => s.info.type === 'GROUND_TRUTH')!;
  const writer = await XdfWriter.create(path, { fileHeaderFields: { annotation: 'post-hoc', recording: 'recording.xdf' } });
  const id = writer.addStream(annotationStreamInfo({ raterId, dimensions: ['valence', 'arousal'], device: 'joystick', passId: 'ph1', nominalRateHz: 0, extra: { mode: 'post-hoc' } }));
  writer.appendClockOffset(id, gt.timestamps[0]!, 0);
  writer.appendSamples(id, gt.timestamps.map((t) => t + lagSec), Float32Array.from(gt.timeSeries as Float32Array));
  await writer.close();
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'himoe-xdf-ws-'));
  sessions = join(root, 'sessions');
  for (const id of ['a', 'b', 'c', 'd']) await mkdir(join(sessions, id), { recursive: true });
  // Session a: subject P01, no ground truth, two raters' post-hoc passes; the same seed with ground truth is the reference.
  await record(join(root, 'reference.xdf'), 4, { groundTruth: true });
  reference = await readXdf(join(root, 'reference.xdf'));
  await record(join(sessions, 'a', 'recording.xdf'), 4, { subject: 'P01', groundTruth: false });
  await mkdir(join(sessions, 'a', 'annotations'));
  await writePass(join(sessions, 'a', 'annotations', 'R1-ph1.xdf'), 'R1', 0.5);
  await writePass(join(sessions, 'a', 'annotations', 'R2-ph1.xdf'), 'R2', 1.5);
  // Session b: P01 again, another day; c: P02; d: no subject in its header.
  await record(join(sessions, 'b', 'recording.xdf'), 5, { subject: 'P01', groundTruth: true });
  await record(join(sessions, 'c', 'recording.xdf'), 6, { subject: 'P02', groundTruth: true });
  await record(join(sessions, 'd', 'recording.xdf'), 7, { groundTruth: true });
}, 60_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('xdf: SPEC on a workspace sessions folder', () => {
  it('lists the recordings as sessions, not their post-hoc passes', async () => {
    expect(await findXdfFiles(sessions)).toEqual(['a', 'b', 'c', 'd'].map((id) => join(sessions, id, 'recording.xdf')));
  });

  it('groups sessions by the subject in their headers, each session on its own timeline', async () => {
    const dataset = await loadDataset(`xdf:${sessions}`, config, { hopSec: 2 });
    expect(dataset.subjects.map((s) => s.subject)).toEqual(['P01', 'P02', 'd']);
    expect(dataset.description).toContain('4 XDF session(s) of 3 subject(s)');
    expect(dataset.description).toContain('2 post-hoc annotation pass(es)');
    const p01 = dataset.subjects[0]!.examples;
    expect(new Set(p01.map((e) => e.recording))).toEqual(new Set(['a', 'b']));
    expect(p01.every((e) => e.trial.startsWith(`${e.recording}/`))).toBe(true);
    // A subject with one session and no header subject keeps the old naming (no recording).
    expect(dataset.subjects[2]!.examples.every((e) => e.recording === undefined && e.subject === 'd')).toBe(true);
    // Leave-one-subject-out tests both of P01's sessions together and never trains or validates on either.
    const folds = losoFolds(dataset);
    expect(folds).toHaveLength(3);
    const p01Fold = folds.find((f) => f.testSubjects[0] === 'P01')!;
    expect(new Set(p01Fold.test.map((e) => e.recording))).toEqual(new Set(['a', 'b']));
    expect([...p01Fold.train, ...p01Fold.validation].some((e) => e.subject === 'P01')).toBe(false);
  });

  it('takes the subject of a workspace recording from its session.json, the library\'s truth, over the header', async () => {
    const ws = join(root, 'relabelled');
    for (const id of ['b', 'c', 'd']) {
      await mkdir(join(ws, id), { recursive: true });
      await copyFile(join(sessions, id, 'recording.xdf'), join(ws, id, 'recording.xdf'));
    }
    // The header of c says P02; its session.json was corrected to P01. d's says the subject is unknown.
    const meta = (id: string, subject: string | null) => JSON.stringify({ id, subject, createdAt: '2026-11-24T10:00:00Z', protocol: '', source: { kind: 'synthetic' }, streams: [], notes: '' });
    await writeFile(join(ws, 'c', 'session.json'), meta('c', 'P01'));
    await writeFile(join(ws, 'd', 'session.json'), meta('d', null));
    const dataset = await loadDataset(`xdf:${ws}`, config, { hopSec: 2 });
    expect(dataset.subjects.map((s) => s.subject)).toEqual(['P01', 'd']);
    expect(new Set(dataset.subjects[0]!.examples.map((e) => e.recording))).toEqual(new Set(['b', 'c']));
    // A session.json that is not valid is an error naming it, not a silent fallback.
    await writeFile(join(ws, 'd', 'session.json'), '{"id": "d", "subject": "Jane Doe"');
    await expect(loadDataset(`xdf:${ws}`, config, { hopSec: 2 })).rejects.toMatchObject({ code: 'bad-data-spec', message: expect.stringContaining(`${join(ws, 'd', 'session.json')}: not valid JSON`) });
    await writeFile(join(ws, 'd', 'session.json'), meta('d', 'Jane Doe'));
    await expect(loadDataset(`xdf:${ws}`, config, { hopSec: 2 })).rejects.toMatchObject({ code: 'bad-data-spec', message: expect.stringContaining('field "subject" must be null or a pseudonym') });
  });

  it('takes the targets of a session without ground truth from its post-hoc passes, and they follow the truth', async () => {
    const dataset = await loadDataset(`xdf:${sessions}`, config, { hopSec: 2 });
    const fromPasses = dataset.subjects[0]!.examples.filter((e) => e.recording === 'a');
    const fromTruth = xdfExamples(config, reference, { subject: 'ref', hopSec: 2 }).examples;
    expect(fromPasses.length).toBe(fromTruth.length);
    const a: number[] = [];
    const b: number[] = [];
    fromPasses.forEach((e, k) => {
      const truth = fromTruth[k]!.targets;
      e.targets.forEach((v, i) => {
        if (Number.isFinite(v) && Number.isFinite(truth[i]!)) {
          a.push(v);
          b.push(truth[i]!);
        }
      });
    });
    expect(a.length).toBeGreaterThan(0.8 * fromTruth.length * fromTruth[0]!.targets.length);
    expect(pearson(a, b)).toBeGreaterThan(0.9);
  });

  it('without its passes, that session has no targets: left out and named beside other sessions, an error alone', async () => {
    const bare = join(root, 'bare');
    await mkdir(join(bare, 'a'), { recursive: true });
    await copyFile(join(sessions, 'a', 'recording.xdf'), join(bare, 'a', 'recording.xdf'));
    await expect(loadDataset(`xdf:${bare}`, config, { hopSec: 2 })).rejects.toMatchObject({
      code: 'no-ground-truth',
      message: expect.stringContaining(join(bare, 'a', 'recording.xdf')),
    });
    await mkdir(join(bare, 'c'));
    await copyFile(join(sessions, 'c', 'recording.xdf'), join(bare, 'c', 'recording.xdf'));
    const dataset = await loadDataset(`xdf:${bare}`, config, { hopSec: 2 });
    expect(dataset.subjects.map((s) => s.subject)).toEqual(['P02']);
    expect(dataset.skipped).toHaveLength(1);
    expect(dataset.skipped![0]).toContain(`${join(bare, 'a', 'recording.xdf')}: no GROUND_TRUTH stream and no ANNOTATION traces`);
    expect(dataset.description).toMatch(/^1 XDF session\(s\) of 1 subject\(s\) .*; 1 session\(s\) without targets left out\.$/);
    // train and evaluate print each on stderr.
    expect(skippedLines(dataset)).toBe(`left out: ${dataset.skipped![0]}\n`);
  });
});
