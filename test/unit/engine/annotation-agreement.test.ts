import { describe, expect, it } from 'vitest';
import { AnnotationError } from '../../../src-main/core/annotation/errors.js';
import { ManualClock } from '../../../src-main/core/streams/clock.js';
import type { StreamInfo } from '../../../src-main/core/streams/types.js';
import {
  AnnotationAgreementPublisher,
  findAgreementPairs,
  type AnnotationAgreementUpdate,
} from '../../../src-main/engine/annotation-agreement.js';
import { AnnotationInput } from '../../../src-main/engine/annotation-input.js';
import { SessionEngine } from '../../../src-main/engine/session-engine.js';
import { ScriptedSource } from './scripted-source.js';

const predInfo: StreamInfo = {
  id: 'model:prediction',
  name: 'Hi-MoE prediction',
  type: 'PREDICTION',
  channels: [{ label: 'valence', unit: 'a.u.' }, { label: 'arousal', unit: 'a.u.' }, { label: 'router_0', unit: '' }],
  channelFormat: 'float32',
  nominalRateHz: 4,
  sourceId: 'model',
};

function setup(annotationLagSec = 0) {
  const clock = new ManualClock(0);
  const engine = new SessionEngine({ clock });
  const model = new ScriptedSource('model', [predInfo]);
  const input = new AnnotationInput({ raterId: 'R1', dimensions: ['valence'], device: 'joystick', clock, flushIntervalMs: 0 });
  engine.addSource(model);
  engine.addSource(input);
  const pub = new AnnotationAgreementPublisher(engine, {
    predictionStreamId: predInfo.id,
    annotationStreamId: input.info.id,
    timeConstantSec: 20,
    annotationLagSec,
  });
  const updates: AnnotationAgreementUpdate[] = [];
  pub.onUpdate((u) => updates.push(u));
  return { clock, engine, model, input, pub, updates };
}

/** Drive 60 s: the model predicts `pred(t)` at 4 Hz, the rater reports `ann(t)` at 20 Hz. */
function drive(s: ReturnType<typeof setup>, pred: (t: number) => number, ann: (t: number) => number): void {
  let k = 0;
  for (let i = 0; i < 1200; i++) {
    const t = i / 20;
    s.clock.advanceTo(t);
    s.input.push(t, [ann(t)]);
    if (i % 5 === 0) {
      s.model.emit({ kind: 'chunk', chunk: { streamId: predInfo.id, values: Float32Array.of(pred(t), 0, 0.3), timestamps: Float64Array.of(t), firstIndex: k++ } });
    }
  }
}

describe('AnnotationAgreementPublisher', () => {
  it('publishes a running CCC near 1 when the live annotation follows the prediction, at most 4 updates per second', async () => {
    const s = setup();
    await s.engine.start();
    drive(s, (t) => 0.8 * Math.sin(t / 4), (t) => 0.8 * Math.sin(t / 4) + 0.02 * Math.sin(t * 3));
    await s.engine.stop();
    const last = s.updates.at(-1)!;
    expect(last.raterId).toBe('R1');
    expect(last.dimensions.map((d) => d.dimension)).toEqual(['valence']);
    expect(last.dimensions[0].ccc).toBeGreaterThan(0.99);
    expect(last.dimensions[0].pairs).toBeGreaterThan(230);
    expect(s.updates.length).toBeLessThanOrEqual(60 * 4 + 1);
    expect(s.updates.length).toBeGreaterThan(100);
    expect(s.pub.latest()).toBe(last);
    s.pub.dispose();
  });

  it('shows low agreement for an annotation unrelated to the prediction, and recovers a lagged rater with annotationLagSec', async () => {
    const unrelated = setup();
    await unrelated.engine.start();
    drive(unrelated, (t) => 0.8 * Math.sin(t / 4), (t) => 0.8 * Math.cos(t / 1.3));
    await unrelated.engine.stop();
    expect(Math.abs(unrelated.updates.at(-1)!.dimensions[0].ccc)).toBeLessThan(0.3);

    const lagged = setup(2);
    await lagged.engine.start();
    drive(lagged, (t) => 0.8 * Math.sin(t / 4), (t) => 0.8 * Math.sin((t - 2) / 4));
    await lagged.engine.stop();
    expect(lagged.updates.at(-1)!.dimensions[0].ccc).toBeGreaterThan(0.999);
  });

  it('starts afresh when a new session starts', async () => {
    const s = setup();
    await s.engine.start();
    drive(s, (t) => Math.sin(t / 4), (t) => Math.sin(t / 4));
    await s.engine.stop();
    await s.engine.start();
    expect(s.pub.latest()).toBeNull();
    await s.engine.stop();
  });

  it('rejects unknown streams and streams that share no dimension', () => {
    const s = setup();
    expect(() => new AnnotationAgreementPublisher(s.engine, { predictionStreamId: 'nope', annotationStreamId: s.input.info.id })).toThrow(AnnotationError);
    expect(
      () => new AnnotationAgreementPublisher(s.engine, { predictionStreamId: predInfo.id, annotationStreamId: s.input.info.id, dimensions: ['dominance'] }),
    ).toThrowError(/not a channel of both/);
  });

  it('finds the prediction/annotation pairs of a session by shared dimension labels', () => {
    const s = setup();
    expect(findAgreementPairs(s.engine.streamInfos)).toEqual([
      { predictionStreamId: 'model:prediction', annotationStreamId: 'annotation:R1', dimensions: ['valence'] },
    ]);
  });
});
