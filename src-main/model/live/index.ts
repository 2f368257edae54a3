// Public face of live inference's worker side (issue 3 item 8): the message protocol and how to
// start the worker thread, from the build (.js) or from the TypeScript sources (through tsx).

import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LiveWorkerInit } from './protocol.js';

export * from './protocol.js';

/**
 * Start the inference worker thread. From the build it runs inference-worker.js directly; from
 * the sources (tests, tsx) Node 20 workers ignore `--import tsx`, so a small bootstrap registers
 * tsx's ESM loader inside the worker and then imports inference-worker.ts.
 */
export function spawnInferenceWorker(init: LiveWorkerInit): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./inference-worker.js', import.meta.url), { workerData: init });
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/index\.cjs$/, 'index.mjs')).href;
  const entry = new URL('./inference-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(bootstrap, { eval: true, workerData: init });
}
