// The Predictions view's engine side: PREDICTION rows decoded by their channel labels, and
// `prediction.status` saying whether a model is configured when no session runs.
import { describe, expect, it } from 'vitest';
import { predictionHandlers, predictionRowReader } from '../../../src-main/engine/prediction-handlers.js';
import { WorkstationService } from '../../../src-main/engine/workstation-service.js';

const LABELS = ['valence', 'arousal', 'weight_EEG', 'weight_EDA', 'prototype_0', 'prototype_1', 'prototype_2'];

describe('predictionRowReader', () => {
  it('names each row by its labels and derives the shared expert weight as 1 − Σ modality weights', () => {
    const values = Float32Array.of(0.5, -0.25, 0.6, 0.3, 0.2, -0.05, 0.1, /* row 2 */ 0.1, 0.2, 0.7, 0, 0.3, 0.3, 0.3);
    const read = predictionRowReader(LABELS);
    const second = read(values, 1, 12.5);
    expect(second.tSec).toBe(12.5);
    expect(second.valence).toBeCloseTo(0.1, 6);
    expect(second.arousal).toBeCloseTo(0.2, 6);
    expect(second.modalityWeights.map((w) => Number(w.toFixed(6)))).toEqual([0.7, 0]);
    expect(second.sharedWeight).toBeCloseTo(0.3, 6);
    const first = read(values, 0, 12);
    expect(first.sharedWeight).toBeCloseTo(0.1, 6);
    expect(first.prototypeWeights.map((w) => Number(w.toFixed(6)))).toEqual([0.2, -0.05, 0.1]);
  });

  it('reads no per-output weights from a shared-router stream, and each output\'s own from a per-output one', () => {
    expect(predictionRowReader(LABELS)(Float32Array.of(0, 0, 0.5, 0.5, 0, 0, 0), 0, 1).outputWeights).toEqual([]);
    const labels = [...LABELS, 'valence_weight_EEG', 'valence_weight_EDA', 'arousal_weight_EEG', 'arousal_weight_EDA'];
    const row = predictionRowReader(labels)(Float32Array.of(0.1, 0.2, 0.5, 0.25, 0.3, 0.3, 0.3, 0.8, 0, 0.2, 0.5), 0, 1);
    expect(row.modalityWeights).toEqual([0.5, 0.25]);
    expect(row.outputWeights.map((o) => o.output)).toEqual(['valence', 'arousal']);
    expect(row.outputWeights[0]!.modalityWeights.map((w) => Number(w.toFixed(6)))).toEqual([0.8, 0]);
    expect(row.outputWeights[0]!.sharedWeight).toBeCloseTo(0.2, 6);
    expect(row.outputWeights[1]!.modalityWeights.map((w) => Number(w.toFixed(6)))).toEqual([0.2, 0.5]);
    expect(row.outputWeights[1]!.sharedWeight).toBeCloseTo(0.3, 6);
  });

  it('turns the NaN outputs of a window without any modality into null (JSON has no NaN)', () => {
    const values = Float32Array.of(Number.NaN, Number.NaN, 0, 0, 0.1, 0.1, 0.1);
    const row = predictionRowReader(LABELS)(values, 0, 3);
    expect(row.valence).toBeNull();
    expect(row.arousal).toBeNull();
    expect(row.sharedWeight).toBe(1);
    expect(JSON.parse(JSON.stringify(row))).toEqual(row);
  });
});

describe('prediction.status', () => {
  const planRecording = async () => ({ path: '/nonexistent', finish: async () => {} });

  it('reports no model and no session when none is configured', async () => {
    const service = new WorkstationService({ planRecording, handlers: predictionHandlers() });
    const s = await service.call('prediction.status', { historySec: 30 });
    expect(s).toMatchObject({ modelConfigured: false, sessionRunning: false, layout: null, stats: null, history: [] });
  });

  it('reports a configured model before any session starts', async () => {
    const service = new WorkstationService({ planRecording, modelDir: '/models/x', handlers: predictionHandlers() });
    const s = await service.call('prediction.status', { historySec: 30 });
    expect(s.modelConfigured).toBe(true);
    expect(s.sessionRunning).toBe(false);
    expect(s.layout).toBeNull();
  });
});
