/**
 * checkGrad holds for every primitive's rule over random shapes, broadcast pairs and values, in
 * f64 (tolerances: GRAD_CHECK in @recurrent/testkit). A final test proves the table is covered.
 */
import { fc, test } from '@fast-check/vitest'
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import * as I from '@recurrent/tensor/internal'
import { afterAll, describe, expect, it } from 'vitest'
import { grad, RULES } from '../src/index.ts'
import { assertGradients, broadcastablePair, numRuns, shape, smoothTensorOf, tensorOf } from './kit.ts'

const runs = { numRuns: numRuns(25) }
const exercised = new Set<string>()
const tracker: I.Tracer = { record: (p) => void exercised.add(p) }
/** Checks gradients and notes which primitives the function used. */
const check = <A extends T.Tree>(f: (p: A) => Tensor, p: A) => {
  I.withTracer(tracker, () => f(p))
  assertGradients(f, p)
}

const pair = broadcastablePair().chain(([a, b]) => fc.tuple(smoothTensorOf(a), smoothTensorOf(b)))
const one = shape({ minRank: 0 }).chain((s) => smoothTensorOf(s))
const oneRanked = shape({ minRank: 1 }).chain((s) =>
  fc.tuple(smoothTensorOf(s), fc.integer({ min: 0, max: s.length - 1 })),
)
/** A fixed random projection makes every output element matter in the scalar loss. */
const project = (y: Tensor) => T.sum(T.mul(y, T.randn(T.key(7), y.shape, 'f64')))
const positive = (t: Tensor) => T.add(T.abs(t), 0.5)

describe('vector-Jacobian rules agree with central differences', () => {
  test.prop([pair], runs)('add sub mul with broadcasting', ([a, b]) => {
    check((p: Tensor[]) => project(T.add(p[0], p[1])), [a, b])
    check((p: Tensor[]) => project(T.sub(p[0], p[1])), [a, b])
    check((p: Tensor[]) => project(T.mul(p[0], p[1])), [a, b])
  })
  test.prop([pair], runs)('div pow maximum minimum with broadcasting', ([a, b]) => {
    check((p: Tensor[]) => project(T.div(p[0], positive(p[1]))), [a, b])
    check((p: Tensor[]) => project(T.pow(positive(p[0]), p[1])), [a, b])
    check((p: Tensor[]) => project(T.maximum(p[0], p[1])), [a, b])
    check((p: Tensor[]) => project(T.minimum(p[0], p[1])), [a, b])
  })
  test.prop([one], runs)('unary ops', (x) => {
    for (const f of [T.neg, T.abs, T.relu, T.exp, T.tanh, T.sigmoid] as const)
      check((p: Tensor) => project(f(p)), x)
    check((p: Tensor) => project(T.log(positive(p))), x)
    check((p: Tensor) => project(T.sqrt(positive(p))), x)
  })
  test.prop([pair], runs)('where and clip', ([a, b]) => {
    check((p: Tensor[]) => project(T.where(T.gt(p[0], 0), p[0], p[1])), [a, b])
    check((p: Tensor) => project(T.clip(p, -0.5, 0.7)), a)
  })
  it('cast passes the gradient between float dtypes and stops it at integers', () => {
    const x = T.tensor([0.5, 1.5], { dtype: 'f64' })
    const g = grad((p: Tensor) => T.sum(T.mul(T.cast(T.cast(p, 'f32'), 'f64'), 2)))(x)
    I.withTracer(tracker, () => T.cast(T.cast(x, 'f32'), 'f64'))
    expect(g.dtype).toBe('f64')
    expect(T.toArray(g)).toEqual([2, 2])
    const h = grad((p: Tensor) => T.sum(T.add(p, T.cast(T.cast(p, 'i32'), 'f64'))))(x)
    expect(T.toArray(h)).toEqual([1, 1])
  })
  test.prop([oneRanked], runs)(
    'reductions: sum, mean, max, min, logSumExp, softmax, logSoftmax',
    ([x, axis]) => {
      for (const keepDims of [false, true]) {
        check((p: Tensor) => project(T.sum(p, { axis, keepDims })), x)
        check((p: Tensor) => project(T.max(p, { axis, keepDims })), x)
        check((p: Tensor) => project(T.logSumExp(p, { axis, keepDims })), x)
      }
      check((p: Tensor) => project(T.mean(p, { axis: [axis] })), x)
      check((p: Tensor) => project(T.min(p)), x)
      check((p: Tensor) => project(T.softmax(p, { axis })), x)
      check((p: Tensor) => project(T.logSoftmax(p, { axis })), x)
    },
  )
  test.prop([oneRanked], runs)(
    'structure: reshape transpose broadcastTo slice pad concat stack',
    ([x, axis]) => {
      check((p: Tensor) => project(T.reshape(p, [-1])), x)
      check((p: Tensor) => project(T.transpose(p)), x)
      check((p: Tensor) => project(T.broadcastTo(p, [2, ...p.shape])), x)
      const begin = x.shape.map((d) => Math.floor(d / 2))
      check((p: Tensor) => project(T.slice(p, begin)), x)
      check(
        (p: Tensor) =>
          project(
            T.pad(
              p,
              p.shape.map((_, i) => [i % 2, 1] as [number, number]),
            ),
          ),
        x,
      )
      check((p: Tensor) => project(T.concat([p, T.mul(p, p)], axis)), x)
      check((p: Tensor) => project(T.stack(T.unstack(p, axis).reverse(), axis)), x)
    },
  )
  test.prop(
    [
      fc
        .tuple(
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 3 }),
          fc.array(fc.nat({ max: 9 }), { minLength: 1, maxLength: 5 }),
        )
        .chain(([n, f, idx]) =>
          fc.tuple(
            smoothTensorOf([n, f]),
            fc.constant(idx.map((i) => i % n)),
            smoothTensorOf([idx.length, f]),
          ),
        ),
    ],
    runs,
  )('gather and scatterAdd (embedding lookup), repeated indices included', ([E, idx, u]) => {
    const i = T.tensor(idx, { dtype: 'i32' })
    check((p: Tensor) => project(T.gather(p, i)), E)
    check((p: Tensor) => project(T.gather(p, T.tensor([p.shape[1] - 1, 0], { dtype: 'i32' }), 1)), E)
    check((p: Tensor) => project(T.scatterAdd(p, i, 0, E.shape)), u)
  })
  test.prop(
    [
      fc
        .tuple(
          fc.integer({ min: 1, max: 2 }),
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 4 }),
          fc.boolean(),
          fc.boolean(),
        )
        .chain(([p, m, k, n, ta, tb]) =>
          fc.tuple(
            smoothTensorOf(ta ? [p, k, m] : [p, m, k]),
            smoothTensorOf(tb ? [n, k] : [k, n]),
            fc.constant(ta),
            fc.constant(tb),
          ),
        ),
    ],
    runs,
  )('matmul with every transpose combination and a broadcast batch', ([a, b, ta, tb]) => {
    check((q: Tensor[]) => project(T.matmul(q[0], q[1], { transposeA: ta, transposeB: tb })), [a, b])
  })
  test.prop(
    [
      fc
        .tuple(
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 1, max: 3 }),
          fc.boolean(),
          fc.constantFrom('identity', 'tanh', 'sigmoid', 'relu' as const),
          fc.constantFrom('bias', 'full'),
        )
        .chain(([m, k, n, tb, activation, kind]) =>
          fc.tuple(
            smoothTensorOf([2, m, k]),
            smoothTensorOf(tb ? [n, k] : [k, n]),
            smoothTensorOf(kind === 'bias' ? [n] : [2, m, n]),
            fc.constant({ transposeB: tb, activation: activation as 'relu' }),
          ),
        ),
    ],
    runs,
  )('fusedMatmul with every activation and a broadcast addend', ([a, b, c, o]) => {
    check((q: Tensor[]) => project(T.fusedMatmul(q[0], q[1], { ...o, addend: q[2] })), [a, b, c])
  })
  test.prop(
    [
      tensorOf([6]),
      fc.oneof(fc.constantFrom(0, -0, Number.NaN), fc.double({ min: -5, max: 5 })),
      fc.oneof(fc.constantFrom(0, -0, Number.NaN), fc.double({ min: -5, max: 5 })),
    ],
    runs,
  )(
    'clip passes the gradient exactly where clip(x) = x as numbers (none when lo > hi), signed zeros and NaN included',
    (x, lo, hi) => {
      const y = T.toTypedArray(T.clip(x, lo, hi))
      const g = T.toTypedArray(grad((p: Tensor) => T.sum(T.clip(p, lo, hi)))(x))
      // lo > hi clips everything to the constant hi, which passes no gradient even where it equals x.
      T.toTypedArray(x).forEach((v, i) => expect(g[i]).toBe(y[i] === v && !(lo > hi) ? 1 : 0))
    },
  )
  it('logSumExp of all −∞ has gradient 0, not NaN', () => {
    const x = T.tensor(
      [
        [-Infinity, -Infinity],
        [0, -Infinity],
      ],
      { dtype: 'f64' },
    )
    const g = grad((p: Tensor) => T.sum(T.logSumExp(p, { axis: 1 })))(x)
    expect(T.toArray(g)).toEqual([
      [0, 0],
      [1, 0],
    ])
  })
})

afterAll(() => {
  // Every rule in the table was exercised by some check above.
  const missing = Object.keys(RULES).filter((p) => !exercised.has(p) && p !== 'identity')
  expect(missing).toEqual([])
})
