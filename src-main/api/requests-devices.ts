// Requests of the Devices view: serial ports and protocols, the workspace's saved device
// profiles, and a snapshot of per-device status (the same status is pushed as a
// 'deviceStatus' event about once a second while a session runs). Handled by engine/devices-handlers.ts.

import { z } from 'zod';

export const deviceStatusSchema = z.object({
  sourceId: z.string(),
  label: z.string(),
  state: z.string(),
  connected: z.boolean(),
  streams: z.array(
    z.object({
      streamId: z.string(),
      type: z.string(),
      nominalRateHz: z.number(),
      measuredRateHz: z.number(),
      receivedSamples: z.number(),
      lostSamples: z.number(),
      gaps: z.number(),
      lastSampleAgeSec: z.number().nullable(),
    }),
  ),
  lastError: z.object({ code: z.string(), message: z.string(), atSec: z.number() }).nullable(),
  parser: z.object({ badFrames: z.number(), resyncs: z.number() }).optional(),
});
export type ApiDeviceStatus = z.infer<typeof deviceStatusSchema>;

const deviceProfileSchema = z.object({ name: z.string(), source: z.string(), notes: z.string(), createdAt: z.string(), updatedAt: z.string() });

export const devicesRequests = {
  'devices.list': {
    params: z.object({}).strict(),
    result: z.object({
      ports: z.array(
        z.object({
          path: z.string(),
          kind: z.string(),
          manufacturer: z.string().optional(),
          serialNumber: z.string().optional(),
          vendorId: z.string().optional(),
          productId: z.string().optional(),
          byId: z.string().optional(),
        }),
      ),
      /** How ports were found ('serialport' or 'dev-scan') and why the fallback was used. */
      portMethod: z.string(),
      portWarning: z.string().nullable(),
      protocols: z.array(z.object({ name: z.string(), baudRate: z.number().nullable(), example: z.string(), description: z.string() })),
      profiles: z.array(deviceProfileSchema),
      /** Non-serial --source kinds (synthetic, brainflow, playback) and whether BrainFlow is installed; absent when unknown. */
      otherSources: z.array(z.object({ kind: z.string(), example: z.string(), description: z.string() })),
      brainflow: z.object({ installed: z.boolean(), path: z.string().nullable(), hint: z.string().optional() }).nullable(),
    }),
  },
  'devices.saveProfile': {
    params: z
      .object({
        name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'profile name: letters, digits, ".", "_" and "-" (up to 64)'),
        /** A --source spec, e.g. "cyton:/dev/ttyUSB0"; checked as `himoe record` would read it. */
        source: z.string().min(1).max(500),
        notes: z.string().max(2000).default(''),
      })
      .strict(),
    result: deviceProfileSchema,
  },
  'devices.removeProfile': {
    params: z.object({ name: z.string().min(1).max(64) }).strict(),
    result: z.object({ removed: z.boolean() }),
  },
  'devices.status': {
    params: z.object({}).strict(),
    /** Empty when no session runs. */
    result: z.object({ running: z.boolean(), devices: z.array(deviceStatusSchema) }),
  },
} as const;
