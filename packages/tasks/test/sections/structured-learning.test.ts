/** Lecture §5.8: a CRF on top of the bidirectional LSTM learns the BIO rules the softmax tagger breaks. */
import * as T from '@recurrent/tensor'
import { describe, expect, it } from 'vitest'
import { SLOT_LABELS, slotFillingSentences, withoutCues } from '../../src/data/slot-filling.ts'
import type { ExperimentEvent } from '../../src/experiment.ts'
import { bioViolations } from '../../src/metrics.ts'
import { EXPERIMENTS } from '../../src/sections/index.ts'
import {
  type CrfConfig,
  crfHolds,
  ESSENTIALLY_NONE,
  structuredLearningExperiment as e,
} from '../../src/sections/structured-learning.ts'

/** The claim at a small size: 600 training and 100 test sentences, H = 16, 100 steps per tagger. */
const SMALL: CrfConfig = {
  ...e.config(false).crf!,
  trainSentences: 600,
  testSentences: 100,
  embedding: 16,
  hidden: 16,
  steps: 100,
}

interface Cell {
  readonly from: string
  readonly to: string
  readonly score: number
}

describe('§5.8 a CRF on top of the bidirectional LSTM (small size)', () => {
  for (const seed of [0, 1]) {
    it(`holds for seed ${seed}: the CRF breaks no BIO rule and its slot F1 is at least the softmax tagger's`, () => {
      const events: ExperimentEvent[] = []
      const r = e.run({ crf: SMALL }, T.key(seed), { onEvent: (ev) => events.push(ev) })
      const m = r.metrics.crf!
      expect(m.invalidTransitions.crf).toBeLessThanOrEqual(ESSENTIALLY_NONE)
      expect(m.slotF1.crf).toBeGreaterThanOrEqual(m.slotF1.softmax)
      expect(m.holds).toBe(true)
      expect(e.holds(r.metrics)).toBe(true)

      // The results.json contract: exactly these keys.
      expect(Object.keys(r.metrics)).toEqual(['crf'])
      expect(Object.keys(m)).toEqual(['slotF1', 'invalidTransitions', 'holds'])
      expect(Object.keys(m.slotF1)).toEqual(['softmax', 'crf'])
      expect(Object.keys(m.invalidTransitions)).toEqual(['softmax', 'crf'])

      // Both readings of every cue-less test sentence: a guess gets at most half of their slots.
      const [table] = r.tables
      for (const row of table.rows) expect(row[3]).toBeLessThanOrEqual(0.5)
      expect(table.rows.map((row) => row[0])).toEqual(['softmax', 'crf'])

      // Nothing was masked: the CRF learned that I-x does not follow O or start a sentence.
      const cells = (r.plots[0].spec.data as { values: Cell[] }).values
      const score = (from: string, to: string) => cells.find((c) => c.from === from && c.to === to)!.score
      expect(cells.length).toBe((SLOT_LABELS.length + 2) * SLOT_LABELS.length)
      for (const slot of ['destination', 'departure', 'arrival_time', 'departure_time']) {
        expect(score('O', `I-${slot}`)).toBeLessThan(score('O', `B-${slot}`))
        expect(score('start', `I-${slot}`)).toBeLessThan(0)
      }

      // Two training runs reported, and their losses plotted.
      expect(events.filter((ev) => ev.type === 'start').map((ev) => (ev as { run: string }).run)).toEqual([
        'softmax',
        'crf',
      ])
      expect(events.filter((ev) => ev.type === 'progress').length).toBe(2 * SMALL.steps)
      expect(r.plots.map((p) => p.id)).toEqual(['crf-transitions', 'crf-loss'])
      expect(JSON.stringify(r.plots)).not.toMatch(/"url"/)
    }, 120_000)
  }

  it('is a function of the key, registered as §5.8 after §5.7', () => {
    const tiny = { crf: { ...SMALL, trainSentences: 40, testSentences: 20, steps: 3 } }
    expect(e.run(tiny, T.key(5)).metrics).toEqual(e.run(tiny, T.key(5)).metrics)
    const ids = EXPERIMENTS.map((s) => s.id)
    expect(ids.indexOf('5.8')).toBe(ids.indexOf('5.7') + 1)
  }, 60_000)

  it('holds exactly when the CRF stays under the violation bound and matches the F1, and not when no part ran', () => {
    const m = (crfF1: number, crfInvalid: number) => ({
      slotF1: { softmax: 0.8, crf: crfF1 },
      invalidTransitions: { softmax: 0.01, crf: crfInvalid },
    })
    expect(crfHolds(m(0.8, 0))).toBe(true)
    expect(crfHolds(m(0.8, ESSENTIALLY_NONE))).toBe(true)
    expect(crfHolds(m(0.79, 0))).toBe(false)
    expect(crfHolds(m(0.9, ESSENTIALLY_NONE * 1.5))).toBe(false)
    expect(e.holds({ crf: { ...m(0.9, 0), holds: true } })).toBe(true)
    expect(e.holds({ crf: { ...m(0.9, 0), holds: false } })).toBe(false)
    expect(e.holds({})).toBe(false)
    expect(e.run({}, T.key(0)).metrics).toEqual({})
  })

  it('names the bad argument', () => {
    expect(() => e.run({ crf: { ...SMALL, steps: 0 } }, T.key(0))).toThrow(
      'crfPart.run: config.steps must be a positive integer, got 0',
    )
    expect(() => e.run({ crf: { ...SMALL, ambiguousPairs: 1.5 } }, T.key(0))).toThrow(
      'crfPart.run: config.ambiguousPairs must lie in [0, 1], got 1.5',
    )
    expect(() => e.run(null as never, T.key(0))).toThrow('structuredLearningExperiment.run: config must be')
  })
})

describe('withoutCues: the cue-less sentences of §5.8', () => {
  const pairs = slotFillingSentences(T.key(2), { sentences: 200, cities: ['Taipei', 'Tokyo', 'Seoul'] })
  it('deletes exactly the words a sentence does not share with its pair partner, labels with them', () => {
    const { sentences, dropped } = withoutCues(pairs, T.key(0), 0.5)
    const share = dropped.filter(Boolean).length / dropped.length
    expect(share).toBeGreaterThan(0.35)
    expect(share).toBeLessThan(0.65)
    sentences.forEach((s, i) => {
      expect(s.labels.length).toBe(s.words.length)
      if (!dropped[i]) return expect(s).toBe(pairs[i])
      const partner = pairs[i ^ 1]
      const kept = pairs[i].words.flatMap((w, j) => (w === partner.words[j] ? [j] : []))
      expect(s.words).toEqual(kept.map((j) => pairs[i].words[j]))
      expect(s.labels).toEqual(kept.map((j) => pairs[i].labels[j]))
      expect(s.words.some((w) => ['arrive', 'reach', 'leave', 'depart'].includes(w))).toBe(false)
    })
  })
  it('with wholePairs both sentences of a pair lose their cues: the same words, both readings', () => {
    const { sentences, dropped } = withoutCues(pairs, T.key(1), 0.5, { wholePairs: true })
    for (let i = 0; i < sentences.length; i += 2) {
      expect(dropped[i]).toBe(dropped[i + 1])
      if (dropped[i]) expect(sentences[i].words).toEqual(sentences[i + 1].words)
    }
    expect(withoutCues(pairs, T.key(1), 0.5, { wholePairs: true })).toEqual({ sentences, dropped })
  })
  it('names the bad argument', () => {
    expect(() => withoutCues(pairs.slice(1), T.key(0), 0.5)).toThrow(
      'withoutCues: sentences must be minimal pairs',
    )
    expect(() => withoutCues(pairs, T.key(0), -0.1)).toThrow('withoutCues: rate must lie in [0, 1], got -0.1')
  })
})

describe('bioViolations', () => {
  it.each<[string, string[], number]>([
    ['a valid sequence', ['O', 'B-destination', 'O', 'B-arrival_time', 'I-arrival_time'], 0],
    ['I-x at the start', ['I-destination', 'O'], 1],
    ['I-x after O', ['B-departure', 'O', 'I-departure'], 1],
    ['I-x after B-y', ['B-arrival_time', 'I-departure_time'], 1],
    ['I-x after I-y', ['B-arrival_time', 'I-arrival_time', 'I-departure_time'], 1],
    ['B-x after anything', ['I-departure', 'B-departure', 'B-destination'], 1],
  ])('%s', (_, labels, violations) => {
    expect(bioViolations([labels])).toEqual({ violations, transitions: labels.length })
  })
  it('counts over sentences, and names a label that is not BIO', () => {
    expect(bioViolations([['I-departure'], [], ['O', 'I-departure']])).toEqual({
      violations: 2,
      transitions: 3,
    })
    expect(() => bioViolations([['X-departure']])).toThrow("bioViolations: label 'X-departure' is not O")
  })
})
