// Where live recordings go: a new workspace session folder (session.json, recording lock,
// recording.xdf), indexed in the library when it starts and again when it is complete.

import { openSessionRecording } from '../storage/library/session-folder.js';
import type { RecordingRequest, RecordingTarget } from './workstation-service.js';

export function workspaceRecordingPlanner(workspace: string, log: (line: string) => void): (req: RecordingRequest) => Promise<RecordingTarget> {
  return async (req) => {
    const session = await openSessionRecording(
      workspace,
      { subject: req.subject, protocol: 'live', source: req.source, streams: req.streams, notes: req.notes },
      log,
    );
    await session.index();
    return { path: session.xdfPath, finish: () => session.finish() };
  };
}
