// Datasets for the model commands (issue 3 item 3): a data SPEC resolved into per-subject
// training examples — the synthetic corpus rendered directly, the XDF sessions of a directory
// (each with a GROUND_TRUTH stream or annotation traces, a workspace recording with its post-hoc
// passes; grouped by subject: session.json, else the file header) read and cut by xdfExamples, or DEAP /
// DREAMER through the storage/datasets importers (deapExamples, dreamerExamples).

import { readdir } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { ANNOTATIONS_DIR, postHocAnnotationFiles, RECORDING_FILE, SESSION_META_FILE, sessionMetaOfRecording, type SessionMeta } from '../../storage/workspace.js';
import { readXdf, type XdfFile, type XdfStream } from '../../storage/xdf/index.js';
import { childText, parseXml } from '../../storage/xdf/xdf-xml.js';
import { ModelError } from '../errors.js';
import type { HiMoEConfig } from '../himoe/config.js';
import { syntheticExamples, type Example } from '../training/examples.js';
import type { SubjectExamples } from './dataset-examples.js';
import { deapExamples } from './deap-examples.js';
import { dreamerExamples } from './dreamer-examples.js';
import { parseDataSpec, type DataSpec } from './spec.js';
import { corpusSubject } from './synthetic-corpus.js';
import { xdfExamples } from './xdf-examples.js';

export { DATA_SPEC_HELP, parseDataSpec, type DataSpec } from './spec.js';
export { CORPUS_MANIFEST_JSON, corpusSubject, type CorpusManifest, type CorpusSubject } from './synthetic-corpus.js';
export { xdfExamples, type XdfExamples, type XdfExamplesOptions } from './xdf-examples.js';
export { modelSpecsFor, planChannels, type ChannelPlan, type DatasetModalityInfo, type SubjectExamples } from './dataset-examples.js';
export { DEAP_MODALITIES, deapExamples } from './deap-examples.js';
export { DREAMER_MODALITIES, dreamerExamples } from './dreamer-examples.js';

export interface Dataset {
  spec: DataSpec;
  synthetic: boolean;
  description: string;
  subjects: SubjectExamples[];
  /** Sessions left out, each with why (an XDF session without targets: neither GROUND_TRUTH nor annotations). */
  skipped?: string[];
}

/**
 * The sessions among the XDF files under a directory (recursively), sorted by path. A workspace
 * session's post-hoc annotation passes (<session>/annotations/*.xdf beside its recording.xdf)
 * are not sessions: they are read with their recording (loadDataset).
 */
export async function findXdfFiles(dir: string): Promise<string[]> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch (error) {
    throw new ModelError('bad-data-spec', `xdf:${dir}: cannot read the directory (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { dir }, { cause: error });
  }
  const files = new Set(entries.filter((e) => e.toLowerCase().endsWith('.xdf')));
  const isPass = (e: string) => basename(dirname(e)) === ANNOTATIONS_DIR && files.has(join(dirname(dirname(e)), RECORDING_FILE));
  return [...files].filter((e) => !isPass(e)).map((e) => join(dir, e)).sort();
}

/**
 * The subject of a recording: for a workspace recording its session.json's (the truth the
 * library is built from; null there means unknown), else the `<subject>` of the file header (as
 * the recorder and the dataset importers write it); undefined when neither names one.
 */
async function recordingSubject(path: string, file: XdfFile): Promise<string | undefined> {
  let meta: SessionMeta | undefined;
  try {
    meta = await sessionMetaOfRecording(path);
  } catch (error) {
    throw new ModelError('bad-data-spec', `${(error as Error).message}; fix it, or move it away to take the subject from the recording's header`, { path: join(dirname(path), SESSION_META_FILE) }, { cause: error });
  }
  if (meta !== undefined) return meta.subject ?? undefined;
  try {
    const subject = childText(parseXml(file.fileHeader.xml), 'subject')?.trim();
    return subject !== undefined && subject !== '' ? subject : undefined;
  } catch {
    return undefined;
  }
}

function subjectOf(examples: Example[], subject: string): SubjectExamples {
  return { subject, examples, trials: new Set(examples.map((e) => e.trial).filter((t) => !t.endsWith('/rest'))).size };
}

/**
 * Resolve a data SPEC (text or parsed) into examples per subject for a model config. The windows
 * share each session's aligned arrays (no per-window copy; `shareAligned: false` copies them):
 * read them, never write them (copy first, as augmentation and the robustness perturbations do).
 */
export async function loadDataset(specOrText: DataSpec | string, config: HiMoEConfig, options: { hopSec: number; onSubject?: (name: string, index: number, total: number) => void; shareAligned?: boolean }): Promise<Dataset> {
  const spec = typeof specOrText === 'string' ? parseDataSpec(specOrText) : specOrText;
  const shareAligned = options.shareAligned ?? true;
  const subjects: SubjectExamples[] = [];
  if (spec.kind === 'synthetic') {
    for (let i = 0; i < spec.subjects; i++) {
      const s = corpusSubject(spec.seed, i, spec.trials);
      const { examples } = syntheticExamples(config, { subjectSeed: s.seed, durationSec: s.durationSec, hopSec: options.hopSec, stimuli: s.stimuli, shareAligned });
      subjects.push(subjectOf(examples, s.subject));
      options.onSubject?.(s.subject, i, spec.subjects);
    }
    return { spec, synthetic: true, subjects, description: `Synthetic corpus: ${spec.subjects} subjects x ${spec.trials} trials of the built-in generator (corpus seed ${spec.seed}), ideal signals with the generator's valence/arousal as targets.` };
  }
  if (spec.kind === 'deap') {
    const { subjects: deap, description } = await deapExamples(spec.dir, config, { hopSec: options.hopSec, source: spec.text, shareAligned, ...(options.onSubject ? { onSubject: options.onSubject } : {}) });
    return { spec, synthetic: false, subjects: deap, description };
  }
  if (spec.kind === 'dreamer') {
    const { subjects: dreamer, description } = await dreamerExamples(spec.file, config, { hopSec: options.hopSec, source: spec.text, shareAligned, ...(options.onSubject ? { onSubject: options.onSubject } : {}) });
    return { spec, synthetic: false, subjects: dreamer, description };
  }
  const files = await findXdfFiles(spec.dir);
  if (files.length === 0) throw new ModelError('bad-data-spec', `xdf:${spec.dir}: no .xdf files in the directory`, { dir: spec.dir });
  let synthetic = true;
  let passes = 0;
  const skipped: string[] = [];
  const bySubject = new Map<string, Example[]>();
  for (const [i, path] of files.entries()) {
    const file = await readXdf(path);
    const rel = relative(spec.dir, path) || basename(path);
    // A workspace recording is named by its session folder, any other file by its path.
    const name = basename(rel) === RECORDING_FILE && dirname(rel) !== '.' ? dirname(rel) : rel.replace(/\.xdf$/i, '');
    // Sessions of one subject are one subject of the protocols (leave-one-subject-out must not
    // train on another session of the test subject); a file without <subject> is its own.
    const subject = (await recordingSubject(path, file)) ?? name;
    const annotationStreams: XdfStream[] = [];
    for (const pass of await postHocAnnotationFiles(path)) {
      // Written on the session clock (zero offset, irregular): nothing to dejitter.
      annotationStreams.push(...(await readXdf(pass, { dejitter: false })).streams);
      passes++;
    }
    let examples: Example[];
    try {
      ({ examples } = xdfExamples(config, file, {
        subject,
        ...(subject !== name ? { recording: name } : {}),
        annotationStreams,
        hopSec: options.hopSec,
        requireTargets: true,
        source: path,
        shareAligned,
      }));
    } catch (error) {
      // A session nobody annotated is not an error in a folder of sessions (a workspace holds
      // many); it is left out and named. A folder with no session to learn from is one.
      if (!(error instanceof ModelError && error.code === 'no-ground-truth')) throw error;
      skipped.push(error.message);
      options.onSubject?.(rel, i, files.length);
      continue;
    }
    if (!file.streams.some((s) => s.info.type === 'GROUND_TRUTH' && s.info.id !== '' && /synthetic/i.test(`${s.info.name} ${s.info.sourceId}`))) synthetic = false;
    const list = bySubject.get(subject);
    if (list === undefined) bySubject.set(subject, examples);
    else list.push(...examples);
    options.onSubject?.(rel, i, files.length);
  }
  if (bySubject.size === 0) {
    throw new ModelError('no-ground-truth', `xdf:${spec.dir}: no session has targets to learn from:\n  ${skipped.join('\n  ')}`, { dir: spec.dir });
  }
  for (const [subject, examples] of bySubject) subjects.push(subjectOf(examples, subject));
  const used = files.length - skipped.length;
  const description =
    `${used} XDF session(s) of ${subjects.length} subject(s) from ${spec.dir}; targets from each session's GROUND_TRUTH stream${synthetic ? ' (the synthetic generator\'s)' : ''}, ` +
    `else from the consensus of its raters' ANNOTATION traces${passes > 0 ? ` (with ${passes} post-hoc annotation pass(es) of workspace recordings)` : ''}` +
    `${skipped.length > 0 ? `; ${skipped.length} session(s) without targets left out` : ''}.`;
  return { spec, synthetic, subjects, description, ...(skipped.length > 0 ? { skipped } : {}) };
}

export interface HoldOutSplit {
  train: Example[];
  validation: Example[];
  /** How the split was made, for the manifest and the progress output. */
  protocol: string;
}

/**
 * Validation split for early stopping: with several subjects the last one is held out
 * (subject-independent); with one subject, its last trial and everything after it.
 */
export function holdOutSplit(dataset: Dataset): HoldOutSplit {
  const subjects = dataset.subjects.filter((s) => s.examples.length > 0);
  if (subjects.length === 0) throw new ModelError('no-training-data', `data ${dataset.spec.text}: no windows (sessions shorter than one model window?)`);
  if (subjects.length >= 2) {
    const held = subjects[subjects.length - 1]!;
    return { train: subjects.slice(0, -1).flatMap((s) => s.examples), validation: held.examples, protocol: `hold-out subject: trained on ${subjects.length - 1} subject(s), validated (early stopping) on ${held.subject}` };
  }
  const only = subjects[0]!.examples;
  const trials = only.map((e) => e.trial).filter((t) => !t.endsWith('/rest'));
  const lastTrial = trials[trials.length - 1];
  const cut = lastTrial === undefined ? Math.floor(only.length * 0.8) : only.findIndex((e) => e.trial === lastTrial);
  if (cut <= 0 || cut >= only.length) throw new ModelError('no-validation-data', `data ${dataset.spec.text}: one subject with too few windows to hold out a validation trial; use more trials or subjects`);
  return { train: only.slice(0, cut), validation: only.slice(cut), protocol: `hold-out trial: validated (early stopping) on ${lastTrial ?? 'the last 20 % of windows'} and the windows after it` };
}
