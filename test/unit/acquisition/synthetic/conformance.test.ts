// Every source of a SyntheticSession (each simulated device and the stimulus source) passes
// the shared SignalSource conformance suite, in real-time and in fast pacing.

import { SyntheticSession, type SyntheticConfig } from '../../../../src-main/acquisition/synthetic/synthetic-session.js';
import { describeSourceConformance } from '../source-conformance.js';

const SOURCE_IDS = ['synthetic-eeg', 'synthetic-ecg', 'synthetic-eda', 'synthetic-ppg', 'synthetic-resp', 'synthetic-stimulus'];

function subject(sourceId: string, pacing: SyntheticConfig['pacing']) {
  return () => {
    const session = new SyntheticSession({
      seed: 17,
      modalities: ['EEG', 'ECG', 'EDA', 'PPG', 'RESP'],
      pacing,
      // Fast runs get an end so the collected data stays small; loss shows as counter jumps.
      ...(pacing === 'fast' ? { durationSec: 120 } : {}),
      devices: { eeg: { packetLossProb: 0.05, packetSamples: 16, jitterSec: 0.001 } },
    });
    const source = session.sources.find((s) => s.id === sourceId);
    if (!source) throw new Error(`no source ${sourceId}`);
    return {
      source,
      cleanup: async () => {
        await Promise.all(session.sources.map((s) => s.release()));
      },
    };
  };
}

for (const id of SOURCE_IDS) {
  describeSourceConformance(`${id} (realtime)`, subject(id, 'realtime'), { runMs: 600 });
  describeSourceConformance(`${id} (fast)`, subject(id, 'fast'), { runMs: 300 });
}
