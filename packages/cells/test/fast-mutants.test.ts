/**
 * Laws of the fused whole-sequence ops (`fast/lstm-sequence.ts`, `fast/gru-sequence.ts`,
 * `fast/recurrence.ts`) that the mutation run (docs/verification.md) found unstated: every
 * gradient has its primal's dtype and shape, on both paths (WebAssembly and the TypeScript loop);
 * a sequence of length 0 passes its state and the state's cotangent through exactly, whatever the
 * weights hold; and past the size where the per-step products leave the plain loops for
 * `T.matmul`, the ops still equal the per-step cell, values and gradients.
 */
import { fc, test } from '@fast-check/vitest'
import { grad } from '@recurrent/autograd'
import type { Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { assertClose, EXACT, numRuns, SEQUENCE_F64, TOL } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { recurrentProduct } from '../src/fast/recurrence.ts'
import { type Cell, gru, lstm, rnn } from '../src/index.ts'

const runs = { numRuns: numRuns(10) }

const CELLS: [string, Cell][] = [
  ['gru()', gru()],
  ['lstm()', lstm()],
  ['lstm({ peephole: diagonal })', lstm({ peephole: 'diagonal' })],
  ['lstm({ peephole: lecture })', lstm({ peephole: 'lecture' })],
]
/** The default provider (f32 plain cells take the WebAssembly recurrence) and the reference one. */
const PROVIDERS = [
  ['default provider', T.auto],
  ['T.reference', T.reference],
] as const

/** ⟨output, p0⟩ + Σ ⟨state leaf i, p_{i+1}⟩: a scalar that reaches every result of the layer. */
const objective =
  (layer: ReturnType<typeof rnn>, xs: Tensor, lengths: number[], probe: Tensor[]) =>
  (q: { params: Tree; state0: Tree }) => {
    const { output, state } = layer.apply(q.params, xs, { state0: q.state0, lengths })
    return T.treeLeaves(state as Tree).reduce(
      (acc: Tensor, l, i) => T.add(acc, T.sum(T.mul(l, probe[i + 1]))),
      T.sum(T.mul(output, probe[0])),
    )
  }

const sizes = fc.record({
  seed: fc.nat({ max: 2 ** 30 }),
  I: fc.integer({ min: 1, max: 3 }),
  H: fc.integer({ min: 1, max: 5 }),
  steps: fc.integer({ min: 1, max: 4 }),
  B: fc.integer({ min: 1, max: 3 }),
  dtype: fc.constantFrom('f32' as const, 'f64' as const),
})

/** A random case: params from the cell's init, inputs, an initial state, lengths and a probe. */
const makeCase = (
  cell: Cell,
  s: { seed: number; I: number; H: number; steps: number; B: number; dtype: T.DType },
) => {
  const k = T.split(T.key(s.seed), 5)
  const params = cell.init(k[0], { inputSize: s.I, hiddenSize: s.H, dtype: s.dtype }) as Tree
  const xs = T.randn(k[1], [s.steps, s.B, s.I], s.dtype)
  const state0 = T.treeMap(cell.initialState(params, s.B) as Tree, (t) => T.randn(k[2], t.shape, s.dtype))
  const lengths = Array.from({ length: s.B }, (_, b) => (b * 7 + s.seed) % (s.steps + 1))
  const leaves = T.treeLeaves(state0)
  const probe = [
    T.randn(k[3], [s.steps, s.B, s.H], s.dtype),
    ...leaves.map((l, i) => T.randn(T.foldIn(k[4], i), l.shape, s.dtype)),
  ]
  return { params, xs, state0, lengths, probe }
}

describe('gradients of the fused ops have their primals’ dtypes and shapes', () => {
  for (const [name, cell] of CELLS)
    for (const [where, provider] of PROVIDERS)
      test.prop([sizes], runs)(`${name}, ${where}`, (s) => {
        const { params, xs, state0, lengths, probe } = makeCase(cell, s)
        const args = { params, state0 }
        const g = T.withBackend(provider, () => grad(objective(rnn(cell), xs, lengths, probe))(args))
        const primal = T.treeLeaves(args as unknown as Tree)
        const cotangent = T.treeLeaves(g as unknown as Tree)
        expect(cotangent.length).toBe(primal.length)
        cotangent.forEach((c, i) => {
          expect(c.dtype, T.treePaths(args as unknown as Tree)[i]).toBe(primal[i].dtype)
          expect(c.shape, T.treePaths(args as unknown as Tree)[i]).toEqual(primal[i].shape)
        })
      })
})

describe('a sequence of length 0 passes its state and the state’s cotangent through exactly', () => {
  // Whatever the weights hold: a non-finite recurrent weight makes every active row's gradient
  // NaN, but a padded row never multiplies anything by it.
  for (const [name, cell] of CELLS)
    for (const [where, provider] of PROVIDERS)
      test.prop([sizes, fc.constantFrom(Infinity, -Infinity, Number.NaN, 0.5)], runs)(
        `${name}, ${where}`,
        (s, bad) => {
          const { params, xs, state0, probe } = makeCase(cell, s)
          const Whh = T.toTypedArray((params as { W_hh: Tensor }).W_hh).slice()
          Whh[s.seed % Whh.length] = bad
          const q = {
            ...(params as Record<string, Tensor>),
            W_hh: T.tensor(Whh, { shape: (params as { W_hh: Tensor }).W_hh.shape, dtype: s.dtype }),
          }
          // Row 0 is padding throughout; the others run every step.
          const lengths = Array.from({ length: s.B }, (_, b) => (b === 0 ? 0 : s.steps))
          const layer = rnn(cell)
          const { state } = T.withBackend(provider, () => layer.apply(q, xs, { state0, lengths }))
          const g = T.withBackend(provider, () =>
            grad(objective(layer, xs, lengths, probe))({ params: q as Tree, state0 }),
          )
          const row0 = (t: Tensor) => T.slice(t, [0, 0], [1, t.shape[1]])
          const leaves = T.treeLeaves(state as Tree)
          const start = T.treeLeaves(state0)
          const back = T.treeLeaves(g.state0 as Tree)
          leaves.forEach((leaf, i) => {
            assertClose(row0(leaf), row0(start[i]), EXACT, `state leaf ${i}`)
            // The objective's cotangent of this leaf is probe[i + 1]; it reaches state0 unchanged.
            assertClose(row0(back[i]), row0(probe[i + 1]), EXACT, `cotangent of state leaf ${i}`)
          })
        },
      )
})

describe('past the plain loops’ size (B·G·H > 2¹⁴) the fused ops equal the per-step cell', () => {
  // H = 48, B = 3: the GRU's recurrent product is 3·144·48 = 20 736 multiply-adds, the LSTM's
  // 3·192·48 = 27 648, so every per-step product, forward and backward, goes through T.matmul.
  for (const [name, cell] of CELLS)
    it(name, () => {
      const s = { seed: 5, I: 2, H: 48, steps: 3, B: 3, dtype: 'f64' as const }
      const { params, xs, state0, probe } = makeCase(cell, s)
      const lengths = [3, 1, 0]
      const fast = grad(objective(rnn(cell), xs, lengths, probe))({ params, state0 })
      const slow = grad(objective(rnn(cell, { fast: false }), xs, lengths, probe))({ params, state0 })
      const a = T.treeLeaves(fast as unknown as Tree)
      const b = T.treeLeaves(slow as unknown as Tree)
      expect(a.length).toBe(b.length)
      a.forEach((t, i) => assertClose(t, b[i], SEQUENCE_F64, T.treePaths(fast as unknown as Tree)[i]))
      const y = rnn(cell).apply(params, xs, { state0, lengths })
      const z = rnn(cell, { fast: false }).apply(params, xs, { state0, lengths })
      assertClose(y.output, z.output, SEQUENCE_F64, 'output')
    })
})

describe('params with only some of the diagonal peepholes: the fast path uses each one, as the step does', () => {
  // LstmParams makes each peephole optional; the fused op takes all three or none, so a partial
  // set (params made by hand) folds the readable step.
  const subsets = [['w_ci'], ['w_cf'], ['w_co'], ['w_ci', 'w_cf'], ['w_ci', 'w_co'], ['w_cf', 'w_co']]
  for (const dtype of ['f32', 'f64'] as const)
    for (const keep of subsets)
      it(`${keep.join(', ')}, ${dtype}`, () => {
        const full = lstm({ peephole: 'diagonal' }).init(T.key(7), { inputSize: 2, hiddenSize: 3, dtype })
        const p = Object.fromEntries(
          Object.entries(full).filter(([k]) => !k.startsWith('w_c') || keep.includes(k)),
        ) as typeof full
        const xs = T.randn(T.key(8), [3, 2, 2], dtype)
        const tol = dtype === 'f64' ? SEQUENCE_F64 : TOL.f32
        for (const cell of [lstm(), lstm({ peephole: 'diagonal' })]) {
          const fast = rnn(cell).apply(p, xs, { lengths: [3, 2] })
          const step = rnn(cell, { fast: false }).apply(p, xs, { lengths: [3, 2] })
          assertClose(fast.output, step.output, tol, 'output')
          assertClose(fast.state.c, step.state.c, tol, 'c')
        }
      })
})

describe('recurrentProduct is the matrix product x·Wᵀ or x·W', () => {
  // Below and above the size where it leaves the plain loops for T.matmul; into a fresh buffer,
  // or into a given one whatever it held.
  test.prop(
    [
      fc.record({
        seed: fc.nat({ max: 2 ** 30 }),
        B: fc.integer({ min: 1, max: 4 }),
        G: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constant(96)),
        H: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constant(64)),
        transposeW: fc.boolean(),
        given: fc.boolean(),
      }),
    ],
    runs,
  )('with or without a buffer to write into', ({ seed, B, G, H, transposeW, given }) => {
    const W = T.randn(T.key(seed), [G, H], 'f64')
    const inner = transposeW ? H : G
    const outer = transposeW ? G : H
    const x = T.randn(T.key(seed + 1), [B, inner], 'f64')
    const out = given ? new Float64Array(B * outer).fill(Number.NaN) : undefined
    const y = recurrentProduct(T.toTypedArray(x) as Float64Array, W, B, transposeW, 'f64', out)
    expect(y.length).toBe(B * outer)
    assertClose(
      T.tensor(Float64Array.from(y), { shape: [B, outer], dtype: 'f64' }),
      T.matmul(x, W, { transposeB: transposeW }),
      TOL.f64,
    )
  })
})
