/// <reference lib="dom" />
// End to end: the Predictions view in the browser against `himoe serve --model DIR` (in-process)
// on the synthetic source. A tiny Hi-MoE trained for 2 steps runs live; the view shows the point
// moving on the circumplex, growing traces, router weights that sum to 1 and match the recorded
// PREDICTION rows (each output's own weights too: the model routes per output), and an absent
// modality (no EDA device) as weight 0 / unavailable. Without a model the view says how to start one.
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveHiMoEConfig } from '../../src-main/model/himoe/index.js';
import { saveModel } from '../../src-main/model/io/index.js';
import { initModelRuntime } from '../../src-main/model/runtime/index.js';
import { syntheticExamples, trainHiMoE } from '../../src-main/model/training/index.js';
import { readXdf } from '../../src-main/storage/xdf/xdf-reader.js';
import { smallConfig } from '../unit/model/himoe/fixtures.js';
import { chromiumAvailable } from './chromium.js';
import { ARTEFACTS, closeWorkstation, openWorkstation, type E2eWorkstation } from './workstation-fixture.js';

const haveChromium = chromiumAvailable();
const VIEWPORT = { width: 1400, height: 1050 };
let modelRoot: string;
let modelDir: string;
let w: E2eWorkstation;

/** The unit tests' small config (d = 16, 4 s windows) with PPG and RESP added: the synthetic
 *  source's five modalities. Per-output routing, so that the view shows each output's weights
 *  beside their mean (a shared-router model shows the mean panel alone). */
const small = smallConfig({ dropout: 0, modalityRouting: 'per-output' });
const config = resolveHiMoEConfig({
  ...small,
  modalities: [...small.modalities, { modality: 'PPG', rateHz: 16, channelLabels: ['PPG'] }, { modality: 'RESP', rateHz: 8, channelLabels: ['RESP'] }],
});

/** The shown point, both coordinates read at once (a row arriving between two reads would mix two rows). */
async function point(page: Page): Promise<{ valence: number; arousal: number }> {
  return page.getByTestId('predictions-point').evaluate((p) => ({ valence: Number(p.getAttribute('data-valence')), arousal: Number(p.getAttribute('data-arousal')) }));
}

async function bars(page: Page, id: string): Promise<Record<string, number>> {
  return page.$$eval(`[data-testid="predictions-weights-${id}"] [data-key]`, (rows) =>
    Object.fromEntries(rows.map((r) => [r.getAttribute('data-key')!, Number(r.getAttribute('data-value'))])),
  );
}

/** Every weight panel of the newest row, read at once (a row arriving between two reads would mix two rows). */
async function allBars(page: Page): Promise<Record<string, Record<string, number>>> {
  return page.$$eval('[data-testid^="predictions-weights-"]', (panels) =>
    Object.fromEntries(panels.map((p) => [p.getAttribute('data-testid')!.slice('predictions-weights-'.length), Object.fromEntries(Array.from(p.querySelectorAll('[data-key]')).map((r) => [r.getAttribute('data-key')!, Number(r.getAttribute('data-value'))]))])),
  );
}

const tracePoints = async (page: Page, dim: string) => Number(await page.getByTestId(`predictions-trace-${dim}`).getAttribute('data-points'));

describe.skipIf(!haveChromium)('Predictions view in the browser (himoe serve --model)', () => {
  beforeAll(async () => {
    await initModelRuntime({ prefer: 'wasm', log: () => undefined });
    modelRoot = await mkdtemp(join(tmpdir(), 'himoe-e2e-model-'));
    modelDir = join(modelRoot, 'tiny');
    const train = syntheticExamples(config, { subjectSeed: 1, durationSec: 30, hopSec: 2 }).examples;
    const validation = syntheticExamples(config, { subjectSeed: 2, durationSec: 12, hopSec: 4 }).examples;
    const result = await trainHiMoE({ config, seed: 4, train, validation, epochs: 1, batchSize: 4, maxStepsPerEpoch: 2, learningRate: 3e-3, warmupSteps: 1 });
    expect(result.steps).toBe(2);
    await saveModel(modelDir, result.model, {
      name: 'e2e-tiny',
      normalisation: { method: 'per-subject-robust', description: 'median / IQR per subject and channel, estimated live' },
      training: { data: 'synthetic', description: 'Two steps on one synthetic subject: the view, not accuracy, is tested.', synthetic: true, subjects: 1 },
      seed: 4,
    });
    result.model.dispose();
    w = await openWorkstation('pred', VIEWPORT, { model: modelDir });
  }, 120_000);

  afterAll(async () => {
    await closeWorkstation(w ?? {});
    if (modelRoot) await rm(modelRoot, { recursive: true, force: true });
  });

  it('without a model says none is loaded and how to start one', async () => {
    const bare = await openWorkstation('pred-bare', VIEWPORT);
    try {
      await bare.page.goto(bare.server.openUrl);
      await bare.page.getByTestId('nav-predictions').click();
      const text = await bare.page.getByTestId('predictions-no-model').textContent();
      expect(text).toContain('No model loaded');
      expect(text).toContain('himoe serve --model DIR');
      await bare.page.screenshot({ path: join(ARTEFACTS, 'predictions-no-model.png') });
    } finally {
      await closeWorkstation(bare);
    }
  }, 60_000);

  it('shows the live point moving on the circumplex, growing traces, and router weights that sum to 1 and match the recording', async () => {
    const { page, server } = w;
    await page.goto(server.openUrl);
    await page.getByTestId('subject').fill('P020');
    await page.getByTestId('start').click();
    await page.waitForSelector('[data-stream-id="synthetic:eeg"]');
    await page.getByTestId('nav-predictions').click();

    await page.waitForSelector('[data-testid="predictions-point"]', { timeout: 20_000 });
    const first = await point(page);
    const firstPoints = await tracePoints(page, 'valence');
    // About 2 rows a second: wait for six more.
    await page.waitForFunction((n) => Number(document.querySelector('[data-testid="predictions-trace-valence"]')?.getAttribute('data-points')) >= n + 6, firstPoints, { timeout: 30_000 });
    const later = await point(page);
    const [nValence, nArousal] = await page.$$eval('[data-testid^="predictions-trace-"]', (els) => els.map((e) => Number(e.getAttribute('data-points'))));
    expect(nValence).toBeGreaterThanOrEqual(firstPoints + 6);
    expect(nArousal).toBe(nValence);
    expect(Number(await page.getByTestId('predictions-circumplex').getAttribute('data-trail'))).toBeGreaterThan(6);
    expect(Math.hypot(later.valence - first.valence, later.arousal - first.arousal)).toBeGreaterThan(0);
    for (const v of [later.valence, later.arousal]) expect(Math.abs(v)).toBeLessThanOrEqual(1);

    // Every modality has its device: all five present in the window, weights > 0, the bank sums to 1.
    const experts = await bars(page, 'experts');
    expect(Object.keys(experts)).toEqual(['EEG', 'ECG', 'EDA', 'PPG', 'RESP', 'shared']);
    for (const m of ['EEG', 'ECG', 'EDA', 'PPG', 'RESP']) {
      expect(experts[m]).toBeGreaterThan(0);
      expect(await page.locator(`[data-testid="predictions-availability"] [data-modality="${m}"]`).getAttribute('data-state')).toBe('present');
    }
    expect(Object.values(experts).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    expect(Number(await page.getByTestId('predictions-sum-experts').textContent())).toBeCloseTo(1, 2);
    // Each output's own router weights: a panel per output, each summing to 1, their mean the panel above.
    const panels = await allBars(page);
    expect(Object.keys(panels).sort()).toEqual(['experts', 'experts-arousal', 'experts-valence', 'prototypes']);
    for (const o of ['valence', 'arousal']) {
      expect(Object.keys(panels[`experts-${o}`]!)).toEqual(['EEG', 'ECG', 'EDA', 'PPG', 'RESP', 'shared']);
      expect(Object.values(panels[`experts-${o}`]!).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    }
    for (const m of ['EEG', 'ECG', 'EDA', 'PPG', 'RESP']) {
      expect(Math.abs(panels.experts![m]! - (panels['experts-valence']![m]! + panels['experts-arousal']![m]!) / 2)).toBeLessThan(2e-4);
    }
    await expect(page.locator('[data-testid="predictions-weights-experts-valence"] h3').textContent()).resolves.toContain('for valence');
    const prototypes = await bars(page, 'prototypes');
    expect(Object.keys(prototypes)).toHaveLength(8);
    expect(Object.values(prototypes).some((v) => v !== 0)).toBe(true);
    await expect(page.getByTestId('predictions-stats').textContent()).resolves.toMatch(/\d+ windows · \d+ skipped/);
    await page.screenshot({ path: join(ARTEFACTS, 'predictions-dark.png'), fullPage: true });
    await page.getByRole('button', { name: 'Light theme' }).click();
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(ARTEFACTS, 'predictions-light.png'), fullPage: true });
    await page.getByRole('button', { name: 'Dark theme' }).click();

    // What the view shows is what was recorded: the shown point is one of the PREDICTION rows.
    const shown = await point(page);
    await page.getByTestId('nav-live').click();
    await page.getByTestId('stop').click();
    await page.waitForSelector('[data-testid="last-path"]');
    const file = await readXdf((await page.getByTestId('last-path').textContent())!.trim());
    const pred = file.streams.find((s) => s.info.type === 'PREDICTION')!;
    const C = pred.channelCount;
    const values = pred.timeSeries as Float32Array;
    const recorded = Array.from({ length: pred.timestamps.length }, (_, i) => [values[i * C]!, values[i * C + 1]!]);
    const match = recorded.some(([v, a]) => Math.abs(v - shown.valence) < 1e-4 && Math.abs(a - shown.arousal) < 1e-4);
    expect(match, `shown ${JSON.stringify(shown)} is not among the last recorded rows ${JSON.stringify(recorded.slice(-6))}`).toBe(true);
  }, 120_000);

  it('shows an absent modality (no EDA device) as unavailable with weight exactly 0', async () => {
    const { page, service } = w;
    if (service.status().state === 'running') await service.call('session.stop', {});
    await service.call('session.start', { source: 'synthetic', modalities: ['EEG', 'ECG', 'PPG', 'RESP'], seed: 3, record: false, subject: '', notes: '' });
    await page.getByTestId('nav-predictions').click();
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="predictions-trace-valence"]')?.getAttribute('data-points')) >= 4, undefined, { timeout: 30_000 });
    const experts = await bars(page, 'experts');
    expect(experts.EDA).toBe(0);
    for (const m of ['EEG', 'ECG', 'PPG', 'RESP']) expect(experts[m]).toBeGreaterThan(0);
    for (const o of ['valence', 'arousal']) expect((await bars(page, `experts-${o}`)).EDA).toBe(0);
    expect(Object.values(experts).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
    const eda = page.locator('[data-testid="predictions-availability"] [data-modality="EDA"]');
    expect(await eda.getAttribute('data-state')).toBe('no-stream');
    await expect(eda.textContent()).resolves.toContain('no stream in this session');
    await expect(page.locator('[data-testid="predictions-weights-experts"] [data-key="EDA"]').textContent()).resolves.toContain('unavailable');
    await page.screenshot({ path: join(ARTEFACTS, 'predictions-no-eda.png'), fullPage: true });
    await service.call('session.stop', {});
  }, 90_000);

  it('says why when the model cannot run in the session (its weights file is damaged)', async () => {
    const broken = join(modelRoot, 'broken');
    await cp(modelDir, broken, { recursive: true });
    await writeFile(join(broken, 'weights.bin'), Buffer.from([1, 2, 3]));
    const bad = await openWorkstation('pred-broken', VIEWPORT, { model: broken });
    try {
      await bad.service.call('session.start', { source: 'synthetic', modalities: ['EEG', 'ECG'], seed: 3, record: false, subject: '', notes: '' });
      await bad.page.goto(bad.server.openUrl);
      await bad.page.getByTestId('nav-predictions').click();
      const box = bad.page.getByTestId('predictions-not-running');
      await box.waitFor({ timeout: 20_000 });
      await expect(box.textContent()).resolves.toMatch(/not predicting in this session[\s\S]*no live predictions: \S/);
      expect(await bad.page.getByTestId('predictions-point').count()).toBe(0);
      await bad.page.screenshot({ path: join(ARTEFACTS, 'predictions-model-not-running.png') });
    } finally {
      await closeWorkstation(bad);
    }
  }, 60_000);
});
