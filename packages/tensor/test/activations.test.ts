/**
 * The activation table (src/activations.ts) is the one definition: each derivative equals the
 * central difference of its value away from kinks, the tensor rule agrees with the scalar one,
 * the ops apply exactly the scalar function, the stable sigmoid neither overflows nor loses the
 * formula's value, and every kernel in another language either implements an activation (with
 * parity on edge inputs) or leaves it to the TypeScript path.
 */
import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import * as T from '../src/index.ts'
import { assertClose, EDGE_INPUTS, EXACT, FORMULA_F64, GRAD_CHECK, identical, numRuns, TOL } from './kit.ts'

const runs = { numRuns: numRuns() }

describe('the table', () => {
  it('has one rule per name, named after it', () => {
    expect(Object.keys(T.ACTIVATION_RULES).sort()).toEqual([...T.ACTIVATIONS].sort())
    for (const name of T.ACTIVATIONS) expect(T.ACTIVATION_RULES[name].name).toBe(name)
  })
  it('fusedMatmul accepts exactly the listed names', () => {
    for (const activation of T.ACTIVATIONS) T.fusedMatmul(T.ones([1, 1]), T.ones([1, 1]), { activation })
    expect(() =>
      T.fusedMatmul(T.ones([1, 1]), T.ones([1, 1]), { activation: 'gelu' as T.Activation }),
    ).toThrow(T.ArgumentError)
  })
})

describe.each(T.ACTIVATIONS)('%s', (name) => {
  const rule = T.ACTIVATION_RULES[name]
  const h = GRAD_CHECK.eps
  const awayFromKinks = fc
    .double({ min: -20, max: 20, noNaN: true })
    .filter((x) => rule.kinks.every((k) => Math.abs(x - k) > 1e3 * h))

  test.prop([awayFromKinks], runs)("σ'(x), through y = σ(x), is the central difference of σ (f64)", (x) => {
    const central = (rule.value(x + h) - rule.value(x - h)) / (2 * h)
    assertClose(T.tensor(rule.slope(rule.value(x)), { dtype: 'f64' }), central, GRAD_CHECK)
  })

  test.prop([fc.array(awayFromKinks, { minLength: 1, maxLength: 8 })], runs)(
    "the tensor rule g ⊙ σ'(u) agrees with the scalar slope",
    (xs) => {
      const x = T.tensor(xs, { dtype: 'f64' })
      const g = T.tensor(
        xs.map((_, i) => i - 2.5),
        { dtype: 'f64' },
      )
      const expected = xs.map((v, i) => (i - 2.5) * rule.slope(rule.value(v)))
      assertClose(rule.vjp(g, rule.op(x)), T.tensor(expected, { dtype: 'f64' }), FORMULA_F64)
    },
  )

  test.prop([fc.array(fc.double(), { minLength: 1, maxLength: 8 })], runs)(
    'the op applies exactly the scalar function (f64, and f32 rounded once)',
    (xs) => {
      const all = [...xs, ...EDGE_INPUTS]
      const f64 = T.tensor(all, { dtype: 'f64' })
      expect(identical(rule.op(f64), T.tensor(all.map(rule.value), { dtype: 'f64' }))).toBe(true)
      const f32 = T.tensor(all, { dtype: 'f32' })
      const expected = Array.from(f32.data as Float32Array, (v) => Math.fround(rule.value(v)))
      expect(identical(rule.op(f32), T.tensor(expected, { dtype: 'f32' }))).toBe(true)
    },
  )

  it('the fused product ends with the same σ as the op', () => {
    const edges = T.tensor(EDGE_INPUTS, { dtype: 'f64' })
    const y = T.fusedMatmul(T.tensor([[-0]], { dtype: 'f64' }), T.zeros([1, EDGE_INPUTS.length], 'f64'), {
      addend: edges,
      activation: name,
    })
    assertClose(y, T.reshape(rule.op(edges), [1, -1]), EXACT)
  })
})

describe('the stable sigmoid', () => {
  const sigmoid = T.ACTIVATION_RULES.sigmoid.value
  const finite = fc.double({ noNaN: true, noDefaultInfinity: true })
  test.prop([finite], runs)('is never NaN for finite input, and lies in [0, 1]', (x) => {
    const y = sigmoid(x)
    expect(Number.isNaN(y)).toBe(false)
    expect(y >= 0 && y <= 1).toBe(true)
  })
  test.prop([fc.oneof(finite, fc.double({ min: -750, max: 750, noNaN: true }))], runs)(
    'equals 1/(1 + e^{−x}) within f64 rounding where that formula does not overflow',
    (x) => {
      fc.pre(Number.isFinite(Math.exp(-x)))
      assertClose(T.tensor(sigmoid(x), { dtype: 'f64' }), 1 / (1 + Math.exp(-x)), FORMULA_F64)
    },
  )
  it('saturates at ±1e4 and stays finite at the edges', () => {
    expect(sigmoid(1e4)).toBe(1)
    expect(sigmoid(-1e4)).toBe(0)
    expect(sigmoid(0)).toBe(0.5)
    expect(sigmoid(-0)).toBe(0.5)
    expect(Number.isNaN(sigmoid(Number.NaN))).toBe(true)
  })
})

describe('the WebAssembly kernels', () => {
  it.each(T.ACTIVATIONS)('%s: implemented with parity, or left to the TypeScript path', (name) => {
    // σ(−0·0 + c) = σ(c) for every edge input c: the product is −0, the addend carries the edges.
    const a = T.tensor([[-0]], { dtype: 'f32' })
    const b = T.zeros([1, EDGE_INPUTS.length], 'f32')
    const addend = T.tensor(EDGE_INPUTS, { dtype: 'f32' })
    const options = { addend, activation: name }
    const reference = T.withBackend(T.reference, () => T.fusedMatmul(a, b, options))
    const onWasm = T.withBackend(T.wasm, () => T.fusedMatmul(a, b, options))
    const job: T.MatmulJob = {
      a,
      b,
      batch: 1,
      m: 1,
      k: 1,
      n: EDGE_INPUTS.length,
      transposeA: false,
      transposeB: false,
      dtype: 'f32',
    }
    if ((T.wasmActivations as readonly string[]).includes(name)) {
      assertClose(onWasm, reference, TOL.f32)
    } else {
      // No kernel for it: the product runs in WebAssembly, the addend and σ on the TypeScript path.
      expect(T.wasm.fusedMatmul?.(job, addend, name)).toBeUndefined()
      const product = T.withBackend(T.wasm, () => T.matmul(a, b))
      expect(identical(onWasm, T.ACTIVATION_RULES[name].op(T.add(product, addend)))).toBe(true)
      assertClose(onWasm, reference, EXACT)
    }
  })
  it('lists only activations of the table', () => {
    for (const a of T.wasmActivations) expect(T.ACTIVATIONS).toContain(a)
  })
})
