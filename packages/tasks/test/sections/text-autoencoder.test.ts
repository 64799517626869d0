/** Lecture §5.5: a text auto-encoder's codes keep the word order that a bag of words loses. */
import { fc, test } from '@fast-check/vitest'
import * as T from '@recurrent/tensor'
import { numRuns } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { cosineDistance } from '../../src/codes.ts'
import { wordOrderPairs } from '../../src/data/word-order.ts'
import type { ExperimentEvent } from '../../src/experiment.ts'
import { EXPERIMENTS } from '../../src/sections/index.ts'
import {
  autoencoderBatch,
  textAutoencoderExperiment as e,
  heldOutPairs,
  ORDER_SEPARATION_AT_LEAST,
  RECONSTRUCTION_AT_LEAST,
  type TextAutoencoderConfig,
  type TextAutoencoderMetrics,
  trainingSentences,
  trainTextAutoencoder,
  wordCounts,
} from '../../src/sections/text-autoencoder.ts'

/** The claim with the default training and fewer held-out pairs (40). */
const SMALL: TextAutoencoderConfig = { ...e.config(false), testPairs: 40, plotPairs: 10 }
const TINY: TextAutoencoderConfig = {
  ...SMALL,
  hidden: 8,
  embedding: 4,
  steps: 3,
  batch: 4,
  testPairs: 4,
  plotPairs: 2,
}

describe('§5.5 text auto-encoder (default training, 40 held-out pairs)', () => {
  for (const seed of [0, 1]) {
    it(`holds for seed ${seed}: codes of the two orders apart, the bag of words blind, sentences rebuilt`, {
      timeout: 120_000,
    }, () => {
      const events: ExperimentEvent[] = []
      const r = e.run(SMALL, T.key(seed), { onEvent: (ev) => events.push(ev) })
      const m = r.metrics
      expect(m.orderSeparation.autoencoder).toBeGreaterThanOrEqual(ORDER_SEPARATION_AT_LEAST)
      expect(m.orderSeparation.bagOfWords).toBe(0)
      expect(m.reconstructionAccuracy).toBeGreaterThanOrEqual(RECONSTRUCTION_AT_LEAST)
      expect(e.holds(m)).toBe(true)
      // The results.json contract: exactly these keys.
      expect(Object.keys(m)).toEqual(['orderSeparation', 'reconstructionAccuracy'])
      expect(Object.keys(m.orderSeparation)).toEqual(['autoencoder', 'bagOfWords'])
      expect(events.filter((ev) => ev.type === 'progress').length).toBe(SMALL.steps)
      // The projection: two points per drawn pair.
      const plot = r.plots.find((p) => p.id === 'text-autoencoder-codes')!
      const values = (plot.spec.data as { values: { pc1: number; pc2: number; pair: number }[] }).values
      expect(values.length).toBe(2 * SMALL.plotPairs)
      expect(values.every((v) => Number.isFinite(v.pc1) && Number.isFinite(v.pc2))).toBe(true)
    })
  }
})

describe('the bag of words', () => {
  test.prop([fc.integer({ min: 0, max: 10_000 })], { numRuns: numRuns(30) })(
    'gives the two sentences of every pair the same vector: cosine distance exactly 0',
    (seed) => {
      const [a, b] = wordOrderPairs(T.key(seed), { pairs: 1 })
      expect(wordCounts(a)).toEqual(wordCounts(b))
      expect(cosineDistance(wordCounts(a), wordCounts(b))).toBe(0)
    },
  )
})

describe('the experiment', () => {
  it('is registered after §5.3 and before §5.7, in section order', () => {
    const ids = EXPERIMENTS.map((s) => s.id)
    expect(ids.indexOf('5.5')).toBeGreaterThan(ids.indexOf('5.3'))
    expect(ids.indexOf('5.5')).toBeLessThan(ids.indexOf('5.7'))
  })

  it('is deterministic: the same config and key give the same metrics', () => {
    expect(e.run(TINY, T.key(3)).metrics).toEqual(e.run(TINY, T.key(3)).metrics)
  })

  it('never trains on a held-out sentence, and fills every batch', () => {
    const config = { ...SMALL, testPairs: 500 }
    const held = new Set(heldOutPairs(config.testPairs, T.key(5)).map((s) => s.join(' ')))
    const batch = trainingSentences(config, T.key(5))
    for (let i = 0; i < 20; i++) {
      const b = batch(i)
      expect(b.length).toBe(config.batch)
      expect(b.some((s) => held.has(s.join(' ')))).toBe(false)
    }
    expect(batch(7)).toEqual(trainingSentences(config, T.key(5))(7))
    const r = trainTextAutoencoder(TINY, T.key(5))
    expect(r.losses.length).toBe(TINY.steps)
  })

  it('judges by the stated thresholds', () => {
    const m = (
      autoencoder: number,
      bagOfWords: number,
      reconstructionAccuracy: number,
    ): TextAutoencoderMetrics => ({
      orderSeparation: { autoencoder, bagOfWords },
      reconstructionAccuracy,
    })
    expect(e.holds(m(ORDER_SEPARATION_AT_LEAST, 0, RECONSTRUCTION_AT_LEAST))).toBe(true)
    expect(e.holds(m(ORDER_SEPARATION_AT_LEAST - 0.01, 0, 1))).toBe(false)
    expect(e.holds(m(1, 0.01, 1))).toBe(false)
    expect(e.holds(m(1, 0, RECONSTRUCTION_AT_LEAST - 0.01))).toBe(false)
    expect(e.holds(m(Number.NaN, 0, 1))).toBe(false)
  })

  it('has a longer budget with --full', () => {
    expect(e.config(true).steps).toBeGreaterThan(e.config(false).steps)
  })

  it('refuses a bad configuration or sentence, naming it', () => {
    expect(() => e.run({ ...TINY, steps: 0 }, T.key(0))).toThrow(
      /textAutoencoderExperiment.run: config.steps must be a positive integer, got 0/,
    )
    expect(() => e.run({ ...TINY, learningRate: -1 }, T.key(0))).toThrow(
      /config.learningRate must be a finite number > 0/,
    )
    expect(() => e.run({ ...TINY, testPairs: 10_000 }, T.key(0))).toThrow(
      /config.testPairs must be at most 528/,
    )
    expect(() => autoencoderBatch([['the', 'robot']])).toThrow(
      /autoencoderBatch: word 1 'robot' is not in the vocabulary/,
    )
    expect(() => autoencoderBatch([])).toThrow(/sentences must be a non-empty array/)
    expect(() => wordCounts(['==='])).toThrow(/wordCounts: word 0 '===' is not in the vocabulary/)
  })
})
