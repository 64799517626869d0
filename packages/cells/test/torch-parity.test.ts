/**
 * Parity with PyTorch 1.13 (float64): `fromTorch` loads `nn.RNN`/`nn.LSTM`/`nn.GRU` state dicts
 * and `apply` reproduces the module's `output`, `h_n`, `c_n`, and the gradients of a weighted-sum
 * loss with respect to every parameter, the input and the initial states, all to TOL.f64 —
 * for every kind, 1 or 2 layers, uni- or bidirectional, and PyTorch's other options: bias=False,
 * the LSTM's proj_size and batch_first=True.
 * The fixtures come from `scripts/torch_fixtures.py` (run it with Debian's /usr/bin/python3 to
 * regenerate them); this suite itself needs only Node.
 */
import { readFileSync } from 'node:fs'
import { valueAndGrad } from '@recurrent/autograd'
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { assertClose, TOL as TOLERANCES } from '@recurrent/testkit'
import type { Either } from 'fp-ts/lib/Either.js'
import { afterAll, describe, expect, it } from 'vitest'
import {
  fromTorch,
  type InteropError,
  type TorchKind,
  type TorchOptions,
  type TorchParams,
  torchModel,
  toTorch,
} from '../src/index.ts'

interface Encoded {
  readonly shape: number[]
  readonly data: T.Nested
}

interface Case {
  readonly name: string
  readonly kind: TorchKind
  readonly numLayers: number
  readonly bidirectional: boolean
  readonly bias: boolean
  readonly projSize: number
  readonly batchFirst: boolean
  readonly stateDict: Record<string, Encoded>
  readonly x: Encoded
  readonly h0: Encoded
  readonly c0?: Encoded
  readonly Wout: Encoded
  readonly Wh: Encoded
  readonly Wc?: Encoded
  readonly output: Encoded
  readonly h_n: Encoded
  readonly c_n?: Encoded
  readonly loss: number
  readonly grads: { params: Record<string, Encoded>; x: Encoded; h0: Encoded; c0?: Encoded }
}

const fixtures: { cases: Case[] } = JSON.parse(
  readFileSync(new URL('./fixtures/torch-parity.json', import.meta.url), 'utf8'),
)

/** PyTorch computes in f64 as we do; only summation order differs. */
const TOL = TOLERANCES.f64

const f64 = (e: Encoded): Tensor => T.tensor(e.data, { dtype: 'f64', shape: e.shape })

const decodeDict = (sd: Record<string, Encoded>): Record<string, Tensor> =>
  Object.fromEntries(Object.entries(sd).map(([name, e]) => [name, f64(e)]))

const optionsOf = (c: Case): TorchOptions => ({
  numLayers: c.numLayers,
  bidirectional: c.bidirectional,
  bias: c.bias,
  projSize: c.projSize,
  batchFirst: c.batchFirst,
})

/** The options a state dict cannot tell: `bias` and `projSize` are read off its keys. */
const untold = (c: Case): TorchOptions => ({
  numLayers: c.numLayers,
  bidirectional: c.bidirectional,
  batchFirst: c.batchFirst,
})

const rightOf = <E, A>(r: Either<E, A>): A => {
  if (r._tag === 'Left') throw new Error(`expected Right, got Left: ${JSON.stringify(r.left)}`)
  return r.right
}

/** The reason of a Left, after checking that its path names `key` (when given). */
const leftReason = <A>(r: Either<InteropError, A>, key?: string): string => {
  if (r._tag === 'Right') throw new Error('expected Left, got Right')
  if (key !== undefined) expect(r.left.path).toBe(key)
  return r.left.reason
}

/** The largest absolute and relative (to the expected value) elementwise differences seen. */
const worst = { abs: 0, rel: 0, where: '' }
/** …and the largest absolute difference per option, over the cases that use it. */
const byOption: Record<string, number> = { 'bias=false': 0, proj_size: 0, 'batch_first=true': 0 }
const track = (what: string, actual: Tensor, expected: Tensor): void => {
  const a = T.toTypedArray(actual)
  const b = T.toTypedArray(expected)
  const options = Object.keys(byOption).filter((o) => what.includes(o))
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i])
    for (const o of options) byOption[o] = Math.max(byOption[o], d)
    if (d > worst.abs) Object.assign(worst, { abs: d, where: what })
    if (b[i] !== 0) worst.rel = Math.max(worst.rel, d / Math.abs(b[i]))
  }
}

const compare = (what: string, actual: Tensor | undefined, expected: Encoded): void => {
  expect(actual, what).toBeDefined()
  const e = f64(expected)
  assertClose(actual!, e, TOL, what)
  track(what, actual!, e)
}

afterAll(() => {
  console.info(
    `torch parity: max |Δ| ${worst.abs.toExponential(2)} (${worst.where}), max relative ${worst.rel.toExponential(2)}; per option: ${Object.entries(
      byOption,
    )
      .map(([o, d]) => `${o} ${d.toExponential(2)}`)
      .join(', ')}`,
  )
})

describe('fromTorch + apply match PyTorch (float64)', () => {
  it('has the 28 fixture cases: the 16 of the grid and 12 for bias, proj_size and batch_first', () => {
    expect(fixtures.cases.length).toBe(28)
    const count = (f: (c: Case) => boolean) => fixtures.cases.filter(f).length
    expect(count((c) => !c.bias)).toBe(4)
    expect(count((c) => c.projSize > 0)).toBe(5)
    expect(count((c) => c.batchFirst)).toBe(5)
  })

  for (const c of fixtures.cases) {
    describe(c.name, () => {
      const opts = optionsOf(c)
      const isLstm = c.kind === 'LSTM'
      const x = f64(c.x)
      const h0 = f64(c.h0)
      const c0 = c.c0 && f64(c.c0)

      it('forward: output, h_n (and c_n), with the options given or read off the keys', () => {
        for (const o of [opts, untold(c)]) {
          const { params, apply } = rightOf(fromTorch(c.kind, decodeDict(c.stateDict), o))
          const out = apply(params, x, { h0, c0 })
          compare(`${c.name} output`, out.output, c.output)
          compare(`${c.name} h_n`, out.hN, c.h_n)
          if (isLstm) compare(`${c.name} c_n`, out.cN, c.c_n!)
          else expect(out.cN).toBeUndefined()
        }
      })

      it('gradients of the weighted-sum loss w.r.t. every parameter, x, h0 (and c0)', () => {
        const { params, apply } = rightOf(fromTorch(c.kind, decodeDict(c.stateDict), opts))
        const Wout = f64(c.Wout)
        const Wh = f64(c.Wh)
        const Wc = c.Wc && f64(c.Wc)
        const loss = (p: TorchParams, xs: Tensor, h: Tensor, m?: Tensor): Tensor => {
          const { output, hN, cN } = apply(p, xs, { h0: h, c0: m })
          const l = T.add(T.sum(T.mul(output, Wout)), T.sum(T.mul(hN, Wh)))
          return isLstm ? T.add(l, T.sum(T.mul(cN!, Wc!))) : l
        }
        const argnums = isLstm ? [0, 1, 2, 3] : [0, 1, 2]
        const [value, grads] = valueAndGrad(loss, { argnums })(params, x, h0, c0)
        expect(Math.abs(T.item(value) - c.loss)).toBeLessThanOrEqual(TOL.atol + TOL.rtol * Math.abs(c.loss))

        const named = rightOf(toTorch(c.kind, grads[0], opts))
        expect(Object.keys(named)).toEqual(Object.keys(c.grads.params))
        for (const [name, g] of Object.entries(c.grads.params))
          compare(`${c.name} ∂L/∂${name}`, named[name], g)
        compare(`${c.name} ∂L/∂x`, grads[1], c.grads.x)
        compare(`${c.name} ∂L/∂h0`, grads[2], c.grads.h0)
        if (isLstm) compare(`${c.name} ∂L/∂c0`, grads[3], c.grads.c0!)
      })

      it('toTorch ∘ fromTorch gives back the same names, in order, and the same tensors', () => {
        const sd = decodeDict(c.stateDict)
        const { params } = rightOf(fromTorch(c.kind, sd, opts))
        const back = rightOf(toTorch(c.kind, params, opts))
        expect(Object.keys(back)).toEqual(Object.keys(sd))
        for (const [name, t] of Object.entries(sd)) {
          expect(back[name].dtype).toBe('f64')
          expect(T.toArray(back[name])).toEqual(T.toArray(t))
        }
        // Without options, toTorch infers the direction count, bias and projSize from the params.
        expect(Object.keys(rightOf(toTorch(c.kind, params)))).toEqual(Object.keys(sd))
        // A model built with the same options has the same keys and shapes (no zero biases added).
        const made = torchModel(c.kind, opts).init(T.key(0), { inputSize: 3, hiddenSize: 4, dtype: 'f64' })
        const fresh = rightOf(toTorch(c.kind, made, opts))
        expect(Object.keys(fresh)).toEqual(Object.keys(sd))
        for (const [name, t] of Object.entries(sd)) expect(fresh[name].shape).toEqual(t.shape)
        // …and the round trip loads again.
        rightOf(fromTorch(c.kind, back, opts))
      })
    })
  }

  it('without h0/c0 the initial state is zeros', () => {
    const lstms = fixtures.cases.filter((k) => k.kind === 'LSTM' && k.numLayers === 2 && k.bidirectional)
    expect(lstms.length).toBe(5)
    for (const c of lstms) {
      const { params, apply } = rightOf(fromTorch(c.kind, decodeDict(c.stateDict), optionsOf(c)))
      const x = f64(c.x)
      const a = apply(params, x)
      const b = apply(params, x, { h0: T.zeros(c.h0.shape, 'f64'), c0: T.zeros(c.c0!.shape, 'f64') })
      assertClose(a.output, b.output, TOL, 'output')
      assertClose(a.hN, b.hN, TOL, 'hN')
      assertClose(a.cN!, b.cN!, TOL, 'cN')
    }
  })
})

describe('fromTorch and apply reject bad input with clear errors', () => {
  const lstm2 = fixtures.cases.find((k) => k.kind === 'LSTM' && k.numLayers === 2 && !k.bidirectional)!
  const gruBi = fixtures.cases.find((k) => k.kind === 'GRU' && k.numLayers === 1 && k.bidirectional)!
  const dict = (c: Case) => decodeDict(c.stateDict)

  it('a missing entry: names it and its expected shape', () => {
    const { bias_hh_l1: _, ...sd } = dict(lstm2)
    const m = leftReason(fromTorch('LSTM', sd, { numLayers: 2 }), 'bias_hh_l1')
    expect(m).toContain('missing bias_hh_l1')
    expect(m).toContain('[16]')
  })

  it('a missing reverse-direction entry', () => {
    const { weight_hh_l0_reverse: _, ...sd } = dict(gruBi)
    expect(leftReason(fromTorch('GRU', sd, { bidirectional: true }), 'weight_hh_l0_reverse')).toMatch(
      /missing weight_hh_l0_reverse \(expected shape \[12,4\]\)/,
    )
  })

  it('a mis-shaped entry: names it and both shapes', () => {
    const sd = { ...dict(lstm2), weight_ih_l1: T.zeros([16, 3], 'f64') }
    expect(leftReason(fromTorch('LSTM', sd, { numLayers: 2 }), 'weight_ih_l1')).toMatch(
      /weight_ih_l1 has shape \[16,3\], expected \[16,4\]/,
    )
    const sd2 = { ...dict(lstm2), bias_ih_l0: T.zeros([12], 'f64') }
    expect(leftReason(fromTorch('LSTM', sd2, { numLayers: 2 }), 'bias_ih_l0')).toMatch(
      /bias_ih_l0 has shape \[12\], expected \[16\]/,
    )
  })

  it('a second layer that reads a bidirectional first layer needs D·H inputs', () => {
    const c = fixtures.cases.find((k) => k.kind === 'GRU' && k.numLayers === 2 && k.bidirectional)!
    const sd = { ...dict(c), weight_ih_l1_reverse: T.zeros([12, 4], 'f64') }
    expect(
      leftReason(fromTorch('GRU', sd, { numLayers: 2, bidirectional: true }), 'weight_ih_l1_reverse'),
    ).toMatch(/weight_ih_l1_reverse has shape \[12,4\], expected \[12,8\]/)
  })

  it('a state dict of the wrong kind: the gate count does not fit', () => {
    // An LSTM's [16, 4] recurrent weights read as a GRU's (3 gates of H = 4 → [12, 4]).
    expect(leftReason(fromTorch('GRU', dict(lstm2), { numLayers: 2 }), 'weight_hh_l0')).toMatch(
      /fromTorch\(GRU\): weight_hh_l0 has shape \[16,4\], expected \[12,4\]/,
    )
  })

  it('an unexpected entry: names it', () => {
    const sd = { ...dict(lstm2), weight_ih_l2: T.zeros([16, 4], 'f64') }
    expect(leftReason(fromTorch('LSTM', sd, { numLayers: 2 }), 'weight_ih_l2')).toMatch(
      /unexpected entry "weight_ih_l2" \(numLayers 2, bidirectional false; the dict seems to have more layers/,
    )
    // Two layers loaded as one: the second layer's weights are unexpected.
    expect(leftReason(fromTorch('LSTM', dict(lstm2), { numLayers: 1 }), 'weight_ih_l1')).toMatch(
      /unexpected entry "weight_ih_l1"/,
    )
    // A bidirectional dict loaded as unidirectional.
    expect(leftReason(fromTorch('GRU', dict(gruBi)), 'weight_ih_l0_reverse')).toMatch(
      /unexpected entry "weight_ih_l0_reverse" .*bidirectional: true\?/,
    )
  })

  it('an entry that is not a tensor, and mixed dtypes', () => {
    const notTensor = { ...dict(lstm2), bias_ih_l1: [1, 2, 3] }
    expect(leftReason(fromTorch('LSTM', notTensor, { numLayers: 2 }), 'bias_ih_l1')).toMatch(
      /bias_ih_l1 is not a tensor \(got an array\); expected shape \[16\]/,
    )
    const mixed = { ...dict(lstm2), bias_ih_l1: T.zeros([16], 'f32') }
    expect(leftReason(fromTorch('LSTM', mixed, { numLayers: 2 }), 'bias_ih_l1')).toMatch(
      /bias_ih_l1 has dtype f32/,
    )
  })

  it('a wrong h0 or c0 shape throws a ShapeError naming it and both shapes', () => {
    const { params, apply } = rightOf(fromTorch('LSTM', dict(lstm2), { numLayers: 2 }))
    const x = f64(lstm2.x)
    const good = f64(lstm2.h0)
    const bad = T.zeros([1, 2, 4], 'f64')
    expect(() => apply(params, x, { h0: bad, c0: good })).toThrow(T.ShapeError)
    expect(() => apply(params, x, { h0: bad, c0: good })).toThrow(
      /h0 has shape \[1,2,4\], expected \[2,2,4\]/,
    )
    expect(() => apply(params, x, { h0: good, c0: T.zeros([2, 3, 4], 'f64') })).toThrow(
      /c0 has shape \[2,3,4\], expected \[2,2,4\]/,
    )
    const g = rightOf(fromTorch('GRU', dict(gruBi), { bidirectional: true }))
    expect(() => g.apply(g.params, f64(gruBi.x), { h0: T.zeros([1, 2, 4], 'f64') })).toThrow(
      /GRU: h0 has shape \[1,2,4\], expected \[2,2,4\]/,
    )
  })

  it('an input with the wrong feature count throws a ShapeError', () => {
    const { params, apply } = rightOf(fromTorch('LSTM', dict(lstm2), { numLayers: 2 }))
    expect(() => apply(params, T.zeros([5, 2, 7], 'f64'))).toThrow(T.ShapeError)
  })
})

describe('bias, projSize and batchFirst: read off the keys, and an option the keys contradict is blamed on a key', () => {
  const find = (name: string) => decodeDict(fixtures.cases.find((k) => k.name === name)!.stateDict)
  const lstmNoBias = find('LSTM layers=2 bidirectional=true bias=false')
  const lstmProj = find('LSTM layers=2 bidirectional=false proj_size=2')
  const lstmProjBi = find('LSTM layers=2 bidirectional=true proj_size=2')
  const lstm2 = find('LSTM layers=2 bidirectional=false')

  it('bias: true for a dict without biases, false for one with them', () => {
    expect(
      leftReason(
        fromTorch('LSTM', lstmNoBias, { numLayers: 2, bidirectional: true, bias: true }),
        'bias_ih_l0',
      ),
    ).toBe('fromTorch(LSTM): missing bias_ih_l0 (bias true, but the dict has no bias entries: bias: false?)')
    expect(leftReason(fromTorch('LSTM', lstm2, { numLayers: 2, bias: false }), 'bias_ih_l0')).toBe(
      'fromTorch(LSTM): unexpected entry "bias_ih_l0" (bias false, but the dict has biases: bias: true?)',
    )
    // Inferred: a dict with some biases has them all.
    const { bias_hh_l1_reverse: _, ...partial } = {
      ...lstmNoBias,
      ...find('LSTM layers=2 bidirectional=true'),
    }
    expect(
      leftReason(fromTorch('LSTM', partial, { numLayers: 2, bidirectional: true }), 'bias_hh_l1_reverse'),
    ).toBe('fromTorch(LSTM): missing bias_hh_l1_reverse (expected shape [16])')
  })

  it("projSize: a size other than weight_hr_l0's, 0 for a dict with projections, P ≥ H, or for another kind", () => {
    expect(leftReason(fromTorch('LSTM', lstmProj, { numLayers: 2, projSize: 3 }), 'weight_hr_l0')).toBe(
      "fromTorch(LSTM): weight_hr_l0 has shape [2,4], expected [3,4] (projSize 3; the dict's is 2)",
    )
    expect(leftReason(fromTorch('LSTM', lstmProj, { numLayers: 2, projSize: 0 }), 'weight_hr_l0')).toBe(
      'fromTorch(LSTM): unexpected entry "weight_hr_l0" (projSize 0, but the dict has projections: projSize 2?)',
    )
    expect(leftReason(fromTorch('LSTM', lstm2, { numLayers: 2, projSize: 2 }), 'weight_hr_l0')).toBe(
      'fromTorch(LSTM): missing weight_hr_l0 (projSize 2, but the dict has no weight_hr entries: projSize 0?)',
    )
    expect(leftReason(fromTorch('LSTM', lstmProj, { numLayers: 2, projSize: 4 }), 'weight_hr_l0')).toContain(
      'projSize 4 must be smaller than the hidden size 4',
    )
    expect(leftReason(fromTorch('GRU', find('GRU layers=1 bidirectional=false'), { projSize: 2 }))).toBe(
      "fromTorch(GRU): projSize is only for LSTM (PyTorch's proj_size), got 2",
    )
    expect(leftReason(fromTorch('LSTM', lstm2, { numLayers: 2, projSize: 1.5 }))).toContain(
      'projSize must be a non-negative integer',
    )
    expect(
      leftReason(
        fromTorch('GRU', {
          ...find('GRU layers=1 bidirectional=false'),
          weight_hr_l0: T.zeros([2, 4], 'f64'),
        }),
        'weight_hr_l0',
      ),
    ).toContain('weight_hr is the projection of an LSTM')
  })

  it('with a projection, a bad entry is blamed with the shape it should have', () => {
    const opts = { numLayers: 2, bidirectional: true }
    // A transposed projection.
    expect(
      leftReason(
        fromTorch('LSTM', { ...lstmProjBi, weight_hr_l1_reverse: T.zeros([4, 2], 'f64') }, opts),
        'weight_hr_l1_reverse',
      ),
    ).toBe(
      'fromTorch(LSTM): weight_hr_l1_reverse has shape [4,2], expected [2,4] (4 gates × hidden 4, projection 2, input 3); it looks transposed',
    )
    // Layer 1 reads D·P = 4 features; weight_hh is [4H, P].
    expect(
      leftReason(
        fromTorch('LSTM', { ...lstmProjBi, weight_ih_l1: T.zeros([16, 8], 'f64') }, opts),
        'weight_ih_l1',
      ),
    ).toMatch(/weight_ih_l1 has shape \[16,8\], expected \[16,4\]/)
    expect(
      leftReason(
        fromTorch('LSTM', { ...lstmProjBi, weight_hh_l0: T.zeros([16, 4], 'f64') }, opts),
        'weight_hh_l0',
      ),
    ).toMatch(/weight_hh_l0 has shape \[16,4\], expected \[16,2\]/)
    const { weight_hr_l1: _, ...missing } = lstmProjBi
    expect(leftReason(fromTorch('LSTM', missing, opts), 'weight_hr_l1')).toBe(
      'fromTorch(LSTM): missing weight_hr_l1 (expected shape [2,4])',
    )
  })

  it('batchFirst: x [B, T, I]; h0 and c0 keep [L·D, B, ·]', () => {
    const { params, apply } = rightOf(fromTorch('LSTM', lstmProj, { numLayers: 2, batchFirst: true }))
    expect(() => apply(params, T.zeros([3, 5, 4], 'f64'))).toThrow(
      'LSTM: x has shape [3,5,4], expected [B,T,3]',
    )
    expect(() =>
      apply(params, T.zeros([3, 5, 3], 'f64'), {
        h0: T.zeros([2, 5, 2], 'f64'),
        c0: T.zeros([2, 3, 4], 'f64'),
      }),
    ).toThrow('LSTM: h0 has shape [2,5,2], expected [2,3,2]')
    expect(() =>
      apply(params, T.zeros([3, 5, 3], 'f64'), {
        h0: T.zeros([2, 3, 2], 'f64'),
        c0: T.zeros([2, 3, 2], 'f64'),
      }),
    ).toThrow('LSTM: c0 has shape [2,3,2], expected [2,3,4]')
    const out = apply(params, T.zeros([3, 5, 3], 'f64'))
    expect([out.output.shape, out.hN.shape, out.cN!.shape]).toEqual([
      [3, 5, 2],
      [2, 3, 2],
      [2, 3, 4],
    ])
    expect(leftReason(fromTorch('LSTM', lstmProj, { numLayers: 2, batchFirst: 1 as never }))).toContain(
      'batchFirst must be true or false',
    )
  })

  it('toTorch: an option the params contradict names the key', () => {
    const withBias = rightOf(fromTorch('LSTM', lstm2, { numLayers: 2 })).params
    expect(leftReason(toTorch('LSTM', withBias, { bias: false }), 'bias_ih_l0')).toBe(
      'toTorch(LSTM): layer 0 has b_ih, but bias is false (no bias_ih_l0)',
    )
    const noBias = rightOf(fromTorch('LSTM', lstmNoBias, { numLayers: 2, bidirectional: true })).params
    expect(leftReason(toTorch('LSTM', noBias, { bias: true }), 'bias_ih_l0')).toContain(
      'layer 0 has no tensor b_ih',
    )
    const proj = rightOf(fromTorch('LSTM', lstmProj, { numLayers: 2 })).params
    expect(leftReason(toTorch('LSTM', proj, { projSize: 0 }), 'weight_hr_l0')).toBe(
      'toTorch(LSTM): layer 0 has W_hr, but projSize is 0 (no weight_hr_l0)',
    )
    expect(leftReason(toTorch('LSTM', proj, { projSize: 3 }), 'weight_hr_l0')).toContain('expected [3,4]')
    expect(leftReason(toTorch('LSTM', withBias, { projSize: 2 }), 'weight_hr_l0')).toContain(
      'layer 0 has no tensor W_hr',
    )
    expect(Object.keys(rightOf(toTorch('LSTM', proj, { projSize: 2, bias: true })))).toEqual(
      Object.keys(lstmProj),
    )
  })

  it('torchModel: projSize is only for LSTM, and smaller than the hidden size', () => {
    expect(() => torchModel('GRU', { projSize: 1 })).toThrow('torchModel(GRU): projSize is only for LSTM')
    expect(() => torchModel('LSTM', { projSize: 4 }).init(T.key(0), { inputSize: 3, hiddenSize: 4 })).toThrow(
      'projSize 4 must be smaller than hiddenSize 4',
    )
  })
})

describe('interop checks its arguments', () => {
  const sd = (G: number, H: number) => ({
    weight_ih_l0: T.zeros([G * H, 3], 'f64'),
    weight_hh_l0: T.zeros([G * H, H], 'f64'),
    bias_ih_l0: T.zeros([G * H], 'f64'),
    bias_hh_l0: T.zeros([G * H], 'f64'),
  })
  it('blames weight_hh_l0 when its columns disagree with the hidden size the other entries agree on', () => {
    const bad = { ...sd(4, 4), weight_hh_l0: T.zeros([16, 5], 'f64') }
    const r = fromTorch('LSTM', bad)
    expect(r._tag === 'Left' && r.left).toEqual({
      _tag: 'InteropError',
      reason: 'fromTorch(LSTM): weight_hh_l0 has shape [16,5], expected [16,4] (4 gates × hidden 4, input 3)',
      path: 'weight_hh_l0',
    })
  })
  it('a transposed weight_ih_l0 is blamed with the shape it should have, not taken for the input size', () => {
    const good = sd(4, 2)
    for (const [key, t] of Object.entries(good)) {
      if (t.rank !== 2) continue
      const r = fromTorch('LSTM', { ...good, [key]: T.transpose(t) })
      const shape = T.showShape(t.shape)
      expect(leftReason(r, key)).toBe(
        `fromTorch(LSTM): ${key} has shape ${T.showShape([...t.shape].reverse())}, expected ${shape} (4 gates × hidden 2, ${key === 'weight_ih_l0' ? 'I the input size' : 'input 3'}); it looks transposed`,
      )
    }
    // Bidirectional: the reverse direction still tells the input size.
    const bi = { ...good, ...Object.fromEntries(Object.entries(good).map(([k, t]) => [`${k}_reverse`, t])) }
    expect(
      leftReason(
        fromTorch('LSTM', { ...bi, weight_ih_l0: T.zeros([3, 8], 'f64') }, { bidirectional: true }),
        'weight_ih_l0',
      ),
    ).toBe(
      'fromTorch(LSTM): weight_ih_l0 has shape [3,8], expected [8,3] (4 gates × hidden 2, input 3); it looks transposed',
    )
  })
  it('toTorch refuses options or params that do not match, naming the key', () => {
    const r = fromTorch('GRU', sd(3, 2))
    if (r._tag !== 'Right') throw new Error('expected Right')
    expect(leftReason(toTorch('GRU', r.right.params, { numLayers: 2 }))).toContain(
      'numLayers 2 but params has 1 layers',
    )
    expect(leftReason(toTorch('GRU', r.right.params, { bidirectional: true }))).toContain(
      'layer 0 is not bidirectional',
    )
    const [p0] = r.right.params
    expect(leftReason(toTorch('GRU', [{ ...p0, b_hh: undefined }]), 'bias_hh_l0')).toContain(
      'layer 0 has no tensor b_hh',
    )
    expect(leftReason(toTorch('GRU', [{ ...p0, W_hh: T.zeros([6, 3], 'f64') }]), 'weight_hh_l0')).toContain(
      'toTorch(GRU): weight_hh_l0 has shape [6,3], expected [6,2]',
    )
    expect(leftReason(toTorch('GRU', 'params' as never))).toContain('params must be a non-empty array')
  })
  it('LSTM needs both h0 and c0; dtypes must match the weights', () => {
    const r = fromTorch('LSTM', sd(4, 2))
    if (r._tag !== 'Right') throw new Error('expected Right')
    const x = T.zeros([1, 1, 3], 'f64')
    expect(() => r.right.apply(r.right.params, x, { h0: T.zeros([1, 1, 2], 'f64') })).toThrow(
      'give both h0 and c0',
    )
    expect(() => r.right.apply(r.right.params, T.zeros([1, 1, 3]))).toThrow('x is f32, the weights are f64')
  })
})
