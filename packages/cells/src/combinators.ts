/**
 * Layer combinators: `stack` (a deep RNN, Lecture §2.4) and `bidirectional` (§2.6). They work
 * on any `Layer`, so a user's own cell gets both for free.
 */

import type { Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { checkLayerArgs } from './check.ts'
import { type Layer, reverseSequences } from './rnn.ts'

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
 * @example
 * const deep = stack([rnn(lstm()), rnn(lstm())])
 * const p = deep.init(T.key(0), { inputSize: 3, hiddenSize: 4 })
 * const { output, state } = deep.apply(p, T.ones([2, 1, 3]))
 * assert.deepStrictEqual(T.shape(output), [2, 1, 4])
 * assert.strictEqual(state.length, 2)
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

export interface BidirectionalOptions {
  /** How y_t combines the two directions: concatenation (default) or sum. */
  readonly merge?: 'concat' | 'sum'
}

/**
 * Bidirectional RNN (§2.6): one copy of the layer reads forward, one reads each sequence
 * backward (within its length); y_t is made from both states at t, so every output sees the
 * whole sequence. Params and states are `{ forward, backward }`, each of the layer's type.
 *
 * @example
 * const bi = bidirectional(rnn(gru()))
 * const p = bi.init(T.key(0), { inputSize: 2, hiddenSize: 3 })
 * assert.deepStrictEqual(T.shape(bi.apply(p, T.ones([4, 1, 2])).output), [4, 1, 6])
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
      return { forward: layer.init(kf, o), backward: layer.init(kb, o) }
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
