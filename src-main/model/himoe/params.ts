// A small parameter registry for models built from tfjs-core ops: every weight is a named
// tf.Variable created from a seeded PRNG, so one seed gives the same initial weights anywhere,
// and the names are what model files store (model/io).

import { seededRng, tf, type Rng } from '../runtime/index.js';
import { ModelError } from '../errors.js';

export type Initialiser = 'glorot' | 'zeros' | 'ones' | 'normal' | Float32Array;

let nextStoreId = 0;

export class ParamStore {
  /** Unique per store, so several models can live side by side. */
  readonly id = nextStoreId++;
  private readonly vars = new Map<string, tf.Variable>();
  private readonly rng: Rng;

  constructor(readonly seed: number) {
    this.rng = seededRng(seed, 'init');
  }

  /** Create a parameter. `fanIn`/`fanOut` shape the Glorot range; 'normal' uses std 0.02. */
  add(name: string, shape: number[], init: Initialiser, fans?: { fanIn: number; fanOut: number }): tf.Variable {
    if (this.vars.has(name)) throw new ModelError('duplicate-parameter', `parameter "${name}" is defined twice`, { name });
    const size = shape.reduce((a, b) => a * b, 1);
    let values: Float32Array;
    if (init instanceof Float32Array) {
      if (init.length !== size) throw new ModelError('invalid-parameter', `parameter "${name}": ${init.length} initial values for shape [${shape.join(', ')}]`, { name });
      values = init;
    } else {
      values = new Float32Array(size);
      if (init === 'ones') values.fill(1);
      else if (init === 'normal') values = this.gaussian(size, 0.02);
      else if (init === 'glorot') {
        const fanIn = fans?.fanIn ?? shape[shape.length - 2] ?? 1;
        const fanOut = fans?.fanOut ?? shape[shape.length - 1] ?? 1;
        const limit = Math.sqrt(6 / (fanIn + fanOut));
        for (let i = 0; i < size; i++) values[i] = this.rng.range(-limit, limit);
      }
    }
    // tfjs variable names are global: prefix with this store's id (the map keeps the plain name).
    const initial = tf.tensor(values, shape, 'float32');
    const v = tf.variable(initial, true, `himoe${this.id}/${name}`);
    initial.dispose();
    this.vars.set(name, v);
    return v;
  }

  /** Draw `size` normal values with standard deviation `std` from the init stream (for custom initialisers). */
  gaussian(size: number, std: number): Float32Array {
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = std * this.rng.gaussian();
    return values;
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (v === undefined) throw new ModelError('unknown-parameter', `no parameter "${name}"`, { name });
    return v;
  }

  has(name: string): boolean {
    return this.vars.has(name);
  }

  names(): string[] {
    return [...this.vars.keys()];
  }

  /** All parameters in creation order (the order model files use). */
  entries(): Array<[string, tf.Variable]> {
    return [...this.vars.entries()];
  }

  variables(): tf.Variable[] {
    return [...this.vars.values()];
  }

  /** Number of scalar weights. */
  count(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  /** Overwrite weights by name (e.g. from a model file); every parameter must be given with its exact shape. */
  assign(weights: ReadonlyMap<string, tf.Tensor> | Record<string, tf.Tensor>): void {
    const lookup = weights instanceof Map ? (n: string) => weights.get(n) : (n: string) => (weights as Record<string, tf.Tensor>)[n];
    for (const [name, v] of this.vars) {
      const w = lookup(name);
      if (w === undefined) throw new ModelError('missing-weight', `weights lack parameter "${name}" (shape [${v.shape.join(', ')}])`, { name });
      if (!tf.util.arraysEqual(w.shape, v.shape)) {
        throw new ModelError('weight-shape-mismatch', `weight "${name}" has shape [${w.shape.join(', ')}], the model expects [${v.shape.join(', ')}]`, { name, shape: w.shape, expected: v.shape });
      }
    }
    for (const [name, v] of this.vars) v.assign(lookup(name)!);
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}
