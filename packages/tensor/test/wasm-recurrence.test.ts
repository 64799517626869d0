/**
 * The vectorised f32 `exp`, `σ` and `tanh` of the WebAssembly recurrence kernels equal the f64
 * formulas of the TypeScript path to FORMULA_F32, over random f32 values and the edges (±0,
 * subnormals, saturation, overflow, ±∞, NaN), in arrays of every length modulo the vector width.
 * (The recurrences themselves are checked against the TypeScript loop and the per-step cells in
 * packages/cells/test/wasm-recurrence.test.ts.)
 */
import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import * as T from '../src/index.ts'
import * as I from '../src/internal.ts'
import { EDGE_INPUTS, FORMULA_F32, numRuns, sameNumber } from './kit.ts'

const FORMULAS: Record<I.VectorFunction, (x: number) => number> = {
  exp: Math.exp,
  sigmoid: T.ACTIVATION_RULES.sigmoid.value,
  tanh: T.ACTIVATION_RULES.tanh.value,
}
/** f32 edges: signed zeros, the smallest subnormal and normal, gate saturation, the ends of e^x's range. */
const F32_EDGES = [
  ...EDGE_INPUTS,
  2 ** -149,
  -(2 ** -149),
  2 ** -126,
  -(2 ** -126),
  88.72,
  -87.33,
  -103.9,
  -104.5,
  89,
  0.5625,
  -0.5625,
  Math.fround(0.5625) - 2 ** -24,
  3.4e38,
  -3.4e38,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
].map(Math.fround)

const values = fc.array(
  fc.oneof(fc.float(), fc.float({ min: -20, max: 20 }), fc.constantFrom(...F32_EDGES)),
  {
    maxLength: 23,
  },
)

describe('the wasm recurrence’s vectorised functions', () => {
  for (const f of ['exp', 'sigmoid', 'tanh'] as const) {
    test.prop([values], { numRuns: numRuns(200) })(`${f} equals the f64 formula to FORMULA_F32`, (xs) => {
      const y = I.wasmVectorFunction(f, Float32Array.from(xs))
      expect(y.length).toBe(xs.length)
      xs.forEach((x, i) => {
        const want = Math.fround(FORMULAS[f](Math.fround(x)))
        if (!sameNumber(y[i], FORMULAS[f](Math.fround(x)), FORMULA_F32) && !Object.is(y[i], want))
          throw new Error(`${f}(${x}) = ${y[i]}, f64 formula ${FORMULAS[f](Math.fround(x))}`)
      })
    })
    it(`${f} gives the IEEE values at the edges (NaN, ±∞, ±0)`, () => {
      const edges = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -0, 1e4, -1e4]
      const y = I.wasmVectorFunction(f, Float32Array.from(edges))
      edges.forEach((x, i) => expect(Object.is(y[i], Math.fround(FORMULAS[f](x)))).toBe(true))
    })
  }
  it('the measured errors are within FORMULA_F32', () => {
    for (const e of Object.values(I.ACTIVATION_ERROR)) expect(e.rel).toBeLessThanOrEqual(FORMULA_F32.rtol)
  })
})
