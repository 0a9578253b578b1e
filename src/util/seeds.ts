// Seed derivations shared by the runtime and the screens, so that units and screens of one study
// see the same splits. Pure; both threads.
import { mixSeed } from './rng.js';

/** The seed a unit trains with: paired across trials by (study seed, target, seed index). */
export function unitSeed(studySeed: number, seedIndex: number): number {
  return mixSeed(studySeed, 0x7e57, seedIndex);
}
