/**
 * Cross-entropy (Lecture §4.1): at every time step, the cross-entropy between the output
 * distribution y^t = softmax(logits) and the reference slot; the loss sums (or averages) over
 * steps and sentences. Computed from logits with log-sum-exp, so logits of ±1e4 are fine:
 *
 *   ℓ_n = −log softmax(logits_n)[target_n] = logSumExp(logits_n) − logits_n[target_n]
 */

import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { type Reduction, reduce } from './reduction.ts'

export interface CrossEntropyOptions {
  /** `'mean'` (default: over non-ignored targets, as PyTorch), `'sum'` or `'none'`. */
  readonly reduction?: Reduction
  /** Targets equal to this index contribute nothing (padding; PyTorch's default −100). */
  readonly ignoreIndex?: number
}

/**
 * Cross-entropy of `logits [..., C]` (e.g. `[N, C]` or `[T, B, C]`) against class indices
 * `targets [...]` (i32, or numbers). With `'none'` the result has the targets' shape.
 *
 * @example
 * const logits = T.tensor([[0, 0], [10, -10]], { dtype: 'f64' })
 * const loss = crossEntropy(logits, [1, 0], { reduction: 'none' })
 * assert.ok(Math.abs(T.toArray(loss)[0] - Math.log(2)) < 1e-12)
 */
export const crossEntropy = (
  logits: Tensor,
  targets: Tensor | readonly number[],
  options: CrossEntropyOptions = {},
): Tensor => {
  const { reduction = 'mean', ignoreIndex = -100 } = options
  const t = T.isTensor(targets) ? targets : T.tensor([...targets], { dtype: 'i32' })
  if (t.dtype !== 'i32')
    throw new T.DTypeError(`crossEntropy: targets must be i32 class indices, got ${t.dtype}`)
  if (!T.isFloat(logits.dtype))
    throw new T.DTypeError(`crossEntropy: logits must be f32 or f64, got ${logits.dtype}`)
  const C = logits.shape[logits.rank - 1]
  if (logits.rank < 1 || T.showShape(t.shape) !== T.showShape(logits.shape.slice(0, -1))) {
    throw new T.ShapeError(
      `crossEntropy: logits ${T.showShape(logits.shape)} need targets of shape ${T.showShape(logits.shape.slice(0, -1))}, got ${T.showShape(t.shape)}`,
    )
  }
  const raw = T.toTypedArray(t)
  const safe = new Int32Array(raw.length)
  const keep = new Uint8Array(raw.length)
  raw.forEach((c, i) => {
    if (c === ignoreIndex) return
    if (c < 0 || c >= C)
      throw new T.ArgumentError(`crossEntropy: target ${c} at position ${i} is out of range [0, ${C})`)
    safe[i] = c
    keep[i] = 1
  })
  const mask = T.tensor(keep, { shape: t.shape, dtype: 'bool' })
  const picked = T.sum(
    T.mul(T.logSoftmax(logits), T.oneHot(T.tensor(safe, { shape: t.shape, dtype: 'i32' }), C, logits.dtype)),
    { axis: -1 },
  )
  const losses = T.where(mask, T.neg(picked), 0)
  return reduce(
    'crossEntropy',
    losses,
    reduction,
    keep.reduce((s, k) => s + k, 0),
  )
}
