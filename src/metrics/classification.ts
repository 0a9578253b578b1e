// Classification metrics from true and predicted class indices: confusion matrix, accuracy, macro
// F1 and macro recall. Pure (no tfjs); runs on both threads. Must not import tfjs, the store or the CLI.
import type { ClassificationMetrics } from '../spec/metrics.js';

type Labels = ArrayLike<number>;

/**
 * confusion[trueClass][predictedClass] = count, a numClasses x numClasses matrix of plain numbers
 * (JSON-safe, so it crosses the thread boundary and is stored as is).
 * Throws RangeError when the lengths differ or a label is not an integer in 0..numClasses-1.
 */
export function confusionMatrix(yTrue: Labels, yPred: Labels, numClasses: number): number[][] {
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new RangeError(`numClasses must be a positive integer (got ${numClasses})`);
  }
  if (yTrue.length !== yPred.length) {
    throw new RangeError(`yTrue and yPred differ in length (${yTrue.length} vs ${yPred.length})`);
  }
  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const t = yTrue[i] as number;
    const p = yPred[i] as number;
    checkClass(t, numClasses, 'yTrue', i);
    checkClass(p, numClasses, 'yPred', i);
    (confusion[t] as number[])[p]! += 1;
  }
  return confusion;
}

function checkClass(value: number, numClasses: number, name: string, index: number): void {
  if (!Number.isInteger(value) || value < 0 || value >= numClasses) {
    throw new RangeError(`${name}[${index}] = ${value} is not a class index in 0..${numClasses - 1}`);
  }
}

/**
 * Accuracy, macro F1 and macro recall of predictions against the truth.
 *
 * The macro averages run over the classes **present in yTrue** only. A validation split of a few-shot
 * target (or a class-subset transform) often lacks some classes of the label space; counting those as
 * recall 0 / F1 0 would penalise every model by the same arbitrary amount and hide real differences.
 * Predicting an absent class still costs: every such prediction is a miss of a present class, which
 * lowers that class's recall and F1.
 * Per present class, precision is 0 when the class is never predicted (0/0 taken as 0), and F1 is 0
 * when precision + recall = 0. With an empty yTrue every metric is NaN (there is nothing to measure).
 */
export function classificationMetrics(yTrue: Labels, yPred: Labels, numClasses: number): ClassificationMetrics {
  const confusion = confusionMatrix(yTrue, yPred, numClasses);
  const n = yTrue.length;
  if (n === 0) return { accuracy: Number.NaN, macro_f1: Number.NaN, macro_recall: Number.NaN, confusion };

  const predicted = new Array<number>(numClasses).fill(0);
  for (const row of confusion) row.forEach((count, p) => (predicted[p]! += count));

  let correct = 0;
  let present = 0;
  let recallSum = 0;
  let f1Sum = 0;
  confusion.forEach((row, c) => {
    const tp = row[c] as number;
    correct += tp;
    const support = row.reduce((a, b) => a + b, 0);
    if (support === 0) return;
    present += 1;
    const recall = tp / support;
    const precision = predicted[c]! === 0 ? 0 : tp / predicted[c]!;
    recallSum += recall;
    f1Sum += precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  });
  return { accuracy: correct / n, macro_f1: f1Sum / present, macro_recall: recallSum / present, confusion };
}
