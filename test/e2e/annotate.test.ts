/// <reference lib="dom" />
// End to end: live annotation in the browser against `himoe serve` (in-process) on the
// synthetic source — rater R01 annotates in the 2-D circumplex with the keyboard during a
// recording; the XDF holds R01's ANNOTATION stream moving the keyed way, and the running
// CCC against the synthetic ground truth was shown.
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAnnotationTraces } from '../../src-main/engine/annotation-io.js';
import type { WorkstationService } from '../../src-main/engine/workstation-service.js';
import type { RunningServer } from '../../src-main/server/server.js';
import { chromiumAvailable } from './chromium.js';
import { ARTEFACTS, closeWorkstation, openWorkstation } from './workstation-fixture.js';

const haveChromium = chromiumAvailable();
const artefacts = ARTEFACTS;
let workspace: string;
let server: RunningServer;
let service: WorkstationService;
let browser: Browser;
let page: Page;

describe.skipIf(!haveChromium)('live annotation in the browser (himoe serve)', () => {
  beforeAll(async () => {
    ({ workspace, server, service, browser, page } = await openWorkstation('annot', { width: 1280, height: 900 }));
  });

  afterAll(async () => {
    await closeWorkstation({ workspace, server, service, browser });
  });

  it('records a keyboard-driven 2-D annotation by rater R01 with running CCC against ground truth, and a 1-D mouse pass by R02 from a second window', async () => {
    await page.goto(server.openUrl);
    await page.getByTestId('subject').fill('P002');
    await page.getByTestId('start').click();
    await page.waitForSelector('[data-stream-id="synthetic:eeg"]');

    await page.getByTestId('nav-annotate').click();
    await page.getByTestId('rater-id').fill('R01');
    await page.getByTestId('annotate-mode').selectOption('2d');
    await page.getByTestId('annotate-device').selectOption('keyboard');
    await page.waitForFunction(() => !(document.querySelector('[data-testid="annotate-begin"]') as HTMLButtonElement | null)?.disabled);
    await page.getByTestId('annotate-begin').click();
    await page.waitForSelector('[data-testid="annotate-status"]');

    // Hold right+up (positive valence, higher arousal) for ~3 s.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur()); // keys go to the window, not a form control
    await page.keyboard.down('ArrowRight');
    await page.keyboard.down('ArrowUp');
    await page.waitForTimeout(3000);
    await page.keyboard.up('ArrowUp');
    await page.keyboard.up('ArrowRight');
    const valence = Number(await page.getByTestId('annotate-pad').getAttribute('data-valence'));
    const arousal = Number(await page.getByTestId('annotate-pad').getAttribute('data-arousal'));
    expect(valence).toBeGreaterThan(0.5);
    expect(arousal).toBeGreaterThan(0.5);

    // The running CCC against ground truth arrives while annotating.
    await page.waitForFunction(() => /^-?\d\.\d\d$/.test(document.querySelector('[data-testid="ccc-valence"]')?.textContent ?? ''), undefined, { timeout: 10_000 });
    const ccc = Number(await page.getByTestId('ccc-valence').textContent());
    expect(ccc).toBeGreaterThanOrEqual(-1);
    expect(ccc).toBeLessThanOrEqual(1);
    await expect(page.getByTestId('annotate-agreement').textContent()).resolves.toContain('synthetic:ground-truth');
    expect(Number(await page.getByTestId('annotate-trace').getAttribute('data-points'))).toBeGreaterThan(20);
    await page.screenshot({ path: join(artefacts, 'annotate-live.png'), fullPage: true });

    await page.getByTestId('annotate-end').click();
    await page.waitForSelector('[data-testid="annotate-message"]');
    await expect(page.getByTestId('annotate-message').textContent()).resolves.toMatch(/R01: \d+ samples recorded in annotation:R01/);

    // A second rater in a second window, 1-D valence slider by mouse, in the same session.
    const page2 = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page2.goto(server.openUrl);
    await page2.getByTestId('nav-annotate').click();
    await page2.getByTestId('rater-id').fill('R02');
    await page2.getByTestId('annotate-mode').selectOption('1d');
    await page2.getByTestId('annotate-device').selectOption('mouse');
    await page2.waitForFunction(() => !(document.querySelector('[data-testid="annotate-begin"]') as HTMLButtonElement | null)?.disabled);
    await page2.getByTestId('annotate-begin').click();
    const slider = page2.locator('[data-testid="annotate-pad"] canvas');
    const box = (await slider.boundingBox())!;
    await slider.click({ position: { x: 20 + 0.8 * (box.width - 40), y: 40 } }); // 80 % along: valence +0.6
    await page2.waitForTimeout(1500);
    await page2.screenshot({ path: join(artefacts, 'annotate-1d-mouse.png') });
    await page2.getByTestId('annotate-end').click();
    await page2.waitForSelector('[data-testid="annotate-message"]');
    await page2.close();

    await page.getByTestId('nav-live').click();
    await page.getByTestId('stop').click();
    await page.waitForSelector('[data-testid="last-path"]');
    const path = (await page.getByTestId('last-path').textContent())!.trim();

    const { traces } = await readAnnotationTraces(path, { includeReferences: false });
    const v = traces.find((t) => t.raterId === 'R01' && t.dimension === 'valence');
    const a = traces.find((t) => t.raterId === 'R01' && t.dimension === 'arousal');
    expect(v?.device).toBe('keyboard');
    expect(v!.values.length).toBeGreaterThan(25); // ~10 Hz for > 3 s
    for (const t of [v!, a!]) {
      for (const x of t.values) expect(Math.abs(x)).toBeLessThanOrEqual(1);
      // Moved in the keyed direction: from the centre to clearly positive.
      expect(t.values[0]).toBeLessThan(0.2);
      expect(t.values[t.values.length - 1]).toBeGreaterThan(0.5);
    }
    const r2 = traces.filter((t) => t.raterId === 'R02');
    expect(r2.map((t) => `${t.dimension}/${t.device}`)).toEqual(['valence/mouse']);
    expect(r2[0].values[r2[0].values.length - 1]).toBeCloseTo(0.6, 1);
  }, 120_000); // two browser windows with live plots on a shared 2-core machine

  it('moves the cursor with a gamepad left stick (right = positive valence, up = high arousal)', async () => {
    const pad = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // A stand-in for a connected gamepad: the Gamepad API is polled every animation frame.
    await pad.addInitScript({
      content: `navigator.getGamepads = () => [{ id: 'Test pad (STANDARD GAMEPAD)', connected: true, axes: [0.5, -0.8, 0, 0], buttons: [] }];`,
    });
    await pad.goto(server.openUrl);
    await pad.getByTestId('nav-annotate').click();
    await pad.getByTestId('annotate-device').selectOption('gamepad');
    await pad.waitForFunction(() => Number(document.querySelector('[data-testid="annotate-pad"]')?.getAttribute('data-arousal')) > 0.7);
    expect(Number(await pad.getByTestId('annotate-pad').getAttribute('data-valence'))).toBeCloseTo(0.5, 2);
    expect(Number(await pad.getByTestId('annotate-pad').getAttribute('data-arousal'))).toBeCloseTo(0.8, 2);
    await expect(pad.locator('.readout').textContent()).resolves.toContain('Test pad');
    await pad.close();
  });
});
