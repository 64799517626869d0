/**
 * Dot-product attention (Lecture §5.7: a controller reads from a memory with a reading head whose
 * position it learns). The memory is the encoder's states; each decoder state is a query; the
 * reading head is a softmax over the memory's valid positions. Composed of existing ops
 * (`matmul`, `where`, `softmax`), so its gradient is autograd's.
 */
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'

/** What attention reads: the context vectors and the weights that read them. */
export interface Attended {
  /** c_t = Σ_i a_{t,i} m_i, time-major `[Tq, B, H]`. */
  readonly context: Tensor
  /** a_{t,i}, `[Tq, B, Ts]`: each row a distribution over the valid memory positions. */
  readonly weights: Tensor
}

/**
 * Dot-product attention over a memory (Lecture §5.7; Luong et al. 2015's "dot" score): for every
 * query q_t and memory slot m_i of the same sequence b,
 *
 *   s_{t,i} = q_t · m_i,   a_t = softmax_i(s_{t,i}) over i < length_b,   c_t = Σ_i a_{t,i} m_i
 *
 * Shapes: queries `[Tq, B, H]`, memory `[Ts, B, H]` (time-major, as the layers), `lengths` B
 * integers in 1…Ts (default all Ts); context `[Tq, B, H]`, weights `[Tq, B, Ts]` (0 on padding).
 *
 * @example
 * const memory = T.tensor([[[1, 0]], [[0, 1]], [[9, 9]]]) // Ts = 3, B = 1; slot 2 is padding
 * const query = T.tensor([[[20, 0]]]) // points at slot 0
 * const { context, weights } = dotAttention(query, memory, [2])
 * const a = T.toArray(weights)[0][0]
 * assert.ok(a[0] > 0.999 && a[2] === 0)
 * assert.ok(Math.abs(T.toArray(context)[0][0][0] - 1) < 1e-6)
 */
export const dotAttention = (queries: Tensor, memory: Tensor, lengths?: readonly number[]): Attended => {
  if (!T.isTensor(queries) || queries.rank !== 3)
    throw new T.ShapeError(
      `dotAttention: queries must be [Tq, B, H], got ${T.isTensor(queries) ? T.showShape(queries.shape) : typeof queries}`,
    )
  if (!T.isTensor(memory) || memory.rank !== 3)
    throw new T.ShapeError(
      `dotAttention: memory must be [Ts, B, H], got ${T.isTensor(memory) ? T.showShape(memory.shape) : typeof memory}`,
    )
  const [Ts, B, H] = memory.shape
  if (queries.shape[1] !== B || queries.shape[2] !== H)
    throw new T.ShapeError(
      `dotAttention: queries ${T.showShape(queries.shape)} and memory ${T.showShape(memory.shape)} must agree on B and H`,
    )
  if (Ts === 0) throw new T.ArgumentError('dotAttention: memory must have at least one position (Ts ≥ 1)')
  const ls = lengths ?? Array(B).fill(Ts)
  if (!Array.isArray(ls) || ls.length !== B)
    throw new T.ArgumentError(`dotAttention: lengths must be ${B} integers, got ${String(lengths)}`)
  ls.forEach((l, b) => {
    if (!Number.isInteger(l) || l < 1 || l > Ts)
      throw new T.ArgumentError(`dotAttention: lengths[${b}] must be an integer in 1…${Ts}, got ${String(l)}`)
  })
  const q = T.transpose(queries, [1, 0, 2]) // [B, Tq, H]
  const m = T.transpose(memory, [1, 0, 2]) // [B, Ts, H]
  const scores = T.matmul(q, m, { transposeB: true }) // [B, Tq, Ts]
  const valid = T.reshape(T.tensor(ls.flatMap((l) => Array.from({ length: Ts }, (_, i) => i < l))), [
    B,
    1,
    Ts,
  ])
  // Padded slots get −∞ before the softmax, so exactly 0 weight (and no gradient).
  const weights = T.softmax(T.where(valid, scores, Number.NEGATIVE_INFINITY), { axis: -1 })
  const context = T.matmul(weights, m) // [B, Tq, H]
  return {
    context: T.transpose(context, [1, 0, 2]),
    weights: T.transpose(weights, [1, 0, 2]),
  }
}
