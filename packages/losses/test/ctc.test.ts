import { fc, test } from '@fast-check/vitest'
import { grad } from '@recurrent/autograd'
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { assertGradients, numRuns } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { ctcBeamSearch, ctcCollapse, ctcGreedyDecode, ctcLoss } from '../src/index.ts'

const runs = { numRuns: numRuns(40) }

/** −log Σ over every length-T path that collapses to `label` (enumerates all C^T paths). */
const bruteForce = (logProbs: number[][], label: number[], blank = 0): number => {
  const steps = logProbs.length
  const C = logProbs[0]?.length ?? 1
  let total = 0
  const path: number[] = []
  const visit = (t: number, logp: number) => {
    if (t === steps) {
      const collapsed = ctcCollapse(path, blank)
      if (collapsed.length === label.length && collapsed.every((c, i) => c === label[i]))
        total += Math.exp(logp)
      return
    }
    for (let c = 0; c < C; c++) {
      path.push(c)
      visit(t + 1, logp + logProbs[t][c])
      path.pop()
    }
  }
  visit(0, 0)
  return -Math.log(total)
}

/** A small CTC problem: T ≤ 5 frames, C ≤ 4 classes, a label of length ≤ 3 (repeats likely). */
const problem = fc
  .record({
    steps: fc.integer({ min: 1, max: 5 }),
    C: fc.integer({ min: 2, max: 4 }),
    seed: fc.nat({ max: 2 ** 30 }),
    blank: fc.nat({ max: 3 }),
  })
  .chain(({ steps, C, seed, blank }) =>
    fc.record({
      logits: fc.constant(T.mul(T.randn(T.key(seed), [steps, 1, C], 'f64'), 2)),
      label: fc
        .array(fc.integer({ min: 0, max: C - 2 }), { maxLength: 3 })
        .map((l) => l.map((c) => (c >= blank % C ? c + 1 : c))),
      blank: fc.constant(blank % C),
    }),
  )

describe('CTC loss (Lecture §5.2)', () => {
  test.prop([problem], runs)(
    'equals the brute-force sum over every alignment',
    ({ logits, label, blank }) => {
      const lp = T.logSoftmax(logits)
      const loss = T.item(ctcLoss(lp, [label], [lp.shape[0]], [label.length], { blank, reduction: 'sum' }))
      const rows = (T.toArray(T.squeeze(lp, 1)) as number[][]).map((r) => (Array.isArray(r) ? r : [r]))
      const exact = bruteForce(rows, label, blank)
      if (exact === Infinity) expect(loss).toBe(Infinity)
      else expect(loss).toBeCloseTo(exact, 9)
    },
  )
  test.prop([problem], runs)(
    'its hand-derived gradient passes checkGrad (through log-softmax)',
    ({ logits, label, blank }) => {
      const steps = logits.shape[0]
      const repeats = label.filter((c, i) => i > 0 && c === label[i - 1]).length
      fc.pre(steps >= label.length + repeats)
      assertGradients(
        (x: Tensor) =>
          ctcLoss(T.logSoftmax(x), [label], [steps], [label.length], { blank, reduction: 'sum' }),
        logits,
      )
    },
  )
  test.prop(
    [
      fc.array(
        fc.tuple(fc.integer({ min: 1, max: 5 }), fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 })),
        { minLength: 1, maxLength: 4 },
      ),
      fc.nat({ max: 2 ** 30 }),
    ],
    runs,
  )('a batch with mixed lengths equals each sequence alone, and reductions agree', (seqs, seed) => {
    const steps = Math.max(...seqs.map(([l]) => l))
    const lp = T.logSoftmax(T.randn(T.key(seed), [steps, seqs.length, 4], 'f64'))
    const labels = seqs.map(([, l]) => l)
    const inputs = seqs.map(([l]) => l)
    const lengths = labels.map((l) => l.length)
    const none = T.toArray(ctcLoss(lp, labels, inputs, lengths, { reduction: 'none' })) as number[]
    seqs.forEach(([l, label], b) => {
      const alone = T.slice(lp, [0, b, 0], [l, 1, 4])
      expect(none[b]).toBeCloseTo(
        T.item(ctcLoss(alone, [label], [l], [label.length], { reduction: 'sum' })),
        10,
      )
    })
    const finite = none.every(Number.isFinite)
    if (finite) {
      expect(T.item(ctcLoss(lp, labels, inputs, lengths, { reduction: 'sum' }))).toBeCloseTo(
        none.reduce((a, b) => a + b, 0),
        9,
      )
      const mean = none.reduce((a, v, b) => a + v / Math.max(lengths[b], 1), 0) / none.length
      expect(T.item(ctcLoss(lp, labels, inputs, lengths))).toBeCloseTo(mean, 9)
    }
    // Padded [B, S] targets give the same losses as arrays.
    const S = Math.max(1, ...lengths)
    const padded = T.tensor(
      labels.map((l) => [...l, ...Array(S - l.length).fill(0)]),
      { dtype: 'i32' },
    )
    expect(T.toArray(ctcLoss(lp, padded, inputs, lengths, { reduction: 'none' }))).toEqual(none)
  })
  it('repeated labels need a blank between them: infeasible targets give +∞, or 0 with zeroInfinity', () => {
    const lp = T.logSoftmax(T.randn(T.key(1), [2, 1, 3], 'f64'))
    expect(T.item(ctcLoss(lp, [[1, 1]], [2], [2], { reduction: 'sum' }))).toBe(Infinity)
    expect(T.item(ctcLoss(lp, [[1, 2]], [2], [2], { reduction: 'sum' }))).toBeLessThan(Infinity)
    expect(T.item(ctcLoss(lp, [[1, 1]], [2], [2], { reduction: 'sum', zeroInfinity: true }))).toBe(0)
    const g = grad((x: Tensor) => ctcLoss(x, [[1, 1]], [2], [2], { reduction: 'sum', zeroInfinity: true }))(
      lp,
    )
    expect(T.toTypedArray(g).every((v) => v === 0)).toBe(true)
    const lp3 = T.logSoftmax(T.randn(T.key(1), [3, 1, 3], 'f64'))
    expect(T.item(ctcLoss(lp3, [[1, 1]], [3], [2], { reduction: 'sum' }))).toBeLessThan(Infinity)
  })
  it('an empty target is the all-blank path; f32 inputs give f32 losses', () => {
    const lp = T.logSoftmax(T.randn(T.key(2), [3, 1, 3], 'f64'))
    const blanks = T.toArray(T.squeeze(T.slice(lp, [0, 0, 0], [3, 1, 1]), [1, 2])) as number[]
    expect(T.item(ctcLoss(lp, [[]], [3], [0], { reduction: 'sum' }))).toBeCloseTo(
      -blanks.reduce((a, b) => a + b, 0),
      12,
    )
    expect(ctcLoss(T.cast(lp, 'f32'), [[1]], [3], [1]).dtype).toBe('f32')
  })
  it('bad input names the argument', () => {
    const lp = T.logSoftmax(T.zeros([3, 2, 4], 'f64'))
    expect(() => ctcLoss(lp, [[1], [5]], [3, 3], [1, 1])).toThrow(
      'targets[1][0] = 5 is not a class in [0, 4)',
    )
    expect(() => ctcLoss(lp, [[1], [0]], [3, 3], [1, 1])).toThrow('targets[1][0] is the blank 0')
    expect(() => ctcLoss(lp, [[1], [2]], [3, 4], [1, 1])).toThrow('inputLengths[1] = 4 is not in [0, 3]')
    expect(() => ctcLoss(lp, [[1], [2]], [3, 3], [1, 2])).toThrow('targetLengths[1] = 2 is not in [0, 1]')
    expect(() => ctcLoss(lp, [[1]], [3, 3], [1, 1])).toThrow('targets has 1 sequences, logProbs has batch 2')
    expect(() => ctcLoss(lp, [[1], [2]], [3], [1, 1])).toThrow('inputLengths has 1 entries')
    expect(() => ctcLoss(lp, T.tensor([[1], [2]]), [3, 3], [1, 1])).toThrow(
      'targets must be an i32 [B,S] tensor',
    )
    expect(() => ctcLoss(T.zeros([3, 4], 'f64'), [[1]], [3], [1])).toThrow(
      'logProbs must be a float [T,B,C] tensor',
    )
    expect(() => ctcLoss(lp, [[1], [2]], [3, 3], [1, 1], { blank: 4 })).toThrow('blank 4 is not a class')
    expect(() => ctcLoss(lp, [[1], [2]], [3, 3], [1, 1], { reduction: 'avg' as 'sum' })).toThrow(
      T.ArgumentError,
    )
  })
})

/** Frames that put probability `peak` on the path's symbol and share the rest. */
const peaked = (path: number[], C: number, peak: number): Tensor => {
  const rest = (1 - peak) / (C - 1)
  return T.log(
    T.tensor(
      path.map((c) => [Array.from({ length: C }, (_, k) => (k === c ? peak : rest))]),
      { dtype: 'f64' },
    ),
  )
}

describe('CTC decoding', () => {
  const paths = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 8 })
  test.prop([paths], runs)('greedy decoding of a one-hot path returns its collapse', (path) => {
    expect(ctcGreedyDecode(peaked(path, 4, 1))).toEqual([ctcCollapse(path)])
  })
  test.prop([paths], runs)('beam search with width 1 equals greedy on peaked inputs', (path) => {
    const y = peaked(path, 4, 0.9)
    expect(ctcBeamSearch(y, { beamWidth: 1 })[0][0].labels).toEqual(ctcGreedyDecode(y)[0])
  })
  // "A wider beam never lowers the best score" is false for prefix beam search: competitors
  // also gain alignments and can push the narrow beam's best prefix out (fast-check found
  // cases). What holds: a beam's scores are partial sums, so no width beats the unpruned beam.
  test.prop([fc.nat({ max: 2 ** 30 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 6 })], runs)(
    'widening the beam to the full search never lowers the best prefix score',
    (seed, steps, w) => {
      const y = T.logSoftmax(T.mul(T.randn(T.key(seed), [steps, 1, 3], 'f64'), 2))
      const narrow = ctcBeamSearch(y, { beamWidth: w })[0][0].logProb
      const full = ctcBeamSearch(y, { beamWidth: 3 ** steps })[0][0].logProb
      expect(full).toBeGreaterThanOrEqual(narrow - 1e-12)
      expect(full).toBeLessThanOrEqual(1e-12)
    },
  )
  test.prop([fc.nat({ max: 2 ** 30 }), fc.integer({ min: 1, max: 4 })], runs)(
    'an unpruned beam scores each prefix exactly: exp(−ctcLoss)',
    (seed, steps) => {
      const y = T.logSoftmax(T.randn(T.key(seed), [steps, 1, 3], 'f64'))
      for (const h of ctcBeamSearch(y, { beamWidth: 1000 })[0]) {
        const loss = T.item(ctcLoss(y, [h.labels], [steps], [h.labels.length], { reduction: 'sum' }))
        expect(h.logProb).toBeCloseTo(-loss, 9)
      }
    },
  )
  it('respects input lengths and checks its arguments', () => {
    const y = peaked([1, 2, 3], 4, 1)
    expect(ctcGreedyDecode(y, { inputLengths: [2] })).toEqual([[1, 2]])
    expect(() => ctcBeamSearch(y, { beamWidth: 0 })).toThrow(T.ArgumentError)
    expect(() => ctcGreedyDecode(y, { inputLengths: [4] })).toThrow(T.ArgumentError)
  })
})

describe('sanity of the oracle', () => {
  it('brute force agrees with the lecture example: 2 frames, label "1"', () => {
    const half = Math.log(0.5)
    expect(
      bruteForce(
        [
          [half, half],
          [half, half],
        ],
        [1],
      ),
    ).toBeCloseTo(-Math.log(0.75), 12)
  })
})
