/**
 * Lecture §4.4: why RNN training is hard, and not because of the sigmoid. A 1000-step linear
 * RNN with memory weight w, input 1 at the first step and 0 after, has y¹⁰⁰⁰ = w⁹⁹⁹. The same
 * weight is used at every step, so its effect explodes or vanishes: the gradient
 * ∂y/∂w = 999·w⁹⁹⁸ is huge for w = 1.01 and tiny for w = 0.99.
 */
import { grad } from '@recurrent/autograd'
import { elman, rnn } from '@recurrent/cells'
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'

/** The lecture's memory weights. */
export const MEMORY_WEIGHTS = [1, 1.01, 0.99, 0.01] as const

const cell = elman({ activation: 'identity', bias: false })

/** y at the last of `steps` steps of h_t = x_t + w·h_{t−1}, x = 1, 0, 0, … (BPTT gives ∂y/∂w). */
const lastOutput = (w: Tensor, steps: number): Tensor => {
  const xs = T.tensor(
    Array.from({ length: steps }, (_, t) => [[t === 0 ? 1 : 0]]),
    { dtype: 'f64' },
  )
  const { output } = rnn(cell).apply({ W_ih: T.ones([1, 1], 'f64'), W_hh: T.reshape(w, [1, 1]) }, xs)
  return T.reshape(T.slice(output, [steps - 1, 0, 0], [1, 1, 1]), [])
}

/**
 * y¹⁰⁰⁰ and ∂y¹⁰⁰⁰/∂w for a memory weight w, by running the network and by backpropagation
 * through time.
 *
 * @example
 * const { y } = explodingGradient(1.01)
 * assert.ok(Math.abs(y - 20751.64) < 0.01)
 */
export const explodingGradient = (w: number, steps = 1000): { y: number; dydw: number } => {
  const wt = T.tensor(w, { dtype: 'f64' })
  return { y: T.item(lastOutput(wt, steps)), dydw: T.item(grad((v: Tensor) => lastOutput(v, steps))(wt)) }
}
