/**
 * Initialisers: each takes an explicit key and returns a fresh tensor (docs/design.md#pure-functions).
 */

import type { DType, Key, Shape, Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'

/**
 * Glorot/Xavier uniform: `U(−a, a)` with `a = gain·√(6 / (fanIn + fanOut))` (Glorot & Bengio
 * 2010). For a weight `[out, in]`, fanIn = in and fanOut = out.
 *
 * @example
 * const W = glorotUniform(T.key(0), [4, 2], 'f64')
 * assert.ok(T.item(T.max(T.abs(W))) <= Math.sqrt(6 / 6))
 */
export const glorotUniform = (key: Key, shape: Shape, dtype: DType = 'f32', gain = 1): Tensor => {
  const [fanOut, fanIn] =
    shape.length >= 2 ? [shape[0], shape.slice(1).reduce((a, b) => a * b, 1)] : [shape[0] ?? 1, shape[0] ?? 1]
  const a = gain * Math.sqrt(6 / (fanIn + fanOut))
  return T.uniform(key, shape, -a, a, dtype)
}

/** PyTorch's default for recurrent weights and biases: `U(−1/√H, 1/√H)`. */
export const uniformRecurrent = (
  key: Key,
  shape: Shape,
  hiddenSize: number,
  dtype: DType = 'f32',
): Tensor => {
  const a = 1 / Math.sqrt(hiddenSize)
  return T.uniform(key, shape, -a, a, dtype)
}

/**
 * A random (semi-)orthogonal matrix `[rows, cols]`: Gram–Schmidt on Gaussian columns, in f64
 * (Saxe et al. 2014). Rows are orthonormal when rows ≤ cols, columns otherwise.
 *
 * @example
 * const Q = orthogonal(T.key(1), [3, 3], 'f64')
 * const I = T.matmul(Q, Q, { transposeB: true })
 * assert.ok(T.item(T.max(T.abs(T.sub(I, T.eye(3, 3, 'f64'))))) < 1e-12)
 */
export const orthogonal = (
  key: Key,
  shape: readonly [number, number],
  dtype: DType = 'f32',
  gain = 1,
): Tensor => {
  const [rows, cols] = shape
  const [n, m] = rows >= cols ? [rows, cols] : [cols, rows]
  // m orthonormal vectors of length n, as the columns of an n×m matrix.
  const g = T.toTypedArray(T.randn(key, [m, n], 'f64'))
  const q = new Float64Array(m * n)
  for (let j = 0; j < m; j++) {
    const v = g.slice(j * n, (j + 1) * n) as Float64Array
    for (let pass = 0; pass < 2; pass++) {
      for (let i = 0; i < j; i++) {
        let d = 0
        for (let k = 0; k < n; k++) d += v[k] * q[i * n + k]
        for (let k = 0; k < n; k++) v[k] -= d * q[i * n + k]
      }
    }
    const norm = Math.hypot(...v)
    for (let k = 0; k < n; k++) q[j * n + k] = (gain * v[k]) / norm
  }
  const Q = T.tensor(q, { shape: [m, n], dtype: 'f64' })
  const out = rows >= cols ? T.transpose(Q) : Q
  return T.cast(out, dtype)
}

/**
 * `gain · I` of shape `[n, n]`: the IRNN recurrent initialisation (Lecture §4.5; Le, Jaitly &
 * Hinton 2015).
 *
 * @example
 * assert.deepStrictEqual(T.toArray(identity(2, 'f64', 0.5)), [[0.5, 0], [0, 0.5]])
 */
export const identity = (n: number, dtype: DType = 'f32', gain = 1): Tensor => T.mul(T.eye(n, n, dtype), gain)

/**
 * Sets the forget-gate slice `[H, 2H)` of an LSTM bias `[4H]` (gate order i, f, g, o) to `value`
 * (Jozefowicz et al. 2015 recommend 1: start by remembering, Lecture §3.1).
 *
 * @example
 * const b = forgetBias(T.zeros([8], 'f64'), 2, 1)
 * assert.deepStrictEqual(T.toArray(b), [0, 0, 1, 1, 0, 0, 0, 0])
 */
export const forgetBias = (bias: Tensor, hiddenSize: number, value = 1): Tensor => {
  const H = hiddenSize
  const [i, , g] = [T.slice(bias, [0], [H]), null, T.slice(bias, [2 * H])]
  return T.concat([i, T.full([H], value, bias.dtype), g])
}
