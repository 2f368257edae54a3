// The workstation as `himoe serve` and the desktop app wire it (service + every area's request
// handlers over one workspace; evaluations spawn a stand-in that fails instead of training), for the API fuzz and path-traversal tests; and a look into the
// contract's param schemas (fields, their types) for the fuzz arbitraries and the traversal test.
import { join } from 'node:path';
import type { z } from 'zod';
import { requests, type RequestName } from '../../src-main/api/contract.js';
import { ApiSession } from '../../src-main/engine/api-session.js';
import { annotationHandlers } from '../../src-main/engine/annotation-handlers.js';
import { devicesHandlers } from '../../src-main/engine/devices-handlers.js';
import { EvaluationRunner } from '../../src-main/engine/evaluation-handlers.js';
import { libraryHandlers } from '../../src-main/engine/library-handlers.js';
import { MediaTickets } from '../../src-main/engine/media-serving.js';
import { predictionHandlers } from '../../src-main/engine/prediction-handlers.js';
import { replayHandlers } from '../../src-main/engine/replay-handlers.js';
import { workspaceRecordingPlanner } from '../../src-main/engine/workspace-recording.js';
import { WorkstationService } from '../../src-main/engine/workstation-service.js';
import { MODELS_DIR } from '../../src-main/storage/workspace.js';

/**
 * Stands in for `himoe evaluate`: an evaluation the fuzzers start is planned, its folder and data
 * links made and its process spawned, and that process fails at once instead of training.
 */
const NO_TRAINING = { file: process.execPath, args: ['-e', "process.stderr.write('himoe: error [NOT_IN_TESTS]: no training in the reliability tests\\n'); process.exit(1)"] };

export interface Workstation {
  service: WorkstationService;
  api: ApiSession;
  /** Stops a running evaluation process, then the service. */
  shutdown(): Promise<void>;
}

export function makeWorkstation(workspace: string): Workstation {
  const evaluations = new EvaluationRunner({ workspace, command: NO_TRAINING });
  const modelsDir = join(workspace, MODELS_DIR);
  const service = new WorkstationService({
    modelsDir,
    planRecording: workspaceRecordingPlanner(workspace, () => {}),
    handlers: {
      ...annotationHandlers(),
      ...replayHandlers({ workspace, tickets: new MediaTickets() }),
      ...libraryHandlers({ workspace }),
      // No real port enumeration in tests (it spawns udevadm); the listing itself is not under test.
      ...devicesHandlers({ workspace, listPorts: async () => ({ ports: [], method: 'dev-scan' }) }),
      ...predictionHandlers({ modelsDir }),
      ...evaluations.handlers(),
    },
  });
  return {
    service,
    api: new ApiSession(service, () => {}),
    shutdown: async () => {
      await evaluations.shutdown();
      await service.shutdown();
    },
  };
}

export const REQUEST_NAMES = Object.keys(requests) as RequestName[];

/** The parts of a zod schema's definition the fuzz and traversal tests look at. */
export interface SchemaDef {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  entries?: Record<string, string>;
  values?: unknown[];
}
export const defOf = (s: z.ZodType): SchemaDef => (s as unknown as { def: SchemaDef }).def;

/** The top-level fields of a request's params object (empty for `{}`). */
export function paramFields(name: RequestName): Record<string, z.ZodType> {
  return (requests[name].params as unknown as { shape?: Record<string, z.ZodType> }).shape ?? {};
}

/** The schema of a field without its default/optional wrappers. */
export function baseType(s: z.ZodType): string {
  let d = defOf(s);
  while ((d.type === 'default' || d.type === 'optional' || d.type === 'nullable') && d.innerType) d = defOf(d.innerType);
  return d.type;
}

/** 'string' for a field that takes text or a list of texts (ids, paths, specs), else null. */
export function textKind(s: z.ZodType): 'string' | 'string[]' | null {
  let d = defOf(s);
  while ((d.type === 'default' || d.type === 'optional' || d.type === 'nullable') && d.innerType) d = defOf(d.innerType);
  if (d.type === 'string') return 'string';
  return d.type === 'array' && d.element && baseType(d.element) === 'string' ? 'string[]' : null;
}
