/**
 * The combinators keep their layers' types: `stack` has a tuple of the layers' params and states
 * (a variadic tuple type), `bidirectional` `{ forward, backward }` of its layer's. tsc checks
 * this file (the `@ts-expect-error` lines fail the build if they ever typecheck); the runs check
 * that the values have the structures the types claim.
 */
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  bidirectional,
  type ElmanParams,
  elman,
  type GruParams,
  gru,
  type Layer,
  type LstmParams,
  type LstmState,
  lstm,
  type ParamsOf,
  rnn,
  type StackParams,
  type StackState,
  type StateOf,
  stack,
} from '../src/index.ts'

const options = { inputSize: 2, hiddenSize: 3, dtype: 'f64' as const }
const xs = T.ones([4, 1, 2], 'f64')

describe("stack keeps each layer's types", () => {
  it('params and state are tuples, layer by layer', () => {
    const deep = stack([rnn(lstm()), rnn(gru()), rnn(elman())])
    expectTypeOf(deep).toEqualTypeOf<
      Layer<[LstmParams, GruParams, ElmanParams], [LstmState, Tensor, Tensor]>
    >()
    const p = deep.init(T.key(0), options)
    expectTypeOf(p[0].W_ih).toEqualTypeOf<Tensor>()
    expectTypeOf(p[0]).toEqualTypeOf<LstmParams>()
    expectTypeOf(p[1]).toEqualTypeOf<GruParams>()
    const { state } = deep.apply(p, xs)
    expectTypeOf(state).toEqualTypeOf<[LstmState, Tensor, Tensor]>()
    expect(T.shape(state[0].c)).toEqual([1, 3])
    expect(T.shape(state[2])).toEqual([1, 3])
    expect(p.length).toBe(3)
  })

  it('a list of layers known only at run time gives arrays', () => {
    const layers = Array.from({ length: 3 }, () => rnn(gru()))
    const deep = stack(layers)
    expectTypeOf(deep).toEqualTypeOf<Layer<GruParams[], Tensor[]>>()
    expect(deep.init(T.key(0), options).length).toBe(3)
  })

  it("the helper types name a layer's params and state", () => {
    expectTypeOf<ParamsOf<Layer<LstmParams, LstmState>>>().toEqualTypeOf<LstmParams>()
    expectTypeOf<StateOf<Layer<LstmParams, LstmState>>>().toEqualTypeOf<LstmState>()
    type Ls = [Layer<GruParams, Tensor>, Layer<LstmParams, LstmState>]
    expectTypeOf<StackParams<Ls>>().toEqualTypeOf<[GruParams, LstmParams]>()
    expectTypeOf<StackState<Ls>>().toEqualTypeOf<[Tensor, LstmState]>()
  })
})

describe("bidirectional keeps its layer's types", () => {
  it("params and state are { forward, backward } of the layer's", () => {
    const bi = bidirectional(rnn(lstm()))
    expectTypeOf(bi).toEqualTypeOf<
      Layer<{ forward: LstmParams; backward: LstmParams }, { forward: LstmState; backward: LstmState }>
    >()
    const p = bi.init(T.key(0), options)
    const { state } = bi.apply(p, xs)
    expectTypeOf(state.backward.c).toEqualTypeOf<Tensor>()
    expect(T.shape(state.backward.c)).toEqual([1, 3])
  })

  it('composes with stack', () => {
    const deep = stack([bidirectional(rnn(gru())), rnn(lstm())])
    expectTypeOf(deep).toEqualTypeOf<
      Layer<
        [{ forward: GruParams; backward: GruParams }, LstmParams],
        [{ forward: Tensor; backward: Tensor }, LstmState]
      >
    >()
    const bs = bidirectional(stack([rnn(gru()), rnn(elman())]))
    expectTypeOf(bs.init).returns.toEqualTypeOf<{
      forward: [GruParams, ElmanParams]
      backward: [GruParams, ElmanParams]
    }>()
    const p = deep.init(T.key(0), options)
    expect(T.shape(p[1].W_ih)).toEqual([12, 6])
  })

  it('wrong uses do not typecheck', () => {
    const wrong = () => {
      const deep = stack([rnn(lstm()), rnn(gru())])
      const p = deep.init(T.key(0), options)
      const hc = { h: xs, c: xs }
      // @ts-expect-error one parameter set per layer
      deep.apply([p[0]], xs)
      // @ts-expect-error the layers' states in order
      deep.apply(p, xs, { state0: [xs, { h: xs, c: xs }] })
      // @ts-expect-error a GRU's state is a tensor, not { h, c }
      deep.apply(p, xs, { state0: [hc, hc] })
      const bi = bidirectional(rnn(gru()))
      // @ts-expect-error bidirectional params are { forward, backward }
      bi.apply(p[1], xs)
      // @ts-expect-error LSTM params have no b_hn
      return deep.init(T.key(0), options)[0].b_hn
    }
    expect(typeof wrong).toBe('function')
  })
})
