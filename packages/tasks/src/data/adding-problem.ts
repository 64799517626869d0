/**
 * The adding problem (Lecture §4.5; Hochreiter & Schmidhuber 1997, experiment 4): a test of
 * long-range memory. Each step of a sequence is a pair (value, marker); values are drawn from
 * U[0, 1) and exactly two steps are marked, one in the first half of the sequence and one in the
 * second. The target, read after the last step, is the sum of the two marked values:
 *
 *   x_t = (v_t, m_t),   v_t ~ U[0, 1),   m_t = 1 at t ∈ {a, b}, else 0,   y = v_a + v_b,
 *   a ~ U{0, …, ⌈T/2⌉ − 1},   b ~ U{⌈T/2⌉, …, T − 1}
 *
 * The first marked value lies at least T/2 steps before the answer is read, so a network must
 * carry it across that span. A network that ignores the inputs can do no better than predicting
 * the mean target 1, whose MSE is Var(v_a + v_b) = 2/12 ≈ 0.167.
 */
import type { DType, Key, Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'

/** A batch of the adding problem: inputs `[T, B, 2]` (time-major) and targets `[B, 1]`. */
export interface AddingBatch {
  readonly xs: Tensor
  readonly ys: Tensor
}

/** The size of an adding-problem batch. */
export interface AddingProblemOptions {
  /** The sequence length T (an integer ≥ 2). */
  readonly length: number
  /** The number of sequences B (an integer ≥ 1). */
  readonly batch: number
  /** The dtype of inputs and targets (default f32). */
  readonly dtype?: DType
}

const checkPositive = (name: string, value: unknown, min: number): number => {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min)
    throw new T.ArgumentError(`addingProblem: ${name} must be an integer ≥ ${min}, got ${String(value)}`)
  return value
}

/**
 * Draws a seeded batch of the adding problem (Lecture §4.5): `x_t = (v_t, m_t)` with
 * `v_t ~ U[0, 1)`, one marker in each half of the sequence, target `y = Σ_t m_t·v_t`.
 *
 * Shapes: xs `[T, B, 2]` (value, marker), ys `[B, 1]`. The same key gives the same batch.
 *
 * @example
 * const { xs, ys } = addingProblem(T.key(0), { length: 6, batch: 4 })
 * assert.deepStrictEqual([T.shape(xs), T.shape(ys)], [[6, 4, 2], [4, 1]])
 * const x = T.toArray(xs)
 * for (let b = 0; b < 4; b++) {
 *   const marked = x.map((step) => step[b]).filter(([, m]) => m === 1)
 *   assert.strictEqual(marked.length, 2) // exactly two marked steps
 *   const sum = marked[0][0] + marked[1][0]
 *   assert.ok(Math.abs(T.toArray(ys)[b][0] - sum) < 1e-6) // the target is their sum
 * }
 */
export const addingProblem = (key: Key, options: AddingProblemOptions): AddingBatch => {
  if (typeof options !== 'object' || options === null)
    throw new T.ArgumentError(`addingProblem: options must be { length, batch }, got ${String(options)}`)
  const steps = checkPositive('length', options.length, 2)
  const batch = checkPositive('batch', options.batch, 1)
  const dtype = options.dtype ?? 'f32'
  if (dtype !== 'f32' && dtype !== 'f64')
    throw new T.ArgumentError(`addingProblem: dtype must be f32 or f64, got ${String(dtype)}`)
  const [kv, ka, kb] = T.split(key, 3)
  const values = T.toTypedArray(T.uniform(kv, [steps, batch], 0, 1, dtype))
  const half = Math.ceil(steps / 2)
  const ua = T.toTypedArray(T.uniform(ka, [batch], 0, 1, 'f64'))
  const ub = T.toTypedArray(T.uniform(kb, [batch], 0, 1, 'f64'))
  const xs = new Float64Array(steps * batch * 2)
  const ys = new Float64Array(batch)
  for (let b = 0; b < batch; b++) {
    const a = Math.floor(ua[b] * half)
    const c = half + Math.floor(ub[b] * (steps - half))
    for (let t = 0; t < steps; t++) xs[(t * batch + b) * 2] = values[t * batch + b]
    xs[(a * batch + b) * 2 + 1] = 1
    xs[(c * batch + b) * 2 + 1] = 1
    ys[b] = values[a * batch + b] + values[c * batch + b]
  }
  return {
    xs: T.tensor(xs, { shape: [steps, batch, 2], dtype }),
    ys: T.tensor(ys, { shape: [batch, 1], dtype }),
  }
}

/**
 * The MSE of the best constant prediction on a batch: predicting the mean target ȳ,
 * `(1/B)·Σ_b (y_b − ȳ)²` (Lecture §4.5's "no memory" baseline; ≈ 2/12 for the adding problem).
 *
 * Shapes: ys `[B, 1]` (or any shape; every element is one target).
 *
 * @example
 * assert.strictEqual(meanPredictorMse(T.tensor([[0], [2]])), 1)
 * const { ys } = addingProblem(T.key(1), { length: 10, batch: 4000 })
 * assert.ok(Math.abs(meanPredictorMse(ys) - 2 / 12) < 0.01)
 */
export const meanPredictorMse = (ys: Tensor): number => {
  if (ys === null || typeof ys !== 'object' || !('shape' in ys) || ys.size === 0)
    throw new T.ArgumentError('meanPredictorMse: ys must be a non-empty tensor')
  const d = T.sub(ys, T.mean(ys))
  return T.item(T.mean(T.mul(d, d)))
}
