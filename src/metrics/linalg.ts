// Small dense linear algebra for the selection statistics (ridge surrogates, LogME, H-score):
// row-major Float64Array matrices of a few hundred entries per side at most. Pure; both threads.
// Must not import tfjs, the store or the CLI.

/** A row-major matrix. */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function matrix(rows: number, cols: number, data?: ArrayLike<number>): Matrix {
  const out = new Float64Array(rows * cols);
  if (data !== undefined) {
    if (data.length !== rows * cols) throw new RangeError(`matrix ${rows}x${cols} needs ${rows * cols} values (got ${data.length})`);
    out.set(data);
  }
  return { rows, cols, data: out };
}

/** A^T A (cols x cols). */
export function gram(a: Matrix): Matrix {
  const { rows, cols, data } = a;
  const out = new Float64Array(cols * cols);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    for (let i = 0; i < cols; i++) {
      const v = data[base + i]!;
      if (v === 0) continue;
      for (let j = i; j < cols; j++) out[i * cols + j]! += v * data[base + j]!;
    }
  }
  for (let i = 0; i < cols; i++) for (let j = 0; j < i; j++) out[i * cols + j] = out[j * cols + i]!;
  return { rows: cols, cols, data: out };
}

/** A^T y. */
export function transposeTimes(a: Matrix, y: ArrayLike<number>): Float64Array {
  const out = new Float64Array(a.cols);
  for (let r = 0; r < a.rows; r++) {
    const v = y[r]!;
    if (v === 0) continue;
    const base = r * a.cols;
    for (let c = 0; c < a.cols; c++) out[c]! += a.data[base + c]! * v;
  }
  return out;
}

/**
 * Solves S x = b for a symmetric positive-definite S by Cholesky. Throws RangeError when S is not
 * positive definite (a pivot <= 1e-12 times the largest diagonal entry).
 */
export function solveSpd(s: Matrix, b: ArrayLike<number>): Float64Array {
  const n = s.rows;
  if (s.cols !== n || b.length !== n) throw new RangeError('solveSpd needs a square matrix and a matching vector');
  const l = new Float64Array(n * n);
  let scale = 0;
  for (let i = 0; i < n; i++) scale = Math.max(scale, Math.abs(s.data[i * n + i]!));
  const tiny = 1e-12 * (scale || 1);
  for (let j = 0; j < n; j++) {
    let d = s.data[j * n + j]!;
    for (let k = 0; k < j; k++) d -= l[j * n + k]! ** 2;
    if (!(d > tiny)) throw new RangeError('matrix is not positive definite');
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let v = s.data[i * n + j]!;
      for (let k = 0; k < j; k++) v -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = v / ljj;
    }
  }
  const z = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v = b[i]!;
    for (let k = 0; k < i; k++) v -= l[i * n + k]! * z[k]!;
    z[i] = v / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let v = z[i]!;
    for (let k = i + 1; k < n; k++) v -= l[k * n + i]! * x[k]!;
    x[i] = v / l[i * n + i]!;
  }
  return x;
}

/**
 * Eigen-decomposition of a symmetric matrix by cyclic Jacobi rotations: values in descending order,
 * vectors as the columns of `vectors` (row-major n x n). Accurate to ~1e-12 relative for the small
 * matrices used here (n up to a few hundred).
 */
export function symmetricEigen(s: Matrix): { values: Float64Array; vectors: Matrix } {
  const n = s.rows;
  if (s.cols !== n) throw new RangeError('symmetricEigen needs a square matrix');
  const a = Float64Array.from(s.data);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let norm = 0;
  for (const x of a) norm += x * x;
  const tolerance = 1e-22 * (norm || 1);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! ** 2;
    if (off <= tolerance) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (Math.abs(apq) < 1e-300) continue;
        const app = a[p * n + p]!;
        const aqq = a[q * n + q]!;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - sn * akq;
          a[k * n + q] = sn * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - sn * aqk;
          a[q * n + k] = sn * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - sn * vkq;
          v[k * n + q] = sn * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j]! - a[i * n + i]!);
  const values = Float64Array.from(order, (i) => a[i * n + i]!);
  const vectors = new Float64Array(n * n);
  order.forEach((from, to) => {
    for (let k = 0; k < n; k++) vectors[k * n + to] = v[k * n + from]!;
  });
  return { values, vectors: { rows: n, cols: n, data: vectors } };
}
