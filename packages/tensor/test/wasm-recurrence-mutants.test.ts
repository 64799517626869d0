/**
 * The glue of the WebAssembly recurrences (`src/wasm-recurrence.ts`: layout, padding of H to whole
 * f32x4 lanes, lengths, the tape, the weight-gradient product) against the f64 definition of the
 * recurrence written with tensor ops, its gradient taken by autograd. The cells package checks the
 * same kernels through its layers; the mutation run of this package (docs/verification.md) runs
 * only this package's suites, so the law is stated here too: for every size (H not a multiple of
 * the vector width or the register tile, odd batches), padded sequences (lengths 0 included) and
 * random states, `wasmLstmForward`/`wasmGruForward` give the outputs and final states, and
 * `wasmLstmBackward`/`wasmGruBackward` the cotangents of `xp`, `W_hh`, `b_hh` and the initial
 * states, to TOL.f32.
 */
import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { grad } from '../../autograd/src/index.ts'
import * as T from '../src/index.ts'
import * as I from '../src/internal.ts'
import { assertClose, f32Products, identical, numRuns, TOL, type Tolerance } from './kit.ts'

const runs = { numRuns: numRuns(25) }

interface Operands {
  readonly xp: T.Tensor
  readonly W: T.Tensor
  readonly b: T.Tensor
  readonly h0: T.Tensor
  readonly c0: T.Tensor
}

interface Sizes {
  readonly seed: number
  readonly lstm: boolean
  readonly steps: number
  readonly batch: number
  readonly hidden: number
}

/** Operands in [−1, 1] (xp and c0 in [−2, 2]) and cotangents, from a seed. */
const makeCase = (s: Sizes, lengths: number[]) => {
  const { steps, batch: B, hidden: H } = s
  const G = s.lstm ? 4 : 3
  const k = T.split(T.key(s.seed), 8)
  const u = (i: number, shape: number[], scale = 1) => T.mul(T.uniform(k[i], shape, -1, 1), scale)
  const operands: Operands = {
    xp: u(0, [steps, B, G * H], 2),
    W: u(1, [G * H, H]),
    b: u(2, [G * H]),
    h0: u(3, [B, H]),
    c0: u(4, [B, H], 2),
  }
  const probe = { dy: u(5, [steps, B, H]), dh: u(6, [B, H]), dc: u(7, [B, H]) }
  return { ...s, G, lengths, operands, probe }
}

const cases = fc
  .record({
    seed: fc.nat({ max: 2 ** 30 }),
    lstm: fc.boolean(),
    steps: fc.integer({ min: 1, max: 4 }),
    batch: fc.integer({ min: 1, max: 4 }),
    hidden: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 15, max: 17 })),
  })
  .chain((s) =>
    fc.tuple(
      fc.constant(s),
      fc.array(fc.integer({ min: 0, max: s.steps }), { minLength: s.batch, maxLength: s.batch }),
    ),
  )
  .map(([s, lengths]) => makeCase(s, lengths))

/** The recurrence in f64 tensor ops: outputs and final states (padded rows keep the state, output 0). */
const reference = (lstm: boolean, q: Operands, lengths: readonly number[]) => {
  const [steps, B, GH] = q.xp.shape
  const H = q.h0.shape[1]
  const part = (a: T.Tensor, j: number) => T.slice(a, [0, j * H], [B, H])
  let h = q.h0
  let c = q.c0
  const ys: T.Tensor[] = []
  for (let t = 0; t < steps; t++) {
    const x = T.reshape(T.slice(q.xp, [t, 0, 0], [1, B, GH]), [B, GH])
    const gh = T.add(T.matmul(h, q.W, { transposeB: true }), q.b)
    const valid = T.reshape(T.tensor(lengths.map((l) => t < l)), [B, 1])
    let hn: T.Tensor
    if (lstm) {
      const z = T.add(x, gh)
      const cn = T.add(T.mul(T.tanh(part(z, 2)), T.sigmoid(part(z, 0))), T.mul(c, T.sigmoid(part(z, 1))))
      hn = T.mul(T.tanh(cn), T.sigmoid(part(z, 3)))
      c = T.where(valid, cn, c)
    } else {
      const r = T.sigmoid(T.add(part(x, 0), part(gh, 0)))
      const z = T.sigmoid(T.add(part(x, 1), part(gh, 1)))
      const n = T.tanh(T.add(part(x, 2), T.mul(r, part(gh, 2))))
      hn = T.add(T.mul(T.sub(1, z), n), T.mul(z, h))
    }
    ys.push(T.where(valid, hn, 0))
    h = T.where(valid, hn, h)
  }
  return { output: T.stack(ys), h, c }
}

const f64 = (t: T.Tensor) => T.cast(t, 'f64')
const data = (t: T.Tensor) => T.toTypedArray(t) as Float32Array
type Case = ReturnType<typeof makeCase>

const closeTo = (tol: Tolerance) => (got: Float32Array | undefined, want: T.Tensor, what: string) => {
  expect(got, what).toBeDefined()
  assertClose(
    T.tensor(Float64Array.from(got as Float32Array), { shape: want.shape, dtype: 'f64' }),
    want,
    tol,
    what,
  )
}

/**
 * TOL.f32, with the absolute part widened to f32 sums of G·H products for large hidden sizes
 * (∂h = ∂z·W_hh sums 4H terms for the LSTM).
 */
const tolerance = (c: Case): Tolerance => ({
  atol: Math.max(TOL.f32.atol, f32Products(c.G * c.hidden).atol),
  rtol: TOL.f32.rtol,
})

const checkForward = (c: Case) => {
  const close = closeTo(tolerance(c))
  const { operands: q, lengths } = c
  const sizes = { steps: c.steps, batch: c.batch, hidden: c.hidden }
  const args = { xp: data(q.xp), W_hh: data(q.W), b_hh: data(q.b), h0: data(q.h0), c0: data(q.c0), lengths }
  const run = (save: boolean) =>
    c.lstm ? I.wasmLstmForward(sizes, args, save) : I.wasmGruForward(sizes, args, save)
  const saved = run(true)
  const plain = run(false)
  const want = reference(c.lstm, T.treeMap(q, f64) as Operands, lengths)
  close(saved.output, want.output, 'output')
  close(saved.h, want.h, 'h')
  if (c.lstm) close(saved.c, want.c, 'c')
  else expect(saved.c).toBeUndefined()
  expect(saved.tape).toBeDefined()
  expect(plain.tape).toBeUndefined()
  expect(identical(T.tensor(plain.output), T.tensor(saved.output))).toBe(true)
}

/**
 * Anything else laying operands out in linear memory between a forward and a backward call (here
 * a vectorised function) copies the tape out; without it the backward call reads it in place.
 */
const claimMemory = () => I.wasmVectorFunction('tanh', new Float32Array([1, 2, 3, 4]))

const checkBackward = (c: Case, evict = true) => {
  const close = closeTo(tolerance(c))
  const { operands: q, lengths, probe } = c
  const sizes = { steps: c.steps, batch: c.batch, hidden: c.hidden }
  const args = { xp: data(q.xp), W_hh: data(q.W), b_hh: data(q.b), h0: data(q.h0), c0: data(q.c0), lengths }
  const { tape } = c.lstm ? I.wasmLstmForward(sizes, args, true) : I.wasmGruForward(sizes, args, true)
  if (evict) claimMemory()
  const cot = { W_hh: args.W_hh, dy: data(probe.dy), dh: data(probe.dh), dc: data(probe.dc) }
  const g = c.lstm
    ? I.wasmLstmBackward(tape as I.RecurrenceTape, cot)
    : I.wasmGruBackward(tape as I.RecurrenceTape, cot)
  const p = T.treeMap(probe, f64) as typeof probe
  const want = grad((o: Operands) => {
    const r = reference(c.lstm, o, lengths)
    const s = T.add(T.sum(T.mul(r.output, p.dy)), T.sum(T.mul(r.h, p.dh)))
    return c.lstm ? T.add(s, T.sum(T.mul(r.c, p.dc))) : s
  })(T.treeMap(q, f64) as Operands)
  close(g.dxp, want.xp, '∂xp')
  close(g.dW_hh, want.W, '∂W_hh')
  close(g.db_hh, want.b, '∂b_hh')
  close(g.dh0, want.h0, '∂h0')
  if (c.lstm) close(g.dc0, want.c0, '∂c0')
  else expect(g.dc0).toBeUndefined()
}

/**
 * The backward pass's layout at the sizes where it matters. Its blocks above the operands it reads
 * (`rec`, the product's `scratch`, `acc`) reserved too small, or the product's scratch and
 * the f64 accumulator of ∂b_hh placed in the first 64 KiB page (which holds nothing), change results
 * only for large operands: a block that outgrows the first page reaches live data only past ∂y (dead
 * by then), and a block reserved too small overlaps only blocks written after it, so it shows only
 * as a write past the end of linear memory (a trap), when it overruns the total by more than the
 * last page's slack and the call itself grew memory. Memory never shrinks, so these run first in
 * the file, from the smallest to the largest, and each backward call needs more memory than its
 * forward call. Every row is full (T = 1).
 */
describe('wasm recurrences at the sizes where the backward pass’s layout matters', () => {
  const large = (lstm: boolean, batch: number, hidden: number) => {
    const c = makeCase({ seed: 11, lstm, steps: 1, batch, hidden }, Array(batch).fill(1))
    checkForward(c)
    checkBackward(c)
  }
  // The ∂W_hh product's scratch (8 floats a row on one thread: 3·8·4,096·8 multiply-adds < 2²²)
  // past db and acc (9·Hp floats) by more than a page.
  it('GRU, B = 4,096, H = 8: the product’s scratch outgrows db and acc', () => large(false, 4096, 8))
  // The per-step product `rec` (B·⌈Hp/8⌉·8 floats) past ∂W_hh, scratch, db and acc (3·Hp² + 16·B
  // + 9·Hp floats) by more than a page.
  it('GRU, B = 1,500, H = 28: the per-step product outgrows the blocks after it', () =>
    large(false, 1500, 28))
  // The second thread's scratch starts 32·rows bytes above the main thread's: at 0 it reaches past
  // the first page and ∂y (4·rows·Hp bytes) into ∂h for Hp < 16 and rows > 4,096, and the product
  // is split over the two threads from 2²² multiply-adds (4·12·8,192·12 here). With one thread the
  // scratch ends within ∂y.
  it('LSTM, B = 8,192, H = 12: the product’s scratch does not fit in the first page', () =>
    large(true, 8192, 12))
  // The accumulator (8·G·Hp bytes) at 0 reaches past the first page and ∂y (4·Hp bytes) into ∂h
  // (8·4·Hp > 65,536 + 4·Hp), and left out of the total it overruns it by more than a page.
  it(
    'LSTM, B = 1, H = 2,400: the f64 accumulator of ∂b_hh does not fit in the first page',
    () => large(true, 1, 2400),
    120_000,
  )
})

/**
 * The input projection inside the call (`ForwardIn.input`): x `[T, B, size]`, W_ih and b_ih drawn
 * from the case's seed; outputs, states and every cotangent (∂x, ∂W_ih, ∂b_ih with the rest)
 * against the f64 recurrence over `x·W_ihᵀ + b_ih` in tensor ops.
 */
const checkProjected = (c: Case, size: number) => {
  const close = closeTo(tolerance(c))
  const { operands: q, lengths, probe, steps, batch: B, hidden: H, G } = c
  const k = T.split(T.key(c.seed + 1), 3)
  const x = T.uniform(k[0], [steps, B, size], -1, 1)
  const W_ih = T.uniform(k[1], [G * H, size], -1, 1)
  const b_ih = T.uniform(k[2], [G * H], -1, 1)
  const sizes = { steps, batch: B, hidden: H }
  const input = { x: data(x), W_ih: data(W_ih), b_ih: data(b_ih), size }
  const args = { input, W_hh: data(q.W), b_hh: data(q.b), h0: data(q.h0), c0: data(q.c0), lengths }
  const f = c.lstm ? I.wasmLstmForward(sizes, args, true) : I.wasmGruForward(sizes, args, true)
  type Inputs = Operands & { readonly x: T.Tensor; readonly W_ih: T.Tensor; readonly b_ih: T.Tensor }
  const run = (o: Inputs) => {
    const xp = T.add(T.matmul(o.x, o.W_ih, { transposeB: true }), o.b_ih)
    return reference(c.lstm, { ...o, xp }, lengths)
  }
  const all = T.treeMap({ ...q, x, W_ih, b_ih }, f64) as Inputs
  const want = run(all)
  close(f.output, want.output, 'output')
  close(f.h, want.h, 'h')
  if (c.lstm) close(f.c, want.c, 'c')
  const cot = { W_hh: args.W_hh, dy: data(probe.dy), dh: data(probe.dh), dc: data(probe.dc) }
  const tape = f.tape as I.RecurrenceTape
  const g = c.lstm ? I.wasmLstmBackward(tape, cot) : I.wasmGruBackward(tape, cot)
  const p = T.treeMap(probe, f64) as typeof probe
  const d = grad((o: Inputs) => {
    const r = run(o)
    const s = T.add(T.sum(T.mul(r.output, p.dy)), T.sum(T.mul(r.h, p.dh)))
    return c.lstm ? T.add(s, T.sum(T.mul(r.c, p.dc))) : s
  })(all)
  close(g.input?.dx, d.x, '∂x')
  close(g.input?.dW_ih, d.W_ih, '∂W_ih')
  close(g.input?.db_ih, d.b_ih, '∂b_ih')
  close(g.dW_hh, d.W, '∂W_hh')
  close(g.db_hh, d.b, '∂b_hh')
  close(g.dh0, d.h0, '∂h0')
  if (c.lstm) close(g.dc0, d.c0, '∂c0')
}

/** Row `b` of every step of a `[steps, B, width]` array, as `[steps, 1, width]`. */
const rowOf = (a: Float32Array, steps: number, B: number, width: number, b: number): Float32Array => {
  const out = new Float32Array(steps * width)
  for (let t = 0; t < steps; t++) out.set(a.subarray((t * B + b) * width, (t * B + b + 1) * width), t * width)
  return out
}

/**
 * A whole batch, large enough for its rows to be split over the two threads where a second one
 * runs (`wasmRecurrenceRows`: from 2²⁰ multiply-adds over all steps; B = 13 puts rows 0–3 on this
 * thread and 4–12 on the other), against each row run alone (one row never splits): outputs,
 * final states, ∂xp and the initial states' cotangents are the same bits.
 */
const checkRowsIndependent = (c: Case) => {
  const { operands: q, lengths, probe, steps, batch: B, hidden: H, G } = c
  const all = { xp: data(q.xp), W_hh: data(q.W), b_hh: data(q.b), h0: data(q.h0), c0: data(q.c0) }
  const cot = { W_hh: all.W_hh, dy: data(probe.dy), dh: data(probe.dh), dc: data(probe.dc) }
  const run = (sizes: I.RecurrenceSizes, a: typeof all, d: typeof cot, ls: number[]) => {
    const f = c.lstm
      ? I.wasmLstmForward(sizes, { ...a, lengths: ls }, true)
      : I.wasmGruForward(sizes, { ...a, lengths: ls }, true)
    const tape = f.tape as I.RecurrenceTape
    const g = c.lstm ? I.wasmLstmBackward(tape, d) : I.wasmGruBackward(tape, d)
    return { output: f.output, h: f.h, c: f.c, dxp: g.dxp, dh0: g.dh0, dc0: g.dc0 }
  }
  const whole = run({ steps, batch: B, hidden: H }, all, cot, lengths)
  const same = (a: Float32Array, b: Float32Array, what: string) =>
    expect(identical(T.tensor(a), T.tensor(b)), what).toBe(true)
  for (let b = 0; b < B; b++) {
    const state = (a: Float32Array) => a.slice(b * H, (b + 1) * H)
    const one = run(
      { steps, batch: 1, hidden: H },
      { ...all, xp: rowOf(all.xp, steps, B, G * H, b), h0: state(all.h0), c0: state(all.c0) },
      { ...cot, dy: rowOf(cot.dy, steps, B, H, b), dh: state(cot.dh), dc: state(cot.dc) },
      [lengths[b]],
    )
    same(rowOf(whole.output, steps, B, H, b), one.output, `output, row ${b}`)
    same(state(whole.h), one.h, `h, row ${b}`)
    same(rowOf(whole.dxp, steps, B, G * H, b), one.dxp, `∂xp, row ${b}`)
    same(state(whole.dh0), one.dh0, `∂h0, row ${b}`)
    if (c.lstm) {
      same(state(whole.c as Float32Array), one.c as Float32Array, `c, row ${b}`)
      same(state(whole.dc0 as Float32Array), one.dc0 as Float32Array, `∂c0, row ${b}`)
    }
  }
}

describe('wasm recurrences equal the f64 recurrence in tensor ops', () => {
  test.prop([cases], runs)('forward: outputs and final states; no tape unless asked', checkForward)
  test.prop([cases, fc.boolean()], runs)(
    'backward: the cotangents of xp, W_hh, b_hh and the initial states (tape read in place, or copied out by other work)',
    checkBackward,
  )
  test.prop([cases], runs)(
    'a tape read in place and one copied out give the same bits, and stay usable',
    (c) => {
      const { operands: q, lengths, probe } = c
      const sizes = { steps: c.steps, batch: c.batch, hidden: c.hidden }
      const args = {
        xp: data(q.xp),
        W_hh: data(q.W),
        b_hh: data(q.b),
        h0: data(q.h0),
        c0: data(q.c0),
        lengths,
      }
      const forward = () =>
        (c.lstm ? I.wasmLstmForward(sizes, args, true) : I.wasmGruForward(sizes, args, true))
          .tape as I.RecurrenceTape
      const cot = { W_hh: args.W_hh, dy: data(probe.dy), dh: data(probe.dh), dc: data(probe.dc) }
      const back = (tape: I.RecurrenceTape) =>
        c.lstm ? I.wasmLstmBackward(tape, cot) : I.wasmGruBackward(tape, cot)
      const first = forward()
      const inPlace = back(first)
      const again = back(first) // still in place: the backward call read it without moving it
      const other = forward() // another forward call copies the first tape out
      const copied = back(first)
      back(other)
      for (const g of [again, copied])
        for (const key of ['dxp', 'dW_hh', 'db_hh', 'dh0', 'dc0'] as const) {
          const [x, y] = [inPlace[key], g[key]]
          if (x === undefined || y === undefined) expect(x).toBe(y)
          else expect(identical(T.tensor(x), T.tensor(y)), key).toBe(true)
        }
    },
  )
  test.prop([cases, fc.integer({ min: 1, max: 6 })], runs)(
    'with the input projection inside the call: outputs, states and every cotangent, ∂x, ∂W_ih and ∂b_ih too',
    checkProjected,
  )
  // Products split over the two threads: T·B = 70 rows, G·H·size ≥ 2²² multiply-adds over them.
  for (const lstm of [true, false])
    it(`${lstm ? 'LSTM' : 'GRU'}, T = 2, B = 35, H = 61, size 320: the projection's products on two threads`, () =>
      checkProjected(
        makeCase(
          { seed: 3, lstm, steps: 2, batch: 35, hidden: 61 },
          Array.from({ length: 35 }, (_, b) => 2 - (b % 3)),
        ),
        320,
      ))
  // Scratch space larger than the first 64 KiB page of memory, below the operands: B = 70, H = 64
  // (the forward's per-step gates, 70·256 floats for the LSTM); H = 256 (the backward's per-step
  // product, 70·256 floats).
  for (const lstm of [true, false])
    for (const [steps, hidden] of [
      [2, 64],
      [2, 256],
    ] as const)
      it(`${lstm ? 'LSTM' : 'GRU'}, T = ${steps}, B = 70, H = ${hidden}: scratch larger than the first page of memory`, () => {
        const c = makeCase(
          { seed: 9, lstm, steps, batch: 70, hidden },
          Array.from({ length: 70 }, (_, b) => steps - (b % 3)),
        )
        checkForward(c)
        checkBackward(c)
      })
  // T = 6, B = 13, H = 72: 6·13·G·72² ≥ 2²⁰ multiply-adds for both cells.
  for (const lstm of [true, false])
    it(`${lstm ? 'LSTM' : 'GRU'}: batch rows split over two threads give the bits of each row run alone`, () =>
      checkRowsIndependent(
        makeCase({ seed: 5, lstm, steps: 6, batch: 13, hidden: 72 }, [6, 0, 3, 6, 1, 6, 5, 6, 2, 6, 6, 4, 6]),
      ))
})
