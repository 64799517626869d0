/**
 * The argument checks every layer and cell runs before any arithmetic, shared by all of them:
 * parameter dtypes, the input's rank, dtype and feature size, and a given state against the
 * state the layer would start from itself. A mistake is reported in the caller's terms (the
 * layer, the argument, the shapes), never as an error from deep inside an op.
 */

import type { DType, Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import * as I from '@recurrent/tensor/internal'

const describe = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'an array' : T.isTensor(v) ? 'a tensor' : typeof v

const isRecord = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !T.isTensor(v)

const join = (path: string, k: string | number): string => `${path}.${k}`

/** Checks a size: a positive integer, named by the option it was given as. */
const positiveSize = (where: string, name: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new T.ArgumentError(`${where}: ${name} must be a positive integer, got ${String(v)}`)
  return v
}

/**
 * Reads one size that a layer's init options may give under two names: the layer's own (e.g.
 * `hiddenSize`, `vocabularySize`) or the common one (`inputSize`, `outputSize`). Throws an
 * ArgumentError naming both when both are given and differ, and when neither is given or the
 * size is not a positive integer.
 *
 * @example
 * assert.strictEqual(sizeOption('rnn(gru).init', { outputSize: 4 }, 'hiddenSize', 'outputSize'), 4)
 * assert.throws(() => sizeOption('rnn(gru).init', { hiddenSize: 3, outputSize: 4 }, 'hiddenSize', 'outputSize'),
 *   { message: 'rnn(gru).init: hiddenSize 3 and outputSize 4 differ (they name the same size; give one)' })
 */
export const sizeOption = (where: string, options: unknown, own: string, common: string): number => {
  const names = own === common ? common : `${common} (or ${own})`
  if (!isRecord(options))
    throw new T.ArgumentError(`${where}: options must be an object with ${names}, got ${describe(options)}`)
  const a = options[own]
  const b = options[common]
  if (a !== undefined && b !== undefined && a !== b)
    throw new T.ArgumentError(
      `${where}: ${own} ${String(a)} and ${common} ${String(b)} differ (they name the same size; give one)`,
    )
  if (a === undefined && b === undefined)
    throw new T.ArgumentError(`${where}: needs ${names}, got ${own === common ? 'none' : 'neither'}`)
  return a !== undefined ? positiveSize(where, own, a) : positiveSize(where, common, b)
}

/**
 * The one float dtype of a layer's parameters. Throws a DTypeError naming the layer and the
 * parameter when one is not a float tensor or two disagree.
 *
 * @example
 * assert.strictEqual(paramsDType('dense', { W: T.zeros([2, 2], 'f64') }), 'f64')
 * assert.throws(() => paramsDType('dense', { W: T.zeros([2, 2]), b: T.zeros([2], 'f64') }), /dense: parameter b is f64/)
 */
export const paramsDType = (where: string, params: Tree): DType => {
  const leaves = T.treeLeaves(params)
  if (leaves.length === 0)
    throw new T.ArgumentError(`${where}: the parameters hold no tensor (got ${describe(params)})`)
  const paths = T.treePaths(params)
  const dtype = leaves[0].dtype
  leaves.forEach((t, i) => {
    if (!T.isFloat(t.dtype))
      throw new T.DTypeError(`${where}: parameter ${paths[i]} is ${t.dtype}, expected a float dtype`)
    if (t.dtype !== dtype)
      throw new T.DTypeError(
        `${where}: parameter ${paths[i]} is ${t.dtype} but ${paths[0]} is ${dtype} (cast with T.cast)`,
      )
  })
  return dtype
}

/** What an input must be: its rank (the shape written out for messages), feature size and dtype. */
export interface InputSpec {
  /**
   * The expected shape as messages print it, e.g. `[T,B,3]`; its length is the rank. A leading
   * `'...'` stands for any number of leading axes (`[...,3]`: rank 1 or more).
   */
  readonly shape: readonly (string | number)[]
  /** The size of the last axis. */
  readonly features: number
  /** The parameters' dtype, which the input must share. */
  readonly dtype: DType
}

/**
 * Checks an input tensor's rank, dtype and last-axis size; throws naming the layer and argument.
 *
 * @example
 * const spec = { shape: ['T', 'B', 3], features: 3, dtype: 'f32' }
 * assert.throws(() => checkInput('rnn(gru)', 'input', T.zeros([2, 4, 5]), spec), /rnn\(gru\): input has shape \[2,4,5\], expected \[T,B,3\]/)
 * assert.throws(() => checkInput('rnn(gru)', 'input', T.zeros([2, 4, 3], 'f64'), spec), /input is f64 but the parameters are f32/)
 */
export const checkInput = (where: string, argument: string, x: unknown, spec: InputSpec): Tensor => {
  const expected = `[${spec.shape.join(',')}]`
  if (!T.isTensor(x))
    throw new T.ArgumentError(`${where}: ${argument} must be a tensor ${expected}, got ${describe(x)}`)
  const anyLeading = spec.shape[0] === '...'
  const rankFits = anyLeading ? x.rank >= spec.shape.length - 1 && x.rank >= 1 : x.rank === spec.shape.length
  if (!rankFits || x.shape[x.rank - 1] !== spec.features) {
    throw new T.ShapeError(`${where}: ${argument} has shape ${T.showShape(x.shape)}, expected ${expected}`)
  }
  if (x.dtype !== spec.dtype) {
    throw new T.DTypeError(
      `${where}: ${argument} is ${x.dtype} but the parameters are ${spec.dtype} (cast with T.cast)`,
    )
  }
  return x
}

/**
 * Checks a state given by the caller against `template`, the state the layer would start from
 * (same structure, and per leaf the same shape and dtype). `context` ends each message, e.g.
 * `(batch 2 from input [5,2,8])`.
 *
 * @example
 * const template = { h: T.zeros([2, 4]), c: T.zeros([2, 4]) }
 * const given = { h: T.zeros([3, 4]), c: T.zeros([2, 4]) }
 * assert.throws(() => checkState('rnn(lstm)', 'state0', given, template, '(batch 2 from input [5,2,8])'),
 *   { message: 'rnn(lstm): state0.h has shape [3,4], expected [2,4] (batch 2 from input [5,2,8])' })
 */
export const checkState = (
  where: string,
  argument: string,
  given: unknown,
  template: Tree,
  context: string,
): void => {
  const visit = (g: unknown, t: unknown, path: string): void => {
    if (T.isTensor(t)) {
      if (!T.isTensor(g))
        throw new T.ArgumentError(
          `${where}: ${path} must be a ${t.dtype} tensor ${T.showShape(t.shape)}, got ${describe(g)}`,
        )
      if (T.showShape(g.shape) !== T.showShape(t.shape))
        throw new T.ShapeError(
          `${where}: ${path} has shape ${T.showShape(g.shape)}, expected ${T.showShape(t.shape)} ${context}`,
        )
      if (g.dtype !== t.dtype)
        throw new T.DTypeError(`${where}: ${path} is ${g.dtype}, expected ${t.dtype} (cast with T.cast)`)
    } else if (Array.isArray(t)) {
      if (!Array.isArray(g) || g.length !== t.length)
        throw new T.ArgumentError(
          `${where}: ${path} must be an array of ${t.length} states, got ${Array.isArray(g) ? `${g.length}` : describe(g)}`,
        )
      t.forEach((ti, i) => visit(g[i], ti, join(path, i)))
    } else if (isRecord(t)) {
      const keys = Object.keys(t).filter((k) => T.treeLeaves(t[k] as Tree).length > 0)
      if (!isRecord(g))
        throw new T.ArgumentError(`${where}: ${path} must be { ${keys.join(', ')} }, got ${describe(g)}`)
      for (const k of keys) {
        if (!(k in g))
          throw new T.ArgumentError(`${where}: ${path} has no ${k} (expected { ${keys.join(', ')} })`)
        visit(g[k], t[k], join(path, k))
      }
    }
  }
  visit(given, template, argument)
}

/** The message context of a state check: where the batch size comes from. */
const batchContext = (batch: number, argument: string, input: Tensor): string =>
  `(batch ${batch} from ${argument} ${T.showShape(input.shape)})`

/** What `checkLayerArgs` needs of a layer: its name, sizes and starting state. */
export interface Checkable<P, S> {
  readonly name: string
  inputSize(params: P): number
  initialState(params: P, batch: number): S
}

/**
 * The checks at the top of every sequence layer's `apply` (`rnn`, `stack`, `bidirectional`):
 * parameter dtypes, the input `[T, B, F]`, the lengths and `state0`. Returns the lengths as
 * numbers (undefined when not given).
 *
 * @example
 * const layer = rnn(lstm())
 * const p = layer.init(T.key(0), { inputSize: 8, hiddenSize: 4 })
 * const state0 = { h: T.zeros([3, 4]), c: T.zeros([2, 4]) }
 * assert.throws(() => checkLayerArgs(layer, p, T.zeros([5, 2, 8]), { state0 }),
 *   { message: 'rnn(lstm): state0.h has shape [3,4], expected [2,4] (batch 2 from input [5,2,8])' })
 */
export const checkLayerArgs = <P extends Tree, S extends Tree>(
  layer: Checkable<P, S>,
  params: P,
  xs: unknown,
  options: { readonly state0?: unknown; readonly lengths?: unknown },
): number[] | undefined => {
  const where = layer.name
  const dtype = paramsDType(where, params)
  const features = layer.inputSize(params)
  const x = checkInput(where, 'input', xs, { shape: ['T', 'B', features], features, dtype })
  const [steps, batch] = x.shape
  const ls =
    options.lengths === undefined
      ? undefined
      : T.readLengths(where, 'lengths', options.lengths as T.Lengths, { batch, max: steps })
  if (options.state0 !== undefined)
    checkState(
      where,
      'state0',
      options.state0,
      layer.initialState(params, batch),
      batchContext(batch, 'input', x),
    )
  return ls
}

/** A cell's starting state per params object and batch size, kept while the params live. */
const templates = new WeakMap<object, Map<number, Tree>>()
const templateFor = <P extends Tree, S extends Tree>(cell: Checkable<P, S>, p: P, batch: number): Tree => {
  if (p === null || typeof p !== 'object') return cell.initialState(p, batch)
  let byBatch = templates.get(p)
  if (byBatch === undefined) templates.set(p, (byBatch = new Map()))
  let t = byBatch.get(batch)
  if (t === undefined) byBatch.set(batch, (t = cell.initialState(p, batch)))
  return t
}

/**
 * The checks at the top of every cell's `step`: parameter dtypes, the input `x: [B, I]` and the
 * state against the cell's own starting state for batch B. `where` is e.g. `lstm.step`.
 *
 * @example
 * const cell = gru()
 * const p = cell.init(T.key(0), { inputSize: 3, hiddenSize: 2 })
 * assert.throws(() => checkStep('gru.step', cell, p, T.zeros([4, 2]), T.zeros([4, 5])), /gru.step: x has shape \[4,5\], expected \[B,3\]/)
 */
export const checkStep = <P extends Tree, S extends Tree>(
  where: string,
  cell: Checkable<P, S>,
  params: P,
  state: unknown,
  x: unknown,
): void => {
  const dtype = paramsDType(where, params)
  const features = cell.inputSize(params)
  const input = checkInput(where, 'x', x, { shape: ['B', features], features, dtype })
  const batch = input.shape[0]
  checkState(where, 'state', state, templateFor(cell, params, batch), batchContext(batch, 'x', input))
}

/**
 * Checks indices into a table of `n` rows: an i32 tensor with every entry in [0, n).
 *
 * @example
 * assert.throws(() => checkIndices('embedding', 'indices', T.tensor([1, 12], { dtype: 'i32' }), 10), /embedding: indices\[1\] = 12 is not in \[0, 10\)/)
 */
export const checkIndices = (where: string, argument: string, indices: unknown, n: number): Tensor => {
  if (!T.isTensor(indices))
    throw new T.ArgumentError(`${where}: ${argument} must be an i32 tensor, got ${describe(indices)}`)
  if (indices.dtype !== 'i32')
    throw new T.DTypeError(`${where}: ${argument} is ${indices.dtype}, expected i32 (cast with T.cast)`)
  const d = I.dataOf(indices)
  for (let i = 0; i < d.length; i++)
    if (d[i] < 0 || d[i] >= n)
      throw new T.ArgumentError(
        `${where}: ${argument}[${i}] = ${d[i]} is not in [0, ${n}) (the vocabulary size)`,
      )
  return indices
}
