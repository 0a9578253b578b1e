// Architecture parameters in `space:` (hidden_layers, hidden_units[_N], conv_blocks, conv_filters[_N]):
// resolved as ordinary int/categorical parameters, applied to the model per trial, and every misuse
// refused with one line at its line:column.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadStudyFile } from '../../src/config/index.js';
import { architectureFor } from '../../src/spec/architecture.js';
import type { CnnSpec, MlpSpec } from '../../src/spec/study.js';
import { errorOf, MINIMAL, Workspace } from './helpers.js';

let ws: Workspace;
beforeAll(() => {
  ws = new Workspace();
});
afterAll(() => ws.dispose());

const CNN = `${MINIMAL}model:
  kind: cnn
  input_shape: [8, 8, 1]
  conv: [ { filters: 8, kernel: 3, pool: 2 }, { filters: 16, kernel: 3 } ]
  hidden: [32]
`;

describe('architecture parameters in the space', () => {
  test('resolve as int and categorical parameters, enqueue defaults to the model', () => {
    const study = loadStudyFile(
      ws.write(
        's.yaml',
        `${CNN}space:
  hidden_layers: { type: int, low: 1, high: 3 }
  hidden_units: { type: categorical, choices: [16, 32, 64] }
  hidden_units_3: { type: int, low: 4, high: 8, step: 4, when: { hidden_layers: [3] } }
  conv_blocks: { type: categorical, choices: [1, 2] }
  conv_filters_1: { type: int, low: 4, high: 16, log: true }
enqueue: [ { hidden_layers: 2 } ]
`,
      ),
    );
    expect(study.space.map((p) => p.name)).toEqual(['hidden_layers', 'hidden_units', 'hidden_units_3', 'conv_blocks', 'conv_filters_1']);
    expect(study.space[2]).toEqual({ name: 'hidden_units_3', distribution: { type: 'int', low: 4, high: 8, log: false, step: 4 }, when: { hidden_layers: [3] } });
    // Left out: the model's values (its first layer's width, its blocks, its first block's filters).
    expect(study.enqueue).toEqual([{ hidden_layers: 2, hidden_units: 32, conv_blocks: 2, conv_filters_1: 8 }]);
  });

  test('conv parameters on an mlp', () => {
    expect(errorOf(ws, `${MINIMAL}space:\n  conv_filters: { type: int, low: 4, high: 8 }\n`)).toBe(
      's.yaml:10:17: space.conv_filters: only used with model.kind cnn (this model is an mlp)',
    );
  });

  test('a layer no trial has', () => {
    expect(errorOf(ws, `${MINIMAL}space:\n  hidden_layers: { type: int, low: 1, high: 2 }\n  hidden_units_3: { type: int, low: 4, high: 8 }\n`)).toBe(
      's.yaml:11:19: space.hidden_units_3: no trial of this study has 3 hidden layers (at most 2): it would never be used',
    );
    expect(errorOf(ws, `${CNN}space:\n  conv_filters_3: { type: int, low: 4, high: 8 }\n`)).toBe(
      's.yaml:15:19: space.conv_filters_3: no trial of this study has 3 conv blocks (at most 2): it would never be used',
    );
  });

  test('more conv blocks than model.conv has', () => {
    expect(errorOf(ws, `${CNN}space:\n  conv_blocks: { type: int, low: 1, high: 3 }\n`)).toBe(
      's.yaml:15:43: space.conv_blocks.high: must be <= the number of model.conv blocks (2) (got 3)',
    );
  });

  test('a float range for a layer count', () => {
    expect(errorOf(ws, `${MINIMAL}space:\n  hidden_layers: { type: float, low: 1, high: 3 }\n`)).toMatch(/^s\.yaml:10:\d+: space\.hidden_layers\.type: /);
  });

  test('freeze_layers may reach the deepest model a trial can have', () => {
    const text = `${MINIMAL}model: { hidden: [16] }\nspace:\n  hidden_layers: { type: int, low: 1, high: 3 }\n  freeze_layers: { type: int, low: 0, high: 3 }\n`;
    expect(loadStudyFile(ws.write('s.yaml', text)).space[1]!.name).toBe('freeze_layers');
    expect(errorOf(ws, text.replace('low: 0, high: 3', 'low: 0, high: 4'))).toBe(
      's.yaml:12:45: space.freeze_layers.high: must be <= the number of hidden layers (3) (got 4)',
    );
  });
});

describe('architectureFor', () => {
  const mlp: MlpSpec = { kind: 'mlp', hidden: [64, 32], activation: 'relu', dropout: 0 };
  const cnn: CnnSpec = {
    kind: 'cnn',
    input_shape: [8, 8, 1],
    conv: [
      { filters: 8, kernel: 3, stride: 1, pool: 2 },
      { filters: 16, kernel: 3, stride: 1, pool: 1 },
    ],
    hidden: [32],
    activation: 'tanh',
    dropout: 0.1,
  };

  test('no architecture parameter: the study model itself (recipe parameters are ignored)', () => {
    expect(architectureFor(mlp, { learning_rate: 0.1, sources: ['a'] })).toBe(mlp);
    expect(architectureFor(cnn, {})).toBe(cnn);
  });

  test('per-layer widths win over the width of every layer, which wins over the model; new layers take the last width', () => {
    expect(architectureFor(mlp, { hidden_layers: 4 }).hidden).toEqual([64, 32, 32, 32]);
    expect(architectureFor(mlp, { hidden_layers: 3, hidden_units: 16, hidden_units_2: 8 }).hidden).toEqual([16, 8, 16]);
    expect(architectureFor(mlp, { hidden_layers: 1 }).hidden).toEqual([64]);
  });

  test('conv blocks: the first ones of model.conv, with their filters set', () => {
    const one = architectureFor(cnn, { conv_blocks: 1, conv_filters: 4 });
    expect(one).toEqual({ ...cnn, conv: [{ filters: 4, kernel: 3, stride: 1, pool: 2 }] });
    const both = architectureFor(cnn, { conv_filters: 4, conv_filters_2: 12, hidden_units: 10 });
    expect(both.kind === 'cnn' && both.conv.map((b) => b.filters)).toEqual([4, 12]);
    expect(both.hidden).toEqual([10]);
  });
});
