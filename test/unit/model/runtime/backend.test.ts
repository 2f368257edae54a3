import { describe, expect, it } from 'vitest';
import { HiMoE, batchWindows, disposeBatch } from '../../../../src-main/model/himoe/index.js';
import { initModelRuntime, modelRuntime, seededRng, tf } from '../../../../src-main/model/runtime/index.js';
import { randomTargets, randomWindow, smallConfig } from '../himoe/fixtures.js';

describe('model runtime', () => {
  it('falls back from tensorflow (tfjs-node, not installed here) to wasm with SIMD, and logs the choice', async () => {
    const lines: string[] = [];
    const runtime = await initModelRuntime({ log: (m) => lines.push(m) });
    expect(['tensorflow', 'wasm']).toContain(runtime.backend);
    expect(tf.getBackend()).toBe(runtime.backend);
    expect(modelRuntime()).toBe(runtime);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`backend ${runtime.backend}`);
    if (runtime.backend === 'wasm') {
      expect(runtime.skipped.map((s) => s.backend)).toEqual(['tensorflow']);
      expect(runtime.simd).toBe(true);
      expect(lines[0]).toMatch(/tensorflow unavailable/);
    }
  });

  it('uses the cpu backend when asked', async () => {
    const runtime = await initModelRuntime({ prefer: 'cpu', log: () => undefined });
    expect(runtime.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    await initModelRuntime({ prefer: 'wasm', log: () => undefined });
  });

  it('fails with ModelError no-backend, naming why, when only an unavailable backend is allowed', async () => {
    let installed = true;
    try {
      const name = '@tensorflow/tfjs-node';
      await import(name);
    } catch {
      installed = false;
    }
    if (installed) return; // nothing to refuse on a machine with tfjs-node
    await expect(initModelRuntime({ prefer: 'tensorflow', log: () => undefined })).rejects.toMatchObject({ code: 'no-backend', message: expect.stringMatching(/\(tried tensorflow\): tensorflow: .+/) });
    await initModelRuntime({ prefer: 'wasm', log: () => undefined });
    expect(tf.getBackend()).toBe('wasm');
  });

  it('leaks no tensor across training steps or predictions', async () => {
    await initModelRuntime({ prefer: 'wasm', log: () => undefined });
    const config = smallConfig();
    const model = new HiMoE(config, 1);
    const optimizer = tf.train.adam(1e-3);
    const rng = seededRng(1, 'dropout');
    const windows = [randomWindow(config, 1), randomWindow(config, 2, { absent: ['EDA'] })];
    const batch = batchWindows(windows, config, { targets: [randomTargets(config, 1), randomTargets(config, 2)] });
    const step = () => {
      const cost = optimizer.minimize(() => model.loss(model.forward(batch, { training: true, rng }), batch).total, true, model.params.variables());
      cost?.dispose();
    };
    step(); // creates the optimizer's slot variables
    const afterFirstStep = tf.memory().numTensors;
    step();
    step();
    expect(tf.memory().numTensors).toBe(afterFirstStep);
    const beforePredict = tf.memory().numTensors;
    const prediction = model.predict(batch);
    expect(prediction.tokens.length).toBe(2 * 16 * 2);
    expect(tf.memory().numTensors).toBe(beforePredict);
    disposeBatch(batch);
    optimizer.dispose();
    model.dispose();
  });
});
