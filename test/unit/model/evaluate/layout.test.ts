// A kept network's folder name is written by the evaluation and read back by the engine (the
// Evaluate view's list of kept models): one module owns both directions.
import { describe, expect, it } from 'vitest';
import { foldModelName, parseFoldModelName } from '../../../../src-main/model/evaluate/layout.js';

describe('kept model folder names', () => {
  it('name the fold from 1 and the member, and read back as written', () => {
    expect(foldModelName(0, 'himoe')).toBe('fold1-himoe');
    expect(foldModelName(11, 'late-fusion:ECG')).toBe('fold12-late-fusion-ECG');
    expect(parseFoldModelName(foldModelName(11, 'late-fusion:ECG'))).toEqual({ fold: 12, member: 'late-fusion-ECG' });
    expect(parseFoldModelName('subject-s0-held-out')).toBeNull();
  });
});
