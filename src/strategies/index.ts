// Public names of the strategies module and the registry units look their strategy up in.
// Worker side; strategies get tfjs passed in. Must not import the store, the CLI or YAML parsing.
import { STRATEGIES, type StrategyName } from '../spec/recipe.js';
import { align, dann } from './adapt.js';
import { distill } from './distill.js';
import { finetune } from './finetune.js';
import { multitask } from './multitask.js';
import { reptile } from './reptile.js';
import { selftrain } from './selftrain.js';
import type { Strategy } from './types.js';

export type { LayerSnapshot, Strategy, StrategyInput, Tf, TrainingObserver, TrainingPhase } from './types.js';
export { align, dann } from './adapt.js';
export { distill } from './distill.js';
export { finetune } from './finetune.js';
export { multitask } from './multitask.js';
export { reptile } from './reptile.js';
export { selftrain } from './selftrain.js';

const REGISTRY: Readonly<Record<StrategyName, Strategy>> = { finetune, multitask, selftrain, distill, align, dann, reptile };

/** The strategy registered under `name`; throws a RangeError listing the known names otherwise. */
export function getStrategy(name: string): Strategy {
  const strategy = (REGISTRY as Readonly<Record<string, Strategy | undefined>>)[name];
  if (strategy === undefined || !Object.hasOwn(REGISTRY, name)) {
    throw new RangeError(`unknown strategy "${name}" (known: ${STRATEGIES.join(', ')})`);
  }
  return strategy;
}
