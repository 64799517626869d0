import { fc, test } from '@fast-check/vitest'
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { assertClose, assertGradients, EXACT, numRuns, TOL } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { type Crf, crfLogPartition, crfLoss, crfViterbi } from '../src/index.ts'

const runs = { numRuns: numRuns(40) }

/** The test kit's f64 closeness for numbers, |a − b| ≤ atol + rtol·|b|. */
const near = (actual: number, expected: number, what?: string) =>
  assertClose(T.tensor(actual, { dtype: 'f64' }), expected, TOL.f64, what)
/** How far below `x` a float64 recomputation of it may land. */
const slack = (x: number) => TOL.f64.atol + TOL.f64.rtol * Math.abs(x)

interface Problem {
  readonly emissions: Tensor
  readonly crf: Crf
  readonly lengths: number[]
  readonly tags: number[][]
}

/** A small CRF problem: T ≤ 4 steps, B ≤ 3 sequences of lengths in [1, T], K ≤ 3 tags, random scores. */
const problem: fc.Arbitrary<Problem> = fc
  .record({
    steps: fc.integer({ min: 1, max: 4 }),
    B: fc.integer({ min: 1, max: 3 }),
    K: fc.integer({ min: 1, max: 3 }),
    seed: fc.nat({ max: 2 ** 30 }),
  })
  .chain(({ steps, B, K, seed }) =>
    fc.array(fc.integer({ min: 1, max: steps }), { minLength: B, maxLength: B }).chain((lengths) =>
      fc.record({
        emissions: fc.constant(T.mul(T.randn(T.key(seed), [steps, B, K], 'f64'), 2)),
        crf: fc.constant({
          transitions: T.randn(T.key(seed + 1), [K, K], 'f64'),
          start: T.randn(T.key(seed + 2), [K], 'f64'),
          end: T.randn(T.key(seed + 3), [K], 'f64'),
        }),
        lengths: fc.constant(lengths),
        tags: fc.tuple(
          ...lengths.map((n) => fc.array(fc.nat({ max: K - 1 }), { minLength: n, maxLength: n })),
        ),
      }),
    ),
  )

/** s(x, y) of sequence b, from the definition. */
const score = ({ emissions, crf }: Problem, b: number, y: readonly number[]): number => {
  const E = T.toArray(emissions) as number[][][]
  const A = T.toArray(crf.transitions) as number[][]
  const start = T.toArray(crf.start) as number[]
  const end = T.toArray(crf.end) as number[]
  let s = start[y[0]] + end[y[y.length - 1]]
  y.forEach((k, t) => {
    s += E[t][b][k] + (t > 0 ? A[y[t - 1]][k] : 0)
  })
  return s
}

/** Every tag sequence of length n over K tags. */
const allPaths = (n: number, K: number): number[][] =>
  n === 0 ? [[]] : allPaths(n - 1, K).flatMap((p) => Array.from({ length: K }, (_, k) => [...p, k]))

const K = (p: Problem) => p.emissions.shape[2]
const pathScores = (p: Problem, b: number) => allPaths(p.lengths[b], K(p)).map((y) => score(p, b, y))
const logSumExp = (xs: number[]) => {
  const m = Math.max(...xs)
  return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0))
}

/** Tags as a padded `[T, B]` i32 tensor, `fill` beyond each sequence's length. */
const padded = (p: Problem, fill: (t: number, b: number) => number): Tensor =>
  T.tensor(
    Array.from({ length: p.emissions.shape[0] }, (_, t) =>
      p.tags.map((y, b) => (t < y.length ? y[t] : fill(t, b))),
    ),
    { dtype: 'i32' },
  )

describe('linear-chain CRF (Lecture §5.8)', () => {
  test.prop([problem], runs)(
    'log Z is the log-sum-exp of every tag sequence’s score, and the loss is log Z − s(x, y)',
    (p) => {
      const logZ = T.toArray(crfLogPartition(p.emissions, p.lengths, p.crf)) as number[]
      const losses = T.toArray(
        crfLoss(p.emissions, p.tags, p.lengths, p.crf, { reduction: 'none' }),
      ) as number[]
      p.lengths.forEach((_, b) => {
        const exact = logSumExp(pathScores(p, b))
        near(logZ[b], exact, `log Z of sequence ${b}`)
        near(losses[b], exact - score(p, b, p.tags[b]), `loss of sequence ${b}`)
      })
    },
  )
  test.prop([problem], runs)('Viterbi returns a maximiser of s(x, ·), of each sequence’s length', (p) => {
    const paths = crfViterbi(p.emissions, p.lengths, p.crf)
    paths.forEach((y, b) => {
      expect(y).toHaveLength(p.lengths[b])
      for (const k of y) expect(k >= 0 && k < K(p)).toBe(true)
      const best = Math.max(...pathScores(p, b))
      near(score(p, b, y), best, `Viterbi path of sequence ${b}`)
      expect(score(p, b, y)).toBeGreaterThanOrEqual(best - slack(best))
    })
  })
  test.prop([problem, fc.nat({ max: 2 ** 30 })], runs)(
    'steps beyond a sequence’s length change nothing, and a sequence alone equals its batch entry',
    (p, seed) => {
      const [steps, B, k] = p.emissions.shape
      const mask = T.tensor(
        Array.from({ length: steps }, (_, t) => p.lengths.map((n) => Array(k).fill(t < n ? 1 : 0))),
        { dtype: 'f64' },
      )
      const noise = T.mul(T.randn(T.key(seed), [steps, B, k], 'f64'), 100)
      const other = { ...p, emissions: T.add(p.emissions, T.mul(T.sub(1, mask), noise)) }
      const losses = (q: Problem, tags: Tensor) =>
        crfLoss(q.emissions, tags, q.lengths, q.crf, { reduction: 'none' })
      const base = losses(
        p,
        padded(p, () => 0),
      )
      assertClose(
        losses(
          other,
          padded(p, (t, b) => (t + b) % k),
        ),
        base,
        EXACT,
        'losses',
      )
      assertClose(
        crfLogPartition(other.emissions, p.lengths, p.crf),
        crfLogPartition(p.emissions, p.lengths, p.crf),
        EXACT,
        'log Z',
      )
      expect(crfViterbi(other.emissions, p.lengths, p.crf)).toEqual(crfViterbi(p.emissions, p.lengths, p.crf))
      const none = T.toArray(base) as number[]
      const viterbi = crfViterbi(p.emissions, p.lengths, p.crf)
      p.lengths.forEach((n, b) => {
        const alone = T.slice(p.emissions, [0, b, 0], [n, 1, k])
        near(T.item(crfLoss(alone, [p.tags[b]], [n], p.crf, { reduction: 'sum' })), none[b])
        expect(crfViterbi(alone, [n], p.crf)).toEqual([viterbi[b]])
      })
    },
  )
  test.prop([problem], runs)(
    "reductions: 'sum' adds the per-sequence losses, 'mean' (the default) averages them; tags as a tensor or arrays agree",
    (p) => {
      const none = T.toArray(
        crfLoss(p.emissions, p.tags, p.lengths, p.crf, { reduction: 'none' }),
      ) as number[]
      const total = none.reduce((a, v) => a + v, 0)
      near(T.item(crfLoss(p.emissions, p.tags, p.lengths, p.crf, { reduction: 'sum' })), total)
      near(T.item(crfLoss(p.emissions, p.tags, p.lengths, p.crf)), total / none.length)
      near(T.item(crfLoss(p.emissions, p.tags, p.lengths, p.crf, { reduction: 'mean' })), total / none.length)
      expect(
        T.toArray(
          crfLoss(
            p.emissions,
            padded(p, () => 0),
            T.tensor(p.lengths, { dtype: 'i32' }),
            p.crf,
            {
              reduction: 'none',
            },
          ),
        ),
      ).toEqual(none)
      for (const v of none) expect(v).toBeGreaterThanOrEqual(-slack(v))
    },
  )
  test.prop([problem], runs)(
    'the hand-derived gradients pass checkGrad for the emissions, transitions, start and end',
    (p) => {
      const params = { emissions: p.emissions, crf: p.crf }
      assertGradients(
        (q: typeof params) => crfLoss(q.emissions, p.tags, p.lengths, q.crf, { reduction: 'none' }),
        params,
      )
      assertGradients((q: typeof params) => crfLoss(q.emissions, p.tags, p.lengths, q.crf), params)
      assertGradients((q: typeof params) => crfLogPartition(q.emissions, p.lengths, q.crf), params)
    },
  )
  it('f32 emissions and parameters give f32 losses', () => {
    const crf = {
      transitions: T.zeros([2, 2], 'f32'),
      start: T.zeros([2], 'f32'),
      end: T.zeros([2], 'f32'),
    }
    const loss = crfLoss(T.zeros([3, 1, 2], 'f32'), [[0, 1, 1]], [3], crf)
    expect(loss.dtype).toBe('f32')
    assertClose(loss, 3 * Math.log(2), TOL.f32)
  })
  const em = T.zeros([3, 2, 4], 'f64')
  const crf = { transitions: T.zeros([4, 4], 'f64'), start: T.zeros([4], 'f64'), end: T.zeros([4], 'f64') }
  const tags = [
    [0, 1, 2],
    [3, 3],
  ]
  it.each<[string, () => unknown, string | (new (...a: never[]) => Error)]>([
    [
      'emissions of rank 2',
      () => crfLoss(T.zeros([3, 4], 'f64'), tags, [3, 2], crf),
      'crfLoss: emissions must be a float [T,B,K] tensor, got f64 [3,4]',
    ],
    [
      'i32 emissions',
      () => crfLogPartition(T.zeros([3, 2, 4], 'i32'), [3, 2], crf),
      'crfLogPartition: emissions must be a float [T,B,K] tensor, got i32',
    ],
    [
      'transitions not [K,K]',
      () => crfViterbi(em, [3, 2], { ...crf, transitions: T.zeros([4, 3], 'f64') }),
      'crfViterbi: crf.transitions must be a f64 [4,4] tensor',
    ],
    [
      'start not [K]',
      () => crfLoss(em, tags, [3, 2], { ...crf, start: T.zeros([3], 'f64') }),
      'crfLoss: crf.start must be a f64 [4] tensor',
    ],
    [
      'end of another dtype',
      () => crfLoss(em, tags, [3, 2], { ...crf, end: T.zeros([4], 'f32') }),
      'crfLoss: crf.end must be a f64 [4] tensor',
    ],
    [
      'a tag out of [0, K)',
      () =>
        crfLoss(
          em,
          [
            [0, 1, 4],
            [3, 3],
          ],
          [3, 2],
          crf,
        ),
      'crfLoss: tags[0][2] = 4 is not a tag in [0, 4)',
    ],
    [
      'a negative tag in a tensor',
      () =>
        crfLoss(
          em,
          T.tensor(
            [
              [0, 0],
              [-1, 0],
              [0, 0],
            ],
            { dtype: 'i32' },
          ),
          [3, 2],
          crf,
        ),
      'crfLoss: tags[0][1] = -1 is not a tag in [0, 4)',
    ],
    [
      'tags shorter than the length',
      () =>
        crfLoss(
          em,
          [
            [0, 1],
            [3, 3],
          ],
          [3, 2],
          crf,
        ),
      'crfLoss: tags[0] has 2 entries, lengths[0] = 3',
    ],
    [
      'tags for another batch',
      () => crfLoss(em, [[0, 1, 2]], [3, 2], crf),
      'crfLoss: tags must have one array per sequence (2), got 1',
    ],
    [
      'tags tensor of the wrong shape',
      () => crfLoss(em, T.zeros([2, 2], 'i32'), [3, 2], crf),
      'crfLoss: tags must be an i32 [T,B] tensor with T = 3, B = 2, got i32 [2,2]',
    ],
    [
      'a length of 0',
      () => crfLoss(em, [[0, 1, 2], []], [3, 0], crf),
      'crfLoss: lengths[1] = 0 is not an integer in [1, 3]',
    ],
    [
      'a length beyond T',
      () => crfLogPartition(em, [4, 2], crf),
      'crfLogPartition: lengths[0] = 4 is not an integer in [1, 3]',
    ],
    [
      'lengths for another batch',
      () => crfViterbi(em, [3], crf),
      'crfViterbi: lengths has 1 entries for a batch of 2',
    ],
    [
      'an unknown reduction',
      () => crfLoss(em, tags, [3, 2], crf, { reduction: 'avg' as 'sum' }),
      "crfLoss: reduction must be 'mean', 'sum' or 'none', got \"avg\"",
    ],
  ])('%s is rejected, naming the op and the argument', (_, f, message) => {
    expect(f).toThrow(message)
  })
})
