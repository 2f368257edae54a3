// The workstation as `himoe serve` and the desktop app wire it (service + every area's request
// handlers over one workspace), for the API fuzz and path-traversal tests; and a schema-driven
// generator of request params that are often valid, so the fuzz reaches past the schema check.
import type { z } from 'zod';
import { isRequestName, requests, type RequestName } from '../../src-main/api/contract.js';
import { ApiSession } from '../../src-main/engine/api-session.js';
import { annotationHandlers } from '../../src-main/engine/annotation-handlers.js';
import { devicesHandlers } from '../../src-main/engine/devices-handlers.js';
import { libraryHandlers } from '../../src-main/engine/library-handlers.js';
import { workspaceRecordingPlanner } from '../../src-main/engine/workspace-recording.js';
import { WorkstationService } from '../../src-main/engine/workstation-service.js';
import { jsonValue, NASTY_STRINGS, randomText, type Random } from './arbitrary.js';

export function makeWorkstation(workspace: string): { service: WorkstationService; api: ApiSession } {
  const service = new WorkstationService({
    planRecording: workspaceRecordingPlanner(workspace, () => {}),
    handlers: {
      ...annotationHandlers(),
      ...libraryHandlers({ workspace }),
      // No real port enumeration in tests (it spawns udevadm); the listing itself is not under test.
      ...devicesHandlers({ workspace, listPorts: async () => ({ ports: [], method: 'dev-scan' }) }),
    },
  });
  return { service, api: new ApiSession(service, () => {}) };
}

export const REQUEST_NAMES = Object.keys(requests) as RequestName[];

interface Def {
  type: string;
  innerType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  entries?: Record<string, string>;
  values?: unknown[];
}
const defOf = (s: z.ZodType): Def => (s as unknown as { def: Def }).def;

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

/** A value for `schema`: of the right type most of the time (often valid), sometimes anything. */
export function sampleFor(rng: Random, schema: z.ZodType, depth = 0): unknown {
  const d = defOf(schema);
  if (rng.bool(0.1) || depth > 3) return jsonValue(rng, 3);
  switch (d.type) {
    case 'default':
    case 'optional':
    case 'nullable':
      return rng.bool(0.2) ? undefined : sampleFor(rng, d.innerType!, depth);
    case 'string':
      return rng.bool(0.4) ? rng.pick(NASTY_STRINGS) : rng.pick(['P001', 'sub-01', 'x', 'EEG', 'synthetic', 'text:/dev/null', 'a-b_c.d']);
    case 'number':
      return rng.pick([0, 1, 4, 30, 64, 256, -1, 0.5, 1e9, rng.int(0, 5000)]);
    case 'boolean':
      return rng.bool();
    case 'enum':
      return rng.pick(Object.values(d.entries ?? {}));
    case 'literal':
      return d.values?.[0];
    case 'array':
      return Array.from({ length: rng.int(0, 4) }, () => sampleFor(rng, d.element!, depth + 1));
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(d.shape ?? {})) {
        const value = sampleFor(rng, v, depth + 1);
        if (value !== undefined) o[k] = value;
      }
      return o;
    }
    default:
      return jsonValue(rng, 2);
  }
}

/**
 * A client message as the transports receive it: mostly {id, method, params} with a real method
 * and near-valid params from its schema (plus a stray key now and then), sometimes a random
 * method or anything at all.
 */
export function randomRequestEnvelope(rng: Random): unknown {
  const roll = rng.next();
  if (roll < 0.1) return jsonValue(rng);
  const method = roll < 0.85 ? rng.pick(REQUEST_NAMES) : rng.bool() ? rng.pick(NASTY_STRINGS) : randomText(rng, rng.int(0, 70));
  let params: unknown = jsonValue(rng);
  if (isRequestName(method) && rng.bool(0.8)) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(paramFields(method))) {
      const value = sampleFor(rng, v);
      if (value !== undefined && rng.bool(0.9)) o[k] = value;
    }
    if (rng.bool(0.1)) o[rng.pick(NASTY_STRINGS)] = jsonValue(rng, 2);
    params = o;
  }
  return { id: rng.bool(0.95) ? rng.int(0, 1_000_000) : jsonValue(rng, 3), method, params };
}
