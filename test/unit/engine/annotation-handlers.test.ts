// Live annotation requests over a running synthetic session: passes become recorded
// ANNOTATION streams, samples are clamped and stamped on the session clock, and the running
// CCC against ground truth reaches the UI as events.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { requests, type ApiEvent } from '../../../src-main/api/contract.js';
import { annotationHandlers, referenceStreamFor } from '../../../src-main/engine/annotation-handlers.js';
import { readAnnotationTraces } from '../../../src-main/engine/annotation-io.js';
import { WorkstationService } from '../../../src-main/engine/workstation-service.js';
import type { StreamInfo } from '../../../src-main/core/streams/types.js';

let dir: string;
let service: WorkstationService;
let events: ApiEvent[];
let recordings = 0;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'himoe-annot-'));
  service = new WorkstationService({
    planRecording: async () => ({ path: join(dir, `session-${++recordings}.xdf`), finish: async () => {} }),
    handlers: annotationHandlers({ agreementIntervalSec: 0.1 }),
  });
  events = [];
  service.onEvent((e) => events.push(e));
});

afterEach(async () => {
  await service.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

const start = () => service.call('session.start', requests['session.start'].params.parse({ modalities: ['EDA'], seed: 3 }));

describe('annotation handlers', () => {
  it('records a rater pass as an ANNOTATION stream with clamped samples on the session clock and reports running CCC', async () => {
    await start();
    const begun = await service.call('annotation.begin', { raterId: 'R01', device: 'keyboard', dimensions: ['valence', 'arousal'], rateHz: 20 });
    expect(begun).toEqual({ raterId: 'R01', streamId: 'annotation:R01', referenceStreamId: 'synthetic:ground-truth' });

    const stamps: number[] = [];
    for (let i = 0; i < 25; i++) {
      const r = await service.call('annotation.sample', { raterId: 'R01', values: [-0.5 + i * 0.05, i === 0 ? 3 : 0.2] });
      stamps.push(r.tSec);
      expect(r.clamped).toBe(i === 0);
      await sleep(50);
    }
    const ended = await service.call('annotation.end', { raterId: 'R01' });
    expect(ended).toEqual({ raterId: 'R01', streamId: 'annotation:R01', samples: 25 });
    const { recordingPath } = await service.call('session.stop', {});

    // Arrival stamps follow the session clock: non-decreasing, about 50 ms apart.
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]).toBeGreaterThanOrEqual(stamps[i - 1]);
    expect(stamps[24] - stamps[0]).toBeGreaterThan(1.0);
    const agreement = events.filter((e): e is Extract<ApiEvent, { kind: 'annotation.agreement' }> => e.kind === 'annotation.agreement');
    expect(agreement.length).toBeGreaterThan(0);
    expect(new Set(agreement.map((e) => e.dimension))).toEqual(new Set(['valence', 'arousal']));
    expect(agreement.every((e) => e.raterId === 'R01' && e.referenceStreamId === 'synthetic:ground-truth')).toBe(true);
    expect(Math.max(...agreement.map((e) => e.n))).toBeGreaterThan(5);

    // Raw stamps (no dejitter): the arrival times themselves are what was recorded.
    const { traces } = await readAnnotationTraces(recordingPath!, { includeReferences: false, xdf: { dejitter: false } });
    const valence = traces.find((t) => t.raterId === 'R01' && t.dimension === 'valence')!;
    const arousal = traces.find((t) => t.raterId === 'R01' && t.dimension === 'arousal')!;
    expect(valence.device).toBe('keyboard');
    expect(valence.values.length).toBe(25);
    expect(valence.values[0]).toBeCloseTo(-0.5, 5);
    expect(valence.values[24]).toBeCloseTo(0.7, 5);
    expect(arousal.values[0]).toBe(1); // 3 clamped to the top of the scale
    expect(valence.timesSec[0]).toBeCloseTo(stamps[0], 3);
  });

  it('refuses samples without a session, before begin, or with the wrong number of values', async () => {
    await expect(service.call('annotation.begin', { raterId: 'R01', device: 'mouse', dimensions: ['valence'], rateHz: 10 })).rejects.toMatchObject({ code: 'NO_SESSION' });
    await start();
    await expect(service.call('annotation.sample', { raterId: 'R09', values: [0] })).rejects.toMatchObject({ code: 'NO_ANNOTATION' });
    await service.call('annotation.begin', { raterId: 'R01', device: 'mouse', dimensions: ['arousal'], rateHz: 10 });
    await expect(service.call('annotation.sample', { raterId: 'R01', values: [0, 0] })).rejects.toMatchObject({ code: 'BAD_SAMPLE' });
    await expect(service.call('annotation.begin', { raterId: 'R01', device: 'mouse', dimensions: ['arousal'], rateHz: 10 })).rejects.toMatchObject({ code: 'RATER_ACTIVE' });
  });

  it('keeps several raters apart and gives a second pass of one rater its own stream', async () => {
    await start();
    await service.call('annotation.begin', { raterId: 'R01', device: 'mouse', dimensions: ['valence'], rateHz: 10 });
    await service.call('annotation.begin', { raterId: 'R02', device: 'gamepad', dimensions: ['valence', 'arousal'], rateHz: 10 });
    await service.call('annotation.sample', { raterId: 'R02', values: [0.1, 0.2] });
    await service.call('annotation.end', { raterId: 'R01' });
    const again = await service.call('annotation.begin', { raterId: 'R01', device: 'mouse', dimensions: ['valence'], rateHz: 10 });
    expect(again.streamId).toBe('annotation:R01:p2');
    const ids = service.status().streams.filter((s) => s.type === 'ANNOTATION').map((s) => s.id);
    expect(ids).toEqual(['annotation:R01', 'annotation:R02', 'annotation:R01:p2']);
  });

  it('forgets the passes of a stopped session', async () => {
    await start();
    await service.call('annotation.begin', { raterId: 'R01', device: 'mouse', dimensions: ['valence'], rateHz: 10 });
    await service.call('session.stop', {});
    await start();
    const r = await service.call('annotation.begin', { raterId: 'R01', device: 'mouse', dimensions: ['valence'], rateHz: 10 });
    expect(r.streamId).toBe('annotation:R01');
  });

  it('validates requests at the boundary: pseudonyms, finite values, known dimensions', () => {
    const begin = requests['annotation.begin'].params;
    expect(begin.safeParse({ raterId: 'Jane Doe', device: 'mouse', dimensions: ['valence'] }).success).toBe(false);
    expect(begin.safeParse({ raterId: 'R1', device: 'mouse', dimensions: ['valence', 'valence'] }).success).toBe(false);
    expect(begin.safeParse({ raterId: 'R1', device: 'mouse', dimensions: ['dominance'] }).success).toBe(false);
    expect(begin.parse({ raterId: 'R1', device: 'mouse', dimensions: ['arousal'] }).rateHz).toBe(10);
    expect(requests['annotation.sample'].params.safeParse({ raterId: 'R1', values: [Infinity] }).success).toBe(false);
  });

  it('prefers a model PREDICTION stream over simulated ground truth as the CCC reference', () => {
    const mk = (id: string, type: string, labels: string[]): StreamInfo => ({
      id, name: id, type, channels: labels.map((label) => ({ label, unit: 'a.u.' })), channelFormat: 'float32', nominalRateHz: 4, sourceId: id,
    });
    const gt = mk('gt', 'GROUND_TRUTH', ['valence', 'arousal']);
    const pred = mk('pred', 'PREDICTION', ['Valence', 'arousal']);
    expect(referenceStreamFor([gt, pred], ['valence'])?.id).toBe('pred');
    expect(referenceStreamFor([gt], ['arousal'])?.id).toBe('gt');
    expect(referenceStreamFor([mk('p', 'PREDICTION', ['dominance'])], ['arousal'])).toBeNull();
  });
});
