// Public surface of the synthetic physiology source: the live session (SignalSources for
// the engine) and the pure generator (batch corpora), with their config and schedule types.

export {
  DEFAULT_CHUNK_SEC,
  DEFAULT_REALTIME_CHUNK_SEC,
  DEFAULT_GROUND_TRUTH_RATE_HZ,
  DEFAULT_RATES_HZ,
  MAX_DRIFT_PPM,
  resolveSyntheticConfig,
  SYNTHETIC_MODALITIES,
  type DropoutEpisode,
  type ResolvedDeviceConfig,
  type ResolvedSyntheticConfig,
  type SyntheticConfig,
  type SyntheticDeviceConfig,
  type SyntheticDeviceKey,
  type SyntheticModality,
} from './config.js';
export { CLOCK_OFFSET_INTERVAL_SEC } from './device.js';
export { DEFAULT_EEG_CHANNELS, electrodePosition, isElectrodeLabel } from './montage.js';
export {
  GROUND_TRUTH_CHANNELS,
  PhysiologyWorld,
  renderRecording,
  samplesBefore,
  type RenderRecordingOptions,
  type SyntheticRecording,
  type WorldBlock,
  type WorldStep,
} from './physiology.js';
export { defaultStimulusSchedule, quadrantOf, type Quadrant, type Stimulus, type StimulusSchedule } from './stimuli.js';
export { drawSubject, type SubjectParams } from './subject.js';
export {
  GROUND_TRUTH_STREAM_ID,
  MARKER_STREAM_ID,
  STIMULUS_SOURCE_ID,
  SyntheticSession,
  syntheticSourceId,
  syntheticStreamId,
} from './synthetic-session.js';
