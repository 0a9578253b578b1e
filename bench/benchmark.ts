// What a benchmark is and what it is given: the one shape every `npm run bench -- NAME` module
// exports, apart from the registry (registry.ts) so that the benchmarks and the list of them do not
// import each other.
export interface BenchContext {
  readonly json: boolean;
  /** Human-readable output (tables); silent with --json. */
  readonly log: (line: string) => void;
}

export interface Benchmark {
  readonly summary: string;
  run(args: readonly string[], context: BenchContext): Promise<Record<string, unknown>>;
}
