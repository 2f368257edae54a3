// Errors of the command line: a bad flag or argument, named with what was expected.

import { HimoeError } from '../core/errors.js';

export class CliError extends HimoeError {
  readonly domain = 'cli';
}
