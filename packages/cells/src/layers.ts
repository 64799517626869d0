/**
 * The non-recurrent layers every model needs: `dense` (the output layer y = softmax(W·h) of
 * Lecture §1.2), `embedding` (a learned 1-of-N lookup, §1.1) and keyed `dropout`.
 */

import type { DType, Key, Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { type Activation, activate, affine } from './cell.ts'
import { checkIndices, checkInput, paramsDType, sizeOption } from './check.ts'
import { glorotUniform } from './init.ts'

export interface DenseParams {
  readonly W: Tensor
  readonly b?: Tensor
}

export interface DenseOptions {
  readonly activation?: Activation
  readonly bias?: boolean
}

/**
 * A fully connected layer `y = σ(x·Wᵀ + b)` over the last axis (any leading axes, e.g. `[T, B, F]`;
 * Lecture §1.2's output layer). W `[out, in]`, Glorot-uniform; b zeros. `init` takes the common
 * form `{ inputSize, outputSize }` (x `[..., inputSize]` → y `[..., outputSize]`), each a
 * positive integer (else an ArgumentError naming it).
 *
 * @example
 * const layer = dense({ activation: 'identity' })
 * const p = layer.init(T.key(0), { inputSize: 3, outputSize: 2 })
 * assert.deepStrictEqual(T.shape(layer.apply(p, T.zeros([5, 4, 3]))), [5, 4, 2])
 */
export const dense = (options: DenseOptions = {}) => {
  const act = options.activation ?? 'identity'
  const bias = options.bias ?? true
  return {
    name: 'dense',
    init: (key: Key, o: { inputSize: number; outputSize: number; dtype?: DType }): DenseParams => {
      const inputSize = sizeOption('dense.init', o, 'inputSize', 'inputSize')
      const outputSize = sizeOption('dense.init', o, 'outputSize', 'outputSize')
      return {
        W: glorotUniform(key, [outputSize, inputSize], o.dtype ?? 'f32'),
        ...(bias ? { b: T.zeros([outputSize], o.dtype ?? 'f32') } : {}),
      }
    },
    apply: (p: DenseParams, x: Tensor): Tensor => {
      const dtype = paramsDType('dense', p)
      const features = p.W.shape[1]
      checkInput('dense', 'input', x, { shape: ['...', features], features, dtype })
      return p.b
        ? T.fusedMatmul(x, p.W, { transposeB: true, addend: p.b, activation: act })
        : activate(act, affine(x, p.W))
    },
  }
}

export interface EmbeddingParams {
  readonly E: Tensor
}

/**
 * `embedding`'s init options: the vocabulary size N as `vocabularySize` or `inputSize`, the
 * vector size D as `dim` or `outputSize`.
 */
export type EmbeddingInitOptions = { readonly dtype?: DType } & (
  | { readonly vocabularySize: number; readonly inputSize?: number }
  | { readonly vocabularySize?: number; readonly inputSize: number }
) &
  (
    | { readonly dim: number; readonly outputSize?: number }
    | { readonly dim?: number; readonly outputSize: number }
  )

/**
 * A learned word vector per index: `embedding(i) = E[i]`. The product of a 1-of-N vector with E
 * (Lecture §1.1), computed as a lookup. E `[N, D]`, standard normal; indices i32 of any shape
 * in [0, N) → `[..., D]`. `init` takes `{ vocabularySize: N, dim: D }` or the common form
 * `{ inputSize: N, outputSize: D }`; a size given under both names with different values is an
 * ArgumentError naming both.
 *
 * @example
 * const layer = embedding()
 * const p = layer.init(T.key(0), { vocabularySize: 10, dim: 4 })
 * assert.deepStrictEqual(T.shape(layer.apply(p, T.tensor([[1, 2, 3]], { dtype: 'i32' }))), [1, 3, 4])
 * assert.deepStrictEqual(T.shape(layer.init(T.key(0), { inputSize: 10, outputSize: 4 }).E), [10, 4])
 */
export const embedding = () => ({
  name: 'embedding',
  init: (key: Key, o: EmbeddingInitOptions): EmbeddingParams => {
    const N = sizeOption('embedding.init', o, 'vocabularySize', 'inputSize')
    const D = sizeOption('embedding.init', o, 'dim', 'outputSize')
    return { E: T.randn(key, [N, D], o.dtype ?? 'f32') }
  },
  apply: (p: EmbeddingParams, indices: Tensor): Tensor => {
    paramsDType('embedding', p)
    return T.gather(p.E, checkIndices('embedding', 'indices', indices, p.E.shape[0]), 0)
  },
})

/**
 * Inverted dropout (Srivastava et al. 2014) with an explicit key: keeps each element with
 * probability 1 − p and scales the kept ones by 1/(1 − p), so the expectation is unchanged.
 * With `p = 0`, or outside training, it is the identity.
 *
 * @example
 * const x = T.ones([1000], 'f64')
 * const y = dropout(T.key(0), 0.5)(x)
 * assert.ok(Math.abs(T.item(T.mean(y)) - 1) < 0.1)
 */
export const dropout =
  (key: Key, p: number) =>
  (x: Tensor): Tensor => {
    if (!(p >= 0 && p < 1)) throw new T.ArgumentError(`dropout: p must lie in [0, 1), got ${p}`)
    if (p === 0) return x
    const keep = T.bernoulli(key, 1 - p, x.shape)
    return T.where(keep, T.div(x, 1 - p), 0)
  }
