/**
 * Lecture §2.2: the worked example of a recurrent network. Two inputs, two hidden units whose
 * memory starts at 0, two outputs; every weight is 1, there is no bias, every activation is
 * linear. The hidden layer's output is stored in memory and fed back at the next step (§2.1):
 *
 *   h_t = W_ih·x_t + W_hh·h_{t−1},   y_t = W_ho·h_t,   h_0 = 0.
 *
 * Feeding [1,1], [1,1], [2,2] gives [4,4], [12,12], [32,32]; changing the order changes the
 * output: [2,2], [1,1], [1,1] gives [8,8], [20,20], [44,44].
 */

import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'

/** The network's weights: all ones (row-vector convention, `x · W`). */
export const allOnesWeights = (size = 2) => ({
  W_ih: T.ones([size, size], 'f64'),
  W_hh: T.ones([size, size], 'f64'),
  W_ho: T.ones([size, size], 'f64'),
})

/**
 * Runs the §2.2 network over a sequence `xs` of shape `[T, 2]`; returns outputs and memories `[T, 2]`.
 *
 * @example
 * const { outputs } = runAllOnes(T.tensor([[1, 1], [1, 1], [2, 2]], { dtype: 'f64' }))
 * assert.deepStrictEqual(T.toArray(outputs), [[4, 4], [12, 12], [32, 32]])
 */
export const runAllOnes = (
  xs: Tensor,
  weights = allOnesWeights(xs.shape[1]),
): { outputs: Tensor; memories: Tensor } => {
  const ys: Tensor[] = []
  const hs: Tensor[] = []
  let memory = T.zeros([1, xs.shape[1]], xs.dtype)
  for (const x of T.unstack(xs)) {
    memory = T.add(T.matmul(T.reshape(x, [1, -1]), weights.W_ih), T.matmul(memory, weights.W_hh))
    hs.push(T.reshape(memory, [-1]))
    ys.push(T.reshape(T.matmul(memory, weights.W_ho), [-1]))
  }
  return { outputs: T.stack(ys), memories: T.stack(hs) }
}

/** The two input orders the lecture compares. */
export const SECTION_2_2_INPUTS = {
  lecture: [
    [1, 1],
    [1, 1],
    [2, 2],
  ],
  reordered: [
    [2, 2],
    [1, 1],
    [1, 1],
  ],
} as const
