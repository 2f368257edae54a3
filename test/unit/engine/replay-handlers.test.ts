// Post-hoc annotation over a real workspace session: a pass is written beside the recording
// (annotations/<rater>-ph<k>.xdf) with the playback cursor's session times, the recording's bytes
// never change, and every reader (traces, library index and rebuild, `himoe agreement`) sees it.
// Media registration keeps to files inside the workspace.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requests, type RequestName, type RequestParams, type RequestResult } from '../../../src-main/api/contract.js';
import { readAnnotationTraces } from '../../../src-main/engine/annotation-io.js';
import { MediaTickets } from '../../../src-main/engine/media-serving.js';
import { replayHandlers } from '../../../src-main/engine/replay-handlers.js';
import type { RequestHandler, WorkstationService } from '../../../src-main/engine/workstation-service.js';
import { Library } from '../../../src-main/storage/library/library.js';
import { acquireRecordingLock, releaseRecordingLock } from '../../../src-main/storage/library/recording-lock.js';
import { recordingPath, sessionDir } from '../../../src-main/storage/workspace.js';
import { himoe } from '../cli/run-cli.js';
import { writeSession } from '../storage/library/session-fixture.js';

let ws: string;
let tickets: MediaTickets;
let handlers: ReturnType<typeof replayHandlers>;
const service = {} as WorkstationService;

/** Params parsed by the contract (defaults applied), as the API session does before a handler runs. */
function call<N extends RequestName>(name: N, params: RequestParams<N>): Promise<RequestResult<N>> {
  const h = handlers[name] as RequestHandler<N> | undefined;
  if (!h) throw new Error(`no handler for ${name}`);
  return h(requests[name].params.parse(params) as never, service);
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

beforeEach(async () => {
  ws = mkdtempSync(join(tmpdir(), 'himoe-replay-'));
  // EEG 10.00–11.99 s at 100 Hz, two markers, live passes of R01 and R02 (p1, p2).
  await writeSession(ws, 'sess-a', { eegSamples: 200, t0Sec: 10, markers: [[10.5, 'clip-start:amusement'], [11.5, 'clip-end:amusement']] });
  const lib = Library.open(ws);
  await lib.rebuild();
  lib.close();
  tickets = new MediaTickets();
  handlers = replayHandlers({ workspace: ws, tickets });
});

afterEach(() => rmSync(ws, { recursive: true, force: true }));

async function annotate(raterId: string, times: number[], value: (t: number) => number[]) {
  const begun = await call('replay.begin', { id: 'sess-a', raterId, device: 'keyboard', dimensions: ['valence', 'arousal'], rateHz: 10, playbackRate: 2 });
  await call('replay.samples', { id: 'sess-a', raterId, passId: begun.passId, samples: times.map((tSec) => ({ tSec, values: value(tSec) })) });
  return { begun, ended: await call('replay.end', { id: 'sess-a', raterId, passId: begun.passId }) };
}

describe('replay handlers: opening a recorded session', () => {
  it('gives the session span, markers and a per-stream min/max overview of the recording', async () => {
    const r = await call('replay.open', { id: 'sess-a', columns: 20 });

    expect(r.startSec).toBeCloseTo(10, 6);
    expect(r.endSec).toBeCloseTo(11.99, 6);
    expect(r.markers.map((m) => [m.timeSec, m.label])).toEqual([
      [10.5, 'clip-start:amusement'],
      [11.5, 'clip-end:amusement'],
    ]);
    const eeg = r.overview.find((o) => o.type === 'EEG')!;
    expect(eeg.channel).toBe('Fz');
    expect(eeg.min).toHaveLength(20);
    eeg.min.forEach((lo, i) => expect(lo!).toBeLessThanOrEqual(eeg.max[i]!));
    expect(r.passes.map((p) => `${p.raterId}:${p.passId ?? '-'}:${p.file ?? 'live'}`).sort()).toEqual(['R01:-:live', 'R02:1:live', 'R02:2:live']);
  });

  it('refuses ids leaving the sessions folder, unknown sessions, and a session still being recorded', async () => {
    await expect(call('replay.open', { id: '../x' })).rejects.toMatchObject({ code: 'BAD_SESSION_ID' });
    await expect(call('replay.open', { id: 'nope' })).rejects.toMatchObject({ code: 'NO_SESSION' });
    await writeSession(ws, 'sess-live', { keepOpen: true }).then((w) => w?.close());
    await acquireRecordingLock(sessionDir(ws, 'sess-live'));
    await expect(call('replay.begin', { id: 'sess-live', raterId: 'R09', device: 'mouse', dimensions: ['valence'] })).rejects.toMatchObject({ code: 'SESSION_RECORDING' });
    await releaseRecordingLock(sessionDir(ws, 'sess-live'));
  });
});

describe('replay handlers: a post-hoc pass', () => {
  it('is written to annotations/<rater>-ph1.xdf with the cursor session times, leaving recording.xdf byte for byte unchanged', async () => {
    const before = sha256(recordingPath(ws, 'sess-a'));
    const times = Array.from({ length: 20 }, (_, i) => 10 + i * 0.1);

    const { begun, ended } = await annotate('R07', times, (t) => [t - 11, 0.5]);

    expect(begun).toMatchObject({ raterId: 'R07', passId: 'ph1', streamId: 'annotation:R07:ph1', file: 'annotations/R07-ph1.xdf' });
    expect(ended).toMatchObject({ samples: 20, firstTSec: 10, lastTSec: times[19] });
    expect(sha256(recordingPath(ws, 'sess-a'))).toBe(before);
    const { traces, files } = await readAnnotationTraces(recordingPath(ws, 'sess-a'), { includeReferences: false });
    expect(files.map((f) => f.slice(ws.length))).toEqual(['/sessions/sess-a/recording.xdf', '/sessions/sess-a/annotations/R07-ph1.xdf']);
    const v = traces.find((t) => t.raterId === 'R07:ph1' && t.dimension === 'valence')!;
    expect(Array.from(v.timesSec)).toEqual(times); // stamped exactly as sent: session time, not wall time
    expect(v.values[0]).toBeCloseTo(-1, 6);
    expect(v.values[19]).toBeCloseTo(times[19]! - 11, 6);
    expect(v.device).toBe('keyboard');
    expect(traces.filter((t) => t.raterId.startsWith('R0')).map((t) => t.raterId)).toContain('R01'); // live passes still there
  });

  it('is indexed by the library at the end of the pass and found again by a rebuild', async () => {
    await annotate('R07', [10.2, 10.4], () => [0.1, 0.2]);

    const lib = Library.open(ws);
    try {
      const sets = () => lib.getSession('sess-a')!.annotationSets.filter((a) => a.raterId === 'R07');
      expect(sets().map((a) => [a.dimension, a.passId, a.file, a.sampleCount])).toEqual([
        ['arousal', 'ph1', 'annotations/R07-ph1.xdf', 2],
        ['valence', 'ph1', 'annotations/R07-ph1.xdf', 2],
      ]);
      await lib.rebuild();
      expect(sets()).toHaveLength(2);
      expect(lib.getSession('sess-a')!.annotationSets.filter((a) => a.file === null)).toHaveLength(5); // the live ones
    } finally {
      lib.close();
    }
  });

  it('refuses a sample before the previous one (a seek back ends the pass) and outside the recording; the next pass is ph2', async () => {
    const b = await call('replay.begin', { id: 'sess-a', raterId: 'R07', device: 'mouse', dimensions: ['valence'] });
    await call('replay.samples', { id: 'sess-a', raterId: 'R07', passId: b.passId, samples: [{ tSec: 11, values: [3] }] });
    await expect(call('replay.samples', { id: 'sess-a', raterId: 'R07', passId: b.passId, samples: [{ tSec: 10.5, values: [0] }] })).rejects.toThrow(
      /10\.5 s is before the previous sample \(11 s\); a seek backwards ends the pass/,
    );
    await expect(call('replay.samples', { id: 'sess-a', raterId: 'R07', passId: b.passId, samples: [{ tSec: 30, values: [0] }] })).rejects.toThrow(/outside the recording \(10\.000–11\.990 s\)/);
    await expect(call('replay.begin', { id: 'sess-a', raterId: 'R07', device: 'mouse', dimensions: ['valence'] })).rejects.toMatchObject({ code: 'RATER_ACTIVE' });
    const end = await call('replay.end', { id: 'sess-a', raterId: 'R07', passId: b.passId });
    expect(end.samples).toBe(1);

    const b2 = await call('replay.begin', { id: 'sess-a', raterId: 'R07', device: 'mouse', dimensions: ['valence'] });
    expect(b2.passId).toBe('ph2');
    // Nothing rated: the empty pass leaves no file behind.
    await call('replay.end', { id: 'sess-a', raterId: 'R07', passId: b2.passId });
    expect(existsSync(join(sessionDir(ws, 'sess-a'), 'annotations', 'R07-ph2.xdf'))).toBe(false);
    const { traces } = await readAnnotationTraces(recordingPath(ws, 'sess-a'), { includeReferences: false });
    expect(traces.find((t) => t.raterId === 'R07:ph1')!.values[0]).toBe(1); // clamped
  });

  it('joins live passes in `himoe agreement` on the recording', async () => {
    // Two post-hoc raters following the same curve with different offsets over the whole span.
    const times = Array.from({ length: 100 }, (_, i) => 10 + i * 0.02);
    await annotate('R08', times, (t) => [Math.sin(4 * t), Math.cos(3 * t)]);
    await annotate('R09', times, (t) => [Math.sin(4 * t) * 0.8 + 0.1, Math.cos(3 * t)]);

    const r = await himoe('agreement', recordingPath(ws, 'sess-a'), '--json', '--bootstrap', '0', '--dimension', 'valence');

    expect(r.err).toBe('');
    const report = JSON.parse(r.out) as { reports: Array<{ raters: Array<{ raterId: string }> }> };
    expect(report.reports[0]!.raters.map((x) => x.raterId)).toEqual(expect.arrayContaining(['R01', 'R08:ph1', 'R09:ph1']));
  });
});

describe('replay handlers: stimulus media', () => {
  beforeEach(() => {
    mkdirSync(join(ws, 'media'));
    writeFileSync(join(ws, 'media', 'tone.wav'), Buffer.alloc(1000, 1));
    writeFileSync(join(ws, 'media', 'notes.txt'), 'not media');
  });

  it('lists media files of the workspace and registers one with its offset and a ticket URL', async () => {
    const c = await call('replay.media.candidates', { id: 'sess-a' });
    expect(c.files).toEqual([{ path: 'media/tone.wav', kind: 'audio', bytes: 1000 }]);

    const r = await call('replay.media.attach', { id: 'sess-a', path: 'media/tone.wav', offsetSec: 10.5 });

    expect(r.media).toMatchObject([{ mediaId: 'm1', path: 'media/tone.wav', kind: 'audio', offsetSec: 10.5, bytes: 1000 }]);
    const ticket = r.media[0]!.url.replace(/^media\//, '');
    expect(ticket).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(tickets.resolve(ticket)).toBe(join(ws, 'media', 'tone.wav'));
    expect(JSON.parse(readFileSync(join(sessionDir(ws, 'sess-a'), 'media.json'), 'utf8')).media[0]).toMatchObject({ path: 'media/tone.wav', offsetSec: 10.5 });
    // Attaching the same file again moves it; opening the session lists it.
    await call('replay.media.attach', { id: 'sess-a', path: 'media/tone.wav', offsetSec: 11 });
    expect((await call('replay.open', { id: 'sess-a' })).media.map((m) => [m.mediaId, m.offsetSec])).toEqual([['m1', 11]]);
    expect((await call('replay.media.detach', { id: 'sess-a', mediaId: 'm1' })).media).toEqual([]);
  });

  it('refuses paths outside the workspace (.., absolute, backslash, NUL, symbolic link out) and files that are not media', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'himoe-outside-'));
    writeFileSync(join(outside, 'secret.wav'), 'x');
    symlinkSync(join(outside, 'secret.wav'), join(ws, 'media', 'link.wav'));
    try {
      for (const path of ['../secret.wav', 'media/../../secret.wav', join(outside, 'secret.wav'), 'media\\tone.wav', 'media/tone.wav\0', 'media/link.wav']) {
        await expect(call('replay.media.attach', { id: 'sess-a', path, offsetSec: 0 }), path).rejects.toMatchObject({ code: 'BAD_PATH' });
      }
      await expect(call('replay.media.attach', { id: 'sess-a', path: 'media/notes.txt', offsetSec: 0 })).rejects.toMatchObject({ code: 'BAD_MEDIA' });
      await expect(call('replay.media.attach', { id: 'sess-a', path: 'media/none.wav', offsetSec: 0 })).rejects.toMatchObject({ code: 'NO_MEDIA' });
      expect(existsSync(join(sessionDir(ws, 'sess-a'), 'media.json'))).toBe(false);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
