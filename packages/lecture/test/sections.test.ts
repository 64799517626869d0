import { fc, test } from '@fast-check/vitest'
import { numRuns } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { explodingGradient } from '../src/index.ts'

describe('Lecture §4.4: the same weight at every step explodes or vanishes', () => {
  it('y¹⁰⁰⁰ = w⁹⁹⁹: 1, 20751.64, 4.36e-5, 0', () => {
    expect(explodingGradient(1).y).toBe(1)
    expect(explodingGradient(1.01).y).toBeCloseTo(20751.64, 2)
    expect(explodingGradient(0.99).y).toBeCloseTo(4.36e-5, 7)
    expect(explodingGradient(0.01).y).toBe(0)
  })
  test.prop([fc.double({ min: 0.5, max: 1.5, noNaN: true }), fc.integer({ min: 2, max: 60 })], {
    numRuns: numRuns(20),
  })('BPTT gives ∂y/∂w = (T−1)·w^(T−2) for y = w^(T−1)', (w, steps) => {
    const { y, dydw } = explodingGradient(w, steps)
    expect(y / w ** (steps - 1)).toBeCloseTo(1, 9)
    expect(dydw / ((steps - 1) * w ** (steps - 2))).toBeCloseTo(1, 9)
  })
})
