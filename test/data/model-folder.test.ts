// Model sources read from files and what several of them mean: a hand-written TF.js Layers folder
// (a float32 and a uint8-quantised weight) read back value for value, and the averaged layers of two
// models with their heads moved to the target's class order by label value.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { averagedLayers, readModelFolder, type ModelFolder } from '../../src/data/index.js';
import { tempDir } from '../helpers/cli.js';

const dense = (name: string, units: number, activation: string, inputs?: number) => ({
  class_name: 'Dense',
  config: { name, units, activation, ...(inputs !== undefined ? { batch_input_shape: [null, inputs] } : {}) },
});

function writeFolder(dir: string, classNames: readonly string[] | null): void {
  mkdirSync(dir, { recursive: true });
  const topology = { class_name: 'Sequential', config: { layers: [dense('h', 2, 'relu', 3), { class_name: 'Dropout', config: { name: 'd' } }, dense('out', 2, 'softmax')] } };
  const weights = [
    { name: 'h/kernel', shape: [3, 2], dtype: 'float32' },
    { name: 'h/bias', shape: [2], dtype: 'float32' },
    // uint8: q x 0.5 + (-1)
    { name: 'out/kernel', shape: [2, 2], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
    { name: 'out/bias', shape: [2], dtype: 'float32' },
  ];
  writeFileSync(join(dir, 'model.json'), JSON.stringify({ modelTopology: topology, weightsManifest: [{ paths: ['weights.bin'], weights }], format: 'layers-model' }));
  const floats = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);
  writeFileSync(join(dir, 'weights.bin'), Buffer.concat([floats([1, 2, 3, 4, 5, 6]), floats([0.5, -0.5]), new Uint8Array([0, 2, 4, 6]), floats([7, 8])]));
  if (classNames !== null) writeFileSync(join(dir, 'tasksieve-model.json'), JSON.stringify({ classNames }));
}

describe('readModelFolder', () => {
  it('reads Dense layers (Dropout skipped), dequantises uint8 weights, names unnamed classes by index', () => {
    const dir = join(tempDir('tasksieve-model-folder-'), 'm');
    writeFolder(dir, null);
    const folder = readModelFolder(join(dir, 'model.json'));
    expect(folder.inputs).toBe(3);
    expect(folder.activation).toBe('relu');
    expect(folder.layers.map((l) => l.units)).toEqual([2, 2]);
    expect(Array.from(folder.layers[0]!.kernel)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(folder.layers[1]!.kernel)).toEqual([-1, 0, 1, 2]);
    expect(folder.classNames).toEqual(['0', '1']);
    // The digest covers the meta file too: adding one changes it.
    writeFolder(dir, ['cat', 'dog']);
    const named = readModelFolder(dir);
    expect(named.classNames).toEqual(['cat', 'dog']);
    expect(named.digest).not.toBe(folder.digest);
  });
});

describe('averagedLayers', () => {
  const model = (scale: number, classNames: string[]): ModelFolder => ({
    dir: '',
    digest: '',
    inputs: 1,
    activation: 'relu',
    classNames,
    layers: [
      { name: 'h', units: 2, activation: 'relu', kernel: Float32Array.of(1 * scale, 2 * scale), bias: Float32Array.of(scale, -scale) },
      // Head [2 inputs, 2 classes], row-major: column c is class c.
      { name: 'out', units: 2, activation: 'softmax', kernel: Float32Array.of(10 * scale, 20 * scale, 30 * scale, 40 * scale), bias: Float32Array.of(scale, 2 * scale) },
    ],
  });

  it('averages the hidden layers element by element and moves head columns to the target classes by value', () => {
    const init = averagedLayers([model(1, ['a', 'b']), model(3, ['b', 'a'])], ['b', 'x', 'a'], 3);
    expect(Array.from(init.layers[0]!.kernel)).toEqual([2, 4]);
    expect(Array.from(init.layers[0]!.bias)).toEqual([2, -2]);
    // Target class 0 is "b": model 1's column 1 (20, 40) and model 3's column 0 (30, 90), averaged;
    // class 1 "x" is no model's: zeros; class 2 "a": model 1's column 0 (10, 30) and model 3's column 1 (60, 120).
    expect(Array.from(init.layers[1]!.kernel)).toEqual([25, 0, 35, 65, 0, 75]);
    expect(Array.from(init.layers[1]!.bias)).toEqual([(2 + 3) / 2, 0, (1 + 6) / 2]);
  });
});
