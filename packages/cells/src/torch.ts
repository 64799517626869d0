/**
 * PyTorch interop: `nn.RNN`, `nn.LSTM` and `nn.GRU` state dicts in and out, with PyTorch's flat
 * names (`weight_ih_l0`, `bias_hh_l1_reverse`, …), layouts (`[G·H, I]`, gate order i,f,g,o for
 * LSTM and r,z,n for GRU) and both bias vectors. A model prototyped here moves to PyTorch's
 * training at scale and back, e.g. as safetensors files.
 */

import type { BoundaryError, DType, Tensor } from '@recurrent/tensor'
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

/**
 * A state dict (or params) that does not fit the module: `reason` says what is wrong and what
 * was expected; `path` is the state-dict key to blame, when one is.
 */
export type InteropError = BoundaryError<'InteropError'>

const interopError = (reason: string, path?: string): InteropError =>
  T.boundaryError('InteropError', reason, path)

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

/**
 * The layer stack equivalent to the PyTorch module: `stack` of L `rnn(cell)` layers (each
 * `bidirectional` when asked), params as `fromTorch` reads them.
 *
 * @example
 * const model = torchModel('GRU', { numLayers: 2, bidirectional: true })
 * const p = model.init(T.key(0), { inputSize: 3, hiddenSize: 4 })
 * assert.deepStrictEqual(T.shape(model.apply(p, T.ones([5, 2, 3])).output), [5, 2, 8])
 */
export const torchModel = (kind: TorchKind, options: TorchOptions = {}): Layer => {
  const base = rnn(cellFor(kind))
  const layer = options.bidirectional ? bidirectional(base) : base
  return stack(Array.from({ length: options.numLayers ?? 1 }, () => layer))
}

const suffixes = (bidi: boolean) => (bidi ? ['', '_reverse'] : [''])

const KEYS = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'] as const

/** What a value is, in a message. */
const describe = (v: unknown): string =>
  T.isTensor(v)
    ? `a ${v.dtype} tensor ${T.showShape(v.shape)}`
    : v === null
      ? 'null'
      : Array.isArray(v)
        ? 'an array'
        : typeof v

/** The most frequent value (ties go to `prefer` when it is among the most frequent, else the first seen). */
const majority = <A>(votes: readonly A[], prefer?: A): A | undefined => {
  const counts = new Map<A, number>()
  for (const v of votes) counts.set(v, (counts.get(v) ?? 0) + 1)
  let best: A | undefined
  let bestCount = 0
  for (const [v, c] of counts) if (c > bestCount) [best, bestCount] = [v, c]
  if (prefer !== undefined && counts.get(prefer) === bestCount) return prefer
  return best
}

/**
 * Checks a state dict against the module and reads its sizes. The hidden size H and the input
 * size I are inferred from the entries that agree with each other (H: the majority of what every
 * `weight_hh`, `weight_ih` and bias says for G gates; I: the columns of a `weight_ih_l0` whose
 * rows are G·H), so one bad entry is blamed, with the shape it should have, rather than taken as
 * the truth.
 */
const readStateDict = (
  op: string,
  kind: TorchKind,
  stateDict: unknown,
  options: TorchOptions,
): E.Either<InteropError, { params: TorchParams; L: number; bidi: boolean }> => {
  if (!Object.hasOwn(GATES, kind))
    return E.left(
      interopError(`${op}: unknown kind ${JSON.stringify(kind)} (expected RNN_TANH, RNN_RELU, LSTM or GRU)`),
    )
  const where = `${op}(${kind})`
  const L = options.numLayers ?? 1
  const bidi = options.bidirectional ?? false
  if (!Number.isInteger(L) || L < 1)
    return E.left(interopError(`${where}: numLayers must be a positive integer, got ${String(L)}`))
  if (typeof bidi !== 'boolean')
    return E.left(interopError(`${where}: bidirectional must be true or false, got ${describe(bidi)}`))
  if (
    stateDict === null ||
    typeof stateDict !== 'object' ||
    Array.isArray(stateDict) ||
    T.isTensor(stateDict)
  )
    return E.left(
      interopError(`${where}: the state dict must be an object of tensors, got ${describe(stateDict)}`),
    )
  const entry = (name: string): unknown =>
    Object.hasOwn(stateDict, name) ? (stateDict as Record<string, unknown>)[name] : undefined
  const D = bidi ? 2 : 1
  const G = GATES[kind]
  const gates = `${G} gate${G > 1 ? 's' : ''}`
  /** The expected keys in PyTorch's order (generated lazily: checking stops at the first bad one). */
  function* names(): Generator<string> {
    for (let l = 0; l < L; l++) for (const s of suffixes(bidi)) for (const k of KEYS) yield `${k}_l${l}${s}`
  }
  const isExpected = (name: string): boolean => {
    const m = /^(weight_ih|weight_hh|bias_ih|bias_hh)_l(0|[1-9]\d*)(_reverse)?$/.exec(name)
    return m !== null && Number(m[2]) < L && (m[3] === undefined || bidi)
  }
  const present = Object.keys(stateDict).filter(isExpected)
  const tensorAt = (name: string): Tensor | undefined => {
    const t = entry(name)
    return T.isTensor(t) ? t : undefined
  }

  // Hidden size: what each entry says it is, for G gates.
  const hVotes: number[] = []
  for (const name of present) {
    const t = tensorAt(name)
    if (t === undefined) continue
    const [rows, cols] = t.shape
    if (name.startsWith('weight_hh') && t.rank === 2 && cols >= 1 && rows === G * cols) hVotes.push(cols)
    else if (name.startsWith('weight_ih') && t.rank === 2 && rows >= G && rows % G === 0)
      hVotes.push(rows / G)
    else if (name.startsWith('bias') && t.rank === 1 && rows >= G && rows % G === 0) hVotes.push(rows / G)
  }
  const hh0 = tensorAt('weight_hh_l0')
  const guess = hh0 !== undefined && hh0.rank === 2 && hh0.shape[1] >= 1 ? hh0.shape[1] : undefined
  const H = majority(hVotes, guess) ?? guess
  if (H === undefined) {
    return E.left(
      interopError(
        `${where}: cannot tell the hidden size H: no weight_hh has shape [${G}·H,H] and no bias has ${G}·H entries (weight_hh_l0 is ${describe(entry('weight_hh_l0'))})`,
        'weight_hh_l0',
      ),
    )
  }
  if (!hVotes.includes(H) && hh0 !== undefined) {
    // Only weight_hh_l0's columns suggest H, and no entry has the rows G gates need.
    return E.left(
      interopError(
        `${where}: weight_hh_l0 has shape ${T.showShape(hh0.shape)}, expected [${G * H},${H}] (${gates} × hidden ${H}); no entry has ${G}·H rows: a state dict of another kind?`,
        'weight_hh_l0',
      ),
    )
  }
  // Input size: the columns of a first-layer weight_ih whose rows fit H.
  const iVotes = suffixes(bidi).flatMap((s) => {
    const t = tensorAt(`weight_ih_l0${s}`)
    return t !== undefined && t.rank === 2 && t.shape[0] === G * H && t.shape[1] >= 1 ? [t.shape[1]] : []
  })
  const I = majority(iVotes, iVotes[0])
  // Dtype: the majority among the entries present.
  const dtype = majority(
    present.flatMap((n) => tensorAt(n)?.dtype ?? []),
    tensorAt('weight_hh_l0')?.dtype,
  ) as DType | undefined

  const expectedShape = (name: string): (number | string)[] => {
    const layer = Number(/_l(\d+)/.exec(name)![1])
    if (name.startsWith('weight_hh')) return [G * H, H]
    if (name.startsWith('bias')) return [G * H]
    return [G * H, layer > 0 ? D * H : (I ?? 'I')]
  }
  const sizes = `${gates} × hidden ${H}${I === undefined ? ', I the input size' : `, input ${I}`}`
  for (const name of names()) {
    const t = entry(name)
    const want = expectedShape(name)
    const shown = `[${want.join(',')}]`
    if (t === undefined)
      return E.left(interopError(`${where}: missing ${name} (expected shape ${shown})`, name))
    if (!T.isTensor(t))
      return E.left(
        interopError(`${where}: ${name} is not a tensor (got ${describe(t)}); expected shape ${shown}`, name),
      )
    const fits =
      t.rank === want.length && want.every((d, i) => (d === 'I' ? t.shape[i] >= 1 : t.shape[i] === d))
    if (!fits) {
      const transposed =
        t.rank === 2 &&
        t.shape[1] === want[0] &&
        (want[1] === 'I' || t.shape[0] === want[1]) &&
        t.shape[0] !== t.shape[1]
      const should = transposed ? `[${want[0]},${t.shape[0]}]` : shown
      return E.left(
        interopError(
          `${where}: ${name} has shape ${T.showShape(t.shape)}, expected ${should} (${sizes})${transposed ? '; it looks transposed' : ''}`,
          name,
        ),
      )
    }
    if (!T.isFloat(t.dtype))
      return E.left(
        interopError(`${where}: ${name} is ${t.dtype}, expected a float tensor (f32 or f64)`, name),
      )
    if (t.dtype !== dtype)
      return E.left(
        interopError(
          `${where}: ${name} has dtype ${t.dtype}, the other weights ${dtype} (cast with T.cast)`,
          name,
        ),
      )
  }
  for (const name of Object.keys(stateDict)) {
    if (isExpected(name)) continue
    const m = /_l(\d+)(_reverse)?$/.exec(name)
    const hint =
      m && Number(m[1]) >= L
        ? `; the dict seems to have more layers (numLayers ${Number(m[1]) + 1} or more?)`
        : m?.[2] && !bidi
          ? '; the dict seems bidirectional (bidirectional: true?)'
          : ''
    return E.left(
      interopError(
        `${where}: unexpected entry ${JSON.stringify(name)} (numLayers ${L}, bidirectional ${bidi}${hint})`,
        name,
      ),
    )
  }
  const get = (name: string) => entry(name) as Tensor
  const direction = (l: number, s: string) => ({
    W_ih: get(`weight_ih_l${l}${s}`),
    W_hh: get(`weight_hh_l${l}${s}`),
    b_ih: get(`bias_ih_l${l}${s}`),
    b_hh: get(`bias_hh_l${l}${s}`),
  })
  const params = Array.from({ length: L }, (_, l) =>
    bidi ? { forward: direction(l, ''), backward: direction(l, '_reverse') } : direction(l, ''),
  )
  return E.right({ params, L, bidi })
}

/**
 * Loads a PyTorch `nn.RNN`/`nn.LSTM`/`nn.GRU` state dict (`{ weight_ih_l0: Tensor, … }`) into
 * params and an `apply` with PyTorch's signature: `output [T,B,D·H]`, `hN [L·D,B,H]`, and `cN`
 * for LSTM. Every entry is checked; a missing, unexpected, mis-shaped or mistyped one gives a
 * `Left` whose `path` is the key to blame and whose `reason` says what shape it should have.
 * It never throws, whatever the dict holds.
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
 * // A transposed input weight is blamed, with the shape it should have:
 * const bad = fromTorch('RNN_RELU', { ...sd, weight_ih_l0: T.ones([3, 2], 'f64') })
 * assert.strictEqual(bad.left.path, 'weight_ih_l0')
 * assert.match(bad.left.reason, /expected \[2,3\]/)
 */
export const fromTorch = (
  kind: TorchKind,
  stateDict: Readonly<Record<string, unknown>>,
  options: TorchOptions = {},
): E.Either<InteropError, { params: TorchParams; apply: TorchApply }> =>
  E.map(({ params, L, bidi }: { params: TorchParams; L: number; bidi: boolean }) => ({
    params,
    apply: torchApply(kind, { numLayers: L, bidirectional: bidi }),
  }))(readStateDict('fromTorch', kind, stateDict, options))

/**
 * The forward pass of a PyTorch recurrent module over our params, in PyTorch's shapes: x
 * `[T, B, I]`, h0 and c0 `[L·D, B, H]` (zeros by default) → output `[T, B, D·H]`, hN (and cN for
 * LSTM) `[L·D, B, H]`.
 *
 * @example
 * const model = torchModel('LSTM')
 * const params = model.init(T.key(0), { inputSize: 3, hiddenSize: 2 })
 * const { output, hN, cN } = torchApply('LSTM')(params, T.ones([4, 1, 3]))
 * assert.deepStrictEqual([T.shape(output), T.shape(hN), T.shape(cN)], [[4, 1, 2], [1, 1, 2], [1, 1, 2]])
 */
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
 * `module.load_state_dict` or `T.safetensors.encode`. The dict is checked as `fromTorch` checks
 * one, so a `Right` always loads back; a `Left` names the key to blame.
 *
 * @example
 * const sd = { weight_ih_l0: T.ones([3, 1]), weight_hh_l0: T.ones([3, 1]), bias_ih_l0: T.zeros([3]), bias_hh_l0: T.zeros([3]) }
 * const { params } = fromTorch('GRU', sd).right
 * assert.deepStrictEqual(Object.keys(toTorch('GRU', params).right), Object.keys(sd))
 */
export const toTorch = (
  kind: TorchKind,
  params: TorchParams,
  options: TorchOptions = {},
): E.Either<InteropError, Record<string, Tensor>> => {
  const where = `toTorch(${kind})`
  if (!Array.isArray(params) || params.length === 0)
    return E.left(
      interopError(
        `${where}: params must be a non-empty array, one entry per layer, got ${describe(params)}`,
      ),
    )
  const isBidi = (layer: any) =>
    layer !== null && typeof layer === 'object' && 'forward' in layer && 'backward' in layer
  const bidi = options.bidirectional ?? isBidi(params[0])
  if (options.numLayers !== undefined && options.numLayers !== params.length)
    return E.left(
      interopError(`${where}: numLayers ${options.numLayers} but params has ${params.length} layers`),
    )
  const out: Record<string, Tensor> = {}
  const fields = [
    ['W_ih', 'weight_ih'],
    ['W_hh', 'weight_hh'],
    ['b_ih', 'bias_ih'],
    ['b_hh', 'bias_hh'],
  ] as const
  for (const [l, layer] of params.entries()) {
    if (isBidi(layer) !== bidi)
      return E.left(
        interopError(
          `${where}: layer ${l} is ${isBidi(layer) ? '' : 'not '}bidirectional, the options say ${bidi}`,
        ),
      )
    const dirs: [string, any][] = bidi
      ? [
          ['', layer.forward],
          ['_reverse', layer.backward],
        ]
      : [['', layer]]
    for (const [s, p] of dirs) {
      for (const [field, key] of fields) {
        const name = `${key}_l${l}${s}`
        if (!T.isTensor(p?.[field]))
          return E.left(interopError(`${where}: layer ${l}${s} has no tensor ${field} (for ${name})`, name))
        out[name] = p[field]
      }
    }
  }
  return E.map(() => out)(
    readStateDict('toTorch', kind, out, { numLayers: params.length, bidirectional: bidi }),
  )
}
