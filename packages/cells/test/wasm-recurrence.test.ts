/**
 * The f32 LSTM and GRU recurrences in WebAssembly (`wasmRecurrence` chooses them under the default
 * provider; `rnn` runs them through the cell's `scan`, the input projection inside the same call)
 * equal the TypeScript loop of the same fused op (run under `T.reference`, which the
 * predicate sends there) and the readable per-step cell in f64, to TOL.f32: outputs, final states
 * and gradients through `grad` with respect to every parameter, the inputs and the initial state.
 * Sizes cover odd batches and hidden sizes that are not multiples of the vector width (4) or the
 * register tile (8); sequences are padded (`lengths`, 0 included) and start from random states;
 * a scale puts gates into saturation.
 */
import { grad } from '@recurrent/autograd'
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import * as I from '@recurrent/tensor/internal'
import {
  assertClose,
  EDGE_INPUTS,
  EXACT,
  f32Products,
  identical,
  numRuns,
  TOL,
  type Tolerance,
} from '@recurrent/testkit'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { wasmRecurrence } from '../src/fast/recurrence.ts'
import { type Cell, gru, lstm, rnn } from '../src/index.ts'

const runs = { numRuns: numRuns(25) }

const hidden = fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 15, max: 17 }), fc.constant(32))

interface Case {
  readonly params: Record<string, Tensor>
  readonly xs: Tensor
  readonly state0: Tensor | { h: Tensor; c: Tensor }
  readonly lengths: number[]
  readonly probe: Tensor[]
}

/** A random f32 case for `cell`: parameters from its init, ×scale; inputs and initial state. */
const cases = (cell: Cell, isLstm: boolean) =>
  fc
    .record({
      seed: fc.nat({ max: 2 ** 30 }),
      I: fc.integer({ min: 1, max: 4 }),
      H: hidden,
      steps: fc.integer({ min: 1, max: 6 }),
      batch: fc.integer({ min: 1, max: 5 }),
      scale: fc.constantFrom(1, 1, 8),
    })
    .chain((s) =>
      fc.tuple(
        fc.constant(s),
        fc.array(fc.integer({ min: 0, max: s.steps }), { minLength: s.batch, maxLength: s.batch }),
      ),
    )
    .map(([s, lengths]): Case => {
      const k = T.split(T.key(s.seed), 6)
      const raw = cell.init(k[0], { inputSize: s.I, hiddenSize: s.H }) as Record<string, Tensor>
      const params = Object.fromEntries(Object.entries(raw).map(([n, p]) => [n, T.mul(p, s.scale)]))
      const xs = T.randn(k[1], [s.steps, s.batch, s.I])
      const h = T.uniform(k[2], [s.batch, s.H], -1, 1)
      const state0 = isLstm ? { h, c: T.mul(T.randn(k[3], [s.batch, s.H]), 2) } : h
      // Random cotangent directions for the output and each state leaf.
      const probe = [
        T.randn(k[4], [s.steps, s.batch, s.H]),
        ...T.split(k[5], 2).map((kk) => T.randn(kk, [s.batch, s.H])),
      ]
      return { params, xs, state0, lengths, probe }
    })

/** A scalar of the whole result: ⟨output, p0⟩ + ⟨h, p1⟩ (+ ⟨c, p2⟩). */
const objective =
  (layer: ReturnType<typeof rnn>, probe: Tensor[], lengths: number[]) =>
  (q: { params: Record<string, Tensor>; xs: Tensor; state0: Case['state0'] }) => {
    const { output, state } = layer.apply(q.params, q.xs, { state0: q.state0, lengths })
    const leaves = T.treeLeaves(state as T.Tree)
    return leaves.reduce(
      (acc, l, i) => T.add(acc, T.sum(T.mul(l, probe[i + 1]))),
      T.sum(T.mul(output, probe[0])),
    )
  }

const toF64 = <A>(tree: A): A => T.treeMap(tree as T.Tree, (t) => T.cast(t, 'f64')) as A

const closeTree = (a: T.Tree, b: T.Tree, what: string, tol: Tolerance = TOL.f32) => {
  const xs = T.treeLeaves(a)
  const ys = T.treeLeaves(b)
  expect(xs.length).toBe(ys.length)
  xs.forEach((x, i) => assertClose(T.cast(x, 'f64'), T.cast(ys[i], 'f64'), tol, `${what} leaf ${i}`))
}

/**
 * TOL.f32 with the absolute part widened to f32 sums of the products a gradient accumulates: the
 * initial state's and the inputs' cotangents sum G·H products per step over every step (with
 * cancellation, a sum near 0 keeps the absolute error of its terms).
 */
const gradientTolerance = (params: Record<string, Tensor>, xs: Tensor): Tolerance => ({
  atol: Math.max(TOL.f32.atol, f32Products(params.W_hh.shape[0] * xs.shape[0]).atol),
  rtol: TOL.f32.rtol,
})

for (const [name, cell, isLstm] of [
  ['lstm()', lstm(), true],
  ['lstm({ bias: false })', lstm({ bias: false }), true],
  ['lstm({ forgetBias: 1 })', lstm({ forgetBias: 1 }), true],
  ['gru()', gru(), false],
  ['gru({ bias: false })', gru({ bias: false }), false],
] as const) {
  describe(`wasm recurrence: ${name}, f32`, () => {
    const layer = rnn(cell as Cell)
    const oracle = rnn(cell as Cell, { fast: false })
    it('takes the wasm path under the default provider: its output is the kernel’s, bit for bit', () => {
      const p = cell.init(T.key(1), { inputSize: 3, hiddenSize: 5 }) as unknown as Record<string, Tensor>
      const xs = T.randn(T.key(2), [4, 3, 3])
      const lengths = [4, 2, 0]
      expect(wasmRecurrence('f32', true)).toBe(true)
      const { output } = layer.apply(p, xs, { lengths })
      const xp = (cell as Cell).inputProjection!(p, xs)
      const H = 5
      const zeros = new Float32Array(3 * H)
      const b_hh = p.b_hh ? (I.dataOf(p.b_hh) as Float32Array) : new Float32Array(xp.shape[2])
      const args = {
        xp: I.dataOf(xp) as Float32Array,
        W_hh: I.dataOf(p.W_hh) as Float32Array,
        b_hh,
        h0: zeros,
        lengths,
      }
      const kernel = isLstm
        ? I.wasmLstmForward({ steps: 4, batch: 3, hidden: H }, { ...args, c0: zeros }, false)
        : I.wasmGruForward({ steps: 4, batch: 3, hidden: H }, args, false)
      expect(identical(output, I.fromData(kernel.output, [4, 3, H], 'f32'))).toBe(true)
    })
    it('runs the whole layer, projection included, as one op (Cell.scan) exactly where the wasm path runs', () => {
      const c = cell as Cell
      const p = c.init(T.key(4), { inputSize: 3, hiddenSize: 6 }) as unknown as Record<string, Tensor>
      const xs = T.randn(T.key(5), [3, 2, 3])
      const state0 = c.initialState(p, 2)
      const lengths = [3, 1]
      const whole = c.scan?.(p, state0, xs, lengths)
      expect(whole).toBeDefined()
      // The same bits as the projected path: x·W_ihᵀ + b_ih by the same kernel, then the recurrence.
      const projected = c.scanProjected!(p, state0, c.inputProjection!(p, xs), lengths)
      expect(identical((whole as [T.Tree, Tensor])[1], projected[1])).toBe(true)
      // Elsewhere it declines and rnn projects first: another provider, f64, mismatched dtypes.
      expect(T.withBackend(T.reference, () => c.scan?.(p, state0, xs, lengths))).toBeUndefined()
      expect(c.scan?.(toF64(p), toF64(state0), toF64(xs), lengths)).toBeUndefined()
      expect(c.scan?.(p, toF64(state0), xs, lengths)).toBeUndefined()
    })
    it(
      'outputs and states equal the TypeScript loop and the f64 per-step cell',
      () =>
        fc.assert(
          fc.property(cases(cell as Cell, isLstm), ({ params, xs, state0, lengths }) => {
            const fast = layer.apply(params, xs, { state0, lengths })
            const ts = T.withBackend(T.reference, () => layer.apply(params, xs, { state0, lengths }))
            const f64 = oracle.apply(toF64(params), toF64(xs), { state0: toF64(state0), lengths })
            closeTree(fast.output, ts.output, 'output vs TypeScript loop')
            closeTree(fast.state, ts.state, 'state vs TypeScript loop')
            closeTree(fast.output, f64.output, 'output vs f64 per-step cell')
            closeTree(fast.state, f64.state, 'state vs f64 per-step cell')
            // Padded steps output exactly 0; a sequence of length 0 keeps its initial state exactly.
            const out = T.toTypedArray(fast.output)
            const [steps, B, H] = fast.output.shape
            for (let t = 0; t < steps; t++)
              for (let b = 0; b < B; b++)
                if (t >= lengths[b]) for (let j = 0; j < H; j++) expect(out[(t * B + b) * H + j]).toBe(0)
            const rows = lengths.flatMap((l, b) => (l === 0 ? [b] : []))
            const start = T.treeLeaves(state0 as T.Tree)
            T.treeLeaves(fast.state as T.Tree).forEach((leaf, i) => {
              const [now, was] = [T.toTypedArray(leaf), T.toTypedArray(start[i])]
              for (const b of rows)
                assertClose(
                  T.tensor(now.slice(b * H, (b + 1) * H)),
                  T.tensor(was.slice(b * H, (b + 1) * H)),
                  EXACT,
                  'state kept over length 0',
                )
            })
          }),
          runs,
        ),
      60_000,
    )
    it(
      'gradients through grad equal the TypeScript loop’s and the f64 per-step cell’s',
      () =>
        fc.assert(
          fc.property(cases(cell as Cell, isLstm), ({ params, xs, state0, lengths, probe }) => {
            const args = { params, xs, state0 }
            const fast = grad(objective(layer, probe, lengths))(args)
            const ts = T.withBackend(T.reference, () => grad(objective(layer, probe, lengths))(args))
            const f64 = grad(objective(oracle, probe.map(toF64), lengths))(toF64(args))
            const tol = gradientTolerance(params, xs)
            closeTree(fast as T.Tree, ts as T.Tree, 'gradient vs TypeScript loop', tol)
            closeTree(fast as T.Tree, f64 as T.Tree, 'gradient vs f64 per-step cell', tol)
          }),
          runs,
        ),
      60_000,
    )
  })
}

describe('the whole-layer op at the edges', () => {
  // The projection inside the call (the matmul's tiles, then the SIMD bias pass) against the fused
  // product outside it on the same wasm kernels, bit for bit: inputs and biases at the edges (±0, subnormals once rounded
  // to f32, ±30, ±710, ±1e4, NaN), hidden sizes at the vector and tile edges, odd batches.
  for (const [name, cell] of [
    ['lstm()', lstm()],
    ['gru()', gru()],
  ] as const)
    it(`${name}: scan gives the bits of projecting first`, () =>
      fc.assert(
        fc.property(
          fc.record({
            seed: fc.nat({ max: 2 ** 30 }),
            H: fc.constantFrom(1, 3, 4, 5, 7, 8, 9, 16, 17),
            B: fc.integer({ min: 1, max: 5 }),
            I: fc.integer({ min: 1, max: 6 }),
            edges: fc.array(fc.constantFrom(...EDGE_INPUTS), { minLength: 1, maxLength: 12 }),
          }),
          ({ seed, H, B, I: size, edges }) => {
            const c = cell as Cell
            const p = c.init(T.key(seed), { inputSize: size, hiddenSize: H }) as unknown as Record<
              string,
              Tensor
            >
            const x = T.toTypedArray(T.randn(T.key(seed + 1), [3, B, size])) as Float32Array
            const b = T.toTypedArray(p.b_ih) as Float32Array
            const xe = Float32Array.from(x)
            const be = Float32Array.from(b)
            edges.forEach((e, i) => {
              xe[(i * 7) % xe.length] = e
              be[(i * 5) % be.length] = e
            })
            const params = { ...p, b_ih: T.tensor(be, { shape: p.b_ih.shape }) }
            const xs = T.tensor(xe, { shape: [3, B, size] })
            const state0 = c.initialState(params, B)
            const lengths = Array.from({ length: B }, (_, i) => 3 - (i % 4))
            // Both on the wasm provider: under the default one, products below 64 multiply-adds
            // project on the reference kernels (f64 sums), which can differ in the last bit.
            const whole = T.withBackend(T.wasm, () => c.scan?.(params, state0, xs, lengths)) as [
              T.Tree,
              Tensor,
            ]
            const projected = T.withBackend(T.wasm, () =>
              c.scanProjected!(params, state0, c.inputProjection!(params, xs), lengths),
            )
            expect(identical(whole[1], projected[1])).toBe(true)
            T.treeLeaves(whole[0]).forEach((leaf, i) =>
              expect(identical(leaf, T.treeLeaves(projected[0] as T.Tree)[i])).toBe(true),
            )
          },
        ),
        runs,
      ))
})

describe('stacked wasm layers: the tapes left in linear memory', () => {
  // Each forward call leaves its tape in linear memory until something else lays operands out
  // there: the second layer's forward (and the loss's products) move the first layer's out, the
  // second layer's backward reads its own in place. Gradients equal the TypeScript loop's.
  for (const readout of [
    'a product (which moves the last tape out too)',
    'elementwise (the last tape stays)',
  ])
    it(`an LSTM over a GRU over an LSTM, f32, padded, read out by ${readout}: every gradient equals the TypeScript loop’s`, () => {
      const layers = [rnn(lstm()), rnn(gru()), rnn(lstm())]
      const sizes = [3, 6, 5, 4]
      const params = layers.map((l, i) =>
        l.init(T.key(10 + i), { inputSize: sizes[i], hiddenSize: sizes[i + 1] }),
      ) as unknown as Record<string, Tensor>[]
      const xs = T.randn(T.key(20), [5, 3, 3])
      const W = T.randn(T.key(21), [4, 2])
      const lengths = [5, 2, 4]
      const loss = (q: { params: Record<string, Tensor>[]; W: Tensor }) => {
        let h = xs
        q.params.forEach((p, i) => {
          h = layers[i].apply(p as never, h, { lengths }).output
        })
        if (readout.startsWith('a product'))
          return T.sum(T.mul(T.tanh(T.matmul(h, q.W)), T.tanh(T.matmul(h, q.W))))
        return T.sum(T.mul(T.tanh(h), T.sum(q.W)))
      }
      const fast = grad(loss)({ params, W })
      const ts = T.withBackend(T.reference, () => grad(loss)({ params, W }))
      closeTree(fast as T.Tree, ts as T.Tree, 'stacked gradient vs TypeScript loop')
    })
})

describe('wasmRecurrence (the documented predicate)', () => {
  it('holds for plain f32 cells under the default provider or T.wasm, and nowhere else', () => {
    expect(wasmRecurrence('f32', true)).toBe(true)
    expect(T.withBackend(T.wasm, () => wasmRecurrence('f32', true))).toBe(true)
    expect(T.withBackend(T.reference, () => wasmRecurrence('f32', true))).toBe(false)
    expect(wasmRecurrence('f64', true)).toBe(false)
    expect(wasmRecurrence('f32', false)).toBe(false)
  })
  it('peephole LSTMs keep the TypeScript loop in f32, equal to the per-step cell', () => {
    for (const cell of [lstm({ peephole: 'diagonal' }), lstm({ peephole: 'lecture' })]) {
      const p = cell.init(T.key(3), { inputSize: 2, hiddenSize: 3 })
      const xs = T.randn(T.key(4), [3, 2, 2])
      const fast = rnn(cell).apply(p, xs, { lengths: [3, 1] })
      const slow = rnn(cell, { fast: false }).apply(p, xs, { lengths: [3, 1] })
      closeTree(fast.output, slow.output, 'peephole output')
    }
  })
})
