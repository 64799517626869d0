import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import * as T from '../src/index.ts'
import { assertClose, EDGE_INPUTS, identical, numRuns, shape, TOL, tensorOf, values } from './kit.ts'

const runs = { numRuns: numRuns() }
const withAxis = shape({ minRank: 1 }).chain((s) =>
  fc.tuple(tensorOf(s), fc.integer({ min: -s.length, max: s.length - 1 }), fc.boolean()),
)

describe('reductions', () => {
  test.prop([withAxis], runs)('sum over an axis equals summing its slices', ([x, axis, keepDims]) => {
    const expected = T.unstack(x, axis).reduce((acc, s) => T.add(acc, s))
    const got = T.sum(x, { axis, keepDims })
    assertClose(keepDims ? T.squeeze(got, axis) : got, expected, TOL.f64)
  })
  test.prop([tensorOf([2, 3, 4])], runs)('sum over several axes equals nested sums', (x) => {
    assertClose(T.sum(x, { axis: [0, 2] }), T.sum(T.sum(x, { axis: 2 }), { axis: 0 }), TOL.f64)
    assertClose(T.sum(x), T.sum(T.sum(T.sum(x, { axis: 0 }), { axis: 0 }), { axis: 0 }), TOL.f64)
  })
  test.prop([withAxis], runs)('max is attained, bounds every slice, and argmax points at it', ([x, axis]) => {
    const m = T.max(x, { axis })
    for (const s of T.unstack(x, axis)) expect(T.toTypedArray(T.ge(m, s)).every((v) => v === 1)).toBe(true)
    const idx = T.argmax(x, { axis })
    const ax = axis < 0 ? axis + x.rank : axis
    const last = T.transpose(x, [...x.shape.map((_, i) => i).filter((i) => i !== ax), ax])
    const picked = T.sum(T.mul(last, T.oneHot(idx, x.shape[ax], 'f64')), { axis: -1 })
    assertClose(picked, m)
  })
  test.prop([withAxis], runs)('mean is sum / count; min is −max(−x)', ([x, axis]) => {
    assertClose(
      T.mean(x, { axis }),
      T.div(T.sum(x, { axis }), x.shape[axis < 0 ? axis + x.rank : axis]),
      TOL.f64,
    )
    assertClose(T.min(x, { axis }), T.neg(T.max(T.neg(x), { axis })))
  })
  test.prop(
    [shape({ minRank: 1 }).chain((s) => tensorOf(s)), fc.double({ min: -100, max: 100, noNaN: true })],
    runs,
  )('softmax rows sum to 1 and are shift-invariant', (x, c) => {
    const p = T.softmax(x)
    assertClose(T.sum(p, { axis: -1 }), T.ones(x.shape.slice(0, -1), 'f64'), TOL.f64)
    assertClose(T.softmax(T.add(x, c)), p, TOL.f64)
    assertClose(T.exp(T.logSoftmax(x)), p, TOL.f64)
  })
  test.prop([tensorOf([5], { min: -1e4, max: 1e4 })], runs)('logSumExp is stable for ±1e4 inputs', (x) => {
    const v = values(x)
    const m = Math.max(...v)
    const exact = m + Math.log(v.reduce((s, xi) => s + Math.exp(xi - m), 0))
    expect(Number.isFinite(T.item(T.logSumExp(x)))).toBe(true)
    assertClose(T.logSumExp(x), exact, TOL.f64)
  })
  it('logSumExp is exact with −∞ entries', () => {
    const x = T.tensor(
      [
        [-Infinity, -Infinity],
        [0, -Infinity],
        [Infinity, 0],
      ],
      { dtype: 'f64' },
    )
    expect(T.toArray(T.logSumExp(x, { axis: 1 }))).toEqual([-Infinity, 0, Infinity])
  })
  it('NaN propagates through max and logSumExp; argmax points at it', () => {
    const x = T.tensor([1, Number.NaN, 3], { dtype: 'f64' })
    expect(T.item(T.max(x))).toBeNaN()
    expect(T.item(T.logSumExp(x))).toBeNaN()
    expect(T.item(T.argmax(x))).toBe(1)
  })
  it('bad axes and dtypes throw typed errors', () => {
    expect(() => T.sum(T.zeros([2, 3]), { axis: 2 })).toThrow(T.ArgumentError)
    expect(() => T.sum(T.zeros([2, 3]), { axis: [0, 0] })).toThrow(T.ArgumentError)
    expect(() => T.max(T.zeros([0, 3]), { axis: 0 })).toThrow(T.ShapeError)
    expect(() => T.argmax(T.zeros([2, 0]), { axis: 1 })).toThrow(T.ShapeError)
    expect(() => T.sum(T.zeros([2], 'bool'))).toThrow(T.DTypeError)
    expect(() => T.logSumExp(T.zeros([2], 'i32'))).toThrow(T.DTypeError)
    expect(() => T.softmax(T.zeros([2, 3]), { axis: -3 })).toThrow(T.ArgumentError)
  })
  // f32 sums over leading axes of 2¹⁴ elements or more run in WebAssembly: f64 accumulation over
  // the rows in order and one rounding, the bits of the f64 sum rounded to f32.
  test.prop(
    [
      fc
        .integer({ min: 1, max: 70 })
        .chain((cols) =>
          fc.tuple(
            fc.integer({ min: Math.ceil(2 ** 14 / cols), max: Math.ceil(2 ** 14 / cols) + 40 }),
            fc.constant(cols),
            fc.integer({ min: 0, max: 2 ** 30 }),
            fc.subarray([...EDGE_INPUTS]),
          ),
        ),
    ],
    { numRuns: numRuns(20) },
  )(
    'f32 sums over the leading axis of large arrays equal the f64 sums rounded once',
    ([rows, cols, seed, edges]) => {
      const x = T.toTypedArray(T.mul(T.randn(T.key(seed), [rows, cols]), 1e3)) as Float32Array
      edges.forEach((e, i) => {
        x[(i * 7919) % x.length] = e
      })
      const t = T.tensor(x, { shape: [rows, cols] })
      const want = T.cast(T.sum(T.cast(t, 'f64'), { axis: 0 }), 'f32')
      expect(identical(T.sum(t, { axis: 0 }), want)).toBe(true)
      expect(identical(T.sum(T.reshape(t, [1, rows, cols]), { axis: [0, 1] }), want)).toBe(true)
    },
  )
})
