import * as T from '@recurrent/tensor'
import { describe, expect, it } from 'vitest'
import type { ExperimentEvent } from '../../src/experiment.ts'
import { EXPERIMENTS } from '../../src/sections/index.ts'
import {
  CLASSIFIED_AT_LEAST,
  sentimentExperiment as e,
  ORDER_CHANCE_AT_MOST,
  SENTIMENT_MODELS,
  type SentimentMetrics,
} from '../../src/sections/sentiment.ts'

/** The claim at a small size: fewer sentences, smaller batches and fewer steps; the same networks. */
const SMALL = {
  ...e.config(false),
  trainPairs: 300,
  testPairs: 100,
  trainReviews: 300,
  testReviews: 100,
  batchSize: 16,
  steps: 150,
}
const RUNS = 6 // three classifiers on two tasks

describe('§5.1 many to one: sentiment where word order decides (small size)', () => {
  for (const seed of [0, 1]) {
    it(`holds for seed ${seed}: the bag of words at chance on the order pairs, LSTM and GRU not; all three rate reviews`, () => {
      const events: ExperimentEvent[] = []
      const r = e.run(SMALL, T.key(seed), { onEvent: (ev) => events.push(ev) })
      const m = r.metrics
      // By construction: the same input for both sentences of a pair, so right on exactly one.
      expect(m.orderPairs.accuracy.bagOfWords).toBe(0.5)
      expect(m.orderPairs.accuracy.bagOfWords).toBeLessThanOrEqual(ORDER_CHANCE_AT_MOST)
      for (const k of ['lstm', 'gru'] as const)
        expect(m.orderPairs.accuracy[k], k).toBeGreaterThanOrEqual(CLASSIFIED_AT_LEAST)
      for (const k of SENTIMENT_MODELS)
        expect(m.ratings.accuracy[k], k).toBeGreaterThanOrEqual(CLASSIFIED_AT_LEAST)
      expect(e.holds(m)).toBe(true)

      // The results.json contract: exactly these keys.
      expect(Object.keys(m)).toEqual(['orderPairs', 'ratings'])
      expect(Object.keys(m.orderPairs)).toEqual(['accuracy'])
      expect(Object.keys(m.ratings)).toEqual(['accuracy'])
      expect(Object.keys(m.orderPairs.accuracy)).toEqual(['bagOfWords', 'lstm', 'gru'])
      expect(Object.keys(m.ratings.accuracy)).toEqual(['bagOfWords', 'lstm', 'gru'])

      // Every run reported: start, a progress event per step, done.
      expect(events.filter((ev) => ev.type === 'start').length).toBe(RUNS)
      expect(events.filter((ev) => ev.type === 'done').length).toBe(RUNS)
      expect(events.filter((ev) => ev.type === 'progress').length).toBe(RUNS * SMALL.steps)

      // Plots with their data inline, a table for the terminal.
      expect(r.plots.map((p) => p.id)).toEqual(['sentiment-loss', 'sentiment-accuracy'])
      const losses = (r.plots[0].spec.data as { values: { loss: number }[] }).values
      expect(losses.length).toBe(RUNS * SMALL.steps)
      expect(losses.every((p) => Number.isFinite(p.loss) && p.loss >= 0)).toBe(true)
      expect(JSON.stringify(r.plots)).not.toMatch(/"url"/)
      expect(r.tables.map((t) => t.rows.length)).toEqual([3])
    }, 120_000)
  }

  it('is a function of the key', () => {
    const tiny = { ...SMALL, trainPairs: 20, testPairs: 10, trainReviews: 20, testReviews: 10, steps: 3 }
    expect(e.run(tiny, T.key(5)).metrics).toEqual(e.run(tiny, T.key(5)).metrics)
  }, 60_000)

  it('holds is computed from the metrics by the stated criterion', () => {
    const good: SentimentMetrics = {
      orderPairs: { accuracy: { bagOfWords: 0.5, lstm: 0.95, gru: 0.95 } },
      ratings: { accuracy: { bagOfWords: 0.95, lstm: 0.95, gru: 0.95 } },
    }
    expect(e.holds(good)).toBe(true)
    const edit = (f: (m: { -readonly [K in keyof SentimentMetrics]: any }) => void) => {
      const m = structuredClone(good)
      f(m)
      return e.holds(m)
    }
    expect(edit((m) => (m.orderPairs.accuracy.bagOfWords = 0.61))).toBe(false)
    expect(edit((m) => (m.orderPairs.accuracy.bagOfWords = 0.6))).toBe(true)
    expect(edit((m) => (m.orderPairs.accuracy.lstm = 0.89))).toBe(false)
    expect(edit((m) => (m.orderPairs.accuracy.gru = 0.89))).toBe(false)
    expect(edit((m) => (m.orderPairs.accuracy.gru = 0.9))).toBe(true)
    for (const k of SENTIMENT_MODELS) expect(edit((m) => (m.ratings.accuracy[k] = 0.89))).toBe(false)
  })

  it('is registered in section order, after §4.5', () => {
    const ids = EXPERIMENTS.map((s) => s.id)
    expect(ids).toContain('5.1')
    const byId = (a: string, b: string) => {
      const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)]
      return x[0] - y[0] || x[1] - y[1]
    }
    expect([...ids].sort(byId)).toEqual(ids)
    expect(ids.indexOf('5.1')).toBe(ids.indexOf('4.5') + 1)
  })
})
