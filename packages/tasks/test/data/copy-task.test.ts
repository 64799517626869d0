/** Lecture §5.7: the copy task's batches and its bit error rate. */
import { fc, test } from '@fast-check/vitest'
import * as T from '@recurrent/tensor'
import { identical, numRuns } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { bitErrorRate, copyTask } from '../../src/data/copy-task.ts'

const runs = { numRuns: numRuns(30) }

const options = fc.record({
  batch: fc.integer({ min: 1, max: 4 }),
  bits: fc.integer({ min: 1, max: 8 }),
  minLength: fc.integer({ min: 1, max: 4 }),
  span: fc.integer({ min: 0, max: 6 }),
  seed: fc.integer({ min: 0, max: 100_000 }),
})

describe('copy task batches', () => {
  test.prop([options], runs)(
    'the input is L vectors, the delimiter, L blanks; the targets are the L vectors in order',
    ({ batch, bits, minLength, span, seed }) => {
      const b = copyTask(T.key(seed), { batch, bits, minLength, maxLength: minLength + span })
      const L = b.length
      expect(L).toBeGreaterThanOrEqual(minLength)
      expect(L).toBeLessThanOrEqual(minLength + span)
      expect(T.shape(b.inputs)).toEqual([2 * L + 1, batch, bits + 1])
      expect(T.shape(b.targets)).toEqual([L, batch, bits])
      const x = T.toArray(b.inputs) as number[][][]
      const y = T.toArray(b.targets) as number[][][]
      for (let s = 0; s < batch; s++) {
        for (let t = 0; t < L; t++) {
          expect(x[t][s].slice(0, bits)).toEqual(y[t][s])
          expect(x[t][s][bits]).toBe(0)
          expect(y[t][s].every((v) => v === 0 || v === 1)).toBe(true)
        }
        expect(x[L][s]).toEqual([...Array(bits).fill(0), 1])
        for (let t = L + 1; t <= 2 * L; t++) expect(x[t][s]).toEqual(Array(bits + 1).fill(0))
      }
    },
  )

  test.prop([options], runs)(
    'the same key gives the same batch; a given length keeps the bits drawn',
    (o) => {
      const a = copyTask(T.key(o.seed), { batch: o.batch, bits: o.bits, length: o.minLength + o.span })
      const b = copyTask(T.key(o.seed), { batch: o.batch, bits: o.bits, length: o.minLength + o.span })
      expect(identical(a.inputs, b.inputs) && identical(a.targets, b.targets)).toBe(true)
      const drawn = copyTask(T.key(o.seed), { batch: o.batch, bits: o.bits, minLength: 1, maxLength: 10 })
      const fixed = copyTask(T.key(o.seed), { batch: o.batch, bits: o.bits, length: drawn.length })
      expect(identical(drawn.targets, fixed.targets)).toBe(true)
    },
  )

  it('draws every length of the range, and random bits about half ones', () => {
    const lengths = new Set(
      Array.from({ length: 200 }, (_, i) => copyTask(T.key(i), { batch: 1, bits: 1 }).length),
    )
    expect([...lengths].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    const ones = T.item(T.mean(copyTask(T.key(0), { batch: 64, length: 20 }).targets))
    expect(Math.abs(ones - 0.5)).toBeLessThan(0.05)
  })

  it('names the bad argument', () => {
    expect(() => copyTask(T.key(0), { batch: 0 })).toThrow(
      /copyTask: batch must be a positive integer, got 0/,
    )
    expect(() => copyTask(T.key(0), { batch: 1, length: 0 })).toThrow(
      /copyTask: length must be a positive integer, got 0/,
    )
    expect(() => copyTask(T.key(0), { batch: 1, minLength: 5, maxLength: 3 })).toThrow(
      /copyTask: maxLength \(3\) must be ≥ minLength \(5\)/,
    )
    expect(() => copyTask(T.key(0), { batch: 1, dtype: 'i32' })).toThrow(/copyTask: dtype must be f32 or f64/)
  })
})

describe('bit error rate', () => {
  test.prop([options], runs)('is 0 for logits that agree in sign, 1 for their negation', ({ seed, bits }) => {
    const { targets } = copyTask(T.key(seed), { batch: 3, bits, length: 4 })
    const logits = T.sub(T.mul(targets, 2), 1) // +1 on ones, −1 on zeros
    expect(bitErrorRate(logits, targets)).toBe(0)
    expect(bitErrorRate(T.neg(logits), targets)).toBe(1)
  })

  it('counts a logit of 0 (probability ½) as predicting 0, and names bad shapes', () => {
    expect(bitErrorRate(T.tensor([0, 0]), T.tensor([0, 1]))).toBe(0.5)
    expect(() => bitErrorRate(T.zeros([2, 3]), T.zeros([3, 2]))).toThrow(
      /bitErrorRate: logits and targets must be tensors of one shape, got \[2,3\] and \[3,2\]/,
    )
    expect(() => bitErrorRate(T.zeros([0]), T.zeros([0]))).toThrow(/bitErrorRate: no bits to compare/)
  })
})
