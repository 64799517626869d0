/**
 * PyTorch interop: `nn.RNN`, `nn.LSTM` and `nn.GRU` state dicts in and out, with PyTorch's flat
 * names (`weight_ih_l0`, `bias_hh_l1_reverse`, `weight_hr_l0`, …), layouts (`[G·H, I]`, gate
 * order i,f,g,o for LSTM and r,z,n for GRU) and both bias vectors. The module options are
 * PyTorch's in camelCase (`numLayers`, `bidirectional`, `bias`, `projSize`, `batchFirst`); `bias`
 * and `projSize` are read off the keys when not given. A model prototyped here moves to
 * PyTorch's training at scale and back, e.g. as safetensors files.
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

/**
 * PyTorch's constructor options of its recurrent modules, in camelCase. D is 2 when
 * bidirectional, else 1; H the hidden size; P the projection size (H without one).
 */
export interface TorchOptions {
  /** L stacked layers (default 1); layer l > 0 reads layer l−1's output, D·P features. */
  readonly numLayers?: number
  /** Two directions per layer, their outputs concatenated (default false). */
  readonly bidirectional?: boolean
  /**
   * Whether every layer and direction has `bias_ih` and `bias_hh` (PyTorch's `bias`). Without
   * them the pre-activations are `x·W_ihᵀ + h·W_hhᵀ`. Default: whether the state dict has bias
   * entries (true for `torchModel`); `true` for a dict without them, or `false` for one with
   * them, is a `Left` naming the key.
   */
  readonly bias?: boolean
  /**
   * LSTM only (PyTorch's `proj_size`), 0 < P < H: the output is projected,
   * `h_t = (o_t ⊙ tanh c_t)·W_hrᵀ` with `weight_hr_l{l}` `[P, H]`, and h_t is what is fed back,
   * so `weight_hh` is `[4H, P]` and `weight_ih` of layers l > 0 `[4H, D·P]`. Shapes: output
   * `[T, B, D·P]`, h0 and hN `[L·D, B, P]`, c0 and cN `[L·D, B, H]`. Default: the rows of the
   * dict's `weight_hr` entries, 0 (no projection) when it has none; a value the keys contradict
   * is a `Left` naming `weight_hr_l0`.
   */
  readonly projSize?: number
  /**
   * x and output are `[B, T, ·]` rather than `[T, B, ·]` (PyTorch's `batch_first`; default
   * false). h0, c0, hN and cN stay `[L·D, B, ·]`. `torchApply` transposes at the boundary, so the
   * layers inside (`rnn`, `stack`, `bidirectional`) stay time-major. Not in a state dict: give it.
   */
  readonly batchFirst?: boolean
}

/**
 * A state dict (or params) that does not fit the module: `reason` says what is wrong and what
 * was expected; `path` is the state-dict key to blame, when one is.
 */
export type InteropError = BoundaryError<'InteropError'>

const interopError = (reason: string, path?: string): InteropError =>
  T.boundaryError('InteropError', reason, path)

/**
 * Per layer: `{W_ih, W_hh, b_ih, b_hh}` (no biases with `bias: false`; plus `W_hr` with
 * `projSize`), or `{ forward, backward }` of those when bidirectional.
 */
export type TorchParams = any[]

/** The module's forward pass with PyTorch's signature and shapes. */
export type TorchApply = (
  params: TorchParams,
  x: Tensor,
  options?: { h0?: Tensor; c0?: Tensor },
) => { output: Tensor; hN: Tensor; cN?: Tensor }

const GATES: Record<TorchKind, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 }

const cellFor = (kind: TorchKind, bias: boolean, projSize: number): Cell => {
  switch (kind) {
    case 'RNN_TANH':
      return elman({ activation: 'tanh', bias })
    case 'RNN_RELU':
      return elman({ activation: 'relu', bias })
    case 'LSTM':
      return lstm({ bias, projSize })
    case 'GRU':
      return gru({ bias })
  }
}

/**
 * The layer stack equivalent to the PyTorch module: `stack` of L `rnn(cell)` layers (each
 * `bidirectional` when asked), the cells built with `bias` and `projSize`, params as `fromTorch`
 * reads them. Time-major (`batchFirst` is `torchApply`'s business).
 *
 * @example
 * const model = torchModel('GRU', { numLayers: 2, bidirectional: true })
 * const p = model.init(T.key(0), { inputSize: 3, hiddenSize: 4 })
 * assert.deepStrictEqual(T.shape(model.apply(p, T.ones([5, 2, 3])).output), [5, 2, 8])
 * // nn.LSTM(3, 4, num_layers=2, proj_size=2, bias=False): layer 1 reads the 2 projected units.
 * const proj = torchModel('LSTM', { numLayers: 2, projSize: 2, bias: false })
 * const q = proj.init(T.key(0), { inputSize: 3, hiddenSize: 4 })
 * assert.deepStrictEqual(Object.keys(toTorch('LSTM', q).right),
 *   ['weight_ih_l0', 'weight_hh_l0', 'weight_hr_l0', 'weight_ih_l1', 'weight_hh_l1', 'weight_hr_l1'])
 * assert.deepStrictEqual(T.shape(q[1].W_ih), [16, 2])
 */
export const torchModel = (kind: TorchKind, options: TorchOptions = {}): Layer => {
  const projSize = options.projSize ?? 0
  if (projSize !== 0 && kind !== 'LSTM')
    throw new T.ArgumentError(`torchModel(${kind}): projSize is only for LSTM, got ${projSize}`)
  const base = rnn(cellFor(kind, options.bias ?? true, projSize))
  const layer = options.bidirectional ? bidirectional(base) : base
  return stack(Array.from({ length: options.numLayers ?? 1 }, () => layer))
}

const suffixes = (bidi: boolean) => (bidi ? ['', '_reverse'] : [''])

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

/** Every option resolved: given, read off the keys, or the default. */
type Resolved = Required<TorchOptions>

/**
 * Checks a state dict against the module and reads its sizes. The hidden size H and the input
 * size I are inferred from the entries that agree with each other (H: the majority of what every
 * `weight_hh`, `weight_ih`, `weight_hr` and bias says for G gates; I: the columns of a
 * `weight_ih_l0` whose rows are G·H; P: the majority of the `weight_hr` rows and the `weight_hh`
 * columns), so one bad entry is blamed, with the shape it should have, rather than taken as the
 * truth. `bias` and `projSize`, when not given, are whether the dict has such entries.
 */
const readStateDict = (
  op: string,
  kind: TorchKind,
  stateDict: unknown,
  options: TorchOptions,
): E.Either<InteropError, { params: TorchParams; options: Resolved }> => {
  if (!Object.hasOwn(GATES, kind))
    return E.left(
      interopError(`${op}: unknown kind ${JSON.stringify(kind)} (expected RNN_TANH, RNN_RELU, LSTM or GRU)`),
    )
  const where = `${op}(${kind})`
  const L = options.numLayers ?? 1
  const bidi = options.bidirectional ?? false
  const batchFirst = options.batchFirst ?? false
  const isLstm = kind === 'LSTM'
  if (!Number.isInteger(L) || L < 1)
    return E.left(interopError(`${where}: numLayers must be a positive integer, got ${String(L)}`))
  for (const [name, v] of [
    ['bidirectional', bidi],
    ['batchFirst', batchFirst],
    ['bias', options.bias ?? true],
  ] as const)
    if (typeof v !== 'boolean')
      return E.left(interopError(`${where}: ${name} must be true or false, got ${describe(v)}`))
  const given = options.projSize
  if (given !== undefined && (!Number.isInteger(given) || given < 0))
    return E.left(interopError(`${where}: projSize must be a non-negative integer, got ${String(given)}`))
  if (!isLstm && given !== undefined && given !== 0)
    return E.left(interopError(`${where}: projSize is only for LSTM (PyTorch's proj_size), got ${given}`))
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
  const tensorAt = (name: string): Tensor | undefined => {
    const t = entry(name)
    return T.isTensor(t) ? t : undefined
  }
  const D = bidi ? 2 : 1
  const G = GATES[kind]
  const gates = `${G} gate${G > 1 ? 's' : ''}`
  /** Which parameter a key is, when it belongs to one of the module's L layers and D directions. */
  const parse = (name: string): string | undefined => {
    const m = /^(weight_ih|weight_hh|weight_hr|bias_ih|bias_hh)_l(0|[1-9]\d*)(_reverse)?$/.exec(name)
    return m !== null && Number(m[2]) < L && (m[3] === undefined || bidi) ? m[1] : undefined
  }
  const keys = Object.keys(stateDict)
  const biasKeys = keys.filter((n) => parse(n)?.startsWith('bias'))
  const hrKeys = isLstm ? keys.filter((n) => parse(n) === 'weight_hr') : []

  // bias and projSize: given, or what the keys say; a given one the keys contradict is blamed on a key.
  const bias = options.bias ?? biasKeys.length > 0
  if (options.bias === false && biasKeys.length > 0)
    return E.left(
      interopError(
        `${where}: unexpected entry ${JSON.stringify(biasKeys[0])} (bias false, but the dict has biases: bias: true?)`,
        biasKeys[0],
      ),
    )
  if (options.bias === true && biasKeys.length === 0)
    return E.left(
      interopError(
        `${where}: missing bias_ih_l0 (bias true, but the dict has no bias entries: bias: false?)`,
        'bias_ih_l0',
      ),
    )
  const proj = given === undefined ? hrKeys.length > 0 : given > 0
  if (given === 0 && hrKeys.length > 0) {
    const t = tensorAt(hrKeys[0])
    return E.left(
      interopError(
        `${where}: unexpected entry ${JSON.stringify(hrKeys[0])} (projSize 0, but the dict has projections${t?.rank === 2 ? `: projSize ${t.shape[0]}?` : ''})`,
        hrKeys[0],
      ),
    )
  }
  if (proj && given !== undefined && hrKeys.length === 0)
    return E.left(
      interopError(
        `${where}: missing weight_hr_l0 (projSize ${given}, but the dict has no weight_hr entries: projSize 0?)`,
        'weight_hr_l0',
      ),
    )
  const isExpected = (name: string): boolean => {
    const k = parse(name)
    return k !== undefined && (k.startsWith('bias') ? bias : k === 'weight_hr' ? proj : true)
  }
  const present = keys.filter(isExpected)
  /** The expected keys in PyTorch's order (generated lazily: checking stops at the first bad one). */
  const perDirection = [
    'weight_ih',
    'weight_hh',
    ...(bias ? ['bias_ih', 'bias_hh'] : []),
    ...(proj ? ['weight_hr'] : []),
  ]
  function* names(): Generator<string> {
    for (let l = 0; l < L; l++)
      for (const s of suffixes(bidi)) for (const k of perDirection) yield `${k}_l${l}${s}`
  }

  // Hidden size: what each entry says it is, for G gates (with a projection, weight_hh is [G·H, P], P < H).
  const hVotes: number[] = []
  for (const name of present) {
    const t = tensorAt(name)
    if (t === undefined) continue
    const k = parse(name)!
    const [rows, cols] = t.shape
    const gateRows = rows >= G && rows % G === 0
    if (k === 'weight_hh') {
      if (t.rank === 2 && cols >= 1 && gateRows && (proj ? cols < rows / G : rows === G * cols))
        hVotes.push(rows / G)
    } else if (k === 'weight_hr') {
      if (t.rank === 2 && rows >= 1 && rows < cols) hVotes.push(cols)
    } else if (t.rank === (k === 'weight_ih' ? 2 : 1) && gateRows) hVotes.push(rows / G)
  }
  const hh0 = tensorAt('weight_hh_l0')
  const guess =
    hh0 === undefined || hh0.rank !== 2
      ? undefined
      : proj
        ? hh0.shape[0] >= G && hh0.shape[0] % G === 0
          ? hh0.shape[0] / G
          : undefined
        : hh0.shape[1] >= 1
          ? hh0.shape[1]
          : undefined
  const H = majority(hVotes, guess) ?? guess
  if (H === undefined) {
    return E.left(
      interopError(
        `${where}: cannot tell the hidden size H: no weight_hh has shape [${G}·H,${proj ? 'P' : 'H'}] and no bias has ${G}·H entries (weight_hh_l0 is ${describe(entry('weight_hh_l0'))})`,
        'weight_hh_l0',
      ),
    )
  }
  if (!proj && !hVotes.includes(H) && hh0 !== undefined) {
    // Only weight_hh_l0's columns suggest H, and no entry has the rows G gates need.
    return E.left(
      interopError(
        `${where}: weight_hh_l0 has shape ${T.showShape(hh0.shape)}, expected [${G * H},${H}] (${gates} × hidden ${H}); no entry has ${G}·H rows: a state dict of another kind?`,
        'weight_hh_l0',
      ),
    )
  }
  // Projection size: given, or the majority of the weight_hr rows and weight_hh columns below H.
  let P = 0
  if (proj) {
    const hr0 = tensorAt('weight_hr_l0')
    const pVotes = present.flatMap((name) => {
      const t = tensorAt(name)
      const k = parse(name)
      if (t === undefined || t.rank !== 2) return []
      if (k === 'weight_hr' && t.shape[1] === H && t.shape[0] >= 1 && t.shape[0] < H) return [t.shape[0]]
      if (k === 'weight_hh' && t.shape[0] === G * H && t.shape[1] >= 1 && t.shape[1] < H) return [t.shape[1]]
      return []
    })
    const p = given ?? majority(pVotes, hr0?.rank === 2 ? hr0.shape[0] : undefined)
    if (p === undefined)
      return E.left(
        interopError(
          `${where}: cannot tell the projection size P: no weight_hr has shape [P,${H}] with P < ${H} (weight_hr_l0 is ${describe(entry('weight_hr_l0'))})`,
          'weight_hr_l0',
        ),
      )
    if (p >= H)
      return E.left(
        interopError(
          `${where}: projSize ${p} must be smaller than the hidden size ${H} (PyTorch's rule; weight_hr_l0 is [P,H])`,
          'weight_hr_l0',
        ),
      )
    if (given !== undefined && hr0?.rank === 2 && hr0.shape[1] === H && hr0.shape[0] !== given)
      return E.left(
        interopError(
          `${where}: weight_hr_l0 has shape ${T.showShape(hr0.shape)}, expected [${given},${H}] (projSize ${given}; the dict's is ${hr0.shape[0]})`,
          'weight_hr_l0',
        ),
      )
    P = p
  }
  const O = proj ? P : H
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
    const k = parse(name)
    if (k === 'weight_hh') return [G * H, O]
    if (k === 'weight_hr') return [P, H]
    if (k?.startsWith('bias')) return [G * H]
    return [G * H, layer > 0 ? D * O : (I ?? 'I')]
  }
  const sizes = `${gates} × hidden ${H}${proj ? `, projection ${P}` : ''}${I === undefined ? ', I the input size' : `, input ${I}`}`
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
  for (const name of keys) {
    if (isExpected(name)) continue
    const m = /_l(\d+)(_reverse)?$/.exec(name)
    const hint =
      m && Number(m[1]) >= L
        ? `; the dict seems to have more layers (numLayers ${Number(m[1]) + 1} or more?)`
        : m?.[2] && !bidi
          ? '; the dict seems bidirectional (bidirectional: true?)'
          : !isLstm && parse(name) === 'weight_hr'
            ? '; weight_hr is the projection of an LSTM'
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
    ...(bias ? { b_ih: get(`bias_ih_l${l}${s}`), b_hh: get(`bias_hh_l${l}${s}`) } : {}),
    ...(proj ? { W_hr: get(`weight_hr_l${l}${s}`) } : {}),
  })
  const params = Array.from({ length: L }, (_, l) =>
    bidi ? { forward: direction(l, ''), backward: direction(l, '_reverse') } : direction(l, ''),
  )
  return E.right({
    params,
    options: { numLayers: L, bidirectional: bidi, bias, projSize: P, batchFirst },
  })
}

/**
 * Loads a PyTorch `nn.RNN`/`nn.LSTM`/`nn.GRU` state dict (`{ weight_ih_l0: Tensor, … }`) into
 * params and an `apply` with PyTorch's signature: `output [T,B,D·H]` (`[B,T,D·H]` with
 * `batchFirst`), `hN [L·D,B,H]`, and `cN` for LSTM (H → P for the output and hN with `projSize`).
 * `bias` and `projSize` are read off the keys unless given. Every entry is checked; a missing,
 * unexpected, mis-shaped or mistyped one, or an option the keys contradict, gives a `Left` whose
 * `path` is the key to blame and whose `reason` says what shape it should have. It never throws,
 * whatever the dict holds.
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
 * // nn.RNN(3, 2, bias=False): no bias keys, so no biases; saying bias: true is blamed on a key.
 * const { bias_ih_l0, bias_hh_l0, ...noBias } = sd
 * assert.deepStrictEqual(Object.keys(fromTorch('RNN_RELU', noBias).right.params[0]), ['W_ih', 'W_hh'])
 * assert.strictEqual(fromTorch('RNN_RELU', noBias, { bias: true }).left.path, 'bias_ih_l0')
 */
export const fromTorch = (
  kind: TorchKind,
  stateDict: Readonly<Record<string, unknown>>,
  options: TorchOptions = {},
): E.Either<InteropError, { params: TorchParams; apply: TorchApply }> =>
  E.map(({ params, options: resolved }: { params: TorchParams; options: Resolved }) => ({
    params,
    apply: torchApply(kind, resolved),
  }))(readStateDict('fromTorch', kind, stateDict, options))

/**
 * The forward pass of a PyTorch recurrent module over our params, in PyTorch's shapes: x
 * `[T, B, I]` (`[B, T, I]` with `batchFirst`), h0 `[L·D, B, P]` and c0 `[L·D, B, H]` (zeros by
 * default) → output `[T, B, D·P]` (`[B, T, D·P]` with `batchFirst`), hN `[L·D, B, P]` and, for
 * LSTM, cN `[L·D, B, H]`; P = H unless the LSTM projects (`projSize`). `batchFirst` transposes x
 * in and the output out; the layers in between are time-major.
 *
 * @example
 * const model = torchModel('LSTM')
 * const params = model.init(T.key(0), { inputSize: 3, hiddenSize: 2 })
 * const { output, hN, cN } = torchApply('LSTM')(params, T.ones([4, 1, 3]))
 * assert.deepStrictEqual([T.shape(output), T.shape(hN), T.shape(cN)], [[4, 1, 2], [1, 1, 2], [1, 1, 2]])
 * // batch_first=True, proj_size=1: x [B, T, I] = [1, 4, 3]; output [1, 4, 1], cN keeps H = 2.
 * const opts = { batchFirst: true, projSize: 1 }
 * const q = torchModel('LSTM', opts).init(T.key(0), { inputSize: 3, hiddenSize: 2 })
 * const y = torchApply('LSTM', opts)(q, T.ones([1, 4, 3]))
 * assert.deepStrictEqual([T.shape(y.output), T.shape(y.hN), T.shape(y.cN)], [[1, 4, 1], [1, 1, 1], [1, 1, 2]])
 */
export const torchApply = (kind: TorchKind, options: TorchOptions = {}): TorchApply => {
  const L = options.numLayers ?? 1
  const bidi = options.bidirectional ?? false
  const batchFirst = options.batchFirst ?? false
  const D = bidi ? 2 : 1
  const model = torchModel(kind, options)
  const isLstm = kind === 'LSTM'
  return (params, x, o = {}) => {
    const first = bidi ? params[0].forward : params[0]
    // h's size P (H, or the projection's), c's size H.
    const P = first.W_hh.shape[1]
    const H = first.W_hh.shape[0] / GATES[kind]
    const I = first.W_ih.shape[1]
    const layout = batchFirst ? `[B,T,${I}]` : `[T,B,${I}]`
    if (!T.isTensor(x) || x.rank !== 3 || x.shape[2] !== I)
      throw new T.ShapeError(
        `${kind}: x has shape ${T.isTensor(x) ? T.showShape(x.shape) : describe(x)}, expected ${layout}`,
      )
    const B = x.shape[batchFirst ? 0 : 1]
    if (x.dtype !== first.W_hh.dtype)
      throw new T.DTypeError(`${kind}: x is ${x.dtype}, the weights are ${first.W_hh.dtype}`)
    if (isLstm && (o.h0 === undefined) !== (o.c0 === undefined))
      throw new T.ArgumentError(`${kind}: give both h0 and c0, or neither`)
    if (!isLstm && o.c0 !== undefined) throw new T.ArgumentError(`${kind}: c0 is only for LSTM`)
    for (const [what, t, size] of [
      ['h0', o.h0, P],
      ['c0', o.c0, H],
    ] as const) {
      const expected = [L * D, B, size]
      if (t !== undefined && T.showShape(t.shape) !== T.showShape(expected)) {
        throw new T.ShapeError(
          `${kind}: ${what} has shape ${T.showShape(t.shape)}, expected ${T.showShape(expected)}`,
        )
      }
    }
    const hs = o.h0 ? T.unstack(o.h0) : undefined
    const cs = o.c0 ? T.unstack(o.c0) : undefined
    const stateOf = (i: number) => {
      const h = hs?.[i] ?? T.zeros([B, P], x.dtype)
      return isLstm ? { h, c: cs?.[i] ?? T.zeros([B, H], x.dtype) } : h
    }
    const state0 = Array.from({ length: L }, (_, l) =>
      bidi ? { forward: stateOf(2 * l), backward: stateOf(2 * l + 1) } : stateOf(l),
    )
    const timeMajor = (t: Tensor) => (batchFirst ? T.transpose(t, [1, 0, 2]) : t)
    const { output, state } = model.apply(params, timeMajor(x), { state0 })
    const finals = state.flatMap((s: any) => (bidi ? [s.forward, s.backward] : [s]))
    const hN = T.stack(finals.map((s: any) => (isLstm ? s.h : s)))
    return isLstm
      ? { output: timeMajor(output), hN, cN: T.stack(finals.map((s: any) => s.c)) }
      : { output: timeMajor(output), hN }
  }
}

/**
 * Writes params as a PyTorch state dict with its flat names, ready for `module.load_state_dict`
 * or `T.safetensors.encode`. `bias` and `projSize` are read off the params unless given (biases
 * present, a `W_hr` present); an option the params contradict is a `Left` naming the key. The
 * dict is checked as `fromTorch` checks one, so a `Right` always loads back; a `Left` names the
 * key to blame.
 *
 * @example
 * const sd = { weight_ih_l0: T.ones([3, 1]), weight_hh_l0: T.ones([3, 1]), bias_ih_l0: T.zeros([3]), bias_hh_l0: T.zeros([3]) }
 * const { params } = fromTorch('GRU', sd).right
 * assert.deepStrictEqual(Object.keys(toTorch('GRU', params).right), Object.keys(sd))
 * // A bias-free GRU comes back bias-free (no zero biases).
 * const free = torchModel('GRU', { bias: false }).init(T.key(0), { inputSize: 1, hiddenSize: 1 })
 * assert.deepStrictEqual(Object.keys(toTorch('GRU', free).right), ['weight_ih_l0', 'weight_hh_l0'])
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
  const first: any = isBidi(params[0]) ? params[0].forward : params[0]
  const bias = options.bias ?? (first?.b_ih !== undefined || first?.b_hh !== undefined)
  const proj = options.projSize === undefined ? first?.W_hr !== undefined : options.projSize > 0
  const out: Record<string, Tensor> = {}
  const fields = [
    ['W_ih', 'weight_ih', true],
    ['W_hh', 'weight_hh', true],
    ['b_ih', 'bias_ih', bias],
    ['b_hh', 'bias_hh', bias],
    ['W_hr', 'weight_hr', proj],
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
      for (const [field, key, wanted] of fields) {
        const name = `${key}_l${l}${s}`
        const value = p?.[field]
        if (!wanted) {
          if (value !== undefined)
            return E.left(
              interopError(
                `${where}: layer ${l}${s} has ${field}, but ${field === 'W_hr' ? 'projSize is 0' : 'bias is false'} (no ${name})`,
                name,
              ),
            )
          continue
        }
        if (!T.isTensor(value))
          return E.left(interopError(`${where}: layer ${l}${s} has no tensor ${field} (for ${name})`, name))
        out[name] = value
      }
    }
  }
  return E.map(() => out)(
    readStateDict('toTorch', kind, out, {
      numLayers: params.length,
      bidirectional: bidi,
      bias,
      projSize: options.projSize,
      batchFirst: options.batchFirst,
    }),
  )
}
