import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import * as T from '../src/index.ts'
import { identical, numRuns, values } from './kit.ts'

const runs = { numRuns: numRuns(30) }
const seed = fc.nat({ max: 2 ** 40 })

const correlation = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  const n = a.length
  let [sa, sb, saa, sbb, sab] = [0, 0, 0, 0, 0]
  for (let i = 0; i < n; i++) {
    sa += a[i]
    sb += b[i]
    saa += a[i] * a[i]
    sbb += b[i] * b[i]
    sab += a[i] * b[i]
  }
  return (sab / n - (sa / n) * (sb / n)) / Math.sqrt((saa / n - (sa / n) ** 2) * (sbb / n - (sb / n) ** 2))
}

describe('pure PRNG keys', () => {
  it('Threefry-2x32-20 matches the published known-answer vectors', () => {
    expect(T.threefry2x32(0, 0, 0, 0)).toEqual([0x6b200159, 0x99ba4efe])
    expect(T.threefry2x32(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff)).toEqual([0x1cb996fc, 0xbb002be7])
    expect(T.threefry2x32(0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3)).toEqual([0xc4923a9c, 0x483df7a0])
  })
  test.prop([seed], runs)('the same key gives the same numbers', (s) => {
    expect(identical(T.randn(T.key(s), [7], 'f64'), T.randn(T.key(s), [7], 'f64'))).toBe(true)
    expect(identical(T.uniform(T.key(s), [3]), T.uniform(T.key(s), [3]))).toBe(true)
  })
  test.prop([seed], runs)('split keys give independent streams (distinct and uncorrelated)', (s) => {
    const [a, b] = T.split(T.key(s), 2)
    const x = T.toTypedArray(T.randn(a, [2000], 'f64'))
    const y = T.toTypedArray(T.randn(b, [2000], 'f64'))
    expect(Math.abs(correlation(x, y))).toBeLessThan(0.1)
    expect(T.split(T.key(s), 3).map((k) => k.words.join()).length).toBe(
      new Set(T.split(T.key(s), 3).map((k) => k.words.join())).size,
    )
  })
  it('randn has mean 0 and variance 1; uniform covers [lo, hi)', () => {
    const z = values(T.randn(T.key(42), [20000], 'f64'))
    const mean = z.reduce((s, v) => s + v, 0) / z.length
    const variance = z.reduce((s, v) => s + (v - mean) ** 2, 0) / z.length
    expect(Math.abs(mean)).toBeLessThan(0.03)
    expect(Math.abs(variance - 1)).toBeLessThan(0.05)
    const u = T.toTypedArray(T.uniform(T.key(1), [5000], 2, 3, 'f64'))
    expect(Math.min(...u)).toBeGreaterThanOrEqual(2)
    expect(Math.max(...u)).toBeLessThan(3)
  })
  it('bernoulli has the asked rate; bad arguments throw', () => {
    const b = values(T.bernoulli(T.key(0), 0.3, [10000]))
    expect(Math.abs(b.reduce((s, v) => s + v, 0) / b.length - 0.3)).toBeLessThan(0.02)
    expect(() => T.bernoulli(T.key(0), 1.5, [2])).toThrow(T.ArgumentError)
    expect(() => T.key(-1)).toThrow(T.ArgumentError)
    expect(() => T.split(T.key(0), 0)).toThrow(T.ArgumentError)
    expect(() => T.randn(T.key(0), [2], 'i32')).toThrow(T.DTypeError)
  })
  it('foldIn derives distinct keys per integer', () => {
    expect(T.foldIn(T.key(0), 1).words).not.toEqual(T.foldIn(T.key(0), 2).words)
  })
})
