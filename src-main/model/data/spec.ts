// Data SPECs of the model commands (issue 3 item 6): `synthetic:subjects=8,trials=12,seed=1`,
// `xdf:DIR`, `deap:DIR` and `dreamer:FILE.mat`, parsed into a typed description; bad text is a
// ModelError naming the problem.

import { ModelError } from '../errors.js';

export type DataSpec =
  | { kind: 'synthetic'; text: string; subjects: number; trials: number; seed: number }
  | { kind: 'xdf'; text: string; dir: string }
  | { kind: 'deap'; text: string; dir: string }
  | { kind: 'dreamer'; text: string; file: string };

export const DATA_SPEC_HELP = 'synthetic:subjects=N,trials=M,seed=S, xdf:DIR, deap:DIR (sNN.dat/.mat files) or dreamer:FILE.mat';

function bad(text: string, why: string): never {
  throw new ModelError('bad-data-spec', `data spec "${text}": ${why}; expected ${DATA_SPEC_HELP}`, { spec: text });
}

/** Parse a data SPEC; synthetic defaults are subjects=8, trials=12, seed=1. */
export function parseDataSpec(text: string): DataSpec {
  const colon = text.indexOf(':');
  const kind = (colon < 0 ? text : text.slice(0, colon)).trim().toLowerCase();
  const rest = colon < 0 ? '' : text.slice(colon + 1).trim();
  if (kind === 'xdf') {
    if (rest === '') bad(text, 'xdf needs a directory (xdf:DIR)');
    return { kind: 'xdf', text, dir: rest };
  }
  if (kind === 'synthetic') {
    const values: Record<'subjects' | 'trials' | 'seed', number> = { subjects: 8, trials: 12, seed: 1 };
    for (const part of rest === '' ? [] : rest.split(',')) {
      const [key, value, extra] = part.split('=').map((s) => s.trim());
      if (key === undefined || value === undefined || extra !== undefined || !(key in values)) bad(text, `"${part}" is not one of subjects=N, trials=M, seed=S`);
      const n = Number(value);
      const min = key === 'seed' ? 0 : 1;
      if (value === '' || !Number.isInteger(n) || n < min) bad(text, `${key} must be an integer >= ${min} (got "${value}")`);
      values[key as keyof typeof values] = n;
    }
    return { kind: 'synthetic', text, ...values };
  }
  if (kind === 'deap') {
    if (rest === '') bad(text, 'deap needs the directory of the subject files s01.dat ... s32.dat (deap:DIR)');
    if (/\.(dat|mat)$/i.test(rest)) bad(text, `deap takes the directory holding the subject files, not one file ("${rest}")`);
    return { kind: 'deap', text, dir: rest };
  }
  if (kind === 'dreamer') {
    if (rest === '') bad(text, 'dreamer needs the DREAMER.mat file (dreamer:FILE.mat)');
    if (!/\.mat$/i.test(rest)) bad(text, `dreamer needs the path of the .mat file (got "${rest}")`);
    return { kind: 'dreamer', text, file: rest };
  }
  return bad(text, `unknown data kind "${kind}"`);
}
