import { defineConfig } from 'vitest/config';

// Tests run against real SQLite files, real worker threads (loaded from dist/, built by `pretest`)
// and real tfjs training on small data; training-heavy files need generous timeouts on 2 cores.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    // One folder for the run's temporary files, removed after it (first: its teardown runs last);
    // then a throwaway PostgreSQL server for the PostgreSQL tests (or TASKSIEVE_TEST_PG_URL).
    globalSetup: ['test/helpers/temp-root.ts', 'test/helpers/pg-global-setup.ts'],
  },
});
