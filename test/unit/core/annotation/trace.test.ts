import { describe, expect, it } from 'vitest';
import { tracesToCsv } from '../../../../src-main/core/annotation/csv.js';
import { AnnotationError } from '../../../../src-main/core/annotation/errors.js';
import { resampleSeries, uniformGrid } from '../../../../src-main/core/annotation/grid.js';
import {
  annotationStreamInfo,
  describeAnnotationStream,
  shiftTrace,
  tracesFromStreams,
  type AnnotationTrace,
} from '../../../../src-main/core/annotation/trace.js';

describe('annotation streams', () => {
  it('describes a rater pass as one ANNOTATION stream with a channel per dimension and rater/device/scale in desc', () => {
    const info = annotationStreamInfo({ raterId: 'R07', dimensions: ['valence', 'arousal'], device: 'joystick' });
    expect(info).toMatchObject({ id: 'annotation:R07', type: 'ANNOTATION', sourceId: 'annotation:R07', nominalRateHz: 0, channelFormat: 'float32' });
    expect(info.channels.map((c) => c.label)).toEqual(['valence', 'arousal']);
    expect(info.desc).toMatchObject({ rater_id: 'R07', device: 'joystick', dimensions: 'valence,arousal', scale_min: -1, scale_max: 1 });
    expect(describeAnnotationStream(info)).toEqual({ raterId: 'R07', device: 'joystick', dimensions: ['valence', 'arousal'], scale: { min: -1, max: 1 } });
  });

  it('rejects rater ids and dimensions that could not round-trip through XDF', () => {
    expect(() => annotationStreamInfo({ raterId: 'Jane Doe', dimensions: ['valence'], device: 'mouse' })).toThrow(AnnotationError);
    expect(() => annotationStreamInfo({ raterId: 'r1', dimensions: ['Valence'], device: 'mouse' })).toThrowError(/lower-case/);
    expect(() => annotationStreamInfo({ raterId: 'r1', dimensions: ['valence', 'valence'], device: 'mouse' })).toThrowError(/twice/);
  });

  it('reads traces back per (rater, dimension), maps a foreign scale onto [-1, 1] and adds model/ground-truth references', () => {
    const ann = annotationStreamInfo({ raterId: 'r1', dimensions: ['valence', 'arousal'], device: 'slider', passId: 'p2' });
    const foreign = { ...annotationStreamInfo({ raterId: 'r2', dimensions: ['arousal'], device: 'dial' }), desc: { rater_id: 'r2', scale_min: 1, scale_max: 9 } };
    const pred = { id: '9', name: 'model', type: 'PREDICTION', channels: [{ label: 'valence', unit: '' }, { label: 'router_0', unit: '' }], channelFormat: 'float32' as const, nominalRateHz: 4, sourceId: 'm' };
    const traces = tracesFromStreams(
      [
        { info: ann, timestamps: Float64Array.of(2, 1), timeSeries: Float32Array.of(0.5, -0.5, 0.25, 0.75) },
        { info: foreign, timestamps: Float64Array.of(0, 1), timeSeries: Float32Array.of(1, 9) },
        { info: pred, timestamps: Float64Array.of(0), timeSeries: Float32Array.of(0.1, 0.9) },
      ],
      { includeReferences: true },
    );
    const key = (t: AnnotationTrace) => `${t.kind}:${t.raterId}:${t.dimension}`;
    expect(traces.map(key)).toEqual(['rater:r1:p2:valence', 'rater:r1:p2:arousal', 'rater:r2:arousal', 'model:model:valence']);
    // sorted by time
    expect(Array.from(traces[0].timesSec)).toEqual([1, 2]);
    expect(Array.from(traces[0].values)).toEqual([0.25, 0.5]);
    expect(Array.from(traces[2].values)).toEqual([-1, 1]);
    expect(traces[0].device).toBe('slider');
  });

  it('shiftTrace moves a late rater back in time', () => {
    const t: AnnotationTrace = { raterId: 'a', dimension: 'valence', device: 'mouse', kind: 'rater', timesSec: Float64Array.of(2, 3), values: Float64Array.of(0, 1) };
    expect(Array.from(shiftTrace(t, 1.5).timesSec)).toEqual([0.5, 1.5]);
  });
});

describe('grids and CSV export', () => {
  it('interpolates linearly, holds on request, and leaves long gaps and the outside empty', () => {
    const times = [0, 1, 3.5, 4];
    const vals = [0, 1, 0, 1];
    const grid = uniformGrid(-1, 4.5, 2);
    const lin = resampleSeries(times, vals, grid, { maxGapSec: 1 });
    expect(Array.from(lin)).toEqual([NaN, NaN, 0, 0.5, 1, NaN, NaN, NaN, NaN, 0, 1, NaN]);
    const hold = resampleSeries(times, vals, grid, { interpolation: 'hold', maxGapSec: 1 });
    expect(Array.from(hold)).toEqual([NaN, NaN, 0, 0, 1, 1, 1, NaN, NaN, 0, 1, 1]);
  });

  it('writes time plus one column per rater on a common grid, with scale and units in header comments', () => {
    const a: AnnotationTrace = { raterId: 'r1', dimension: 'arousal', device: 'joystick', kind: 'rater', timesSec: Float64Array.of(0, 1), values: Float64Array.of(-1, 1) };
    const b: AnnotationTrace = { raterId: 'r2', dimension: 'arousal', device: 'mouse', kind: 'rater', timesSec: Float64Array.of(0.5, 1), values: Float64Array.of(0.2, 0.4) };
    const csv = tracesToCsv([a, b], { rateHz: 2 });
    const lines = csv.trim().split('\n');
    const comments = lines.filter((l) => l.startsWith('#'));
    expect(comments.join('\n')).toMatch(/scale: \[-1, 1\] a\.u\./);
    expect(comments.join('\n')).toMatch(/session clock in seconds; common grid at 2 Hz/);
    expect(comments.join('\n')).toMatch(/dimension: arousal/);
    const rows = lines.filter((l) => !l.startsWith('#'));
    expect(rows[0]).toBe('time_s,r1,r2');
    expect(rows.slice(1)).toEqual(['0.000,-1.0000,', '0.500,0.0000,0.2000', '1.000,1.0000,0.4000']);
  });

  it('refuses to export nothing', () => {
    expect(() => tracesToCsv([])).toThrow(AnnotationError);
  });
});
