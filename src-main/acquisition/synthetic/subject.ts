// One simulated subject: seeded baselines, gains and time constants that make subjects
// differ (so subject-independent evaluation on synthetic data is meaningful). Drawn once
// from the subject seed; everything downstream (latent track, renderers) reads from here.

import { hashSeed, Rng } from './prng.js';

export interface SubjectParams {
  seed: number;
  // Latent emotion dynamics.
  /** How strongly the subject's felt valence/arousal follows the clip targets (0..1). */
  valenceReactivity: number;
  arousalReactivity: number;
  /** Time constants of the approach to the clip target (s). */
  valenceTauSec: number;
  arousalTauSec: number;
  /** Arousal the subject settles to at rest. */
  restArousal: number;
  /** SD and time constant of the idiosyncratic (OU) fluctuation of the latent state. */
  latentNoiseSd: number;
  latentNoiseTauSec: number;

  // Heart.
  /** Heart rate at arousal 0 (bpm) and its gain (bpm per unit arousal). */
  hrBaseBpm: number;
  hrGainBpm: number;
  /** Autonomic response time constant of heart rate to arousal (s). */
  hrTauSec: number;
  /** Respiratory sinus arrhythmia as a fraction of RR at arousal 0 (falls with arousal). */
  rsaFraction: number;
  /** Mayer-wave (0.1 Hz) modulation fraction of RR. */
  lfFraction: number;
  /** Beat-to-beat white RR noise (fraction). */
  rrNoiseFraction: number;
  ecgAmplitudeMv: number;
  tWaveGain: number;

  // EDA.
  edaTonicBaseUs: number;
  edaTonicGainUs: number;
  /** SCR rate at arousal 0 (per minute) and its log-gain per unit arousal. */
  scrRateBasePerMin: number;
  scrRateLogGain: number;
  /** Median SCR amplitude at arousal 0 (uS) and its log-gain per unit arousal. */
  scrAmpMedianUs: number;
  scrAmpLogGain: number;
  /** Mean latency from the eliciting moment to SCR onset (s), in [1.2, 2.5]. */
  scrLatencySec: number;
  scrRiseTauSec: number;
  scrDecayTauSec: number;

  // PPG.
  ppgAmplitude: number;
  /** Log-gain of PPG amplitude per unit arousal (negative: vasoconstriction). */
  ppgAmpLogGain: number;
  /** Pulse transit time at arousal 0 (s) and its change per unit arousal (s). */
  pttSec: number;
  pttGainSec: number;

  // Respiration.
  respRateBaseBpm: number;
  respRateGainBpm: number;
  respDepth: number;
  respDepthLogGain: number;

  // EEG.
  alphaFreqHz: number;
  /** Posterior alpha amplitude (uV RMS) at arousal 0. */
  alphaAmpUv: number;
  /** Log-gain of alpha amplitude per unit arousal (alpha falls with arousal). */
  alphaLogGain: number;
  betaAmpUv: number;
  /** Log-gain of beta amplitude per unit arousal (beta rises with arousal). */
  betaLogGain: number;
  /** Frontal alpha asymmetry gain: ln(P_right) - ln(P_left) of the alpha component = 2 * gain * valence. */
  faaGain: number;
  /** Subject's resting asymmetry offset (same units as gain * valence). */
  faaBias: number;
  backgroundUv: number;
  blinkRatePerMin: number;
  blinkAmpUv: number;
}

/** Draw the subject of a seed. */
export function drawSubject(seed: number): SubjectParams {
  const r = new Rng(hashSeed(seed, 'subject'));
  return {
    seed,
    valenceReactivity: r.range(0.75, 1.0),
    arousalReactivity: r.range(0.75, 1.0),
    valenceTauSec: r.range(6, 10),
    arousalTauSec: r.range(3, 6),
    restArousal: r.range(-0.3, -0.1),
    latentNoiseSd: r.range(0.04, 0.07),
    latentNoiseTauSec: r.range(10, 20),

    hrBaseBpm: r.range(70, 78),
    hrGainBpm: r.range(11, 16),
    hrTauSec: r.range(2, 4),
    rsaFraction: r.range(0.03, 0.06),
    lfFraction: r.range(0.01, 0.025),
    rrNoiseFraction: r.range(0.005, 0.012),
    ecgAmplitudeMv: r.range(0.8, 1.4),
    tWaveGain: r.range(0.8, 1.2),

    edaTonicBaseUs: r.range(2, 8),
    edaTonicGainUs: r.range(0.3, 1.0),
    scrRateBasePerMin: r.range(2.5, 4),
    scrRateLogGain: r.range(1.1, 1.5),
    scrAmpMedianUs: r.range(0.1, 0.25),
    scrAmpLogGain: r.range(0.6, 1.0),
    scrLatencySec: r.range(1.2, 2.5),
    scrRiseTauSec: r.range(0.6, 0.9),
    scrDecayTauSec: r.range(2, 4),

    ppgAmplitude: r.range(0.8, 1.2),
    ppgAmpLogGain: -r.range(0.35, 0.6),
    pttSec: r.range(0.22, 0.28),
    pttGainSec: -r.range(0.02, 0.04),

    respRateBaseBpm: r.range(13, 16),
    respRateGainBpm: r.range(3, 5),
    respDepth: r.range(0.8, 1.2),
    respDepthLogGain: -r.range(0.15, 0.3),

    alphaFreqHz: r.range(9, 11),
    alphaAmpUv: r.range(8, 14),
    alphaLogGain: -r.range(0.5, 0.8),
    betaAmpUv: r.range(2.5, 4),
    betaLogGain: r.range(0.4, 0.7),
    faaGain: r.range(0.8, 1.2),
    faaBias: r.range(-0.04, 0.04),
    backgroundUv: r.range(8, 14),
    blinkRatePerMin: r.range(12, 20),
    blinkAmpUv: r.range(80, 150),
  };
}
