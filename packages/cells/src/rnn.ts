/**
 * `rnn(cell)`: a cell run over a whole sequence `[T, B, F]` (time-major, as PyTorch), with
 * optional per-sequence lengths. Padded steps neither change the state nor receive gradient,
 * and their outputs are 0. Many-to-many uses `output`; many-to-one (Lecture §5.1) uses `state`,
 * which is the state after each sequence's last valid step.
 *
 * Layers stay time-major throughout (`stack`, `bidirectional` and `lengths` all read axis 0 as
 * time); PyTorch's `batch_first` is handled at the interop boundary, where `torchApply`
 * transposes `[B, T, ·]` in and out.
 */

import type { DType, Key, Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import type { Cell } from './cell.ts'
import { checkLayerArgs, sizeOption } from './check.ts'
import { scan } from './scan.ts'

/** Options of one application of a layer. */
export interface ApplyOptions<S> {
  /** The state before the first step (default: the cell's zeros). */
  readonly state0?: S
  /** Valid length of each sequence (i32 `[B]` or numbers); steps at t ≥ length are padding. */
  readonly lengths?: Tensor | readonly number[]
}

/**
 * Sizes and dtype a sequence layer's parameters are created with: the common form
 * `{ inputSize, outputSize }` that every layer takes (`dense` and `embedding` too), or a
 * recurrent layer's own `{ inputSize, hiddenSize }`. What `outputSize` means is in each layer's
 * documentation (`rnn`: the hidden size H; `bidirectional`: the merged output's size; `stack`:
 * every layer's). Both given and different is an ArgumentError.
 */
export type LayerOptions = {
  readonly inputSize: number
  readonly dtype?: DType
} & (
  | { readonly hiddenSize: number; readonly outputSize?: number }
  | { readonly hiddenSize?: number; readonly outputSize: number }
)

/** A sequence layer: parameters, and a pure `apply` over `[T, B, F]`. */
export interface Layer<P extends Tree = any, S extends Tree = any> {
  readonly name: string
  init(key: Key, options: LayerOptions): P
  initialState(params: P, batch: number): S
  apply(params: P, xs: Tensor, options?: ApplyOptions<S>): { output: Tensor; state: S }
  outputSize(params: P): number
  /** The feature size F of the sequences `apply` reads. */
  inputSize(params: P): number
}

export interface RnnOptions {
  /** Use the cell's fast path (hoisted input projection) when it has one (default true). */
  readonly fast?: boolean
}

/** Per-step validity masks (bool `[B]`), or undefined when no step is padding. */
const stepMasks = (ls: readonly number[] | undefined, steps: number): (Tensor | undefined)[] =>
  Array.from({ length: steps }, (_, t) =>
    ls?.some((l) => t >= l) ? T.tensor(ls.map((l) => t < l)) : undefined,
  )

/**
 * `where(mask, next, prev)` for every leaf of a state: mask bool `[B]`, each leaf `[B, …]`, the
 * mask broadcast over its trailing axes (how padded steps keep the state).
 *
 * @example
 * const s = selectState(T.tensor([true, false]), { h: T.ones([2, 2]) }, { h: T.zeros([2, 2]) })
 * assert.deepStrictEqual(T.toArray(s.h), [[1, 1], [0, 0]])
 */
export const selectState = <S extends Tree>(mask: Tensor, next: S, prev: S): S =>
  T.treeMapN([next, prev], ([n, p]) =>
    T.where(T.reshape(mask, [mask.size, ...Array(n.rank - 1).fill(1)]), n, p),
  )

/**
 * Turns a cell into a layer over `[T, B, F]` (Lecture §2.3: the same step at every time):
 * `(h_t, y_t) = step(h_{t−1}, x_t)` for t = 1…T, xs `[T, B, inputSize]` → output `[T, B, O]` and
 * the final state.
 *
 * `init` takes `{ inputSize, hiddenSize }` or the common form `{ inputSize, outputSize }`, where
 * `outputSize` is the hidden size H (the output size O of elman, irnn, gru, lstm and clockwork;
 * jordan's O is its own `outputSize` option, scrn's is H + its context size, a projected lstm's
 * is its `projSize`). Giving both with different values is an ArgumentError naming both.
 *
 * @example
 * const layer = rnn(gru())
 * const p = layer.init(T.key(0), { inputSize: 2, hiddenSize: 3 })
 * const { output, state } = layer.apply(p, T.ones([5, 4, 2]), { lengths: [5, 3, 1, 0] })
 * assert.deepStrictEqual(T.shape(output), [5, 4, 3])
 * assert.deepStrictEqual(T.toArray(output)[4][2], [0, 0, 0]) // padding gives 0
 * // The common form: outputSize is the hidden size.
 * assert.deepStrictEqual(T.shape(layer.init(T.key(0), { inputSize: 2, outputSize: 3 }).W_hh), [9, 3])
 */
export const rnn = <P extends Tree, S extends Tree>(
  cell: Cell<P, S>,
  options: RnnOptions = {},
): Layer<P, S> => {
  const fast =
    (options.fast ?? true) && cell.inputProjection !== undefined && cell.stepProjected !== undefined
  const layer: Layer<P, S> = {
    name: `rnn(${cell.name})`,
    init: (key, o) =>
      cell.init(key, { ...o, hiddenSize: sizeOption(`${layer.name}.init`, o, 'hiddenSize', 'outputSize') }),
    initialState: (p, batch) => cell.initialState(p, batch),
    outputSize: (p) => cell.outputSize(p),
    inputSize: (p) => cell.inputSize(p),
    apply: (p, xs, o = {}) => {
      const ls = checkLayerArgs(layer, p, xs, o)
      const [steps, batch] = xs.shape
      const masks = stepMasks(ls, steps)
      const state0 = o.state0 ?? cell.initialState(p, batch)
      // Fast path: the input half of every step in one product, hoisted out of the time loop;
      // and, where the cell has one, the whole recurrence as one op with its own backward pass.
      if (fast && cell.scanProjected) {
        const lengths = ls ?? Array(batch).fill(steps)
        // Where the cell runs the whole layer, projection included, in one op: that op.
        const whole = cell.scan?.(p, state0, xs, lengths)
        if (whole !== undefined) return { output: whole[1], state: whole[0] }
        const [state, output] = cell.scanProjected(p, state0, cell.inputProjection!(p, xs), lengths)
        return { output, state }
      }
      const inputs = fast ? cell.inputProjection!(p, xs) : xs
      const step = fast ? cell.stepProjected!.bind(cell) : cell.step.bind(cell)
      const [state, output] = foldSteps(step, p, state0, inputs, masks)
      return { output, state }
    },
  }
  return layer
}

/** The per-step loop of `rnn`: padded steps (mask false) keep the state and output 0. */
const foldSteps = <P, S extends Tree>(
  step: (p: P, s: S, x: Tensor) => [S, Tensor],
  p: P,
  state0: S,
  inputs: Tensor,
  masks: readonly (Tensor | undefined)[],
): [S, Tensor] => {
  let t = 0
  return scan<S, Tensor>(
    (s, x) => {
      const mask = masks[t++]
      const [next, y] = step(p, s, x)
      if (mask === undefined) return [next, y]
      return [selectState(mask, next, s), T.where(T.reshape(mask, [mask.size, 1]), y, 0)]
    },
    state0,
    T.unstack(inputs),
  )
}

/**
 * A `scanProjected` made of steps: folds `stepProjected` over projected inputs `[T, B, ·]` with
 * per-sequence lengths, exactly as `rnn`'s per-step path does. A cell whose fused op covers only
 * some of its params falls back on it for the others.
 *
 * @example
 * const cell = gru()
 * const p = cell.init(T.key(0), { inputSize: 2, hiddenSize: 3 })
 * const xp = cell.inputProjection(p, T.ones([4, 2, 2]))
 * const [h, ys] = scanSteps(cell.stepProjected, p, cell.initialState(p, 2), xp, [4, 1])
 * assert.deepStrictEqual(T.toArray(ys)[3][1], [0, 0, 0])
 * assert.deepStrictEqual(T.toArray(h)[1], T.toArray(ys)[0][1])
 */
export const scanSteps = <P, S extends Tree>(
  stepProjected: (p: P, s: S, xp: Tensor) => [S, Tensor],
  p: P,
  state0: S,
  projected: Tensor,
  lengths: readonly number[],
): [S, Tensor] => foldSteps(stepProjected, p, state0, projected, stepMasks(lengths, projected.shape[0]))

/**
 * Reverses each sequence within its length (PyTorch's packed-sequence semantics): step t of
 * sequence b goes to `length_b − 1 − t`; padding stays where it is. xs `[T, B, …]`, lengths B
 * numbers (default: all T). Used by `bidirectional` (Lecture §2.6).
 *
 * @example
 * const xs = T.reshape(T.tensor([1, 10, 2, 20, 3, 30]), [3, 2, 1]) // two sequences, lengths 3 and 2
 * assert.deepStrictEqual(T.toArray(reverseSequences(xs, [3, 2])).flat(2), [3, 20, 2, 10, 1, 30])
 */
export const reverseSequences = (xs: Tensor, lengths?: readonly number[]): Tensor => {
  const [steps, batch] = xs.shape
  if (lengths === undefined) return T.stack(T.unstack(xs).reverse())
  const perBatch = T.unstack(xs, 1).map((seq, b) => {
    const l = lengths[b]
    const order = Array.from({ length: steps }, (_, t) => (t < l ? l - 1 - t : t))
    return T.gather(seq, T.tensor(order, { dtype: 'i32' }), 0)
  })
  return batch === 0 ? xs : T.stack(perBatch, 1)
}
