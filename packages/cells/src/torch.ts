/**
 * PyTorch interop: `nn.RNN`, `nn.LSTM` and `nn.GRU` state dicts in and out, with PyTorch's flat
 * names (`weight_ih_l0`, `bias_hh_l1_reverse`, …), layouts (`[G·H, I]`, gate order i,f,g,o for
 * LSTM and r,z,n for GRU) and both bias vectors. A model prototyped here moves to PyTorch's
 * training at scale and back, e.g. as safetensors files.
 */

import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import * as E from 'fp-ts/lib/Either.js'
import type { Cell } from './cell.ts'
import { bidirectional, stack } from './combinators.ts'
import { elman } from './elman.ts'
import { gru } from './gru.ts'
import { lstm } from './lstm.ts'
import { type Layer, rnn } from './rnn.ts'

/** PyTorch's `mode` names of its recurrent modules. */
export type TorchKind = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU'

export interface TorchOptions {
  readonly numLayers?: number
  readonly bidirectional?: boolean
}

/** A state dict that does not fit the module: which entry, and why. */
export interface InteropError {
  readonly _tag: 'InteropError'
  readonly message: string
}

const interopError = (message: string): InteropError => ({ _tag: 'InteropError', message })

/** Per layer: `{W_ih, W_hh, b_ih, b_hh}`, or `{ forward, backward }` of those when bidirectional. */
export type TorchParams = any[]

/** The module's forward pass with PyTorch's signature and shapes. */
export type TorchApply = (
  params: TorchParams,
  x: Tensor,
  options?: { h0?: Tensor; c0?: Tensor },
) => { output: Tensor; hN: Tensor; cN?: Tensor }

const GATES: Record<TorchKind, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 }

const cellFor = (kind: TorchKind): Cell => {
  switch (kind) {
    case 'RNN_TANH':
      return elman({ activation: 'tanh' })
    case 'RNN_RELU':
      return elman({ activation: 'relu' })
    case 'LSTM':
      return lstm()
    case 'GRU':
      return gru()
  }
}

/** The layer stack equivalent to the PyTorch module. */
export const torchModel = (kind: TorchKind, options: TorchOptions = {}): Layer => {
  const base = rnn(cellFor(kind))
  const layer = options.bidirectional ? bidirectional(base) : base
  return stack(Array.from({ length: options.numLayers ?? 1 }, () => layer))
}

const suffixes = (bidi: boolean) => (bidi ? ['', '_reverse'] : [''])

/**
 * Loads a PyTorch `nn.RNN`/`nn.LSTM`/`nn.GRU` state dict (`{ weight_ih_l0: Tensor, … }`) into
 * params and an `apply` with PyTorch's signature: `output [T,B,D·H]`, `hN [L·D,B,H]`, and `cN`
 * for LSTM. Every entry is checked; a missing, unexpected or mis-shaped one gives a `Left`
 * naming the tensor and both shapes.
 *
 * @example
 * const sd = {
 *   weight_ih_l0: T.ones([2, 3], 'f64'), weight_hh_l0: T.eye(2, 2, 'f64'),
 *   bias_ih_l0: T.zeros([2], 'f64'), bias_hh_l0: T.zeros([2], 'f64'),
 * }
 * const r = fromTorch('RNN_RELU', sd, { numLayers: 1 })
 * assert.strictEqual(r._tag, 'Right')
 * const { hN } = r.right.apply(r.right.params, T.ones([2, 1, 3], 'f64'))
 * assert.deepStrictEqual(T.toArray(hN), [[[6, 6]]])
 */
export const fromTorch = (
  kind: TorchKind,
  stateDict: Readonly<Record<string, unknown>>,
  options: TorchOptions = {},
): E.Either<InteropError, { params: TorchParams; apply: TorchApply }> => {
  if (!(kind in GATES))
    return E.left(
      interopError(
        `fromTorch: unknown kind ${JSON.stringify(kind)} (expected RNN_TANH, RNN_RELU, LSTM or GRU)`,
      ),
    )
  const L = options.numLayers ?? 1
  const bidi = options.bidirectional ?? false
  const D = bidi ? 2 : 1
  const G = GATES[kind]
  if (!Number.isInteger(L) || L < 1)
    return E.left(interopError(`fromTorch: numLayers must be a positive integer, got ${L}`))
  const hh = stateDict.weight_hh_l0
  if (!T.isTensor(hh) || hh.rank !== 2)
    return E.left(interopError('fromTorch: weight_hh_l0 is missing or not a rank-2 tensor'))
  const H = hh.shape[1]
  if (hh.shape[0] !== G * H) {
    return E.left(
      interopError(
        `fromTorch(${kind}): weight_hh_l0 has shape ${T.showShape(hh.shape)}, expected [${G * H},${H}] (${G} gate${G > 1 ? 's' : ''} × hidden ${H})`,
      ),
    )
  }
  const ih0 = stateDict.weight_ih_l0
  if (!T.isTensor(ih0) || ih0.rank !== 2)
    return E.left(interopError('fromTorch: weight_ih_l0 is missing or not a rank-2 tensor'))
  const I = ih0.shape[1]
  const dtype = hh.dtype
  const expected = new Map<string, number[]>()
  for (let l = 0; l < L; l++) {
    for (const s of suffixes(bidi)) {
      expected.set(`weight_ih_l${l}${s}`, [G * H, l === 0 ? I : D * H])
      expected.set(`weight_hh_l${l}${s}`, [G * H, H])
      expected.set(`bias_ih_l${l}${s}`, [G * H])
      expected.set(`bias_hh_l${l}${s}`, [G * H])
    }
  }
  for (const [name, shape] of expected) {
    const t = stateDict[name]
    if (t === undefined)
      return E.left(
        interopError(`fromTorch(${kind}): missing ${name} (expected shape ${T.showShape(shape)})`),
      )
    if (!T.isTensor(t)) return E.left(interopError(`fromTorch(${kind}): ${name} is not a tensor`))
    if (T.showShape(t.shape) !== T.showShape(shape)) {
      return E.left(
        interopError(
          `fromTorch(${kind}): ${name} has shape ${T.showShape(t.shape)}, expected ${T.showShape(shape)}`,
        ),
      )
    }
    if (t.dtype !== dtype)
      return E.left(
        interopError(`fromTorch(${kind}): ${name} has dtype ${t.dtype}, the other weights ${dtype}`),
      )
  }
  for (const name of Object.keys(stateDict)) {
    if (!expected.has(name))
      return E.left(
        interopError(`fromTorch(${kind}): unexpected entry ${name} (numLayers ${L}, bidirectional ${bidi})`),
      )
  }
  const get = (name: string) => stateDict[name] as Tensor
  const direction = (l: number, s: string) => ({
    W_ih: get(`weight_ih_l${l}${s}`),
    W_hh: get(`weight_hh_l${l}${s}`),
    b_ih: get(`bias_ih_l${l}${s}`),
    b_hh: get(`bias_hh_l${l}${s}`),
  })
  const params = Array.from({ length: L }, (_, l) =>
    bidi ? { forward: direction(l, ''), backward: direction(l, '_reverse') } : direction(l, ''),
  )
  return E.right({ params, apply: torchApply(kind, { numLayers: L, bidirectional: bidi }) })
}

/** The forward pass of a PyTorch recurrent module over our params, in PyTorch's shapes. */
export const torchApply = (kind: TorchKind, options: TorchOptions = {}): TorchApply => {
  const L = options.numLayers ?? 1
  const bidi = options.bidirectional ?? false
  const D = bidi ? 2 : 1
  const model = torchModel(kind, options)
  const isLstm = kind === 'LSTM'
  return (params, x, o = {}) => {
    const B = x.shape[1]
    const first = bidi ? params[0].forward : params[0]
    const H = first.W_hh.shape[1]
    if (x.dtype !== first.W_hh.dtype)
      throw new T.DTypeError(`${kind}: x is ${x.dtype}, the weights are ${first.W_hh.dtype}`)
    if (isLstm && (o.h0 === undefined) !== (o.c0 === undefined))
      throw new T.ArgumentError(`${kind}: give both h0 and c0, or neither`)
    if (!isLstm && o.c0 !== undefined) throw new T.ArgumentError(`${kind}: c0 is only for LSTM`)
    const expectedState = [L * D, B, H]
    for (const [what, t] of [
      ['h0', o.h0],
      ['c0', o.c0],
    ] as const) {
      if (t !== undefined && T.showShape(t.shape) !== T.showShape(expectedState)) {
        throw new T.ShapeError(
          `${kind}: ${what} has shape ${T.showShape(t.shape)}, expected ${T.showShape(expectedState)}`,
        )
      }
    }
    const hs = o.h0 ? T.unstack(o.h0) : undefined
    const cs = o.c0 ? T.unstack(o.c0) : undefined
    const stateOf = (i: number) => {
      const h = hs?.[i] ?? T.zeros([B, H], x.dtype)
      return isLstm ? { h, c: cs?.[i] ?? T.zeros([B, H], x.dtype) } : h
    }
    const state0 = Array.from({ length: L }, (_, l) =>
      bidi ? { forward: stateOf(2 * l), backward: stateOf(2 * l + 1) } : stateOf(l),
    )
    const { output, state } = model.apply(params, x, { state0 })
    const finals = state.flatMap((s: any) => (bidi ? [s.forward, s.backward] : [s]))
    const hN = T.stack(finals.map((s: any) => (isLstm ? s.h : s)))
    return isLstm ? { output, hN, cN: T.stack(finals.map((s: any) => s.c)) } : { output, hN }
  }
}

/**
 * Writes params as a PyTorch state dict with its flat names (both bias vectors kept), ready for
 * `module.load_state_dict` or `T.safetensors.encode`.
 *
 * @example
 * const sd = { weight_ih_l0: T.ones([3, 1]), weight_hh_l0: T.ones([3, 1]), bias_ih_l0: T.zeros([3]), bias_hh_l0: T.zeros([3]) }
 * const { params } = fromTorch('GRU', sd).right
 * assert.deepStrictEqual(Object.keys(toTorch('GRU', params)), Object.keys(sd))
 */
export const toTorch = (
  kind: TorchKind,
  params: TorchParams,
  options: TorchOptions = {},
): Record<string, Tensor> => {
  const isBidi = (layer: any) =>
    layer !== null && typeof layer === 'object' && 'forward' in layer && 'backward' in layer
  const bidi = options.bidirectional ?? isBidi(params[0])
  if (options.numLayers !== undefined && options.numLayers !== params.length) {
    throw new T.ArgumentError(
      `toTorch(${kind}): numLayers ${options.numLayers} but params has ${params.length} layers`,
    )
  }
  const out: Record<string, Tensor> = {}
  params.forEach((layer, l) => {
    if (isBidi(layer) !== bidi) {
      throw new T.ArgumentError(
        `toTorch(${kind}): layer ${l} is ${isBidi(layer) ? '' : 'not '}bidirectional, the options say ${bidi}`,
      )
    }
    const dirs: [string, any][] = bidi
      ? [
          ['', layer.forward],
          ['_reverse', layer.backward],
        ]
      : [['', layer]]
    for (const [s, p] of dirs) {
      for (const k of ['W_ih', 'W_hh', 'b_ih', 'b_hh']) {
        if (!T.isTensor(p?.[k]))
          throw new T.ArgumentError(`toTorch(${kind}): layer ${l}${s} has no tensor ${k}`)
      }
      out[`weight_ih_l${l}${s}`] = p.W_ih
      out[`weight_hh_l${l}${s}`] = p.W_hh
      out[`bias_ih_l${l}${s}`] = p.b_ih
      out[`bias_hh_l${l}${s}`] = p.b_hh
    }
  })
  return out
}
