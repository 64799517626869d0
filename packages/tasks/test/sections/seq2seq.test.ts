/** Lecture §5.3: an encoder–decoder translates and stops by writing ===, at a small size. */
import * as T from '@recurrent/tensor'
import { describe, expect, it } from 'vitest'
import { translationPairs } from '../../src/data/translation.ts'
import { exactMatch, tokenAccuracy } from '../../src/metrics.ts'
import {
  decodeLimit,
  SEQ2SEQ_EXACT_AT_LEAST,
  type Seq2seqConfig,
  STOPS_AT_LEAST,
  seq2seqExperiment,
  trainSeq2seq,
  translationBatch,
  translationTestSet,
} from '../../src/sections/seq2seq.ts'

/** The claim at a small size: sentences of 1–5 words, H = 32, 400 steps. */
const small = (): Seq2seqConfig => ({
  ...seq2seqExperiment.config(false),
  maxLength: 5,
  hidden: 32,
  embedding: 16,
  steps: 400,
  testPerLength: 10,
})

describe('§5.3 sequence to sequence, at a small size', () => {
  for (const seed of [0, 1]) {
    it(`seed ${seed}: greedy decoding translates most sentences exactly and every output ends with ===`, () => {
      const { metrics } = seq2seqExperiment.run(small(), T.key(seed))
      expect(metrics.exactMatch.greedy).toBeGreaterThanOrEqual(SEQ2SEQ_EXACT_AT_LEAST)
      expect(metrics.endsWithStop.greedy).toBeGreaterThanOrEqual(STOPS_AT_LEAST)
      expect(metrics.endsWithStop.beam).toBeGreaterThanOrEqual(STOPS_AT_LEAST)
      // Short sentences are learnt first: the shortest length is translated exactly.
      expect(metrics.byLength[0]).toEqual({ length: 1, exactMatch: 1, tokenAccuracy: 1 })
      expect(seq2seqExperiment.holds(metrics)).toBe(true)
    })
  }
})

describe('the experiment', () => {
  const tiny: Seq2seqConfig = {
    ...small(),
    maxLength: 3,
    hidden: 8,
    embedding: 4,
    steps: 4,
    testPerLength: 3,
    beamWidth: 2,
  }

  it('is deterministic and its metrics are the test set scored by the stated measures', () => {
    const a = seq2seqExperiment.run(tiny, T.key(3))
    expect(seq2seqExperiment.run(tiny, T.key(3)).metrics).toEqual(a.metrics)
    const m = a.metrics
    expect(m.byLength.map((s) => s.length)).toEqual([1, 2, 3])
    expect(m.limit).toBe(decodeLimit(tiny))
    expect(m.steps).toBe(4)
    for (const d of ['greedy', 'beam'] as const) {
      for (const v of [m.exactMatch[d], m.tokenAccuracy[d], m.endsWithStop[d]]) {
        expect(v).toBeGreaterThanOrEqual(0)
        expect(v).toBeLessThanOrEqual(1)
      }
    }
    // holds reads the metrics by the criterion
    const good = { ...m, exactMatch: { greedy: 0.5, beam: 0 }, endsWithStop: { greedy: 0.95, beam: 0.95 } }
    expect(seq2seqExperiment.holds(good)).toBe(true)
    expect(seq2seqExperiment.holds({ ...good, exactMatch: { greedy: 0.49, beam: 1 } })).toBe(false)
    expect(seq2seqExperiment.holds({ ...good, endsWithStop: { greedy: 1, beam: 0.94 } })).toBe(false)
  })

  it('reports a training run and remembers it', () => {
    const events: string[] = []
    const training = { ...tiny, steps: 3, hidden: 6 }
    const r = trainSeq2seq(training, false, T.key(9), { onEvent: (e) => events.push(e.type) })
    expect(events).toEqual(['start', 'progress', 'progress', 'progress', 'done'])
    expect(trainSeq2seq(training, false, T.key(9), { onEvent: (e) => events.push(e.type) })).toBe(r)
    expect(events).toHaveLength(5)
    expect(trainSeq2seq(training, true, T.key(9))).not.toBe(r)
  })

  it('keeps the test set apart from the training batches', () => {
    const test = translationTestSet(tiny, 3, T.key(0))
    const batch0 = translationPairs(T.foldIn(T.foldIn(T.key(0), 1), 0), 32, tiny)
    expect(test.map((p) => p.source.length)).toEqual([1, 1, 1, 2, 2, 2, 3, 3, 3])
    expect(batch0.slice(0, 9)).not.toEqual(test)
  })

  it('names the bad argument', () => {
    expect(() => seq2seqExperiment.run({ ...tiny, steps: 0 }, T.key(0))).toThrow(
      /seq2seqExperiment.run: training.steps must be a positive integer, got 0/,
    )
    expect(() => seq2seqExperiment.run({ ...tiny, maxLength: 0 }, T.key(0))).toThrow(/training.maxLength/)
    expect(() => translationBatch([])).toThrow(/translationBatch: pairs must be a non-empty array/)
    expect(() => translationBatch([{ source: ['robot'], target: ['==='] }])).toThrow(
      /toIds: words\[0\] 'robot' is not in the vocabulary/,
    )
  })
})

describe('sequence metrics', () => {
  it('exact match counts whole sequences, token accuracy reference positions', () => {
    const ref = [
      [1, 2, 0],
      [3, 0],
    ]
    expect(exactMatch(ref, ref)).toBe(1)
    expect(
      exactMatch(
        [
          [1, 2, 0],
          [3, 0, 0],
        ],
        ref,
      ),
    ).toBe(0.5) // too long is wrong
    expect(
      tokenAccuracy(
        [
          [1, 2, 0],
          [3, 0, 0],
        ],
        ref,
      ),
    ).toBe(1) // extra tokens are not counted
    expect(tokenAccuracy([[1], [3, 0]], ref)).toBe(3 / 5) // missing tokens are wrong
    expect(() => exactMatch([[1]], [])).toThrow(/exactMatch: predicted has 1 sequences but reference has 0/)
    expect(() => tokenAccuracy([], [])).toThrow(/tokenAccuracy: there must be at least one sequence/)
  })
})
