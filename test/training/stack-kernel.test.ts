// The stacked pass's WebAssembly kernels against plain loops: every block shape (4 x 8 blocks, the
// last rows, the last columns), A read row-major or transposed, with and without bias and relu.
import { describe, expect, it } from 'vitest';
import { assembleStackKernel } from '../../scripts/build-stack-kernel.mjs';
import { STACK_KERNEL_WASM, StackMemory } from '../../src/training/stack-kernel.js';
import { Rng } from '../../src/util/rng.js';

function reference(A: Float32Array, sai: number, sap: number, B: Float32Array, m: number, k: number, n: number, bias: Float32Array | null, relu: boolean) {
  const C = new Float32Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      // Sequential float32 sums, as the kernel accumulates.
      let s = bias ? (bias[j] as number) : 0;
      for (let p = 0; p < k; p++) s = Math.fround(s + Math.fround((A[i * sai + p * sap] as number) * (B[p * n + j] as number)));
      C[i * n + j] = relu ? Math.max(s, 0) : s;
    }
  }
  return C;
}

describe('stack kernel', () => {
  it('is the assembled stack-kernel.wat', async () => {
    expect(await assembleStackKernel()).toBe(STACK_KERNEL_WASM);
  });

  it('gemm computes bias + A B (or A^T B), relu optional, bit for bit as sequential float32 sums', () => {
    const rng = new Rng(4);
    for (const [m, k, n] of [[32, 64, 128], [5, 7, 10], [33, 3, 17], [1, 32, 10], [4, 1, 8], [3, 5, 3]] as const) {
      for (const transposed of [false, true]) {
        for (const relu of [false, true]) {
          for (const withBias of [false, true]) {
            const mem = new StackMemory(1 << 16);
            const a = mem.alloc(m * k);
            const b = mem.alloc(k * n);
            const c = mem.alloc(m * n);
            const bias = mem.alloc(n);
            for (const r of [a, b, bias]) mem.f32(r).forEach((_, i, xs) => (xs[i] = rng.normal()));
            const [sai, sap] = transposed ? [1, m] : [k, 1];
            mem.gemm(a.offset, sai, sap, b.offset, c.offset, m, k, n, withBias ? bias.offset : 0, relu ? 1 : 0);
            expect(Array.from(mem.f32(c))).toEqual(Array.from(reference(mem.f32(a), sai, sap, mem.f32(b), m, k, n, withBias ? mem.f32(bias) : null, relu)));
          }
        }
      }
    }
  });

  it('reluGrad zeroes where the output is not positive; mul multiplies element by element', () => {
    const mem = new StackMemory(1 << 16);
    const d = mem.alloc(7);
    const h = mem.alloc(7);
    mem.f32(d).set([1, 2, 3, 4, 5, 6, 7]);
    mem.f32(h).set([0.5, 0, -1, 2, 0, 3, -0.1]);
    mem.reluGrad(d.offset, h.offset, 7);
    expect(Array.from(mem.f32(d))).toEqual([1, 0, 0, 4, 0, 6, 0]);
    mem.mul(d.offset, h.offset, 7);
    expect(Array.from(mem.f32(d))).toEqual([0.5, 0, -0, 8, 0, 18, -0]);
  });

  it('transpose writes a row-major matrix transposed', () => {
    const mem = new StackMemory(1 << 16);
    const a = mem.alloc(6);
    const t = mem.alloc(6);
    mem.f32(a).set([1, 2, 3, 4, 5, 6]);
    mem.transpose(a.offset, t.offset, 2, 3);
    expect(Array.from(mem.f32(t))).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('grows its memory when the regions outgrow it, keeping what it holds', () => {
    const mem = new StackMemory(1024);
    const a = mem.alloc(10);
    mem.f32(a).fill(3);
    const big = mem.alloc(100_000);
    expect(mem.f32(big)).toHaveLength(100_000);
    expect(Array.from(mem.f32(a))).toEqual(new Array(10).fill(3));
  });
});
