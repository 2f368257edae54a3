/// <reference lib="dom" />
// End to end, Evaluate view (issue 7 item 5, "run a short evaluation"): against `himoe serve`
// (in-process, temp workspace; the engine runs the built dist/cli as a child process), choose the
// synthetic corpus, the quick preset, LOSO, Hi-MoE + early fusion; run it and see the progress bar
// move, the results table, a plot and the run in the history; then start a longer run and cancel
// it: cancelled, partial, resumable. Needs `npm run build` (dist/ and the renderer) first.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable } from './chromium.js';
import { ARTEFACTS, closeWorkstation, openWorkstation, recordInLive, type E2eWorkstation } from './workstation-fixture.js';

const haveChromium = chromiumAvailable();
let w: E2eWorkstation;

/** The machine is shared with a long training run: generous limits, tiny runs. */
const SLOW_MS = 240_000;

describe.skipIf(!haveChromium)('Evaluate view (himoe serve)', () => {
  beforeAll(async () => {
    w = await openWorkstation('evaluate', { width: 1400, height: 1000 });
    await w.page.goto(w.server.openUrl);
    await w.page.getByTestId('nav-evaluate').click();
    await w.page.waitForSelector('[data-testid="evaluate-form"]');
  });

  afterAll(async () => {
    await closeWorkstation(w);
  });

  it('runs a short evaluation: progress moves, then the results table, a plot and the run in the history', async () => {
    const { page } = w;
    await page.getByTestId('data-synthetic').check();
    await page.getByTestId('synthetic-subjects').fill('3');
    await page.getByTestId('synthetic-trials').fill('1');
    await page.getByTestId('arch-himoe').check();
    await page.getByTestId('arch-early-fusion').check();
    await page.getByTestId('protocol').selectOption('loso');
    await page.getByTestId('preset').selectOption('quick');
    await page.getByTestId('keep-models').check();
    // Record every value the progress bar shows (the run takes seconds).
    await page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { fractions: number[] }).fractions = seen;
      setInterval(() => {
        const el = document.querySelector('[data-testid="evaluate-progress"]');
        const v = el ? Number(el.getAttribute('data-fraction')) : Number.NaN;
        if (Number.isFinite(v) && seen[seen.length - 1] !== v) seen.push(v);
      }, 25);
    });
    await page.getByTestId('evaluate-run').click();
    await page.waitForSelector('[data-testid="evaluate-progress"]', { timeout: SLOW_MS });
    // The bar under way (or, on a fast machine, the finished run).
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="evaluate-progress"]')?.getAttribute('data-fraction') ?? 1) > 0, undefined, { timeout: SLOW_MS });
    await page.screenshot({ path: join(ARTEFACTS, 'evaluate-running.png'), fullPage: true });

    // Finished: the run's row says done, its report shows one row per architecture and the plots.
    await page.waitForSelector('[data-testid="evaluate-history"] tr[data-status="done"]', { timeout: SLOW_MS });
    await page.waitForSelector('[data-testid="evaluate-results"] tr[data-arch="early-fusion"]', { timeout: 30_000 });
    const fractions = await page.evaluate(() => (window as unknown as { fractions: number[] }).fractions);
    expect(fractions.filter((f) => f > 0 && f < 1).length, `fractions seen: ${fractions.join(', ')}`).toBeGreaterThanOrEqual(1);
    expect(fractions).toEqual([...fractions].sort((a, b) => a - b));

    const rows = await page.$$eval('[data-testid="evaluate-results"] tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent?.trim() ?? '')));
    expect(rows.map((r) => r[0])).toEqual(['himoe', 'early-fusion']);
    for (const r of rows) {
      expect(r[2]).toBe('3'); // folds
      expect(r[3]).toMatch(/^-?\d\.\d{3} ± \d\.\d{3}$/); // valence CCC
      expect(r[4]).toMatch(/^-?\d\.\d{3} ± \d\.\d{3}$/); // arousal CCC
    }
    const headers = await page.$$eval('[data-testid="evaluate-results"] th', (ths) => ths.map((th) => th.textContent ?? ''));
    expect(headers).toEqual(expect.arrayContaining(['valence CCC (mean ± s.d.)', 'arousal CCC (mean ± s.d.)']));
    const claims = await page.locator('[data-testid="evaluate-claims"] li').allTextContents();
    expect(claims.some((c) => /^(pass|fail)(, within fold noise)? Hi-MoE beats early-fusion in valence CCC/.test(c))).toBe(true);

    // The plots are images of blob: URLs that decoded (the CSP allows blob: images), not inline markup.
    const plots = await page.$$eval('[data-testid="evaluate-plots"] img', (imgs) =>
      (imgs as HTMLImageElement[]).map((img) => ({ name: img.getAttribute('data-plot'), src: img.src.slice(0, 5), complete: img.complete, width: img.naturalWidth })),
    );
    expect(plots.map((p) => p.name)).toContain('traces.svg');
    for (const p of plots) expect(p).toMatchObject({ src: 'blob:', complete: true });
    expect(plots.find((p) => p.name === 'traces.svg')!.width).toBe(640);
    expect(await page.locator('[data-testid="evaluate-detail"] svg').count()).toBe(0);

    // The history row and the files in the workspace.
    const row = page.locator('[data-testid="evaluate-history"] tr[data-status="done"]');
    const id = (await row.getAttribute('data-run-id'))!;
    await expect(row.textContent()).resolves.toMatch(/synthetic 3×1.*loso.*himoe, early-fusion.*done/);
    const report = JSON.parse(readFileSync(join(w.workspace, 'evaluations', id, 'report.json'), 'utf8')) as { format: string; run: { results: unknown[] } };
    expect(report.format).toBe('himoe-evaluation');
    expect(report.run.results).toHaveLength(6);
    await page.screenshot({ path: join(ARTEFACTS, 'evaluate-results.png'), fullPage: true });
  }, SLOW_MS * 2);

  it('cancels a longer run after the model in training: cancelled, partial results, resumable', async () => {
    const { page } = w;
    await page.getByTestId('synthetic-subjects').fill('6');
    await page.getByTestId('synthetic-trials').fill('2');
    for (const a of ['eeg-only', 'late-fusion', 'ablation-mean-fusion']) await page.getByTestId(`arch-${a}`).check();
    await page.getByTestId('evaluate-run').click();
    // Cancel once the first result is in.
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="evaluate-progress"]')?.getAttribute('data-done')) >= 1, undefined, { timeout: SLOW_MS });
    await page.getByTestId('evaluate-cancel').click();
    await page.waitForSelector('[data-testid="evaluate-stop-now"]');
    await page.screenshot({ path: join(ARTEFACTS, 'evaluate-cancelling.png'), fullPage: true });

    await page.waitForSelector('[data-testid="evaluate-history"] tr[data-status="cancelled"]', { timeout: SLOW_MS });
    const row = page.locator('[data-testid="evaluate-history"] tr[data-status="cancelled"]');
    const id = (await row.getAttribute('data-run-id'))!;
    const results = Number(await row.locator('td').nth(5).textContent());
    expect(results).toBeGreaterThanOrEqual(1);
    expect(results).toBeLessThan(30); // 6 LOSO folds x 5 architectures
    await expect(page.getByTestId(`resume-${id}`).isVisible()).resolves.toBe(true);
    // Its partial report: the run is marked cancelled.
    await page.waitForSelector(`[data-testid="evaluate-detail"][data-run-id="${id}"]`);
    await expect(page.getByTestId('evaluate-detail').textContent()).resolves.toContain('cancelled: partial results');
    expect(existsSync(join(w.workspace, 'evaluations', id, 'report.json'))).toBe(true);
    // The earlier run is still in the history, and the form accepts a new run.
    expect(await page.locator('[data-testid="evaluate-history"] tr[data-status="done"]').count()).toBe(1);
    await expect(page.getByTestId('evaluate-run').isEnabled()).resolves.toBe(true);
    await page.screenshot({ path: join(ARTEFACTS, 'evaluate-cancelled.png'), fullPage: true });
  }, SLOW_MS * 2);

  it('copies a model the first run kept into models/, scores it as a trained model and runs it live', async () => {
    const { page } = w;
    const first = page.locator('[data-testid="evaluate-history"] tr[data-status="done"]');
    const id = (await first.getAttribute('data-run-id'))!;
    await first.click();
    await page.waitForSelector(`[data-testid="evaluate-detail"][data-run-id="${id}"]`);
    // Its Hi-MoE networks, one per LOSO fold; early fusion is another network and is not kept.
    const kept = await page.$$eval('[data-testid="evaluate-kept-models"] tbody tr', (trs) => trs.map((tr) => tr.getAttribute('data-model')));
    expect(kept).toEqual(['fold1-himoe', 'fold2-himoe', 'fold3-himoe']);
    await page.getByTestId('adopt-fold2-himoe').click();
    await expect(page.getByTestId('adopted-fold2-himoe').textContent()).resolves.toBe(`in models/ as ${id}-fold2-himoe`);
    const manifest = JSON.parse(readFileSync(join(w.workspace, 'models', `${id}-fold2-himoe`, 'manifest.json'), 'utf8')) as { protocol: string };
    expect(manifest.protocol).toMatch(/evaluation fold 2/);
    await page.screenshot({ path: join(ARTEFACTS, 'evaluate-kept-models.png'), fullPage: true });

    // Score it: the form already names it.
    await page.getByTestId('synthetic-subjects').fill('3');
    await page.getByTestId('synthetic-trials').fill('1');
    await page.getByLabel('score a trained model').check();
    await expect(page.getByTestId('trained-model').inputValue()).resolves.toBe(`${id}-fold2-himoe`);
    await page.getByTestId('evaluate-run').click();
    const scored = page.locator(`[data-testid="evaluate-history"] tr[data-status="done"]:has-text("model ${id}-fold2-himoe")`);
    await scored.waitFor({ timeout: SLOW_MS });
    await page.waitForSelector('[data-testid="evaluate-results"] tbody tr', { timeout: 30_000 });
    await page.getByLabel('train and compare').check();

    // And run it live: the Live view offers the workspace's models for the next session.
    await page.getByTestId('nav-live').click();
    const choice = page.getByTestId('live-model');
    await expect.poll(() => choice.locator('option').allTextContents()).toContain(`${id}-fold2-himoe`);
    await choice.selectOption(`${id}-fold2-himoe`);
    // Not recorded: the next test counts the recorded sessions.
    await page.getByTestId('record').uncheck();
    await page.getByTestId('start').click();
    await page.getByTestId('nav-predictions').click();
    await expect.poll(() => page.getByTestId('predictions-model').textContent(), { timeout: 30_000 }).toBe('fold2-himoe');
    await page.getByTestId('nav-live').click();
    await page.getByTestId('stop').click();
    await page.waitForSelector('[data-testid="start"]');
    await choice.selectOption('');
    await page.getByTestId('record').check();
  }, SLOW_MS * 2);

  it('counts recorded sessions by subject, as the protocols do: two sessions of P01 and one of P02 are too few subjects to leave one out', async () => {
    const { page } = w;
    for (const subject of ['P01', 'P01', 'P02']) await recordInLive(page, subject);
    await page.getByTestId('nav-evaluate').click();
    await page.getByTestId('data-sessions').check();
    const boxes = page.locator('[data-testid="evaluate-sessions"] input[type="checkbox"]');
    await expect.poll(() => boxes.count()).toBe(3);
    for (let i = 0; i < 3; i++) await boxes.nth(i).check();
    await page.getByTestId('arch-himoe').check();
    await page.getByTestId('protocol').selectOption('loso');
    await expect(page.getByTestId('evaluate-form').textContent()).resolves.toContain('leave one subject out needs sessions of at least 3 subjects; the 3 chosen are of 2');
    await expect(page.getByTestId('evaluate-run').isEnabled()).resolves.toBe(false);
    await page.screenshot({ path: join(ARTEFACTS, 'evaluate-sessions-subjects.png'), fullPage: true });
    // Trial-wise k-fold within subjects has no such minimum.
    await page.getByTestId('protocol').selectOption('subject-kfold');
    await expect(page.getByTestId('evaluate-form').textContent()).resolves.not.toContain('needs sessions of at least 3 subjects');
    await expect(page.getByTestId('evaluate-run').isEnabled()).resolves.toBe(true);
  }, SLOW_MS);
});
