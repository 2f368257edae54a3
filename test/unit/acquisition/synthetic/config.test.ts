// Config of the synthetic source: defaults that match the documented montage and rates,
// and bad input rejected with a SourceError('BAD_CONFIG') that names the field.

import { describe, expect, it } from 'vitest';
import { resolveSyntheticConfig, type SyntheticConfig } from '../../../../src-main/acquisition/synthetic/config.js';
import { SyntheticSession } from '../../../../src-main/acquisition/synthetic/synthetic-session.js';
import { SourceError } from '../../../../src-main/core/errors.js';

const base: SyntheticConfig = { seed: 1, modalities: ['EEG', 'ECG', 'EDA', 'PPG', 'RESP'], pacing: 'fast', durationSec: 10 };

function rejection(config: unknown): SourceError {
  try {
    resolveSyntheticConfig(config as SyntheticConfig);
  } catch (err) {
    expect(err).toBeInstanceOf(SourceError);
    return err as SourceError;
  }
  throw new Error('config was accepted');
}

describe('synthetic config', () => {
  it('fills the documented defaults: 32-ch 10-20 EEG at 256 Hz, ECG 256, EDA 32, PPG 64, RESP 32, 0.1 s chunks, 50 Hz line', () => {
    const cfg = resolveSyntheticConfig(base);
    expect(cfg.eeg.rateHz).toBe(256);
    expect(cfg.eeg.channels).toHaveLength(32);
    for (const label of ['Fp1', 'Fp2', 'F3', 'F4', 'Fz', 'Cz', 'O1', 'O2']) expect(cfg.eeg.channels).toContain(label);
    expect(cfg.eeg.lineNoiseHz).toBe(50);
    expect([cfg.ecg.rateHz, cfg.eda.rateHz, cfg.ppg.rateHz, cfg.resp.rateHz]).toEqual([256, 32, 64, 32]);
    expect(cfg.chunkSec).toBe(0.1);
    expect(cfg.stimuli).toBeUndefined();
  });

  it('gives each device its own seeded clock within +-30 ppm and +-0.25 s, and no loss unless asked', () => {
    const a = resolveSyntheticConfig(base);
    const b = resolveSyntheticConfig({ ...base, seed: 2 });
    const keys = ['eeg', 'ecg', 'eda', 'ppg', 'resp'] as const;
    for (const k of keys) {
      expect(Math.abs(a.devices[k].driftPpm)).toBeLessThanOrEqual(30);
      expect(Math.abs(a.devices[k].offsetSec)).toBeLessThanOrEqual(0.25);
      expect(a.devices[k].packetLossProb).toBe(0);
      expect(a.devices[k].dropouts).toEqual([]);
    }
    expect(new Set(keys.map((k) => a.devices[k].driftPpm)).size).toBe(5);
    expect(keys.map((k) => a.devices[k].offsetSec)).not.toEqual(keys.map((k) => b.devices[k].offsetSec));
    expect(resolveSyntheticConfig(base).devices).toEqual(a.devices);
  });

  it('keeps explicit device overrides and accepts lower-case modality names', () => {
    const cfg = resolveSyntheticConfig({
      ...base,
      modalities: ['ecg', 'EEG'] as unknown as SyntheticConfig['modalities'],
      devices: { ecg: { offsetSec: 1.5, driftPpm: -50, jitterSec: 0, packetLossProb: 0.1, packetSamples: 8, dropouts: [{ startSec: 5, durationSec: 1 }] } },
    });
    expect(cfg.modalities).toEqual(['EEG', 'ECG']);
    expect(cfg.devices.ecg).toEqual({ offsetSec: 1.5, driftPpm: -50, jitterSec: 0, packetLossProb: 0.1, packetSamples: 8, dropouts: [{ startSec: 5, durationSec: 1 }] });
  });

  it.each([
    ['modalities[1]', { ...base, modalities: ['EEG', 'EMG'] }],
    ['modalities[1]', { ...base, modalities: ['EEG', 'EEG'] }],
    ['seed', { ...base, seed: Number.NaN }],
    ['pacing', { ...base, pacing: 'slow' }],
    ['durationSec', { ...base, durationSec: 0 }],
    ['chunkSec', { ...base, chunkSec: 0 }],
    ['eeg.rateHz', { ...base, eeg: { rateHz: 0 } }],
    ['ecg.rateHz', { ...base, ecg: { rateHz: -256 } }],
    ['eda.rateHz', { ...base, eda: { rateHz: Number.POSITIVE_INFINITY } }],
    ['eeg.channels[2]', { ...base, eeg: { channels: ['F3', 'F4', 'Xx9'] } }],
    ['eeg.channels[1]', { ...base, eeg: { channels: ['F3', 'f3'] } }],
    ['eeg.channels', { ...base, eeg: { channels: [] } }],
    ['eeg.lineNoiseHz', { ...base, eeg: { lineNoiseHz: 55 } }],
    ['eeg.gain', { ...base, eeg: { gain: 2 } }],
    ['config.extra', { ...base, extra: true }],
    ['devices.ecg.driftPpm', { ...base, devices: { ecg: { driftPpm: 60 } } }],
    ['devices.eeg.packetLossProb', { ...base, devices: { eeg: { packetLossProb: 1 } } }],
    ['devices.eeg.packetSamples', { ...base, devices: { eeg: { packetSamples: 2.5 } } }],
    ['devices.eda.dropouts[0].durationSec', { ...base, devices: { eda: { dropouts: [{ startSec: 1, durationSec: 0 }] } } }],
    ['devices.gsr', { ...base, devices: { gsr: {} } }],
    ['stimuli[0].valence', { ...base, stimuli: [{ onsetSec: 0, durationSec: 5, label: 'a', valence: 1.5, arousal: 0 }] }],
    [
      'stimuli[1].onsetSec',
      {
        ...base,
        stimuli: [
          { onsetSec: 0, durationSec: 5, label: 'a', valence: 0, arousal: 0 },
          { onsetSec: 4, durationSec: 5, label: 'b', valence: 0, arousal: 0 },
        ],
      },
    ],
    ['stimuli[0].label', { ...base, stimuli: [{ onsetSec: 0, durationSec: 5, label: '', valence: 0, arousal: 0 }] }],
  ])('rejects a bad %s with BAD_CONFIG naming the field', (field, config) => {
    const err = rejection(config);
    expect(err.code).toBe('BAD_CONFIG');
    expect(err.details.field).toBe(field);
    expect(err.message).toContain(field);
  });

  it('makes SyntheticSession throw the same typed error before creating any source', () => {
    expect(() => new SyntheticSession({ ...base, devices: { eeg: { driftPpm: -51 } } })).toThrowError(SourceError);
  });
});
