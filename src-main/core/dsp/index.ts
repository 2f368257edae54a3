// Signal processing for every modality: filters and resampling, spectra, ECG/EDA/EEG features and
// live signal quality. Pure TypeScript (runs in main, workers and the renderer).

export * from './iir.js';
export * from './notch.js';
export * from './presets.js';
export * from './resample.js';
export * from './resample-poly.js';
export * from './spectrum.js';
export * from './eeg.js';
export * from './ecg.js';
export * from './hrv.js';
export * from './eda.js';
export * from './quality.js';
