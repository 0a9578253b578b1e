// Load-time rules of issue 14's keys: a kept head needs the sources' labels among the target's
// (matched by value), the test share resolves to one seeded draw per study and target, and a stored
// study written before `scaling` existed keeps meaning no scaling when it is opened again.
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadStudyFile } from '../../src/config/index.js';
import { StudyHandle } from '../../src/study/study-handle.js';
import type { ResolvedStudy } from '../../src/spec/study.js';
import { cli, tempDir } from '../helpers/cli.js';
import { sqliteStoresClosedAfterEach } from '../helpers/sqlite-stores.js';
import { Workspace, errorOf } from './helpers.js';

/** A CSV of `n` rows with two features and labels cycling through `labels`. */
function csv(labels: readonly (string | number)[], n = 40): string {
  const lines = ['a,b,label'];
  for (let i = 0; i < n; i++) lines.push(`${i % 7},${(i * 3) % 11},${labels[i % labels.length]}`);
  return `${lines.join('\n')}\n`;
}

function study(head: string, extra = ''): string {
  return `name: protocol
datasets:
  tgt: { csv: tgt.csv }
  same: { csv: same.csv }
  other: { csv: other.csv }
sources:
  - { name: same-labels, dataset: same }
  - { name: other-labels, dataset: other }
targets:
  - { name: target, dataset: tgt, labelled: 6${extra} }
recipe: { head: ${head} }
budget: { trials: 2, epochs: 2 }
`;
}

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
  ws.write('tgt.csv', csv(['cat', 'dog']));
  ws.write('same.csv', csv(['dog', 'cat']));
  ws.write('other.csv', csv(['cat', 'bird']));
});
afterEach(() => ws.dispose());

describe('head: keep', () => {
  it('refuses a source whose labels the target does not have, naming it, in one line', () => {
    expect(errorOf(ws, study('keep'))).toBe(
      's.yaml:8:5: sources[1]: source "other-labels" has labels "bird" that target "target" does not have: head: keep needs the target\'s classes (labels are matched by value)',
    );
    // reinit does not read the sources' labels as the target's: the same study loads.
    expect(loadStudyFile(ws.write('ok.yaml', study('reinit'))).sources).toHaveLength(2);
  });

  it('exits 2 from the CLI with that line and writes no database', () => {
    ws.write('s.yaml', study('keep'));
    const result = cli(['run', 's.yaml', '--db', 'p.db'], ws.dir);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('source "other-labels" has labels "bird"');
    expect(cli(['studies', '--db', 'p.db'], ws.dir).status).not.toBe(0);
  });
});

describe('test rows', () => {
  it('resolve to one seeded draw per study and target, and are checked against the rows', () => {
    const spec = loadStudyFile(ws.write('t.yaml', study('reinit', ', test: 0.25')));
    const again = loadStudyFile('t.yaml');
    expect(spec.targets[0]!.test).toEqual({ share: 0.25, seed: again.targets[0]!.test!.seed });
    expect(Number.isSafeInteger(spec.targets[0]!.test!.seed)).toBe(true);
    expect(loadStudyFile(ws.write('r.yaml', study('reinit', ', test: 10, test_seed: 3'))).targets[0]!.test).toEqual({ rows: 10, seed: 3 });
    expect(errorOf(ws, study('reinit', ', test: 2.5'))).toContain('targets[0].test: must be a share in (0, 1) or a whole number of rows');
    expect(errorOf(ws, study('reinit', ', test: 36'))).toContain('targets[0].labelled');
  });
});

describe('scaling defaults and stored studies', () => {
  const open = sqliteStoresClosedAfterEach();

  it('a new study gets scaling standard; a study stored before the key existed reopens with its own meaning (none)', () => {
    const fresh = loadStudyFile(ws.write('d.yaml', study('reinit')));
    expect(fresh.recipe.scaling).toBe('standard');
    const { scaling: _dropped, ...oldRecipe } = fresh.recipe;
    const old: ResolvedStudy = { ...fresh, recipe: oldRecipe };
    const store = open(join(tempDir(), 'old.db'));
    StudyHandle.open({ store, study: old }).ask();
    const reopened = StudyHandle.open({ store, study: fresh });
    expect(reopened.created).toBe(false);
    expect(reopened.study.recipe.scaling).toBeUndefined();
    // A file that really changed the protocol is still refused.
    expect(() => StudyHandle.open({ store, study: { ...fresh, recipe: { ...fresh.recipe, scaling: 'minmax' } } })).toThrow(/recipe\.scaling/);
  });
});
