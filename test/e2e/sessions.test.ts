/// <reference lib="dom" />
// End to end, Sessions view: record a short session in the Live view, find it in the library
// by its subject, open it (streams and markers), export it to EDF+ (the file reads back) and
// delete it with confirmation (gone from the list, kept in the workspace trash).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkstationService } from '../../src-main/engine/workstation-service.js';
import type { RunningServer } from '../../src-main/server/server.js';
import { readEdf } from '../../src-main/storage/edf/index.js';
import { chromiumAvailable } from './chromium.js';
import { ARTEFACTS, closeWorkstation, openWorkstation, recordInLive } from './workstation-fixture.js';

const haveChromium = chromiumAvailable();
const artefacts = ARTEFACTS;
let workspace: string;
let server: RunningServer;
let service: WorkstationService;
let browser: Browser;
let page: Page;


describe.skipIf(!haveChromium)('Sessions view (himoe serve)', () => {
  beforeAll(async () => {
    ({ workspace, server, service, browser, page } = await openWorkstation('sessions', { width: 1400, height: 900 }));
    await page.goto(server.openUrl);
  });

  afterAll(async () => {
    await closeWorkstation({ workspace, server, service, browser });
  });

  it('finds a recorded session by subject, opens, exports it to EDF+, moves it to the trash after confirmation, and corrects another\'s subject', async () => {
    await recordInLive(page, 'P042', ['1', '2']);
    await recordInLive(page, 'P043');

    // Search by subject: only P042's session remains in the list.
    await page.getByTestId('nav-sessions').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="session-list"] tr[data-session-id]').length === 2);
    await page.getByTestId('session-search').fill('p042');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="session-list"] tr[data-session-id]').length === 1);
    const row = page.locator('[data-testid="session-list"] tr[data-session-id]');
    await expect(row.textContent()).resolves.toContain('P042');
    const id = (await row.getAttribute('data-session-id'))!;

    // Open: streams and markers.
    await row.click();
    await page.waitForSelector('[data-testid="session-detail"]');
    const streams = (await page.getByTestId('session-streams').textContent()) ?? '';
    for (const type of ['EEG', 'ECG', 'EDA', 'PPG', 'RESP']) expect(streams).toContain(type);
    // The researcher's two markers (the synthetic stimulus stream may add its own on a slow machine).
    const markerTexts = await page.locator('[data-testid="session-markers"] li').allTextContents();
    expect(markerTexts.filter((t) => /^(stimulus|rest) @/.test(t))).toHaveLength(2);
    await page.screenshot({ path: join(artefacts, 'sessions-open.png'), fullPage: true });

    // Export to EDF+: the reported file exists under <ws>/exports/<id>/ and reads back.
    await page.getByTestId('export-edf').click();
    await page.waitForFunction(() => /exported EDF/.test(document.querySelector('[data-testid="sessions-message"]')?.textContent ?? ''));
    const edfPath = join(workspace, 'exports', id, `${id}.edf`);
    await expect(page.getByTestId('sessions-message').textContent()).resolves.toContain(edfPath);
    const edf = readEdf(edfPath);
    expect(edf.variant).toMatch(/^EDF\+/);
    expect(edf.signals.length).toBeGreaterThan(32);
    expect(edf.annotations.map((a) => a.text)).toEqual(expect.arrayContaining(['stimulus', 'rest']));

    // Delete asks first; cancelling keeps the session, confirming moves it to the trash.
    await page.getByTestId('delete').click();
    await page.waitForSelector('[data-testid="confirm-delete"]');
    await page.screenshot({ path: join(artefacts, 'sessions-confirm-delete.png'), fullPage: true });
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(existsSync(join(workspace, 'sessions', id))).toBe(true);
    await page.getByTestId('delete').click();
    await page.getByTestId('confirm-delete-yes').click();
    await page.waitForFunction(() => /moved session/.test(document.querySelector('[data-testid="sessions-message"]')?.textContent ?? ''));
    await page.getByTestId('session-search').fill('');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="session-list"] tr[data-session-id]').length === 1);
    await expect(page.locator('[data-testid="session-list"] tr[data-session-id]').textContent()).resolves.toContain('P043');
    expect(existsSync(join(workspace, 'sessions', id))).toBe(false);

    // Correct the remaining session's subject: session.json and the library follow, the recording does not change.
    const other = page.locator('[data-testid="session-list"] tr[data-session-id]');
    const otherId = (await other.getAttribute('data-session-id'))!;
    const recording = readFileSync(join(workspace, 'sessions', otherId, 'recording.xdf'));
    await other.click();
    await page.waitForSelector(`[data-testid="session-detail"] h2:text("${otherId}")`);
    await page.getByTestId('edit').click();
    await page.getByTestId('edit-subject').fill('Jane Doe');
    await page.getByTestId('edit-save').click();
    await page.waitForFunction(() => /"Jane Doe" is not a pseudonym/.test(document.querySelector('[data-testid="sessions-error"]')?.textContent ?? ''));
    await page.screenshot({ path: join(artefacts, 'sessions-edit-refused.png'), fullPage: true });
    await page.getByTestId('edit-subject').fill('P042');
    await page.getByTestId('edit-notes').fill('subject corrected');
    await page.getByTestId('edit-save').click();
    await page.waitForFunction(() => /saved session/.test(document.querySelector('[data-testid="sessions-message"]')?.textContent ?? ''));
    await expect(page.getByTestId('session-detail').textContent()).resolves.toContain('subject P042');
    await expect(page.locator('[data-testid="session-list"] tr[data-session-id]').textContent()).resolves.toContain('P042');
    expect(JSON.parse(readFileSync(join(workspace, 'sessions', otherId, 'session.json'), 'utf8'))).toMatchObject({ subject: 'P042', notes: 'subject corrected' });
    expect(readFileSync(join(workspace, 'sessions', otherId, 'recording.xdf')).equals(recording)).toBe(true);
    const trashed = readdirSync(join(workspace, 'trash'));
    expect(trashed).toHaveLength(1);
    expect(trashed[0]!.startsWith(`${id}-`)).toBe(true);
    expect(existsSync(join(workspace, 'trash', trashed[0]!, 'recording.xdf'))).toBe(true);
    await page.screenshot({ path: join(artefacts, 'sessions-after-delete.png'), fullPage: true });
  });
});
