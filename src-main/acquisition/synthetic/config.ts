// Configuration of the synthetic physiology source: what the caller may set, the defaults,
// and validation into a fully resolved config (bad input -> SourceError 'BAD_CONFIG' naming
// the field). Pure TS, shared by the live SyntheticSession and batch corpus generation.

import { SourceError } from '../../core/errors.js';
import { hashSeed, Rng } from './prng.js';
import { DEFAULT_EEG_CHANNELS, isElectrodeLabel } from './montage.js';
import type { Stimulus, StimulusSchedule } from './stimuli.js';

export type SyntheticModality = 'EEG' | 'ECG' | 'EDA' | 'PPG' | 'RESP';
export const SYNTHETIC_MODALITIES: readonly SyntheticModality[] = ['EEG', 'ECG', 'EDA', 'PPG', 'RESP'];
/** Lower-case key of a modality, used for the per-modality and per-device config blocks. */
export type SyntheticDeviceKey = 'eeg' | 'ecg' | 'eda' | 'ppg' | 'resp';

/** The id of the config error source (errors raised before any source exists). */
export const SYNTHETIC_CONFIG_SOURCE_ID = 'synthetic';

export interface DropoutEpisode {
  /** Seconds since the simulated world started. */
  startSec: number;
  durationSec: number;
}

/** Per-device clock and transport imperfections. Unset fields get seeded defaults. */
export interface SyntheticDeviceConfig {
  /** Constant offset of the device clock (s). Default: seeded in [-0.25, 0.25]. */
  offsetSec?: number;
  /** Clock rate error in ppm, |driftPpm| <= 50. Default: seeded in [-30, 30]. */
  driftPpm?: number;
  /** SD of the Gaussian timestamp jitter (s). Default 0.0002. */
  jitterSec?: number;
  /** Probability that a packet is lost. Default 0. */
  packetLossProb?: number;
  /** Samples per packet; default: one packet per emitted chunk. */
  packetSamples?: number;
  /** Episodes with the device out of reach: nothing emitted, state 'disconnected'. */
  dropouts?: DropoutEpisode[];
}

export interface SyntheticConfig {
  /** Subject seed: the same seed gives the same subject, the same physiology, the same bytes. */
  seed: number;
  modalities: SyntheticModality[];
  /** Simulated seconds to run; undefined = until stopped. */
  durationSec?: number;
  pacing: 'realtime' | 'fast';
  /**
   * Simulation step and chunk length (s). Default 0.1 in 'fast' pacing, 0.01 in 'realtime'
   * (a device delivering every 10 ms, between a Cyton's 4 ms packets and a serial adapter's
   * 16 ms latency timer, so live plots see samples ~10 ms after they are due rather than
   * ~100 ms). The samples do not depend on it; with packetSamples 0, a lost packet is one chunk.
   */
  chunkSec?: number;
  eeg?: { rateHz?: number; channels?: string[]; lineNoiseHz?: 50 | 60 | 0 };
  ecg?: { rateHz?: number };
  eda?: { rateHz?: number };
  ppg?: { rateHz?: number };
  resp?: { rateHz?: number };
  /** Rate of the ground-truth valence/arousal stream. Default 32 Hz. */
  groundTruth?: { rateHz?: number };
  /** Default: a seeded schedule of ~60 s clips with rest between, covering the four quadrants. */
  stimuli?: StimulusSchedule;
  devices?: Partial<Record<SyntheticDeviceKey, SyntheticDeviceConfig>>;
}

export interface ResolvedDeviceConfig {
  offsetSec: number;
  driftPpm: number;
  jitterSec: number;
  packetLossProb: number;
  /** 0 = one packet per chunk. */
  packetSamples: number;
  dropouts: DropoutEpisode[];
}

export interface ResolvedSyntheticConfig {
  seed: number;
  modalities: SyntheticModality[];
  durationSec: number | undefined;
  pacing: 'realtime' | 'fast';
  chunkSec: number;
  eeg: { rateHz: number; channels: string[]; lineNoiseHz: 0 | 50 | 60 };
  ecg: { rateHz: number };
  eda: { rateHz: number };
  ppg: { rateHz: number };
  resp: { rateHz: number };
  groundTruth: { rateHz: number };
  /** undefined = the infinite default schedule. */
  stimuli: Stimulus[] | undefined;
  devices: Record<SyntheticDeviceKey, ResolvedDeviceConfig>;
}

export const DEFAULT_RATES_HZ: Readonly<Record<SyntheticDeviceKey, number>> = {
  eeg: 256,
  ecg: 256,
  eda: 32,
  ppg: 64,
  resp: 32,
};
export const DEFAULT_GROUND_TRUTH_RATE_HZ = 32;
export const DEFAULT_CHUNK_SEC = 0.1;
/** Default chunk length in 'realtime' pacing (s): what a live view waits for a sample at most. */
export const DEFAULT_REALTIME_CHUNK_SEC = 0.01;
export const DEFAULT_JITTER_SEC = 0.0002;
export const MAX_DRIFT_PPM = 50;
const MAX_RATE_HZ = 100_000;
const MAX_EEG_CHANNELS = 256;

export function deviceKey(m: SyntheticModality): SyntheticDeviceKey {
  return m.toLowerCase() as SyntheticDeviceKey;
}

function bad(field: string, message: string, value?: unknown): never {
  throw new SourceError('BAD_CONFIG', SYNTHETIC_CONFIG_SOURCE_ID, `synthetic config: ${field} ${message}`, {
    field,
    ...(value === undefined ? {} : { value }),
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function finite(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) bad(field, `must be a finite number (got ${JSON.stringify(v)})`, v);
  return v;
}

function rate(field: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  const r = finite(field, v);
  if (r <= 0 || r > MAX_RATE_HZ) bad(field, `must be > 0 and <= ${MAX_RATE_HZ} Hz (got ${r})`, r);
  return r;
}

function block(field: string, v: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (v === undefined) return {};
  if (!isRecord(v)) bad(field, 'must be an object', v);
  for (const k of Object.keys(v)) {
    if (!allowed.includes(k)) bad(`${field}.${k}`, `is not a known option (expected one of ${allowed.join(', ')})`);
  }
  return v;
}

function resolveStimuli(v: unknown): Stimulus[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) bad('stimuli', 'must be an array of {onsetSec, durationSec, label, valence, arousal}', v);
  const out: Stimulus[] = [];
  let prevEnd = -Infinity;
  v.forEach((s: unknown, i: number) => {
    const f = `stimuli[${i}]`;
    if (!isRecord(s)) bad(f, 'must be an object');
    const onsetSec = finite(`${f}.onsetSec`, s.onsetSec);
    const durationSec = finite(`${f}.durationSec`, s.durationSec);
    if (onsetSec < 0) bad(`${f}.onsetSec`, `must be >= 0 (got ${onsetSec})`, onsetSec);
    if (durationSec <= 0) bad(`${f}.durationSec`, `must be > 0 (got ${durationSec})`, durationSec);
    if (onsetSec < prevEnd) bad(`${f}.onsetSec`, `overlaps the previous stimulus (onset ${onsetSec} < previous end ${prevEnd}); stimuli must be sorted and not overlap`, onsetSec);
    if (typeof s.label !== 'string' || s.label.length === 0) bad(`${f}.label`, 'must be a non-empty string', s.label);
    const valence = finite(`${f}.valence`, s.valence);
    const arousal = finite(`${f}.arousal`, s.arousal);
    if (Math.abs(valence) > 1) bad(`${f}.valence`, `must be in [-1, 1] (got ${valence})`, valence);
    if (Math.abs(arousal) > 1) bad(`${f}.arousal`, `must be in [-1, 1] (got ${arousal})`, arousal);
    prevEnd = onsetSec + durationSec;
    out.push({ onsetSec, durationSec, label: s.label, valence, arousal });
  });
  return out;
}

function resolveDevice(key: SyntheticDeviceKey, v: unknown, seed: number): ResolvedDeviceConfig {
  const f = `devices.${key}`;
  const d = block(f, v, ['offsetSec', 'driftPpm', 'jitterSec', 'packetLossProb', 'packetSamples', 'dropouts']);
  // Seeded defaults: each device of each subject has its own imperfect clock.
  const rng = new Rng(hashSeed(seed, 'device-clock', key));
  const dfltOffset = Math.round(rng.range(-0.25, 0.25) * 1e6) / 1e6;
  const dfltDrift = Math.round(rng.range(-30, 30) * 100) / 100;
  const offsetSec = d.offsetSec === undefined ? dfltOffset : finite(`${f}.offsetSec`, d.offsetSec);
  const driftPpm = d.driftPpm === undefined ? dfltDrift : finite(`${f}.driftPpm`, d.driftPpm);
  if (Math.abs(driftPpm) > MAX_DRIFT_PPM) bad(`${f}.driftPpm`, `must be within +-${MAX_DRIFT_PPM} ppm (got ${driftPpm})`, driftPpm);
  const jitterSec = d.jitterSec === undefined ? DEFAULT_JITTER_SEC : finite(`${f}.jitterSec`, d.jitterSec);
  if (jitterSec < 0 || jitterSec > 0.1) bad(`${f}.jitterSec`, `must be in [0, 0.1] s (got ${jitterSec})`, jitterSec);
  const packetLossProb = d.packetLossProb === undefined ? 0 : finite(`${f}.packetLossProb`, d.packetLossProb);
  if (packetLossProb < 0 || packetLossProb >= 1) bad(`${f}.packetLossProb`, `must be in [0, 1) (got ${packetLossProb})`, packetLossProb);
  const packetSamples = d.packetSamples === undefined ? 0 : finite(`${f}.packetSamples`, d.packetSamples);
  if (d.packetSamples !== undefined && (!Number.isInteger(packetSamples) || packetSamples < 1)) {
    bad(`${f}.packetSamples`, `must be an integer >= 1 (got ${packetSamples})`, packetSamples);
  }
  const dropouts: DropoutEpisode[] = [];
  if (d.dropouts !== undefined) {
    if (!Array.isArray(d.dropouts)) bad(`${f}.dropouts`, 'must be an array of {startSec, durationSec}', d.dropouts);
    d.dropouts.forEach((e: unknown, i: number) => {
      const g = `${f}.dropouts[${i}]`;
      if (!isRecord(e)) bad(g, 'must be an object {startSec, durationSec}');
      const startSec = finite(`${g}.startSec`, e.startSec);
      const durationSec = finite(`${g}.durationSec`, e.durationSec);
      if (startSec < 0) bad(`${g}.startSec`, `must be >= 0 (got ${startSec})`, startSec);
      if (durationSec <= 0) bad(`${g}.durationSec`, `must be > 0 (got ${durationSec})`, durationSec);
      dropouts.push({ startSec, durationSec });
    });
    dropouts.sort((a, b) => a.startSec - b.startSec);
  }
  return { offsetSec, driftPpm, jitterSec, packetLossProb, packetSamples, dropouts };
}

/** Validate a config and fill in every default. Throws SourceError('BAD_CONFIG') naming the field. */
export function resolveSyntheticConfig(config: SyntheticConfig): ResolvedSyntheticConfig {
  const c: unknown = config;
  if (!isRecord(c)) bad('config', 'must be an object');
  block('config', c, [
    'seed', 'modalities', 'durationSec', 'pacing', 'chunkSec', 'eeg', 'ecg', 'eda', 'ppg', 'resp',
    'groundTruth', 'stimuli', 'devices',
  ]);
  const seed = finite('seed', c.seed);

  if (!Array.isArray(c.modalities)) bad('modalities', `must be an array of ${SYNTHETIC_MODALITIES.join(', ')}`, c.modalities);
  const modalities: SyntheticModality[] = [];
  c.modalities.forEach((m: unknown, i: number) => {
    const up = typeof m === 'string' ? m.toUpperCase() : m;
    if (!SYNTHETIC_MODALITIES.includes(up as SyntheticModality)) {
      bad(`modalities[${i}]`, `is not a known modality (got ${JSON.stringify(m)}; expected one of ${SYNTHETIC_MODALITIES.join(', ')})`, m);
    }
    if (modalities.includes(up as SyntheticModality)) bad(`modalities[${i}]`, `repeats ${String(up)}`, m);
    modalities.push(up as SyntheticModality);
  });
  modalities.sort((a, b) => SYNTHETIC_MODALITIES.indexOf(a) - SYNTHETIC_MODALITIES.indexOf(b));

  let durationSec: number | undefined;
  if (c.durationSec !== undefined) {
    durationSec = finite('durationSec', c.durationSec);
    if (durationSec <= 0) bad('durationSec', `must be > 0 (got ${durationSec})`, durationSec);
  }
  if (c.pacing !== 'realtime' && c.pacing !== 'fast') bad('pacing', `must be "realtime" or "fast" (got ${JSON.stringify(c.pacing)})`, c.pacing);
  const chunkSec = c.chunkSec === undefined ? (c.pacing === 'realtime' ? DEFAULT_REALTIME_CHUNK_SEC : DEFAULT_CHUNK_SEC) : finite('chunkSec', c.chunkSec);
  if (chunkSec < 0.001 || chunkSec > 10) bad('chunkSec', `must be in [0.001, 10] s (got ${chunkSec})`, chunkSec);

  const eegBlock = block('eeg', c.eeg, ['rateHz', 'channels', 'lineNoiseHz']);
  let channels = [...DEFAULT_EEG_CHANNELS];
  if (eegBlock.channels !== undefined) {
    const ch = eegBlock.channels;
    if (!Array.isArray(ch)) bad('eeg.channels', 'must be an array of 10-20 labels', ch);
    if (ch.length < 1 || ch.length > MAX_EEG_CHANNELS) bad('eeg.channels', `must hold 1..${MAX_EEG_CHANNELS} labels (got ${ch.length})`);
    const seen = new Set<string>();
    ch.forEach((label: unknown, i: number) => {
      if (typeof label !== 'string' || !isElectrodeLabel(label)) {
        bad(`eeg.channels[${i}]`, `is not a 10-20/10-10 electrode label (got ${JSON.stringify(label)}; e.g. Fp1, F3, Cz, O2)`, label);
      }
      const key = label.toUpperCase();
      if (seen.has(key)) bad(`eeg.channels[${i}]`, `repeats label ${label}`, label);
      seen.add(key);
    });
    channels = [...(ch as string[])];
  }
  const lineNoiseHz = eegBlock.lineNoiseHz === undefined ? 50 : eegBlock.lineNoiseHz;
  if (lineNoiseHz !== 0 && lineNoiseHz !== 50 && lineNoiseHz !== 60) bad('eeg.lineNoiseHz', `must be 50, 60 or 0 (got ${JSON.stringify(lineNoiseHz)})`, lineNoiseHz);

  const rates = {} as Record<SyntheticDeviceKey, number>;
  for (const key of ['eeg', 'ecg', 'eda', 'ppg', 'resp'] as const) {
    const b = key === 'eeg' ? eegBlock : block(key, c[key], ['rateHz']);
    rates[key] = rate(`${key}.rateHz`, b.rateHz, DEFAULT_RATES_HZ[key]);
  }
  const gtBlock = block('groundTruth', c.groundTruth, ['rateHz']);
  const gtRate = rate('groundTruth.rateHz', gtBlock.rateHz, DEFAULT_GROUND_TRUTH_RATE_HZ);

  const devBlock = block('devices', c.devices, ['eeg', 'ecg', 'eda', 'ppg', 'resp']);
  const devices = {} as Record<SyntheticDeviceKey, ResolvedDeviceConfig>;
  for (const key of ['eeg', 'ecg', 'eda', 'ppg', 'resp'] as const) devices[key] = resolveDevice(key, devBlock[key], seed);

  return {
    seed,
    modalities,
    durationSec,
    pacing: c.pacing,
    chunkSec,
    eeg: { rateHz: rates.eeg, channels, lineNoiseHz: lineNoiseHz as 0 | 50 | 60 },
    ecg: { rateHz: rates.ecg },
    eda: { rateHz: rates.eda },
    ppg: { rateHz: rates.ppg },
    resp: { rateHz: rates.resp },
    groundTruth: { rateHz: gtRate },
    stimuli: resolveStimuli(c.stimuli),
    devices,
  };
}
