// Requests of live continuous annotation (issue 7 Annotate view, issue 8 traces): a rater
// begins a pass on the running session, streams samples stamped on the session clock at
// arrival, and ends it. Each pass is an ANNOTATION stream recorded in the session XDF.

import { z } from 'zod';

const dimension = z.enum(['valence', 'arousal']);

export const annotationDeviceSchema = z.enum(['mouse', 'keyboard', 'gamepad']);

export const annotationRequests = {
  'annotation.begin': {
    params: z
      .object({
        /** Pseudonymous rater id (no names): letters, digits, '_', '-', '.'. */
        raterId: z
          .string()
          .min(1)
          .max(64)
          .regex(/^[A-Za-z0-9_.-]+$/, 'rater pseudonym: letters, digits, "_", "-" and "." only'),
        device: annotationDeviceSchema,
        /** One channel each, in this order: ['valence', 'arousal'] (2-D) or one of them (1-D). */
        dimensions: z
          .array(dimension)
          .min(1)
          .max(2)
          .refine((d) => new Set(d).size === d.length, 'dimensions must differ'),
        /** How often the UI sends samples while annotating (recorded as the nominal rate). */
        rateHz: z.number().min(1).max(60).default(10),
      })
      .strict(),
    result: z.object({
      raterId: z.string(),
      streamId: z.string(),
      /** The GROUND_TRUTH/PREDICTION stream the running CCC is computed against, if any. */
      referenceStreamId: z.string().nullable(),
    }),
  },
  'annotation.sample': {
    params: z
      .object({
        raterId: z.string().min(1).max(64),
        /** One value per dimension of the pass, on [-1, 1] (outside values are clamped). */
        values: z.array(z.number().finite()).min(1).max(2),
      })
      .strict(),
    result: z.object({ tSec: z.number(), clamped: z.boolean() }),
  },
  'annotation.end': {
    params: z.object({ raterId: z.string().min(1).max(64) }).strict(),
    result: z.object({ raterId: z.string(), streamId: z.string(), samples: z.number() }),
  },
} as const;

/** Pushed a few times a second per (rater, dimension) while a reference stream exists. */
export const annotationAgreementEventSchema = z.object({
  kind: z.literal('annotation.agreement'),
  raterId: z.string(),
  dimension: z.string(),
  /** Running concordance correlation (null until two pairs). */
  ccc: z.number().nullable(),
  /** Pairs accumulated. */
  n: z.number(),
  referenceStreamId: z.string(),
});
