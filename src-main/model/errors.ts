// The model domain's error class (DESIGN §6): runtime set-up, bad model inputs, model files and
// manifests that do not match the streams at hand, training and evaluation failures.

import { HimoeError } from '../core/errors.js';

/** Errors from src-main/model: `code` is stable (e.g. 'missing-modality', 'channel-mismatch'). */
export class ModelError extends HimoeError {
  readonly domain = 'model';
}
