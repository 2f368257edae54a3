// Requests of the Sessions view: browse and search the workspace library, open a session
// (streams, markers, annotation sets), correct its subject, protocol or notes, export it, and
// move it to the workspace trash.
// Implemented by engine/library-handlers.ts; ids are validated there against the workspace rules.

import { z } from 'zod';

const sessionId = z.string().min(1).max(128);

export const sessionSummarySchema = z.object({
  id: z.string(),
  subject: z.string().nullable(),
  /** Folder relative to the workspace ("sessions/<id>"). */
  path: z.string(),
  createdAt: z.string(),
  durationSec: z.number().nullable(),
  protocol: z.string(),
  notes: z.string(),
  sourceKind: z.string(),
  status: z.enum(['recording', 'complete', 'truncated']),
  streamCount: z.number(),
  markerCount: z.number(),
});

export const sessionDetailSchema = sessionSummarySchema.extend({
  streams: z.array(
    z.object({
      xdfStreamId: z.number(),
      name: z.string(),
      type: z.string(),
      sourceId: z.string(),
      channelCount: z.number(),
      nominalRateHz: z.number(),
      sampleCount: z.number(),
      firstTimeSec: z.number().nullable(),
      lastTimeSec: z.number().nullable(),
    }),
  ),
  markers: z.array(z.object({ timeSec: z.number(), label: z.string() })),
  annotationSets: z.array(
    z.object({
      raterId: z.string(),
      dimension: z.string(),
      passId: z.string().nullable(),
      device: z.string(),
      sampleCount: z.number(),
      /** null: recorded live in recording.xdf; else a post-hoc pass file relative to the session folder. */
      file: z.string().nullable(),
    }),
  ),
});
export type ApiSessionSummary = z.infer<typeof sessionSummarySchema>;
export type ApiSessionDetail = z.infer<typeof sessionDetailSchema>;

export const EXPORT_FORMATS = ['edf', 'bdf', 'csv', 'bids'] as const;

export const libraryRequests = {
  'library.list': {
    params: z
      .object({
        /** Exact pseudonym, or '' for every subject. */
        subject: z.string().max(64).default(''),
        /** Case-insensitive text matched against id, subject, protocol and notes. */
        query: z.string().max(200).default(''),
      })
      .strict(),
    result: z.object({
      sessions: z.array(sessionSummarySchema),
      subjects: z.array(z.object({ id: z.string(), sessionCount: z.number() })),
    }),
  },
  'library.get': {
    params: z.object({ id: sessionId }).strict(),
    result: sessionDetailSchema,
  },
  'library.export': {
    params: z.object({ id: sessionId, to: z.enum(EXPORT_FORMATS) }).strict(),
    result: z.object({
      /** Absolute path written: the file (EDF/BDF) or folder (CSV, BIDS) under <workspace>/exports/<id>/. */
      out: z.string(),
      files: z.array(z.string()),
      bytes: z.number().nullable(),
      warnings: z.array(z.string()),
    }),
  },
  'library.update': {
    params: z
      .object({
        id: sessionId,
        /** A pseudonym (letters, digits, '_', '-'), or null for unknown; checked by the handler. */
        subject: z.string().max(64).nullable().optional(),
        protocol: z.string().max(200).optional(),
        notes: z.string().max(4000).optional(),
      })
      .strict(),
    /** The session as the library now holds it (session.json rewritten, the index rebuilt). */
    result: sessionDetailSchema,
  },
  'library.delete': {
    params: z
      .object({
        id: sessionId,
        /** Must be true: the UI asked the researcher and they confirmed. */
        confirm: z.literal(true),
      })
      .strict(),
    /** The session folder is moved to the workspace trash, never erased. */
    result: z.object({ id: z.string(), trashPath: z.string() }),
  },
} as const;
