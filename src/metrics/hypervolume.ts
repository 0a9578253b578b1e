// The hypervolume of a set of objective vectors (all minimised) against a reference point: the measure
// of the region they dominate inside the box up to the reference. Exact: a sweep in 2-D, slicing along
// the last objective above that (HSO: each slice is the (d-1)-D hypervolume of the points below it),
// which is exact in any dimension and fast enough for the 3 objectives and few hundred points of a
// study. Pure; both threads. Must not import tfjs or the store.

/**
 * Hypervolume of `points` (minimisation) dominated inside the box below `reference`. Points not
 * strictly better than the reference in every objective add nothing. Every point must have the
 * reference's length.
 */
export function hypervolume(points: readonly (readonly number[])[], reference: readonly number[]): number {
  const d = reference.length;
  if (d === 0) throw new RangeError('hypervolume needs at least one objective');
  const inside: number[][] = [];
  for (const p of points) {
    if (p.length !== d) throw new RangeError(`a point has ${p.length} objectives, the reference ${d}`);
    if (p.every((v, k) => Number.isFinite(v) && v < reference[k]!)) inside.push([...p]);
  }
  return slices(inside, reference, d);
}

function slices(points: number[][], reference: readonly number[], d: number): number {
  if (points.length === 0) return 0;
  if (d === 1) return reference[0]! - Math.min(...points.map((p) => p[0]!));
  if (d === 2) return sweep2d(points, reference);
  // Sort along the last objective; between consecutive values, the dominated region's cross-section is
  // the (d-1)-D hypervolume of every point at or below that value.
  const k = d - 1;
  const sorted = [...points].sort((a, b) => a[k]! - b[k]!);
  let total = 0;
  for (let i = 0; i < sorted.length; i++) {
    const top = i + 1 < sorted.length ? sorted[i + 1]![k]! : reference[k]!;
    const height = top - sorted[i]![k]!;
    if (height <= 0) continue;
    total += height * slices(sorted.slice(0, i + 1), reference, k);
  }
  return total;
}

/**
 * 2-D: sort by the first objective and keep the staircase (each kept point lower in the second
 * objective than every point before it); the region is the sum of the strips between steps.
 */
function sweep2d(points: readonly number[][], reference: readonly number[]): number {
  const sorted = [...points].sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  const steps: number[][] = [];
  for (const p of sorted) if (steps.length === 0 || p[1]! < steps[steps.length - 1]![1]!) steps.push(p);
  let total = 0;
  for (let i = 0; i < steps.length; i++) {
    const right = i + 1 < steps.length ? steps[i + 1]![0]! : reference[0]!;
    total += (right - steps[i]![0]!) * (reference[1]! - steps[i]![1]!);
  }
  return total;
}
