/// <reference lib="dom" />
// End to end: post-hoc annotation in the browser against `himoe serve` (in-process). A short
// synthetic session is recorded first (with a stimulus-onset marker and a live pass by R01);
// then rater R05 opens it in Annotate → Recorded session, attaches a generated WAV at the
// marker, plays at 2x and rates with the keyboard. The pass lands in annotations/R05-ph1.xdf
// stamped with session time (its span is about twice the wall time it took), the recording is
// unchanged byte for byte, and the library and `himoe agreement` see R05 next to R01.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../src-main/api/contract.js';
import { readAnnotationTraces } from '../../src-main/engine/annotation-io.js';
import type { WorkstationService } from '../../src-main/engine/workstation-service.js';
import type { RunningServer } from '../../src-main/server/server.js';
import { readXdf } from '../../src-main/storage/xdf/index.js';
import { himoe } from '../unit/cli/run-cli.js';
import { chromiumAvailable } from './chromium.js';
import { ARTEFACTS, closeWorkstation, openWorkstation } from './workstation-fixture.js';

const haveChromium = chromiumAvailable();
let workspace: string;
let server: RunningServer;
let service: WorkstationService;
let browser: Browser;
let page: Page;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** A mono 16-bit PCM WAV: a 440 Hz tone of `seconds`. */
function toneWav(seconds: number, rateHz = 8000): Buffer {
  const n = Math.round(seconds * rateHz);
  const b = Buffer.alloc(44 + 2 * n);
  b.write('RIFF', 0, 'ascii');
  b.writeUInt32LE(36 + 2 * n, 4);
  b.write('WAVEfmt ', 8, 'ascii');
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // mono
  b.writeUInt32LE(rateHz, 24);
  b.writeUInt32LE(2 * rateHz, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write('data', 36, 'ascii');
  b.writeUInt32LE(2 * n, 40);
  for (let i = 0; i < n; i++) b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rateHz)), 44 + 2 * i);
  return b;
}

describe.skipIf(!haveChromium)('post-hoc annotation of a recorded session in the browser (himoe serve)', () => {
  beforeAll(async () => {
    ({ workspace, server, service, browser, page } = await openWorkstation('replay', { width: 1280, height: 1000 }));
  });

  afterAll(async () => {
    await closeWorkstation({ workspace, server, service, browser });
  });

  it('replays a session at 2x with its stimulus audio, records a keyboard pass on session time beside the untouched recording', async () => {
    // Record ~6 s: EDA + ground truth, a stimulus-onset marker at ~1 s and a live valence pass by R01.
    await service.call('session.start', requests['session.start'].params.parse({ modalities: ['EDA'], subject: 'P010', seed: 5 }));
    await sleep(1000);
    await service.call('marker.add', { label: 'stimulus_onset' });
    await service.call('annotation.begin', { raterId: 'R01', device: 'mouse', dimensions: ['valence', 'arousal'], rateHz: 10 });
    for (let i = 0; i < 40; i++) {
      await service.call('annotation.sample', { raterId: 'R01', values: [-0.5 + i * 0.025, 0.1] });
      await sleep(100);
    }
    await service.call('annotation.end', { raterId: 'R01' });
    const { recordingPath } = await service.call('session.stop', {});
    const recording = recordingPath!;
    const before = sha256(recording);
    const original = await readXdf(recording, { dejitter: false });
    const firstSec = Math.min(...original.streams.filter((s) => s.timestamps.length > 0).map((s) => s.timestamps[0]!));
    const lastSec = Math.max(...original.streams.filter((s) => s.timestamps.length > 0).map((s) => s.timestamps[s.timestamps.length - 1]!));
    const onsetSec = (await service.call('library.get', { id: recording.split('/').at(-2)! })).markers.find((m) => m.label === 'stimulus_onset')!.timeSec;
    // The stimulus the subject heard, copied into the workspace by the researcher.
    mkdirSync(join(workspace, 'media'), { recursive: true });
    writeFileSync(join(workspace, 'media', 'tone.wav'), toneWav(3));

    await page.goto(server.openUrl);
    await page.getByTestId('nav-annotate').click();
    await page.getByTestId('annotate-source-recorded').click();
    await page.waitForFunction(() => (document.querySelector('[data-testid="replay-session"]') as HTMLSelectElement | null)?.options.length === 1);
    await page.getByTestId('replay-open').click();
    await page.waitForSelector('[data-testid="replay-timeline"] canvas');

    // Attach the WAV with t = 0 at the stimulus-onset marker.
    await page.getByTestId('replay-attach-toggle').click();
    await page.getByTestId('replay-attach-path').selectOption('media/tone.wav');
    await page.getByTestId('replay-attach-marker').selectOption({ label: `stimulus_onset (${onsetSec.toFixed(2)} s)` });
    await page.getByTestId('replay-attach').click();
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid="replay-media"]') as HTMLMediaElement | null;
      return !!el && el.readyState >= 1 && Math.abs(el.duration - 3) < 0.01;
    });
    const mediaUrl = await page.getByTestId('replay-media').getAttribute('src');
    expect(mediaUrl).toMatch(/^media\/[A-Za-z0-9_-]{24}$/); // a ticket, not the session token
    expect(mediaUrl).not.toContain(server.token);

    await page.getByTestId('replay-rater').fill('R05');
    await page.getByTestId('replay-mode').selectOption('2d');
    await page.getByTestId('replay-device').selectOption('keyboard');
    await page.getByTestId('replay-speed').selectOption('2');
    await page.getByTestId('replay-rate').selectOption('10');

    const wallStart = Date.now();
    await page.getByTestId('replay-play').click();
    await page.waitForSelector('[data-testid="replay-status"]');
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.down('ArrowRight');
    await page.keyboard.down('ArrowUp');
    // While the cursor is inside the media's span, the audio plays at 2x in step with it.
    await page.waitForFunction(
      (onset) => {
        const t = Number(document.querySelector('[data-testid="replay-time"]')?.getAttribute('data-t-sec'));
        return t > onset + 1;
      },
      onsetSec,
      { timeout: 20_000 },
    );
    const media = await page.evaluate(() => {
      const el = document.querySelector('[data-testid="replay-media"]') as HTMLMediaElement;
      const t = Number(document.querySelector('[data-testid="replay-time"]')?.getAttribute('data-t-sec'));
      return { paused: el.paused, rate: el.playbackRate, mediaSec: el.currentTime, cursorSec: t };
    });
    await page.screenshot({ path: join(ARTEFACTS, 'annotate-replay-playing.png'), fullPage: true });
    expect(media.paused).toBe(false);
    expect(media.rate).toBe(2);
    expect(Math.abs(media.cursorSec - onsetSec - media.mediaSec)).toBeLessThan(0.5);
    // Playing to the end saves the pass.
    await page.waitForFunction(() => /saved/.test(document.querySelector('[data-testid="replay-message"]')?.textContent ?? ''), undefined, { timeout: 30_000 });
    const wallSec = (Date.now() - wallStart) / 1000;
    await page.keyboard.up('ArrowUp');
    await page.keyboard.up('ArrowRight');
    const text = (await page.getByTestId('replay-message').textContent())!;
    expect(text).toMatch(/end of the recording: pass ph1 of R05 saved — \d+ samples, session time [\d.]+–[\d.]+ s, in annotations\/R05-ph1\.xdf/);
    await page.screenshot({ path: join(ARTEFACTS, 'annotate-replay-saved.png'), fullPage: true });

    // The recording is untouched; the pass is its own file, on the session clock.
    expect(sha256(recording)).toBe(before);
    const passFile = join(recording, '..', 'annotations', 'R05-ph1.xdf');
    expect(existsSync(passFile)).toBe(true);
    const { traces } = await readAnnotationTraces(recording, { includeReferences: false });
    const v = traces.find((t) => t.raterId === 'R05:ph1' && t.dimension === 'valence')!;
    const a = traces.find((t) => t.raterId === 'R05:ph1' && t.dimension === 'arousal')!;
    expect(v.device).toBe('keyboard');
    const first = v.timesSec[0]!;
    const last = v.timesSec[v.timesSec.length - 1]!;
    expect(first).toBeGreaterThanOrEqual(firstSec - 1e-6);
    expect(last).toBeLessThanOrEqual(lastSec + 1e-6);
    // 2x: the pass covers about twice the session time of the wall time it took (wall includes set-up).
    expect(last - first).toBeGreaterThan(0.6 * (lastSec - firstSec));
    expect((last - first) / wallSec).toBeGreaterThan(1.3);
    // ~10 samples per session second, whatever the playback speed.
    expect(v.values.length).toBeGreaterThan(0.6 * 10 * (last - first));
    expect(v.values.length).toBeLessThan(1.3 * 10 * (last - first) + 2);
    for (const t of [v, a]) expect(t.values[t.values.length - 1]).toBeGreaterThan(0.5);

    // The library indexed the pass; `himoe agreement` compares R05 (post hoc) with R01 (live).
    const detail = await service.call('library.get', { id: recording.split('/').at(-2)! });
    expect(detail.annotationSets.filter((s) => s.raterId === 'R05').map((s) => [s.dimension, s.passId, s.file])).toEqual([
      ['arousal', 'ph1', 'annotations/R05-ph1.xdf'],
      ['valence', 'ph1', 'annotations/R05-ph1.xdf'],
    ]);
    const r = await himoe('agreement', recording, '--json', '--bootstrap', '0', '--dimension', 'valence');
    const report = JSON.parse(r.out) as { reports: Array<{ raters: Array<{ raterId: string }>; pairwise: unknown[] }> };
    expect(report.reports[0]!.raters.map((x) => x.raterId).sort()).toEqual(['R01', 'R05:ph1']);
    expect(report.reports[0]!.pairwise).toHaveLength(1);
  }, 180_000);
});
