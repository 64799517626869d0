/** Lecture §4.5's adding problem: two marked values, one in each half; the target is their sum. */
import { fc, test } from '@fast-check/vitest'
import { mse } from '@recurrent/losses'
import * as T from '@recurrent/tensor'
import { identical, numRuns, TOL } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { addingProblem, meanPredictorMse } from '../../src/data/adding-problem.ts'

const runs = { numRuns: numRuns(30) }

describe('the adding problem', () => {
  test.prop(
    [fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 2, max: 30 }), fc.integer({ min: 1, max: 8 })],
    runs,
  )(
    'each sequence has one marker in each half, values in [0, 1), target = the sum of the marked values',
    (seed, length, batch) => {
      const { xs, ys } = addingProblem(T.key(seed), { length, batch })
      expect(T.shape(xs)).toEqual([length, batch, 2])
      expect(T.shape(ys)).toEqual([batch, 1])
      const x = T.toArray(xs) as number[][][]
      const y = T.toArray(ys) as number[][]
      const half = Math.ceil(length / 2)
      for (let b = 0; b < batch; b++) {
        const steps = x.map((step) => step[b])
        for (const [v, m] of steps) {
          expect(v).toBeGreaterThanOrEqual(0)
          expect(v).toBeLessThan(1)
          expect([0, 1]).toContain(m)
        }
        const marked = steps.flatMap(([, m], t) => (m === 1 ? [t] : []))
        expect(marked.length).toBe(2)
        expect(marked[0]).toBeLessThan(half)
        expect(marked[1]).toBeGreaterThanOrEqual(half)
        const sum = steps[marked[0]][0] + steps[marked[1]][0]
        // f32 storage: the sum of two f32 values, rounded once more.
        expect(Math.abs(y[b][0] - sum)).toBeLessThanOrEqual(TOL.f32.atol + TOL.f32.rtol * sum)
      }
    },
  )

  it('is seeded: the same key gives the same batch, another key another one', () => {
    const a = addingProblem(T.key(7), { length: 12, batch: 5 })
    const b = addingProblem(T.key(7), { length: 12, batch: 5 })
    const c = addingProblem(T.key(8), { length: 12, batch: 5 })
    expect(identical(a.xs, b.xs) && identical(a.ys, b.ys)).toBe(true)
    expect(identical(a.xs, c.xs)).toBe(false)
  })

  it('places the markers all over each half (every position is drawn)', () => {
    const { xs } = addingProblem(T.key(0), { length: 10, batch: 400 })
    const hits = (T.toArray(xs) as number[][][]).map((step) => step.filter(([, m]) => m === 1).length)
    for (const n of hits) expect(n).toBeGreaterThan(0)
    expect(hits.slice(0, 5).reduce((a, b) => a + b)).toBe(400)
    expect(hits.slice(5).reduce((a, b) => a + b)).toBe(400)
  })

  it('gives f64 data on request', () => {
    const { xs, ys } = addingProblem(T.key(0), { length: 4, batch: 2, dtype: 'f64' })
    expect([xs.dtype, ys.dtype]).toEqual(['f64', 'f64'])
  })

  it('rejects bad arguments, naming them', () => {
    expect(() => addingProblem(T.key(0), { length: 1, batch: 2 })).toThrow(/addingProblem: length/)
    expect(() => addingProblem(T.key(0), { length: 4, batch: 0 })).toThrow(/addingProblem: batch/)
    expect(() => addingProblem(T.key(0), { length: 4.5, batch: 2 })).toThrow(/addingProblem: length/)
    expect(() => addingProblem(T.key(0), { length: 4, batch: 2, dtype: 'i32' })).toThrow(
      /addingProblem: dtype/,
    )
    expect(() => addingProblem(T.key(0), null as never)).toThrow(/addingProblem: options/)
    expect(() => meanPredictorMse(T.zeros([0]))).toThrow(/meanPredictorMse: ys/)
  })
})

describe('the baseline: predicting the mean target', () => {
  test.prop([fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 20 })], runs)(
    'is the MSE of the constant prediction ȳ',
    (values) => {
      const ys = T.tensor(
        values.map((v) => [v]),
        { dtype: 'f64' },
      )
      const mean = values.reduce((a, b) => a + b) / values.length
      const constant = T.full([values.length, 1], mean, 'f64')
      const expected = T.item(mse(constant, ys))
      expect(Math.abs(meanPredictorMse(ys) - expected)).toBeLessThanOrEqual(
        TOL.f64.atol + TOL.f64.rtol * expected,
      )
    },
  )

  it('is no larger than any other constant prediction', () => {
    const { ys } = addingProblem(T.key(3), { length: 8, batch: 200, dtype: 'f64' })
    const base = meanPredictorMse(ys)
    for (const c of [0.8, 0.95, 1.05, 1.2])
      expect(T.item(mse(T.full([200, 1], c, 'f64'), ys))).toBeGreaterThan(base)
  })

  it('is Var(v_a + v_b) = 2/12 on the adding problem, measured on 20000 sequences', () => {
    // The sample variance of 20000 draws has a standard deviation of about 0.0014 around 1/6.
    const { ys } = addingProblem(T.key(11), { length: 6, batch: 20_000, dtype: 'f64' })
    expect(Math.abs(meanPredictorMse(ys) - 2 / 12)).toBeLessThan(0.01)
  })
})
