// Cluster pseudo-labels for selftrain (`pseudo_labels: clusters`, the survey's clustering-based
// adaptation for scarce target labels): k-means on the model's last hidden layer over the labelled
// and unlabelled target rows, each cluster named by the majority label of the labelled rows in it.
// Worker side. Must not import the store, the CLI or YAML parsing.
import type { Dataset } from '../data/types.js';
import { bestKmeans } from '../metrics/kmeans.js';
import type { TrainableModel } from '../training/index.js';

/** Pool rows with a label (the others' clusters hold no labelled row) and how many are right. */
export interface ClusterLabels {
  readonly rows: Dataset;
  readonly correct: number;
  /** Clusters that a labelled row named. */
  readonly named: number;
}

/**
 * k = classes clusters of the labelled and pool rows in `space`'s feature space (its last hidden
 * layer; null: the input features as the unit sees them, scaled); a pool row takes
 * its cluster's majority label among the labelled rows (ties: the smaller class), and a cluster
 * without labelled rows labels nothing. No confidence threshold: a cluster is labelled as a whole.
 */
export function clusterPseudoLabels(
  space: TrainableModel | null,
  labelled: Dataset,
  pool: Dataset,
  classes: number,
  seed: number,
): ClusterLabels {
  const a = space ? space.representation(labelled) : { features: labelled.features, width: labelled.cols };
  const b = space ? space.representation(pool) : { features: pool.features, width: pool.cols };
  const d = a.width;
  const n = labelled.rows + pool.rows;
  const points = new Float32Array(n * d);
  points.set(a.features, 0);
  points.set(b.features, labelled.rows * d);
  const k = Math.min(classes, n);
  const { assignment } = bestKmeans(points, n, d, k, seed);
  const votes = new Int32Array(k * classes);
  for (let i = 0; i < labelled.rows; i++) votes[assignment[i]! * classes + labelled.labels[i]!]! += 1;
  const name = Array.from({ length: k }, (_, c) => {
    let best = -1;
    for (let y = 0; y < classes; y++) if (votes[c * classes + y]! > 0 && (best < 0 || votes[c * classes + y]! > votes[c * classes + best]!)) best = y;
    return best;
  });
  const picked: number[] = [];
  const labels: number[] = [];
  for (let r = 0; r < pool.rows; r++) {
    const y = name[assignment[labelled.rows + r]!]!;
    if (y < 0) continue;
    picked.push(r);
    labels.push(y);
  }
  const features = new Float32Array(picked.length * pool.cols);
  let correct = 0;
  picked.forEach((row, i) => {
    features.set(pool.features.subarray(row * pool.cols, (row + 1) * pool.cols), i * pool.cols);
    if (pool.labels[row] === labels[i]) correct += 1;
  });
  return {
    rows: { features, labels: Int32Array.from(labels), rows: picked.length, cols: pool.cols, numClasses: classes },
    correct,
    named: name.filter((y) => y >= 0).length,
  };
}
