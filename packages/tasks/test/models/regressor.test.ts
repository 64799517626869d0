/** The many-to-one regressor over any cell (Lecture §5.1, used by §4.5). */
import { fc, test } from '@fast-check/vitest'
import { grad } from '@recurrent/autograd'
import { type Cell, elman } from '@recurrent/cells'
import { mse } from '@recurrent/losses'
import * as T from '@recurrent/tensor'
import { numRuns, SEQUENCE_F64 } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { ADDING_CELLS, ADDING_MODELS } from '../../src/index.ts'
import { regressor } from '../../src/models/regressor.ts'

const maxAbsDiff = (a: T.Tensor, b: T.Tensor): number => T.item(T.max(T.abs(T.sub(a, b))))

describe('regressor(cell)', () => {
  test.prop(
    [
      fc.constantFrom(...ADDING_MODELS),
      fc.integer({ min: 0, max: 1000 }),
      fc.integer({ min: 1, max: 7 }),
      fc.integer({ min: 1, max: 3 }),
    ],
    { numRuns: numRuns(24) },
  )(
    'predicts o_T·Wᵀ + b from the cell stepped through the sequence, for every §4.5 cell',
    (name, seed, steps, batch) => {
      const model = regressor(ADDING_CELLS[name])
      const [kp, kx] = T.split(T.key(seed), 2)
      const p = model.init(kp, { inputSize: 2, hiddenSize: 4, outputSize: 3, dtype: 'f64' })
      const xs = T.uniform(kx, [steps, batch, 2], -1, 1, 'f64')
      const yhat = model.apply(p, xs)
      expect(T.shape(yhat)).toEqual([batch, 3])
      let s = model.cell.initialState(p.cell, batch)
      let o = T.zeros([0], 'f64')
      for (const x of T.unstack(xs)) [s, o] = model.cell.step(p.cell, s, x)
      const expected = T.add(T.matmul(o, p.out.W, { transposeB: true }), p.out.b!)
      expect(maxAbsDiff(yhat, expected)).toBeLessThanOrEqual(
        SEQUENCE_F64.atol + SEQUENCE_F64.rtol * T.item(T.max(T.abs(expected))),
      )
      expect(maxAbsDiff(model.readout(p, o), expected)).toBe(0)
    },
  )

  it('sizes the output layer by the cell’s output (SCRN: [h, s])', () => {
    const p = regressor(ADDING_CELLS.scrn).init(T.key(0), { inputSize: 2, hiddenSize: 5, outputSize: 1 })
    expect(T.shape(p.out.W)).toEqual([1, 10])
  })

  it('passes gradient to every parameter through the sequence', () => {
    const model = regressor(ADDING_CELLS.lstm)
    const p = model.init(T.key(1), { inputSize: 2, hiddenSize: 3, outputSize: 1, dtype: 'f64' })
    const xs = T.uniform(T.key(2), [4, 2, 2], 0, 1, 'f64')
    const g = grad((q: typeof p) => mse(model.apply(q, xs), T.ones([2, 1], 'f64')))(p)
    for (const leaf of T.treeLeaves(g)) expect(T.item(T.sum(T.abs(leaf)))).toBeGreaterThan(0)
  })

  it('takes a cell of one’s own', () => {
    const mine: Cell = { ...elman({ activation: 'relu' }), name: 'mine' }
    const model = regressor(mine)
    expect(model.name).toBe('regressor(mine)')
    const p = model.init(T.key(0), { inputSize: 2, hiddenSize: 3, outputSize: 2 })
    expect(T.shape(model.apply(p, T.ones([4, 5, 2])))).toEqual([5, 2])
  })

  it('rejects bad arguments, naming them', () => {
    expect(() => regressor({} as Cell)).toThrow(/regressor: cell/)
    const model = regressor(ADDING_CELLS.gru)
    expect(() => model.init(T.key(0), { inputSize: 2, hiddenSize: 0, outputSize: 1 })).toThrow(
      /regressor.init: hiddenSize/,
    )
    expect(() => model.init(T.key(0), { inputSize: 2, hiddenSize: 3, outputSize: 1.5 })).toThrow(
      /regressor.init: outputSize/,
    )
    expect(() => model.init(T.key(0), null as never)).toThrow(/regressor.init: options/)
  })
})
