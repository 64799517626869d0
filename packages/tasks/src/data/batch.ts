/**
 * Padding and batching variable-length sequences, as every sequence experiment needs: sequences
 * of ids become time-major `[T, B]` i32 tensors (T the longest sequence) with their `lengths`,
 * and the targets of padded steps hold `IGNORE_INDEX`, so `crossEntropy(…, { ignoreIndex })`
 * skips them (Lecture §4.1: the loss sums over real steps only).
 */
import type { Key, Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { permutation } from './draw.ts'

/** The target of a padded step: `crossEntropy`'s default `ignoreIndex` (PyTorch's −100). */
export const IGNORE_INDEX = -100

/** A batch of sequences, time-major: inputs and targets i32 `[T, B]`, and each sequence's length. */
export interface SequenceBatch {
  readonly inputs: Tensor
  readonly targets: Tensor
  readonly lengths: readonly number[]
}

const checkSequences = (fn: string, arg: string, seqs: readonly (readonly number[])[]): void => {
  if (!Array.isArray(seqs))
    throw new T.ArgumentError(`${fn}: ${arg} must be an array of sequences, got ${typeof seqs}`)
  seqs.forEach((s, b) => {
    if (!Array.isArray(s)) throw new T.ArgumentError(`${fn}: ${arg}[${b}] must be an array of integers`)
    s.forEach((v, t) => {
      if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31)
        throw new T.ArgumentError(`${fn}: ${arg}[${b}][${t}] must be a 32-bit integer, got ${v}`)
    })
  })
}

/**
 * Sequences of integers as one time-major i32 tensor `[T, B]`, T the longest length (or `steps`
 * when given, at least that), with `value` after each sequence's end:
 *
 *   out[t, b] = seqs[b][t] for t < len_b,   value otherwise
 *
 * @example
 * const x = padSequences([[1, 2, 3], [4]], 0)
 * assert.deepStrictEqual(T.toArray(x), [[1, 4], [2, 0], [3, 0]])
 */
export const padSequences = (seqs: readonly (readonly number[])[], value: number, steps?: number): Tensor => {
  checkSequences('padSequences', 'seqs', seqs)
  if (!Number.isInteger(value))
    throw new T.ArgumentError(`padSequences: value must be an integer, got ${value}`)
  const longest = Math.max(0, ...seqs.map((s) => s.length))
  const T_ = steps ?? longest
  if (!Number.isInteger(T_) || T_ < longest)
    throw new T.ArgumentError(
      `padSequences: steps must be an integer ≥ the longest sequence (${longest}), got ${steps}`,
    )
  const B = seqs.length
  const out = new Int32Array(T_ * B).fill(value)
  seqs.forEach((s, b) =>
    s.forEach((v, t) => {
      out[t * B + b] = v
    }),
  )
  return T.tensor(out, { shape: [T_, B], dtype: 'i32' })
}

/**
 * A batch of (input, target) sequence pairs of equal lengths: inputs padded with `padInput`
 * (default 0, any valid id: the layers' `lengths` mask those steps), targets with `ignoreIndex`
 * (default `IGNORE_INDEX`). Inputs and targets i32 `[T, B]`, lengths B numbers.
 *
 * @example
 * const b = batchSequences([[5, 6], [7]], [[1, 0], [2]])
 * assert.deepStrictEqual(T.toArray(b.targets), [[1, 2], [0, -100]])
 * assert.deepStrictEqual(b.lengths, [2, 1])
 */
export const batchSequences = (
  inputs: readonly (readonly number[])[],
  targets: readonly (readonly number[])[],
  options: { readonly padInput?: number; readonly ignoreIndex?: number } = {},
): SequenceBatch => {
  checkSequences('batchSequences', 'inputs', inputs)
  checkSequences('batchSequences', 'targets', targets)
  if (inputs.length !== targets.length)
    throw new T.ArgumentError(
      `batchSequences: inputs has ${inputs.length} sequences but targets has ${targets.length}`,
    )
  inputs.forEach((s, b) => {
    if (s.length !== targets[b].length)
      throw new T.ArgumentError(
        `batchSequences: inputs[${b}] has ${s.length} steps but targets[${b}] has ${targets[b].length}`,
      )
  })
  return {
    inputs: padSequences(inputs, options.padInput ?? 0),
    targets: padSequences(targets, options.ignoreIndex ?? IGNORE_INDEX),
    lengths: inputs.map((s) => s.length),
  }
}

/**
 * The example indices of `steps` minibatches of `size` from `n` examples: each epoch is a fresh
 * permutation cut into ⌊n/size⌋ batches (the remainder is dropped), so no batch repeats an
 * example and, within an epoch, no example appears twice.
 *
 * @example
 * const bs = minibatches(T.key(0), 5, 2, 3)
 * assert.strictEqual(bs.length, 3)
 * assert.ok(bs.every((b) => b.length === 2 && new Set(b).size === 2))
 * assert.strictEqual(new Set([...bs[0], ...bs[1]]).size, 4) // one epoch: 2 batches of 2, no repeats
 */
export const minibatches = (key: Key, n: number, size: number, steps: number): number[][] => {
  if (!Number.isInteger(size) || size < 1)
    throw new T.ArgumentError(`minibatches: size must be a positive integer, got ${size}`)
  if (!Number.isInteger(n) || n < size)
    throw new T.ArgumentError(`minibatches: n must be an integer ≥ size (${size}), got ${n}`)
  if (!Number.isInteger(steps) || steps < 0)
    throw new T.ArgumentError(`minibatches: steps must be a non-negative integer, got ${steps}`)
  const batch = minibatchStream(key, n, size)
  return Array.from({ length: steps }, (_, i) => batch(i))
}

/**
 * Minibatch i of `minibatches(key, n, size, ·)` as a function of i alone, so training can start
 * at any step (a resumed run draws the batches an uninterrupted one would): epoch ⌊i / ⌊n/size⌋⌋
 * is the permutation of `foldIn(key, epoch)`, and batch i its (i mod ⌊n/size⌋)-th slice. The last
 * epoch's permutation is kept, so consecutive calls draw each permutation once.
 *
 * @example
 * const batch = minibatchStream(T.key(0), 5, 2)
 * assert.deepStrictEqual([batch(0), batch(1), batch(2)], minibatches(T.key(0), 5, 2, 3))
 * assert.deepStrictEqual(minibatchStream(T.key(0), 5, 2)(2), batch(2)) // no state between calls matters
 */
export const minibatchStream = (key: Key, n: number, size: number): ((i: number) => number[]) => {
  if (!Number.isInteger(size) || size < 1)
    throw new T.ArgumentError(`minibatchStream: size must be a positive integer, got ${size}`)
  if (!Number.isInteger(n) || n < size)
    throw new T.ArgumentError(`minibatchStream: n must be an integer ≥ size (${size}), got ${n}`)
  const perEpoch = Math.floor(n / size)
  let cached: { epoch: number; order: number[] } | undefined
  return (i) => {
    if (!Number.isSafeInteger(i) || i < 0)
      throw new T.ArgumentError(`minibatchStream: the step must be a non-negative integer, got ${i}`)
    const epoch = Math.floor(i / perEpoch)
    if (cached?.epoch !== epoch) cached = { epoch, order: permutation(T.foldIn(key, epoch), n) }
    const at = (i % perEpoch) * size
    return cached.order.slice(at, at + size)
  }
}
