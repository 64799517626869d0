/**
 * A sequence-to-sequence auto-encoder for vector sequences (Lecture §5.6: audio segments of any
 * length → fixed-length vectors). A GRU encoder reads the frames; its state after the last frame
 * is the code c. A GRU decoder started from c, reading c at every step, writes the frames back,
 * last frame first; the two are trained together to reconstruct:
 *
 *   e_t = GRU_enc(e_{t−1}, x_t),   c = e_T
 *   h_0 = c,   h_t = GRU_dec(h_{t−1}, c),   x̂_{T+1−t} = W_o·h_t + b_o
 *
 * Everything the decoder writes must pass through c, so c has to keep what the frames were and in
 * which order.
 */
import { type DenseParams, dense, type GruParams, gru, rnn } from '@recurrent/cells'
import type { Key, Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'

/** A sequence auto-encoder's params: the two GRUs and the output layer. */
export interface SequenceAutoencoderParams {
  readonly encoder: GruParams
  readonly decoder: GruParams
  readonly out: DenseParams
}

/** Sizes: F values per frame, H the code's size. */
export interface SequenceAutoencoderOptions {
  readonly features: number
  readonly hidden: number
}

/** A sequence auto-encoder (Lecture §5.6). */
export interface SequenceAutoencoder {
  readonly options: SequenceAutoencoderOptions
  init(key: Key): SequenceAutoencoderParams
  /** The codes `[B, H]` of frames f32 `[T, B, F]` with per-sequence lengths (each in 1…T). */
  encode(params: SequenceAutoencoderParams, frames: Tensor, lengths: readonly number[]): Tensor
  /** The reconstruction `[T, B, F]` from codes `[B, H]`, backwards: row t of sequence b is its frame len_b − 1 − t (0 after len_b). */
  decode(params: SequenceAutoencoderParams, codes: Tensor, steps: number, lengths: readonly number[]): Tensor
}

const checkLengths = (fn: string, lengths: readonly number[], B: number, steps: number): void => {
  if (!Array.isArray(lengths) || lengths.length !== B)
    throw new T.ArgumentError(
      `${fn}: lengths must be ${B} integers (one per sequence), got ${String(lengths)}`,
    )
  lengths.forEach((l, b) => {
    if (!Number.isInteger(l) || l < 1 || l > steps)
      throw new T.ArgumentError(`${fn}: lengths[${b}] must be an integer in 1…${steps}, got ${String(l)}`)
  })
}

/**
 * A GRU sequence auto-encoder (Lecture §5.6). Shapes: frames `[T, B, F]`, codes `[B, H]`,
 * reconstructions `[T, B, F]` (backwards in time within each sequence's length).
 *
 * @example
 * const m = sequenceAutoencoder({ features: 3, hidden: 5 })
 * const p = m.init(T.key(0))
 * const c = m.encode(p, T.randn(T.key(1), [4, 2, 3]), [4, 2])
 * assert.deepStrictEqual(T.shape(c), [2, 5])
 * assert.deepStrictEqual(T.shape(m.decode(p, c, 4, [4, 2])), [4, 2, 3])
 */
export const sequenceAutoencoder = (options: SequenceAutoencoderOptions): SequenceAutoencoder => {
  for (const k of ['features', 'hidden'] as const) {
    const v = options?.[k]
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw new T.ArgumentError(`sequenceAutoencoder: ${k} must be a positive integer, got ${String(v)}`)
  }
  const { features: F, hidden: H } = options
  const layer = rnn(gru())
  const linear = dense()
  return {
    options: { features: F, hidden: H },
    init: (key) => {
      const [ke, kd, ko] = T.split(key, 3)
      return {
        encoder: layer.init(ke, { inputSize: F, outputSize: H }),
        decoder: layer.init(kd, { inputSize: H, outputSize: H }),
        out: linear.init(ko, { inputSize: H, outputSize: F }),
      }
    },
    encode: (p, frames, lengths) => {
      if (!T.isTensor(frames) || frames.rank !== 3 || frames.shape[2] !== F)
        throw new T.ShapeError(
          `sequenceAutoencoder.encode: frames must be [T, B, ${F}], got ${T.isTensor(frames) ? T.showShape(frames.shape) : typeof frames}`,
        )
      checkLengths('sequenceAutoencoder.encode', lengths, frames.shape[1], frames.shape[0])
      return layer.apply(p.encoder, frames, { lengths }).state
    },
    decode: (p, codes, steps, lengths) => {
      if (!T.isTensor(codes) || codes.rank !== 2 || codes.shape[1] !== H)
        throw new T.ShapeError(
          `sequenceAutoencoder.decode: codes must be [B, ${H}], got ${T.isTensor(codes) ? T.showShape(codes.shape) : typeof codes}`,
        )
      if (!Number.isInteger(steps) || steps < 1)
        throw new T.ArgumentError(
          `sequenceAutoencoder.decode: steps must be a positive integer, got ${String(steps)}`,
        )
      checkLengths('sequenceAutoencoder.decode', lengths, codes.shape[0], steps)
      const inputs = T.broadcastTo(T.expandDims(codes, 0), [steps, codes.shape[0], H])
      const { output } = layer.apply(p.decoder, inputs, { state0: codes, lengths })
      return linear.apply(p.out, output)
    },
  }
}
