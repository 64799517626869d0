/**
 * A tagger with a linear-chain CRF on top (Lecture §5.8: deep + structured, "an RNN feeding a
 * CRF"): any §1.2 tagger's logits are the CRF's emissions E[t, k], and the CRF adds a learned
 * score for every pair of neighbouring labels (`transitions`) and for the first and last label
 * (`start`, `end`), all initialised to 0: nothing about which label may follow which is given,
 * the transitions are learned from the data. Training minimises the CRF's −log p(y | x) of each
 * sentence's whole label sequence, averaged over the batch (the per-token tagger's loss is the
 * same quantity for a model whose labels are independent); decoding is Viterbi, the best label
 * sequence as a whole rather than the best label at each word.
 */
import { type Crf, crfLoss, crfViterbi } from '@recurrent/losses'
import type { Key } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import type { EncodedWords } from '../encoders.ts'
import {
  type FitOptions,
  runTaggerTraining,
  type TaggedIds,
  type Tagger,
  type TaggerParams,
  taggerTraining,
  tagInChunks,
} from './tagger.ts'

/** A CRF tagger's parameters: the tagger's (its logits are the emissions) and the CRF's. */
export interface CrfTaggerParams {
  readonly tagger: TaggerParams
  readonly crf: Crf
}

/**
 * Trains `model` with a CRF on top from `key` for `options.steps` Adam steps (Lecture §5.8): the
 * tagger's initial params, batches and word dropout are `taggerTraining`'s for the same key, so
 * it sees exactly the batches `fitTagger` would; the CRF over `options.labels` labels starts at
 * 0. The loss of a batch is `crfLoss` of the logits, averaged over its sentences. Returns the
 * trained params and the loss of every step.
 *
 * @example
 * const words = encodingTable(oneHot(['a', 'b']), ['a', 'b'])
 * const { layer, head } = taggerLayer('lstm', 3)
 * const t = tagger({ layer, head, inputSize: words.dims.length, labels: 3, embedding: 4, hidden: 4 })
 * // label 2 only ever follows label 1
 * const data = { words: [[0, 1, 1], [1, 0, 0]], labels: [[1, 2, 2], [0, 1, 2]] }
 * const { params, losses } = fitCrfTagger(t, words, data, T.key(0), { labels: 3, steps: 80, batchSize: 2, learningRate: 0.05 })
 * assert.ok(losses[79] < losses[0] / 4)
 * assert.deepStrictEqual(crfTagSentences(t, params, words, data.words), data.labels)
 * const A = T.toArray(params.crf.transitions)
 * assert.ok(A[0][2] < A[1][2]) // 0 → 2 was never seen, 1 → 2 was
 */
export const fitCrfTagger = (
  model: Tagger,
  words: EncodedWords,
  data: TaggedIds,
  key: Key,
  options: FitOptions & { readonly labels: number },
): { readonly params: CrfTaggerParams; readonly losses: readonly number[] } => {
  const { steps, labels: K } = options
  if (!Number.isInteger(steps) || steps < 0)
    throw new T.ArgumentError(`fitCrfTagger: steps must be a non-negative integer, got ${steps}`)
  if (!Number.isInteger(K) || K < 1)
    throw new T.ArgumentError(`fitCrfTagger: labels must be a positive integer, got ${K}`)
  const training = taggerTraining(model, words, data, key, options)
  const params: CrfTaggerParams = {
    tagger: training.initParams,
    crf: { transitions: T.zeros([K, K]), start: T.zeros([K]), end: T.zeros([K]) },
  }
  return runTaggerTraining(
    training,
    params,
    (p, b) => crfLoss(model.logits(p.tagger, words, b.inputs, b.lengths), b.targets, b.lengths, p.crf),
    options,
    `fitCrfTagger: training ${model.name} + CRF`,
  )
}

/**
 * The best label sequence of every sentence under the CRF (Viterbi over the tagger's logits),
 * run on chunks of 256 sentences. Returns one list of label ids per sentence, as long as it.
 *
 * @example
 * const words = encodingTable(oneHot(['a']), ['a'])
 * const t = tagger({ layer: feedforward(), inputSize: words.dims.length, labels: 2, embedding: 2, hidden: 2 })
 * // moving between the labels costs 5: whatever the logits, a sentence keeps one label
 * const crf = { transitions: T.tensor([[0, -5], [-5, 0]]), start: T.zeros([2]), end: T.zeros([2]) }
 * const tags = crfTagSentences(t, { tagger: t.init(T.key(0)), crf }, words, [[0, 0, 0], [0]])
 * assert.deepStrictEqual(tags.map((s) => new Set(s).size), [1, 1])
 */
export const crfTagSentences = (
  model: Tagger,
  params: CrfTaggerParams,
  words: EncodedWords,
  sentences: readonly (readonly number[])[],
): number[][] =>
  tagInChunks(sentences, (b) =>
    crfViterbi(model.logits(params.tagger, words, b.inputs, b.lengths), b.lengths, params.crf),
  )
