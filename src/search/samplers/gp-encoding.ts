// How the gp sampler sees a search space: every parameter as coordinates in the unit cube (log-scaled
// where the parameter is; integers on the centres of their cells), categoricals and a subset's
// inclusion bits as Hamming dimensions, and NaN where a conditional parameter is inactive. Also the
// moves of the acquisition search, which respect each type (grid values, choices, subset sizes).
// Main thread; pure (no store, no config).
import type { Rng } from '../../util/rng.js';
import type { Distribution, ParamSpec, ParamValue, Params, SearchSpace } from '../../spec/space.js';
import { HAMMING, NUMERIC } from './gp-regressor.js';

type Kind = 'float' | 'int' | 'categorical' | 'subset';

interface EncodedParam {
  readonly spec: ParamSpec;
  readonly kind: Kind;
  /** First coordinate and number of coordinates (1, or the subset's items). */
  readonly offset: number;
  readonly width: number;
  /** float/int: the transformed interval that maps onto [0, 1]. */
  readonly lo: number;
  readonly hi: number;
  readonly log: boolean;
  /** int: number of grid values. */
  readonly cells: number;
  /** Conditions as (index of the named parameter, allowed values); empty when always active. */
  readonly conditions: readonly { readonly parent: number; readonly allowed: readonly (string | number | boolean)[] }[];
}

export class GpSpace {
  readonly params: readonly EncodedParam[];
  readonly dims: number;
  readonly kinds: Uint8Array;
  /** Every coordinate of a float parameter (the ones the gradient steps move). */
  readonly hasFloat: boolean;
  readonly conditional: boolean;

  constructor(space: SearchSpace) {
    const params: EncodedParam[] = [];
    let offset = 0;
    for (const spec of space) {
      const d = spec.distribution;
      const conditions = Object.entries(spec.when ?? {}).map(([name, allowed]) => ({ parent: space.findIndex((p) => p.name === name), allowed }));
      const base = { spec, offset, conditions, lo: 0, hi: 1, log: false, cells: 0 };
      switch (d.type) {
        case 'float': {
          const lo = d.log ? Math.log(d.low) : d.low;
          const hi = d.log ? Math.log(d.high) : d.high;
          params.push({ ...base, kind: 'float', width: 1, lo, hi, log: d.log });
          break;
        }
        case 'int': {
          // As Optuna's GPSampler: each integer owns a cell one step wide, [low - step/2, high + step/2].
          const step = d.step;
          const lo = d.log ? Math.log(d.low - 0.5) : d.low - step / 2;
          const hi = d.log ? Math.log(d.high + 0.5) : d.high + step / 2;
          params.push({ ...base, kind: 'int', width: 1, lo, hi, log: d.log, cells: Math.floor((d.high - d.low) / step) + 1 });
          break;
        }
        case 'categorical':
          params.push({ ...base, kind: 'categorical', width: 1 });
          break;
        case 'subset':
          params.push({ ...base, kind: 'subset', width: d.items.length });
          break;
      }
      offset += params[params.length - 1]!.width;
    }
    this.params = params;
    this.dims = offset;
    this.kinds = new Uint8Array(offset);
    for (const p of params) if (p.kind === 'categorical' || p.kind === 'subset') this.kinds.fill(HAMMING, p.offset, p.offset + p.width);
    for (const p of params) if (p.kind === 'float' || p.kind === 'int') this.kinds[p.offset] = NUMERIC;
    this.hasFloat = params.some((p) => p.kind === 'float');
    this.conditional = params.some((p) => p.conditions.length > 0);
  }

  /**
   * The encoded row of stored params into `out` (NaN for inactive parameters, whatever value the
   * params hold for them). False when an active parameter is missing or not a value of its
   * distribution: such a trial is left out of the model.
   */
  encode(params: Params, out: Float64Array): boolean {
    const active = new Uint8Array(this.params.length);
    for (let i = 0; i < this.params.length; i++) {
      const p = this.params[i]!;
      active[i] = p.conditions.every((c) => c.parent >= 0 && active[c.parent] === 1 && c.allowed.includes(params[this.params[c.parent]!.spec.name] as string | number | boolean)) ? 1 : 0;
      if (active[i] === 0) {
        out.fill(Number.NaN, p.offset, p.offset + p.width);
        continue;
      }
      if (!this.encodeOne(p, params[p.spec.name], out)) return false;
    }
    return true;
  }

  private encodeOne(p: EncodedParam, value: ParamValue | undefined, out: Float64Array): boolean {
    const d = p.spec.distribution;
    switch (d.type) {
      case 'float':
      case 'int': {
        if (typeof value !== 'number' || !Number.isFinite(value)) return false;
        const v = Math.min(d.high, Math.max(d.low, value));
        out[p.offset] = this.toUnit(p, v);
        return true;
      }
      case 'categorical': {
        const index = d.choices.indexOf(value as string | number | boolean);
        if (index < 0) return false;
        out[p.offset] = index;
        return true;
      }
      case 'subset': {
        if (!Array.isArray(value)) return false;
        out.fill(0, p.offset, p.offset + p.width);
        for (const name of value as readonly string[]) {
          const i = d.items.indexOf(name);
          if (i >= 0) out[p.offset + i] = 1;
        }
        return true;
      }
    }
  }

  private toUnit(p: EncodedParam, v: number): number {
    if (p.hi === p.lo) return 0.5;
    return ((p.log ? Math.log(v) : v) - p.lo) / (p.hi - p.lo);
  }

  private fromUnit(p: EncodedParam, u: number): number {
    const t = p.lo + u * (p.hi - p.lo);
    return p.log ? Math.exp(t) : t;
  }

  /** Which parameters a latent point activates (space order: conditions name earlier parameters). */
  activity(latent: Float64Array, active: Uint8Array): void {
    for (let i = 0; i < this.params.length; i++) {
      const p = this.params[i]!;
      let on = 1;
      for (const c of p.conditions) {
        if (c.parent < 0 || active[c.parent] === 0 || !c.allowed.includes(this.valueOf(this.params[c.parent]!, latent) as string | number | boolean)) {
          on = 0;
          break;
        }
      }
      active[i] = on;
    }
  }

  /** The model's row of a latent point: inactive parameters' coordinates become NaN. */
  effective(latent: Float64Array, active: Uint8Array, out: Float64Array): void {
    out.set(latent);
    if (!this.conditional) return;
    this.activity(latent, active);
    for (let i = 0; i < this.params.length; i++) {
      const p = this.params[i]!;
      if (active[i] === 0) out.fill(Number.NaN, p.offset, p.offset + p.width);
    }
  }

  /** A uniformly random latent point, every coordinate on a legal value (subsets: size uniform in [min, max]). */
  randomLatent(rng: Rng, out: Float64Array): void {
    for (const p of this.params) {
      const d = p.spec.distribution;
      switch (d.type) {
        case 'float':
          out[p.offset] = rng.next();
          break;
        case 'int':
          out[p.offset] = this.snapInt(p, rng.next());
          break;
        case 'categorical':
          out[p.offset] = rng.int(0, d.choices.length - 1);
          break;
        case 'subset': {
          const size = rng.int(d.min, d.max);
          const order = rng.permutation(d.items.length);
          out.fill(0, p.offset, p.offset + p.width);
          for (let i = 0; i < size; i++) out[p.offset + order[i]!] = 1;
          break;
        }
      }
    }
  }

  /** A latent point from an encoded row: inactive coordinates take values from `fill`. */
  latentOfRow(row: Float64Array, fill: Float64Array, out: Float64Array): void {
    for (let d = 0; d < this.dims; d++) out[d] = row[d] !== row[d] ? fill[d]! : row[d]!;
  }

  /** The centre of the integer cell holding u. */
  private snapInt(p: EncodedParam, u: number): number {
    const d = p.spec.distribution as Extract<Distribution, { type: 'int' }>;
    return this.toUnit(p, this.intValue(p, d, u));
  }

  private intValue(p: EncodedParam, d: Extract<Distribution, { type: 'int' }>, u: number): number {
    const v = this.fromUnit(p, Math.min(1, Math.max(0, u)));
    const k = Math.round((v - d.low) / d.step);
    return d.low + d.step * Math.min(p.cells - 1, Math.max(0, k));
  }

  private valueOf(p: EncodedParam, latent: Float64Array): ParamValue {
    const d = p.spec.distribution;
    const u = latent[p.offset]!;
    switch (d.type) {
      case 'float':
        return Math.min(d.high, Math.max(d.low, this.fromUnit(p, u)));
      case 'int':
        return this.intValue(p, d, u);
      case 'categorical':
        return d.choices[u] as string | number | boolean;
      case 'subset': {
        const out: string[] = [];
        for (let i = 0; i < d.items.length; i++) if (latent[p.offset + i] === 1) out.push(d.items[i]!);
        return out;
      }
    }
  }

  /** The params of a latent point: its active parameters only, in space order. */
  decode(latent: Float64Array): Params {
    const active = new Uint8Array(this.params.length);
    this.activity(latent, active);
    const out: Record<string, ParamValue> = {};
    this.params.forEach((p, i) => {
      if (active[i] === 1) out[p.spec.name] = this.valueOf(p, latent);
    });
    return out;
  }

  /** Coordinates of the active float parameters (moved by gradient steps). */
  floatCoordinates(active: Uint8Array | null): number[] {
    const out: number[] = [];
    this.params.forEach((p, i) => {
      if (p.kind === 'float' && (active === null || active[i] === 1)) out.push(p.offset);
    });
    return out;
  }

  /**
   * Calls `visit` with each type-respecting discrete neighbour of `latent` (changed in place, then
   * restored): another grid value of an integer (all of them up to 16 cells, else 1, 2, 4, ... steps
   * away), another choice of a categorical, one source in or out, or one swapped for another, within
   * the subset's min and max. Inactive parameters are not moved.
   */
  discreteNeighbours(latent: Float64Array, active: Uint8Array | null, visit: () => void): void {
    this.params.forEach((p, i) => {
      if (active !== null && active[i] === 0) return;
      const d = p.spec.distribution;
      const at = p.offset;
      const saved = latent[at]!;
      switch (d.type) {
        case 'float':
          return;
        case 'int': {
          const current = Math.round((this.intValue(p, d, saved) - d.low) / d.step);
          const targets: number[] = [];
          if (p.cells <= 16) for (let k = 0; k < p.cells; k++) targets.push(k);
          else for (let s = 1; s < p.cells; s *= 2) targets.push(current - s, current + s);
          for (const k of targets) {
            if (k === current || k < 0 || k >= p.cells) continue;
            latent[at] = this.toUnit(p, d.low + d.step * k);
            visit();
          }
          latent[at] = saved;
          return;
        }
        case 'categorical':
          for (let c = 0; c < d.choices.length; c++) {
            if (c === saved) continue;
            latent[at] = c;
            visit();
          }
          latent[at] = saved;
          return;
        case 'subset': {
          const m = d.items.length;
          let size = 0;
          for (let k = 0; k < m; k++) size += latent[at + k]!;
          for (let k = 0; k < m; k++) {
            const on = latent[at + k] === 1;
            if (on ? size - 1 >= d.min : size + 1 <= d.max) {
              latent[at + k] = on ? 0 : 1;
              visit();
              latent[at + k] = on ? 1 : 0;
            }
          }
          for (let a = 0; a < m; a++) {
            if (latent[at + a] !== 1) continue;
            for (let b = 0; b < m; b++) {
              if (latent[at + b] !== 0) continue;
              latent[at + a] = 0;
              latent[at + b] = 1;
              visit();
              latent[at + a] = 1;
              latent[at + b] = 0;
            }
          }
          return;
        }
      }
    });
  }
}
