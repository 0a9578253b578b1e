// The model engines by ModelSpec kind: the one place a new kind (a loaded TF.js model) is registered.
// Worker side; gets tfjs passed in. Must not import the store, the CLI or YAML parsing.
import { buildCnn } from './cnn.js';
import { buildMlp } from './mlp.js';
import type { ModelOptions, Tf, TrainableModel } from './types.js';

/** A fresh model of `options.spec.kind`, every initialiser seeded from `options.seed`. */
export function buildModel(tf: Tf, options: ModelOptions): TrainableModel {
  const { spec } = options;
  switch (spec.kind) {
    case 'mlp':
      return buildMlp(tf, { ...options, spec });
    case 'cnn':
      return buildCnn(tf, { ...options, spec });
  }
}
