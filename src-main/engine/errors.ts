// Errors of the engine domain: session lifecycle and recording orchestration.

import { HimoeError } from '../core/errors.js';

export class EngineError extends HimoeError {
  readonly domain = 'engine';
}
