import { describe, expect, it } from 'vitest';
import { classificationMetrics, confusionMatrix } from '../../src/metrics/index.js';

describe('confusionMatrix', () => {
  it('counts [true][predicted]', () => {
    expect(confusionMatrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0], 3)).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [1, 0, 1],
    ]);
  });

  it('accepts typed arrays', () => {
    expect(confusionMatrix(Int32Array.from([1, 0]), Int32Array.from([1, 1]), 2)).toEqual([
      [0, 1],
      [0, 1],
    ]);
  });

  it('rejects different lengths', () => {
    expect(() => confusionMatrix([0, 1], [0], 2)).toThrow('yTrue and yPred differ in length (2 vs 1)');
  });

  it('rejects a label outside the label space', () => {
    expect(() => confusionMatrix([0, 3], [0, 1], 3)).toThrow('yTrue[1] = 3 is not a class index in 0..2');
    expect(() => confusionMatrix([0, 1], [0, -1], 3)).toThrow('yPred[1] = -1 is not a class index in 0..2');
    expect(() => confusionMatrix([0.5], [0], 3)).toThrow('yTrue[0] = 0.5');
  });

  it('rejects a non-positive class count', () => {
    expect(() => confusionMatrix([], [], 0)).toThrow('numClasses must be a positive integer (got 0)');
  });
});

describe('classificationMetrics', () => {
  it('matches a 3-class example worked by hand', () => {
    // truth:     0 0 0 1 1 2 2 2 2 2   (supports 3, 2, 5)
    // predicted: 0 0 1 1 2 2 2 2 0 1
    // confusion  [[2,1,0],[0,1,1],[1,1,3]]; predicted totals 3, 3, 4
    // class 0: P = 2/3, R = 2/3, F1 = 2/3
    // class 1: P = 1/3, R = 1/2, F1 = 2*(1/6)/(5/6) = 2/5
    // class 2: P = 3/4, R = 3/5, F1 = 2*(9/20)/(27/20) = 2/3
    // accuracy 6/10; macro recall (2/3 + 1/2 + 3/5)/3 = 53/90; macro F1 (2/3 + 2/5 + 2/3)/3 = 26/45
    const m = classificationMetrics([0, 0, 0, 1, 1, 2, 2, 2, 2, 2], [0, 0, 1, 1, 2, 2, 2, 2, 0, 1], 3);
    expect(m.confusion).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [1, 1, 3],
    ]);
    expect(m.accuracy).toBeCloseTo(0.6, 12);
    expect(m.macro_recall).toBeCloseTo(53 / 90, 12);
    expect(m.macro_f1).toBeCloseTo(26 / 45, 12);
  });

  it('gives 1 everywhere for perfect predictions', () => {
    const y = [0, 1, 2, 1, 0, 2];
    const m = classificationMetrics(y, y, 3);
    expect(m).toMatchObject({ accuracy: 1, macro_f1: 1, macro_recall: 1 });
  });

  it('gives 0 everywhere when every prediction is wrong', () => {
    const m = classificationMetrics([0, 1, 2, 0], [1, 2, 0, 2], 3);
    expect(m).toMatchObject({ accuracy: 0, macro_f1: 0, macro_recall: 0 });
  });

  it('averages over the classes present in yTrue only', () => {
    // Class 2 is in the label space but absent from the truth: it is left out of the macro averages,
    // yet predicting it still costs class 1 (recall 1/2).
    // class 0: P = 1, R = 1, F1 = 1; class 1: P = 1, R = 1/2, F1 = 2/3.
    const m = classificationMetrics([0, 0, 1, 1], [0, 0, 1, 2], 3);
    expect(m.accuracy).toBeCloseTo(0.75, 12);
    expect(m.macro_recall).toBeCloseTo(0.75, 12);
    expect(m.macro_f1).toBeCloseTo(5 / 6, 12);
    expect(m.confusion[2]).toEqual([0, 0, 0]);
  });

  it('counts precision 0 for a present class that is never predicted', () => {
    // class 0: P = 2/3, R = 1, F1 = 4/5; class 1: never predicted, F1 = 0.
    const m = classificationMetrics([0, 0, 1], [0, 0, 0], 2);
    expect(m.macro_f1).toBeCloseTo(0.4, 12);
    expect(m.macro_recall).toBeCloseTo(0.5, 12);
  });

  it('is NaN for an empty truth and JSON-safe otherwise', () => {
    expect(classificationMetrics([], [], 2).accuracy).toBeNaN();
    const m = classificationMetrics([0, 1], [0, 1], 2);
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });
});
