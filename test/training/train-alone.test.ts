// A phase trained alone (trainAlone) runs as a stack of one on the stack kernel where that is bit for
// bit (a relu MLP on wasm), else on trainModel: the same weights either way, and the engine it ran
// on is visible in the tfjs kernels it called.
import { beforeAll, describe, expect, it } from 'vitest';
import { buildMlp } from '../../src/training/mlp.js';
import { trainModel } from '../../src/training/epoch-loop.js';
import { trainAlone } from '../../src/training/phase-stack.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { MODEL, blobCentres, blobs } from '../strategies/helpers.js';

const data = blobs(blobCentres(3, 6, 4), 3, 200, 1);
const options = { phase: 'pre-training' as const, epochs: 3, batchSize: 32, optimizer: 'adam' as const, learningRate: 0.01, seed: 4, numClasses: 3 };
const build = (activation: 'relu' | 'tanh') => buildMlp(tf, { inputs: 6, numClasses: 3, spec: { ...MODEL, hidden: [16, 8], activation }, dropout: 0, seed: 2 });

async function kernelsOf(run: () => void): Promise<string[]> {
  return (await tf.profile(run)).kernelNames;
}

describe('trainAlone', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('trains a relu MLP on wasm on the stack kernel (no tfjs product), to trainModel\'s weights bit for bit', async () => {
    const alone = build('relu');
    const plain = build('relu');
    const aloneKernels = await kernelsOf(() => void trainAlone(tf, alone, data, options));
    const plainKernels = await kernelsOf(() => void trainModel(plain, data, options));
    expect(plainKernels.some((k) => /MatMul/.test(k))).toBe(true);
    expect(aloneKernels.some((k) => /MatMul/.test(k))).toBe(false);
    const a = alone.snapshot();
    const b = plain.snapshot();
    a.forEach((layer, i) => {
      expect(layer.kernel).toEqual(b[i]!.kernel);
      expect(layer.bias).toEqual(b[i]!.bias);
    });
    alone.dispose();
    plain.dispose();
  });

  it('trains on trainModel where the stack is not exact (tanh), and under TASKSIEVE_STACK_KERNEL=0', async () => {
    const tanh = build('tanh');
    expect((await kernelsOf(() => void trainAlone(tf, tanh, data, options))).some((k) => /MatMul/.test(k))).toBe(true);
    tanh.dispose();
    process.env['TASKSIEVE_STACK_KERNEL'] = '0';
    try {
      const relu = build('relu');
      expect((await kernelsOf(() => void trainAlone(tf, relu, data, options))).some((k) => /MatMul/.test(k))).toBe(true);
      relu.dispose();
    } finally {
      delete process.env['TASKSIEVE_STACK_KERNEL'];
    }
  });
});
