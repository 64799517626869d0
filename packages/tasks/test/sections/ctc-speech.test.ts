/** Lecture §5.2: CTC keeps the double letters that trimming repeats can never write. */
import { fc, test } from '@fast-check/vitest'
import * as T from '@recurrent/tensor'
import { numRuns, TOL } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import type { ExperimentEvent } from '../../src/experiment.ts'
import { doubleLettersKept } from '../../src/metrics.ts'
import {
  CER_AT_MOST,
  type CtcSpeechConfig,
  type CtcSpeechMetrics,
  DOUBLES_AT_LEAST,
  ctcSpeechExperiment as e,
  trimRepeats,
} from '../../src/sections/ctc-speech.ts'
import { EXPERIMENTS } from '../../src/sections/index.ts'

/**
 * The claim at a small size: fewer utterances, half the noise (σ = 0.5), a smaller network and
 * a third of the steps; the same words, voice and criterion.
 */
const SMALL: CtcSpeechConfig = {
  ...e.config(false),
  noise: 0.5,
  trainUtterances: 300,
  testUtterances: 100,
  hidden: 16,
  batchSize: 16,
  steps: 200,
}

describe('§5.2 CTC speech recognition (small size)', () => {
  for (const seed of [0, 1]) {
    it(`holds for seed ${seed}: low character error rate, double letters kept by CTC, none by trimming`, {
      timeout: 120_000,
    }, () => {
      const events: ExperimentEvent[] = []
      const r = e.run(SMALL, T.key(seed), { onEvent: (ev) => events.push(ev) })
      const m = r.metrics
      expect(m.cer.greedy).toBeLessThanOrEqual(CER_AT_MOST)
      expect(m.cer.beam).toBeLessThanOrEqual(CER_AT_MOST)
      expect(m.doubleLetters.ctc).toBeGreaterThanOrEqual(DOUBLES_AT_LEAST)
      expect(m.doubleLetters.trimming).toBe(0)
      expect(e.holds(m)).toBe(true)

      // The results.json contract: exactly these keys.
      expect(Object.keys(m)).toEqual(['cer', 'doubleLetters'])
      expect(Object.keys(m.cer)).toEqual(['greedy', 'beam'])
      expect(Object.keys(m.doubleLetters)).toEqual(['ctc', 'trimming'])
      // Both models report their runs.
      expect(events.filter((ev) => ev.type === 'start').map((ev) => ev.type === 'start' && ev.run)).toEqual([
        'ctc',
        'frame-wise',
      ])
      expect(events.filter((ev) => ev.type === 'progress').length).toBe(2 * SMALL.steps)

      // The posterior plot: one held-out utterance, φ's and its characters' posteriors at every
      // frame, each a probability, summing to at most 1 per frame.
      const plot = r.plots.find((p) => p.id === 'ctc-speech-posteriors')!
      const layers = plot.spec.layer as { data: { values: Record<string, number & string>[] } }[]
      const values = layers[0].data.values as unknown as {
        frame: number
        symbol: string
        posterior: number
      }[]
      const steps = layers[1].data.values.length
      expect(new Set(values.map((v) => v.frame))).toEqual(new Set(Array.from({ length: steps }, (_, t) => t)))
      expect(values.some((v) => v.symbol === 'φ (blank)')).toBe(true)
      for (let t = 0; t < steps; t++) {
        const at = values.filter((v) => v.frame === t).map((v) => v.posterior)
        expect(at.every((p) => p >= 0 && p <= 1)).toBe(true)
        expect(at.reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(1 + TOL.f32.rtol * at.length)
      }
    })
  }
})

describe('trimming repeats', () => {
  test.prop([fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 30 })], { numRuns: numRuns(200) })(
    'never yields two equal adjacent characters, whatever the frame labelling, and merges only repeats',
    (labels) => {
      const trimmed = trimRepeats(labels)
      for (let j = 1; j < trimmed.length; j++) expect(trimmed[j]).not.toBe(trimmed[j - 1])
      expect(trimRepeats(trimmed)).toEqual(trimmed)
      // Each run of equal labels becomes one label.
      expect(trimmed.length).toBe(labels.filter((c, t) => t === 0 || c !== labels[t - 1]).length)
      // So no decoding by trimming keeps a double letter.
      const text = trimmed.map((c) => 'abcde'[c]).join('')
      expect(doubleLettersKept([text], ['hello'])).toBe(0)
    },
  )
  it('turns "hello"\'s frames into "helo"', () => {
    expect(trimRepeats([1, 1, 2, 3, 3, 3, 3, 4, 4])).toEqual([1, 2, 3, 4])
    expect(() => trimRepeats('ab' as never)).toThrow(/trimRepeats: labels must be an array/)
  })
})

describe('the experiment', () => {
  it('is registered after §5.1 and before §5.3, in section order', () => {
    const ids = EXPERIMENTS.map((s) => s.id)
    expect(ids).toContain('5.2')
    const sorted = [...ids].sort((a, b) => {
      const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)]
      return x[0] - y[0] || x[1] - y[1]
    })
    expect(ids).toEqual(sorted)
  })

  it('is deterministic: the same config and key give the same metrics', () => {
    const tiny = { ...SMALL, trainUtterances: 32, testUtterances: 16, steps: 3 }
    expect(e.run(tiny, T.key(3)).metrics).toEqual(e.run(tiny, T.key(3)).metrics)
  })

  it('judges by the stated thresholds', () => {
    const m = (cer: number, beam: number, ctc: number, trimming: number): CtcSpeechMetrics => ({
      cer: { greedy: cer, beam },
      doubleLetters: { ctc, trimming },
    })
    expect(e.holds(m(CER_AT_MOST, CER_AT_MOST, DOUBLES_AT_LEAST, 0))).toBe(true)
    expect(e.holds(m(CER_AT_MOST + 0.01, 0, 1, 0))).toBe(false)
    expect(e.holds(m(0, CER_AT_MOST + 0.01, 1, 0))).toBe(false)
    expect(e.holds(m(0, 0, DOUBLES_AT_LEAST - 0.01, 0))).toBe(false)
    expect(e.holds(m(0, 0, 1, 0.01))).toBe(false)
    expect(e.holds(m(Number.NaN, 0, 1, 0))).toBe(false)
  })

  it('has a longer budget with --full', () => {
    expect(e.config(true).steps).toBeGreaterThan(e.config(false).steps)
  })

  it('refuses a bad configuration, naming the field', () => {
    expect(() => e.run({ ...SMALL, steps: 0 }, T.key(0))).toThrow(/config.steps must be a positive integer/)
    expect(() => e.run({ ...SMALL, learningRate: -1 }, T.key(0))).toThrow(
      /config.learningRate must be a finite number > 0/,
    )
    expect(() => e.run({ ...SMALL, noise: -1 }, T.key(0))).toThrow(/speak: noise must be a finite number ≥ 0/)
  })
})
