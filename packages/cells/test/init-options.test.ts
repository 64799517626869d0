/** Every layer's init takes the common form { inputSize, outputSize } besides its own names. */
import { fc, test } from '@fast-check/vitest'
import type { Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { numRuns } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import {
  bidirectional,
  clockwork,
  dense,
  elman,
  embedding,
  gru,
  irnn,
  jordan,
  type Layer,
  type LayerOptions,
  lstm,
  rnn,
  scrn,
  stack,
  torchModel,
} from '../src/index.ts'

const runs = { numRuns: numRuns(20) }
const sizes = fc.record({
  seed: fc.nat({ max: 2 ** 30 }),
  I: fc.integer({ min: 1, max: 4 }),
  H: fc.integer({ min: 1, max: 4 }),
})

/** A params tree as plain data: leaf paths, shapes and values. */
const data = (p: Tree) => {
  const { leaves, paths } = T.treeFlatten(p)
  return leaves.map((l, i) => [paths[i], T.shape(l), Array.from(T.toTypedArray(l))])
}

const recurrent: readonly [string, () => Layer][] = [
  ['rnn(elman)', () => rnn(elman())],
  ['rnn(irnn)', () => rnn(irnn())],
  ['rnn(gru)', () => rnn(gru())],
  ['rnn(lstm)', () => rnn(lstm())],
  ['rnn(clockwork)', () => rnn(clockwork({ periods: [1] }))],
  ['rnn(jordan)', () => rnn(jordan({ outputSize: 2 }))],
  ['rnn(scrn)', () => rnn(scrn())],
  ['stack(rnn(gru), rnn(lstm))', () => stack([rnn(gru()), rnn(lstm())])],
  ["torchModel('LSTM', 2 layers)", () => torchModel('LSTM', { numLayers: 2 })],
]

describe('rnn and stack: outputSize is the hidden size', () => {
  for (const [name, make] of recurrent)
    test.prop([sizes], runs)(`${name}: { outputSize: H } = { hiddenSize: H } = both`, ({ seed, I, H }) => {
      const layer = make()
      const init = (o: LayerOptions) => data(layer.init(T.key(seed), { ...o, dtype: 'f64' }))
      const own = init({ inputSize: I, hiddenSize: H })
      expect(init({ inputSize: I, outputSize: H })).toEqual(own)
      expect(init({ inputSize: I, hiddenSize: H, outputSize: H })).toEqual(own)
    })
  test.prop([sizes], runs)(
    'the layer outputs outputSize features where the cell outputs its hidden state',
    ({ seed, I, H }) => {
      for (const layer of [
        rnn(elman()),
        rnn(gru()),
        rnn(lstm()),
        stack([rnn(lstm()), rnn(elman())]),
      ] as Layer[])
        expect(layer.outputSize(layer.init(T.key(seed), { inputSize: I, outputSize: H }))).toBe(H)
    },
  )
})

describe('bidirectional: outputSize is the merged output’s size', () => {
  test.prop([sizes], runs)(
    "'concat': { outputSize: 2H } = { hiddenSize: H }; 'sum': { outputSize: H }",
    ({ seed, I, H }) => {
      for (const merge of ['concat', 'sum'] as const) {
        const bi = bidirectional(rnn(gru()), { merge })
        const total = merge === 'concat' ? 2 * H : H
        const own = bi.init(T.key(seed), { inputSize: I, hiddenSize: H })
        const common = bi.init(T.key(seed), { inputSize: I, outputSize: total })
        expect(data(common)).toEqual(data(own))
        expect(bi.outputSize(common)).toBe(total)
        expect(data(bi.init(T.key(seed), { inputSize: I, hiddenSize: H, outputSize: total }))).toEqual(
          data(own),
        )
      }
    },
  )
  test.prop([sizes], runs)('a stack of bidirectional layers passes outputSize to each', ({ seed, I, H }) => {
    const deep = stack([bidirectional(rnn(lstm())), bidirectional(rnn(gru()))])
    const p = deep.init(T.key(seed), { inputSize: I, outputSize: 2 * H })
    expect(deep.outputSize(p)).toBe(2 * H)
    expect(T.shape(p[1].forward.W_ih)).toEqual([3 * H, 2 * H])
    expect(data(p)).toEqual(data(deep.init(T.key(seed), { inputSize: I, hiddenSize: H })))
  })
  it('rejects an odd outputSize with concat, and a hiddenSize that disagrees', () => {
    const bi = bidirectional(rnn(gru()))
    expect(() => bi.init(T.key(0), { inputSize: 2, outputSize: 5 })).toThrow(
      new T.ArgumentError(
        "bidirectional(rnn(gru)).init: outputSize must be even with merge 'concat' (each direction gives half), got 5",
      ),
    )
    expect(() => bi.init(T.key(0), { inputSize: 2, hiddenSize: 4, outputSize: 4 })).toThrow(
      new T.ArgumentError(
        "bidirectional(rnn(gru)).init: hiddenSize 4 and outputSize 4 disagree (each direction's size is outputSize / 2 = 2 with merge 'concat'; give one)",
      ),
    )
    expect(() =>
      bidirectional(rnn(gru()), { merge: 'sum' }).init(T.key(0), {
        inputSize: 2,
        hiddenSize: 4,
        outputSize: 3,
      }),
    ).toThrow(
      /hiddenSize 4 and outputSize 3 disagree \(each direction's size is outputSize = 3 with merge 'sum'/,
    )
  })
})

describe('embedding and dense', () => {
  test.prop([sizes], runs)(
    'embedding: { inputSize: N, outputSize: D } = { vocabularySize: N, dim: D }',
    ({ seed, I, H }) => {
      const layer = embedding()
      const own = data(layer.init(T.key(seed), { vocabularySize: I, dim: H }))
      expect(data(layer.init(T.key(seed), { inputSize: I, outputSize: H }))).toEqual(own)
      expect(data(layer.init(T.key(seed), { vocabularySize: I, outputSize: H }))).toEqual(own)
      expect(
        data(layer.init(T.key(seed), { vocabularySize: I, inputSize: I, dim: H, outputSize: H })),
      ).toEqual(own)
    },
  )
  it('dense takes the common form', () => {
    const p = dense().init(T.key(0), { inputSize: 3, outputSize: 2 })
    expect([T.shape(p.W), p.b && T.shape(p.b)]).toEqual([[2, 3], [2]])
  })
})

describe('conflicting or missing sizes are ArgumentErrors naming both names', () => {
  it('rnn, stack, embedding', () => {
    expect(() => rnn(lstm()).init(T.key(0), { inputSize: 2, hiddenSize: 3, outputSize: 4 })).toThrow(
      new T.ArgumentError(
        'rnn(lstm).init: hiddenSize 3 and outputSize 4 differ (they name the same size; give one)',
      ),
    )
    expect(() => stack([rnn(gru())]).init(T.key(0), { inputSize: 2, hiddenSize: 3, outputSize: 4 })).toThrow(
      new T.ArgumentError(
        'rnn(gru).init: hiddenSize 3 and outputSize 4 differ (they name the same size; give one)',
      ),
    )
    expect(() => rnn(gru()).init(T.key(0), { inputSize: 2 } as LayerOptions)).toThrow(
      new T.ArgumentError('rnn(gru).init: needs outputSize (or hiddenSize), got neither'),
    )
    expect(() => rnn(gru()).init(T.key(0), { inputSize: 2, outputSize: 0 })).toThrow(
      new T.ArgumentError('rnn(gru).init: outputSize must be a positive integer, got 0'),
    )
    expect(() => embedding().init(T.key(0), { vocabularySize: 10, inputSize: 12, dim: 4 })).toThrow(
      new T.ArgumentError(
        'embedding.init: vocabularySize 10 and inputSize 12 differ (they name the same size; give one)',
      ),
    )
    expect(() => embedding().init(T.key(0), { inputSize: 10, dim: 4, outputSize: 5 })).toThrow(
      new T.ArgumentError(
        'embedding.init: dim 4 and outputSize 5 differ (they name the same size; give one)',
      ),
    )
    expect(() => embedding().init(T.key(0), { inputSize: 10 } as never)).toThrow(
      new T.ArgumentError('embedding.init: needs outputSize (or dim), got neither'),
    )
    expect(() => dense().init(T.key(0), { inputSize: 1.5, outputSize: 2 })).toThrow(
      new T.ArgumentError('dense.init: inputSize must be a positive integer, got 1.5'),
    )
    expect(() => dense().init(T.key(0), null as never)).toThrow(
      new T.ArgumentError('dense.init: options must be an object with inputSize, got null'),
    )
  })
})
