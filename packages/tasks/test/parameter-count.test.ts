/** Lecture §3.3: an LSTM layer has 4× the parameters of a plain layer of the same sizes. */
import { fc, test } from '@fast-check/vitest'
import * as T from '@recurrent/tensor'
import { numRuns } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { countCells, countParameters, parameterCountExperiment, section } from '../src/index.ts'

describe('Lecture §3.3 parameter counts', () => {
  test.prop([fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.boolean()], {
    numRuns: numRuns(20),
  })('init creates H·I + H·H (+ 2H) for Elman and exactly 4× that for the LSTM', (I, H, bias) => {
    const c = countCells(I, H, bias)
    expect(c.elman).toBe(H * I + H * H + (bias ? 2 * H : 0))
    expect(c.lstm).toBe(4 * c.elman)
  })
  it('countParameters sums the leaves of any tree', () => {
    expect(countParameters({ a: T.zeros([2, 3]), b: [T.zeros([4]), { c: T.zeros([]) }] })).toBe(11)
    expect(() => countParameters(null as never)).toThrow(/countParameters: params/)
    expect(() => countCells(0, 3)).toThrow(/countCells: inputSize/)
  })
})

describe('§3.3 as an experiment', () => {
  it('holds at every size, with and without biases; peepholes or biases on one side only break the ratio', () => {
    const r = section(parameterCountExperiment).run(false, T.key(0))
    const m = r.metrics as ReturnType<typeof parameterCountExperiment.run>['metrics']
    expect(r.holds).toBe(true)
    expect(m.parameters).toEqual({ elman: 4 * 3 + 4 * 4 + 8, lstm: 4 * (4 * 3 + 4 * 4 + 8) })
    for (const v of m.variants) expect(v.lstm).not.toBe(4 * v.elman)
  })
  it('does not hold when one count is off', () => {
    const { metrics } = parameterCountExperiment.run(parameterCountExperiment.config(false), T.key(0))
    expect(parameterCountExperiment.holds({ ...metrics, parameters: { elman: 36, lstm: 145 } })).toBe(false)
    const [first, ...rest] = metrics.withoutBias
    expect(
      parameterCountExperiment.holds({
        ...metrics,
        withoutBias: [{ ...first, lstm: first.lstm + 1 }, ...rest],
      }),
    ).toBe(false)
  })
})
