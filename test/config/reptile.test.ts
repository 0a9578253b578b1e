// The study file's side of reptile: its keys resolved, stored and decoded back, searched under
// `when: { strategy: reptile }`; out-of-range values and keys no trial can use refused with the file,
// line and field.
import { describe, expect, it } from 'vitest';
import { parseStudy } from '../../src/config/index.js';
import type { Json } from '../../src/spec/records.js';
import { studySpecOf } from '../../src/study/decoders.js';

const STUDY = `
name: meta
seed: 3
datasets:
  family: { synthetic: { features: 8, latent: 4, classes: 3, rows: 300, seed: 1 } }
sources:
  - { name: s, dataset: family, rho: 1, transforms: [ { permute_labels: 2 } ] }
targets:
  - { name: t, dataset: family, rho: 1, labelled: 12 }
model: { hidden: [8] }
recipe: { strategy: reptile, reptile_inner_steps: 8, reptile_meta_lr: 0.5, transfer_lr_mult: 0.5, l2sp: 0.1 }
budget: { trials: 2, epochs: 3, seeds: 1 }
`;

describe('reptile in the study file', () => {
  it('resolves its keys and the transfer keys it shares with finetune; the stored spec decodes back', () => {
    const study = parseStudy(STUDY, 'meta.yaml');
    expect(study.recipe).toMatchObject({ strategy: 'reptile', reptile_inner_steps: 8, reptile_meta_lr: 0.5, transfer_lr_mult: 0.5, l2sp: 0.1 });
    const spec = JSON.parse(JSON.stringify(study)) as Json;
    expect(studySpecOf({ name: 'meta', spec })).toEqual(spec);
  });

  it('searches its keys under when: { strategy: reptile }', () => {
    const searched = STUDY.replace('strategy: reptile, reptile_inner_steps: 8, reptile_meta_lr: 0.5, ', '').replace(
      'budget:',
      `space:
  strategy: { type: categorical, choices: [finetune, reptile] }
  reptile_inner_steps: { type: int, low: 2, high: 10, when: { strategy: reptile } }
  reptile_meta_lr: { type: float, low: 0.1, high: 1, when: { strategy: reptile } }
budget:`,
    );
    expect(parseStudy(searched, 'meta.yaml').space.map((p) => p.name)).toEqual(['strategy', 'reptile_inner_steps', 'reptile_meta_lr']);
  });

  it('refuses an out-of-range value and a key no trial can use, naming file, line and field', () => {
    expect(() => parseStudy(STUDY.replace('reptile_inner_steps: 8', 'reptile_inner_steps: 0'), 'meta.yaml')).toThrow(/^meta\.yaml:\d+:\d+: recipe\.reptile_inner_steps: .*>= 1/);
    expect(() => parseStudy(STUDY.replace('reptile_meta_lr: 0.5', 'reptile_meta_lr: 1.5'), 'meta.yaml')).toThrow(/^meta\.yaml:\d+:\d+: recipe\.reptile_meta_lr: .*<= 1/);
    expect(() => parseStudy(STUDY.replace('strategy: reptile,', 'strategy: finetune,'), 'meta.yaml')).toThrow(/^meta\.yaml:\d+:\d+: recipe\.reptile_inner_steps: only used with strategy reptile/);
  });
});
