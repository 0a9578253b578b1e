// Reading a benchmark's `--name value` arguments: one reader for every benchmark.

/** The value after `--name` (undefined when the flag is absent or last). */
export function optionValue(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** `--name` as a whole number of at least `min`, or `fallback` when absent; throws on anything else. */
export function wholeOption(args: readonly string[], name: string, fallback: number, min = 0): number {
  const n = Number(optionValue(args, name) ?? fallback);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: must be a whole number${min > 0 ? ` >= ${min}` : ''}`);
  return n;
}
