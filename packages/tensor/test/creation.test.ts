import { test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import * as T from '../src/index.ts'
import { numRuns, shape } from './kit.ts'

const runs = { numRuns: numRuns() }

describe('creation and reading', () => {
  test.prop([shape()], runs)('toArray ∘ tensor round-trips nested arrays of any rank', (s) => {
    const x = T.arange(T.sizeOf(s), undefined, 1, 'f64')
    const nested = T.toArray(T.reshape(x, s))
    expect(T.toArray(T.tensor(nested as T.Nested, { dtype: 'f64' }))).toEqual(nested)
  })
  it('tensors are frozen values; toArray hands out copies', () => {
    const x = T.tensor([1, 2])
    expect(Object.isFrozen(x)).toBe(true)
    expect(Object.isFrozen(x.shape)).toBe(true)
    const a = T.toArray(x) as number[]
    a[0] = 5
    expect(T.toArray(x)).toEqual([1, 2])
    const src = new Float32Array([1, 2])
    const y = T.tensor(src)
    src[0] = 9
    expect(T.toArray(y)).toEqual([1, 2])
  })
  it('scalars, booleans and dtypes', () => {
    expect(T.toArray(T.tensor(3))).toBe(3)
    expect(T.tensor(3).shape).toEqual([])
    expect(T.tensor([true]).dtype).toBe('bool')
    expect(T.tensor([1.7], { dtype: 'i32' }).data[0]).toBe(1)
    expect(String(T.tensor([[1, 2]]))).toBe('tensor([[1, 2]], f32)')
  })
  it('creation functions', () => {
    expect(T.toArray(T.zeros([2], 'i32'))).toEqual([0, 0])
    expect(T.toArray(T.ones([1, 2]))).toEqual([[1, 1]])
    expect(T.toArray(T.full([2], true))).toEqual([true, true])
    expect(T.toArray(T.eye(2, 3))).toEqual([
      [1, 0, 0],
      [0, 1, 0],
    ])
    expect(T.toArray(T.arange(1, 2, 0.5))).toEqual([1, 1.5])
    expect(T.toArray(T.oneHot(T.tensor([[1]], { dtype: 'i32' }), 2))).toEqual([[[0, 1]]])
  })
  it('bad input throws typed errors that name the problem', () => {
    expect(() => T.tensor([[1, 2], [3]])).toThrow('ragged nested array at [1]')
    expect(() => T.tensor([1, 'a' as unknown as number])).toThrow(T.ArgumentError)
    expect(() => T.tensor([1, 2, 3], { shape: [2, 2] })).toThrow(T.ShapeError)
    expect(() => T.zeros([-1])).toThrow(T.ArgumentError)
    expect(() => T.zeros([1.5])).toThrow(T.ArgumentError)
    expect(() => T.arange(0, 1, 0)).toThrow(T.ArgumentError)
    expect(() => T.oneHot([3], 3)).toThrow('oneHot: index 3 at position 0 is out of range [0, 3)')
    expect(() => T.item(T.zeros([2]))).toThrow(T.ShapeError)
  })
})
