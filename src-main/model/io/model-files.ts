// Model directories (DESIGN §3 `models/<id>/`, issue 3 item 7): model.json in the tfjs format
// (weightsManifest read by tf.io.decodeWeights) + weights.bin + manifest.json + MODEL_CARD.md.
// Loading rebuilds the network from the manifest's architecture, checks every weight's name and
// shape, and, given the streams at hand, says exactly which modality or channel is missing.

import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StreamInfo } from '../../core/streams/types.js';
import { ModelError } from '../errors.js';
import { HiMoE } from '../himoe/model.js';
import { modelRuntime, tf } from '../runtime/index.js';
import { MANIFEST_FORMAT, MANIFEST_VERSION, assertStreamsMatch, renderModelCard, validateManifest, type ModelManifest, type StreamCheck } from './manifest.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const MANIFEST_JSON = 'manifest.json';
export const MODEL_CARD_MD = 'MODEL_CARD.md';

/** The normalisation of every model trained on data SPEC examples (himoe train, evaluate --keep-models). */
export const PER_SESSION_NORMALISATION: ModelManifest['normalisation'] = Object.freeze({
  method: 'per-subject-robust',
  description: 'each session (subject) is centred on its own per-channel median and scaled by IQR/1.349, at training and at prediction time',
});

/** What the caller knows about a model beyond its architecture and weights. */
export type ManifestInfo = Omit<ModelManifest, 'format' | 'formatVersion' | 'architecture' | 'modalities' | 'outputs' | 'tokenRateHz' | 'windowSec' | 'versions' | 'files' | 'createdAt' | 'seed'> & {
  createdAt?: string;
  /** Units per modality's channels, for the manifest. */
  channelUnits?: Partial<Record<string, string[]>>;
  seed: number;
  /** Version of the workstation; default read from package.json. */
  himoeVersion?: string;
};

export interface ModelJson {
  format: string;
  generatedBy: string;
  convertedBy: null;
  modelTopology: { class_name: 'HiMoE'; config: unknown };
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
}

let cachedVersion: string | undefined;
async function packageVersion(): Promise<string> {
  if (cachedVersion !== undefined) return cachedVersion;
  for (const rel of ['../../../package.json', '../../../../package.json']) {
    try {
      const pkg = JSON.parse(await readFile(new URL(rel, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'himoe-workstation' && typeof pkg.version === 'string') return (cachedVersion = pkg.version);
    } catch {
      // try the next candidate (source tree vs dist/)
    }
  }
  return (cachedVersion = 'unknown');
}

/** Build the manifest of a model from what the caller knows. */
export async function buildManifest(model: HiMoE, info: ManifestInfo): Promise<ModelManifest> {
  const c = model.config;
  const { channelUnits, himoeVersion, createdAt, ...rest } = info;
  return {
    format: MANIFEST_FORMAT,
    formatVersion: MANIFEST_VERSION,
    ...rest,
    createdAt: createdAt ?? new Date().toISOString(),
    architecture: { kind: 'himoe', config: c, parameters: model.params.count() },
    modalities: c.modalities.map((s) => ({ modality: s.modality, rateHz: s.rateHz, channelLabels: [...s.channelLabels], ...(channelUnits?.[s.modality] ? { channelUnits: channelUnits[s.modality] } : {}) })),
    outputs: [...c.outputs],
    tokenRateHz: c.tokenRateHz,
    windowSec: c.windowSec,
    seed: info.seed,
    versions: { himoe: himoeVersion ?? (await packageVersion()), tfjsCore: tf.version_core, node: process.versions.node, backend: modelRuntime().backend },
    files: { model: MODEL_JSON, weights: [WEIGHTS_BIN], card: MODEL_CARD_MD },
  };
}

/** model.json + weights.bin contents for a model's parameters (names as in its ParamStore). */
export async function encodeModel(model: HiMoE): Promise<{ modelJson: ModelJson; weights: Uint8Array }> {
  const named = model.params.entries().map(([name, tensor]) => ({ name, tensor }));
  const { data, specs } = await tf.io.encodeWeights(named);
  const modelJson: ModelJson = {
    format: 'himoe-tfjs-core',
    generatedBy: `himoe-workstation (tfjs-core ${tf.version_core})`,
    convertedBy: null,
    modelTopology: { class_name: 'HiMoE', config: model.config },
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: specs }],
  };
  return { modelJson, weights: new Uint8Array(data) };
}

/** Write via a temporary file and rename, so a reader never sees a half-written file. */
export async function writeAtomically(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/** Write model.json, weights.bin, manifest.json and MODEL_CARD.md into `dir` (created if needed). */
export async function saveModel(dir: string, model: HiMoE, info: ManifestInfo): Promise<ModelManifest> {
  await mkdir(dir, { recursive: true });
  const { modelJson, weights } = await encodeModel(model);
  const manifest = await buildManifest(model, info);
  await writeAtomically(join(dir, WEIGHTS_BIN), weights);
  await writeAtomically(join(dir, MODEL_JSON), JSON.stringify(modelJson, null, 1));
  await writeAtomically(join(dir, MANIFEST_JSON), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeAtomically(join(dir, MODEL_CARD_MD), renderModelCard(manifest));
  return manifest;
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ModelError('missing-file', `model directory lacks ${what}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { path }, { cause: error });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ModelError('invalid-json', `${path} is not valid JSON: ${(error as Error).message}`, { path }, { cause: error });
  }
}

/** Read and validate `dir/manifest.json`. */
export async function readManifest(dir: string): Promise<ModelManifest> {
  const path = join(dir, MANIFEST_JSON);
  return validateManifest(await readJson(path, MANIFEST_JSON), path);
}

export interface LoadOptions {
  /** Streams at hand: checked against the manifest; a missing channel throws ModelError 'channel-mismatch'. */
  streams?: readonly StreamInfo[];
}

export interface LoadedModel {
  model: HiMoE;
  manifest: ModelManifest;
  /** Present when streams were given: the channel map and notices (absent modalities, reordering). */
  streamCheck?: StreamCheck;
}

/** Load a model directory written by saveModel (initModelRuntime first). */
export async function loadModel(dir: string, options: LoadOptions = {}): Promise<LoadedModel> {
  const manifest = await readManifest(dir);
  const streamCheck = options.streams !== undefined ? assertStreamsMatch(manifest, options.streams) : undefined;
  const modelPath = join(dir, manifest.files.model);
  const modelJson = (await readJson(modelPath, manifest.files.model)) as Partial<ModelJson>;
  if (!Array.isArray(modelJson.weightsManifest)) throw new ModelError('invalid-model-json', `${modelPath}: no weightsManifest array`, { path: modelPath });
  const specs: tf.io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of modelJson.weightsManifest) {
    specs.push(...group.weights);
    for (const p of group.paths) {
      const path = join(dir, p);
      try {
        buffers.push(await readFile(path));
      } catch (error) {
        throw new ModelError('missing-file', `model directory lacks weight file ${p} named in ${manifest.files.model}`, { path }, { cause: error });
      }
    }
  }
  const total = buffers.reduce((n, b) => n + b.byteLength, 0);
  const expected = specs.reduce((n, s) => n + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
  if (total !== expected) {
    throw new ModelError('weights-size', `weights in ${dir} hold ${total} bytes, ${manifest.files.model} describes ${expected} (truncated or mismatched file)`, { total, expected });
  }
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const b of buffers) {
    joined.set(b, offset);
    offset += b.byteLength;
  }
  const weights = tf.io.decodeWeights(joined.buffer, specs);
  const model = new HiMoE(manifest.architecture.config, manifest.seed);
  try {
    model.params.assign(weights);
  } catch (error) {
    model.dispose();
    throw error;
  } finally {
    tf.dispose(Object.values(weights));
  }
  return { model, manifest, ...(streamCheck ? { streamCheck } : {}) };
}


