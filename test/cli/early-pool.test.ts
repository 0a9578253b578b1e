// The worker pool `run` starts from the parsed, not yet validated study file: the budget it guesses
// must be the one the resolved study asks for (else the pool is started twice), and a budget that is
// not plainly valid is no guess at all.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { loadStudyFile } from '../../src/config/index.js';
import { guessedBudget } from '../../src/cli/early-pool.js';

const QUICKSTART = fileURLToPath(new URL('../../studies/quickstart.yaml', import.meta.url));

describe('guessedBudget', () => {
  test('is what the resolved study asks of the pool, with and without --workers', () => {
    const document: unknown = parse(readFileSync(QUICKSTART, 'utf8'));
    for (const workers of [undefined, 1]) {
      const { budget } = loadStudyFile(QUICKSTART, { workers, checkData: false });
      expect(guessedBudget(document, workers)).toEqual(budget.workers <= availableParallelism() ? { workers: budget.workers } : null);
    }
  });

  test('reads the defaults and the pool keys as resolveStudy does', () => {
    expect(guessedBudget({ name: 'x' }, undefined)).toEqual(availableParallelism() >= 2 ? { workers: 2 } : null);
    expect(guessedBudget({ budget: { trials: 5 } }, 1)).toEqual({ workers: 1 });
    expect(guessedBudget({ budget: { workers: 1, unit_timeout_s: 30, worker_memory_mb: 512 } }, undefined)).toEqual({
      workers: 1,
      unitTimeoutS: 30,
      workerMemoryMb: 512,
    });
  });

  test('guesses nothing from a budget that is not plainly valid, or with more threads than cores', () => {
    for (const budget of [{ workers: 'two' }, { workers: 0 }, { workers: 1.5 }, { workers: availableParallelism() + 1 }, { unit_timeout_s: -1 }, { worker_memory_mb: 'big' }, [1, 2], 'none']) {
      expect(guessedBudget({ budget }, undefined), JSON.stringify(budget)).toBeNull();
    }
    expect(guessedBudget([], undefined)).toBeNull();
  });
});
