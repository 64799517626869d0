/**
 * Layer combinators: `stack` (a deep RNN, Lecture §2.4) and `bidirectional` (§2.6). They work
 * on any `Layer`, so a user's own cell gets both for free.
 */

import type { Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { checkLayerArgs, sizeOption } from './check.ts'
import { type Layer, type LayerOptions, reverseSequences } from './rnn.ts'

/** The parameter type of a layer. */
export type ParamsOf<L> = L extends Layer<infer P, any> ? P : never
/** The state type of a layer. */
export type StateOf<L> = L extends Layer<any, infer S> ? S : never
/** `stack`'s params: layer by layer, each layer's params (a tuple for a tuple of layers). */
export type StackParams<Ls extends readonly Layer[]> = { -readonly [K in keyof Ls]: ParamsOf<Ls[K]> }
/** `stack`'s state: layer by layer, each layer's state (a tuple for a tuple of layers). */
export type StackState<Ls extends readonly Layer[]> = { -readonly [K in keyof Ls]: StateOf<Ls[K]> }

/**
 * Layers applied one after another; layer l reads layer l−1's output (§2.4: "it can be deep").
 * Params and states are arrays, one entry per layer, typed layer by layer: `stack([a, b])` has
 * params `[ParamsOf<a>, ParamsOf<b>]` and state `[StateOf<a>, StateOf<b>]`.
 *
 *   y⁰ = xs,   yˡ = layer_l(yˡ⁻¹) for l = 1…L,   output = yᴸ   (shapes `[T, B, ·]`)
 *
 * `init` passes its options to every layer, with layer l's `inputSize` set to layer l−1's output
 * size: `{ inputSize, hiddenSize }` or the common `{ inputSize, outputSize }` gives every layer
 * that size (as each layer reads it), so the stack's output size is its last layer's.
 *
 * @example
 * const deep = stack([rnn(lstm()), rnn(lstm())])
 * const p = deep.init(T.key(0), { inputSize: 3, hiddenSize: 4 })
 * const { output, state } = deep.apply(p, T.ones([2, 1, 3]))
 * assert.deepStrictEqual(T.shape(output), [2, 1, 4])
 * assert.strictEqual(state.length, 2)
 * assert.strictEqual(deep.outputSize(deep.init(T.key(0), { inputSize: 3, outputSize: 5 })), 5)
 */
export const stack = <const Ls extends readonly Layer[]>(
  layers: Ls,
): Layer<StackParams<Ls>, StackState<Ls>> => {
  if (layers.length === 0) throw new T.ArgumentError('stack: needs at least one layer')
  const deep: Layer<any[], any[]> = {
    name: `stack(${layers.map((l) => l.name).join(', ')})`,
    init: (key, o) => {
      const keys = T.split(key, layers.length)
      const params: unknown[] = []
      let inputSize = o.inputSize
      layers.forEach((layer, l) => {
        const p = layer.init(keys[l], { ...o, inputSize })
        params.push(p)
        inputSize = layer.outputSize(p)
      })
      return params
    },
    initialState: (ps, batch) => layers.map((l, i) => l.initialState(ps[i], batch)),
    outputSize: (ps) => layers[layers.length - 1].outputSize(ps[ps.length - 1]),
    inputSize: (ps) => layers[0].inputSize(ps[0]),
    apply: (ps, xs, o = {}) => {
      if (!Array.isArray(ps) || ps.length !== layers.length)
        throw new T.ArgumentError(
          `${deep.name}: params must be an array of ${layers.length} parameter sets, one per layer, got ${Array.isArray(ps) ? ps.length : typeof ps}`,
        )
      checkLayerArgs(deep, ps, xs, o)
      const states: unknown[] = []
      let h = xs
      layers.forEach((layer, l) => {
        const r = layer.apply(ps[l], h, { lengths: o.lengths, state0: o.state0?.[l] })
        h = r.output
        states.push(r.state)
      })
      return { output: h, state: states }
    },
  }
  return deep as Layer<StackParams<Ls>, StackState<Ls>>
}

/**
 * Each direction's init options from `bidirectional`'s: `hiddenSize` is per direction;
 * `outputSize` is the merged size, halved for 'concat'.
 */
const directionOptions = (where: string, o: LayerOptions, merge: 'concat' | 'sum'): LayerOptions => {
  if (o === null || typeof o !== 'object' || o.outputSize === undefined) return o
  const total = sizeOption(where, { outputSize: o.outputSize }, 'hiddenSize', 'outputSize')
  if (merge === 'concat' && total % 2 !== 0)
    throw new T.ArgumentError(
      `${where}: outputSize must be even with merge 'concat' (each direction gives half), got ${total}`,
    )
  const each = merge === 'concat' ? total / 2 : total
  if (o.hiddenSize !== undefined && o.hiddenSize !== each)
    throw new T.ArgumentError(
      `${where}: hiddenSize ${o.hiddenSize} and outputSize ${total} disagree (each direction's size is ${merge === 'concat' ? 'outputSize / 2' : 'outputSize'} = ${each} with merge '${merge}'; give one)`,
    )
  const { outputSize: _, ...rest } = o
  return o.hiddenSize !== undefined ? (rest as LayerOptions) : { ...rest, outputSize: each }
}

export interface BidirectionalOptions {
  /** How y_t combines the two directions: concatenation (default) or sum. */
  readonly merge?: 'concat' | 'sum'
}

/**
 * Bidirectional RNN (§2.6): one copy of the layer reads forward, one reads each sequence
 * backward (within its length); y_t is made from both states at t, so every output sees the
 * whole sequence. Params and states are `{ forward, backward }`, each of the layer's type.
 *
 *   y_t = [→y_t, ←y_t] (merge 'concat', `[T, B, 2O]`)   or   →y_t + ←y_t ('sum', `[T, B, O]`)
 *
 * `init` with `{ inputSize, hiddenSize }` gives each direction that hidden size (as before);
 * with the common `{ inputSize, outputSize }`, `outputSize` is the size of the merged output,
 * so each direction gets `outputSize / 2` ('concat'; an ArgumentError when odd) or `outputSize`
 * ('sum'). Both given and disagreeing is an ArgumentError naming both.
 *
 * @example
 * const bi = bidirectional(rnn(gru()))
 * const p = bi.init(T.key(0), { inputSize: 2, hiddenSize: 3 })
 * assert.deepStrictEqual(T.shape(bi.apply(p, T.ones([4, 1, 2])).output), [4, 1, 6])
 * // The common form names the merged output's size: 3 per direction.
 * assert.strictEqual(bi.outputSize(bi.init(T.key(0), { inputSize: 2, outputSize: 6 })), 6)
 */
export const bidirectional = <P extends Tree, S extends Tree>(
  layer: Layer<P, S>,
  options: BidirectionalOptions = {},
): Layer<{ forward: P; backward: P }, { forward: S; backward: S }> => {
  const merge = options.merge ?? 'concat'
  const bi: Layer<{ forward: P; backward: P }, { forward: S; backward: S }> = {
    name: `bidirectional(${layer.name})`,
    init: (key, o) => {
      const [kf, kb] = T.split(key, 2)
      const each = directionOptions(`${bi.name}.init`, o, merge)
      return { forward: layer.init(kf, each), backward: layer.init(kb, each) }
    },
    initialState: (p, batch) => ({
      forward: layer.initialState(p.forward, batch),
      backward: layer.initialState(p.backward, batch),
    }),
    outputSize: (p) => (merge === 'concat' ? 2 : 1) * layer.outputSize(p.forward),
    inputSize: (p) => layer.inputSize(p.forward),
    apply: (p, xs, o = {}) => {
      if (p === null || typeof p !== 'object' || !('forward' in p) || !('backward' in p))
        throw new T.ArgumentError(`${bi.name}: params must be { forward, backward }, got ${typeof p}`)
      const ls = checkLayerArgs(bi, p, xs, o)
      const fw = layer.apply(p.forward, xs, { lengths: ls, state0: o.state0?.forward })
      const bwRev = layer.apply(p.backward, reverseSequences(xs, ls), {
        lengths: ls,
        state0: o.state0?.backward,
      })
      const bw = reverseSequences(bwRev.output, ls)
      const output: Tensor = merge === 'concat' ? T.concat([fw.output, bw], 2) : T.add(fw.output, bw)
      return { output, state: { forward: fw.state, backward: bwRev.state } }
    },
  }
  return bi
}
