/** Lecture §4.5: gated cells learn the adding problem where a tanh RNN stays at the mean. */
import { elman, gru } from '@recurrent/cells'
import * as T from '@recurrent/tensor'
import { identical } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import {
  ADDING_CELLS,
  ADDING_MODELS,
  type AddingProblemConfig,
  type AddingProblemMetrics,
  type AddingTraining,
  addingData,
  addingProblemExperiment,
  type ExperimentEvent,
  LEARNED_FRACTION,
  meanPredictorMse,
  TANH_FLOOR,
  trainAdder,
} from '../src/index.ts'

/** The claim at a small size: T = 20, 16 hidden units, 400 steps; the three judged models. */
const small = (): AddingProblemConfig => ({
  ...addingProblemExperiment.config(false),
  length: 20,
  steps: 400,
  evalEvery: 100,
  testSize: 256,
  models: {
    tanh: { cell: ADDING_CELLS.tanh, hiddenSize: 16 },
    lstm: { cell: ADDING_CELLS.lstm, hiddenSize: 16 },
    gru: { cell: ADDING_CELLS.gru, hiddenSize: 16 },
  },
})

const tiny: AddingTraining = {
  length: 6,
  steps: 5,
  batch: 4,
  learningRate: 0.01,
  clipNorm: 1,
  evalEvery: 2,
  testSize: 8,
}

describe('§4.5 the adding problem, at a small size', () => {
  for (const seed of [0, 1]) {
    it(`seed ${seed}: the LSTM and the GRU learn it, the tanh RNN stays near the baseline`, () => {
      const config = small()
      const { metrics } = addingProblemExperiment.run(config, T.key(seed))
      const { baselineMse, testMse } = metrics.addingProblem
      expect(baselineMse).toBe(meanPredictorMse(addingData(config, T.key(seed)).test.ys))
      expect(testMse.lstm).toBeLessThan(LEARNED_FRACTION * baselineMse)
      expect(testMse.gru).toBeLessThan(LEARNED_FRACTION * baselineMse)
      expect(testMse.tanh).toBeGreaterThanOrEqual(TANH_FLOOR * baselineMse)
      expect(addingProblemExperiment.holds(metrics)).toBe(true)
    })
  }
})

describe('the experiment', () => {
  it('by default trains all six models, with the metrics keys of the report', () => {
    const c = addingProblemExperiment.config(false)
    expect(Object.keys(c.models)).toEqual([...ADDING_MODELS])
    const config = {
      ...tiny,
      models: Object.fromEntries(ADDING_MODELS.map((m) => [m, { ...c.models[m], hiddenSize: 4 }])),
    }
    const r = addingProblemExperiment.run(config, T.key(0))
    expect(Object.keys(r.metrics.addingProblem)).toEqual([
      'length',
      'steps',
      'baselineMse',
      'testMse',
      'stopped',
    ])
    expect(Object.keys(r.metrics.addingProblem.testMse)).toEqual([...ADDING_MODELS])
    expect(r.tables[0].rows.map((row) => row[0])).toEqual([...ADDING_MODELS])
    expect(addingProblemExperiment.config(true).length).toBeGreaterThan(c.length)
    expect(addingProblemExperiment.config(true).steps).toBeGreaterThan(c.steps)
  })

  it('draws each model’s learning curve and the baseline', () => {
    const config = {
      ...tiny,
      models: {
        tanh: { cell: ADDING_CELLS.tanh, hiddenSize: 3 },
        gru: { cell: ADDING_CELLS.gru, hiddenSize: 3 },
      },
    }
    const r = addingProblemExperiment.run(config, T.key(2))
    const [curves, baseline] = (
      r.plots[0].spec as { layer: { data: { values: Record<string, unknown>[] } }[] }
    ).layer
    expect(curves.data.values.map((p) => [p.model, p.step])).toEqual([
      ['tanh', 0],
      ['tanh', 2],
      ['tanh', 4],
      ['tanh', 5],
      ['gru', 0],
      ['gru', 2],
      ['gru', 4],
      ['gru', 5],
    ])
    expect(baseline.data.values[0].baselineMse).toBe(r.metrics.addingProblem.baselineMse)
    const last = curves.data.values.filter((p) => p.model === 'gru').at(-1)
    expect(last?.testMse).toBe(r.metrics.addingProblem.testMse.gru)
  })

  it('holds by its criterion, computed from the metrics', () => {
    const m = (tanh: number, lstm: number, gru: number): AddingProblemMetrics => ({
      addingProblem: { length: 40, steps: 800, baselineMse: 0.2, testMse: { tanh, lstm, gru }, stopped: {} },
    })
    expect(addingProblemExperiment.holds(m(0.2, 0.001, 0.001))).toBe(true)
    expect(addingProblemExperiment.holds(m(0.161, 0.0199, 0.0199))).toBe(true)
    expect(addingProblemExperiment.holds(m(0.159, 0.001, 0.001))).toBe(false) // tanh learned something
    expect(addingProblemExperiment.holds(m(0.2, 0.021, 0.001))).toBe(false) // LSTM not below 0.1 × baseline
    expect(addingProblemExperiment.holds(m(0.2, 0.001, 0.03))).toBe(false) // GRU not below
    expect(addingProblemExperiment.holds(m(Number.NaN, 0.001, 0.001))).toBe(false)
    const { gru: _, ...withoutGru } = m(0.2, 0.001, 0.001).addingProblem.testMse
    expect(
      addingProblemExperiment.holds({
        addingProblem: { ...m(0.2, 0, 0).addingProblem, testMse: withoutGru },
      }),
    ).toBe(false)
  })

  it('rejects a bad configuration, naming it', () => {
    expect(() => addingProblemExperiment.run(null as never, T.key(0))).toThrow(
      /addingProblemExperiment.run: config/,
    )
    const config = { ...tiny, steps: 0, models: { gru: { cell: ADDING_CELLS.gru, hiddenSize: 2 } } }
    expect(() => addingProblemExperiment.run(config, T.key(0))).toThrow(/trainAdder: training.steps/)
  })
})

describe('trainAdder', () => {
  it('is a function of its arguments: a fresh but equal cell trains to the same params, bit for bit', () => {
    const a = trainAdder({ cell: gru(), hiddenSize: 4 }, tiny, T.key(5))
    const b = trainAdder({ cell: gru(), hiddenSize: 4 }, tiny, T.key(5))
    expect(a).not.toBe(b) // two cell values: trained twice
    expect(T.treeLeaves(a.params).every((leaf, i) => identical(leaf, T.treeLeaves(b.params)[i]))).toBe(true)
    expect(a.curve).toEqual(b.curve)
    const c = trainAdder({ cell: gru(), hiddenSize: 4 }, tiny, T.key(6))
    expect(identical(T.treeLeaves(a.params)[0], T.treeLeaves(c.params)[0])).toBe(false)
  })

  it('shares a trained model between callers with the same cell value, training and key', () => {
    const spec = { cell: ADDING_CELLS.lstm, hiddenSize: 3 }
    const events: ExperimentEvent['type'][] = []
    const first = trainAdder(spec, tiny, T.key(9), { onEvent: (e) => events.push(e.type) }, 'lstm')
    expect(events).toEqual(['start', 'progress', 'progress', 'progress', 'progress', 'progress', 'done'])
    const again = trainAdder({ ...spec }, tiny, T.key(9), { onEvent: (e) => events.push(e.type) })
    expect(again).toBe(first)
    expect(events.length).toBe(7) // nothing trained, nothing reported
    expect(trainAdder(spec, { ...tiny, steps: 4 }, T.key(9))).not.toBe(first)
    expect(Object.isFrozen(first) && Object.isFrozen(first.curve)).toBe(true)
  })

  it('measures the test MSE at initialisation, every evalEvery steps and after the last', () => {
    const r = trainAdder({ cell: ADDING_CELLS.tanh, hiddenSize: 3 }, tiny, T.key(1))
    expect(r.curve.map((p) => p.step)).toEqual([0, 2, 4, 5])
    const { test } = addingData(tiny, T.key(1))
    const mse = (p: typeof r.params) => {
      const d = T.sub(r.model.apply(p, test.xs), test.ys)
      return T.item(T.mean(T.mul(d, d)))
    }
    expect(r.curve[0].testMse).toBe(mse(r.initParams))
    expect(r.testMse).toBe(mse(r.params))
  })

  it('stops at a non-finite loss and reports why, keeping the last finite params', () => {
    const base = elman()
    const broken = {
      ...base,
      name: 'broken',
      inputProjection: undefined,
      stepProjected: undefined,
      step: (p: never, h: T.Tensor, x: T.Tensor) => {
        const [next, y] = base.step(p, h, x)
        return [next, T.div(y, 0)] as [T.Tensor, T.Tensor]
      },
    }
    const r = trainAdder({ cell: broken, hiddenSize: 2 }, tiny, T.key(0))
    expect(r.stopped).toMatch(/loss is NaN at step 0/)
    expect(r.params).toBe(r.initParams)
    const metrics = addingProblemExperiment.run(
      { ...tiny, models: { tanh: { cell: broken, hiddenSize: 2 } } },
      T.key(0),
    ).metrics
    expect(metrics.addingProblem.stopped.tanh).toBe(r.stopped)
  })

  it('rejects bad arguments, naming them', () => {
    const spec = { cell: ADDING_CELLS.gru, hiddenSize: 2 }
    expect(() => trainAdder(null as never, tiny, T.key(0))).toThrow(/trainAdder: spec/)
    expect(() => trainAdder({ ...spec, hiddenSize: 0 }, tiny, T.key(0))).toThrow(
      /trainAdder: spec.hiddenSize/,
    )
    expect(() => trainAdder(spec, { ...tiny, length: 1 }, T.key(0))).toThrow(/trainAdder: training.length/)
    expect(() => trainAdder(spec, { ...tiny, learningRate: 0 }, T.key(0))).toThrow(
      /trainAdder: training.learningRate/,
    )
    expect(() => trainAdder(spec, { ...tiny, clipNorm: Number.NaN }, T.key(0))).toThrow(
      /trainAdder: training.clipNorm/,
    )
    expect(() => trainAdder(spec, null as never, T.key(0))).toThrow(/trainAdder: training/)
  })
})
