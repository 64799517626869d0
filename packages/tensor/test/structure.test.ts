import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import * as T from '../src/index.ts'
import { assertClose, identical, numRuns, shape, TOL, tensorOf } from './kit.ts'

const runs = { numRuns: numRuns() }
const anyTensor = shape({ minRank: 1 }).chain((s) => tensorOf(s))
const dot = (a: T.Tensor, b: T.Tensor) => T.sum(T.mul(a, b))

describe('structural ops', () => {
  test.prop([anyTensor], runs)(
    'reshape keeps the elements; transpose twice by a permutation and its inverse is the identity',
    (x) => {
      expect(T.toTypedArray(T.reshape(x, [-1]))).toEqual(T.toTypedArray(x))
      const perm = x.shape.map((_, i) => i).reverse()
      expect(
        identical(
          T.transpose(
            T.transpose(x, perm),
            perm.map((_, i) => perm.indexOf(i)),
          ),
          x,
        ),
      ).toBe(true)
    },
  )
  test.prop(
    [anyTensor.chain((x) => fc.tuple(fc.constant(x), fc.integer({ min: 0, max: x.rank - 1 })))],
    runs,
  )('stack ∘ unstack is the identity; concat of slices rebuilds the tensor', ([x, axis]) => {
    expect(identical(T.stack(T.unstack(x, axis), axis), x)).toBe(true)
    const n = x.shape[axis]
    const cut = Math.floor(n / 2)
    const left = T.slice(
      x,
      x.shape.map(() => 0),
      x.shape.map((d, i) => (i === axis ? cut : d)),
    )
    const right = T.slice(
      x,
      x.shape.map((_, i) => (i === axis ? cut : 0)),
    )
    expect(identical(T.concat([left, right], axis), x)).toBe(true)
  })
  test.prop([anyTensor.chain((x) => fc.tuple(fc.constant(x), tensorOf(x.shape)))], runs)(
    'pad is the adjoint of slice: ⟨slice(x), u⟩ = ⟨x, pad(u)⟩',
    ([x, y]) => {
      const begin = x.shape.map((d) => Math.floor(d / 3))
      const size = x.shape.map((d, i) => d - begin[i] - (d > 2 ? 1 : 0))
      const s = T.slice(x, begin, size)
      const u = T.slice(y, begin, size)
      const widths = x.shape.map((d, i) => [begin[i], d - begin[i] - size[i]] as [number, number])
      assertClose(dot(s, u), dot(x, T.pad(u, widths)), TOL.f64)
    },
  )
  test.prop(
    [
      fc
        .tuple(
          fc.integer({ min: 1, max: 5 }),
          fc.integer({ min: 1, max: 4 }),
          fc.array(fc.nat({ max: 4 }), { minLength: 1, maxLength: 6 }),
        )
        .chain(([n, f, idx]) =>
          fc.tuple(tensorOf([n, f]), fc.constant(idx.map((i) => i % n)), tensorOf([idx.length, f])),
        ),
    ],
    runs,
  )('scatterAdd is the adjoint of gather: ⟨gather(E, i), u⟩ = ⟨E, scatterAdd(u, i)⟩', ([E, idx, u]) => {
    const i = T.tensor(idx, { dtype: 'i32' })
    assertClose(dot(T.gather(E, i), u), dot(E, T.scatterAdd(u, i, 0, E.shape)), TOL.f64)
  })
  test.prop([anyTensor], runs)('broadcastTo then sumTo multiplies by the tile count', (x) => {
    const big = [3, ...x.shape]
    assertClose(T.sumTo(T.broadcastTo(x, big), x.shape), T.mul(x, 3))
  })
  it('gather along an inner axis and with index matrices', () => {
    const x = T.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ])
    expect(T.toArray(T.gather(x, T.tensor([[2, 0]], { dtype: 'i32' }), 1))).toEqual([[[3, 1]], [[6, 4]]])
  })
  it('structural ops never mutate inputs', () => {
    const x = T.tensor([
      [1, 2],
      [3, 4],
    ])
    const before = T.toTypedArray(x)
    T.transpose(x)
    T.pad(x, [
      [1, 1],
      [0, 0],
    ])
    T.concat([x, x])
    T.gather(x, T.tensor([0], { dtype: 'i32' }))
    expect(T.toTypedArray(x)).toEqual(before)
    const copy = T.toArray(x) as number[][]
    copy[0][0] = 99
    expect(T.item(T.slice(x, [0, 0], [1, 1]))).toBe(1)
  })
  it('bad arguments throw typed errors naming the op and shapes', () => {
    const x = T.zeros([2, 3])
    expect(() => T.reshape(x, [4, 2])).toThrow('reshape [2,3] → [4,2]')
    expect(() => T.reshape(x, [-1, -1])).toThrow(T.ArgumentError)
    expect(() => T.transpose(x, [0, 0])).toThrow(T.ArgumentError)
    expect(() => T.broadcastTo(x, [3, 3])).toThrow(T.ShapeError)
    expect(() => T.slice(x, [1, 2], [2, 1])).toThrow(T.ShapeError)
    expect(() => T.pad(x, [[1, 0]])).toThrow(T.ArgumentError)
    expect(() => T.concat([x, T.zeros([3, 3])], 1)).toThrow(T.ShapeError)
    expect(() => T.concat([x, T.zeros([2, 3], 'f64')])).toThrow(T.DTypeError)
    expect(() => T.concat([])).toThrow(T.ArgumentError)
    expect(() => T.stack([x, T.zeros([3, 2])])).toThrow(T.ShapeError)
    expect(() => T.gather(x, T.tensor([2], { dtype: 'i32' }))).toThrow(
      'gather: index 2 at position 0 is out of range [0, 2)',
    )
    expect(() => T.gather(x, T.tensor([0]))).toThrow(T.DTypeError)
    expect(() => T.scatterAdd(T.zeros([2, 3]), T.tensor([0], { dtype: 'i32' }), 0, [2, 3])).toThrow(
      T.ShapeError,
    )
    expect(() => T.squeeze(x, 0)).toThrow(T.ShapeError)
    expect(() => T.sumTo(x, [4])).toThrow(T.ShapeError)
  })
})

describe('readLengths', () => {
  test.prop(
    [fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 6 }), fc.integer({ min: 0, max: 9 })],
    runs,
  )(
    'accepts exactly the integer arrays within [0, max] of the batch size, naming the entry otherwise',
    (ls, max) => {
      const ok = ls.every((l) => l <= max)
      if (ok) expect(T.readLengths('op', 'lengths', ls, { batch: ls.length, max })).toEqual(ls)
      else
        expect(() => T.readLengths('op', 'lengths', ls, { batch: ls.length, max })).toThrow(
          /op: lengths\[\d+\] = \d+ is not an integer in \[0, \d+\]/,
        )
      expect(() => T.readLengths('op', 'lengths', ls, { batch: ls.length + 1, max: 9 })).toThrow(T.ShapeError)
    },
  )
  test('rejects fractions, NaN, bool tensors and non-arrays', () => {
    expect(() => T.readLengths('op', 'lengths', [1.5], { batch: 1, max: 3 })).toThrow('lengths[0] = 1.5')
    expect(() => T.readLengths('op', 'lengths', [Number.NaN], { batch: 1, max: 3 })).toThrow(
      'lengths[0] = NaN',
    )
    expect(() =>
      T.readLengths('op', 'lengths', T.tensor([true], { dtype: 'bool' }), { batch: 1, max: 3 }),
    ).toThrow(T.ShapeError)
    expect(() => T.readLengths('op', 'lengths', 3 as never, { batch: 1, max: 3 })).toThrow(T.ArgumentError)
    expect(T.readLengths('op', 'lengths', T.tensor([2, 0], { dtype: 'i32' }), { batch: 2, max: 3 })).toEqual([
      2, 0,
    ])
  })
})
