/**
 * The copy task (Lecture §5.7; Graves et al. 2014, §4.1): the network reads a sequence of L
 * random bit vectors, then a delimiter, and must then write the same L vectors back with no
 * further input. Every input step has `bits` + 1 channels, the last one the delimiter:
 *
 *   t = 0 … L − 1:     x_t = (v_t, 0),   v_t ∈ {0, 1}^bits uniformly at random
 *   t = L:             x_t = (0, 1)                       (the delimiter)
 *   t = L + 1 … 2L:    x_t = 0,          target y_{t−L−1} = v_{t−L−1}
 *
 * so a batch is 2L + 1 input steps and L target steps. All sequences of a batch have the same
 * length L, given or drawn uniformly from minLength…maxLength.
 */
import type { DType, Key, Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'

/** A batch of the copy task: inputs `[2L + 1, B, bits + 1]` and targets `[L, B, bits]`, time-major. */
export interface CopyBatch {
  readonly inputs: Tensor
  readonly targets: Tensor
  /** L, the number of vectors to copy. */
  readonly length: number
}

/** A copy-task batch's size: B sequences of `length` vectors (or of a length drawn from the range). */
export interface CopyTaskOptions {
  readonly batch: number
  /** The bits of each vector (default 8). */
  readonly bits?: number
  /** L for every sequence of the batch; when absent, drawn uniformly from minLength…maxLength. */
  readonly length?: number
  /** The range L is drawn from (defaults 1 and 10). */
  readonly minLength?: number
  readonly maxLength?: number
  /** The dtype of inputs and targets (default f32). */
  readonly dtype?: DType
}

const positive = (name: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new T.ArgumentError(`copyTask: ${name} must be a positive integer, got ${String(v)}`)
  return v
}

/**
 * Draws a seeded batch of the copy task (Lecture §5.7): B sequences of L random `bits`-bit
 * vectors, a delimiter step, then L blank steps during which the targets are the vectors in
 * order. The same key and options give the same batch; L is drawn from `foldIn(key, 0)` and the
 * bits from `foldIn(key, 1)` (so a given L does not change the bits drawn for it).
 *
 * @example
 * const { inputs, targets, length } = copyTask(T.key(0), { batch: 2, bits: 3, length: 4 })
 * assert.deepStrictEqual([T.shape(inputs), T.shape(targets), length], [[9, 2, 4], [4, 2, 3], 4])
 * const x = T.toArray(inputs)
 * assert.deepStrictEqual(x[4], [[0, 0, 0, 1], [0, 0, 0, 1]]) // the delimiter
 * assert.deepStrictEqual(x.slice(0, 4).map((step) => step[0].slice(0, 3)), T.toArray(targets).map((step) => step[0]))
 * // Without a length, L is drawn from minLength…maxLength.
 * const drawn = copyTask(T.key(3), { batch: 1, minLength: 2, maxLength: 5 }).length
 * assert.ok(drawn >= 2 && drawn <= 5)
 */
export const copyTask = (key: Key, options: CopyTaskOptions): CopyBatch => {
  if (typeof options !== 'object' || options === null)
    throw new T.ArgumentError(`copyTask: options must be { batch, … }, got ${String(options)}`)
  const B = positive('batch', options.batch)
  const bits = positive('bits', options.bits ?? 8)
  const dtype = options.dtype ?? 'f32'
  if (dtype !== 'f32' && dtype !== 'f64')
    throw new T.ArgumentError(`copyTask: dtype must be f32 or f64, got ${String(dtype)}`)
  let L: number
  if (options.length !== undefined) L = positive('length', options.length)
  else {
    const lo = positive('minLength', options.minLength ?? 1)
    const hi = positive('maxLength', options.maxLength ?? 10)
    if (hi < lo) throw new T.ArgumentError(`copyTask: maxLength (${hi}) must be ≥ minLength (${lo})`)
    L = lo + Math.floor(T.toTypedArray(T.uniform(T.foldIn(key, 0), [1], 0, 1, 'f64'))[0] * (hi - lo + 1))
  }
  const drawn = T.toTypedArray(T.bernoulli(T.foldIn(key, 1), 0.5, [L, B, bits]))
  const C = bits + 1
  const inputs = new Float64Array((2 * L + 1) * B * C)
  for (let t = 0; t < L; t++)
    for (let b = 0; b < B; b++)
      for (let i = 0; i < bits; i++) inputs[(t * B + b) * C + i] = drawn[(t * B + b) * bits + i]
  for (let b = 0; b < B; b++) inputs[(L * B + b) * C + bits] = 1
  return {
    inputs: T.tensor(inputs, { shape: [2 * L + 1, B, C], dtype }),
    targets: T.tensor(Float64Array.from(drawn, Number), { shape: [L, B, bits], dtype }),
    length: L,
  }
}

/**
 * The bit error rate of predicted logits against target bits (Lecture §5.7's copy-task
 * measure): the share of bits where the prediction, 1 when the logit is > 0 (probability > ½),
 * differs from the target. Any matching shapes.
 *
 * @example
 * assert.strictEqual(bitErrorRate(T.tensor([[3, -2], [-1, 0.5]]), T.tensor([[1, 0], [1, 1]])), 0.25)
 */
export const bitErrorRate = (logits: Tensor, targets: Tensor): number => {
  if (!T.isTensor(logits) || !T.isTensor(targets) || T.showShape(logits.shape) !== T.showShape(targets.shape))
    throw new T.ShapeError(
      `bitErrorRate: logits and targets must be tensors of one shape, got ${T.isTensor(logits) ? T.showShape(logits.shape) : typeof logits} and ${T.isTensor(targets) ? T.showShape(targets.shape) : typeof targets}`,
    )
  if (logits.size === 0) throw new T.ArgumentError('bitErrorRate: no bits to compare (empty tensors)')
  const z = T.toTypedArray(logits)
  const y = T.toTypedArray(targets)
  let wrong = 0
  for (let i = 0; i < z.length; i++) if (z[i] > 0 !== y[i] > 0.5) wrong++
  return wrong / z.length
}
