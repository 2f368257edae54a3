// `himoe repair FILE.xdf`: complete a recording cut short by a crash or power loss.

import { repairXdf } from '../storage/xdf/xdf-repair.js';

export async function runRepair(path: string): Promise<string> {
  const r = await repairXdf(path);
  if (r.truncatedAtByte === null && r.streamsFooted.length === 0) return `${path}: complete, nothing to repair`;
  const parts: string[] = [];
  if (r.truncatedAtByte !== null) parts.push(`removed ${r.bytesRemoved} bytes of an incomplete chunk at byte ${r.truncatedAtByte}`);
  if (r.streamsFooted.length > 0) parts.push(`wrote footers for streams ${r.streamsFooted.join(', ')}`);
  return `${path}: repaired (${parts.join('; ')}); original kept as ${path}.bak`;
}
