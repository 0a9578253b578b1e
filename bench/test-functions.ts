// Standard global-optimisation test functions of the samplers benchmark (minimised), with their
// bounds and known minima. The Python peer (bench/peers/optuna_samplers.py) defines the same ones.

export interface TestFunction {
  readonly name: string;
  readonly bounds: readonly (readonly [number, number])[];
  readonly minimum: number;
  readonly f: (x: readonly number[]) => number;
}

const H6_A = [
  [10, 3, 17, 3.5, 1.7, 8],
  [0.05, 10, 17, 0.1, 8, 14],
  [3, 3.5, 1.7, 10, 17, 8],
  [17, 8, 0.05, 10, 0.1, 14],
];
const H6_P = [
  [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
  [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
  [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.665],
  [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
];
const H6_ALPHA = [1.0, 1.2, 3.0, 3.2];

const at = (x: readonly number[], i: number): number => x[i] as number;

export const TEST_FUNCTIONS: readonly TestFunction[] = [
  {
    name: 'branin',
    bounds: [
      [-5, 10],
      [0, 15],
    ],
    minimum: 0.397887357729739,
    f: (x) => {
      const [x1, x2] = [at(x, 0), at(x, 1)];
      const b = 5.1 / (4 * Math.PI ** 2);
      const c = 5 / Math.PI;
      const t = 1 / (8 * Math.PI);
      return (x2 - b * x1 ** 2 + c * x1 - 6) ** 2 + 10 * (1 - t) * Math.cos(x1) + 10;
    },
  },
  {
    name: 'goldstein_price',
    bounds: [
      [-2, 2],
      [-2, 2],
    ],
    minimum: 3,
    f: (x) => {
      const [x1, x2] = [at(x, 0), at(x, 1)];
      const a = 1 + (x1 + x2 + 1) ** 2 * (19 - 14 * x1 + 3 * x1 ** 2 - 14 * x2 + 6 * x1 * x2 + 3 * x2 ** 2);
      const b = 30 + (2 * x1 - 3 * x2) ** 2 * (18 - 32 * x1 + 12 * x1 ** 2 + 48 * x2 - 36 * x1 * x2 + 27 * x2 ** 2);
      return a * b;
    },
  },
  {
    name: 'hartmann6',
    bounds: Array.from({ length: 6 }, () => [0, 1] as const),
    minimum: -3.32236801141551,
    f: (x) => {
      let total = 0;
      for (let i = 0; i < 4; i++) {
        let inner = 0;
        for (let j = 0; j < 6; j++) inner += (H6_A[i]![j] as number) * (at(x, j) - (H6_P[i]![j] as number)) ** 2;
        total -= (H6_ALPHA[i] as number) * Math.exp(-inner);
      }
      return total;
    },
  },
  {
    name: 'rosenbrock4',
    bounds: Array.from({ length: 4 }, () => [-2, 2] as const),
    minimum: 0,
    f: (x) => {
      let s = 0;
      for (let i = 0; i < x.length - 1; i++) s += 100 * (at(x, i + 1) - at(x, i) ** 2) ** 2 + (1 - at(x, i)) ** 2;
      return s;
    },
  },
  {
    name: 'ackley5',
    bounds: Array.from({ length: 5 }, () => [-5, 5] as const),
    minimum: 0,
    f: (x) => {
      const d = x.length;
      let s1 = 0;
      let s2 = 0;
      for (const v of x) {
        s1 += v * v;
        s2 += Math.cos(2 * Math.PI * v);
      }
      return -20 * Math.exp(-0.2 * Math.sqrt(s1 / d)) - Math.exp(s2 / d) + 20 + Math.E;
    },
  },
];

/** log10 of a regret, floored so that hitting the optimum exactly stays finite. */
export function logRegret(value: number, minimum: number): number {
  return Math.log10(Math.max(value - minimum, 1e-12));
}
