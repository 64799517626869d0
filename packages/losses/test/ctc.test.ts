import { fc, test } from '@fast-check/vitest'
import { grad } from '@recurrent/autograd'
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { assertClose, assertGradients, numRuns, TOL } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { ctcBeamSearch, ctcCollapse, ctcGreedyDecode, ctcLoss } from '../src/index.ts'
import { logAddExp } from '../src/log-space.ts'

const runs = { numRuns: numRuns(40) }

/** The test kit's f64 closeness for numbers, |a − b| ≤ atol + rtol·|b|; ±∞ and NaN only equal themselves. */
const near = (actual: number, expected: number) =>
  Number.isFinite(expected)
    ? assertClose(T.tensor(actual, { dtype: 'f64' }), expected, TOL.f64)
    : expect(actual).toBe(expected)
/** How far below `x` a float64 recomputation of it may land. */
const slack = (x: number) => TOL.f64.atol + TOL.f64.rtol * Math.abs(x)

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

/** Labels over classes 1..C−1 (blank 0) and how many frames a label needs: one per label, one per adjacent repeat. */
const needs = (label: number[]) => label.length + label.filter((c, i) => i > 0 && c === label[i - 1]).length

interface Sequence {
  readonly label: number[]
  readonly input: number
}

/** Feasible sequences, and one infeasible sequence (input shorter than its label needs) to insert at `at`. */
const infeasibleBatch = fc.integer({ min: 3, max: 4 }).chain((C) => {
  const label = (minLength: number) =>
    fc.array(fc.integer({ min: 1, max: C - 1 }), { minLength, maxLength: 3 })
  const feasible: fc.Arbitrary<Sequence> = fc
    .tuple(label(0), fc.nat({ max: 2 }))
    .map(([l, extra]) => ({ label: l, input: needs(l) + extra }))
  const infeasible: fc.Arbitrary<Sequence> = fc
    .tuple(label(1), fc.nat())
    .map(([l, short]) => ({ label: l, input: short % needs(l) }))
  return fc
    .tuple(fc.array(feasible, { minLength: 1, maxLength: 3 }), infeasible, fc.nat({ max: 2 ** 30 }))
    .chain(([good, bad, seed]) => fc.nat({ max: good.length }).map((at) => ({ good, bad, at, C, seed })))
})

describe('CTC loss (Lecture §5.2)', () => {
  test.prop([problem], runs)(
    'equals the brute-force sum over every alignment',
    ({ logits, label, blank }) => {
      const lp = T.logSoftmax(logits)
      const loss = T.item(ctcLoss(lp, [label], [lp.shape[0]], [label.length], { blank, reduction: 'sum' }))
      const rows = (T.toArray(T.squeeze(lp, 1)) as number[][]).map((r) => (Array.isArray(r) ? r : [r]))
      const exact = bruteForce(rows, label, blank)
      near(loss, exact)
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
      near(none[b], T.item(ctcLoss(alone, [label], [l], [label.length], { reduction: 'sum' })))
    })
    const finite = none.every(Number.isFinite)
    if (finite) {
      near(
        T.item(ctcLoss(lp, labels, inputs, lengths, { reduction: 'sum' })),
        none.reduce((a, b) => a + b, 0),
      )
      const mean = none.reduce((a, v, b) => a + v / Math.max(lengths[b], 1), 0) / none.length
      near(T.item(ctcLoss(lp, labels, inputs, lengths)), mean)
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
  test.prop([infeasibleBatch], runs)(
    'an infeasible sequence: loss +∞ and NaN gradient on its frames, the others untouched; 0 and 0 with zeroInfinity',
    ({ good, bad, at, C, seed }) => {
      const steps = Math.max(1, ...good.map((g) => g.input), bad.input)
      const B = good.length
      const rest = T.randn(T.key(seed), [steps, B, C], 'f64')
      const own = T.randn(T.key(seed + 1), [steps, 1, C], 'f64')
      const logits = T.concat([T.slice(rest, [0, 0, 0], [steps, at, C]), own, T.slice(rest, [0, at, 0])], 1)
      const seqs = [...good.slice(0, at), bad, ...good.slice(at)]
      const sum = (x: Tensor, zeroInfinity: boolean, batch: readonly Sequence[]) =>
        ctcLoss(
          T.logSoftmax(x),
          batch.map((q) => q.label),
          batch.map((q) => q.input),
          batch.map((q) => q.label.length),
          { reduction: 'sum', zeroInfinity },
        )
      const without = grad((x: Tensor) => sum(x, false, good))(rest)
      const others = (g: Tensor) =>
        T.concat([T.slice(g, [0, 0, 0], [steps, at, C]), T.slice(g, [0, at + 1, 0])], 1)
      const itsRows = (g: Tensor) =>
        T.toArray(T.squeeze(T.slice(g, [0, at, 0], [steps, 1, C]), 1)) as number[][]
      const losses = ctcLoss(
        T.logSoftmax(logits),
        seqs.map((q) => q.label),
        seqs.map((q) => q.input),
        seqs.map((q) => q.label.length),
        { reduction: 'none' },
      )
      expect((T.toArray(losses) as number[])[at]).toBe(Infinity)
      expect(T.item(sum(logits, false, seqs))).toBe(Infinity)
      const g = grad((x: Tensor) => sum(x, false, seqs))(logits)
      itsRows(g).forEach((row, t) =>
        row.forEach((v) => (t < bad.input ? expect(v).toBeNaN() : expect(v).toBe(0))),
      )
      assertClose(others(g), without, TOL.f64, "the other sequences' gradient")
      near(T.item(sum(logits, true, seqs)), T.item(sum(rest, false, good)))
      const g0 = grad((x: Tensor) => sum(x, true, seqs))(logits)
      for (const row of itsRows(g0)) for (const v of row) expect(v).toBe(0)
      assertClose(others(g0), without, TOL.f64, "the other sequences' gradient (zeroInfinity)")
    },
  )
  it('with the mean reduction an infeasible sequence makes the loss +∞ and its frames NaN', () => {
    const x = T.randn(T.key(3), [3, 2, 3], 'f64')
    const mean = (v: Tensor) => ctcLoss(T.logSoftmax(v), [[1], [2, 2]], [3, 2], [1, 2])
    expect(T.item(mean(x))).toBe(Infinity)
    const g = T.toArray(grad(mean)(x)) as number[][][]
    expect(g.map((frame) => frame[1].every(Number.isNaN))).toEqual([true, true, false])
    expect(g.every((frame) => frame[0].every(Number.isFinite))).toBe(true)
  })
  it('an empty target is the all-blank path; f32 inputs give f32 losses', () => {
    const lp = T.logSoftmax(T.randn(T.key(2), [3, 1, 3], 'f64'))
    const blanks = T.toArray(T.squeeze(T.slice(lp, [0, 0, 0], [3, 1, 1]), [1, 2])) as number[]
    near(T.item(ctcLoss(lp, [[]], [3], [0], { reduction: 'sum' })), -blanks.reduce((a, b) => a + b, 0))
    expect(ctcLoss(T.cast(lp, 'f32'), [[1]], [3], [1]).dtype).toBe('f32')
  })
  it('bad input names the argument', () => {
    const lp = T.logSoftmax(T.zeros([3, 2, 4], 'f64'))
    expect(() => ctcLoss(lp, [[1], [5]], [3, 3], [1, 1])).toThrow(
      'targets[1][0] = 5 is not a class in [0, 4)',
    )
    expect(() => ctcLoss(lp, [[1], [0]], [3, 3], [1, 1])).toThrow('targets[1][0] is the blank 0')
    expect(() => ctcLoss(lp, [[1], [2]], [3, 4], [1, 1])).toThrow(
      'ctcLoss: inputLengths[1] = 4 is not an integer in [0, 3]',
    )
    expect(() => ctcLoss(lp, [[1], [2]], [3, 2.5], [1, 1])).toThrow('inputLengths[1] = 2.5')
    expect(() => ctcLoss(lp, [[1], [2]], [3, 3], [1, 2])).toThrow(
      'ctcLoss: targetLengths[1] = 2 is not an integer in [0, 1]',
    )
    expect(() => ctcLoss(lp, [[1], [2, 3]], [3, 3], [2, 1])).toThrow(
      'ctcLoss: targetLengths[0] = 2 is longer than targets[0] (1 entries)',
    )
    expect(() => ctcLoss(lp, [[1]], [3, 3], [1, 1])).toThrow('targets has 1 sequences, logProbs has batch 2')
    expect(() => ctcLoss(lp, [[1], [2]], [3], [1, 1])).toThrow(
      'ctcLoss: inputLengths has 1 entries for a batch of 2',
    )
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
      expect(full).toBeGreaterThanOrEqual(narrow - slack(narrow))
      expect(full).toBeLessThanOrEqual(slack(0))
    },
  )
  test.prop([fc.nat({ max: 2 ** 30 }), fc.integer({ min: 1, max: 4 })], runs)(
    'an unpruned beam scores each prefix exactly: exp(−ctcLoss)',
    (seed, steps) => {
      const y = T.logSoftmax(T.randn(T.key(seed), [steps, 1, 3], 'f64'))
      for (const h of ctcBeamSearch(y, { beamWidth: 1000 })[0]) {
        const loss = T.item(ctcLoss(y, [h.labels], [steps], [h.labels.length], { reduction: 'sum' }))
        near(h.logProb, -loss)
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
    near(
      bruteForce(
        [
          [half, half],
          [half, half],
        ],
        [1],
      ),
      -Math.log(0.75),
    )
  })
})

describe('logAddExp, the one scalar log-sum-exp', () => {
  const finite = fc.double({ min: -50, max: 50, noNaN: true })
  test.prop([finite, finite], runs)('is log(exp a + exp b), symmetric', (a, b) => {
    near(logAddExp(a, b), Math.log(Math.exp(a) + Math.exp(b)))
    expect(logAddExp(a, b)).toBe(logAddExp(b, a))
  })
  test.prop([fc.double({ noNaN: true })], runs)('has −∞ (probability 0) as identity', (a) => {
    expect(logAddExp(a, -Infinity)).toBe(a)
    expect(logAddExp(-Infinity, a)).toBe(a)
  })
  test.prop([fc.double({ min: -1e300, max: 1e300, noNaN: true })], runs)(
    'neither overflows nor underflows: log(2·exp a) = a + log 2',
    (a) => near(logAddExp(a, a), a + Math.LN2),
  )
})
