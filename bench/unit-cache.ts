// A unit cache for the benchmarks: an Executor that answers a unit from a JSON file when it trained
// the same unit before (same target, sources, model, recipe, seed, baseline and rungs: training is
// seeded, so the result is the same but for its times), and trains it on the inner executor
// otherwise. With one worker a study is then deterministic and a rerun with other scheduler rules
// replays in seconds what took minutes (the racing part of `halving --unit-cache FILE`). Models are
// never cached: a unit asked for one trains without it. Main thread.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { isPlainObject, recordOf } from '../src/util/check.js';
import { unitResultCheck } from '../src/study/decoders.js';
import type { Executor } from '../src/study/pool-executor.js';
import type { TrialUnit, UnitResult } from '../src/spec/units.js';

/** Bump when what a cached result means changes. */
const VERSION = 1;

export class UnitCache implements Executor {
  private readonly entries: Record<string, Omit<UnitResult, 'artifact'>>;
  hits = 0;
  misses = 0;

  constructor(
    private readonly inner: Executor,
    private readonly file: string,
  ) {
    const read: unknown = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
    // A cache of another version is not read (and is overwritten at close); one of this version is decoded.
    this.entries = isPlainObject(read) && read['version'] === VERSION ? { ...recordOf(unitResultCheck)(read['entries'], `${file}: entries`) } : {};
  }

  get backend() {
    return this.inner.backend;
  }
  get slots() {
    return this.inner.slots;
  }
  get startupMs() {
    return this.inner.startupMs;
  }

  async runUnit(unit: TrialUnit, signal?: AbortSignal, channel?: Parameters<Executor['runUnit']>[2]): Promise<UnitResult> {
    const { trialNumber: _number, artifact: _artifact, ...meaning } = unit;
    const key = JSON.stringify({ backend: this.inner.backend, ...meaning });
    const cached = this.entries[key];
    if (cached !== undefined) {
      this.hits++;
      return cached;
    }
    this.misses++;
    const { artifact: _model, ...result } = await this.inner.runUnit({ ...unit, artifact: false }, signal, channel);
    this.entries[key] = result;
    return result;
  }

  /** Writes the cache (whole, then renamed into place) and closes the inner executor. */
  async close(): Promise<void> {
    writeFileSync(`${this.file}.tmp`, JSON.stringify({ version: VERSION, entries: this.entries }));
    renameSync(`${this.file}.tmp`, this.file);
    await this.inner.close();
  }
}
