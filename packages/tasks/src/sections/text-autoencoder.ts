/**
 * Lecture §5.5: a sequence-to-sequence auto-encoder for text. Word order carries meaning: "white
 * blood cells destroying an infection" is good news and "an infection destroying white blood
 * cells" bad news, with the same words. A bag of words (the count of each word) gives the two the
 * same vector. A recurrent encoder reads a sentence into one vector, its code, and a recurrent
 * decoder rebuilds the sentence from the code alone; trained jointly to reconstruct, the code must
 * keep the order, so the two sentences get different codes. The model is §5.3's encoder–decoder
 * (`models/seq2seq.ts`, without attention: the decoder sees nothing but the code), over the
 * sentences of `data/word-order.ts`.
 */
import type { Key } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { cosineDistance, principalComponents } from '../codes.ts'
import { WORD_ORDER_SENTENCES, wordOrderPairs, wordOrderVocabulary } from '../data/word-order.ts'
import { type Experiment, type Plot, type RunContext, stepLossPlot, type Table } from '../experiment.ts'
import { exactMatch } from '../metrics.ts'
import { greedyDecode, type Seq2seq, type Seq2seqParams, STOP_ID, seq2seq } from '../models/seq2seq.ts'
import {
  type EncoderDecoderBatch,
  type EncoderDecoderTraining,
  encoderDecoderBatch,
  trainEncoderDecoder,
} from './seq2seq.ts'

/**
 * §5.5's configuration: the auto-encoder's sizes (`hidden`: the code's size H) and budget
 * (`batch`: sentences per step), and the held-out pairs.
 */
export interface TextAutoencoderConfig extends EncoderDecoderTraining {
  /** Held-out pairs (same words, two orders), never in a training batch. */
  readonly testPairs: number
  /** How many held-out pairs the projection plot draws. */
  readonly plotPairs: number
}

/** What §5.5 measures on the held-out pairs (the `results.json` contract). */
export interface TextAutoencoderMetrics {
  /**
   * The mean cosine distance between the codes of the two sentences of a pair (same words,
   * another order): the auto-encoder's code, and the bag of words (0 by construction).
   */
  readonly orderSeparation: { readonly autoencoder: number; readonly bagOfWords: number }
  /** The share of held-out sentences that greedy decoding of their code writes back exactly (`===` included). */
  readonly reconstructionAccuracy: number
  /** Why training stopped before its budget (a non-finite value), if it did. */
  readonly stopped?: string
}

/** The criterion: the codes of a pair are on average at least this far apart (cosine distance)… */
export const ORDER_SEPARATION_AT_LEAST = 0.1
/** …and at least this share of the held-out sentences is rebuilt exactly from its code. */
export const RECONSTRUCTION_AT_LEAST = 0.8

/** The auto-encoder's words: `===` at id 0 (the decoder's start and stop), then the sentences' words. */
export const TEXT_VOCABULARY: readonly string[] = Object.freeze(['===', ...wordOrderVocabulary()])
const ID = new Map(TEXT_VOCABULARY.map((w, i) => [w, i]))

const idsOf = (fn: string, sentence: readonly string[]): number[] => {
  if (!Array.isArray(sentence) || sentence.length === 0)
    throw new T.ArgumentError(`${fn}: a sentence must be a non-empty array of words`)
  return sentence.map((w, t) => {
    const id = ID.get(w)
    if (id === undefined || id === STOP_ID)
      throw new T.ArgumentError(`${fn}: word ${t} '${String(w)}' is not in the vocabulary`)
    return id
  })
}

/** A batch of sentences for the auto-encoder: source `[Ts, B]`, decoder inputs and targets `[Td, B]`. */
export type AutoencoderBatch = EncoderDecoderBatch

/**
 * The target of a sentence (Lecture §5.5): its words backwards, then `===`. The decoder writes
 * the word the encoder read last first, as Sutskever et al. reverse the source: the first words
 * to write are the freshest in the code.
 *
 * @example
 * assert.deepStrictEqual(reconstructionTarget(['the', 'dog', 'chasing', 'the', 'cat']), ['cat', 'the', 'chasing', 'dog', 'the', '==='])
 */
export const reconstructionTarget = (sentence: readonly string[]): string[] => [
  ...[...sentence].reverse(),
  '===',
]

/**
 * Sentences as an auto-encoder batch (Lecture §5.5): the encoder reads the sentence, the decoder
 * reads `===` then the target's words (teacher forcing) and is trained to write the target,
 * `reconstructionTarget(sentence)`:
 *
 *   inputs = ===, w_n, …, w_2      targets = w_n, …, w_1, ===
 *
 * @example
 * const b = autoencoderBatch([['antibodies', 'helping', 'my', 'sister']])
 * assert.deepStrictEqual(T.shape(b.source), [4, 1])
 * assert.deepStrictEqual(T.toArray(b.targets).flat().map((i) => TEXT_VOCABULARY[i]), ['sister', 'my', 'helping', 'antibodies', '==='])
 */
export const autoencoderBatch = (sentences: readonly (readonly string[])[]): AutoencoderBatch => {
  if (!Array.isArray(sentences) || sentences.length === 0)
    throw new T.ArgumentError('autoencoderBatch: sentences must be a non-empty array of sentences')
  const source = sentences.map((s) => idsOf('autoencoderBatch', s))
  const target = sentences.map((s) => reconstructionTarget(s).map((w) => ID.get(w)!))
  return encoderDecoderBatch(source, target)
}

/**
 * The bag-of-words code of a sentence (Lecture §5.5), its word counts: how often each word of `TEXT_VOCABULARY`
 * occurs in it. Blind to order by construction: a sentence and any reordering of it get the
 * same vector.
 *
 * @example
 * const a = wordCounts(['white', 'blood', 'cells', 'destroying', 'an', 'infection'])
 * const b = wordCounts(['an', 'infection', 'destroying', 'white', 'blood', 'cells'])
 * assert.deepStrictEqual(a, b)
 * assert.strictEqual(a.reduce((x, y) => x + y, 0), 6)
 */
export const wordCounts = (sentence: readonly string[]): number[] => {
  const counts: number[] = Array(TEXT_VOCABULARY.length).fill(0)
  for (const id of idsOf('wordCounts', sentence)) counts[id]++
  return counts
}

/** A trained text auto-encoder and the loss of every step. */
export interface TrainedTextAutoencoder {
  readonly model: Seq2seq
  readonly params: Seq2seqParams
  readonly initial: Seq2seqParams
  readonly losses: readonly number[]
  /** Why training stopped before the budget (a non-finite value), if it did. */
  readonly stopped?: string
}

const checkConfig = (fn: string, c: TextAutoencoderConfig): void => {
  if (typeof c !== 'object' || c === null)
    throw new T.ArgumentError(`${fn}: config must be an object, got ${String(c)}`)
  for (const k of ['embedding', 'hidden', 'steps', 'batch', 'testPairs'] as const)
    if (typeof c[k] !== 'number' || !Number.isInteger(c[k]) || c[k] < 1)
      throw new T.ArgumentError(`${fn}: config.${k} must be a positive integer, got ${String(c[k])}`)
  if (!Number.isInteger(c.plotPairs) || c.plotPairs < 0)
    throw new T.ArgumentError(
      `${fn}: config.plotPairs must be a non-negative integer, got ${String(c.plotPairs)}`,
    )
  for (const k of ['learningRate', 'clipNorm'] as const)
    if (typeof c[k] !== 'number' || !(c[k] > 0) || !Number.isFinite(c[k]))
      throw new T.ArgumentError(`${fn}: config.${k} must be a finite number > 0, got ${String(c[k])}`)
  if (2 * c.testPairs > WORD_ORDER_SENTENCES / 4)
    throw new T.ArgumentError(
      `${fn}: config.testPairs must be at most ${Math.floor(WORD_ORDER_SENTENCES / 8)} (an eighth of the ${WORD_ORDER_SENTENCES} sentences, so training keeps most), got ${c.testPairs}`,
    )
}

/**
 * The held-out pairs of §5.5: `testPairs` pairs from `foldIn(key, 0)`, each sentence followed by
 * its partner (same words, another order).
 *
 * @example
 * const held = heldOutPairs(3, T.key(0))
 * assert.strictEqual(held.length, 6)
 * assert.deepStrictEqual([...held[0]].sort(), [...held[1]].sort())
 */
export const heldOutPairs = (testPairs: number, key: Key): string[][] =>
  wordOrderPairs(T.foldIn(key, 0), { pairs: testPairs })

/**
 * The training sentences of §5.5, batch by batch: batch i is the first `batch` sentences of
 * `wordOrderPairs(foldIn(foldIn(foldIn(key, 1), i), j))`, j = 0, 1, … as needed, that are not
 * held out (`heldOutPairs(testPairs, key)`), so training never sees a held-out sentence.
 *
 * @example
 * const c = { ...textAutoencoderExperiment.config(false), batch: 8, testPairs: 5 }
 * const batch = trainingSentences(c, T.key(0))
 * const held = heldOutPairs(5, T.key(0)).map((s) => s.join(' '))
 * assert.strictEqual(batch(0).length, 8)
 * assert.ok(batch(0).every((s) => !held.includes(s.join(' '))))
 */
export const trainingSentences = (config: TextAutoencoderConfig, key: Key): ((i: number) => string[][]) => {
  checkConfig('trainingSentences', config)
  const held = new Set(heldOutPairs(config.testPairs, key).map((s) => s.join(' ')))
  const stream = T.foldIn(key, 1)
  return (i) => {
    const out: string[][] = []
    for (let j = 0; out.length < config.batch; j++)
      for (const s of wordOrderPairs(T.foldIn(T.foldIn(stream, i), j), { pairs: config.batch }))
        if (!held.has(s.join(' ')) && out.length < config.batch) out.push(s)
    return out
  }
}

/**
 * Trains the text auto-encoder (Lecture §5.5): §5.3's GRU encoder–decoder without attention, the
 * encoder's last state e_len the code c, the decoder started from it and trained to write the
 * sentence back (backwards, then `===`). The loss of a batch of B sentences
 *
 *   L = (1/B) Σ_b Σ_t −log p(y_{b,t} | y_{b,<t}, c_b)
 *
 * minimised by `chain(clipByGlobalNorm(clipNorm), adam(learningRate))` for `steps` steps
 * (`trainEncoderDecoder`). Keys: the params from `foldIn(key, 2)`; batch i is `trainingSentences(config, key)(i)`.
 *
 * @example
 * const c = { ...textAutoencoderExperiment.config(false), hidden: 8, embedding: 4, steps: 2, batch: 4, testPairs: 2 }
 * const r = trainTextAutoencoder(c, T.key(0))
 * assert.strictEqual(r.losses.length, 2)
 */
export const trainTextAutoencoder = (
  config: TextAutoencoderConfig,
  key: Key,
  context?: RunContext,
): TrainedTextAutoencoder => {
  checkConfig('trainTextAutoencoder', config)
  const sentences = trainingSentences(config, key)
  const model = seq2seq({
    sourceVocabulary: TEXT_VOCABULARY.length,
    targetVocabulary: TEXT_VOCABULARY.length,
    embedding: config.embedding,
    hidden: config.hidden,
  })
  const initial = model.init(T.foldIn(key, 2))
  const r = trainEncoderDecoder(
    model,
    initial,
    (i) => autoencoderBatch(sentences(i)),
    config,
    'text auto-encoder',
    context,
  )
  return {
    model,
    params: r.params,
    initial,
    losses: r.losses,
    ...(r.stopped === undefined ? {} : { stopped: r.stopped }),
  }
}

/**
 * The codes of sentences (Lecture §5.5): the encoder's last state, one row `[H]` per sentence.
 *
 * @example
 * const c = { ...textAutoencoderExperiment.config(false), hidden: 8, embedding: 4, steps: 1, batch: 4, testPairs: 2 }
 * const r = trainTextAutoencoder(c, T.key(0))
 * const codes = sentenceCodes(r.model, r.params, heldOutPairs(2, T.key(0)))
 * assert.deepStrictEqual([codes.length, codes[0].length], [4, 8])
 */
export const sentenceCodes = (
  model: Seq2seq,
  params: Seq2seqParams,
  sentences: readonly (readonly string[])[],
): number[][] => {
  const b = autoencoderBatch(sentences)
  return T.toArray(model.encode(params, b.source, b.lengths).state) as number[][]
}

const meanPairDistance = (codes: readonly (readonly number[])[], offset: number): number => {
  let total = 0
  const pairs = codes.length / 2
  for (let i = 0; i < pairs; i++)
    total += cosineDistance(codes[2 * i], codes[(2 * i + offset) % codes.length])
  return total / pairs
}

const round = (x: number): number => Number(x.toFixed(3))

/** The codes' projection plot: two principal components, each pair joined by a line. */
const projectionPlot = (sentences: readonly (readonly string[])[], projected: number[][]): Plot => {
  const values = sentences.map((s, n) => ({
    pc1: projected[n][0],
    pc2: projected[n][1],
    pair: Math.floor(n / 2),
    sentence: s.join(' '),
    last: s[s.length - 1],
  }))
  return {
    id: 'text-autoencoder-codes',
    title:
      'Codes of held-out sentences, projected on their two principal components (a line joins the two orders of the same words; bag of words: every pair is one point)',
    spec: {
      description:
        'The auto-encoder codes of held-out sentences; each pair has the same words in two orders. Colour: the sentence’s last word.',
      width: 460,
      height: 360,
      data: { values },
      layer: [
        {
          mark: { type: 'line', color: '#bbbbbb', strokeWidth: 1 },
          encoding: {
            x: { field: 'pc1', type: 'quantitative', title: 'principal component 1' },
            y: { field: 'pc2', type: 'quantitative', title: 'principal component 2' },
            detail: { field: 'pair', type: 'nominal' },
          },
        },
        {
          mark: { type: 'point', filled: true, size: 50 },
          encoding: {
            x: { field: 'pc1', type: 'quantitative' },
            y: { field: 'pc2', type: 'quantitative' },
            color: { field: 'last', type: 'nominal', title: 'last word', scale: { scheme: 'tableau20' } },
            tooltip: [{ field: 'sentence', type: 'nominal' }],
          },
        },
      ],
    },
  }
}

/**
 * Lecture §5.5 as an experiment: the text auto-encoder trained on sentences whose partners have
 * the same words in another order, then measured on held-out pairs: how far apart the codes of
 * the two orders are (cosine distance), against the bag of words, which cannot separate them, and
 * how many sentences greedy decoding rebuilds exactly from their code.
 *
 * @example
 * const tiny = { ...textAutoencoderExperiment.config(false), hidden: 8, embedding: 4, steps: 2, batch: 4, testPairs: 3, plotPairs: 2 }
 * const r = textAutoencoderExperiment.run(tiny, T.key(0))
 * assert.strictEqual(r.metrics.orderSeparation.bagOfWords, 0) // whatever the training
 * assert.strictEqual(textAutoencoderExperiment.holds(r.metrics), false) // two steps teach nothing
 */
export const textAutoencoderExperiment: Experiment<TextAutoencoderConfig, TextAutoencoderMetrics> = {
  id: '5.5',
  title: 'Text auto-encoder: a code that keeps word order',
  claim:
    'A recurrent encoder compresses a sentence into one vector and a recurrent decoder rebuilds the sentence from it, the two trained together. The code keeps the word order that a bag of words loses: "white blood cells destroying an infection" and "an infection destroying white blood cells" get the same word counts but different codes.',
  criterion: `On held-out pairs of sentences with the same words in another order, the mean cosine distance between the codes of a pair is at least ${ORDER_SEPARATION_AT_LEAST} for the auto-encoder and 0 for the bag of words (by construction), and greedy decoding rebuilds at least ${RECONSTRUCTION_AT_LEAST} of the held-out sentences exactly from their codes.`,
  config: (full) => ({
    embedding: 32,
    hidden: 64,
    steps: full ? 1000 : 300,
    batch: 32,
    learningRate: 0.01,
    clipNorm: 1,
    testPairs: 100,
    plotPairs: 30,
  }),
  run: (config, key, context) => {
    checkConfig('textAutoencoderExperiment.run', config)
    const r = trainTextAutoencoder(config, key, context)
    const test = heldOutPairs(config.testPairs, key)
    const codes = sentenceCodes(r.model, r.params, test)
    const untrained = sentenceCodes(r.model, r.initial, test)
    const bags = test.map(wordCounts)
    const b = autoencoderBatch(test)
    const limit = 2 * Math.max(...b.targetLengths)
    const decoded = greedyDecode(r.model, r.params, b.source, b.lengths, limit).ids
    const reference = test.map((s) => reconstructionTarget(s).map((w) => ID.get(w)!))
    const metrics: TextAutoencoderMetrics = {
      orderSeparation: { autoencoder: meanPairDistance(codes, 1), bagOfWords: meanPairDistance(bags, 1) },
      reconstructionAccuracy: exactMatch(decoded, reference),
      ...(r.stopped === undefined ? {} : { stopped: r.stopped }),
    }
    const right = decoded.map(
      (d, i) => d.length === reference[i].length && d.every((w, t) => w === reference[i][t]),
    )
    const bothRight = Array.from({ length: config.testPairs }, (_, i) => right[2 * i] && right[2 * i + 1])
    const words = (ids: readonly number[]): string =>
      ids
        .filter((id) => id !== STOP_ID)
        .map((id) => TEXT_VOCABULARY[id])
        .reverse()
        .join(' ')
    const summary: Table = {
      title: `${config.testPairs} held-out pairs (same words, two orders), ${config.steps} training steps`,
      columns: ['code', 'cosine distance within a pair', 'to the next pair’s sentence'],
      rows: [
        [
          'auto-encoder (trained)',
          round(metrics.orderSeparation.autoencoder),
          round(meanPairDistance(codes, 2)),
        ],
        [
          'the same encoder untrained',
          round(meanPairDistance(untrained, 1)),
          round(meanPairDistance(untrained, 2)),
        ],
        ['bag of words', round(metrics.orderSeparation.bagOfWords), round(meanPairDistance(bags, 2))],
      ],
    }
    const reconstruction: Table = {
      title: 'Greedy reconstruction from the code',
      columns: ['held-out sentences rebuilt exactly', 'pairs with both orders rebuilt exactly'],
      rows: [
        [round(metrics.reconstructionAccuracy), round(bothRight.filter(Boolean).length / config.testPairs)],
      ],
    }
    const examples: Table = {
      title: 'The first held-out pairs and what the decoder writes from their codes',
      columns: ['sentence', 'rebuilt from its code', 'cosine distance to its partner'],
      rows: test
        .slice(0, 8)
        .map((s, i) => [
          s.join(' '),
          words(decoded[i]),
          round(cosineDistance(codes[i], codes[i % 2 === 0 ? i + 1 : i - 1])),
        ]),
    }
    const shown = Math.min(config.plotPairs, config.testPairs) * 2
    const plots: Plot[] = []
    if (shown > 0) {
      const p = principalComponents(T.tensor(codes.slice(0, shown)), Math.min(2, config.hidden))
      const xy = T.toArray(p.projected) as number[][]
      plots.push(
        projectionPlot(
          test.slice(0, shown),
          xy.map((row) => [row[0], row[1] ?? 0]),
        ),
      )
    }
    plots.push(
      stepLossPlot(
        'text-autoencoder-loss',
        'Training loss per step (cross-entropy of the rebuilt sentence, summed over its words)',
        r.losses,
      ),
    )
    return { metrics, plots, tables: [summary, reconstruction, examples] }
  },
  holds: (m) =>
    m.orderSeparation.autoencoder >= ORDER_SEPARATION_AT_LEAST &&
    m.orderSeparation.bagOfWords === 0 &&
    m.reconstructionAccuracy >= RECONSTRUCTION_AT_LEAST,
}
