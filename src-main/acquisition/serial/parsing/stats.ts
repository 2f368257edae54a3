// Counters every protocol parser keeps (ParserStats of protocol.ts).

import type { ParserStats } from '../protocol.js';

export function emptyParserStats(): ParserStats {
  return { bytes: 0, frames: 0, badFrames: 0, resyncs: 0, discardedBytes: 0 };
}
