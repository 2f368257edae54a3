// Evaluation protocols (issue 3 item 5, DESIGN §4): leave-one-subject-out (subject-independent)
// and trial-wise k-fold within subjects (subject-dependent). Every fold names its test windows,
// its training windows and a validation set for early stopping, with no window of a test (or
// validation) trial in training: a training window whose span overlaps a held-out trial's span
// in the same recording is dropped too, since windows overlap in time (8 s windows, 2 s hops).

import { ModelError } from '../errors.js';
import { seededRng } from '../runtime/index.js';
import { timelineOf, type Example } from '../training/examples.js';
import type { Dataset, SubjectExamples } from '../data/index.js';

export type ProtocolName = 'loso' | 'subject-kfold';
export const PROTOCOLS: readonly ProtocolName[] = ['loso', 'subject-kfold'];

export interface Fold {
  index: number;
  /** e.g. "test subject synthetic-1001" or "trial fold 2/5". */
  name: string;
  train: Example[];
  /** Early stopping set (never tested on in this fold). */
  validation: Example[];
  test: Example[];
  testSubjects: string[];
  /** Test trial ids. */
  testTrials: string[];
  /** Training windows dropped because they overlap a held-out trial in time. */
  droppedOverlapping: number;
}

function isRest(trial: string): boolean {
  return trial.endsWith('/rest');
}

/** [start, end] of each held-out trial's windows, per timeline (timelineOf). */
function spans(examples: readonly Example[], trials: ReadonlySet<string>): Map<string, Array<[number, number]>> {
  const byTrial = new Map<string, [number, number]>();
  for (const e of examples) {
    if (!trials.has(e.trial)) continue;
    const s = byTrial.get(e.trial);
    if (s === undefined) byTrial.set(e.trial, [e.window.startSec, e.window.endSec]);
    else byTrial.set(e.trial, [Math.min(s[0], e.window.startSec), Math.max(s[1], e.window.endSec)]);
  }
  const out = new Map<string, Array<[number, number]>>();
  for (const e of examples) {
    const s = byTrial.get(e.trial);
    if (s === undefined) continue;
    const list = out.get(timelineOf(e)) ?? [];
    if (!list.includes(s)) list.push(s);
    out.set(timelineOf(e), list);
  }
  return out;
}

function overlaps(e: Example, held: Map<string, Array<[number, number]>>): boolean {
  return (held.get(timelineOf(e)) ?? []).some(([a, b]) => e.window.startSec < b && e.window.endSec > a);
}

function usable(dataset: Dataset): SubjectExamples[] {
  return dataset.subjects.filter((s) => s.examples.length > 0);
}

/** Leave-one-subject-out: fold i tests subject i; the next subject (cyclically) is the validation set. */
export function losoFolds(dataset: Dataset): Fold[] {
  const subjects = usable(dataset);
  if (subjects.length < 3) {
    throw new ModelError('protocol-data', `leave-one-subject-out needs at least 3 subjects with windows (one to test, one to validate, one or more to train); ${dataset.spec.text} has ${subjects.length}`);
  }
  return subjects.map((test, i) => {
    const validation = subjects[(i + 1) % subjects.length]!;
    const train = subjects.filter((s) => s !== test && s !== validation).flatMap((s) => s.examples);
    return {
      index: i,
      name: `test subject ${test.subject}`,
      train,
      validation: validation.examples,
      test: test.examples.filter((e) => !isRest(e.trial)),
      testSubjects: [test.subject],
      testTrials: [...new Set(test.examples.map((e) => e.trial).filter((t) => !isRest(t)))],
      droppedOverlapping: 0,
    };
  });
}

/**
 * Trial-wise k-fold within subjects: each subject's trials are shuffled (seeded) and dealt into k
 * folds; fold f tests every subject's fold-f trials, validates on fold (f + 1) mod k, trains on
 * the rest (rest windows included unless they overlap a held-out trial).
 */
export function subjectKFolds(dataset: Dataset, k: number, seed: number): Fold[] {
  if (!Number.isInteger(k) || k < 3) throw new ModelError('protocol-data', `subject-kfold needs --folds >= 3 (test, validation and training folds); got ${k}`);
  const subjects = usable(dataset);
  if (subjects.length === 0) throw new ModelError('protocol-data', `${dataset.spec.text}: no windows to evaluate`);
  const foldOf = new Map<string, number>();
  for (const s of subjects) {
    const trials = [...new Set(s.examples.map((e) => e.trial).filter((t) => !isRest(t)))].sort();
    if (trials.length < k) {
      throw new ModelError('protocol-data', `subject-kfold with ${k} folds: subject ${s.subject} has only ${trials.length} trial(s); use --folds ${Math.max(3, trials.length)} or fewer, or loso`);
    }
    seededRng(seed, 'folds', s.subject).shuffle(trials).forEach((t, i) => foldOf.set(t, i % k));
  }
  const all = subjects.flatMap((s) => s.examples);
  return Array.from({ length: k }, (_, f) => {
    const v = (f + 1) % k;
    const testTrials = new Set([...foldOf].filter(([, g]) => g === f).map(([t]) => t));
    const validationTrials = new Set([...foldOf].filter(([, g]) => g === v).map(([t]) => t));
    const held = spans(all, new Set([...testTrials, ...validationTrials]));
    const candidates = all.filter((e) => !testTrials.has(e.trial) && !validationTrials.has(e.trial));
    const train = candidates.filter((e) => !overlaps(e, held));
    return {
      index: f,
      name: `trial fold ${f + 1}/${k}`,
      train,
      validation: all.filter((e) => validationTrials.has(e.trial)),
      test: all.filter((e) => testTrials.has(e.trial)),
      testSubjects: subjects.map((s) => s.subject),
      testTrials: [...testTrials].sort(),
      droppedOverlapping: candidates.length - train.length,
    };
  });
}

export function makeFolds(dataset: Dataset, protocol: ProtocolName, options: { folds?: number; seed: number }): Fold[] {
  return protocol === 'loso' ? losoFolds(dataset) : subjectKFolds(dataset, options.folds ?? 5, options.seed);
}
