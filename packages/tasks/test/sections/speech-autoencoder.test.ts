/** Lecture §5.6: a speech auto-encoder's codes tell apart anagrams that the mean frame cannot. */
import { fc, test } from '@fast-check/vitest'
import * as T from '@recurrent/tensor'
import { numRuns } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { cosineDistance } from '../../src/codes.ts'
import { speak, voice } from '../../src/data/acoustic.ts'
import type { ExperimentEvent } from '../../src/experiment.ts'
import { EXPERIMENTS } from '../../src/sections/index.ts'
import {
  ANAGRAM_GROUPS,
  ANAGRAM_WORDS,
  speechAutoencoderExperiment as e,
  heldOutSegments,
  meanFrame,
  RETRIEVAL_MARGIN,
  type SpeechAutoencoderConfig,
  type SpeechAutoencoderMetrics,
  segmentBatch,
} from '../../src/sections/speech-autoencoder.ts'

/** The claim at a small size: H = 32, 150 steps of 16 segments, 6 held-out segments per word. */
const SMALL: SpeechAutoencoderConfig = {
  ...e.config(false),
  hidden: 32,
  steps: 150,
  batch: 16,
  testPerWord: 6,
}
const TINY: SpeechAutoencoderConfig = { ...SMALL, hidden: 4, steps: 2, batch: 4, testPerWord: 3, k: 2 }

describe('§5.6 speech auto-encoder (small size)', () => {
  for (const seed of [0, 1]) {
    it(`holds for seed ${seed}: retrieval of the same word well above the mean frame`, {
      timeout: 120_000,
    }, () => {
      const events: ExperimentEvent[] = []
      const r = e.run(SMALL, T.key(seed), { onEvent: (ev) => events.push(ev) })
      const m = r.metrics
      expect(m.retrievalPrecision.autoencoder).toBeGreaterThanOrEqual(
        m.retrievalPrecision.meanFrame + RETRIEVAL_MARGIN,
      )
      expect(e.holds(m)).toBe(true)
      expect(Object.keys(m)).toEqual(['retrievalPrecision'])
      expect(Object.keys(m.retrievalPrecision)).toEqual(['autoencoder', 'meanFrame'])
      expect(events.filter((ev) => ev.type === 'progress').length).toBe(SMALL.steps)
      // The projection: every held-out segment once per kind of code.
      const plot = r.plots.find((p) => p.id === 'speech-autoencoder-codes')!
      const values = (plot.spec.data as { values: { code: string }[] }).values
      expect(values.length).toBe(2 * ANAGRAM_WORDS.length * SMALL.testPerWord)
    })
  }
})

describe('the words and the baseline', () => {
  it('are anagram groups: the same letters in four orders', () => {
    for (const g of ANAGRAM_GROUPS) {
      expect(new Set(g).size).toBe(4)
      for (const w of g) expect([...w].sort()).toEqual([...g[0]].sort())
    }
  })

  test.prop([fc.integer({ min: 0, max: 1000 })], { numRuns: numRuns(10) })(
    'the mean frame of anagrams spoken without noise and with equal durations is the same vector',
    (seed) => {
      const v = voice(T.key(seed), { words: ANAGRAM_WORDS, features: 4 })
      for (const g of ANAGRAM_GROUPS) {
        const means = g.map((w) => {
          const [u] = speak(T.key(seed + 1), v, {
            count: 1,
            words: [w],
            minDuration: 3,
            maxDuration: 3,
            noise: 0,
          })
          return meanFrame(u, 4)
        })
        for (const m of means.slice(1)) expect(cosineDistance(m, means[0])).toBeLessThan(1e-6)
      }
    },
  )

  it('holds out every word the same number of times, and batches segments backwards', () => {
    const v = voice(T.foldIn(T.key(0), 0), { words: ANAGRAM_WORDS, features: SMALL.features })
    const held = heldOutSegments(SMALL, v, T.key(0))
    for (const w of ANAGRAM_WORDS) expect(held.filter((u) => u.text === w).length).toBe(SMALL.testPerWord)
    const b = segmentBatch(held.slice(0, 3), SMALL.features)
    const f = T.toArray(b.frames) as number[][][]
    const r = T.toArray(b.reversed) as number[][][]
    b.lengths.forEach((l, j) => {
      for (let t = 0; t < l; t++) expect(r[t][j]).toEqual(f[l - 1 - t][j])
    })
  })
})

describe('the experiment', () => {
  it('is registered after §5.5 and before §5.7, in section order', () => {
    const ids = EXPERIMENTS.map((s) => s.id)
    expect(ids.indexOf('5.6')).toBe(ids.indexOf('5.5') + 1)
    expect(ids.indexOf('5.6')).toBe(ids.indexOf('5.7') - 1)
  })

  it('is deterministic: the same config and key give the same metrics', () => {
    expect(e.run(TINY, T.key(3)).metrics).toEqual(e.run(TINY, T.key(3)).metrics)
  })

  it('judges by the stated margin', () => {
    const m = (autoencoder: number, meanFrame: number): SpeechAutoencoderMetrics => ({
      retrievalPrecision: { autoencoder, meanFrame },
    })
    expect(e.holds(m(0.5, 0.3))).toBe(true)
    expect(e.holds(m(0.49, 0.3))).toBe(false)
    expect(e.holds(m(Number.NaN, 0))).toBe(false)
  })

  it('has a longer budget with --full', () => {
    expect(e.config(true).steps).toBeGreaterThan(e.config(false).steps)
  })

  it('refuses a bad configuration or segment, naming it', () => {
    expect(() => e.run({ ...TINY, steps: 0 }, T.key(0))).toThrow(
      /speechAutoencoderExperiment.run: config.steps must be a positive integer, got 0/,
    )
    expect(() => e.run({ ...TINY, k: 36 }, T.key(0))).toThrow(
      /config.k must be below the number of held-out segments \(36\)/,
    )
    expect(() => e.run({ ...TINY, learningRate: Number.NaN }, T.key(0))).toThrow(/config.learningRate/)
    expect(() => e.run({ ...TINY, noise: -1 }, T.key(0))).toThrow(/speak: noise must be a finite number ≥ 0/)
    expect(() =>
      meanFrame({ text: 'x', labels: [1], steps: 2, frames: new Float32Array(3), alignment: [1, 1] }, 2),
    ).toThrow(/meanFrame: the segment has 3 values, expected steps × features = 2 × 2/)
  })
})
