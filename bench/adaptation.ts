// The `adaptation` benchmark: what domain adaptation costs. Samples (source rows of pre-training plus
// labelled rows of fine-tuning: the same rows for every strategy) per second of process CPU time, of
// one unit of finetune, align (CORAL, MMD), dann, reptile, finetune with FGSM, PGD, BSS or LwF, and multitask (hard and soft sharing) on the domain-shift family, interleaved round by
// round so a shared machine's load hits each alike; with their test accuracy at that shift. Main
// thread; trains in this process on the wasm backend.
import { applyTransform, generateSynthetic } from '../src/data/index.js';
import { selectRows } from '../src/data/rows.js';
import type { Recipe } from '../src/spec/recipe.js';
import { align, dann, finetune, multitask, reptile, type Strategy } from '../src/strategies/index.js';
import { initBackend, tf } from '../src/worker/backend.js';
import { goal } from './goals.js';
import type { Benchmark } from './benchmark.js';

const FAMILY = { kind: 'synthetic', features: 16, latent: 6, classes: 4, familySeed: 3, noise: 0.3 } as const;

/** `adapts`: a domain-adaptation strategy, held to the benchmark's goal; the others are costs to know. */
const VARIANTS: readonly { name: string; strategy: Strategy; recipe: Partial<Recipe>; adapts?: boolean }[] = [
  { name: 'finetune', strategy: finetune, recipe: {} },
  { name: 'align coral', strategy: align, recipe: { alignment: 'coral', alignment_weight: 1 }, adapts: true },
  { name: 'align mmd', strategy: align, recipe: { alignment: 'mmd', alignment_weight: 3 }, adapts: true },
  { name: 'dann', strategy: dann, recipe: { alignment_weight: 0.3 }, adapts: true },
  // Every phase trains on the adversarial copies (pre-training too): 1 extra backward pass per step, or pgd_steps.
  { name: 'fgsm', strategy: finetune, recipe: { fgsm_epsilon: 0.3 } },
  { name: 'pgd 7', strategy: finetune, recipe: { fgsm_epsilon: 0.3, pgd_steps: 7 } },
  // Fine-tuning only (3 epochs on 20 rows here): their cost hides in pre-training's; bench them per step elsewhere.
  { name: 'bss', strategy: finetune, recipe: { bss: 0.01, bss_k: 2 } },
  { name: 'lwf', strategy: finetune, recipe: { lwf: 1 } },
  // Meta-training instead of pre-training, at the same source rows (round(30 x 800 / (5 x 32)) = 150
  // inner runs of 5 steps): the price is a fresh optimizer and a read and write of every weight per inner run.
  { name: 'reptile', strategy: reptile, recipe: {} },
  // Joint epochs over the same sources and labelled rows (30, as pre-training's): every step a batch of
  // each task. Soft sharing trains a network per task and pulls their trunks together after each step.
  { name: 'mt hard', strategy: multitask, recipe: { epochs: 30 } },
  { name: 'mt soft', strategy: multitask, recipe: { epochs: 30, sharing: 'soft', sharing_weight: 1 } },
];

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const adaptation: Benchmark = {
  summary: 'samples per CPU second of align (CORAL, MMD), dann, reptile, FGSM, PGD, BSS, LwF and multitask (hard, soft sharing) against finetune on the same rows (domain-shift family)',
  async run(args, { log }) {
    const at = args.indexOf('--repeats');
    const repeats = at >= 0 ? Number(args[at + 1]) : 5;
    if (!Number.isInteger(repeats) || repeats < 1) throw new Error('--repeats: must be a positive integer');
    await initBackend('wasm');
    const sources = [11, 12].map((taskSeed) => generateSynthetic({ ...FAMILY, rows: 400, rho: 1, taskSeed }));
    const target = applyTransform(generateSynthetic({ ...FAMILY, rows: 1000, rho: 1, taskSeed: 1 }), { kind: 'shift', amount: 2, seed: 5 });
    const rows = Array.from({ length: target.rows }, (_, i) => i);
    const split = { train: selectRows(target, rows.slice(0, 20)), test: selectRows(target, rows.slice(20, 320)), validation: selectRows(target, rows.slice(320)) };
    const run = (variant: (typeof VARIANTS)[number], seed: number) =>
      variant.strategy.run({
        tf,
        sources,
        ...split,
        numClasses: 4,
        model: { kind: 'mlp', hidden: [32, 16], activation: 'relu', dropout: 0 },
        seed,
        recipe: {
          strategy: variant.strategy.name,
          optimizer: 'adam',
          learning_rate: 0.01,
          batch_size: 32,
          pretrain_epochs: 30,
          epochs: 3,
          freeze_layers: 0,
          dropout: 0,
          scaling: 'standard',
          head: 'keep',
          ...variant.recipe,
        },
      });
    for (const variant of VARIANTS) await run(variant, 99); // warm-up: tfjs and V8 compile on first use
    const rates = new Map<string, number[]>(VARIANTS.map((v) => [v.name, []]));
    const accuracy = new Map<string, number[]>(VARIANTS.map((v) => [v.name, []]));
    for (let r = 0; r < repeats; r++) {
      for (const variant of VARIANTS) {
        const cpu = process.cpuUsage();
        const result = await run(variant, r + 1);
        const used = process.cpuUsage(cpu);
        rates.get(variant.name)!.push(result.cost.samples / ((used.user + used.system) / 1e6));
        accuracy.get(variant.name)!.push(result.test!.accuracy);
      }
    }
    const base = median(rates.get('finetune')!);
    const summary: Record<string, unknown> = { repeats, shift: 2 };
    log(`domain-shift family, shift 2; ${repeats} interleaved rounds; samples = source + labelled rows trained (the same for every finetune-based strategy; multitask: every task's rows of its 30 joint epochs)`);
    log(`${'strategy'.padEnd(12)} ${'samples/cpu s'.padStart(14)} ${'vs finetune'.padStart(12)} ${'test acc'.padStart(9)}`);
    for (const variant of VARIANTS) {
      const rate = median(rates.get(variant.name)!);
      const acc = accuracy.get(variant.name)!.reduce((a, b) => a + b, 0) / repeats;
      log(`${variant.name.padEnd(12)} ${rate.toFixed(0).padStart(14)} ${`${(rate / base).toFixed(2)}x`.padStart(12)} ${acc.toFixed(3).padStart(9)}`);
      summary[variant.name.replace(' ', '_')] = { samples_per_cpu_s: Math.round(rate), ratio_to_finetune: Number((rate / base).toFixed(3)), test_accuracy: Number(acc.toFixed(4)) };
    }
    summary.soft_to_hard_multitask = Number((median(rates.get('mt soft')!) / median(rates.get('mt hard')!)).toFixed(3));
    log(`soft sharing / hard sharing: ${summary.soft_to_hard_multitask}x`);
    // Each batch carries as many pool rows as source rows, so about half finetune's rate is the
    // price of seeing the target at all; the goal is that the loss on top costs no more than that again.
    const worst = Math.min(...VARIANTS.filter((v) => v.adapts).map((v) => median(rates.get(v.name)!) / base));
    summary.goals_met = { adaptation_at_least_third_of_finetune: goal(worst, 1 / 3, '>=') };
    return summary;
  },
};
