/** Lecture §5.7: the Neural Turing Machine's addressing, reading and writing, and its cell. */
import { fc, test } from '@fast-check/vitest'
import * as T from '@recurrent/tensor'
import { assertClose, assertGradients, EXACT, identical, numRuns, TOL } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import {
  address,
  contentAddressing,
  interpolate,
  NORM_EPSILON,
  ntm,
  readMemory,
  sharpen,
  shiftWeighting,
  writeMemory,
} from '../../src/models/ntm.ts'

const runs = { numRuns: numRuns(20) }

/** Sizes of a batch of B sequences, H heads, a memory of N rows of width W, S = 2R + 1 shifts. */
const sizes = fc
  .record({
    B: fc.integer({ min: 1, max: 2 }),
    H: fc.integer({ min: 1, max: 2 }),
    N: fc.integer({ min: 1, max: 5 }),
    W: fc.integer({ min: 1, max: 3 }),
    R: fc.integer({ min: 0, max: 2 }),
    seed: fc.integer({ min: 0, max: 10_000 }),
  })
  .filter((s) => 2 * s.R + 1 <= s.N)

/** Distributions over the last axis, every entry > 0 (a softmax of normal draws). */
const distributions = (key: T.Key, shape: number[]): T.Tensor =>
  T.softmax(T.randn(key, shape, 'f64'), { axis: -1 })

/** Random inputs of every op at sizes `s`, in f64. */
const inputs = (s: { B: number; H: number; N: number; W: number; R: number; seed: number }) => {
  const k = T.split(T.key(s.seed), 12)
  const { B, H, N, W } = s
  const S = 2 * s.R + 1
  return {
    memory: T.randn(k[0], [B, N, W], 'f64'),
    keys: T.randn(k[1], [B, H, W], 'f64'),
    beta: T.uniform(k[2], [B, H], 0, 5, 'f64'),
    content: distributions(k[3], [B, H, N]),
    previous: distributions(k[4], [B, H, N]),
    gate: T.uniform(k[5], [B, H], 0, 1, 'f64'),
    shifts: distributions(k[6], [B, H, S]),
    gamma: T.uniform(k[7], [B, H], 1, 4, 'f64'),
    write: distributions(k[8], [B, N]),
    erase: T.uniform(k[9], [B, W], 0, 1, 'f64'),
    add: T.randn(k[10], [B, W], 'f64'),
    cotangent: T.randn(k[11], [B, H, N], 'f64'),
  }
}

/** Σ (cotangent ⊙ y): a scalar whose gradient is y's vector–Jacobian product. */
const dot = (y: T.Tensor, c: T.Tensor): T.Tensor => T.sum(T.mul(y, T.reshape(c, y.shape)))

describe('addressing ops pass checkGrad', () => {
  test.prop([sizes], runs)('content addressing, with respect to memory, keys and β', (s) => {
    const x = inputs(s)
    assertGradients(
      (p: { memory: T.Tensor; keys: T.Tensor; beta: T.Tensor }) =>
        dot(contentAddressing(p.memory, p.keys, p.beta), x.cotangent),
      { memory: x.memory, keys: x.keys, beta: x.beta },
    )
  })

  test.prop([sizes], runs)('interpolation, with respect to both weightings and the gate', (s) => {
    const x = inputs(s)
    assertGradients(
      (p: { content: T.Tensor; previous: T.Tensor; gate: T.Tensor }) =>
        dot(interpolate(p.content, p.previous, p.gate), x.cotangent),
      { content: x.content, previous: x.previous, gate: x.gate },
    )
  })

  test.prop([sizes], runs)('the shift, with respect to the weighting and the shift distribution', (s) => {
    const x = inputs(s)
    assertGradients(
      (p: { w: T.Tensor; shifts: T.Tensor }) => dot(shiftWeighting(p.w, p.shifts), x.cotangent),
      { w: x.content, shifts: x.shifts },
    )
  })

  test.prop([sizes], runs)('sharpening, with respect to the weighting and γ', (s) => {
    const x = inputs(s)
    assertGradients((p: { w: T.Tensor; gamma: T.Tensor }) => dot(sharpen(p.w, p.gamma), x.cotangent), {
      w: x.content,
      gamma: x.gamma,
    })
  })

  test.prop([sizes], runs)('the whole addressing, with respect to memory and every head output', (s) => {
    const x = inputs(s)
    assertGradients(
      (p: {
        memory: T.Tensor
        previous: T.Tensor
        keys: T.Tensor
        beta: T.Tensor
        gate: T.Tensor
        shifts: T.Tensor
        gamma: T.Tensor
      }) => dot(address(p.memory, p.previous, p), x.cotangent),
      {
        memory: x.memory,
        previous: x.previous,
        keys: x.keys,
        beta: x.beta,
        gate: x.gate,
        shifts: x.shifts,
        gamma: x.gamma,
      },
    )
  })

  test.prop([sizes], runs)('reading and writing, with respect to memory, weightings, erase and add', (s) => {
    const x = inputs(s)
    const c = T.randn(T.key(s.seed + 1), [s.B, s.N, s.W], 'f64')
    assertGradients(
      (p: { memory: T.Tensor; w: T.Tensor }) =>
        dot(readMemory(p.memory, p.w), T.slice(c, [0, 0, 0], [-1, 1, -1])),
      { memory: x.memory, w: T.slice(x.content, [0, 0, 0], [-1, 1, -1]) },
    )
    assertGradients(
      (p: { memory: T.Tensor; w: T.Tensor; erase: T.Tensor; add: T.Tensor }) =>
        dot(writeMemory(p.memory, p.w, p.erase, p.add), c),
      { memory: x.memory, w: x.write, erase: x.erase, add: x.add },
    )
  })
})

describe('addressing laws', () => {
  /** Every row of `w` over its last axis is a distribution: entries ≥ 0 summing to 1. */
  const expectDistributions = (w: T.Tensor): void => {
    expect(Array.from(T.toTypedArray(w)).every((v) => v >= 0)).toBe(true)
    assertClose(T.sum(w, { axis: -1 }), T.ones(w.shape.slice(0, -1), 'f64'), TOL.f64)
  }

  test.prop([sizes], runs)('every weighting is a distribution over the rows', (s) => {
    const x = inputs(s)
    const content = contentAddressing(x.memory, x.keys, x.beta)
    expectDistributions(content)
    const gated = interpolate(content, x.previous, x.gate)
    expectDistributions(gated)
    const shifted = shiftWeighting(gated, x.shifts)
    expectDistributions(shifted)
    expectDistributions(sharpen(shifted, x.gamma))
    expectDistributions(address(x.memory, x.previous, x))
  })

  test.prop([sizes], runs)('the zero shift is the identity, and shifts move weight round the memory', (s) => {
    const x = inputs(s)
    const S = 2 * s.R + 1
    const at = (j: number) =>
      T.tensor(
        Array.from({ length: s.B * s.H * S }, (_, i) => (i % S === s.R + j ? 1 : 0)),
        { shape: [s.B, s.H, S], dtype: 'f64' },
      )
    assertClose(shiftWeighting(x.content, at(0)), x.content, EXACT)
    // Shifting by +R rows: w̃_i = w_{(i − R) mod N}.
    const w = T.toArray(x.content) as number[][][]
    const moved = w.map((heads) => heads.map((row) => row.map((_, i) => row[(i - s.R + s.N) % s.N])))
    assertClose(shiftWeighting(x.content, at(s.R)), moved, EXACT)
  })

  test.prop([sizes], runs)(
    'γ = 1 leaves a weighting unchanged, and γ > 1 keeps the largest weight largest',
    (s) => {
      const x = inputs(s)
      assertClose(sharpen(x.content, T.ones([s.B, s.H], 'f64')), x.content, TOL.f64)
      const sharp = T.argmax(sharpen(x.content, T.add(x.gamma, 1)), { axis: -1 })
      expect(T.toArray(sharp)).toEqual(T.toArray(T.argmax(x.content, { axis: -1 })))
    },
  )

  test.prop([sizes], runs)(
    'interpolation with g = 1 is the content weighting, with g = 0 the previous one',
    (s) => {
      const x = inputs(s)
      assertClose(interpolate(x.content, x.previous, T.ones([s.B, s.H], 'f64')), x.content, EXACT)
      assertClose(interpolate(x.content, x.previous, T.zeros([s.B, s.H], 'f64')), x.previous, EXACT)
    },
  )

  test.prop([sizes], runs)('writing with e = 0 and a = 0 leaves the memory unchanged', (s) => {
    const x = inputs(s)
    const m = writeMemory(x.memory, x.write, T.zeros([s.B, s.W], 'f64'), T.zeros([s.B, s.W], 'f64'))
    expect(identical(m, x.memory)).toBe(true)
  })

  test.prop([sizes], runs)(
    'a one-hot write with e = 1 replaces that row by a, and reading it back gives a',
    (s) => {
      const x = inputs(s)
      const row = s.seed % s.N
      const w = T.tensor(
        Array.from({ length: s.B * s.N }, (_, i) => (i % s.N === row ? 1 : 0)),
        { shape: [s.B, s.N], dtype: 'f64' },
      )
      const m = writeMemory(x.memory, w, T.ones([s.B, s.W], 'f64'), x.add)
      const read = readMemory(m, T.reshape(w, [s.B, 1, s.N]))
      assertClose(T.reshape(read, [s.B, s.W]), x.add, EXACT)
    },
  )

  test.prop([sizes.filter((s) => s.N >= 2)], runs)(
    'content addressing picks a row equal to the key as β grows',
    (s) => {
      const x = inputs(s)
      const row = s.seed % s.N
      const key = T.slice(x.memory, [0, row, 0], [s.B, 1, s.W]) // [B, 1, W]
      // The cosine gap between that row and the next most similar one, per sequence.
      const m = T.toArray(x.memory) as number[][][]
      const norm = (v: number[]) => Math.sqrt(v.reduce((a, b) => a + b * b, 0) + NORM_EPSILON)
      const cos = (u: number[], v: number[]) => u.reduce((a, ui, i) => a + ui * v[i], 0) / (norm(u) * norm(v))
      const gaps = m.map((rows) => {
        const self = cos(rows[row], rows[row])
        return Math.min(...rows.flatMap((r, i) => (i === row ? [] : [self - cos(rows[row], r)])))
      })
      fc.pre(gaps.every((g) => g > 1e-3))
      // With β = 40 / gap every other row has weight ≤ e^−40 relative to the key's row.
      const beta = T.tensor(
        gaps.map((g) => [40 / g]),
        { dtype: 'f64' },
      )
      const w = T.toArray(contentAddressing(x.memory, key, beta)) as number[][][]
      for (const [weights] of w) {
        expect(weights.indexOf(Math.max(...weights))).toBe(row)
        expect(weights[row]).toBeGreaterThanOrEqual(1 - s.N * Math.exp(-40))
      }
    },
  )
})

describe('clear errors', () => {
  const memory = T.zeros([1, 4, 2])
  const w = T.full([1, 1, 4], 0.25)

  it('a memory of zero rows or columns', () => {
    expect(() => contentAddressing(T.zeros([1, 0, 2]), T.zeros([1, 1, 2]), T.ones([1, 1]))).toThrow(
      /contentAddressing: memory \[1,0,2\] has no rows \(N = 0\)/,
    )
    expect(() => readMemory(T.zeros([1, 3, 0]), T.zeros([1, 1, 3]))).toThrow(
      /readMemory: memory \[1,3,0\] has no columns \(W = 0\)/,
    )
    expect(() => ntm({ memoryRows: 0 })).toThrow(/ntm: memoryRows must be a positive integer, got 0/)
    expect(() => ntm({ memoryWidth: 0 })).toThrow(/ntm: memoryWidth must be a positive integer, got 0/)
  })

  it('a shift range wider than the memory', () => {
    expect(() => shiftWeighting(w, T.full([1, 1, 5], 0.2))).toThrow(
      /shiftWeighting: the shift range −2…2 \(S = 5\) is wider than the memory \(N = 4 rows\)/,
    )
    expect(() => shiftWeighting(w, T.full([1, 1, 2], 0.5))).toThrow(
      /shiftWeighting: shifts must have an odd number/,
    )
    expect(() => ntm({ memoryRows: 4, shiftRange: 2 })).toThrow(
      /ntm: the shift range −2…2 \(5 shifts\) is wider than the memory \(memoryRows = 4\)/,
    )
  })

  it('shape mismatches, naming the op and the argument', () => {
    expect(() => contentAddressing(memory, T.zeros([1, 1, 3]), T.ones([1, 1]))).toThrow(
      /contentAddressing: keys has shape \[1,1,3\], expected \[1,1,2\]/,
    )
    expect(() => contentAddressing(memory, T.zeros([1, 2, 2]), T.ones([1, 1]))).toThrow(
      /contentAddressing: beta has shape \[1,1\], expected \[1,2\]/,
    )
    expect(() => interpolate(w, T.zeros([1, 1, 3]), T.ones([1, 1]))).toThrow(
      /interpolate: previous has shape \[1,1,3\], expected \[1,1,4\]/,
    )
    expect(() => sharpen(w, T.ones([1]))).toThrow(/sharpen: gamma must be \[B, H\], got \[1\]/)
    expect(() => readMemory(memory, T.zeros([1, 1, 3]))).toThrow(
      /readMemory: weights has shape \[1,1,3\], expected \[1,1,4\]/,
    )
    expect(() => writeMemory(memory, T.zeros([1, 4]), T.zeros([1, 3]), T.zeros([1, 2]))).toThrow(
      /writeMemory: erase has shape \[1,3\], expected \[1,2\]/,
    )
    const cell = ntm({ memoryRows: 4, memoryWidth: 2 })
    const p = cell.init(T.key(0), { inputSize: 3, hiddenSize: 5 })
    expect(() => cell.step(p, cell.initialState(p, 2), T.zeros([2, 4]))).toThrow(
      /ntm.step: x must be \[2, 3\], got \[2,4\]/,
    )
  })
})

describe('the NTM cell', () => {
  it('keeps its weightings distributions and its gradient through several steps passes checkGrad', () => {
    const cell = ntm({ memoryRows: 5, memoryWidth: 3 })
    const p = cell.init(T.key(1), { inputSize: 2, hiddenSize: 4, dtype: 'f64' })
    const xs = T.unstack(T.randn(T.key(2), [3, 2, 2], 'f64'), 0)
    const run = (q: typeof p): T.Tensor => {
      let s = cell.initialState(q, 2)
      let total: T.Tensor = T.zeros([], 'f64')
      for (const x of xs) {
        const [next, y] = cell.step(q, s, x)
        assertClose(T.sum(next.weights, { axis: -1 }), T.ones([2, 2], 'f64'), TOL.f64)
        s = next
        total = T.add(total, T.sum(T.mul(y, y)))
      }
      return T.add(total, T.sum(s.memory))
    }
    assertGradients(run, p, { mode: 'directional' })
  })
})
