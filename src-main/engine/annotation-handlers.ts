// Live annotation requests (annotation.begin/sample/end) over the running session: each
// rater pass becomes an ANNOTATION stream added mid-session (recorded in the XDF), samples
// are stamped on the session clock at arrival, and the running CCC against the session's
// PREDICTION or GROUND_TRUTH stream is pushed to the UI as `annotation.agreement` events.

import type { ParsedParams } from '../api/contract.js';
import { annotationStreamInfo, ANNOTATION_SCALE } from '../core/annotation/trace.js';
import type { StreamInfo } from '../core/streams/types.js';
import { AnnotationAgreementPublisher } from './annotation-agreement.js';
import { EngineError } from './errors.js';
import type { SessionEngine } from './session-engine.js';
import type { RequestHandlers, WorkstationService } from './workstation-service.js';

export interface AnnotationHandlerOptions {
  /** Least session time between two agreement events per rater (default 0.5 s). */
  agreementIntervalSec?: number;
}

interface RaterPass {
  engine: SessionEngine;
  streamId: string;
  dimensions: number;
  publish: (values: Float32Array, timestampsSec: Float64Array) => void;
  lastTSec: number;
  samples: number;
  agreement: AnnotationAgreementPublisher | null;
}

/** The stream the running CCC is computed against: a model prediction first, else simulated ground truth. */
export function referenceStreamFor(infos: readonly StreamInfo[], dimensions: readonly string[]): StreamInfo | null {
  const shares = (i: StreamInfo) => i.channels.some((c) => dimensions.includes(c.label.trim().toLowerCase()));
  for (const type of ['PREDICTION', 'GROUND_TRUTH']) {
    const found = infos.find((i) => i.type.toUpperCase() === type && shares(i));
    if (found) return found;
  }
  return null;
}

/** A stream id not yet used in the session: a rater's second pass gets pass id p2, and so on. */
function freePassId(engine: SessionEngine, raterId: string): string | undefined {
  const taken = new Set(engine.streamInfos.map((i) => i.id));
  if (!taken.has(`annotation:${raterId}`)) return undefined;
  for (let k = 2; ; k++) if (!taken.has(`annotation:${raterId}:p${k}`)) return `p${k}`;
}

export function annotationHandlers(opts: AnnotationHandlerOptions = {}): RequestHandlers {
  const raters = new Map<string, RaterPass>();

  /** Drop passes of a session that has ended (the engine they were added to is gone). */
  function prune(engine: SessionEngine | null): void {
    for (const [id, r] of raters) {
      if (r.engine !== engine) {
        r.agreement?.dispose();
        raters.delete(id);
      }
    }
  }

  function runningEngine(service: WorkstationService, what: string): SessionEngine {
    const engine = service.engine;
    prune(engine);
    if (!engine) throw new EngineError('NO_SESSION', `cannot ${what}: no session is running`);
    return engine;
  }

  function pass(raterId: string, service: WorkstationService, what: string): RaterPass {
    runningEngine(service, what);
    const r = raters.get(raterId);
    if (!r) throw new EngineError('NO_ANNOTATION', `cannot ${what}: rater "${raterId}" has not begun annotating (annotation.begin)`);
    return r;
  }

  return {
    'annotation.begin': async (p: ParsedParams<'annotation.begin'>, service) => {
      const engine = runningEngine(service, `begin annotation for rater "${p.raterId}"`);
      if (raters.has(p.raterId)) {
        throw new EngineError('RATER_ACTIVE', `rater "${p.raterId}" is already annotating this session; end that pass first or use another pseudonym`);
      }
      const info = annotationStreamInfo({
        raterId: p.raterId,
        device: p.device,
        dimensions: p.dimensions,
        nominalRateHz: p.rateHz,
        passId: freePassId(engine, p.raterId),
      });
      const publish = engine.addDerivedStream(info);
      const ref = referenceStreamFor(engine.streamInfos, p.dimensions);
      let agreement: AnnotationAgreementPublisher | null = null;
      if (ref) {
        agreement = new AnnotationAgreementPublisher(engine, {
          predictionStreamId: ref.id,
          annotationStreamId: info.id,
          minEmitIntervalSec: opts.agreementIntervalSec ?? 0.5,
        });
        agreement.onUpdate((u) => {
          for (const d of u.dimensions) {
            service.emit({
              kind: 'annotation.agreement',
              raterId: p.raterId,
              dimension: d.dimension,
              ccc: Number.isFinite(d.ccc) ? d.ccc : null,
              n: d.pairs,
              referenceStreamId: ref.id,
            });
          }
        });
      }
      raters.set(p.raterId, { engine, streamId: info.id, dimensions: p.dimensions.length, publish, lastTSec: -Infinity, samples: 0, agreement });
      return { raterId: p.raterId, streamId: info.id, referenceStreamId: ref?.id ?? null };
    },

    'annotation.sample': async (p: ParsedParams<'annotation.sample'>, service) => {
      const r = pass(p.raterId, service, `record a sample of rater "${p.raterId}"`);
      if (p.values.length !== r.dimensions) {
        throw new EngineError('BAD_SAMPLE', `rater "${p.raterId}": got ${p.values.length} values; this pass annotates ${r.dimensions} dimension(s)`);
      }
      // The chunk is handed to the recorder and the live buffer, so it gets its own arrays
      // (one small sample per request, at the UI's annotation rate of ~10 Hz).
      const values = new Float32Array(r.dimensions);
      let clamped = false;
      for (let c = 0; c < r.dimensions; c++) {
        const v = p.values[c];
        const k = Math.min(ANNOTATION_SCALE.max, Math.max(ANNOTATION_SCALE.min, v));
        if (k !== v) clamped = true;
        values[c] = k;
      }
      const tSec = Math.max(r.engine.clock.nowSec(), r.lastTSec);
      r.lastTSec = tSec;
      r.samples++;
      r.publish(values, Float64Array.of(tSec));
      return { tSec, clamped };
    },

    'annotation.end': async (p: ParsedParams<'annotation.end'>, service) => {
      const r = pass(p.raterId, service, `end annotation of rater "${p.raterId}"`);
      r.agreement?.dispose();
      raters.delete(p.raterId);
      return { raterId: p.raterId, streamId: r.streamId, samples: r.samples };
    },
  };
}
