/** Lecture §5.4: parsing as sequence to sequence, at a small size. */
import * as T from '@recurrent/tensor'
import { describe, expect, it } from 'vitest'
import { isWellFormed, linearise, parseTrees, treeShape, treeWords } from '../../src/data/parse-trees.ts'
import type { ExperimentEvent } from '../../src/experiment.ts'
import { EXPERIMENTS } from '../../src/sections/index.ts'
import {
  EXACT_TREE_MARGIN,
  parsingExperiment as e,
  fillShape,
  heldOutTrees,
  majorityShapes,
  type ParsingConfig,
  type ParsingMetrics,
  parseBatch,
  trainingTrees,
  WELL_FORMED_AT_LEAST,
} from '../../src/sections/parsing.ts'

/** The claim at a small size: sentences of up to 7 words, H = 32, 250 steps, 60 held-out trees. */
const SMALL: ParsingConfig = {
  ...e.config(false),
  maxWords: 7,
  hidden: 32,
  embedding: 16,
  steps: 250,
  testTrees: 60,
  shapeSample: 500,
}
const TINY: ParsingConfig = {
  ...SMALL,
  hidden: 8,
  embedding: 4,
  steps: 2,
  batch: 4,
  testTrees: 6,
  shapeSample: 50,
}

describe('§5.4 parsing as sequence to sequence (small size)', () => {
  for (const seed of [0, 1]) {
    it(`holds for seed ${seed}: exact trees well above the majority shape, and trees over the input's words`, {
      timeout: 120_000,
    }, () => {
      const events: ExperimentEvent[] = []
      const r = e.run(SMALL, T.key(seed), { onEvent: (ev) => events.push(ev) })
      const m = r.metrics
      expect(m.exactTree.seq2seq).toBeGreaterThanOrEqual(m.exactTree.majorityShape + EXACT_TREE_MARGIN)
      expect(m.wellFormed).toBeGreaterThanOrEqual(WELL_FORMED_AT_LEAST)
      expect(e.holds(m)).toBe(true)
      // An exact tree is a well-formed one.
      expect(m.wellFormed).toBeGreaterThanOrEqual(m.exactTree.seq2seq)
      expect(Object.keys(m)).toEqual(['exactTree', 'wellFormed'])
      expect(Object.keys(m.exactTree)).toEqual(['seq2seq', 'majorityShape'])
      expect(events.filter((ev) => ev.type === 'progress').length).toBe(SMALL.steps)
      expect(r.plots.map((p) => p.id)).toEqual(['parsing-by-length'])
    })
  }
})

describe('the majority-shape baseline', () => {
  it('writes the most common shape of the length, filled with the words, so it is right exactly when the shape is', () => {
    const trees = parseTrees(T.key(4), { count: 300, maxWords: 8 })
    const shapes = majorityShapes(trees)
    for (const t of parseTrees(T.key(5), { count: 50, maxWords: 8 })) {
      const words = treeWords(t)
      const shape = shapes.get(words.length)!
      const filled = fillShape(shape, words)
      expect(isWellFormed(filled, words)).toBe(true)
      expect(filled.join(' ') === linearise(t).join(' ')).toBe(
        shape.join(' ') === treeShape(linearise(t)).join(' '),
      )
    }
    // No shape of that length in the sample: nothing to write, never right.
    expect(fillShape([], ['john', 'slept'])).toEqual([])
  })
})

describe('the experiment', () => {
  it('is registered after §5.3 and before §5.5, in section order', () => {
    const ids = EXPERIMENTS.map((s) => s.id)
    expect(ids.indexOf('5.4')).toBe(ids.indexOf('5.3') + 1)
    expect(ids.indexOf('5.4')).toBeLessThan(ids.indexOf('5.5'))
  })

  it('is deterministic: the same config and key give the same metrics', () => {
    expect(e.run(TINY, T.key(3)).metrics).toEqual(e.run(TINY, T.key(3)).metrics)
  })

  it('never trains on a held-out sentence, and fills every batch', () => {
    const config = { ...SMALL, maxWords: 4, testTrees: 100 }
    const held = new Set(heldOutTrees(config, T.key(2)).map((t) => treeWords(t).join(' ')))
    const batch = trainingTrees(config, T.key(2))
    for (let i = 0; i < 10; i++) {
      const b = batch(i)
      expect(b.length).toBe(config.batch)
      expect(b.some((t) => held.has(treeWords(t).join(' ')))).toBe(false)
    }
  })

  it('judges by the stated thresholds', () => {
    const m = (seq2seq: number, majorityShape: number, wellFormed: number): ParsingMetrics => ({
      exactTree: { seq2seq, majorityShape },
      wellFormed,
    })
    expect(e.holds(m(0.7, 0.4, WELL_FORMED_AT_LEAST))).toBe(true)
    expect(e.holds(m(0.69, 0.4, 1))).toBe(false)
    expect(e.holds(m(1, 0.4, WELL_FORMED_AT_LEAST - 0.01))).toBe(false)
    expect(e.holds(m(Number.NaN, 0, 1))).toBe(false)
  })

  it('has a longer budget with --full', () => {
    expect(e.config(true).steps).toBeGreaterThan(e.config(false).steps)
  })

  it('refuses a bad configuration or tree, naming it', () => {
    expect(() => e.run({ ...TINY, steps: 0 }, T.key(0))).toThrow(
      /parsingExperiment.run: config.steps must be a positive integer, got 0/,
    )
    expect(() => e.run({ ...TINY, maxWords: 2 }, T.key(0))).toThrow(
      /config.maxWords must be an integer ≥ 3, got 2/,
    )
    expect(() => e.run({ ...TINY, clipNorm: 0 }, T.key(0))).toThrow(
      /config.clipNorm must be a finite number > 0/,
    )
    expect(() => parseBatch([])).toThrow(/parseBatch: trees must be a non-empty array/)
    expect(() => parseBatch([{ label: 'S', children: ['robot'] }])).toThrow(
      /parseBatch: trees\[0\] has 'robot', which is not in the vocabulary/,
    )
    expect(() => parseBatch([null as never])).toThrow(/parseBatch: trees\[0\] must be a tree/)
  })
})
