// Runs a stack of units in this worker: units of one trial that share the model and the recipe, side
// by side (each its own runUnit, its own split rows), their training phases stacked (PhaseStack), so
// K models train in one pass. Each unit's outcome leaves over its port as soon as it ends. Worker
// side; gets tfjs passed in. Must not import the store, the CLI, YAML parsing or src/config/load*.
import { SplitBuffers } from '../data/index.js';
import { runInStack, type Tf } from '../training/index.js';
import type { BackendName, SerializedError, TrialUnit } from '../spec/units.js';
import type { StackUnitOutcome, UnitMessage } from './protocol.js';
import { runUnit, type UnitControl } from './run-unit.js';

/** A unit's live link in a stack: rung reports and stop requests, and where its outcome goes. */
export interface StackControl extends UnitControl {
  send(message: UnitMessage): void;
}

/**
 * Trains `units` side by side; `controls[i]` is unit i's link. Each result is exactly what the unit
 * gives run alone (trainStacked's equivalence); a unit that throws fails alone, the others go on.
 */
export async function runStack(
  tf: Tf,
  units: readonly TrialUnit[],
  backend: BackendName,
  controls: readonly StackControl[],
  serialize: (error: unknown) => SerializedError,
): Promise<StackUnitOutcome[]> {
  const { results } = await runInStack(
    tf,
    units.map((unit, i) => async (training): Promise<StackUnitOutcome> => {
      const control = controls[i]!;
      let outcome: StackUnitOutcome;
      try {
        outcome = { type: 'unit-result', result: await runUnit(tf, unit, backend, control, { training, buffers: new SplitBuffers() }) };
      } catch (error) {
        outcome = { type: 'unit-error', error: serialize(error) };
      }
      // At once: the main thread records this unit while the others still train.
      control.send(outcome);
      return outcome;
    }),
  );
  return results.map((r) => (r.status === 'fulfilled' ? r.value : { type: 'unit-error', error: serialize(r.reason) }));
}
