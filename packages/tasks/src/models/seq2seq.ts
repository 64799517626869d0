/**
 * An encoder–decoder (Lecture §5.3: sequence to sequence): a GRU reads the source, its final
 * state starts a second GRU that writes the target one token at a time, reading back the token it
 * wrote last, until it writes the stop symbol `===` (target id 0). With `attention: true` the
 * decoder also reads the encoder's states through dot-product attention (Lecture §5.7):
 *
 *   encoder:    e_i = GRU_enc(e_{i−1}, E_s[x_i]),                  h_0 = e_{len}
 *   decoder:    h_t = GRU_dec(h_{t−1}, E_t[y_{t−1}]),               y_0 = ===
 *   plain:      p(y_t | y_<t, x) = softmax(W_o·h_t + b_o)
 *   attention:  c_t = Σ_i a_{t,i} e_i,  a_t = softmax_i(h_t · e_i),
 *               p(y_t | y_<t, x) = softmax(W_o·tanh(W_c·[c_t; h_t] + b_c) + b_o)
 *
 * Training reads the reference tokens (teacher forcing); decoding reads the model's own (greedy:
 * the most probable token each step; beam: the `width` most probable prefixes).
 */
import {
  type DenseParams,
  dense,
  type EmbeddingParams,
  embedding,
  type GruParams,
  gru,
  rnn,
} from '@recurrent/cells'
import type { Key, Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { dotAttention } from './attention.ts'

/** The target id of the stop symbol `===` (the decoder's first input too). */
export const STOP_ID = 0

/** How an encoder–decoder is built. */
export interface Seq2seqOptions {
  /** Source and target vocabulary sizes (the target's id 0 is `===`). */
  readonly sourceVocabulary: number
  readonly targetVocabulary: number
  /** Word vectors' size (default 32) and the GRUs' hidden size H (default 64). */
  readonly embedding?: number
  readonly hidden?: number
  /** Read the encoder's states through dot-product attention (default false). */
  readonly attention?: boolean
}

/** An encoder–decoder's params: embeddings, the two GRUs, the attention combiner (or null), the output layer. */
export interface Seq2seqParams {
  readonly source: EmbeddingParams
  readonly target: EmbeddingParams
  readonly encoder: GruParams
  readonly decoder: GruParams
  readonly combine: DenseParams | null
  readonly out: DenseParams
}

/** The encoded source: every encoder state (the memory attention reads) and the final one. */
export interface Encoded {
  readonly memory: Tensor
  readonly state: Tensor
  readonly lengths: readonly number[]
}

/** A decoded batch: each sentence's target ids (ending with `STOP_ID` when it stopped within the limit). */
export interface Decoded {
  readonly ids: readonly (readonly number[])[]
  /** With attention (greedy only): per sentence, one row of weights over its source words per written token. */
  readonly weights?: readonly (readonly (readonly number[])[])[]
}

/** An encoder–decoder (Lecture §5.3, §5.7). */
export interface Seq2seq {
  readonly name: string
  readonly options: Required<Seq2seqOptions>
  init(key: Key): Seq2seqParams
  /** The encoder over source ids i32 `[Ts, B]` with lengths (each ≥ 1). */
  encode(params: Seq2seqParams, source: Tensor, lengths: readonly number[]): Encoded
  /** Teacher-forced logits `[Td, B, V]` for decoder inputs i32 `[Td, B]` (`===`, y_1, …). */
  logits(params: Seq2seqParams, encoded: Encoded, inputs: Tensor, lengths: readonly number[]): Tensor
  /** One decoding step: the state `[B, H]` after reading `tokens` (B ids), log-probabilities `[B, V]`, attention weights `[B, Ts]` or null. */
  step(
    params: Seq2seqParams,
    encoded: Encoded,
    state: Tensor,
    tokens: readonly number[],
  ): { readonly state: Tensor; readonly logProbs: Tensor; readonly weights: Tensor | null }
}

const positive = (fn: string, name: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new T.ArgumentError(`${fn}: ${name} must be a positive integer, got ${String(v)}`)
  return v
}

const checkLengths = (fn: string, lengths: readonly number[], B: number, T_: number): void => {
  if (!Array.isArray(lengths) || lengths.length !== B)
    throw new T.ArgumentError(
      `${fn}: lengths must be ${B} integers (one per sentence), got ${String(lengths)}`,
    )
  lengths.forEach((l, b) => {
    if (!Number.isInteger(l) || l < 1 || l > T_)
      throw new T.ArgumentError(
        `${fn}: lengths[${b}] must be an integer in 1…${T_} (an empty sequence cannot be translated), got ${String(l)}`,
      )
  })
}

/**
 * An encoder–decoder over GRUs (Lecture §5.3), with dot-product attention when
 * `options.attention` (Lecture §5.7). Shapes: source i32 `[Ts, B]`, decoder inputs i32 `[Td, B]`,
 * logits `[Td, B, V]`; memory `[Ts, B, H]`, state `[B, H]`.
 *
 * @example
 * const m = seq2seq({ sourceVocabulary: 5, targetVocabulary: 7, embedding: 4, hidden: 6, attention: true })
 * const p = m.init(T.key(0))
 * const enc = m.encode(p, T.tensor([[1, 2], [3, 0], [4, 0]], { dtype: 'i32' }), [3, 1])
 * assert.deepStrictEqual(T.shape(enc.memory), [3, 2, 6])
 * const logits = m.logits(p, enc, T.tensor([[0, 0], [5, 6]], { dtype: 'i32' }), [2, 2])
 * assert.deepStrictEqual(T.shape(logits), [2, 2, 7])
 */
export const seq2seq = (options: Seq2seqOptions): Seq2seq => {
  const o: Required<Seq2seqOptions> = {
    sourceVocabulary: positive('seq2seq', 'sourceVocabulary', options?.sourceVocabulary),
    targetVocabulary: positive('seq2seq', 'targetVocabulary', options.targetVocabulary),
    embedding: positive('seq2seq', 'embedding', options.embedding ?? 32),
    hidden: positive('seq2seq', 'hidden', options.hidden ?? 64),
    attention: options.attention ?? false,
  }
  const cell = gru()
  const layer = rnn(cell)
  const embed = embedding()
  const linear = dense()
  const combiner = dense({ activation: 'tanh' })
  const H = o.hidden
  const vectors = (p: EmbeddingParams, ids: Tensor): Tensor =>
    T.mul(embed.apply(p, ids), 1 / Math.sqrt(o.embedding))
  // The output layer over decoder states `[…, H]` (and their contexts, with attention).
  const readout = (p: Seq2seqParams, h: Tensor, context: Tensor | null): Tensor =>
    linear.apply(
      p.out,
      p.combine === null || context === null ? h : combiner.apply(p.combine, T.concat([context, h], -1)),
    )
  return {
    name: o.attention ? 'seq2seq+attention' : 'seq2seq',
    options: o,
    init: (key) => {
      const [ks, kt, ke, kd, kc, ko] = T.split(key, 6)
      return {
        source: embed.init(ks, { inputSize: o.sourceVocabulary, outputSize: o.embedding }),
        target: embed.init(kt, { inputSize: o.targetVocabulary, outputSize: o.embedding }),
        encoder: layer.init(ke, { inputSize: o.embedding, outputSize: H }),
        decoder: layer.init(kd, { inputSize: o.embedding, outputSize: H }),
        combine: o.attention ? combiner.init(kc, { inputSize: 2 * H, outputSize: H }) : null,
        out: linear.init(ko, { inputSize: H, outputSize: o.targetVocabulary }),
      }
    },
    encode: (p, source, lengths) => {
      if (!T.isTensor(source) || source.rank !== 2)
        throw new T.ShapeError(
          `seq2seq.encode: source must be i32 [Ts, B], got ${T.isTensor(source) ? T.showShape(source.shape) : typeof source}`,
        )
      checkLengths('seq2seq.encode', lengths, source.shape[1], source.shape[0])
      const { output, state } = layer.apply(p.encoder, vectors(p.source, source), { lengths })
      return { memory: output, state, lengths }
    },
    logits: (p, enc, inputs, lengths) => {
      if (!T.isTensor(inputs) || inputs.rank !== 2 || inputs.shape[1] !== enc.state.shape[0])
        throw new T.ShapeError(
          `seq2seq.logits: inputs must be i32 [Td, ${enc.state.shape[0]}], got ${T.isTensor(inputs) ? T.showShape(inputs.shape) : typeof inputs}`,
        )
      checkLengths('seq2seq.logits', lengths, inputs.shape[1], inputs.shape[0])
      const { output } = layer.apply(p.decoder, vectors(p.target, inputs), { state0: enc.state, lengths })
      const context = o.attention ? dotAttention(output, enc.memory, enc.lengths).context : null
      return readout(p, output, context)
    },
    step: (p, enc, state, tokens) => {
      if (!Array.isArray(tokens) || tokens.length !== state.shape[0])
        throw new T.ArgumentError(
          `seq2seq.step: tokens must be ${state.shape[0]} target ids, got ${String(tokens)}`,
        )
      tokens.forEach((id, b) => {
        if (!Number.isInteger(id) || id < 0 || id >= o.targetVocabulary)
          throw new T.ArgumentError(
            `seq2seq.step: tokens[${b}] must be a target id in 0…${o.targetVocabulary - 1}, got ${String(id)}`,
          )
      })
      const x = vectors(p.target, T.tensor(tokens, { dtype: 'i32' }))
      const [h] = cell.step(p.decoder, state, x)
      if (!o.attention) return { state: h, logProbs: T.logSoftmax(readout(p, h, null)), weights: null }
      const { context, weights } = dotAttention(T.expandDims(h, 0), enc.memory, enc.lengths)
      return {
        state: h,
        logProbs: T.logSoftmax(readout(p, h, T.squeeze(context, 0))),
        weights: T.squeeze(weights, 0),
      }
    },
  }
}

const checkLimit = (fn: string, limit: unknown): number => positive(fn, 'limit', limit)

/** The index of the largest value of `row[from … from + n)` (the first of equals), relative to `from`. */
const argmaxOf = (row: ArrayLike<number>, from: number, n: number): number => {
  let best = 0
  for (let v = 1; v < n; v++) if (row[from + v] > row[from + best]) best = v
  return best
}

/**
 * Greedy decoding (Lecture §5.3): from `===`, feed back the most probable token each step (the
 * first of equals) until the sentence writes `===` or has written `limit` tokens:
 *
 *   ŷ_t = argmax_v log p(v | ŷ_<t, x)
 *
 * Source i32 `[Ts, B]` with lengths; returns B id sequences (and attention weights, with attention).
 *
 * @example
 * const m = seq2seq({ sourceVocabulary: 3, targetVocabulary: 4, embedding: 4, hidden: 5 })
 * const out = greedyDecode(m, m.init(T.key(0)), T.tensor([[1, 2]], { dtype: 'i32' }), [1, 1], 6)
 * assert.strictEqual(out.ids.length, 2)
 * // each output stops at its first === (id 0) or at the limit
 * assert.ok(out.ids.every((s) => s.length <= 6 && s.indexOf(0) === (s.includes(0) ? s.length - 1 : -1)))
 */
export const greedyDecode = (
  model: Seq2seq,
  params: Seq2seqParams,
  source: Tensor,
  lengths: readonly number[],
  limit: number,
): Decoded => {
  checkLimit('greedyDecode', limit)
  const enc = model.encode(params, source, lengths)
  const B = lengths.length
  const V = model.options.targetVocabulary
  const ids: number[][] = Array.from({ length: B }, () => [])
  const weights: number[][][] = Array.from({ length: B }, () => [])
  const done = Array(B).fill(false)
  let state = enc.state
  let tokens: number[] = Array(B).fill(STOP_ID)
  for (let t = 0; t < limit && done.includes(false); t++) {
    const s = model.step(params, enc, state, tokens)
    state = s.state
    const lp = T.toTypedArray(s.logProbs)
    const w = s.weights === null ? null : (T.toArray(s.weights) as number[][])
    tokens = tokens.map((_, b) => argmaxOf(lp, b * V, V))
    for (let b = 0; b < B; b++) {
      if (done[b]) continue
      ids[b].push(tokens[b])
      if (w !== null) weights[b].push(w[b].slice(0, lengths[b]))
      if (tokens[b] === STOP_ID) done[b] = true
    }
  }
  return model.options.attention ? { ids, weights } : { ids }
}

interface Hypothesis {
  readonly ids: readonly number[]
  readonly score: number
}

/**
 * Beam search (Lecture §5.3): keeps the `width` most probable prefixes of every sentence. Each
 * step extends every live prefix by every token and keeps the `width` best candidates by
 * log-probability (ties: the earlier prefix, then the smaller id); a candidate ending in `===` is
 * finished. A sentence ends when its best finished score is at least every live score (log-probs
 * only fall as prefixes grow, so no live prefix can overtake it), when none is live, or at
 * `limit` tokens; the answer is the best finished hypothesis, else the best live one.
 *
 *   score(y_1…y_t) = Σ_{s≤t} log p(y_s | y_<s, x)
 *
 * Width 1 is greedy decoding. Source i32 `[Ts, B]` with lengths; returns B id sequences.
 *
 * @example
 * const m = seq2seq({ sourceVocabulary: 3, targetVocabulary: 4, embedding: 4, hidden: 5 })
 * const p = m.init(T.key(0))
 * const src = T.tensor([[1, 2], [2, 0]], { dtype: 'i32' })
 * assert.deepStrictEqual(beamDecode(m, p, src, [2, 1], 6, 1).ids, greedyDecode(m, p, src, [2, 1], 6).ids)
 */
export const beamDecode = (
  model: Seq2seq,
  params: Seq2seqParams,
  source: Tensor,
  lengths: readonly number[],
  limit: number,
  width: number,
): Decoded => {
  checkLimit('beamDecode', limit)
  const k = positive('beamDecode', 'width', width)
  const enc0 = model.encode(params, source, lengths)
  const B = lengths.length
  const V = model.options.targetVocabulary
  // Rows b·k … b·k + k − 1 hold sentence b's beams: the memory and first state repeated k times.
  const repeat = T.tensor(
    Array.from({ length: B * k }, (_, r) => Math.floor(r / k)),
    { dtype: 'i32' },
  )
  const enc: Encoded = {
    memory: T.gather(enc0.memory, repeat, 1),
    state: T.gather(enc0.state, repeat, 0),
    lengths: Array.from({ length: B * k }, (_, r) => lengths[Math.floor(r / k)]),
  }
  // Live beams per row (null: dead), finished hypotheses per sentence.
  let live: (Hypothesis | null)[] = Array.from({ length: B * k }, (_, r) =>
    r % k === 0 ? { ids: [], score: 0 } : null,
  )
  const finished: Hypothesis[][] = Array.from({ length: B }, () => [])
  const over = Array(B).fill(false)
  let state = enc.state
  let tokens: number[] = Array(B * k).fill(STOP_ID)
  for (let t = 0; t < limit && over.includes(false); t++) {
    const s = model.step(params, enc, state, tokens)
    const lp = T.toTypedArray(s.logProbs)
    const parents: number[] = Array.from({ length: B * k }, (_, r) => r)
    const nextLive: (Hypothesis | null)[] = Array(B * k).fill(null)
    const nextTokens: number[] = Array(B * k).fill(STOP_ID)
    for (let b = 0; b < B; b++) {
      if (over[b]) continue
      const candidates: { row: number; id: number; score: number }[] = []
      for (let j = 0; j < k; j++) {
        const row = b * k + j
        const h = live[row]
        if (h === null) continue
        for (let v = 0; v < V; v++) candidates.push({ row, id: v, score: h.score + lp[row * V + v] })
      }
      // Stable sort: equal scores keep the order (earlier prefix, then smaller id).
      candidates.sort((x, y) => y.score - x.score)
      let slot = 0
      for (const c of candidates.slice(0, k)) {
        const h = live[c.row] as Hypothesis
        const ids = [...h.ids, c.id]
        if (c.id === STOP_ID) finished[b].push({ ids, score: c.score })
        else {
          const row = b * k + slot++
          parents[row] = c.row
          nextLive[row] = { ids, score: c.score }
          nextTokens[row] = c.id
        }
      }
      const bestFinished = Math.max(...finished[b].map((h) => h.score))
      const bestLive = Math.max(
        ...nextLive.slice(b * k, b * k + k).map((h) => (h === null ? Number.NEGATIVE_INFINITY : h.score)),
      )
      if (bestLive === Number.NEGATIVE_INFINITY || bestFinished >= bestLive) over[b] = true
    }
    state = T.gather(s.state, T.tensor(parents, { dtype: 'i32' }), 0)
    live = nextLive
    tokens = nextTokens
  }
  const ids = Array.from({ length: B }, (_, b) => {
    const pool = finished[b].length > 0 ? finished[b] : live.slice(b * k, b * k + k).filter((h) => h !== null)
    let best = pool[0] as Hypothesis
    for (const h of pool) if ((h as Hypothesis).score > best.score) best = h as Hypothesis
    return best.ids
  })
  return { ids }
}
