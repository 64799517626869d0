/** Lecture §3.2: the LSTM toy at every step, against the lecture's exact doubles and its rule. */
import { fc, test } from '@fast-check/vitest'
import * as T from '@recurrent/tensor'
import { assertClose, LECTURE_GOLDEN, numRuns, TOL } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import {
  LSTM_TOY_INPUTS,
  LSTM_TOY_TOLERANCE,
  type LstmToyMetrics,
  lstmToyExperiment,
  lstmToyRule,
  runLstmToy,
  section,
} from '../src/index.ts'

const f64 = (v: number[]) => T.tensor(v, { dtype: 'f64' })

describe('Lecture §3.2: the LSTM toy with hand-set weights', () => {
  it('walk-through [3,1,0],[4,1,0],[2,0,0],[1,0,1],[3,−1,0]: memory ≈ 3, 7, 7, 7, 0; output ≈ 0, 0, 0, 7, 0', () => {
    const steps = runLstmToy(LSTM_TOY_INPUTS.walkthrough)
    assertClose(
      f64(steps.map((s) => s.memory)),
      [3, 7, 6.99977301, 6.99950063, 5.73539966e-39],
      LECTURE_GOLDEN,
      'memory',
    )
    assertClose(
      f64(steps.map((s) => s.output)),
      [0.000136193606, 0.000317785081, 0.000317774776, 6.99950063, 2.60374921e-43],
      LECTURE_GOLDEN,
      'output',
    )
  })
  it('the longer sequence gives y ≈ 0 0 0 0 0 7 0 0 6', () => {
    const steps = runLstmToy(LSTM_TOY_INPUTS.longer)
    assertClose(
      f64(steps.map((s) => s.memory)),
      [4.53978687e-5, 3.0000454, 3, 7, 6.99977301, 6.99950063, 5.73539966e-39, 6, 5.99977301],
      LECTURE_GOLDEN,
      'memory',
    )
    assertClose(
      f64(steps.map((s) => s.output)),
      [
        2.06096648e-9, 0.000136195667, 0.000136193606, 0.000317785081, 0.000317774776, 6.99950063,
        2.60374921e-43, 0.000272387212, 5.99977301,
      ],
      LECTURE_GOLDEN,
      'output',
    )
    expect(steps.map((s) => Math.round(s.output))).toEqual([0, 0, 0, 0, 0, 7, 0, 0, 6])
  })
  test.prop(
    [
      fc.array(fc.tuple(fc.integer({ min: -9, max: 9 }), fc.constantFrom(-1, 0, 1), fc.constantFrom(0, 1)), {
        minLength: 1,
        maxLength: 12,
      }),
    ],
    { numRuns: numRuns() },
  )('the reported gates are the cell’s: c_t = x1·i + c_{t−1}·f and y_t = c_t·o at every step', (rows) => {
    const steps = runLstmToy(rows)
    let c = 0
    for (const s of steps) {
      assertClose(f64([s.memory]), [s.x[0] * s.inputGate + c * s.forgetGate], TOL.f64, 'memory')
      assertClose(f64([s.output]), [s.memory * s.outputGate], TOL.f64, 'output')
      c = s.memory
    }
  })
  test.prop(
    [
      fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.constantFrom(-1, 0, 1), fc.constantFrom(0, 1)), {
        minLength: 1,
        maxLength: 12,
      }),
    ],
    { numRuns: numRuns() },
  )('follows the rule (add, reset, output) within the stated tolerance on any short sequence', (rows) => {
    const steps = runLstmToy(rows)
    const rule = lstmToyRule(rows)
    steps.forEach((s, t) => {
      expect(Math.abs(s.memory - rule.memory[t])).toBeLessThanOrEqual(LSTM_TOY_TOLERANCE)
      expect(Math.abs(s.output - rule.output[t])).toBeLessThanOrEqual(LSTM_TOY_TOLERANCE)
    })
  })
  it('rejects rows that are not [x1, x2, x3], naming the function', () => {
    expect(() => runLstmToy([[1, 0]])).toThrow(/runLstmToy: rows/)
    expect(() => lstmToyRule([])).toThrow(/lstmToyRule: rows/)
  })
})

describe('§3.2 as an experiment', () => {
  it('holds, and its table prints the leak to 5 decimals (6.99950, 5.99977)', () => {
    const r = section(lstmToyExperiment).run(false, T.key(0))
    expect(r.holds).toBe(true)
    const cells = r.tables.flatMap((t) => t.rows.flat())
    expect(cells).toContain('6.99950')
    expect(cells).toContain('5.99977')
  })
  it('does not hold once an output strays from the rule by more than the tolerance', () => {
    const { metrics } = lstmToyExperiment.run(lstmToyExperiment.config(false), T.key(0))
    const [first, ...rest] = metrics.steps.longer
    const strayed: LstmToyMetrics = {
      steps: {
        ...metrics.steps,
        longer: [{ ...first, output: first.output + 2 * LSTM_TOY_TOLERANCE }, ...rest],
      },
    }
    expect(lstmToyExperiment.holds(metrics)).toBe(true)
    expect(lstmToyExperiment.holds(strayed)).toBe(false)
  })
})
