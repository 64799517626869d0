/**
 * The non-recurrent layers every model needs: `dense` (the output layer y = softmax(W·h) of
 * Lecture §1.2), `embedding` (a learned 1-of-N lookup, §1.1) and keyed `dropout`.
 */

import type { DType, Key, Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { type Activation, activate, affine } from './cell.ts'
import { checkIndices, checkInput, paramsDType } from './check.ts'
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
 * A fully connected layer `y = σ(x·Wᵀ + b)` over the last axis (any leading axes, e.g. `[T, B, F]`).
 * W `[out, in]`, Glorot-uniform; b zeros.
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
    init: (key: Key, o: { inputSize: number; outputSize: number; dtype?: DType }): DenseParams => ({
      W: glorotUniform(key, [o.outputSize, o.inputSize], o.dtype ?? 'f32'),
      ...(bias ? { b: T.zeros([o.outputSize], o.dtype ?? 'f32') } : {}),
    }),
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
 * A learned word vector per index: `embedding(i) = E[i]`. The product of a 1-of-N vector with E
 * (Lecture §1.1), computed as a lookup. Indices i32 of any shape → `[..., dim]`.
 *
 * @example
 * const layer = embedding()
 * const p = layer.init(T.key(0), { vocabularySize: 10, dim: 4 })
 * assert.deepStrictEqual(T.shape(layer.apply(p, T.tensor([[1, 2, 3]], { dtype: 'i32' }))), [1, 3, 4])
 */
export const embedding = () => ({
  name: 'embedding',
  init: (key: Key, o: { vocabularySize: number; dim: number; dtype?: DType }): EmbeddingParams => ({
    E: T.randn(key, [o.vocabularySize, o.dim], o.dtype ?? 'f32'),
  }),
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
