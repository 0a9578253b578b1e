// model.kind cnn in a study file: resolved with its defaults, and every bad model refused with one
// line naming the field at its line:column.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadStudyFile } from '../../src/config/index.js';
import { errorOf, MINIMAL, Workspace } from './helpers.js';

let ws: Workspace;
beforeAll(() => {
  ws = new Workspace();
});
afterAll(() => ws.dispose());

const CNN = `${MINIMAL}model:
  kind: cnn
  input_shape: [8, 8, 1]
  conv: [ { filters: 8, kernel: 3, pool: 2 }, { filters: 16, kernel: 3, stride: 1 } ]
  hidden: [32]
`;

describe('model.kind cnn', () => {
  test('resolves with stride and pool written out', () => {
    const study = loadStudyFile(ws.write('s.yaml', CNN));
    expect(study.model).toEqual({
      kind: 'cnn',
      input_shape: [8, 8, 1],
      conv: [
        { filters: 8, kernel: 3, stride: 1, pool: 2 },
        { filters: 16, kernel: 3, stride: 1, pool: 1 },
      ],
      hidden: [32],
      activation: 'relu',
      dropout: 0,
    });
  });

  test('an MLP file resolves as before', () => {
    expect(loadStudyFile(ws.write('s.yaml', MINIMAL)).model).toEqual({ kind: 'mlp', hidden: [64], activation: 'relu', dropout: 0 });
  });

  test('a cnn without input_shape', () => {
    expect(errorOf(ws, `${MINIMAL}model: { kind: cnn, conv: [ { filters: 4, kernel: 3 } ] }\n`)).toBe(
      's.yaml:9:8: model: kind cnn needs input_shape: [H, W, C] (the image a row is)',
    );
  });

  test('conv on an mlp', () => {
    expect(errorOf(ws, `${MINIMAL}model: { hidden: [8], conv: [ { filters: 4, kernel: 3 } ] }\n`)).toBe(
      's.yaml:9:29: model.conv: only used with kind: cnn (this model is an mlp)',
    );
  });

  test('an input_shape that is not the feature count', () => {
    expect(errorOf(ws, CNN.replace('[8, 8, 1]', '[8, 4, 1]'))).toBe('s.yaml:11:16: model.input_shape: [8, 4, 1] holds 32 features, but the tasks have 64');
  });

  test('blocks that shrink the image to nothing', () => {
    expect(errorOf(ws, CNN.replace('stride: 1 }', 'stride: 1, pool: 8 }'))).toBe(
      's.yaml:12:47: model.conv[1]: shrinks the image to nothing (stride 1, pool 8 on what the blocks above leave)',
    );
  });

  test('a conv block without filters', () => {
    expect(errorOf(ws, CNN.replace('filters: 8, ', ''))).toBe('s.yaml:12:11: model.conv[0].filters: required key is missing');
  });

  test('freeze_layers counts conv blocks, then hidden layers', () => {
    expect(loadStudyFile(ws.write('s.yaml', `${CNN}recipe: { freeze_layers: 3 }\n`)).recipe.freeze_layers).toBe(3);
    expect(errorOf(ws, `${CNN}recipe: { freeze_layers: 4 }\n`)).toBe(
      's.yaml:14:26: recipe.freeze_layers: must be <= the number of conv blocks plus hidden layers (3) (got 4)',
    );
  });

  test('feature selection is refused: it would break the images', () => {
    expect(errorOf(ws, `${CNN}recipe: { feature_selection: variance }\n`)).toBe(
      's.yaml:14:30: recipe.feature_selection: cannot be used with model.kind cnn (dropping features breaks the input_shape images)',
    );
  });
});
