import { StackMemory } from './src/training/stack-kernel.ts';
const mem = new StackMemory(64 << 20);
for (const [m, k, n] of [[32, 64, 128], [32, 128, 64], [128, 32, 64], [64, 32, 128], [32, 784, 256], [784, 32, 256], [32,256,256], [256, 32, 256]]) {
  const a = mem.alloc(m * k), b = mem.alloc(k * n), c = mem.alloc(m * n);
  mem.f32(a).fill(0.5); mem.f32(b).fill(0.25);
  const reps = Math.max(20, Math.round(4e8 / (m*k*n)));
  for (let i = 0; i < 50; i++) mem.gemm(a.offset, k, 1, b.offset, c.offset, m, k, n, 0, 0);
  let best = 0;
  for (let t = 0; t < 3; t++) {
  const t0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) mem.gemm(a.offset, k, 1, b.offset, c.offset, m, k, n, 0, 0);
  const u = process.cpuUsage(t0); const us = (u.user + u.system) / reps; best = Math.max(best, 2*m*k*n/us/1e3); }
  console.log(`${m}x${k}x${n}: ${best.toFixed(1)} GFLOP/s`);
}
