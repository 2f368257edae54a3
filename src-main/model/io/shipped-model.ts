// The model that ships with the program (issue 3 item 9): models/himoe-synthetic, Hi-MoE trained
// on the synthetic corpus, so live predictions work out of the box (`himoe serve`, the desktop
// app). Found beside the compiled code (dist/model/io -> ../../../models), which is also where the
// packaged app keeps it (electron-builder.yml bundles models/**).

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

export const SHIPPED_MODEL_NAME = 'himoe-synthetic';

/** Folder of the shipped model, or undefined when this installation has none. */
export function shippedModelDir(): string | undefined {
  const dir = fileURLToPath(new URL(`../../../models/${SHIPPED_MODEL_NAME}`, import.meta.url));
  return existsSync(join(dir, 'manifest.json')) ? dir : undefined;
}
