// One set-up for the browser tests: `himoe serve` in-process on a free port with a fresh
// workspace, and Debian's Chromium with a page of the given size; torn down in reverse.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { runServe } from '../../src-main/cli/commands-serve.js';
import type { WorkstationService } from '../../src-main/engine/workstation-service.js';
import type { RunningServer } from '../../src-main/server/server.js';
import { launchChromium } from './chromium.js';

/** Screenshots kept as test artefacts. */
export const ARTEFACTS = resolve('test-results/e2e');

export interface E2eWorkstation {
  workspace: string;
  server: RunningServer;
  service: WorkstationService;
  browser: Browser;
  page: Page;
}

/** `serve` adds `himoe serve` flags (e.g. `model`: a model folder for live predictions). */
export async function openWorkstation(name: string, viewport: { width: number; height: number }, serve: { model?: string } = {}): Promise<E2eWorkstation> {
  mkdirSync(ARTEFACTS, { recursive: true });
  const workspace = mkdtempSync(join(tmpdir(), `himoe-e2e-${name}-`));
  const io = { stdout: () => {}, stderr: { write: () => {} } };
  const { server, service } = await runServe({ host: '127.0.0.1', port: '0', workspace, ...serve }, io);
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport });
  return { workspace, server, service, browser, page };
}

/** Record a short synthetic session for `subject` from the Live view, pressing `markerKeys` while it runs. */
export async function recordInLive(page: Page, subject: string, markerKeys: string[] = []): Promise<void> {
  await page.getByTestId('nav-live').click();
  await page.getByTestId('subject').fill(subject);
  await page.getByTestId('start').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-stream-id="synthetic:eeg"]')?.getAttribute('data-frames-drawn')) > 5);
  for (const k of markerKeys) await page.keyboard.press(k);
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="markers"] li').length === n, markerKeys.length);
  await page.waitForTimeout(1500);
  await page.getByTestId('stop').click();
  await page.waitForSelector('[data-testid="last-path"]');
}

/** Browser first, then the service (finishing any recording), the server, and the workspace. */
export async function closeWorkstation(w: Partial<E2eWorkstation>): Promise<void> {
  await w.browser?.close();
  await w.service?.shutdown();
  await w.server?.close();
  if (w.workspace) rmSync(w.workspace, { recursive: true, force: true });
}
