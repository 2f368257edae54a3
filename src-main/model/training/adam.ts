// Adam with global-norm gradient clipping whose moments are named tensors, so a training
// checkpoint holds the optimiser state exactly and a resumed run continues bit for bit.

import { ModelError } from '../errors.js';
import { tf } from '../runtime/index.js';
import type { ParamStore } from '../himoe/params.js';

export interface AdamOptions {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Clip the global gradient norm to this value (0 = off). */
  clipNorm: number;
}

export const DEFAULT_ADAM: Readonly<AdamOptions> = Object.freeze({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8, clipNorm: 1 });

export class Adam {
  /** Updates applied so far. */
  step = 0;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

  constructor(private readonly params: ParamStore, private readonly options: AdamOptions = DEFAULT_ADAM) {
    const zeros = (p: tf.Tensor) => {
      const z = tf.zerosLike(p);
      const variable = tf.variable(z, false);
      z.dispose();
      return variable;
    };
    for (const [name, p] of params.entries()) {
      this.m.set(name, zeros(p));
      this.v.set(name, zeros(p));
    }
  }

  /** Apply one update from gradients keyed by parameter name; returns the gradient norm before clipping. */
  apply(grads: ReadonlyMap<string, tf.Tensor>, learningRate: number): number {
    const { beta1, beta2, epsilon, clipNorm } = this.options;
    this.step++;
    const t = this.step;
    return tf.tidy(() => {
      const squares = [...grads.values()].map((g) => tf.sum(tf.square(g)));
      const norm = Math.sqrt(squares.length > 0 ? tf.addN(squares).dataSync()[0]! : 0);
      const scale = clipNorm > 0 && norm > clipNorm ? clipNorm / norm : 1;
      const lrT = (learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
      for (const [name, p] of this.params.entries()) {
        const g0 = grads.get(name);
        if (g0 === undefined) continue;
        const g = scale === 1 ? g0 : tf.mul(g0, scale);
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        m.assign(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
        v.assign(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
        p.assign(tf.sub(p, tf.mul(tf.div(m, tf.add(tf.sqrt(v), epsilon)), lrT)));
      }
      return norm;
    });
  }

  /** Moments as named tensors (`adam_m/<param>`, `adam_v/<param>`) for checkpoints. */
  namedState(): Array<{ name: string; tensor: tf.Tensor }> {
    const out: Array<{ name: string; tensor: tf.Tensor }> = [];
    for (const [name, m] of this.m) out.push({ name: `adam_m/${name}`, tensor: m });
    for (const [name, v] of this.v) out.push({ name: `adam_v/${name}`, tensor: v });
    return out;
  }

  /** Restore moments saved by namedState (missing entries are an error). */
  restore(tensors: Record<string, tf.Tensor>, step: number): void {
    for (const [prefix, map] of [['adam_m', this.m], ['adam_v', this.v]] as const) {
      for (const [name, variable] of map) {
        const t = tensors[`${prefix}/${name}`];
        if (t === undefined) throw new ModelError('invalid-checkpoint', `checkpoint lacks optimiser state ${prefix}/${name}`, { name });
        variable.assign(t);
      }
    }
    this.step = step;
  }

  dispose(): void {
    for (const x of [...this.m.values(), ...this.v.values()]) x.dispose();
  }
}
