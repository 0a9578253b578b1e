// The task families of the `selection` benchmark, as study files: sources whose effect on the targets
// is known by construction (relatedness rho, anti-related tasks, permuted and random labels; rotation
// angles of digits). Only the subset is searched (the recipe is fixed), so exhaustive evaluation is the truth.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseStudy, type ResolvedStudy } from '../src/config/index.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));

export interface Family {
  readonly name: string;
  readonly description: string;
  /** The study file's text for a study named `name` with `trials` trials and the given extra keys. */
  text(name: string, trials: number, extra?: string): string;
}

export function resolveFamily(family: Family, name: string, trials: number, extra = '', seeds?: number): ResolvedStudy {
  const text = family.text(name, trials, extra);
  // Parsed as if it lived in bench/, so `../data/...` paths resolve against the repository.
  return parseStudy(seeds === undefined ? text : text.replace(/seeds: \d+ }/, `seeds: ${seeds} }`), join(HERE, `${family.name}.yaml`));
}

/**
 * Synthetic family: every task sees the same features (a shared latent projection); a task's class
 * weights are rho x reference + sqrt(1 - rho^2) x its own. Two targets (rho 1 and 0.9), eight sources:
 * closely related, related, loosely related, unrelated, anti-related, a related one with permuted labels (its
 * labels contradict the related sources' when pre-training on the union) and a related one with random
 * labels (it teaches nothing: harmful by construction).
 */
export const SYNTHETIC: Family = {
  name: 'synthetic',
  description:
    'synthetic related tasks (latent 16, 4 classes): rho 0.95, 0.9, 0.7, 0.4, unrelated (rho 0), anti-related (rho -0.9), label-permuted rho 0.9, random labels rho 0.9; targets rho 1 and 0.9; hidden layer frozen after pre-training',
  text: (name, trials, extra = '') => `name: ${name}
seed: 21
datasets:
  family: { synthetic: { features: 24, latent: 16, classes: 4, rows: 700, noise: 0.1, seed: 8 } }
sources:
  - { name: close, dataset: family, rho: 0.95, transforms: [ { sample: 300 } ] }
  - { name: near, dataset: family, rho: 0.9, transforms: [ { sample: 300 } ] }
  - { name: related, dataset: family, rho: 0.7, transforms: [ { sample: 300 } ] }
  - { name: loose, dataset: family, rho: 0.4, transforms: [ { sample: 300 } ] }
  - { name: unrelated-a, dataset: family, rho: 0.0, transforms: [ { sample: 300 } ] }
  - { name: random-labels, dataset: family, rho: 0.9, transforms: [ { sample: 300 }, { random_labels: 2 } ] }
  - { name: anti, dataset: family, rho: -0.9, transforms: [ { sample: 300 } ] }
  - { name: permuted, dataset: family, rho: 0.9, transforms: [ { sample: 300 }, { permute_labels: 1 } ] }
targets:
  - { name: t-main, dataset: family, rho: 1.0, labelled: 24 }
  - { name: t-side, dataset: family, rho: 0.9, labelled: 24 }
model: { hidden: [16], activation: relu }
recipe: { optimizer: adam, learning_rate: 0.01, batch_size: 8, pretrain_epochs: 5, epochs: 30, freeze_layers: 1 }
space:
  sources: { type: subset }
objective: { metric: accuracy, on: gain, aggregate: mean }
${extra}
budget: { trials: ${trials}, workers: 2, epochs: 30, seeds: 2 }
`,
};

/**
 * Rotated digits (UCI optical digits, 8x8): sources are the digits at other angles (near angles help
 * a few-shot target angle, far ones less), plus a label-permuted copy and a random-label copy at the
 * target's own angle (the right images with labels that teach nothing). Two few-shot target angles.
 * `scaling` goes into the recipe ('' for the default standardisation).
 */
function digitsFamily(name: string, scaling: string, note: string): Family {
  return {
    name,
    description: `rotated digits: sources at 0, 15, 30, 60, 90, 180 degrees, one label-permuted at 30 and one with random labels at 45; targets at 45 and 40 degrees, 30 labelled rows${note}`,
    text: (name, trials, extra = '') => `name: ${name}
seed: 5
datasets:
  digits: { csv: ../data/digits.csv.gz, label: label }
sources:
  - { name: rot0, dataset: digits, transforms: [ { sample: { rows: 300, seed: 1 } }, { rotate: 0 } ] }
  - { name: rot15, dataset: digits, transforms: [ { sample: { rows: 300, seed: 2 } }, { rotate: 15 } ] }
  - { name: rot30, dataset: digits, transforms: [ { sample: { rows: 300, seed: 3 } }, { rotate: 30 } ] }
  - { name: rot60, dataset: digits, transforms: [ { sample: { rows: 300, seed: 4 } }, { rotate: 60 } ] }
  - { name: rot90, dataset: digits, transforms: [ { sample: { rows: 300, seed: 5 } }, { rotate: 90 } ] }
  - { name: rot180, dataset: digits, transforms: [ { sample: { rows: 300, seed: 6 } }, { rotate: 180 } ] }
  - { name: perm30, dataset: digits, transforms: [ { sample: { rows: 300, seed: 7 } }, { rotate: 30 }, { permute_labels: 1 } ] }
  - { name: random45, dataset: digits, transforms: [ { sample: { rows: 300, seed: 8 } }, { rotate: 45 }, { random_labels: 2 } ] }
targets:
  - { name: t45, dataset: digits, transforms: [ { sample: { rows: 600, seed: 11 } }, { rotate: 45 } ], labelled: 30 }
  - { name: t40, dataset: digits, transforms: [ { sample: { rows: 600, seed: 12 } }, { rotate: 40 } ], labelled: 30 }
model: { hidden: [32], activation: relu }
recipe: { optimizer: adam, learning_rate: 0.01, batch_size: 32, pretrain_epochs: 4, epochs: 15${scaling} }
space:
  sources: { type: subset }
objective: { metric: accuracy, on: gain, aggregate: mean }
${extra}
budget: { trials: ${trials}, workers: 2, epochs: 15, seeds: 2 }
`,
  };
}

/**
 * The selection benchmark's digits: `scaling: none`, the protocol the family was built for. Under the
 * default standardisation the angles' effects shrink to -0.008..+0.028, the label-permuted copy turns
 * helpful (+0.019) and the truth's five best subsets lie within their own noise, so the family no
 * longer tests what its construction says (npm run bench -- selection, 2026-12-07: digits regret 0.064
 * and precision 0.88 under the default; 0.002 and 0.98, the 2026-11-28 figures, with the pixels as
 * they are, whose exhaustive table is the one committed before the default changed, unit for unit).
 */
export const DIGITS: Family = digitsFamily('digits', ', scaling: none', '; pixels unscaled');

/**
 * The same digits under the default standardisation: the racing part of `halving` runs it (12 seeds
 * per target), the case its 2026-12-07 figures were taken on. With the pixels unscaled and 12 seeds
 * the target alone is the best supported subset on 2 of 3 study seeds, and racing has nothing to find.
 */
export const DIGITS_STANDARDISED: Family = digitsFamily('digits-standardised', '', '; pixels standardised (the default)');

export const FAMILIES: readonly Family[] = [SYNTHETIC, DIGITS];

/** What the racing part of `halving` may run: the selection families and the standardised digits. */
export const RACING_FAMILIES: readonly Family[] = [...FAMILIES, DIGITS_STANDARDISED];
