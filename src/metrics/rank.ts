// Rank agreement between two scorings of the same items (Kendall's tau-b). Pure; both threads.
// Must not import tfjs, the store or the CLI.

/**
 * Kendall's tau-b between `a` and `b` (same length, same item order): +1 when they order every pair
 * alike, -1 when they order every pair oppositely; ties count as neither and shrink the denominator.
 * NaN when either side is constant (no ordering to compare) or there are fewer than two items.
 */
export function kendallTau(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new RangeError(`kendallTau needs equal lengths (got ${a.length} and ${b.length})`);
  let concordant = 0;
  let discordant = 0;
  let tiesA = 0;
  let tiesB = 0;
  for (let i = 0; i < a.length; i++) {
    for (let j = i + 1; j < a.length; j++) {
      const da = Math.sign(a[i]! - a[j]!);
      const db = Math.sign(b[i]! - b[j]!);
      if (da === 0 && db === 0) continue;
      if (da === 0) tiesA++;
      else if (db === 0) tiesB++;
      else if (da === db) concordant++;
      else discordant++;
    }
  }
  const denominator = Math.sqrt((concordant + discordant + tiesA) * (concordant + discordant + tiesB));
  return denominator === 0 ? Number.NaN : (concordant - discordant) / denominator;
}
