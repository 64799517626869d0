/**
 * Sequence classifiers (Lecture §5.1, many to one): a sentence of word ids in, one distribution
 * over classes out. Words are looked up in a learned embedding E (the product of their 1-of-N
 * vectors with E, §1.1). Two ways to turn the word vectors into one vector:
 *
 *   bag of words:  v = (1/ℓ) Σ_{t<ℓ} E[w_t]                      (word order is lost)
 *   many to one:   (s_t, o_t) = cell(s_{t−1}, E[w_t]),  v = h(s_ℓ)   (the state after the last valid word)
 *
 * and then `y = softmax(v·Wᵀ + b)`. The cell is configuration: any `Cell` (lstm, gru, a
 * researcher's own) gives a recurrent classifier. Training minimises the mean cross-entropy with
 * Adam on minibatches of padded sentences; padding is masked by each sentence's length.
 */
import {
  type Cell,
  type DenseParams,
  dense,
  type EmbeddingParams,
  embedding,
  finalHidden,
  rnn,
} from '@recurrent/cells'
import { crossEntropy } from '@recurrent/losses'
import { adam, train } from '@recurrent/optim'
import type { Key, Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { minibatches, padSequences } from '../data/batch.ts'
import type { OneHotEncoder } from '../encoders.ts'

/** Sizes of a classifier: the vocabulary N, the classes C, the embedding D and hidden size H. */
export interface ClassifierOptions {
  readonly vocabularySize: number
  readonly classes: number
  /** Columns of E (default 16). */
  readonly embedding?: number
  /** The cell's hidden size (default 32; the bag of words has no cell). */
  readonly hidden?: number
}

/** A classifier's parameters: the embedding, the reader's (none for a bag of words) and the output layer's. */
export interface ClassifierParams<P extends Tree = Tree> {
  readonly embedding: EmbeddingParams
  readonly reader: P
  readonly out: DenseParams
}

/** A many-to-one classifier: pure `init` and the logits of a batch of sentences. */
export interface Classifier<P extends Tree = Tree> {
  readonly name: string
  readonly classes: number
  init(key: Key): ClassifierParams<P>
  /** The sentence vector v `[B, F]` of word ids i32 `[T, B]` with per-sentence lengths (each ≥ 1). */
  encode(params: ClassifierParams<P>, ids: Tensor, lengths: readonly number[]): Tensor
  /** Logits `[B, C]` of word ids i32 `[T, B]` with per-sentence lengths (each ≥ 1). */
  logits(params: ClassifierParams<P>, ids: Tensor, lengths: readonly number[]): Tensor
}

const positive = (fn: string, name: string, v: unknown): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
    throw new T.ArgumentError(`${fn}: ${name} must be a positive integer, got ${String(v)}`)
  return v
}

const checkOptions = (fn: string, o: ClassifierOptions) => {
  if (typeof o !== 'object' || o === null)
    throw new T.ArgumentError(
      `${fn}: options must be { vocabularySize, classes, embedding?, hidden? }, got ${String(o)}`,
    )
  return {
    N: positive(fn, 'vocabularySize', o.vocabularySize),
    C: positive(fn, 'classes', o.classes),
    D: positive(fn, 'embedding', o.embedding ?? 16),
    H: positive(fn, 'hidden', o.hidden ?? 32),
  }
}

const checkLengths = (fn: string, ids: Tensor, lengths: readonly number[]): number[] => {
  if (!T.isTensor(ids) || ids.rank !== 2)
    throw new T.ShapeError(
      `${fn}: ids must be word ids i32 [T,B], got ${T.isTensor(ids) ? T.showShape(ids.shape) : typeof ids}`,
    )
  return T.readLengths(fn, 'lengths', lengths, { batch: ids.shape[1], max: ids.shape[0], min: 1 })
}

/** The embedding E `[N, D]` with entries of standard deviation 1/√D: each word vector starts near unit norm. */
const initEmbedding = (key: Key, N: number, D: number): EmbeddingParams => {
  const p = embedding().init(key, { vocabularySize: N, dim: D })
  return { ...p, E: T.mul(p.E, 1 / Math.sqrt(D)) }
}

/**
 * The bag-of-words classifier: the mean of the sentence's word vectors, then a linear layer,
 *
 *   v_b = (1/ℓ_b) Σ_{t<ℓ_b} E[w_{t,b}],   logits_b = v_b·Wᵀ + c.
 *
 * v depends only on the multiset of words, so two sentences with the same words in another order
 * get the same output (bit for bit: each sentence's ids are sorted before the sum). Shapes: E `[N, D]`, W `[C, D]`; ids `[T, B]` → logits `[B, C]`.
 *
 * @example
 * const bow = bagOfWords({ vocabularySize: 5, classes: 2, embedding: 4 })
 * const p = bow.init(T.key(0))
 * const ids = T.tensor([[1, 3], [2, 2], [3, 1]], { dtype: 'i32' }) // "1 2 3" and "3 2 1"
 * const [a, b] = T.toArray(bow.logits(p, ids, [3, 3]))
 * assert.deepStrictEqual(a, b)
 */
export const bagOfWords = (options: ClassifierOptions): Classifier<null> => {
  const { N, C, D } = checkOptions('bagOfWords', options)
  const out = dense()
  const encode = (p: ClassifierParams<null>, ids: Tensor, lengths: readonly number[]): Tensor => {
    const ls = checkLengths('bagOfWords', ids, lengths)
    const [steps, batch] = ids.shape
    // Each sentence's ids sorted before summing: the same words in any order give the same sum,
    // rounding included.
    const raw = T.toTypedArray(ids)
    const sorted = new Int32Array(raw.length)
    ls.forEach((l, b) => {
      const words = Array.from({ length: l }, (_, t) => raw[t * batch + b]).sort((x, y) => x - y)
      words.forEach((w, t) => {
        sorted[t * batch + b] = w
      })
    })
    const weights = Array.from({ length: steps }, (_, t) => ls.map((l) => (t < l ? 1 / l : 0)))
    const w = T.tensor(weights.flat(), { shape: [steps, batch, 1] })
    const words = T.tensor(sorted, { shape: [steps, batch], dtype: 'i32' })
    return T.sum(T.mul(embedding().apply(p.embedding, words), w), { axis: 0 })
  }
  return {
    name: 'bag of words',
    classes: C,
    init: (key) => {
      const [kE, kO] = T.split(key, 2)
      return {
        embedding: initEmbedding(kE, N, D),
        reader: null,
        out: out.init(kO, { inputSize: D, outputSize: C }),
      }
    },
    encode,
    logits: (p, ids, lengths) => out.apply(p.out, encode(p, ids, lengths)),
  }
}

/**
 * A many-to-one classifier over any cell (Lecture §5.1): the cell reads the sentence's word
 * vectors and a linear layer reads the hidden vector of its state after the last valid word,
 *
 *   (s_t, o_t) = cell(s_{t−1}, E[w_t]),   v_b = finalHidden(s_{ℓ_b}),   logits_b = v_b·Wᵀ + c.
 *
 * Padded steps leave the state as it is (`rnn`'s `lengths`), so v is the same whatever the
 * padding. Shapes: E `[N, D]`, the cell's params for input D and hidden H, W `[C, H]`; ids
 * `[T, B]` → logits `[B, C]`.
 *
 * @example
 * const m = manyToOne(SENTIMENT_CELLS.gru, { vocabularySize: 5, classes: 3, embedding: 4, hidden: 6 })
 * const p = m.init(T.key(0))
 * const ids = T.tensor([[1, 3], [2, 0], [4, 0]], { dtype: 'i32' }) // lengths 3 and 1
 * assert.deepStrictEqual(T.shape(m.logits(p, ids, [3, 1])), [2, 3])
 * // The second sentence alone, unpadded, gives the same vector.
 * const alone = m.encode(p, T.tensor([[3]], { dtype: 'i32' }), [1])
 * const inBatch = T.slice(m.encode(p, ids, [3, 1]), [1, 0], [1, 6])
 * assert.ok(T.item(T.max(T.abs(T.sub(alone, inBatch)))) < 1e-6)
 */
export const manyToOne = <P extends Tree>(cell: Cell<P>, options: ClassifierOptions): Classifier<P> => {
  if (cell === null || typeof cell !== 'object' || typeof cell.step !== 'function')
    throw new T.ArgumentError(
      `manyToOne: cell must be a Cell ({ init, initialState, step, … }), got ${String(cell)}`,
    )
  const { N, C, D, H } = checkOptions('manyToOne', options)
  const layer = rnn(cell)
  const out = dense()
  const encode = (p: ClassifierParams<P>, ids: Tensor, lengths: readonly number[]): Tensor => {
    const ls = checkLengths(`manyToOne(${cell.name})`, ids, lengths)
    const xs = embedding().apply(p.embedding, ids)
    return finalHidden(layer.apply(p.reader, xs, { lengths: ls }).state)
  }
  return {
    name: cell.name,
    classes: C,
    init: (key) => {
      const [kE, kC, kO] = T.split(key, 3)
      const reader = layer.init(kC, { inputSize: D, hiddenSize: H })
      const width = T.shape(finalHidden(layer.initialState(reader, 1)))[1]
      return {
        embedding: initEmbedding(kE, N, D),
        reader,
        out: out.init(kO, { inputSize: width, outputSize: C }),
      }
    },
    encode,
    logits: (p, ids, lengths) => out.apply(p.out, encode(p, ids, lengths)),
  }
}

/**
 * Sentences as word ids by a 1-of-N encoder without "other" (`oneHot(vocabulary, { other: false })`):
 * `ids[b][t] = index(words[b][t])`. A sentence without words or a word outside the vocabulary is
 * an ArgumentError naming it.
 *
 * @example
 * const ids = sentenceIds(oneHot(['a', 'b'], { other: false }), [['b', 'a'], ['a']])
 * assert.deepStrictEqual(ids, [[1, 0], [0]])
 * assert.throws(() => sentenceIds(oneHot(['a'], { other: false }), [['a', 'c']]), /sentences\[0\]\[1\] = 'c' is not in the vocabulary/)
 */
export const sentenceIds = (
  encoder: OneHotEncoder,
  sentences: readonly (readonly string[])[],
): number[][] => {
  if (!Array.isArray(sentences))
    throw new T.ArgumentError(
      `sentenceIds: sentences must be an array of word arrays, got ${typeof sentences}`,
    )
  return sentences.map((s, b) => {
    if (!Array.isArray(s) || s.length === 0)
      throw new T.ArgumentError(
        `sentenceIds: sentences[${b}] must be a non-empty array of words, got ${Array.isArray(s) ? 'an empty sentence' : typeof s}`,
      )
    return s.map((w, t) => {
      const i = encoder.indexOf(w)
      if (i === undefined || i === encoder.otherIndex)
        throw new T.ArgumentError(`sentenceIds: sentences[${b}][${t}] = '${w}' is not in the vocabulary`)
      return i
    })
  })
}

/** Sentences as word ids with one class label each. */
export interface LabelledIds {
  readonly ids: readonly (readonly number[])[]
  readonly labels: readonly number[]
}

const checkData = (fn: string, model: Classifier, data: LabelledIds): void => {
  if (typeof data !== 'object' || data === null || !Array.isArray(data.ids) || !Array.isArray(data.labels))
    throw new T.ArgumentError(`${fn}: data must be { ids: number[][], labels: number[] }`)
  if (data.ids.length !== data.labels.length)
    throw new T.ArgumentError(`${fn}: data has ${data.ids.length} sentences but ${data.labels.length} labels`)
  data.ids.forEach((s, b) => {
    if (!Array.isArray(s) || s.length === 0)
      throw new T.ArgumentError(`${fn}: data.ids[${b}] must be a non-empty sentence of word ids`)
  })
  data.labels.forEach((y, b) => {
    if (!Number.isInteger(y) || y < 0 || y >= model.classes)
      throw new T.ArgumentError(
        `${fn}: data.labels[${b}] = ${y} is not a class of ${model.name} (an integer in [0, ${model.classes}))`,
      )
  })
}

/** How `fitClassifier` trains. */
export interface ClassifierFitOptions {
  /** Adam steps, one minibatch each. */
  readonly steps: number
  readonly batchSize: number
  readonly learningRate: number
  /** Called after every step with its index and loss. */
  readonly onStep?: (step: number, loss: number) => void
}

/**
 * Trains a classifier (Lecture §5.1): Adam on the mean cross-entropy of minibatches,
 * `L = −(1/B) Σ_b log y_b[label_b]`, with batches drawn by `minibatches` (each epoch a fresh
 * permutation) from `key`. Returns the params after `steps` steps and the loss of every step.
 *
 * @example
 * const m = manyToOne(SENTIMENT_CELLS.lstm, { vocabularySize: 3, classes: 2, embedding: 4, hidden: 4 })
 * const data = { ids: [[1, 2], [2, 1]], labels: [1, 0] } // the same words, opposite labels
 * const { params, losses } = fitClassifier(m, data, T.key(0), { steps: 80, batchSize: 2, learningRate: 0.05 })
 * assert.ok(losses[79] < losses[0] / 10)
 * assert.deepStrictEqual(classify(m, params, data.ids), [1, 0])
 */
export const fitClassifier = <P extends Tree>(
  model: Classifier<P>,
  data: LabelledIds,
  key: Key,
  options: ClassifierFitOptions,
): { readonly params: ClassifierParams<P>; readonly losses: readonly number[] } => {
  checkData('fitClassifier', model, data)
  const { steps } = options
  if (!Number.isInteger(steps) || steps < 0)
    throw new T.ArgumentError(`fitClassifier: steps must be a non-negative integer, got ${steps}`)
  if (!(options.learningRate > 0))
    throw new T.ArgumentError(`fitClassifier: learningRate must be positive, got ${options.learningRate}`)
  const [kInit, kOrder] = T.split(key, 2)
  const order = minibatches(kOrder, data.ids.length, options.batchSize, steps)
  const batches = order.map((idx) => ({
    ids: padSequences(
      idx.map((i) => data.ids[i]),
      0,
    ),
    lengths: idx.map((i) => data.ids[i].length),
    labels: T.tensor(
      idx.map((i) => data.labels[i]),
      { dtype: 'i32' },
    ),
  }))
  const r = train({
    params: model.init(kInit),
    optimizer: adam(options.learningRate),
    loss: (p: ClassifierParams<P>, b: (typeof batches)[number]) =>
      crossEntropy(model.logits(p, b.ids, b.lengths), b.labels),
    batches,
    onEvent: (e) => {
      if (e.type === 'step') options.onStep?.(e.metrics.step, e.metrics.loss)
    },
  })
  if (r._tag === 'Left') throw new Error(`fitClassifier: training ${model.name} stopped: ${r.left.reason}`)
  return { params: r.right.params, losses: r.right.history.map((h) => h.loss) }
}

/**
 * The most probable class of every sentence, `argmax_c y_b[c]`, computed on chunks of 256
 * sentences.
 *
 * @example
 * const bow = bagOfWords({ vocabularySize: 4, classes: 3 })
 * const ys = classify(bow, bow.init(T.key(0)), [[1, 2, 3], [3, 2, 1], [0]])
 * assert.strictEqual(ys.length, 3)
 * assert.strictEqual(ys[0], ys[1]) // the same words: the same class
 */
export const classify = <P extends Tree>(
  model: Classifier<P>,
  params: ClassifierParams<P>,
  ids: readonly (readonly number[])[],
): number[] => {
  const out: number[] = []
  for (let start = 0; start < ids.length; start += 256) {
    const chunk = ids.slice(start, start + 256)
    const logits = model.logits(
      params,
      padSequences(chunk, 0),
      chunk.map((s) => s.length),
    )
    out.push(...T.toTypedArray(T.argmax(logits, { axis: -1 })))
  }
  return out
}

/**
 * The fraction of sentences classified right: `(1/n) Σ_b [ŷ_b = y_b]`.
 *
 * @example
 * assert.strictEqual(classificationAccuracy([1, 0, 2, 2], [1, 1, 2, 0]), 0.5)
 */
export const classificationAccuracy = (predicted: readonly number[], labels: readonly number[]): number => {
  if (predicted.length !== labels.length || labels.length === 0)
    throw new T.ArgumentError(
      `classificationAccuracy: predicted (${predicted.length}) and labels (${labels.length}) must be equally long and non-empty`,
    )
  return predicted.filter((p, i) => p === labels[i]).length / labels.length
}
