/**
 * Laws of `stack` and `bidirectional` (src/combinators.ts) that the mutation run
 * (docs/verification.md) found unstated: their names (which every message of theirs starts
 * with), the refusals of empty stacks and of params that are not `{ forward, backward }`, init
 * options that are not an object (the direction's own ArgumentError, never a TypeError), and the
 * options each direction's `init` receives.
 */
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { describe, expect, it } from 'vitest'
import { bidirectional, gru, type Layer, type LayerOptions, lstm, rnn, stack } from '../src/index.ts'

describe('stack', () => {
  it('refuses an empty list of layers, saying so', () => {
    expect(() => stack([])).toThrow(new T.ArgumentError('stack: needs at least one layer'))
  })
  it('is named after its layers, in order, and its messages start with that name', () => {
    const deep = stack([rnn(gru()), rnn(lstm())])
    expect(deep.name).toBe('stack(rnn(gru), rnn(lstm))')
    expect(stack([rnn(gru())]).name).toBe('stack(rnn(gru))')
    expect(() => deep.apply([] as never, T.zeros([1, 1, 1]))).toThrow(
      'stack(rnn(gru), rnn(lstm)): params must be an array of 2 parameter sets, one per layer, got 0',
    )
  })
})

describe('bidirectional', () => {
  const bi = bidirectional(rnn(gru()))
  it('refuses params that are not { forward, backward }, naming itself', () => {
    const p = rnn(gru()).init(T.key(0), { inputSize: 1, hiddenSize: 2 })
    const xs = T.zeros([2, 1, 1])
    for (const [bad, got] of [
      [null, 'object'],
      [3, 'number'],
      ['params', 'string'],
      [{ forward: p }, 'object'],
      [{ backward: p }, 'object'],
      [{}, 'object'],
    ] as const)
      expect(() => bi.apply(bad as never, xs), JSON.stringify(bad)).toThrow(
        new T.ArgumentError(`bidirectional(rnn(gru)): params must be { forward, backward }, got ${got}`),
      )
  })
  it('passes init options that are not an object to the direction, which refuses them', () => {
    for (const [bad, got] of [
      [null, 'null'],
      [undefined, 'undefined'],
      [3, 'number'],
    ] as const)
      expect(() => bi.init(T.key(0), bad as never), String(bad)).toThrow(
        new T.ArgumentError(
          `rnn(gru).init: options must be an object with outputSize (or hiddenSize), got ${got}`,
        ),
      )
  })
  it('gives each direction hiddenSize alone, or outputSize per direction', () => {
    const seen: unknown[] = []
    const layer: Layer<{ W: Tensor }, Tensor> = {
      name: 'spy',
      init: (_key, o) => {
        seen.push(o)
        return { W: T.zeros([1]) }
      },
      initialState: () => T.zeros([1]),
      apply: (_p, xs) => ({ output: xs, state: T.zeros([1]) }),
      outputSize: () => 1,
      inputSize: () => 1,
    }
    const cases: [LayerOptions, 'concat' | 'sum', unknown][] = [
      [{ inputSize: 2, hiddenSize: 3 }, 'concat', { inputSize: 2, hiddenSize: 3 }],
      [{ inputSize: 2, outputSize: 6 }, 'concat', { inputSize: 2, outputSize: 3 }],
      [{ inputSize: 2, outputSize: 6 }, 'sum', { inputSize: 2, outputSize: 6 }],
      [{ inputSize: 2, hiddenSize: 3, outputSize: 6 }, 'concat', { inputSize: 2, hiddenSize: 3 }],
      [{ inputSize: 2, hiddenSize: 3, outputSize: 3 }, 'sum', { inputSize: 2, hiddenSize: 3 }],
      [
        { inputSize: 2, outputSize: 4, dtype: 'f64' },
        'concat',
        { inputSize: 2, outputSize: 2, dtype: 'f64' },
      ],
    ]
    for (const [given, merge, each] of cases) {
      seen.length = 0
      bidirectional(layer, { merge }).init(T.key(0), given)
      expect(seen, JSON.stringify(given)).toEqual([each, each])
    }
  })
})
