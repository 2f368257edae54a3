// The one typed contract between the workstation's engine and every UI: request names
// mapped to parameter and result schemas, and the event schema. The engine implements it
// once (engine/workstation-service.ts); Electron IPC and the WebSocket server only carry it,
// and validate every message against these schemas at the boundary.

import { z } from 'zod';
import { deviceStatusSchema, devicesRequests } from './requests-devices.js';
import { libraryRequests } from './requests-library.js';
import { annotationAgreementEventSchema, annotationRequests } from './requests-annotation.js';
import { replayRequests } from './requests-replay.js';
import { predictionEventSchema, predictionRequests } from './requests-prediction.js';
import { evaluationDoneEventSchema, evaluationProgressEventSchema, evaluationRequests } from './requests-evaluation.js';

const modality = z.enum(['EEG', 'ECG', 'EDA', 'PPG', 'RESP']);

export const channelInfoSchema = z.object({ label: z.string(), unit: z.string(), type: z.string().optional() });

export const streamInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  type: z.string(),
  channels: z.array(channelInfoSchema),
  channelFormat: z.string(),
  nominalRateHz: z.number(),
  sourceId: z.string(),
});
export type ApiStreamInfo = z.infer<typeof streamInfoSchema>;

export const streamStatsSchema = z.object({
  streamId: z.string(),
  receivedSamples: z.number(),
  lostSamples: z.number(),
  gaps: z.number(),
  lastTimeSec: z.number().nullable(),
});

export const sessionStatusSchema = z.object({
  state: z.enum(['idle', 'running']),
  recording: z.boolean(),
  recordingPath: z.string().nullable(),
  elapsedSec: z.number().nullable(),
  bytesWritten: z.number(),
  subject: z.string().nullable(),
  streams: z.array(streamInfoSchema),
  stats: z.array(streamStatsSchema),
  sources: z.array(z.object({ id: z.string(), label: z.string(), state: z.string() })),
});
export type SessionStatus = z.infer<typeof sessionStatusSchema>;

/** Safe file-name-ish text: what the UI may send as a subject pseudonym or session label. */
const shortText = (max: number) => z.string().max(max);

/** Every request: its params schema and result schema. */
export const requests = {
  'session.status': { params: z.object({}).strict(), result: sessionStatusSchema },
  'session.start': {
    params: z
      .object({
        source: z.literal('synthetic').default('synthetic'),
        modalities: z.array(modality).min(1).default(['EEG', 'ECG', 'EDA', 'PPG', 'RESP']),
        seed: z.number().int().min(0).max(2 ** 31).default(1),
        record: z.boolean().default(true),
        subject: shortText(64)
          .regex(/^[A-Za-z0-9_-]*$/, 'subject pseudonym: letters, digits, "-" and "_" only')
          .default(''),
        notes: shortText(2000).default(''),
        /**
         * Devices to record instead of `source`: --source specs (synthetic[:eda,ecg],
         * PROTOCOL:PORT[:options], brainflow:BOARD[:options]); a synthetic spec without modalities
         * takes `modalities`. Playback files are not accepted from the UI.
         */
        sources: z.array(shortText(500).min(1)).min(1).max(16).optional(),
        /** A model of the workspace's models/ (prediction.models) for this session's live predictions, instead of the configured one. */
        model: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "a model folder name: letters, digits, '.', '_' or '-'").optional(),
      })
      .strict(),
    result: z.object({ recordingPath: z.string().nullable() }),
  },
  'session.stop': {
    params: z.object({}).strict(),
    result: z.object({ recordingPath: z.string().nullable(), durationSec: z.number() }),
  },
  'marker.add': {
    params: z.object({ label: shortText(200).min(1) }).strict(),
    result: z.object({ tSec: z.number() }),
  },
  'view.subscribe': {
    params: z
      .object({
        viewId: z.string().min(1).max(64),
        streamIds: z.array(z.string().max(128)).max(64),
        timeBaseSec: z.number().min(0.5).max(60),
        /** Pixel columns of the plot: frames carry min/max per column. */
        columns: z.number().int().min(16).max(4096),
        maxFps: z.number().min(1).max(60).default(30),
      })
      .strict(),
    result: z.object({ viewId: z.string() }),
  },
  ...libraryRequests,
  ...devicesRequests,
  'view.unsubscribe': {
    params: z.object({ viewId: z.string().min(1).max(64) }).strict(),
    result: z.object({ viewId: z.string() }),
  },
  ...annotationRequests,
  ...replayRequests,
  ...predictionRequests,
  ...evaluationRequests,
} as const;

export type RequestName = keyof typeof requests;
export type RequestParams<N extends RequestName> = z.input<(typeof requests)[N]['params']>;
export type ParsedParams<N extends RequestName> = z.output<(typeof requests)[N]['params']>;
export type RequestResult<N extends RequestName> = z.infer<(typeof requests)[N]['result']>;

export function isRequestName(name: string): name is RequestName {
  return Object.prototype.hasOwnProperty.call(requests, name);
}

/** Events pushed to every client (JSON); sample frames travel separately (frames.ts). */
export const eventSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('session'), state: z.enum(['started', 'stopped']), recordingPath: z.string().nullable() }),
  z.object({ kind: z.literal('sourceState'), sourceId: z.string(), state: z.string(), detail: z.string().optional() }),
  z.object({ kind: z.literal('gap'), streamId: z.string(), missingCount: z.number(), fromSec: z.number(), toSec: z.number() }),
  z.object({ kind: z.literal('marker'), label: z.string(), tSec: z.number() }),
  /** Per-device status about once a second while a session runs (engine/devices-handlers.ts). */
  z.object({ kind: z.literal('deviceStatus'), devices: z.array(deviceStatusSchema) }),
  z.object({ kind: z.literal('error'), code: z.string(), message: z.string(), sourceId: z.string().optional() }),
  z.object({
    kind: z.literal('quality'),
    streamId: z.string(),
    tSec: z.number(),
    /** 0 (unusable) .. 1 (clean), for the stream as a whole and per channel, with reasons. */
    index: z.number(),
    reasons: z.array(z.string()),
    channels: z.array(z.object({ label: z.string(), index: z.number(), reasons: z.array(z.string()) })),
  }),
  annotationAgreementEventSchema,
  /** One live PREDICTION row (~2 Hz) while a model runs (engine/prediction-handlers.ts). */
  predictionEventSchema,
  /** Offline evaluation runs (engine/evaluation-handlers.ts). */
  evaluationProgressEventSchema,
  evaluationDoneEventSchema,
]);
export type ApiEvent = z.infer<typeof eventSchema>;

/** Envelope of a client message over the WebSocket (and the IPC invoke channel). */
export const requestEnvelopeSchema = z
  .object({ id: z.number().int().min(0), method: z.string().max(64), params: z.unknown() })
  .strict();

export type ResponseEnvelope =
  | { type: 'response'; id: number; ok: true; result: unknown }
  | { type: 'response'; id: number; ok: false; error: { code: string; message: string } }
  | { type: 'event'; event: ApiEvent };

/** The API as the engine implements it. */
export interface WorkstationApi {
  call<N extends RequestName>(name: N, params: ParsedParams<N>): Promise<RequestResult<N>>;
}
