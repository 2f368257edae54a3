// The model's TensorFlow.js runtime (DESIGN §4 "Backend"): native TensorFlow through
// @tensorflow/tfjs-node when it is installed, else the wasm backend (SIMD when the engine has
// it), else the pure-JS cpu backend. Everything in src-main/model runs after initModelRuntime.

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
import { Rng, hashSeed } from '../../acquisition/synthetic/prng.js';
import { ModelError } from '../errors.js';
import { registerModelGradients } from './gradients.js';

export { tf };

export type ModelBackend = 'tensorflow' | 'wasm' | 'cpu';

/** Preference order when the caller names none. */
export const BACKEND_ORDER: readonly ModelBackend[] = ['tensorflow', 'wasm', 'cpu'];

export interface RuntimeOptions {
  /** Backends to try, in order (default BACKEND_ORDER); a single name means "this one or fail". */
  prefer?: ModelBackend | readonly ModelBackend[];
  /** Where the chosen backend (and why others were skipped) is reported; default console.info. */
  log?: (message: string) => void;
}

export interface ModelRuntime {
  backend: ModelBackend;
  /** wasm only: whether the SIMD build runs. */
  simd: boolean;
  tfjsVersion: string;
  /** Kernels whose gradients were registered by this runtime (see gradients.ts). */
  gradientsRegistered: readonly string[];
  /** Why preferred backends were not used. */
  skipped: ReadonlyArray<{ backend: ModelBackend; reason: string }>;
}

let current: ModelRuntime | undefined;

// The specifier sits in a variable so TypeScript does not demand the optional package's types.
const TFJS_NODE = '@tensorflow/tfjs-node';

async function tryBackend(backend: ModelBackend): Promise<void> {
  if (backend === 'tensorflow') {
    await import(TFJS_NODE);
  }
  const ok = await tf.setBackend(backend);
  if (!ok) throw new Error(`tf.setBackend('${backend}') returned false`);
  await tf.ready();
}

/**
 * Pick and initialise the backend, register the training gradients, and log the choice. Calling
 * it again with the same preference returns the runtime already set up; with another preference
 * it switches backend (tensors of the old backend move lazily, as tfjs does).
 */
export async function initModelRuntime(options: RuntimeOptions = {}): Promise<ModelRuntime> {
  const order = options.prefer === undefined ? BACKEND_ORDER : typeof options.prefer === 'string' ? [options.prefer] : options.prefer;
  const log = options.log ?? ((message: string) => console.info(message));
  if (current !== undefined && order[0] === current.backend) return current;
  const gradientsRegistered = registerModelGradients();
  const skipped: Array<{ backend: ModelBackend; reason: string }> = [];
  for (const backend of order) {
    try {
      await tryBackend(backend);
    } catch (error) {
      skipped.push({ backend, reason: error instanceof Error ? error.message.split('\n')[0]! : String(error) });
      continue;
    }
    const simd = backend === 'wasm' ? Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) : false;
    current = { backend, simd, tfjsVersion: tf.version_core, gradientsRegistered: [...(current?.gradientsRegistered ?? []), ...gradientsRegistered], skipped };
    const notes = skipped.map((s) => `${s.backend} unavailable: ${s.reason}`).join('; ');
    log(`himoe model runtime: backend ${backend}${backend === 'wasm' ? (simd ? ' (SIMD)' : ' (no SIMD)') : ''}, tfjs-core ${tf.version_core}${notes ? ` (${notes})` : ''}`);
    return current;
  }
  throw new ModelError('no-backend', `no TensorFlow.js backend could be initialised (tried ${order.join(', ')}): ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`, { skipped });
}

/** The runtime set up by initModelRuntime; throws ModelError 'runtime-not-initialised' before. */
export function modelRuntime(): ModelRuntime {
  if (current === undefined) throw new ModelError('runtime-not-initialised', 'call initModelRuntime() before using the model');
  return current;
}

/** A seeded PRNG for one named purpose ("init", "dropout", "shuffle", ...): one seed, same draws everywhere. */
export function seededRng(seed: number, ...tags: Array<string | number>): Rng {
  return new Rng(hashSeed(seed, ...tags));
}

export { Rng };
