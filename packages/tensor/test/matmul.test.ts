import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import * as T from '../src/index.ts'
import { assertClose, numRuns, REASSOCIATED_F64, TOL, tensorOf } from './kit.ts'

const runs = { numRuns: numRuns() }
const dim = fc.integer({ min: 1, max: 6 })

/** A plain i-j-k triple loop: the definition of the product. */
const naive = (a: number[][], b: number[][]): number[][] =>
  a.map((row) => b[0].map((_, j) => row.reduce((s, v, k) => s + v * b[k][j], 0)))

describe('matmul', () => {
  test.prop(
    [fc.tuple(dim, dim, dim).chain(([m, k, n]) => fc.tuple(tensorOf([m, k]), tensorOf([k, n])))],
    runs,
  )('equals the triple-loop definition', ([a, b]) =>
    assertClose(T.matmul(a, b), naive(T.toArray(a) as number[][], T.toArray(b) as number[][]), TOL.f64),
  )
  test.prop(
    [
      fc
        .tuple(dim, dim, dim, dim)
        .chain(([m, k, n, p]) => fc.tuple(tensorOf([m, k]), tensorOf([k, n]), tensorOf([n, p]))),
    ],
    runs,
  )('is associative: (AB)C = A(BC) within tolerance', ([a, b, c]) =>
    assertClose(T.matmul(T.matmul(a, b), c), T.matmul(a, T.matmul(b, c)), REASSOCIATED_F64),
  )
  test.prop(
    [fc.tuple(dim, dim, dim).chain(([m, k, n]) => fc.tuple(tensorOf([m, k]), tensorOf([k, n])))],
    runs,
  )('transpose(A·B) = Bᵀ·Aᵀ', ([a, b]) =>
    assertClose(T.transpose(T.matmul(a, b)), T.matmul(T.transpose(b), T.transpose(a)), TOL.f64),
  )
  test.prop(
    [
      fc
        .tuple(dim, dim, dim, fc.boolean(), fc.boolean())
        .chain(([m, k, n, ta, tb]) =>
          fc.tuple(
            tensorOf(ta ? [k, m] : [m, k]),
            tensorOf(tb ? [n, k] : [k, n]),
            fc.constant(ta),
            fc.constant(tb),
          ),
        ),
    ],
    runs,
  )('transpose flags equal explicit transposes', ([a, b, ta, tb]) => {
    const explicit = T.matmul(ta ? T.transpose(a) : a, tb ? T.transpose(b) : b)
    assertClose(T.matmul(a, b, { transposeA: ta, transposeB: tb }), explicit, TOL.f64)
  })
  test.prop(
    [
      fc
        .tuple(fc.integer({ min: 1, max: 3 }), dim, dim, dim)
        .chain(([p, m, k, n]) => fc.tuple(tensorOf([p, m, k]), tensorOf([p, k, n]))),
    ],
    runs,
  )('batched product equals the product of each batch', ([a, b]) => {
    const each = T.stack(T.unstack(a).map((ai, i) => T.matmul(ai, T.unstack(b)[i])))
    assertClose(T.matmul(a, b), each, TOL.f64)
  })
  it('broadcasts batch axes', () => {
    const a = T.ones([2, 3, 4])
    const w = T.ones([4, 5])
    expect(T.matmul(a, w).shape).toEqual([2, 3, 5])
    expect(T.matmul(T.ones([3, 1, 2, 4]), T.ones([5, 4, 2])).shape).toEqual([3, 5, 2, 2])
  })
  it('f32 products are rounded to f32', () => {
    const y = T.withBackend(T.reference, () => T.matmul(T.tensor([[0.1, 0.2]]), T.tensor([[0.3], [0.4]])))
    expect(y.dtype).toBe('f32')
    expect(T.item(y)).toBe(
      Math.fround(Math.fround(0.1) * Math.fround(0.3) + Math.fround(0.2) * Math.fround(0.4)),
    )
  })
  it('names the op and the shapes on an inner-dimension mismatch', () => {
    expect(() => T.matmul(T.zeros([3, 4]), T.zeros([5, 2]))).toThrow(
      'matmul [3,4] × [5,2]: inner dimensions 4 ≠ 5',
    )
    expect(() => T.matmul(T.zeros([3, 4]), T.zeros([3, 2]), { transposeA: true })).not.toThrow()
  })
  it('rejects vectors, mixed dtypes, bools and unbroadcastable batches', () => {
    expect(() => T.matmul(T.zeros([3]), T.zeros([3, 2]))).toThrow(T.ShapeError)
    expect(() => T.matmul(T.zeros([2, 2]), T.zeros([2, 2], 'f64'))).toThrow(T.DTypeError)
    expect(() => T.matmul(T.zeros([2, 2], 'bool'), T.zeros([2, 2], 'bool'))).toThrow(T.DTypeError)
    expect(() => T.matmul(T.zeros([2, 2, 2]), T.zeros([3, 2, 2]))).toThrow(T.ShapeError)
  })
  it('runs through the current kernel provider and restores it', () => {
    const seen: string[] = []
    const spy: T.KernelProvider = {
      name: 'spy',
      matmul: (job) => {
        seen.push(`${job.m}x${job.k}x${job.n}`)
        return undefined
      },
    }
    const y = T.withBackend(spy, () => T.matmul(T.ones([2, 3]), T.ones([3, 4])))
    expect(seen).toEqual(['2x3x4'])
    expect(T.toArray(y)).toEqual(T.toArray(T.full([2, 4], 3)))
    expect(T.currentBackend().name).toBe('auto')
    expect(() =>
      T.withBackend(spy, () => {
        throw new Error('boom')
      }),
    ).toThrow('boom')
    expect(T.currentBackend().name).toBe('auto')
  })
})
