import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../../../src-main/model/data/index.js';
import { losoFolds, subjectKFolds } from '../../../../src-main/model/evaluate/index.js';
import type { Example } from '../../../../src-main/model/training/index.js';

/** Subjects with `trials` stimuli of 60 s separated by 20 s rest, windows of 8 s every 2 s. */
function dataset(subjects: number, trials: number): Dataset {
  const out: Dataset['subjects'] = [];
  for (let s = 0; s < subjects; s++) {
    const subject = `sub${s}`;
    const examples: Example[] = [];
    const end = 10 + trials * 80;
    for (let t = 8; t <= end; t += 2) {
      const k = Math.floor((t - 10) / 80);
      const inTrial = t >= 10 && k < trials && t - 10 - k * 80 < 60;
      examples.push({ window: { startSec: t - 8, endSec: t } as Example['window'], targets: new Float32Array(0), subject, trial: inTrial ? `${subject}/stimulus${k}` : `${subject}/rest` });
    }
    out.push({ subject, examples, trials });
  }
  return { spec: { kind: 'synthetic', text: 'test', subjects, trials, seed: 1 }, synthetic: true, description: 'test', subjects: out };
}

describe('subjects with several recordings', () => {
  it('keeps windows out of training only when they overlap a held-out trial of the same recording', () => {
    // One subject, two sessions whose clocks overlap; the other subjects as usual.
    const data = dataset(3, 6);
    const first = data.subjects[0]!;
    first.examples = [
      ...first.examples.map((e) => ({ ...e, recording: 'day1', trial: e.trial.replace('sub0/', 'sub0/day1/') })),
      ...first.examples.map((e) => ({ ...e, recording: 'day2', trial: e.trial.replace('sub0/', 'sub0/day2/') })),
    ];
    first.trials = 12;
    let keptAcross = 0;
    for (const f of subjectKFolds(data, 3, 7)) {
      const held = [...f.test, ...f.validation];
      const heldTrials = new Set(held.map((e) => e.trial));
      const overlapsHeld = (e: Example) => held.some((h) => h.recording === e.recording && h.subject === e.subject && e.window.startSec < h.window.endSec && e.window.endSec > h.window.startSec);
      for (const e of f.train) expect(overlapsHeld(e)).toBe(false);
      // Every window of the subject that is neither held out nor overlapping a held-out window of its own recording is trained on.
      const eligible = first.examples.filter((e) => !heldTrials.has(e.trial) && !overlapsHeld(e));
      expect(f.train.filter((e) => e.subject === 'sub0')).toEqual(eligible);
      // Among them, windows of day 2 at the times of a held-out day-1 trial.
      keptAcross += eligible.filter((e) => e.recording === 'day2' && held.some((h) => h.recording === 'day1' && e.window.startSec < h.window.endSec && e.window.endSec > h.window.startSec)).length;
    }
    expect(keptAcross).toBeGreaterThan(0);
  });
});

describe('leave-one-subject-out folds', () => {
  it('tests each subject once, never trains or validates on it, and validates on another held-out subject', () => {
    const folds = losoFolds(dataset(4, 3));
    expect(folds.map((f) => f.testSubjects[0])).toEqual(['sub0', 'sub1', 'sub2', 'sub3']);
    for (const f of folds) {
      const test = f.testSubjects[0]!;
      const validationSubjects = new Set(f.validation.map((e) => e.subject));
      expect(validationSubjects.size).toBe(1);
      expect(validationSubjects.has(test)).toBe(false);
      expect(f.train.some((e) => e.subject === test || validationSubjects.has(e.subject))).toBe(false);
      expect(new Set(f.train.map((e) => e.subject)).size).toBe(2);
      expect(f.test.every((e) => e.subject === test && !e.trial.endsWith('/rest'))).toBe(true);
    }
  });

  it('refuses fewer than three subjects, naming how many there are', () => {
    expect(() => losoFolds(dataset(2, 3))).toThrow(/at least 3 subjects.*has 2/);
  });
});

describe('trial-wise k-fold within subjects', () => {
  it('tests every trial exactly once and keeps held-out trials, and windows overlapping them, out of training', () => {
    const data = dataset(2, 6);
    const folds = subjectKFolds(data, 3, 7);
    const tested = folds.flatMap((f) => f.testTrials);
    const all = new Set(data.subjects.flatMap((s) => s.examples.map((e) => e.trial)).filter((t) => !t.endsWith('/rest')));
    expect(tested.length).toBe(all.size);
    expect(new Set(tested)).toEqual(all);
    for (const f of folds) {
      const heldTrials = new Set([...f.testTrials, ...f.validation.map((e) => e.trial)]);
      const held = [...f.test, ...f.validation];
      for (const e of f.train) {
        expect(heldTrials.has(e.trial)).toBe(false);
        // No training window shares a second with a held-out trial of its subject.
        expect(held.some((h) => h.subject === e.subject && e.window.startSec < h.window.endSec && e.window.endSec > h.window.startSec)).toBe(false);
      }
      expect(f.droppedOverlapping).toBeGreaterThan(0);
      expect(f.test.every((e) => f.testTrials.includes(e.trial))).toBe(true);
      expect(f.validation.some((e) => f.testTrials.includes(e.trial))).toBe(false);
    }
  });

  it('deals the same trials for the same seed and others for another seed', () => {
    const data = dataset(2, 6);
    const a = subjectKFolds(data, 3, 1).map((f) => f.testTrials);
    expect(subjectKFolds(data, 3, 1).map((f) => f.testTrials)).toEqual(a);
    expect(subjectKFolds(data, 3, 2).map((f) => f.testTrials)).not.toEqual(a);
  });

  it('names the subject with too few trials for the folds, and refuses k < 3', () => {
    expect(() => subjectKFolds(dataset(2, 2), 3, 1)).toThrow(/subject sub0 has only 2 trial/);
    expect(() => subjectKFolds(dataset(2, 6), 2, 1)).toThrow(/--folds >= 3/);
  });
});
