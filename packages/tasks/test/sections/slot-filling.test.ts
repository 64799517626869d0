import * as T from '@recurrent/tensor'
import { describe, expect, it } from 'vitest'
import type { ExperimentEvent } from '../../src/experiment.ts'
import { TAGGER_KINDS } from '../../src/models/tagger.ts'
import { EXPERIMENTS } from '../../src/sections/index.ts'
import {
  CHANCE_AT_MOST,
  slotFillingExperiment as e,
  LEARNED_AT_LEAST,
  type SlotFillingMetrics,
} from '../../src/sections/slot-filling.ts'

/** The claim at a small size: fewer, shorter batches and sentences; the same networks. */
const SMALL = { ...e.config(false), trainSentences: 400, testSentences: 100, steps: 150, batchSize: 16 }
const RUNS = 9 // six taggers, the word-hashing LSTM, two cue-after taggers

describe('§1.2 slot filling needs memory (small size)', () => {
  for (const seed of [0, 1]) {
    it(`holds for seed ${seed}: feedforward at chance, recurrent taggers not; cue after: only the bidirectional one`, () => {
      const events: ExperimentEvent[] = []
      const r = e.run(SMALL, T.key(seed), { onEvent: (ev) => events.push(ev) })
      const m = r.metrics
      expect(m.ambiguousCityAccuracy.feedforward).toBeLessThanOrEqual(CHANCE_AT_MOST)
      for (const k of ['elman', 'jordan', 'lstm', 'gru', 'bidirectional'] as const)
        expect(m.ambiguousCityAccuracy[k], k).toBeGreaterThanOrEqual(LEARNED_AT_LEAST)
      expect(m.cueAfter.ambiguousCityAccuracy.lstm).toBeLessThanOrEqual(CHANCE_AT_MOST)
      expect(m.cueAfter.ambiguousCityAccuracy.bidirectional).toBeGreaterThanOrEqual(LEARNED_AT_LEAST)
      expect(m.unseenCities.slotF1.wordHashing).toBeGreaterThanOrEqual(LEARNED_AT_LEAST)
      expect(e.holds(m)).toBe(true)

      // The results.json contract: exactly these keys.
      expect(Object.keys(m)).toEqual(['ambiguousCityAccuracy', 'slotF1', 'cueAfter', 'unseenCities'])
      expect(Object.keys(m.ambiguousCityAccuracy)).toEqual([...TAGGER_KINDS])
      expect(Object.keys(m.slotF1)).toEqual([...TAGGER_KINDS])
      expect(Object.keys(m.cueAfter.ambiguousCityAccuracy)).toEqual(['lstm', 'bidirectional'])
      expect(Object.keys(m.unseenCities.slotF1)).toEqual(['oneHot', 'wordHashing'])
      for (const v of [...Object.values(m.slotF1), m.unseenCities.slotF1.oneHot]) {
        expect(v).toBeGreaterThanOrEqual(0)
        expect(v).toBeLessThanOrEqual(1)
      }

      // Every run reported: start, a progress event per step, done.
      expect(events.filter((ev) => ev.type === 'start').length).toBe(RUNS)
      expect(events.filter((ev) => ev.type === 'done').length).toBe(RUNS)
      expect(events.filter((ev) => ev.type === 'progress').length).toBe(RUNS * SMALL.steps)

      // Plots with their data inline, tables for the terminal.
      expect(r.plots.map((p) => p.id)).toEqual(['slot-filling-loss', 'slot-filling-city-accuracy'])
      const losses = (r.plots[0].spec.data as { values: { tagger: string; loss: number }[] }).values
      expect(losses.length).toBe(RUNS * SMALL.steps)
      expect(losses.every((p) => Number.isFinite(p.loss) && p.loss >= 0)).toBe(true)
      expect(JSON.stringify(r.plots)).not.toMatch(/"url"/)
      expect(r.tables.map((t) => t.rows.length)).toEqual([6, 2, 2])
    }, 120_000)
  }

  it('is a function of the key', () => {
    const tiny = { ...SMALL, trainSentences: 40, testSentences: 20, steps: 3 }
    expect(e.run(tiny, T.key(5)).metrics).toEqual(e.run(tiny, T.key(5)).metrics)
  }, 60_000)

  it('holds is computed from the metrics by the stated criterion', () => {
    const good: SlotFillingMetrics = {
      ambiguousCityAccuracy: { feedforward: 0.5, elman: 1, jordan: 1, lstm: 1, gru: 1, bidirectional: 1 },
      slotF1: { feedforward: 0.5, elman: 1, jordan: 1, lstm: 1, gru: 1, bidirectional: 1 },
      cueAfter: { ambiguousCityAccuracy: { lstm: 0.5, bidirectional: 1 } },
      unseenCities: { slotF1: { oneHot: 0.95, wordHashing: 0.95 } },
    }
    expect(e.holds(good)).toBe(true)
    const edit = (f: (m: any) => void) => {
      const m = structuredClone(good)
      f(m)
      return e.holds(m)
    }
    expect(edit((m) => (m.ambiguousCityAccuracy.feedforward = 0.7))).toBe(false)
    expect(edit((m) => (m.ambiguousCityAccuracy.jordan = 0.85))).toBe(false)
    expect(edit((m) => (m.cueAfter.ambiguousCityAccuracy.lstm = 0.8))).toBe(false)
    expect(edit((m) => (m.cueAfter.ambiguousCityAccuracy.bidirectional = 0.6))).toBe(false)
    expect(edit((m) => (m.unseenCities.slotF1.wordHashing = 0.8))).toBe(false)
    expect(edit((m) => (m.unseenCities.slotF1.oneHot = 0.5))).toBe(true) // reported, not compared
    expect(edit((m) => (m.ambiguousCityAccuracy.gru = Number.NaN))).toBe(false)
  })

  it('is the first experiment of the lecture', () => {
    expect(EXPERIMENTS[0].id).toBe('1.2')
    expect(EXPERIMENTS[0].criterion).toBe(e.criterion)
  })
})
