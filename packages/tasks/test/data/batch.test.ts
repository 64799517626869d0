import { fc, test } from '@fast-check/vitest'
import { crossEntropy } from '@recurrent/losses'
import * as T from '@recurrent/tensor'
import { assertClose, numRuns, TOL } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import {
  batchSequences,
  IGNORE_INDEX,
  minibatches,
  minibatchStream,
  padSequences,
} from '../../src/data/batch.ts'
import { draws, permutation } from '../../src/data/draw.ts'

const runs = { numRuns: numRuns(40) }
const sequences = fc.array(fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 6 }), {
  minLength: 1,
  maxLength: 5,
})

describe('padding variable-length sequences into [T, B]', () => {
  test.prop([sequences, fc.integer({ min: -5, max: 5 })], runs)(
    'keeps every element at [t, b], pads after each end with the value, T = the longest',
    (seqs, value) => {
      const x = padSequences(seqs, value)
      const longest = Math.max(...seqs.map((s) => s.length))
      expect(T.shape(x)).toEqual([longest, seqs.length])
      expect(x.dtype).toBe('i32')
      const rows = T.toArray(x) as number[][]
      seqs.forEach((s, b) => {
        for (let t = 0; t < longest; t++) expect(rows[t][b]).toBe(t < s.length ? s[t] : value)
      })
    },
  )

  it('pads to a given number of steps, never fewer than the longest', () => {
    expect(T.shape(padSequences([[1]], 0, 3))).toEqual([3, 1])
    expect(() => padSequences([[1, 2]], 0, 1)).toThrow(
      /padSequences: steps must be an integer ≥ the longest sequence \(2\)/,
    )
    expect(() => padSequences([[1.5]], 0)).toThrow(/padSequences: seqs\[0\]\[0\] must be a 32-bit integer/)
    expect(() => padSequences([[1]], 0.5)).toThrow(/padSequences: value must be an integer/)
  })
})

describe('batches of (input, target) sequences', () => {
  const pairs = sequences.chain((inputs) =>
    fc.tuple(
      fc.constant(inputs),
      fc.tuple(
        ...inputs.map((s) =>
          fc.array(fc.integer({ min: 0, max: 3 }), { minLength: s.length, maxLength: s.length }),
        ),
      ),
    ),
  )

  test.prop([pairs], runs)(
    'pads targets with the ignore index and reports each length',
    ([inputs, targets]) => {
      const b = batchSequences(inputs, targets)
      expect(b.lengths).toEqual(inputs.map((s) => s.length))
      const t = T.toArray(b.targets) as number[][]
      const x = T.toArray(b.inputs) as number[][]
      targets.forEach((s, j) => {
        t.forEach((row, step) => expect(row[j]).toBe(step < s.length ? s[step] : IGNORE_INDEX))
        x.forEach((row, step) => expect(row[j]).toBe(step < s.length ? inputs[j][step] : 0))
      })
    },
  )

  test.prop([pairs, fc.integer({ min: 0, max: 1000 })], runs)(
    'the summed cross-entropy of the padded batch is the sum over the sentences alone (padding adds nothing)',
    ([inputs, targets], seed) => {
      fc.pre(inputs.some((s) => s.length > 0))
      const b = batchSequences(inputs, targets)
      const [steps, B] = T.shape(b.targets)
      const logits = T.randn(T.key(seed), [steps, B, 4], 'f64')
      const padded = T.item(crossEntropy(logits, b.targets, { reduction: 'sum', ignoreIndex: IGNORE_INDEX }))
      let alone = 0
      targets.forEach((s, j) => {
        if (s.length === 0) return
        const own = T.slice(logits, [0, j, 0], [s.length, 1, 4])
        alone += T.item(crossEntropy(T.reshape(own, [s.length, 4]), s, { reduction: 'sum' }))
      })
      assertClose(T.tensor(padded, { dtype: 'f64' }), alone, TOL.f64)
    },
  )

  it('rejects inputs and targets that do not match, naming the sequence', () => {
    expect(() => batchSequences([[1, 2]], [[1]])).toThrow(
      /batchSequences: inputs\[0\] has 2 steps but targets\[0\] has 1/,
    )
    expect(() => batchSequences([[1]], [])).toThrow(
      /batchSequences: inputs has 1 sequences but targets has 0/,
    )
    expect(() => batchSequences([[1]], [[1]], { ignoreIndex: -1 }).targets).not.toThrow()
  })
})

describe('seeded minibatches', () => {
  const sizes = fc
    .record({ n: fc.integer({ min: 1, max: 40 }), steps: fc.integer({ min: 0, max: 12 }) })
    .chain(({ n, steps }) =>
      fc.record({ n: fc.constant(n), steps: fc.constant(steps), size: fc.integer({ min: 1, max: n }) }),
    )

  test.prop([sizes, fc.integer({ min: 0, max: 1000 })], runs)(
    'gives `steps` batches of `size` distinct indices; an epoch never repeats an example',
    ({ n, steps, size }, seed) => {
      const bs = minibatches(T.key(seed), n, size, steps)
      expect(bs.length).toBe(steps)
      const perEpoch = Math.floor(n / size)
      for (let start = 0; start < steps; start += perEpoch) {
        const epoch = bs.slice(start, start + perEpoch).flat()
        expect(new Set(epoch).size).toBe(epoch.length)
      }
      for (const b of bs) {
        expect(b.length).toBe(size)
        expect(b.every((i) => Number.isInteger(i) && i >= 0 && i < n)).toBe(true)
      }
      expect(minibatches(T.key(seed), n, size, steps)).toEqual(bs)
    },
  )

  test.prop([sizes, fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 30 })], runs)(
    'minibatchStream(i) is batch i of minibatches, whichever step it starts from',
    ({ n, steps, size }, seed, from) => {
      const all = minibatches(T.key(seed), n, size, from + steps)
      const batch = minibatchStream(T.key(seed), n, size)
      const resumed = Array.from({ length: steps }, (_, k) => batch(from + k))
      expect(resumed).toEqual(all.slice(from))
    },
  )

  it('minibatchStream rejects impossible sizes and steps', () => {
    expect(() => minibatchStream(T.key(0), 3, 4)).toThrow(/n must be an integer ≥ size \(4\), got 3/)
    expect(() => minibatchStream(T.key(0), 3, 0)).toThrow(/size must be a positive integer, got 0/)
    expect(() => minibatchStream(T.key(0), 3, 1)(-1)).toThrow(/step must be a non-negative integer, got -1/)
  })

  it('rejects impossible sizes', () => {
    expect(() => minibatches(T.key(0), 3, 4, 1)).toThrow(
      /minibatches: n must be an integer ≥ size \(4\), got 3/,
    )
    expect(() => minibatches(T.key(0), 3, 0, 1)).toThrow(/minibatches: size must be a positive integer/)
  })

  test.prop([fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 1000 })], runs)(
    'permutation is a permutation, the same for the same key',
    (n, seed) => {
      const p = permutation(T.key(seed), n)
      expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i))
      expect(permutation(T.key(seed), n)).toEqual(p)
    },
  )

  it('draws are uniform enough: 6000 rolls of a die, each face within 20% of 1000', () => {
    const roll = draws(T.key(11))
    const counts = Array(6).fill(0)
    for (let i = 0; i < 6000; i++) counts[roll(6)]++
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(200)
    expect(() => roll(0)).toThrow(/draws: n must be a positive integer/)
  })
})
