/** Lecture §4.3: the cliff of a one-unit RNN's loss, and gradient clipping on it. */
import { fc, test } from '@fast-check/vitest'
import { chain, clipByGlobalNorm, sgd } from '@recurrent/optim'
import * as T from '@recurrent/tensor'
import { identical, numRuns, TOL } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import {
  cliffData,
  cliffLoss,
  cliffParams,
  descend,
  type ErrorSurfaceConfig,
  type ErrorSurfaceMetrics,
  errorSurfaceExperiment,
  lossSurface,
} from '../src/index.ts'

/** The experiment at a small size: shorter sequences, fewer of them, a coarse grid, fewer steps. */
const small = (): ErrorSurfaceConfig => ({
  ...errorSurfaceExperiment.config(false),
  length: 30,
  batch: 8,
  steps: 60,
  grid: { size: 6, w1: [0.75, 1.15], w2: [0, 1.2] },
})

describe('the cliff task', () => {
  it('is seeded: the same key gives the same data, another key other data', () => {
    const a = cliffData(T.key(3), 10, 4, 0.05)
    expect(identical(a.xs, cliffData(T.key(3), 10, 4, 0.05).xs)).toBe(true)
    expect(identical(a.xs, cliffData(T.key(4), 10, 4, 0.05).xs)).toBe(false)
  })
  test.prop(
    [
      fc.integer({ min: 0, max: 1000 }),
      fc.double({ min: 0.5, max: 1.2, noNaN: true }),
      fc.double({ min: -1, max: 1.5, noNaN: true }),
    ],
    { numRuns: numRuns(20) },
  )('the grid evaluation equals the training loss through rnn(cliffCell) at any point', (seed, w1, w2) => {
    const data = cliffData(T.key(seed), 20, 6, 0.05)
    const [[onGrid]] = lossSurface(data, [w1], [w2])
    const trained = T.item(cliffLoss(cliffParams(w1, w2), data))
    expect(Math.abs(onGrid - trained)).toBeLessThanOrEqual(TOL.f64.atol + TOL.f64.rtol * Math.abs(trained))
  })
  test.prop([fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000 })], {
    numRuns: numRuns(10),
  })('without noise a seed only scales the surface, by mean(x_1²)', (a, b) => {
    const scaled = (seed: number) => {
      const data = cliffData(T.key(seed), 40, 8, 0)
      const meanSquare = T.item(T.mean(T.mul(data.targets, data.targets)))
      return lossSurface(data, [0.8, 0.95, 1.0, 1.05], [0.3, 0.9])
        .flat()
        .map((l) => l / meanSquare)
    }
    const [x, y] = [scaled(a), scaled(b)]
    x.forEach((v, i) => {
      expect(Math.abs(v - y[i])).toBeLessThanOrEqual(TOL.f64.atol + TOL.f64.rtol * Math.abs(y[i]))
    })
  })
  it('is flat below w1 = 1 and a wall above it', () => {
    const data = cliffData(T.key(0), 50, 16, 0.05)
    const [row] = lossSurface(data, [0.5, 0.8, 1.1, 1.2], [0.5])
    expect(Math.abs(row[0] - row[1])).toBeLessThan(0.01 * row[0])
    expect(row[2]).toBeGreaterThan(100 * row[1])
    expect(row[3]).toBeGreaterThan(100 * row[2])
  })
  it('rejects bad arguments, naming them', () => {
    expect(() => cliffData(T.key(0), 0, 4, 0.1)).toThrow(/cliffData: length/)
    expect(() => cliffData(T.key(0), 5, 4, -1)).toThrow(/cliffData: noise/)
    expect(() => cliffParams(Number.NaN, 1)).toThrow(/cliffParams: w1/)
    expect(() => lossSurface(cliffData(T.key(0), 5, 4, 0), [], [1])).toThrow(/lossSurface: w1s/)
    expect(() => descend(cliffData(T.key(0), 5, 4, 0), { w1: 0.9, w2: 0.5 }, sgd(0.1), 0)).toThrow(
      /descend: steps/,
    )
    const bad = { ...small(), clipNorm: 0 }
    expect(() => errorSurfaceExperiment.run(bad, T.key(0))).toThrow(
      /errorSurfaceExperiment.run: config.clipNorm/,
    )
  })
})

describe('§4.3 as an experiment, at a small size', () => {
  for (const seed of [0, 1])
    it(`seed ${seed}: the unclipped run flies off the cliff, the clipped one descends`, () => {
      const config = small()
      const events: string[] = []
      const r = errorSurfaceExperiment.run(config, T.key(seed), {
        onEvent: (e) => events.push(`${e.type} ${e.run}`),
      })
      const { unclipped, clipped } = r.metrics.clipping
      expect(errorSurfaceExperiment.holds(r.metrics)).toBe(true)
      expect(unclipped.diverged).toMatch(/not finite|Infinity|NaN/)
      expect(unclipped.steps).toBeLessThan(config.steps)
      expect(unclipped.largestStep).toBeGreaterThan(1)
      expect(clipped.diverged).toBeNull()
      expect(clipped.steps).toBe(config.steps)
      expect(clipped.largestStep).toBeLessThanOrEqual(config.learningRate * config.clipNorm * (1 + 1e-9))
      expect(clipped.finalLoss).toBeLessThan(clipped.initialLoss / 2)
      // Why: the learning rate is above what the valley's curvature allows plain descent.
      expect(r.metrics.surface.stableLearningRate).toBeLessThan(config.learningRate)
      expect(events.filter((e) => e.startsWith('done'))).toEqual(['done unclipped', 'done clipped'])
      expect(r.plots.map((p) => p.id)).toEqual(['error-surface', 'error-surface-loss'])
    })
  it('the criterion fails when the clipped run diverges too, or when the unclipped one ends no higher', () => {
    const ok: ErrorSurfaceMetrics['clipping']['clipped'] = {
      diverged: null,
      initialLoss: 1,
      finalLoss: 0.1,
      steps: 10,
      maxGradNorm: 20,
      largestStep: 0.01,
    }
    const surface = { minLoss: 0.01, maxLoss: 1e6, valleyCurvature: 5000, stableLearningRate: 4e-4 }
    const flew = { ...ok, diverged: 'the loss is Infinity at step 4', finalLoss: Number.POSITIVE_INFINITY }
    expect(errorSurfaceExperiment.holds({ clipping: { unclipped: flew, clipped: ok }, surface })).toBe(true)
    expect(errorSurfaceExperiment.holds({ clipping: { unclipped: flew, clipped: flew }, surface })).toBe(
      false,
    )
    expect(errorSurfaceExperiment.holds({ clipping: { unclipped: ok, clipped: ok }, surface })).toBe(false)
    const farAbove = { ...ok, finalLoss: 1 }
    expect(errorSurfaceExperiment.holds({ clipping: { unclipped: farAbove, clipped: ok }, surface })).toBe(
      true,
    )
  })
  it('the same clipping, chained by hand, bounds each step by lr·c', () => {
    const data = cliffData(T.key(5), 30, 8, 0.05)
    const { summary } = descend(data, { w1: 0.9, w2: 0.5 }, chain(clipByGlobalNorm(0.1), sgd(0.05)), 40)
    expect(summary.largestStep).toBeLessThanOrEqual(0.005 * (1 + 1e-9))
  })
})
