/**
 * Readouts for many-to-one models (Lecture §5.1): the one vector per sequence that a classifier
 * or regressor reads after an RNN has consumed the whole input. `finalHidden` takes it from the
 * final state of any layer, `lastOutput` from the output sequence at each sequence's last step.
 */

import type { Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'

const describe = (x: unknown): string =>
  x === null ? 'null' : Array.isArray(x) ? 'an empty array' : T.isTensor(x) ? T.showShape(x.shape) : typeof x

/** `finalHidden` below, with the path of `state` being read, for messages. */
const hiddenAt = (state: unknown, path: string): Tensor => {
  if (T.isTensor(state)) {
    if (state.rank !== 2)
      throw new T.ShapeError(`finalHidden: ${path} has shape ${T.showShape(state.shape)}, expected [B,H]`)
    return state
  }
  if (Array.isArray(state) && state.length > 0)
    return hiddenAt(state[state.length - 1], `${path}[${state.length - 1}]`)
  if (state !== null && typeof state === 'object' && !Array.isArray(state)) {
    const s = state as Record<string, unknown>
    if ('forward' in s && 'backward' in s) {
      const forward = hiddenAt(s.forward, `${path}.forward`)
      const backward = hiddenAt(s.backward, `${path}.backward`)
      if (forward.shape[0] !== backward.shape[0])
        throw new T.ShapeError(
          `finalHidden: ${path}.forward ${T.showShape(forward.shape)} and ${path}.backward ${T.showShape(backward.shape)} have different batch sizes`,
        )
      return T.concat([forward, backward], 1)
    }
    if ('h' in s) return hiddenAt(s.h, `${path}.h`)
  }
  throw new T.ArgumentError(
    `finalHidden: ${path} must be a layer's state (a [B,H] tensor, { h, … }, { forward, backward } or a non-empty array of states), got ${describe(state)}`,
  )
}

/**
 * The hidden vector h_T `[B, H]` of a layer's final state, whatever the cell (Lecture §5.1: a
 * many-to-one model reads the state after each sequence's last valid step):
 *
 *   finalHidden(h) = h (elman, irnn, gru; jordan's state, its fed-back output y),
 *   finalHidden({ h, c }) = h (lstm; likewise scrn's { h, s } and clockwork's { h, t }),
 *   finalHidden({ forward, backward }) = [finalHidden(forward), finalHidden(backward)] (bidirectional, `[B, 2H]`),
 *   finalHidden([s_1, …, s_L]) = finalHidden(s_L) (stack: the last layer's).
 *
 * For a bidirectional layer the backward half is the backward reader's state after step 0, so
 * both halves have seen the whole sequence. Throws ArgumentError for anything else.
 *
 * @example
 * const layer = bidirectional(rnn(lstm()))
 * const p = layer.init(T.key(0), { inputSize: 2, hiddenSize: 3 })
 * const { state } = layer.apply(p, T.ones([4, 5, 2]), { lengths: [4, 3, 2, 1, 0] })
 * assert.deepStrictEqual(T.shape(finalHidden(state)), [5, 6])
 * assert.deepStrictEqual(T.toArray(finalHidden(state))[4], [0, 0, 0, 0, 0, 0]) // length 0: the zero state
 * assert.strictEqual(finalHidden({ h: T.ones([2, 3]), c: T.zeros([2, 3]) }).shape[1], 3)
 */
export const finalHidden = (state: Tree): Tensor => hiddenAt(state, 'state')

/**
 * The output at each sequence's last valid step (Lecture §5.1's many-to-one readout from the
 * output sequence):
 *
 *   lastOutput(y, ℓ)[b] = y[ℓ_b − 1, b]   (zeros where ℓ_b = 0; ℓ_b = T without lengths).
 *
 * Shapes: output `[T, B, F]`, lengths `[B]` (a tensor or numbers, each in [0, T]) → `[B, F]`.
 * Differentiable: the gradient reaches only the steps read. For a unidirectional `rnn(cell)`
 * whose output is its hidden state (elman, gru, lstm) it equals `finalHidden` of the final state.
 *
 * @example
 * const y = T.reshape(T.arange(0, 12), [3, 2, 2]) // steps 0, 1, 2 of two sequences
 * assert.deepStrictEqual(T.toArray(lastOutput(y)), [[8, 9], [10, 11]])
 * assert.deepStrictEqual(T.toArray(lastOutput(y, [1, 0])), [[0, 1], [0, 0]])
 */
export const lastOutput = (output: Tensor, lengths?: Tensor | readonly number[]): Tensor => {
  if (!T.isTensor(output))
    throw new T.ArgumentError(`lastOutput: output must be a tensor [T,B,F], got ${describe(output)}`)
  if (output.rank !== 3)
    throw new T.ShapeError(`lastOutput: output has shape ${T.showShape(output.shape)}, expected [T,B,F]`)
  const [steps, batch, features] = output.shape
  if (lengths === undefined) {
    if (steps === 0) return T.zeros([batch, features], output.dtype)
    return T.reshape(T.slice(output, [steps - 1, 0, 0], [1, batch, features]), [batch, features])
  }
  const ls = T.readLengths('lastOutput', 'lengths', lengths, { batch, max: steps })
  const last = Array.from({ length: steps }, (_, t) => ls.map((l) => t === l - 1))
  const mask = T.tensor(last.flat(), { dtype: 'bool', shape: [steps, batch, 1] })
  return T.sum(T.where(mask, output, 0), { axis: 0 })
}
