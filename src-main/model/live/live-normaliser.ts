// Per-subject robust normalisation for live inference (DESIGN §4): training normalises each
// subject with its own median / IQR; live, the subject's statistics are estimated from the
// session so far (the newest samples of each window go into a bounded reservoir per modality).

import type { AlignedModality, AlignedSession, Modality, ModelWindow } from '../../core/align/types.js';
import type { HiMoEConfig, Normalisation } from '../himoe/index.js';
import { robustStats } from '../training/examples.js';

interface Reservoir {
  modality: AlignedModality;
  /** Next write position (samples, modulo capacity). */
  head: number;
  /** Session time up to which samples were taken (the previous window's end). */
  takenUntilSec: number;
}

export class LiveNormaliser {
  private readonly config: HiMoEConfig;
  private readonly reservoirs = new Map<Modality, Reservoir>();
  private readonly capacitySec: number;
  private readonly refreshEvery: number;
  private windows = 0;
  private stats: Normalisation | undefined;

  /** Keep the newest `capacitySec` seconds per modality; refresh the statistics every `refreshEvery` windows. */
  constructor(config: HiMoEConfig, capacitySec = 120, refreshEvery = 4) {
    this.config = config;
    this.capacitySec = capacitySec;
    this.refreshEvery = Math.max(1, Math.round(refreshEvery));
  }

  /** Add the samples of `window` newer than the previous window, and return the current statistics. */
  update(window: ModelWindow): Normalisation {
    for (const spec of this.config.modalities) {
      const wm = window.modalities[spec.modality];
      if (wm === undefined || wm.channelCount === 0) continue;
      const C = wm.channelCount;
      let r = this.reservoirs.get(spec.modality);
      if (r === undefined) {
        const capacity = Math.max(1, Math.round(this.capacitySec * wm.rateHz));
        const modality: AlignedModality = { modality: spec.modality, channelCount: C, rateHz: wm.rateHz, startSec: 0, length: capacity, samplesPerPatch: wm.samplesPerPatch, x: new Float32Array(capacity * C), mask: new Uint8Array(capacity), hasStream: true };
        r = { modality, head: 0, takenUntilSec: Number.NEGATIVE_INFINITY };
        this.reservoirs.set(spec.modality, r);
      }
      const T = wm.mask.length;
      const first = Math.max(0, Math.ceil((r.takenUntilSec - wm.startSec) * wm.rateHz - 1e-6));
      const { x, mask, length } = r.modality;
      for (let k = first; k < T; k++) {
        if (wm.mask[k] === 0) continue;
        x.set(wm.x.subarray(k * C, (k + 1) * C), r.head * C);
        mask[r.head] = 1;
        r.head = (r.head + 1) % length;
      }
      r.takenUntilSec = window.endSec;
    }
    if (this.stats === undefined || this.windows % this.refreshEvery === 0) {
      const modalities: Partial<Record<Modality, AlignedModality>> = {};
      for (const [m, r] of this.reservoirs) modalities[m] = r.modality;
      const session = { modalities } as AlignedSession;
      this.stats = robustStats(session, this.config);
    }
    this.windows++;
    return this.stats;
  }
}
