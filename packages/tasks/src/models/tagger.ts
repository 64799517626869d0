/**
 * Per-word taggers for slot filling (Lecture §1.2): every word's vector (any `Encoder`, §1.1) is
 * projected by a learned matrix E, read by a sequence layer, and an output layer gives a
 * distribution over the slot labels at every step:
 *
 *   e_t = x_t·E,   h_1…h_T = layer(e_1…e_T),   y_t = softmax(h_t·W_oᵀ + b_o)
 *
 * The layer is configuration: `feedforward()` sees one word at a time (no memory), and any cell
 * through `rnn(cell)` or `bidirectional(rnn(cell))` — a researcher's own included — gives a
 * recurrent tagger. Training minimises the per-step cross-entropy summed over the steps of each
 * sentence (§4.1), with Adam, on minibatches of padded sentences.
 */
import {
  type Activation,
  bidirectional,
  type DenseParams,
  dense,
  elman,
  gru,
  jordan,
  type Layer,
  lstm,
  rnn,
  sizeOption,
} from '@recurrent/cells'
import { crossEntropy } from '@recurrent/losses'
import { adam, type GradientTransformation, train } from '@recurrent/optim'
import type { Key, Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { batchSequences, IGNORE_INDEX, minibatchStream, type SequenceBatch } from '../data/batch.ts'
import { type EncodedWords, projectWords } from '../encoders.ts'

/**
 * A layer without memory (Lecture §1.2's feedforward network): every step is mapped on its own,
 * `h_t = σ(x_t·Wᵀ + b)`, so h_t depends on the word at t and on nothing else. Inputs `[T, B, I]`,
 * outputs `[T, B, H]`; params `{ W [H, I], b [H] }`; the state is `null`. `init` takes
 * `{ inputSize, hiddenSize }` or the common `{ inputSize, outputSize }` (H either way).
 *
 * @example
 * const layer = feedforward()
 * const p = layer.init(T.key(0), { inputSize: 3, hiddenSize: 4 })
 * const xs = T.randn(T.key(1), [5, 2, 3])
 * const { output } = layer.apply(p, xs)
 * assert.deepStrictEqual(T.shape(output), [5, 2, 4])
 * // no memory: step 4 alone gives the same output as step 4 within the sequence (to f32 rounding)
 * const alone = layer.apply(p, T.slice(xs, [4, 0, 0], [1, 2, 3])).output
 * const within = T.slice(output, [4, 0, 0], [1, 2, 4])
 * assert.ok(T.item(T.max(T.abs(T.sub(alone, within)))) < 1e-6)
 */
export const feedforward = (options: { readonly activation?: Activation } = {}): Layer<DenseParams, null> => {
  const layer = dense({ activation: options.activation ?? 'tanh' })
  return {
    name: 'feedforward',
    init: (key, o) =>
      layer.init(key, {
        inputSize: o.inputSize,
        outputSize: sizeOption('feedforward.init', o, 'hiddenSize', 'outputSize'),
        dtype: o.dtype,
      }),
    initialState: () => null,
    outputSize: (p) => p.W.shape[0],
    inputSize: (p) => p.W.shape[1],
    apply: (p, xs) => {
      if (!T.isTensor(xs) || xs.rank !== 3)
        throw new T.ShapeError(
          `feedforward.apply: input must be [T,B,F], got ${T.isTensor(xs) ? T.showShape(xs.shape) : typeof xs}`,
        )
      return { output: layer.apply(p, xs), state: null }
    },
  }
}

/** The taggers the lecture compares (§1.2, §2.5, §2.6, §3, §4.5). */
export const TAGGER_KINDS = ['feedforward', 'elman', 'jordan', 'lstm', 'gru', 'bidirectional'] as const
export type TaggerKind = (typeof TAGGER_KINDS)[number]

/**
 * The sequence layer of each tagger the lecture compares, for `labels` output classes. Jordan's
 * network feeds back its output (§2.5), so its output is the tagger's output: it has `labels`
 * units and no separate output layer (`head: false`). The bidirectional tagger reads with two
 * LSTMs (§2.6).
 *
 * @example
 * assert.strictEqual(taggerLayer('bidirectional', 9).layer.name, 'bidirectional(rnn(lstm))')
 * assert.strictEqual(taggerLayer('jordan', 9).head, false)
 */
export const taggerLayer = (
  kind: TaggerKind,
  labels: number,
): { readonly layer: Layer; readonly head: boolean } => {
  switch (kind) {
    case 'feedforward':
      return { layer: feedforward(), head: true }
    case 'elman':
      return { layer: rnn(elman()), head: true }
    case 'jordan':
      return { layer: rnn(jordan({ outputSize: labels })), head: false }
    case 'lstm':
      return { layer: rnn(lstm()), head: true }
    case 'gru':
      return { layer: rnn(gru()), head: true }
    case 'bidirectional':
      return { layer: bidirectional(rnn(lstm())), head: true }
    default:
      throw new T.ArgumentError(
        `taggerLayer: kind must be one of ${TAGGER_KINDS.join(', ')}, got ${String(kind)}`,
      )
  }
}

/** How a tagger is built. */
export interface TaggerOptions {
  /** The sequence layer between the word vectors and the output (`feedforward()`, `rnn(cell)`, …). */
  readonly layer: Layer
  /** The number of word-vector dimensions E has rows for: `encodingTable(…).dims.length`. */
  readonly inputSize: number
  /** How many slot labels (output classes). */
  readonly labels: number
  /** Columns of E, the size of the projected word vectors (default 32). */
  readonly embedding?: number
  /** The layer's hidden size (default 32). */
  readonly hidden?: number
  /** An output layer after the sequence layer (default true); false: the layer's output are the logits. */
  readonly head?: boolean
}

/** A tagger's parameters: the word projection E `[inputSize, embedding]`, the layer's, and the output layer's. */
export interface TaggerParams {
  readonly E: Tensor
  readonly layer: Tree
  readonly head: DenseParams | null
}

/** A tagger: parameters, and the logits of every step of a batch of word ids. */
export interface Tagger {
  readonly name: string
  init(key: Key): TaggerParams
  /** Logits `[T, B, labels]` of word ids i32 `[T, B]` (rows of `words`), with per-sentence lengths. */
  logits(params: TaggerParams, words: EncodedWords, ids: Tensor, lengths: readonly number[]): Tensor
}

const positive = (fn: string, name: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new T.ArgumentError(`${fn}: ${name} must be a positive integer, got ${String(v)}`)
  return v
}

/**
 * A per-word tagger (Lecture §1.2): `y_t = softmax(layer(x·E)_t·W_oᵀ + b_o)` for word vectors x.
 * `logits` returns the pre-softmax scores `[T, B, labels]`; padded steps give the layer's padding
 * output and are ignored by the loss.
 *
 * @example
 * const words = encodingTable(oneHot(['arrive', 'leave', 'Taipei']), ['arrive', 'leave', 'Taipei'])
 * const { layer, head } = taggerLayer('lstm', 3)
 * const t = tagger({ layer, head, inputSize: words.dims.length, labels: 3, embedding: 8, hidden: 8 })
 * const p = t.init(T.key(0))
 * const ids = T.tensor([[0, 1], [2, 2]], { dtype: 'i32' }) // "arrive Taipei", "leave Taipei"
 * assert.deepStrictEqual(T.shape(t.logits(p, words, ids, [2, 2])), [2, 2, 3])
 */
export const tagger = (options: TaggerOptions): Tagger => {
  const D = positive('tagger', 'inputSize', options.inputSize)
  const C = positive('tagger', 'labels', options.labels)
  const dim = positive('tagger', 'embedding', options.embedding ?? 32)
  const H = positive('tagger', 'hidden', options.hidden ?? 32)
  const useHead = options.head ?? true
  const { layer } = options
  if (layer === null || typeof layer !== 'object' || typeof layer.apply !== 'function')
    throw new T.ArgumentError('tagger: layer must be a Layer (feedforward(), rnn(cell), bidirectional(…), …)')
  const out = dense()
  return {
    name: layer.name,
    init: (key) => {
      const [kE, kL, kH] = T.split(key, 3)
      const lp = layer.init(kL, { inputSize: dim, hiddenSize: H })
      const size = layer.outputSize(lp)
      if (!useHead && size !== C)
        throw new T.ArgumentError(
          `tagger: without a head the layer's output size (${size}) must equal labels (${C})`,
        )
      return {
        E: T.mul(T.randn(kE, [D, dim]), 1 / Math.sqrt(dim)),
        layer: lp,
        head: useHead ? out.init(kH, { inputSize: size, outputSize: C }) : null,
      }
    },
    logits: (p, words, ids, lengths) => {
      const { output } = layer.apply(p.layer, projectWords(words, p.E, ids), { lengths })
      return p.head === null ? output : out.apply(p.head, output)
    },
  }
}

/** Sentences as word ids and label ids, one list per sentence. */
export interface TaggedIds {
  readonly words: readonly (readonly number[])[]
  readonly labels: readonly (readonly number[])[]
}

/** How `fitTagger` trains. */
export interface FitOptions {
  /** Adam steps (one minibatch each). */
  readonly steps: number
  readonly batchSize: number
  readonly learningRate: number
  /**
   * Word dropout: each input word is replaced, with probability `rate` in [0, 1), by the word
   * with id `id` (e.g. one the encoder maps to "other"), so that word's vector is trained too.
   */
  readonly wordDropout?: { readonly rate: number; readonly id: number }
  /** Called after every step with the step (0-based) and its loss. */
  readonly onStep?: (step: number, loss: number) => void
}

/**
 * The loss of a batch (Lecture §4.1): the cross-entropy of every real step summed over the
 * sentence, averaged over the batch's B sentences, `L = (1/B) Σ_b Σ_{t<len_b} −log y_t[ŷ_t]`.
 */
const sentenceLoss = (logits: Tensor, targets: Tensor, batch: number): Tensor =>
  T.div(crossEntropy(logits, targets, { reduction: 'sum', ignoreIndex: IGNORE_INDEX }), batch)

/** What training a tagger needs, as pure functions of the step: see `taggerTraining`. */
export interface TaggerTraining {
  /** The initial params (from the first of `key`'s three subkeys). */
  readonly initParams: TaggerParams
  readonly optimizer: GradientTransformation
  /** The loss of a batch (Lecture §4.1): summed over each sentence, averaged over the batch. */
  readonly loss: (params: TaggerParams, batch: SequenceBatch) => Tensor
  /** Batch i: its sentences (`minibatchStream`) with word dropout drawn from `foldIn(·, i)`. */
  readonly batch: (i: number) => SequenceBatch
}

/**
 * The pieces of training a tagger from `key` (Lecture §4.1, §4.2): the initial params, Adam, the
 * summed cross-entropy, and batch i as a pure function of i. Initialisation, batch order and word
 * dropout come from `split(key, 3)`; batch i depends on i alone, so training may start at any
 * step and draw what an uninterrupted run would. `fitTagger` trains with these.
 *
 * @example
 * const words = encodingTable(oneHot(['arrive', 'leave', 'Taipei']), ['arrive', 'leave', 'Taipei'])
 * const { layer, head } = taggerLayer('gru', 3)
 * const t = tagger({ layer, head, inputSize: words.dims.length, labels: 3, embedding: 4, hidden: 4 })
 * const data = { words: [[0, 2], [1, 2]], labels: [[0, 1], [0, 2]] }
 * const training = taggerTraining(t, words, data, T.key(0), { batchSize: 1, learningRate: 0.1 })
 * assert.deepStrictEqual(T.toArray(training.batch(3).inputs), T.toArray(training.batch(3).inputs))
 * assert.ok(T.item(training.loss(training.initParams, training.batch(0))) > 0)
 */
export const taggerTraining = (
  model: Tagger,
  words: EncodedWords,
  data: TaggedIds,
  key: Key,
  options: Omit<FitOptions, 'steps' | 'onStep'>,
): TaggerTraining => {
  if (!(options.learningRate > 0))
    throw new T.ArgumentError(`fitTagger: learningRate must be positive, got ${options.learningRate}`)
  const drop = options.wordDropout
  if (drop !== undefined && !(drop.rate >= 0 && drop.rate < 1))
    throw new T.ArgumentError(`fitTagger: wordDropout.rate must lie in [0, 1), got ${drop.rate}`)
  if (data.words.length !== data.labels.length)
    throw new T.ArgumentError(
      `fitTagger: data has ${data.words.length} word sequences but ${data.labels.length} label sequences`,
    )
  const [kInit, kOrder, kDrop] = T.split(key, 3)
  const order = minibatchStream(kOrder, data.words.length, options.batchSize)
  const batch = (s: number): SequenceBatch => {
    const idx = order(s)
    let inputs = idx.map((i) => data.words[i])
    if (drop !== undefined && drop.rate > 0) {
      const u = T.toTypedArray(T.uniform(T.foldIn(kDrop, s), [inputs.reduce((n, w) => n + w.length, 0)]))
      let k = 0
      inputs = inputs.map((ws) => ws.map((w) => (u[k++] < drop.rate ? drop.id : w)))
    }
    return batchSequences(
      inputs,
      idx.map((i) => data.labels[i]),
    )
  }
  return {
    initParams: model.init(kInit),
    optimizer: adam(options.learningRate),
    loss: (p, b) => sentenceLoss(model.logits(p, words, b.inputs, b.lengths), b.targets, b.lengths.length),
    batch,
  }
}

/**
 * Trains a tagger from `key` (initialisation, batch order and word dropout all drawn from it)
 * for `options.steps` Adam steps on minibatches of `data` (Lecture §4.1, §4.2), with the pieces
 * of `taggerTraining`. Returns the trained params and the loss of every step.
 *
 * @example
 * const words = encodingTable(oneHot(['arrive', 'leave', 'Taipei']), ['arrive', 'leave', 'Taipei'])
 * const { layer, head } = taggerLayer('lstm', 3)
 * const t = tagger({ layer, head, inputSize: words.dims.length, labels: 3, embedding: 8, hidden: 8 })
 * // "arrive Taipei" → O, destination (1); "leave Taipei" → O, departure (2)
 * const data = { words: [[0, 2], [1, 2]], labels: [[0, 1], [0, 2]] }
 * const { params, losses } = fitTagger(t, words, data, T.key(0), { steps: 60, batchSize: 2, learningRate: 0.05 })
 * assert.ok(losses[59] < losses[0] / 10)
 * assert.deepStrictEqual(tagSentences(t, params, words, data.words), data.labels)
 */
export const fitTagger = (
  model: Tagger,
  words: EncodedWords,
  data: TaggedIds,
  key: Key,
  options: FitOptions,
): { readonly params: TaggerParams; readonly losses: readonly number[] } => {
  const steps = options.steps
  if (!Number.isInteger(steps) || steps < 0)
    throw new T.ArgumentError(`fitTagger: steps must be a non-negative integer, got ${steps}`)
  const training = taggerTraining(model, words, data, key, options)
  return runTaggerTraining(
    training,
    training.initParams,
    training.loss,
    options,
    `fitTagger: training ${model.name}`,
  )
}

/**
 * The training loop of a tagger (Lecture §4.1, §4.2), `fitTagger`'s and `fitCrfTagger`'s:
 * `options.steps` steps of `training.optimizer` from `params` on `loss`, step s on
 * `training.batch(s)`, each step's loss handed to `options.onStep`. Returns the trained params
 * and the loss of every step; throws `${what} stopped: …` if a non-finite value stops training.
 *
 * @example
 * const words = encodingTable(oneHot(['a', 'b']), ['a', 'b'])
 * const t = tagger({ layer: feedforward(), inputSize: words.dims.length, labels: 2, embedding: 2, hidden: 2 })
 * const training = taggerTraining(t, words, { words: [[0, 1]], labels: [[0, 1]] }, T.key(0), { batchSize: 1, learningRate: 0.1 })
 * const r = runTaggerTraining(training, training.initParams, training.loss, { steps: 20 }, 'toy')
 * assert.ok(r.losses[19] < r.losses[0])
 */
export const runTaggerTraining = <P extends Tree>(
  training: Pick<TaggerTraining, 'optimizer' | 'batch'>,
  params: P,
  loss: (params: P, batch: SequenceBatch) => Tensor,
  options: Pick<FitOptions, 'steps' | 'onStep'>,
  what: string,
): { readonly params: P; readonly losses: readonly number[] } => {
  function* batches() {
    for (let s = 0; s < options.steps; s++) yield training.batch(s)
  }
  const r = train({
    params,
    optimizer: training.optimizer,
    loss,
    batches: batches(),
    onEvent: (e) => {
      if (e.type === 'step') options.onStep?.(e.metrics.step, e.metrics.loss)
    },
  })
  if (r._tag === 'Left') throw new Error(`${what} stopped: ${r.left.reason}`)
  return { params: r.right.params, losses: r.right.history.map((h) => h.loss) }
}

/**
 * The most probable label id at every word of every sentence: `argmax_c y_t[c]`, run on chunks of
 * 256 sentences. Returns one list of label ids per sentence, as long as the sentence.
 *
 * @example
 * const words = encodingTable(oneHot(['a']), ['a'])
 * const t = tagger({ layer: feedforward(), inputSize: words.dims.length, labels: 3, embedding: 2, hidden: 2 })
 * const tags = tagSentences(t, t.init(T.key(0)), words, [[0, 0, 0], [0]])
 * assert.deepStrictEqual(tags.map((s) => s.length), [3, 1])
 * assert.strictEqual(new Set(tags.flat()).size, 1) // one word, no memory: one label
 */
export const tagSentences = (
  model: Tagger,
  params: TaggerParams,
  words: EncodedWords,
  sentences: readonly (readonly number[])[],
): number[][] =>
  tagInChunks(sentences, (b, chunk) => {
    const best = T.toTypedArray(T.argmax(model.logits(params, words, b.inputs, b.lengths), { axis: -1 }))
    const B = chunk.length
    return chunk.map((s, j) => s.map((_, t) => best[t * B + j]))
  })

/**
 * Labels sentences of word ids with `tag` in chunks of 256 (`tagSentences`, `crfTagSentences`):
 * each chunk as a batch (`batchSequences`, its labels all 0) with its sentences. `tag` returns one
 * list of label ids per sentence of the chunk; the result is all of them, in order.
 *
 * @example
 * const tags = tagInChunks([[4, 5], [6]], (b) => b.lengths.map((n) => Array(n).fill(n)))
 * assert.deepStrictEqual(tags, [[2, 2], [1]])
 */
export const tagInChunks = (
  sentences: readonly (readonly number[])[],
  tag: (batch: SequenceBatch, chunk: readonly (readonly number[])[]) => number[][],
): number[][] => {
  const out: number[][] = []
  for (let start = 0; start < sentences.length; start += 256) {
    const chunk = sentences.slice(start, start + 256)
    const b = batchSequences(
      chunk,
      chunk.map((s) => s.map(() => 0)),
    )
    out.push(...tag(b, chunk))
  }
  return out
}
