// A thread's stacks share one WebAssembly memory and one instance of the kernels (stack-kernel.ts):
// a new stack's regions must read as zeros whatever the last stack left, and an older stack must not
// touch the memory again. The stack's softmax (heap-softmax.ts) must give tf.softmax's bits.
import { beforeAll, describe, expect, it } from 'vitest';
import { StackMemory } from '../../src/training/stack-kernel.js';
import { rowSoftmax } from '../../src/training/heap-softmax.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { Rng } from '../../src/util/rng.js';

describe('stack memory, reused by the thread', () => {
  it('hands a new stack zeroed regions over the last stack numbers, and refuses the older stack', () => {
    const first = new StackMemory(1 << 12);
    const a = first.alloc(500);
    first.f32(a).fill(7);
    const second = new StackMemory(1 << 12);
    const b = second.alloc(500);
    expect(b.offset).toBe(a.offset);
    expect(second.f32(b).every((v) => v === 0)).toBe(true);
    expect(() => first.f32(a)).toThrow(/newer stack/);
    expect(() => first.alloc(4)).toThrow(/newer stack/);
  });

  it('grows for a larger stack, and its kernels run on the grown memory', () => {
    const small = new StackMemory(1 << 10);
    small.alloc(16);
    const big = new StackMemory(1 << 22);
    const x = big.alloc(1 << 19);
    const y = big.alloc(1 << 19);
    big.f32(x).fill(3);
    big.f32(y).fill(2);
    big.mul(x.offset, y.offset, 1 << 19);
    expect(big.f32(x).every((v) => v === 6)).toBe(true);
  });
});

describe('the stack softmax', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  const logits = (rows: number, classes: number, seed: number) => {
    const rng = new Rng(seed);
    const values = new Float32Array(rows * classes).map(() => rng.normal() * 8);
    values[3] = 80; // one saturated row
    return values;
  };
  const reference = (x: Float32Array, rows: number, classes: number) => tf.tidy(() => tf.softmax(tf.tensor2d(x, [rows, classes])).dataSync() as Float32Array);

  for (const backend of ['wasm', 'cpu'] as const) {
    it(`gives tf.softmax's bits on ${backend}, call after call (the heap may grow in between)`, async () => {
      await tf.setBackend(backend);
      try {
        const [rows, classes] = [64, 10];
        const softmax = rowSoftmax(tf, rows, classes);
        const before = tf.memory().numTensors;
        for (let call = 0; call < 3; call++) {
          const x = logits(rows, classes, call);
          expect(Array.from(softmax.run(x))).toEqual(Array.from(reference(x, rows, classes)));
          // Something else allocating in the backend between rounds, as evaluation does.
          tf.tidy(() => tf.zeros([1 << 18]).dataSync());
        }
        softmax.dispose();
        expect(tf.memory().numTensors).toBeLessThanOrEqual(before - (backend === 'wasm' ? 2 : 0));
      } finally {
        await tf.setBackend('wasm');
      }
    });
  }
});
