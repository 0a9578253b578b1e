// Balanced class weights (`class_weight: balanced`): a row of class c weighs rows / (classes present
// x rows of class c), so each class present carries the same total weight and the weights average 1
// (the learning rate keeps its meaning). scikit-learn's compute_class_weight('balanced'), per row.
// Worker side; plain arithmetic.

/** Per class index (0..numClasses-1): its balanced weight; 0 for a class with no row. */
export function balancedClassWeights(labels: Int32Array, numClasses: number): Float64Array {
  const counts = new Float64Array(numClasses);
  for (const label of labels) counts[label]!++;
  const present = counts.reduce((n, c) => n + (c > 0 ? 1 : 0), 0);
  return counts.map((c) => (c > 0 ? labels.length / (present * c) : 0));
}

/**
 * Every row's loss weight, `base` (a weight a phase already gives each row, as BBSE's) times its
 * class's balanced weight.
 */
export function balancedRowWeights(labels: Int32Array, numClasses: number, base?: Float32Array): Float32Array {
  const byClass = balancedClassWeights(labels, numClasses);
  return Float32Array.from(labels, (label, row) => (base ? base[row]! : 1) * byClass[label]!);
}
