// Spelling suggestions for unknown keys and values ("did you mean …?"). Pure; main thread (config).
// Must not import tfjs, the worker or the store.

/** Edit distance (insertions, deletions, substitutions), capped early once it exceeds `max`. */
export function levenshtein(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost);
      row.push(value);
      if (value < best) best = value;
    }
    if (best > max) return max + 1;
    prev = row;
  }
  return prev[b.length] as number;
}

/**
 * The closest candidate to `word`: within edit distance 2 (case-insensitive), or one being a prefix
 * of the other (at least 3 characters shared). Undefined when nothing is close enough.
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const c = candidate.toLowerCase();
    if (c === w) return candidate;
    let score = levenshtein(w, c, 2);
    if (score > 2) {
      const shorter = Math.min(w.length, c.length);
      const prefix = shorter >= 3 && (c.startsWith(w) || w.startsWith(c));
      // A prefix match ranks after every close spelling.
      score = prefix ? 3 : Number.POSITIVE_INFINITY;
    }
    if (score < bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}
