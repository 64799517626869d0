import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import * as T from '../src/index.ts'
import { assertClose, broadcastablePair, FORMULA_F64, identical, numRuns, tensorOf } from './kit.ts'

const runs = { numRuns: numRuns() }
const BINARY = ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum'] as const
const UNARY = ['neg', 'abs', 'sign', 'relu', 'exp', 'log', 'tanh', 'sigmoid', 'sqrt'] as const
const COMPARE = ['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as const
const MATH: Record<(typeof BINARY)[number] | (typeof UNARY)[number], (x: number, y: number) => number> = {
  add: (x, y) => x + y,
  sub: (x, y) => x - y,
  mul: (x, y) => x * y,
  div: (x, y) => x / y,
  pow: (x, y) => x ** y,
  maximum: Math.max,
  minimum: Math.min,
  neg: (x) => -x,
  abs: Math.abs,
  sign: Math.sign,
  relu: (x) => Math.max(0, x),
  exp: Math.exp,
  log: Math.log,
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  sqrt: Math.sqrt,
}

const pairArb = broadcastablePair().chain(([a, b]) => fc.tuple(tensorOf(a), tensorOf(b)))

describe('binary ops', () => {
  for (const op of BINARY) {
    test.prop([pairArb], runs)(
      `${op}: broadcasting agrees with the explicit tile and the scalar formula`,
      ([a, b]) => {
        const out = T[op](a, b)
        const shape = T.broadcastShapes(op, a.shape, b.shape)
        const tiled = T[op](T.broadcastTo(a, shape), T.broadcastTo(b, shape))
        expect(identical(out, tiled)).toBe(true)
        const x = T.toTypedArray(T.broadcastTo(a, shape))
        const y = T.toTypedArray(T.broadcastTo(b, shape))
        assertClose(
          out,
          T.tensor(
            Float64Array.from(x, (v, i) => MATH[op](v, y[i])),
            { shape },
          ),
          FORMULA_F64,
        )
      },
    )
    test.prop([pairArb], runs)(`${op} never mutates its inputs`, ([a, b]) => {
      const [sa, sb] = [T.toTypedArray(a), T.toTypedArray(b)]
      T[op](a, b)
      expect(T.toTypedArray(a)).toEqual(sa)
      expect(T.toTypedArray(b)).toEqual(sb)
    })
    it(`${op}: mismatched shapes throw ShapeError naming the op and shapes`, () => {
      expect(() => T[op](T.zeros([2, 3]), T.zeros([4]))).toThrow(T.ShapeError)
      expect(() => T[op](T.zeros([2, 3]), T.zeros([4]))).toThrow(`${op} [2,3] × [4]`)
    })
    it(`${op}: mixing f32 and f64 throws DTypeError`, () => {
      expect(() => T[op](T.zeros([2]), T.zeros([2], 'f64'))).toThrow(T.DTypeError)
      expect(() => T[op](T.zeros([2], 'bool'), T.zeros([2], 'bool'))).toThrow(T.DTypeError)
    })
  }
  it('weak scalars take the tensor dtype', () => {
    expect(T.add(T.zeros([2], 'f64'), 1).dtype).toBe('f64')
    expect(T.mul(2, T.ones([1], 'i32')).dtype).toBe('i32')
  })
  it('integer arithmetic stays integral; division is float only', () => {
    const i = T.tensor([7, -3], { dtype: 'i32' })
    expect(T.toArray(T.mul(i, i))).toEqual([49, 9])
    expect(() => T.div(i, i)).toThrow(T.DTypeError)
  })
  it('f32 results are rounded to f32', () => {
    expect(T.item(T.add(T.tensor(0.1), T.tensor(0.2)))).toBe(Math.fround(Math.fround(0.1) + Math.fround(0.2)))
  })
})

describe('unary ops', () => {
  for (const op of UNARY) {
    test.prop(
      [
        fc
          .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 4 }))
          .chain(([r, d]) => tensorOf(Array(r).fill(d))),
      ],
      runs,
    )(`${op} matches the scalar formula elementwise and never mutates`, (x) => {
      const before = T.toTypedArray(x)
      const y = T[op](x)
      expect(T.toTypedArray(x)).toEqual(before)
      assertClose(
        y,
        T.tensor(
          Float64Array.from(before, (v) => MATH[op](v, 0)),
          { shape: x.shape },
        ),
        FORMULA_F64,
      )
    })
    it(`${op}: bool input throws DTypeError`, () =>
      expect(() => T[op](T.zeros([1], 'bool'))).toThrow(T.DTypeError))
  }
  it('follows IEEE like NumPy: log of a negative is NaN, log 0 is −∞', () => {
    expect(T.toArray(T.log(T.tensor([-1, 0], { dtype: 'f64' })))).toEqual([Number.NaN, -Infinity])
    expect(T.toArray(T.sqrt(T.tensor([-4], { dtype: 'f64' })))).toEqual([Number.NaN])
  })
  it('sigmoid does not overflow for large |x|', () => {
    expect(T.toArray(T.sigmoid(T.tensor([-1000, 1000], { dtype: 'f64' })))).toEqual([0, 1])
  })
  it('transcendental ops reject integers', () =>
    expect(() => T.exp(T.zeros([1], 'i32'))).toThrow(T.DTypeError))
})

describe('comparisons, logic, where, clip, cast', () => {
  for (const op of COMPARE) {
    test.prop([pairArb], runs)(`${op} gives bool with broadcasting`, ([a, b]) => {
      const r = T[op](a, b)
      expect(r.dtype).toBe('bool')
      expect(r.shape).toEqual(T.broadcastShapes(op, a.shape, b.shape))
    })
    it(`${op}: mismatched shapes throw ShapeError`, () =>
      expect(() => T[op](T.zeros([3]), T.zeros([2]))).toThrow(T.ShapeError))
  }
  it('lt/gt on bools throw DTypeError; eq on bools works', () => {
    const b = T.tensor([true, false])
    expect(() => T.lt(b, b)).toThrow(T.DTypeError)
    expect(T.toArray(T.eq(b, b))).toEqual([true, true])
  })
  it('logical ops need bools', () => {
    const b = T.tensor([true, false])
    expect(T.toArray(T.logicalAnd(b, T.logicalNot(b)))).toEqual([false, false])
    expect(T.toArray(T.logicalOr(b, T.logicalNot(b)))).toEqual([true, true])
    expect(() => T.logicalAnd(T.zeros([2]), b)).toThrow(T.DTypeError)
  })
  test.prop([pairArb], runs)('where(c, a, b) picks a where c and b elsewhere', ([a, b]) => {
    const c = T.gt(a, 0)
    const w = T.where(c, a, b)
    const shape = T.broadcastShapes('t', a.shape, b.shape)
    const [cv, av, bv] = [c, a, b].map((t) => T.toTypedArray(T.broadcastTo(t, shape)))
    assertClose(
      w,
      T.tensor(
        Float64Array.from(cv, (ci, i) => (ci ? av[i] : bv[i])),
        { shape },
      ),
    )
  })
  it('where: condition must be bool; branches must share a dtype', () => {
    expect(() => T.where(T.zeros([2]), 1, 2)).toThrow(T.DTypeError)
    expect(() => T.where(T.tensor([true]), T.zeros([1]), T.zeros([1], 'f64'))).toThrow(T.DTypeError)
    expect(() => T.where(T.tensor([true, false, true]), T.zeros([2]), 0)).toThrow(T.ShapeError)
  })
  test.prop(
    [tensorOf([5]), fc.double({ min: -5, max: 0, noNaN: true }), fc.double({ min: 0, max: 5, noNaN: true })],
    runs,
  )('clip lands in [lo, hi] and is the identity inside', (x, lo, hi) => {
    const y = T.toTypedArray(T.clip(x, lo, hi))
    T.toTypedArray(x).forEach((v, i) => {
      expect(y[i] >= lo && y[i] <= hi).toBe(true)
      if (v > lo && v < hi) expect(Object.is(y[i], v)).toBe(true)
    })
  })
  const edgy = fc.oneof(fc.constantFrom(0, -0, Number.NaN), fc.double({ min: -5, max: 5 }))
  test.prop([tensorOf([6]), edgy, edgy, fc.constantFrom<T.DType>('f64', 'f32')], runs)(
    'clip is min(max(x, lo), hi) bit for bit: −0 < +0, NaN propagates, lo > hi gives hi',
    (x, lo, hi, dtype) => {
      const xs = T.cast(x, dtype)
      const [l, h] = dtype === 'f32' ? [Math.fround(lo), Math.fround(hi)] : [lo, hi]
      const y = T.toTypedArray(T.clip(xs, lo, hi))
      T.toTypedArray(xs).forEach((v, i) => expect(y[i]).toBe(Math.min(Math.max(v, l), h)))
      const yt = T.clip(xs, T.full([6], lo, dtype), T.full([1], hi, dtype))
      expect(T.toTypedArray(yt)).toEqual(y)
    },
  )
  it.each([
    [-0, 0, 1, 0],
    [0, -1, -0, -0],
    [-0, -0, 0, -0],
    [0, -0, 0, 0],
    [-0, -1, 1, -0],
    [2, 3, 1, 1],
    [Number.NaN, 0, 1, Number.NaN],
    [0.5, Number.NaN, 1, Number.NaN],
  ])('clip(%d, %d, %d) is %d (Object.is)', (x, lo, hi, expected) => {
    const y = T.item(T.clip(T.tensor([x], { dtype: 'f64' }), lo, hi))
    expect(Object.is(y, expected)).toBe(true)
  })
  it('clip on i32 clamps and keeps the dtype', () => {
    const y = T.clip(T.tensor([-7, 2, 9], { dtype: 'i32' }), -1, 5)
    expect(y.dtype).toBe('i32')
    expect(T.toArray(y)).toEqual([-1, 2, 5])
  })
  it('clip: bad operands throw', () => {
    expect(() => T.clip(T.zeros([2], 'bool'), 0, 1)).toThrow(T.DTypeError)
    expect(() => T.clip(T.zeros([2]), T.zeros([3]), 1)).toThrow(T.ShapeError)
  })
  it('cast truncates toward zero, tests truth as ≠ 0, keeps the same dtype as is', () => {
    const x = T.tensor([-2.7, 0, 2.7, Number.NaN], { dtype: 'f64' })
    expect(T.toArray(T.cast(x, 'i32'))).toEqual([-2, 0, 2, 0])
    expect(T.toArray(T.cast(x, 'bool'))).toEqual([true, false, true, true])
    expect(T.cast(x, 'f64')).toBe(x)
    expect(() => T.cast(x, 'f16' as T.DType)).toThrow(T.DTypeError)
  })
})
