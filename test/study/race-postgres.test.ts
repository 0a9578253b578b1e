// Racing over units on PostgreSQL: the same scenarios as race.test.ts (a worse trial stopped after its
// first slice with its rung value recorded in the PRUNED finish's transaction; a recorded "go" kept
// across a restart), each in a fresh schema of the test server.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { PostgresStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { PoolExecutor } from '../../src/study/pool-executor.js';
import { freshSchema } from '../helpers/pg.js';
import { keepsARecordedGo, prunesTheWorseAfterItsFirstSlice } from '../helpers/race-scenarios.js';

describe('racing over units on PostgreSQL', () => {
  let executor: PoolExecutor;
  const schemas: ReturnType<typeof freshSchema>[] = [];
  const postgres = (_name: string): Store => {
    const schema = freshSchema();
    schemas.push(schema);
    return PostgresStore.open(schema.url);
  };
  beforeAll(async () => {
    executor = await PoolExecutor.start({ workers: 2, backend: null });
  });
  afterAll(async () => {
    await executor.close();
    for (const schema of schemas) schema.drop();
  });

  it('stops a clearly worse trial after its first slice and gives a good one all its units', async () => {
    await prunesTheWorseAfterItsFirstSlice(postgres, executor);
  });

  it('keeps a "go" an earlier attempt recorded', async () => {
    await keepsARecordedGo(postgres, executor);
  });
});
