// Requests of post-hoc annotation (issue 7 Annotate view): open a recorded workspace session for
// replay (time span, markers, a decimated overview of its streams, registered stimulus media),
// register media files of the workspace with their session-time offset, and record a rater's
// pass stamped with the playback cursor's session time into sessions/<id>/annotations/*.xdf.
// Implemented by engine/replay-handlers.ts; the recording itself is only ever read.

import { z } from 'zod';
import { annotationDeviceSchema } from './requests-annotation.js';

const sessionId = z.string().min(1).max(128);
const raterId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.-]+$/, 'rater pseudonym: letters, digits, "_", "-" and "." only');
const passId = z.string().min(1).max(64);

export const replayMediaSchema = z.object({
  /** Stable id of the registration within the session. */
  mediaId: z.string(),
  /** The file, relative to the workspace ('media/clip.webm'). */
  path: z.string(),
  kind: z.enum(['audio', 'video']),
  /** Session time (s) of the media's t = 0. */
  offsetSec: z.number(),
  bytes: z.number(),
  /** Where the UI plays it from: relative to the page ('media/<ticket>'), range requests supported. */
  url: z.string(),
});
export type ApiReplayMedia = z.infer<typeof replayMediaSchema>;

export const replayPassSchema = z.object({
  raterId: z.string(),
  passId: z.string().nullable(),
  /** null: live, in recording.xdf; else relative to the session folder. */
  file: z.string().nullable(),
  dimensions: z.array(z.string()),
  device: z.string(),
  samples: z.number(),
});

export const replayRequests = {
  'replay.open': {
    params: z
      .object({
        id: sessionId,
        /** Bins of the per-stream overview (min/max of the first channel per bin). */
        columns: z.number().int().min(16).max(2000).default(600),
      })
      .strict(),
    result: z.object({
      id: z.string(),
      subject: z.string().nullable(),
      /** Session clock (s): first and last sample of the recording. */
      startSec: z.number(),
      endSec: z.number(),
      markers: z.array(z.object({ timeSec: z.number(), label: z.string() })),
      overview: z.array(
        z.object({
          name: z.string(),
          type: z.string(),
          channel: z.string(),
          unit: z.string(),
          /** Per bin of [startSec, endSec]: min and max (null in bins without samples). */
          min: z.array(z.number().nullable()),
          max: z.array(z.number().nullable()),
        }),
      ),
      media: z.array(replayMediaSchema),
      passes: z.array(replayPassSchema),
    }),
  },
  'replay.media.candidates': {
    params: z.object({ id: sessionId }).strict(),
    /** Audio/video files under <ws>/media/ and <ws>/sessions/<id>/, relative to the workspace. */
    result: z.object({ files: z.array(z.object({ path: z.string(), kind: z.enum(['audio', 'video']), bytes: z.number() })) }),
  },
  'replay.media.attach': {
    params: z
      .object({
        id: sessionId,
        /** A file inside the workspace, relative to it ('media/clip.webm'). */
        path: z.string().min(1).max(1024),
        /** Session time (s) of the media's t = 0, e.g. a stimulus-onset marker's time. */
        offsetSec: z.number().finite().min(-1e7).max(1e7),
      })
      .strict(),
    result: z.object({ media: z.array(replayMediaSchema) }),
  },
  'replay.media.detach': {
    params: z.object({ id: sessionId, mediaId: z.string().min(1).max(64) }).strict(),
    result: z.object({ media: z.array(replayMediaSchema) }),
  },
  'replay.begin': {
    params: z
      .object({
        id: sessionId,
        raterId,
        device: annotationDeviceSchema,
        dimensions: z
          .array(z.enum(['valence', 'arousal']))
          .min(1)
          .max(2)
          .refine((d) => new Set(d).size === d.length, 'dimensions must differ'),
        /** Samples per second of session time. */
        rateHz: z.number().min(1).max(60).default(10),
        /** Replay speed (session seconds per wall second), recorded with the pass. */
        playbackRate: z.number().min(0.1).max(8).default(1),
        /** The media playing with the pass, if any (recorded with the pass). */
        mediaId: z.string().max(64).optional(),
      })
      .strict(),
    result: z.object({ raterId: z.string(), passId: z.string(), streamId: z.string(), file: z.string() }),
  },
  'replay.samples': {
    params: z
      .object({
        id: sessionId,
        raterId,
        passId,
        /** Samples in playback order: the cursor's session time (non-decreasing) and one value per dimension. */
        samples: z
          .array(z.object({ tSec: z.number().finite(), values: z.array(z.number().finite()).min(1).max(2) }).strict())
          .min(1)
          .max(500),
      })
      .strict(),
    result: z.object({ accepted: z.number(), clamped: z.number(), total: z.number() }),
  },
  'replay.end': {
    params: z.object({ id: sessionId, raterId, passId }).strict(),
    result: z.object({
      raterId: z.string(),
      passId: z.string(),
      /** Relative to the session folder. */
      file: z.string(),
      samples: z.number(),
      firstTSec: z.number().nullable(),
      lastTSec: z.number().nullable(),
    }),
  },
} as const;
