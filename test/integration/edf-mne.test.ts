// Our EDF+ and BDF+ exports checked by an outside reader: MNE-Python (Debian's python3-mne)
// loads a session we exported, and must see the same channels, values within one
// quantisation step and the same annotations as our own reader.
// Without mne the test skips loudly; on CI (CI=true) it fails instead.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readEdf } from '../../src-main/storage/edf/index.js';
import { exportEdf } from '../../src-main/storage/export/edf-export.js';
import { loadExportSession } from '../../src-main/storage/export/export-session.js';
import { writeFixtureXdf } from '../unit/storage/export/xdf-fixture.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'himoe-mne-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The first python3 that imports mne (Debian's lives in /usr/bin; a pyenv shim may come first on PATH). */
function findPython(): { python: string } | { missing: string } {
  for (const python of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(python, ['-c', 'import mne'], { encoding: 'utf8' });
    if (r.status === 0) return { python };
  }
  return { missing: 'no python3 with mne (apt-get install -y python3-mne)' };
}

const found = findPython();
if ('missing' in found) {
  const msg = `\n!!! EDF/BDF MNE integration test SKIPPED: ${found.missing} !!!\n`;
  if (process.env.CI === 'true') throw new Error(`${msg}(CI=true: this is a failure, not a skip)`);
  console.warn(msg);
}

const MNE_SCRIPT = `
import json, sys, mne
path = sys.argv[1]
read = mne.io.read_raw_bdf if path.endswith('.bdf') else mne.io.read_raw_edf
raw = read(path, preload=True, verbose='error')
print(json.dumps({
  'version': mne.__version__,
  'ch_names': raw.ch_names,
  'sfreq': raw.info['sfreq'],
  'data': raw.get_data().tolist(),
  'annotations': [[float(a['onset']), float(a['duration']), a['description']] for a in raw.annotations],
}))
`;

interface MneRead {
  version: string;
  ch_names: string[];
  sfreq: number;
  data: number[][];
  annotations: Array<[number, number, string]>;
}

/** MNE's scale to SI volts for the dimensions it knows; others it leaves as written. */
const MNE_SCALE: Record<string, number> = { uV: 1e-6, mV: 1e-3, V: 1 };

describe.skipIf('missing' in found)('MNE reads our EDF+ and BDF+ exports', () => {
  for (const format of ['edf', 'bdf'] as const) {
    it(`${format}: same channels, values within one quantisation step, same annotations`, async () => {
      const xdf = path.join(tmp, `${format}.xdf`);
      // A 0.4 s loss in every stream: shorter than a record, so EDF+C with gap annotations
      // that have durations (MNE 1.3 reads EDF+D records as if contiguous, so no EDF+D here).
      await writeFixtureXdf(xdf, { durationSec: 10, gapSec: [4.2, 4.6] });
      const out = path.join(tmp, `session.${format}`);
      exportEdf(await loadExportSession(xdf), out, { format });
      const ours = readEdf(out);

      const r = spawnSync((found as { python: string }).python, ['-c', MNE_SCRIPT, out], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
      expect(r.status, r.stderr).toBe(0);
      const mne = JSON.parse(r.stdout) as MneRead;
      console.info(`MNE ${mne.version} read ${path.basename(out)}: ${mne.ch_names.length} channels at ${mne.sfreq} Hz, ${mne.annotations.length} annotations`);

      expect(mne.ch_names).toEqual(ours.signals.map((s) => s.label));
      const maxRate = Math.max(...ours.signals.map((s) => s.rateHz));
      expect(mne.sfreq).toBe(maxRate);
      ours.signals.forEach((s, c) => {
        const scale = MNE_SCALE[s.physicalDimension] ?? 1;
        const quantum = (s.physicalMax - s.physicalMin) / (s.digitalMax - s.digitalMin);
        const step = maxRate / s.rateHz; // MNE interpolates slower channels up to the fastest rate
        let worst = 0;
        for (let i = 0; i < s.values.length; i++) worst = Math.max(worst, Math.abs(mne.data[c]![i * step]! / scale - s.values[i]!));
        expect(worst, `${s.label}: worst difference ${worst} vs quantum ${quantum}`).toBeLessThanOrEqual(quantum);
      });
      expect(ours.variant).toBe(`${format.toUpperCase()}+C`);
      expect(ours.annotations.filter((a) => a.text.startsWith('gap:') && (a.durationSec ?? 0) >= 0.25).map((a) => a.text).sort()).toEqual(['gap: TestECG', 'gap: TestEDA', 'gap: TestEEG']);
      expect(mne.annotations.map(([, , d]) => d)).toEqual(ours.annotations.map((a) => a.text));
      mne.annotations.forEach(([onset, duration], k) => {
        expect(onset).toBeCloseTo(ours.annotations[k]!.onsetSec, 6);
        expect(duration).toBeCloseTo(ours.annotations[k]!.durationSec ?? 0, 6);
      });
    });
  }
});
