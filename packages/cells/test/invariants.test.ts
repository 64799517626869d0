/** Memory invariants of the gated cells and the Clockwork schedule, as properties. */
import { fc, test } from '@fast-check/vitest'
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { assertClose, EXACT, numRuns, TOL } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import {
  activeUnits,
  clockwork,
  forgetBias,
  glorotUniform,
  gru,
  identity,
  irnn,
  lstm,
  orthogonal,
  rnn,
  scrn,
} from '../src/index.ts'

const runs = { numRuns: numRuns(30) }
const sizes = fc.record({
  seed: fc.nat({ max: 2 ** 30 }),
  I: fc.integer({ min: 1, max: 4 }),
  H: fc.integer({ min: 1, max: 4 }),
  B: fc.integer({ min: 1, max: 3 }),
})
const SHUT = -1000 // σ(−1000) = 0 and σ(1000) = 1 exactly in double precision
/** Sets gate k's slice of a fused bias `[G·H]` to `value`. */
const setGate = (b: Tensor, H: number, k: number, value: number) =>
  T.concat([T.slice(b, [0], [k * H]), T.full([H], value, b.dtype), T.slice(b, [(k + 1) * H])])

const lstmCase = (peephole: 'none' | 'lecture' | 'diagonal' = 'none') =>
  sizes.map(({ seed, I, H, B }) => {
    const [k1, k2, k3, k4] = T.split(T.key(seed), 4)
    const cell = lstm({ peephole })
    const p = cell.init(k1, { inputSize: I, hiddenSize: H, dtype: 'f64' })
    const state = { h: T.randn(k2, [B, H], 'f64'), c: T.randn(k3, [B, H], 'f64') }
    return { cell, p, state, x: T.randn(k4, [B, I], 'f64'), H }
  })

describe('LSTM memory (Lecture §3.1)', () => {
  test.prop([lstmCase()], runs)(
    'input gate shut and forget gate open ⇒ memory unchanged',
    ({ cell, p, state, x, H }) => {
      const q = { ...p, b_ih: setGate(setGate(p.b_ih!, H, 0, SHUT), H, 1, -SHUT) }
      const [next] = cell.step(q, state, x)
      assertClose(next.c, state.c, EXACT)
    },
  )
  test.prop([lstmCase()], runs)(
    'forget gate shut ⇒ memory equals the gated input g(z)·f(z_i)',
    ({ cell, p, state, x, H }) => {
      const q = { ...p, b_ih: setGate(p.b_ih!, H, 1, SHUT) }
      const [next] = cell.step(q, state, x)
      const z = T.add(
        T.add(T.matmul(x, q.W_ih, { transposeB: true }), q.b_ih!),
        T.add(T.matmul(state.h, q.W_hh, { transposeB: true }), q.b_hh!),
      )
      const [zi, , zg] = [0, 1, 2].map((k) => T.slice(z, [0, k * H], [x.shape[0], H]))
      assertClose(next.c, T.mul(T.tanh(zg), T.sigmoid(zi)), TOL.f64)
    },
  )
  test.prop([fc.constantFrom('none', 'lecture', 'diagonal').chain((v) => lstmCase(v as 'none'))], runs)(
    'output gate shut ⇒ output 0 (every peephole form)',
    ({ cell, p, state, x, H }) => {
      const q = { ...p, b_ih: setGate(p.b_ih!, H, 3, SHUT) }
      const [, y] = cell.step(q, state, x)
      assertClose(y, T.zeros(y.shape, 'f64'), EXACT)
    },
  )
  test.prop([lstmCase(), fc.double({ min: -2, max: 2, noNaN: true })], runs)(
    'for fixed gates c_t is affine in c_{t−1}',
    ({ cell, p, state, x }, alpha) => {
      const c2 = T.mul(state.c, -0.5)
      const mix = T.add(T.mul(state.c, alpha), T.mul(c2, 1 - alpha))
      const step = (c: Tensor) => cell.step(p, { h: state.h, c }, x)[0].c
      assertClose(step(mix), T.add(T.mul(step(state.c), alpha), T.mul(step(c2), 1 - alpha)), TOL.f64)
    },
  )
  it('the lecture peephole feeds c_{t−1} into all four transforms; the diagonal one only into the gates', () => {
    const H = 2
    const c0 = T.tensor([[1, -1]], { dtype: 'f64' })
    const x = T.zeros([1, 1], 'f64')
    const h = T.zeros([1, H], 'f64')
    for (const peephole of ['lecture', 'diagonal'] as const) {
      const cell = lstm({ peephole })
      const p = cell.init(T.key(3), { inputSize: 1, hiddenSize: H, dtype: 'f64' })
      const a = cell.step(p, { h, c: c0 }, x)[0].c
      const b = cell.step(p, { h, c: T.mul(c0, 2) }, x)[0].c
      expect(T.toArray(a)).not.toEqual(T.toArray(T.sub(b, c0))) // c enters non-linearly through the gates
    }
  })
  it('forgetBias initialises the forget slice of b_ih', () => {
    const p = lstm({ forgetBias: 1 }).init(T.key(0), { inputSize: 2, hiddenSize: 3 })
    expect(T.toArray(T.slice(p.b_ih!, [3], [3]))).toEqual([1, 1, 1])
    expect(T.toArray(T.slice(p.b_hh!, [3], [3]))).toEqual([0, 0, 0])
    expect(T.toArray(forgetBias(T.zeros([4]), 1, 2))).toEqual([0, 2, 0, 0])
  })
})

describe('GRU (Lecture §4.5)', () => {
  test.prop([sizes], runs)('update gate 1 ⇒ state unchanged', ({ seed, I, H, B }) => {
    const [k1, k2, k3] = T.split(T.key(seed), 3)
    const cell = gru()
    const p = cell.init(k1, { inputSize: I, hiddenSize: H, dtype: 'f64' })
    const q = { ...p, b_ih: setGate(p.b_ih!, H, 1, -SHUT) }
    const h = T.randn(k2, [B, H], 'f64')
    const [next] = cell.step(q, h, T.randn(k3, [B, I], 'f64'))
    assertClose(next, h, EXACT)
  })
})

describe('Clockwork RNN (Koutník et al. 2014)', () => {
  test.prop([fc.nat({ max: 2 ** 30 }), fc.integer({ min: 1, max: 9 })], runs)(
    'a module updates only when t mod its period = 0',
    (seed, steps) => {
      const periods = [1, 2, 4]
      const cell = clockwork({ periods })
      const p = cell.init(T.key(seed), { inputSize: 2, hiddenSize: 6, dtype: 'f64' })
      const xs = T.randn(T.key(seed + 1), [steps, 1, 2], 'f64')
      const hs = [T.zeros([6], 'f64'), ...T.unstack(T.squeeze(rnn(cell).apply(p, xs).output, 1))]
      for (let t = 0; t < steps; t++) {
        periods.forEach((period, m) => {
          const before = T.slice(hs[t], [2 * m], [2])
          const after = T.slice(hs[t + 1], [2 * m], [2])
          if (t % period !== 0) assertClose(after, before, EXACT, `module ${m} at step ${t}`)
        })
      }
    },
  )
  it('slower modules feed faster ones, never the reverse (block upper-triangular W_hh)', () => {
    const p = clockwork({ periods: [1, 2] }).init(T.key(0), { inputSize: 1, hiddenSize: 4 })
    const W = T.toArray(p.W_hh) as number[][]
    expect([W[2][0], W[2][1], W[3][0], W[3][1]].every((v) => v === 0)).toBe(true)
    expect(W[0][3]).not.toBe(0)
    expect(T.toArray(activeUnits(T.tensor([0, 1, 2], { dtype: 'i32' }), 2, [1, 2]))).toEqual([
      [true, true],
      [true, false],
      [true, true],
    ])
    expect(() => clockwork({ periods: [2, 1] })).toThrow(T.ArgumentError)
    expect(() => clockwork({ periods: [1, 2] }).init(T.key(0), { inputSize: 1, hiddenSize: 3 })).toThrow(
      'not a multiple',
    )
  })
})

describe('SCRN (Mikolov et al. 2015)', () => {
  test.prop([sizes, fc.double({ min: 0, max: 1, noNaN: true })], runs)(
    'the context follows s_t = (1−α)·B·x_t + α·s_{t−1}',
    ({ seed, I, H, B }, alpha) => {
      const cell = scrn({ alpha })
      const p = cell.init(T.key(seed), { inputSize: I, hiddenSize: H, dtype: 'f64' })
      const s0 = { h: T.randn(T.key(seed + 1), [B, H], 'f64'), s: T.randn(T.key(seed + 2), [B, H], 'f64') }
      const x = T.randn(T.key(seed + 3), [B, I], 'f64')
      const [next, y] = cell.step(p, s0, x)
      assertClose(
        next.s,
        T.add(T.mul(T.matmul(x, p.B, { transposeB: true }), 1 - alpha), T.mul(s0.s, alpha)),
        TOL.f64,
      )
      expect(y.shape).toEqual([B, 2 * H])
    },
  )
})

describe('initialisers', () => {
  test.prop([fc.nat({ max: 2 ** 30 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 })], runs)(
    'orthogonal gives orthonormal rows (or columns); Glorot stays in its bound',
    (seed, r, c) => {
      const Q = orthogonal(T.key(seed), [r, c], 'f64')
      const gram = r <= c ? T.matmul(Q, Q, { transposeB: true }) : T.matmul(Q, Q, { transposeA: true })
      assertClose(gram, T.eye(Math.min(r, c), Math.min(r, c), 'f64'), TOL.f64)
      const W = glorotUniform(T.key(seed), [r, c], 'f64')
      expect(T.item(T.max(T.abs(W)))).toBeLessThanOrEqual(Math.sqrt(6 / (r + c)))
    },
  )
  it('IRNN starts from the identity with zero biases (Le et al. 2015)', () => {
    const p = irnn().init(T.key(1), { inputSize: 2, hiddenSize: 3, dtype: 'f64' })
    expect(T.toArray(p.W_hh)).toEqual(T.toArray(identity(3, 'f64')))
    expect(T.toArray(p.b_ih!)).toEqual([0, 0, 0])
    expect(T.item(T.max(T.abs(p.W_ih)))).toBeLessThan(0.01)
  })
  it('the same key gives the same parameters', () => {
    const a = gru().init(T.key(5), { inputSize: 2, hiddenSize: 2 })
    const b = gru().init(T.key(5), { inputSize: 2, hiddenSize: 2 })
    expect(T.toArray(a.W_ih)).toEqual(T.toArray(b.W_ih))
  })
})
