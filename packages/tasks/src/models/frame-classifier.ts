/**
 * A frame classifier for speech recognition (Lecture §5.2): a bidirectional LSTM reads the
 * acoustic frames, so every frame's output sees the whole utterance, and a linear layer gives a
 * score for every class (the blank φ and the characters) at every frame:
 *
 *   h_t = [→h_t ; ←h_t] = bidirectional(rnn(lstm()))(x_1 … x_T)_t,   z_t = h_t·W_oᵀ + b_o
 *
 * `logSoftmax(z)` are the per-frame log-posteriors that `ctcLoss` and the decoders take; the same
 * model trained with frame-wise cross-entropy on a true alignment is the naive labeller.
 */
import { bidirectional, type DenseParams, dense, lstm, rnn } from '@recurrent/cells'
import type { Key, Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'

/** A frame classifier's parameters: the bidirectional LSTM's and the output layer's. */
export interface FrameClassifierParams {
  readonly layer: Tree
  readonly head: DenseParams
}

/** Sizes of a frame classifier: F features per frame, H hidden units per direction, C classes. */
export interface FrameClassifierOptions {
  readonly inputSize: number
  readonly hidden: number
  readonly classes: number
}

/** A frame classifier: parameters, and the scores of every frame of a batch. */
export interface FrameClassifier {
  readonly name: string
  init(key: Key): FrameClassifierParams
  /** Scores `[T, B, C]` of frames f32 `[T, B, F]` with per-utterance lengths (padded frames: ignore). */
  logits(params: FrameClassifierParams, frames: Tensor, lengths: readonly number[]): Tensor
}

/**
 * A bidirectional-LSTM frame classifier (Lecture §2.6, §5.2): `z_t = [→h_t ; ←h_t]·W_oᵀ + b_o`.
 * The LSTM's forget gates start open (bias 1); parameters are f32 (the LSTM's fused recurrence).
 *
 * Shapes: frames `[T, B, F]` → logits `[T, B, C]`; W_o `[C, 2H]`, b_o `[C]`.
 *
 * @example
 * const m = frameClassifier({ inputSize: 3, hidden: 4, classes: 5 })
 * const p = m.init(T.key(0))
 * const z = m.logits(p, T.randn(T.key(1), [6, 2, 3]), [6, 4])
 * assert.deepStrictEqual(T.shape(z), [6, 2, 5])
 */
export const frameClassifier = (options: FrameClassifierOptions): FrameClassifier => {
  for (const k of ['inputSize', 'hidden', 'classes'] as const) {
    const v = options?.[k]
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw new T.ArgumentError(`frameClassifier: ${k} must be a positive integer, got ${String(v)}`)
  }
  const layer = bidirectional(rnn(lstm({ forgetBias: 1 })))
  const out = dense()
  return {
    name: layer.name,
    init: (key) => {
      const [kl, kh] = T.split(key, 2)
      const lp = layer.init(kl, { inputSize: options.inputSize, hiddenSize: options.hidden })
      return {
        layer: lp,
        head: out.init(kh, { inputSize: layer.outputSize(lp), outputSize: options.classes }),
      }
    },
    logits: (p, frames, lengths) =>
      out.apply(p.head, layer.apply(p.layer as never, frames, { lengths }).output),
  }
}
