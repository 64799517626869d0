/**
 * `fromTorch` at the boundary: whatever a state dict holds (any keys, `__proto__` among them, any
 * values, tensors of any shape and dtype, entries missing or extra) it returns, never throws; a
 * `Left` says why and names the key to blame; a `Right` runs and writes back the same keys. And
 * one bad entry in a good dict is blamed by name, with the shape it should have. The modules
 * cover PyTorch's options: bias-free dicts, the LSTM's projections (`weight_hr`) and batchFirst,
 * with the options given, read off the keys, or taken from another module (and so contradicted).
 */
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { numRuns } from '@recurrent/testkit'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { fromTorch, type TorchKind, type TorchOptions, toTorch } from '../src/index.ts'

/** 10⁴ cases and more in the deep run (FC_NUM_RUNS set), a few hundred otherwise. */
const RUNS = process.env.FC_NUM_RUNS ? 10 * numRuns() : 300

const GATES: Record<TorchKind, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 }
const KEYS = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh', 'weight_hr'] as const

interface Module {
  readonly kind: TorchKind
  readonly I: number
  readonly H: number
  readonly L: number
  readonly bidi: boolean
  readonly dtype: 'f32' | 'f64'
  readonly bias: boolean
  /** The LSTM's projection size, 0 ≤ P < H (0 for the other kinds). */
  readonly P: number
  readonly batchFirst: boolean
  /** Whether the options leave bias and projSize to be read off the keys. */
  readonly infer: boolean
}

const moduleArb: fc.Arbitrary<Module> = fc
  .record({
    kind: fc.constantFrom<TorchKind>('RNN_TANH', 'RNN_RELU', 'LSTM', 'GRU'),
    I: fc.integer({ min: 1, max: 4 }),
    H: fc.integer({ min: 1, max: 4 }),
    L: fc.integer({ min: 1, max: 3 }),
    bidi: fc.boolean(),
    dtype: fc.constantFrom<'f32' | 'f64'>('f32', 'f64'),
    bias: fc.boolean(),
    proj: fc.nat(),
    batchFirst: fc.boolean(),
    infer: fc.boolean(),
  })
  .map(({ proj, ...m }) => ({ ...m, P: m.kind === 'LSTM' ? proj % m.H : 0 }))

/** A state dict PyTorch would write for the module, in its key order. */
const stateDict = ({ kind, I, H, L, bidi, dtype, bias, P }: Module): Record<string, Tensor> => {
  const G = GATES[kind]
  const D = bidi ? 2 : 1
  const O = P || H
  const out: Record<string, Tensor> = {}
  for (let l = 0; l < L; l++)
    for (const s of bidi ? ['', '_reverse'] : ['']) {
      out[`weight_ih_l${l}${s}`] = T.ones([G * H, l === 0 ? I : D * O], dtype)
      out[`weight_hh_l${l}${s}`] = T.ones([G * H, O], dtype)
      if (bias) {
        out[`bias_ih_l${l}${s}`] = T.zeros([G * H], dtype)
        out[`bias_hh_l${l}${s}`] = T.zeros([G * H], dtype)
      }
      if (P > 0) out[`weight_hr_l${l}${s}`] = T.ones([P, H], dtype)
    }
  return out
}

const optionsOf = (m: Module): TorchOptions => ({
  numLayers: m.L,
  bidirectional: m.bidi,
  batchFirst: m.batchFirst,
  ...(m.infer ? {} : { bias: m.bias, projSize: m.P }),
})

const keyArb: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(fc.constantFrom(...KEYS), fc.integer({ min: 0, max: 3 }), fc.boolean())
    .map(([k, l, rev]) => `${k}_l${l}${rev ? '_reverse' : ''}`),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype', 'weight_ih_l00'),
  fc.string({ maxLength: 12 }),
)

const tensorArb: fc.Arbitrary<Tensor> = fc
  .record({
    shape: fc.array(fc.integer({ min: 0, max: 9 }), { maxLength: 3 }),
    dtype: fc.constantFrom<T.DType>('f32', 'f64', 'i32', 'bool'),
  })
  .map(({ shape, dtype }) => T.zeros(shape, dtype))

const valueArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: tensorArb },
  { weight: 1, arbitrary: fc.anything() },
  { weight: 1, arbitrary: fc.constantFrom(undefined, null, [1, 2], { shape: [2, 2] }) },
)

type Edit = readonly [string, unknown] | readonly [string]

/** A dict with the edits applied as own properties (so `__proto__` is a key like any other). */
const build = (
  base: Record<string, unknown>,
  edits: readonly Edit[],
  nullProto: boolean,
): Record<string, unknown> => {
  const out: Record<string, unknown> = nullProto ? Object.create(null) : {}
  const define = (k: string, v: unknown) =>
    Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true })
  for (const [k, v] of Object.entries(base)) define(k, v)
  for (const e of edits) {
    if (e.length === 1) delete out[e[0]]
    else define(e[0], e[1])
  }
  return out
}

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.tuple(keyArb),
  fc.tuple(keyArb, valueArb).map(([k, v]): Edit => [k, v]),
)

const caseArb = fc.record({
  module: moduleArb,
  options: fc.option(moduleArb.map(optionsOf), { nil: undefined }),
  fromScratch: fc.boolean(),
  edits: fc.array(editArb, { maxLength: 4 }),
  nullProto: fc.boolean(),
})

/** The law every answer obeys; returns which way it went. */
const obeysTheBoundary = (
  kind: TorchKind,
  dict: Record<string, unknown>,
  options: TorchOptions,
): 'Left' | 'Right' => {
  const r = fromTorch(kind, dict, options)
  if (r._tag === 'Left') {
    expect(r.left._tag).toBe('InteropError')
    expect(r.left.reason).toMatch(new RegExp(`^fromTorch\\(${kind}\\): \\S`))
    // Every failure here is about an entry, and the entry it names is one the dict has or needs;
    // save a projection asked of another kind, which is about the options alone.
    if (r.left.path === undefined && kind !== 'LSTM' && (options.projSize ?? 0) > 0) {
      expect(r.left.reason).toContain('projSize is only for LSTM')
      return 'Left'
    }
    expect(typeof r.left.path).toBe('string')
    const path = r.left.path!
    expect(Object.hasOwn(dict, path) || /^(weight|bias)_(ih|hh|hr)_l\d+(_reverse)?$/.test(path)).toBe(true)
    // The reason names it too (quoted when it is not one of PyTorch's names).
    expect(r.left.reason.includes(path) || r.left.reason.includes(JSON.stringify(path))).toBe(true)
    return 'Left'
  }
  const { params, apply } = r.right
  const first = options.bidirectional ? params[0].forward : params[0]
  // [T, B] = [2, 1], or [B, T] = [1, 2] with batchFirst; the output has D·P features.
  const [a, b] = options.batchFirst ? [1, 2] : [2, 1]
  const x = T.zeros([a, b, first.W_ih.shape[1]], first.W_ih.dtype)
  const D = options.bidirectional ? 2 : 1
  expect(apply(params, x).output.shape).toEqual([a, b, D * first.W_hh.shape[1]])
  const back = toTorch(kind, params, options)
  if (back._tag === 'Left') throw new Error(T.showBoundaryError(back.left))
  expect(Object.keys(back.right).sort()).toEqual(Object.keys(dict).sort())
  return 'Right'
}

describe('fromTorch never throws', () => {
  it(`answers Left with a reason and the key to blame, or a Right that runs and writes back (${RUNS} dicts)`, () => {
    const seen = { Left: 0, Right: 0 }
    fc.assert(
      fc.property(caseArb, ({ module, options, fromScratch, edits, nullProto }) => {
        const dict = build(fromScratch ? {} : stateDict(module), edits, nullProto)
        seen[obeysTheBoundary(module.kind, dict, options ?? optionsOf(module))]++
      }),
      { numRuns: RUNS },
    )
    // Both answers occur, so the law is exercised on each side.
    expect(seen.Left).toBeGreaterThan(0)
    expect(seen.Right).toBeGreaterThan(0)
  })
  it('a good dict loads, and its keys come back from toTorch', () => {
    fc.assert(
      fc.property(moduleArb, fc.boolean(), (m, nullProto) => {
        expect(obeysTheBoundary(m.kind, build(stateDict(m), [], nullProto), optionsOf(m))).toBe('Right')
      }),
      { numRuns: Math.ceil(RUNS / 10) },
    )
  })
})

describe('one bad entry in a good dict is blamed, with the shape it should have', () => {
  it('a transposed weight, or a bias of the wrong length', () => {
    fc.assert(
      fc.property(moduleArb, fc.nat(), fc.integer({ min: 1, max: 3 }), (m, pick, extra) => {
        const good = stateDict(m)
        const keys = Object.keys(good).filter((k) => {
          const t = good[k]
          return t.rank === 1 || t.shape[0] !== t.shape[1]
        })
        // A bias-free dict of 1×1 weights has nothing to transpose.
        fc.pre(keys.length > 0)
        const key = keys[pick % keys.length]
        const t = good[key]
        const bad = t.rank === 2 ? T.transpose(t) : T.zeros([t.shape[0] + extra], t.dtype)
        const r = fromTorch(m.kind, { ...good, [key]: bad }, optionsOf(m))
        if (r._tag === 'Right') throw new Error(`${key} ${T.showShape(bad.shape)} was accepted`)
        expect(r.left.path).toBe(key)
        expect(r.left.reason).toContain(
          `${key} has shape ${T.showShape(bad.shape)}, expected ${T.showShape(t.shape)}`,
        )
      }),
      { numRuns: RUNS },
    )
  })
})
