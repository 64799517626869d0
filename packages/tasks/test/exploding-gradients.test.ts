/** Lecture §4.4: the same weight at every step explodes or vanishes. */
import { fc, test } from '@fast-check/vitest'
import { grad } from '@recurrent/autograd'
import { lastOutput, rnn } from '@recurrent/cells'
import { mse } from '@recurrent/losses'
import * as T from '@recurrent/tensor'
import { numRuns, TOL } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import {
  ADDING_CELLS,
  ADDING_MODELS,
  addingData,
  CLOSED_FORM_RTOL,
  closedForm,
  type ExplodingGradientsConfig,
  type ExplodingGradientsMetrics,
  explodingGradient,
  explodingGradientsExperiment,
  LINEAR_RNN,
  MEMORY_WEIGHTS,
  regressor,
  stateGradientNorms,
  trainAdder,
  VANISHING_FACTOR,
} from '../src/index.ts'

const close = (a: number, b: number) => Math.abs(a - b) <= TOL.f64.atol + TOL.f64.rtol * Math.abs(b)

/** §4.5's training at a small size: T = 20, 16 hidden units, 400 steps. */
const small = (): ExplodingGradientsConfig => {
  const c = explodingGradientsExperiment.config(false)
  return {
    ...c,
    training: { ...c.training, length: 20, steps: 400, evalEvery: 100, testSize: 256 },
    models: {
      tanh: { cell: ADDING_CELLS.tanh, hiddenSize: 16 },
      lstm: { cell: ADDING_CELLS.lstm, hiddenSize: 16 },
    },
  }
}

describe('§4.4 a 1000-step linear RNN: y¹⁰⁰⁰ = w⁹⁹⁹', () => {
  it('gives the lecture’s values: 1, 20751.64, 4.36e-5, 0', () => {
    const ys = MEMORY_WEIGHTS.map((w) => explodingGradient(w).y)
    expect(ys[0]).toBe(1)
    expect(Math.abs(ys[1] - 20751.64)).toBeLessThan(0.005)
    expect(Math.abs(ys[2] - 4.36e-5)).toBeLessThan(0.005e-5)
    expect(ys[3]).toBe(0)
    // ∂y/∂w: 999 at w = 1, huge at 1.01, small at 0.99, nothing at 0.01.
    const dydw = MEMORY_WEIGHTS.map((w) => explodingGradient(w).dydw)
    expect(dydw[0]).toBe(999)
    expect(dydw[1]).toBeGreaterThan(2e7)
    expect(dydw[2]).toBeLessThan(0.05)
    expect(dydw[3]).toBe(0)
  })

  test.prop([fc.double({ min: 0.5, max: 1.5, noNaN: true }), fc.integer({ min: 2, max: 60 })], {
    numRuns: numRuns(20),
  })('BPTT gives y = w^(T−1) and ∂y/∂w = (T−1)·w^(T−2) for any w and T', (w, steps) => {
    const lib = explodingGradient(w, steps)
    const exact = closedForm(w, steps)
    expect(close(lib.y, exact.y)).toBe(true)
    expect(close(lib.dydw, exact.dydw)).toBe(true)
  })

  it('states a tolerance no looser than the test kit’s f64 one', () => {
    expect(CLOSED_FORM_RTOL).toBeLessThanOrEqual(TOL.f64.rtol)
  })

  it('rejects bad arguments, naming them', () => {
    expect(() => explodingGradient(Number.NaN)).toThrow(/explodingGradient: w/)
    expect(() => explodingGradient(1, 1)).toThrow(/explodingGradient: steps/)
    expect(() => closedForm(1, 2.5)).toThrow(/closedForm: steps/)
  })
})

describe('‖∂L/∂s_t‖, the gradient reaching the state after t steps', () => {
  test.prop(
    [
      fc.double({ min: 0.3, max: 1.3, noNaN: true }),
      fc.integer({ min: 2, max: 12 }),
      fc.integer({ min: 0, max: 100 }),
    ],
    { numRuns: numRuns(20) },
  )(
    'for the linear RNN h_t = x_t + w·h_{t−1} read by y = h_T it is |w|^(T−1−t) × the last',
    (w, steps, seed) => {
      const model = regressor(LINEAR_RNN)
      const p = {
        cell: { W_ih: T.ones([1, 1], 'f64'), W_hh: T.full([1, 1], w, 'f64') },
        out: { W: T.ones([1, 1], 'f64'), b: T.zeros([1], 'f64') },
      }
      const xs = T.uniform(T.key(seed), [steps, 3, 1], 0, 1, 'f64')
      const norms = stateGradientNorms(model, p, xs, T.zeros([3, 1], 'f64'))
      expect(norms.length).toBe(steps)
      norms.forEach((n, t) => {
        expect(Math.abs(n / norms[steps - 1] - w ** (steps - 1 - t))).toBeLessThanOrEqual(
          TOL.f64.atol + TOL.f64.rtol * w ** (steps - 1 - t),
        )
      })
    },
  )

  it('at t = 0 is the gradient with respect to the initial state, for every §4.5 cell with a float state', () => {
    // (the Clockwork RNN's state also holds its step count, an i32 leaf that takes no gradient)
    for (const name of ADDING_MODELS.filter((m) => m !== 'clockwork')) {
      const model = regressor(ADDING_CELLS[name])
      const p = model.init(T.key(3), { inputSize: 2, hiddenSize: 4, outputSize: 1, dtype: 'f64' })
      const { test } = addingData({ length: 6, batch: 1, testSize: 5 }, T.key(4))
      const xs = T.cast(test.xs, 'f64')
      const ys = T.cast(test.ys, 'f64')
      const s0 = model.cell.initialState(p.cell, 5)
      const g0 = grad((s: typeof s0) => {
        const { output } = rnn(model.cell, { fast: false }).apply(p.cell, xs, { state0: s })
        return mse(model.readout(p, lastOutput(output)), ys)
      })(s0)
      const expected = Math.sqrt(T.treeLeaves(g0).reduce((a, g) => a + T.item(T.sum(T.mul(g, g))), 0))
      const [first] = stateGradientNorms(model, p, xs, ys)
      expect(close(first, expected)).toBe(true)
    }
  })

  it('rejects bad arguments, naming them', () => {
    const model = regressor(ADDING_CELLS.tanh)
    const p = model.init(T.key(0), { inputSize: 2, hiddenSize: 2, outputSize: 1 })
    expect(() => stateGradientNorms(null as never, p, T.zeros([3, 1, 2]), T.zeros([1, 1]))).toThrow(
      /stateGradientNorms: model/,
    )
    expect(() => stateGradientNorms(model, p, T.zeros([3, 2]), T.zeros([1, 1]))).toThrow(
      /stateGradientNorms: xs/,
    )
  })
})

describe('§4.4 the experiment, at a small size', () => {
  for (const seed of [0, 1]) {
    it(`seed ${seed}: BPTT matches the closed form, and the gradient vanishes faster in the tanh RNN than in the LSTM`, () => {
      const config = small()
      const { metrics } = explodingGradientsExperiment.run(config, T.key(seed))
      expect(metrics.rows.map((r) => r.w)).toEqual([...MEMORY_WEIGHTS])
      for (const r of metrics.rows) {
        expect(Math.abs(r.y - r.closedFormY)).toBeLessThanOrEqual(CLOSED_FORM_RTOL * Math.abs(r.closedFormY))
        expect(Math.abs(r.dydw - r.closedFormDydw)).toBeLessThanOrEqual(
          CLOSED_FORM_RTOL * Math.abs(r.closedFormDydw),
        )
      }
      expect(metrics.gradientNormByStep.tanh.length).toBe(20)
      const { trained } = metrics.firstToLast
      expect(trained.tanh * VANISHING_FACTOR).toBeLessThanOrEqual(trained.lstm)
      expect(explodingGradientsExperiment.holds(metrics)).toBe(true)
      // The models are §4.5's: the same trained params, not a second training.
      const lstm = trainAdder(config.models.lstm, config.training, T.key(seed))
      const { test } = addingData(config.training, T.key(seed))
      expect(stateGradientNorms(lstm.model, lstm.params, test.xs, test.ys)).toEqual(
        metrics.gradientNormByStep.lstm,
      )
    })
  }
})

describe('the experiment', () => {
  it('trains with §4.5’s default configuration, so the report trains each model once', () => {
    const c = explodingGradientsExperiment.config(false)
    expect(c.weights).toEqual([...MEMORY_WEIGHTS])
    expect(c.steps).toBe(1000)
    expect(c.models.tanh.cell).toBe(ADDING_CELLS.tanh)
    expect(c.models.lstm.cell).toBe(ADDING_CELLS.lstm)
  })

  it('holds by its criterion, computed from the metrics', () => {
    const row = { w: 1.01, y: 20751.64, dydw: 2e7, closedFormY: 20751.64, closedFormDydw: 2e7 }
    const m = (
      rows: ExplodingGradientsMetrics['rows'],
      tanh: number,
      lstm: number,
    ): ExplodingGradientsMetrics => ({
      rows,
      gradientNormByStep: { tanh: [], lstm: [] },
      gradientNormAtInit: { tanh: [], lstm: [] },
      firstToLast: { trained: { tanh, lstm }, atInit: { tanh: 0, lstm: 0 } },
    })
    expect(explodingGradientsExperiment.holds(m([row], 1e-5, 1))).toBe(true)
    expect(explodingGradientsExperiment.holds(m([row], 0.02, 1))).toBe(false)
    expect(explodingGradientsExperiment.holds(m([{ ...row, y: 20751.7 }], 1e-5, 1))).toBe(false)
    expect(explodingGradientsExperiment.holds(m([{ ...row, dydw: 2.0001e7 }], 1e-5, 1))).toBe(false)
    expect(explodingGradientsExperiment.holds(m([], 1e-5, 1))).toBe(false)
    expect(explodingGradientsExperiment.holds(m([row], Number.NaN, 1))).toBe(false)
  })

  it('plots the norms of both models at initialisation and trained, on a log scale', () => {
    const c = explodingGradientsExperiment.config(false)
    const tiny = {
      ...c,
      weights: [1],
      steps: 3,
      training: { ...c.training, length: 4, steps: 1, testSize: 4 },
    }
    const r = explodingGradientsExperiment.run(tiny, T.key(0))
    const spec = r.plots[0].spec as {
      data: { values: { series: string }[] }
      encoding: { y: { scale: { type: string } } }
    }
    expect(new Set(spec.data.values.map((v) => v.series))).toEqual(
      new Set(['tanh (initialisation)', 'tanh (trained)', 'lstm (initialisation)', 'lstm (trained)']),
    )
    expect(spec.encoding.y.scale.type).toBe('log')
    expect(r.metrics.gradientNormAtInit.tanh.length).toBe(4)
  })

  it('rejects a bad configuration, naming it', () => {
    expect(() => explodingGradientsExperiment.run(null as never, T.key(0))).toThrow(
      /explodingGradientsExperiment.run: config/,
    )
  })
})
