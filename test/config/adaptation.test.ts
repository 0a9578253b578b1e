// The study file's side of domain adaptation: the shift and priors transforms, strategies align and
// dann with their keys, resolved, stored and decoded back; keys no trial can use refused.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStudyFile, parseStudy } from '../../src/config/index.js';
import type { Json } from '../../src/spec/records.js';
import { studySpecOf } from '../../src/study/decoders.js';
import { REPO } from './helpers.js';

const STUDY = `
name: adapt
seed: 3
datasets:
  family: { synthetic: { features: 8, latent: 4, classes: 3, rows: 300, seed: 1 } }
sources:
  - { name: s, dataset: family, rho: 1 }
targets:
  - { name: t, dataset: family, rho: 1, labelled: 12, transforms: [ { shift: 1.5 }, { priors: { priors: [2, 1, 1], seed: 4 } } ] }
model: { hidden: [8] }
recipe: { strategy: align, alignment: mmd, alignment_weight: 2, label_shift: bbse, unlabelled_fraction: 0.4 }
space:
  strategy: { type: categorical, choices: [align, dann, finetune] }
  alignment: { type: categorical, choices: [coral, mmd], when: { strategy: align } }
budget: { trials: 2, epochs: 3, seeds: 1 }
`;

describe('domain adaptation in the study file', () => {
  it('resolves the transforms and keys, and the stored spec decodes back', () => {
    const study = parseStudy(STUDY, 'adapt.yaml');
    const [shift, priors] = study.targets[0]!.transforms;
    expect(shift).toMatchObject({ kind: 'shift', amount: 1.5, seed: expect.any(Number) });
    expect(priors).toEqual({ kind: 'priors', priors: [2, 1, 1], seed: 4 });
    expect(study.recipe).toMatchObject({ strategy: 'align', alignment: 'mmd', alignment_weight: 2, label_shift: 'bbse', unlabelled_fraction: 0.4 });
    const spec = JSON.parse(JSON.stringify(study)) as Json;
    expect(studySpecOf({ name: 'adapt', spec })).toEqual(spec);
    expect(() => studySpecOf({ name: 'adapt', spec: JSON.parse(JSON.stringify(spec).replace('"kind":"shift","amount":1.5', '"kind":"shift","amount":"far"')) })).toThrow(/amount/);
  });

  it('accepts the transfer keys finetune shares with align and dann (head, l2sp, transfer_lr_mult)', () => {
    const alignOnly = STUDY.replace('unlabelled_fraction: 0.4 }', 'unlabelled_fraction: 0.4, head: keep, l2sp: 0.1, transfer_lr_mult: 0.5 }').replace(/space:[\s\S]*?budget/, 'budget');
    expect(parseStudy(alignOnly, 'adapt.yaml').recipe).toMatchObject({ strategy: 'align', head: 'keep', l2sp: 0.1, transfer_lr_mult: 0.5 });
  });

  it('refuses an alignment key no trial can use, and a bad alignment, with the file and line', () => {
    const finetuneOnly = STUDY.replace('strategy: align, alignment: mmd', 'strategy: finetune, alignment: mmd').replace(/space:[\s\S]*?budget/, 'budget');
    expect(() => parseStudy(finetuneOnly, 'adapt.yaml')).toThrow(/^adapt\.yaml:\d+:\d+: recipe\.alignment: only used with strategy align/);
    expect(() => parseStudy(STUDY.replace('alignment: mmd,', 'alignment: wasserstein,'), 'adapt.yaml')).toThrow(/^adapt\.yaml:\d+:\d+: recipe\.alignment/);
    expect(() => parseStudy(STUDY.replace('{ shift: 1.5 }', '{ shift: -1 }'), 'adapt.yaml')).toThrow(/^adapt\.yaml:\d+:\d+: .*shift/);
  });

  it('ships studies/adaptation.yaml', () => {
    const study = loadStudyFile(join(REPO, 'studies', 'adaptation.yaml'));
    expect(study.targets.map((t) => t.transforms[0])).toMatchObject([{ kind: 'shift', amount: 1 }, { kind: 'shift', amount: 2 }]);
  });
});
