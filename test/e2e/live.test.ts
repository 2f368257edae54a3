/// <reference lib="dom" />
// End to end: `himoe serve` (in-process) on the synthetic source, driven in headless
// Chromium — start a recording, see signals move, add markers from the keyboard, stop,
// and find the session, with its markers, in the workspace library.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkstationService } from '../../src-main/engine/workstation-service.js';
import type { RunningServer } from '../../src-main/server/server.js';
import { Library } from '../../src-main/storage/library/library.js';
import { readXdf } from '../../src-main/storage/xdf/xdf-reader.js';
import { chromiumAvailable } from './chromium.js';
import { ARTEFACTS, closeWorkstation, openWorkstation } from './workstation-fixture.js';

const haveChromium = chromiumAvailable();
const artefacts = ARTEFACTS;
let workspace: string;
let server: RunningServer;
let service: WorkstationService;
let browser: Browser;
let page: Page;

async function framesDrawn(streamId: string): Promise<number> {
  const v = await page.getAttribute(`[data-stream-id="${streamId}"]`, 'data-frames-drawn');
  return Number(v ?? 0);
}

describe.skipIf(!haveChromium)('workstation in the browser (himoe serve)', () => {
  beforeAll(async () => {
    ({ workspace, server, service, browser, page } = await openWorkstation('ws', { width: 1280, height: 900 }));
  });

  afterAll(async () => {
    await closeWorkstation({ workspace, server, service, browser });
  });

  it('refuses to connect without the token and says how to get in', async () => {
    await page.goto(server.url);
    await expect(page.getByTestId('connection-error').textContent()).resolves.toMatch(/token/);
  });

  it('records a session with moving signals and keyboard markers, and the library lists it', async () => {
    await page.goto('about:blank');
    await page.goto(server.openUrl);
    await page.getByTestId('subject').fill('P001');
    await page.getByTestId('start').click();
    await page.waitForSelector('[data-stream-id="synthetic:eeg"]');
    await page.waitForFunction(() => Number(document.querySelector('[data-stream-id="synthetic:eeg"]')?.getAttribute('data-frames-drawn')) > 5);
    const first = await framesDrawn('synthetic:eeg');
    const latestA = Number(await page.getAttribute('[data-stream-id="synthetic:eeg"]', 'data-latest-sec'));
    await page.waitForTimeout(1000);
    const second = await framesDrawn('synthetic:eeg');
    const latestB = Number(await page.getAttribute('[data-stream-id="synthetic:eeg"]', 'data-latest-sec'));
    // Signals move: new frames keep arriving and the newest sample time advances by about a second.
    expect(second - first).toBeGreaterThan(10);
    expect(latestB - latestA).toBeGreaterThan(0.7);
    for (const id of ['synthetic:ecg', 'synthetic:eda', 'synthetic:ppg', 'synthetic:resp']) expect(await framesDrawn(id)).toBeGreaterThan(0);

    // Live signal quality arrives about once a second per stream.
    await page.waitForSelector('[data-stream-id="synthetic:eeg"] [data-testid="quality"]', { timeout: 20_000 });
    await expect(page.locator('[data-stream-id="synthetic:eeg"] [data-testid="quality"]').textContent()).resolves.toMatch(/quality \d\.\d\d/);

    await page.keyboard.press('1');
    await page.keyboard.press('2');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="markers"] li').length === 2);
    await expect(page.getByTestId('elapsed').textContent()).resolves.toMatch(/REC \d\d:\d\d/);
    await page.screenshot({ path: join(artefacts, 'live-recording.png'), fullPage: true });

    await page.getByTestId('stop').click();
    await page.waitForSelector('[data-testid="last-path"]');
    const path = (await page.getByTestId('last-path').textContent())!.trim();
    expect(path.startsWith(join(workspace, 'sessions'))).toBe(true);

    const file = await readXdf(path);
    expect(file.truncatedAt).toBeNull();
    const markers = file.streams.find((s) => s.info.name === 'Markers');
    expect(markers?.timeSeries).toEqual(['stimulus', 'rest']);
    const eeg = file.streams.find((s) => s.info.type === 'EEG');
    expect(eeg?.timestamps.length).toBeGreaterThan(256);
    const eegQuality = file.streams.find((s) => s.info.type === 'QUALITY' && s.info.name.startsWith('Synthetic EEG'));
    expect(eegQuality?.channelCount).toBe(32);
    expect(eegQuality?.timestamps.length).toBeGreaterThan(0);

    const lib = Library.open(workspace);
    try {
      const sessions = lib.listSessions();
      expect(sessions).toHaveLength(1);
      expect(sessions[0]).toMatchObject({ subject: 'P001', status: 'complete' });
    } finally {
      lib.close();
    }
  });
});
