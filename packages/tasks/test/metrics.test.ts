import { fc, test } from '@fast-check/vitest'
import * as T from '@recurrent/tensor'
import { numRuns } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { SLOT_LABELS } from '../src/data/slot-filling.ts'
import { ambiguousCityAccuracy, slotF1, spans } from '../src/metrics.ts'

const runs = { numRuns: numRuns(60) }
const label = fc.constantFrom(...SLOT_LABELS)
/** Pairs of label sequences of equal lengths: a prediction and a reference. */
const pair = fc
  .array(fc.integer({ min: 0, max: 8 }), { minLength: 1, maxLength: 6 })
  .chain((lengths) =>
    fc.tuple(
      fc.tuple(...lengths.map((n) => fc.array(label, { minLength: n, maxLength: n }))),
      fc.tuple(...lengths.map((n) => fc.array(label, { minLength: n, maxLength: n }))),
    ),
  )

describe('spans of BIO labels (CoNLL)', () => {
  test.prop([fc.array(label, { maxLength: 12 })], runs)(
    'are disjoint, in order, cover exactly the non-O words, and each starts at B- or a type change',
    (labels) => {
      const ss = spans(labels)
      let covered = 0
      ss.forEach((s, i) => {
        expect(s.end).toBeGreaterThan(s.start)
        if (i > 0) expect(s.start).toBeGreaterThanOrEqual(ss[i - 1].end)
        for (let t = s.start; t < s.end; t++) expect(labels[t].slice(2)).toBe(s.type)
        for (let t = s.start + 1; t < s.end; t++) expect(labels[t].startsWith('I-')).toBe(true)
        covered += s.end - s.start
      })
      expect(covered).toBe(labels.filter((l) => l !== 'O').length)
    },
  )

  it('rejects a label that is not BIO', () => {
    expect(() => spans(['O', 'destination'])).toThrow(/spans: label 'destination' is not O, B-type or I-type/)
    expect(() => spans(['O', 'destination'])).toThrow(T.ArgumentError)
  })
})

describe('slot F1 (span-level micro F1, O excluded)', () => {
  test.prop([pair], runs)('is 1 for a perfect prediction', ([, reference]) => {
    expect(slotF1(reference, reference)).toBe(1)
  })

  test.prop([pair], runs)('lies in [0, 1] and is symmetric in prediction and reference', ([p, r]) => {
    const f = slotF1(p, r)
    expect(f).toBeGreaterThanOrEqual(0)
    expect(f).toBeLessThanOrEqual(1)
    expect(slotF1(r, p)).toBe(f)
  })

  test.prop([pair], runs)('equals 2PR/(P + R) from the counts of spans', ([p, r]) => {
    let tp = 0
    let np = 0
    let nr = 0
    p.forEach((ps, i) => {
      const pred = spans(ps)
      const ref = spans(r[i])
      np += pred.length
      nr += ref.length
      tp += pred.filter((s) =>
        ref.some((q) => q.type === s.type && q.start === s.start && q.end === s.end),
      ).length
    })
    fc.pre(tp > 0)
    const P = tp / np
    const R = tp / nr
    expect(Math.abs(slotF1(p, r) - (2 * P * R) / (P + R))).toBeLessThan(1e-12)
  })

  test.prop([pair], runs)('is 0 when predicting nothing but the reference has spans', ([, r]) => {
    fc.pre(r.some((s) => s.some((l) => l !== 'O')))
    expect(
      slotF1(
        r.map((s) => s.map(() => 'O')),
        r,
      ),
    ).toBe(0)
  })

  it('counts a span with the right words but the wrong role as wrong', () => {
    const ref = [['O', 'B-destination', 'O', 'B-arrival_time', 'I-arrival_time']]
    const wrongRole = [['O', 'B-departure', 'O', 'B-arrival_time', 'I-arrival_time']]
    const cutShort = [['O', 'B-destination', 'O', 'B-arrival_time', 'O']]
    expect(slotF1(wrongRole, ref)).toBe(0.5)
    expect(slotF1(cutShort, ref)).toBe(0.5)
    expect(slotF1([['O']], [['O']])).toBe(1)
    expect(() => slotF1([['O']], [['O', 'O']])).toThrow(
      /slotF1: sentence 0 has 1 predicted labels but 2 reference labels/,
    )
  })
})

describe('ambiguous city accuracy', () => {
  test.prop([pair], runs)(
    'lies in [0, 1], is 1 for a perfect prediction and NaN without cities',
    ([p, r]) => {
      const a = ambiguousCityAccuracy(p, r)
      const hasCity = r.some((s) => s.some((l) => /destination|departure$/.test(l) && !/_time$/.test(l)))
      if (!hasCity) expect(a).toBeNaN()
      else {
        expect(a).toBeGreaterThanOrEqual(0)
        expect(a).toBeLessThanOrEqual(1)
        expect(ambiguousCityAccuracy(r, r)).toBe(1)
      }
    },
  )

  test.prop([pair], runs)('only the city words count: changing any other prediction leaves it', ([p, r]) => {
    const changed = p.map((s, i) =>
      s.map((l, t) => (/-(destination|departure)$/.test(r[i][t]) ? l : 'B-arrival_time')),
    )
    expect(Object.is(ambiguousCityAccuracy(changed, r), ambiguousCityAccuracy(p, r))).toBe(true)
  })

  it('needs the role right: a destination labelled departure is wrong', () => {
    expect(ambiguousCityAccuracy([['B-departure']], [['B-destination']])).toBe(0)
    expect(ambiguousCityAccuracy([['B-destination', 'O']], [['B-destination', 'B-arrival_time']])).toBe(1)
  })
})
