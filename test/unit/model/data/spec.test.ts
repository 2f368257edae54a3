// Data SPECs of the model commands: each kind parses to its typed form; bad text is a ModelError
// naming what was wrong and listing the accepted forms.
import { describe, expect, it } from 'vitest';
import { DATA_SPEC_HELP, parseDataSpec } from '../../../../src-main/model/data/index.js';
import { ModelError } from '../../../../src-main/model/errors.js';

function errorOf(text: string): ModelError {
  try {
    parseDataSpec(text);
  } catch (e) {
    return e as ModelError;
  }
  throw new Error(`"${text}" parsed`);
}

describe('parseDataSpec', () => {
  it('parses deap:DIR and dreamer:FILE.mat, keeping the text (for the manifest) and the path as given', () => {
    expect(parseDataSpec('deap:/data/deap/data_preprocessed_python')).toEqual({ kind: 'deap', text: 'deap:/data/deap/data_preprocessed_python', dir: '/data/deap/data_preprocessed_python' });
    expect(parseDataSpec('DREAMER: /data/DREAMER.MAT')).toEqual({ kind: 'dreamer', text: 'DREAMER: /data/DREAMER.MAT', file: '/data/DREAMER.MAT' });
    expect(parseDataSpec('deap:C:\\data\\deap')).toMatchObject({ kind: 'deap', dir: 'C:\\data\\deap' });
  });

  it('still parses synthetic and xdf SPECs', () => {
    expect(parseDataSpec('synthetic:subjects=3')).toEqual({ kind: 'synthetic', text: 'synthetic:subjects=3', subjects: 3, trials: 12, seed: 1 });
    expect(parseDataSpec('xdf:sessions')).toEqual({ kind: 'xdf', text: 'xdf:sessions', dir: 'sessions' });
  });

  it.each([
    ['deap', /deap needs the directory of the subject files/],
    ['deap:', /deap needs the directory/],
    ['deap:/data/s01.dat', /deap takes the directory holding the subject files, not one file \("\/data\/s01.dat"\)/],
    ['dreamer:', /dreamer needs the DREAMER.mat file/],
    ['dreamer:/data/DREAMER', /dreamer needs the path of the .mat file \(got "\/data\/DREAMER"\)/],
    ['seed:/x', /unknown data kind "seed"/],
  ])('"%s" is a bad-data-spec error saying %s', (text, why) => {
    const err = errorOf(text);

    expect(err).toBeInstanceOf(ModelError);
    expect(err.code).toBe('bad-data-spec');
    expect(err.message).toMatch(why);
    expect(err.message).toContain(DATA_SPEC_HELP);
  });

  it('the help names every kind', () => {
    for (const kind of ['synthetic:', 'xdf:DIR', 'deap:DIR', 'dreamer:FILE.mat']) expect(DATA_SPEC_HELP).toContain(kind);
  });
});
