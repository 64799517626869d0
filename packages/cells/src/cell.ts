/**
 * What a recurrent cell is (Lecture §2.1, §2.3): one pure step `(params, state, x) → [state, y]`
 * applied again and again with the same weights. A cell is a value with three functions; every
 * combinator (`scan`, `rnn`, `stack`, `bidirectional`, masking) works on any cell, built in or not.
 */

import type { DType, Key, Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'

/** Sizes and dtype a cell's parameters are created with. */
export interface CellOptions {
  readonly inputSize: number
  readonly hiddenSize: number
  readonly dtype?: DType
}

/**
 * A recurrent cell. `step` maps a state and an input `x` of shape `[B, inputSize]` to the next
 * state and the output `y` of shape `[B, outputSize]`.
 *
 * The two optional members are a fast path: `inputProjection` computes the input half of every
 * step at once (one `[T·B, I] × [I, G·H]` product, hoisted out of the time loop), and
 * `stepProjected` finishes a step from its slice. The fast paths of the built-in cells live in
 * `fast/`. They must agree with `step`, which stays the
 * readable definition and the oracle they are tested against.
 */
export interface Cell<P extends Tree = any, S extends Tree = any> {
  readonly name: string
  init(key: Key, options: CellOptions): P
  initialState(params: P, batch: number): S
  step(params: P, state: S, x: Tensor): [S, Tensor]
  outputSize(params: P): number
  inputSize(params: P): number
  inputProjection?(params: P, xs: Tensor): Tensor
  stepProjected?(params: P, state: S, projected: Tensor): [S, Tensor]
  /**
   * Optional: the whole recurrence over projected inputs `[T, B, G·H]` at once, with per-sequence
   * lengths (padded steps keep the state and output 0). Must equal folding `stepProjected`.
   */
  scanProjected?(params: P, state: S, projected: Tensor, lengths: readonly number[]): [S, Tensor]
  /**
   * Optional, beside `scanProjected`: the whole layer over raw inputs `[T, B, I]`, where the cell
   * has a faster way for these arguments than projecting the inputs first (the WebAssembly
   * recurrence projects them inside its own call); undefined where it has none, and `rnn` then
   * projects and runs `scanProjected`. Must equal
   * `scanProjected(params, state, inputProjection(params, inputs), lengths)`.
   */
  scan?(params: P, state: S, inputs: Tensor, lengths: readonly number[]): [S, Tensor] | undefined
}

/** Activation functions a cell can be built with (Lecture §3.2 uses linear `g` and `h`): `T.ACTIVATIONS`. */
export type Activation = T.Activation

/**
 * Applies a named activation elementwise (any shape in, the same shape out): `σ(x)` by the rule
 * of `T.ACTIVATION_RULES`.
 *
 * @example
 * assert.deepStrictEqual(T.toArray(activate('relu', T.tensor([-1, 2]))), [0, 2])
 */
export const activate = (name: Activation, x: Tensor): Tensor => T.ACTIVATION_RULES[name].op(x)

/**
 * `x·Wᵀ + b` with PyTorch's weight layout: x `[..., in]`, W `[out, in]`, b `[out]` (optional)
 * → `[..., out]`. Every transform of the lecture's cells is one of these.
 *
 * @example
 * const y = affine(T.tensor([[1, 2]]), T.tensor([[1, 0], [1, 1], [0, 2]]), T.tensor([0, 0, 1]))
 * assert.deepStrictEqual(T.toArray(y), [[1, 3, 5]])
 */
export const affine = (x: Tensor, W: Tensor, b?: Tensor): Tensor =>
  b === undefined
    ? T.matmul(x, W, { transposeB: true })
    : T.fusedMatmul(x, W, { transposeB: true, addend: b })

/**
 * Splits fused pre-activations `[B, count·H]` into `count` gates of `[B, H]` each (Lecture §3.4:
 * the gate transforms are one product; the LSTM's order is i, f, g, o and the GRU's r, z, n).
 *
 * @example
 * const [a, b] = splitGates(T.tensor([[1, 2, 3, 4]]), 2)
 * assert.deepStrictEqual([T.toArray(a), T.toArray(b)], [[[1, 2]], [[3, 4]]])
 */
export const splitGates = (z: Tensor, count: number): Tensor[] => {
  const H = z.shape[1] / count
  return Array.from({ length: count }, (_, k) => T.slice(z, [0, k * H], [z.shape[0], H]))
}

/** Checks that sizes are positive integers. */
export const checkSizes = (cell: string, options: CellOptions): void => {
  for (const k of ['inputSize', 'hiddenSize'] as const) {
    const v = options[k]
    if (!Number.isInteger(v) || v < 1)
      throw new T.ArgumentError(`${cell}.init: ${k} must be a positive integer, got ${v}`)
  }
}
