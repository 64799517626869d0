/**
 * Lecture §5.3: sequence to sequence, many to many with no limit on the output's length. An
 * encoder–decoder (`models/seq2seq.ts`) learns the toy translation of `data/translation.ts`
 * ("machine learning" → 機 器 學 習, word order reversed in chunks of three), where the output is
 * reordered and longer than the input, and decides by itself where to stop by writing `===`. It
 * is decoded greedily and with a beam and scored by exact match and token accuracy, overall and
 * by input length. `trainSeq2seq` is shared with §5.7, which compares it with an attention decoder.
 */
import { crossEntropy } from '@recurrent/losses'
import type { Key, Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { batchSequences, IGNORE_INDEX, padSequences } from '../data/batch.ts'
import {
  LEXICON,
  type TranslationPair,
  toIds,
  translationPairs,
  translationVocabulary,
} from '../data/translation.ts'
import {
  boundedMemo,
  type Experiment,
  type Plot,
  type RunContext,
  type Table,
  type TrainedSteps,
  trainSteps,
} from '../experiment.ts'
import { exactMatch, tokenAccuracy } from '../metrics.ts'
import {
  beamDecode,
  type Decoded,
  greedyDecode,
  type Seq2seq,
  type Seq2seqParams,
  STOP_ID,
  seq2seq,
} from '../models/seq2seq.ts'

/** The toy translation task: source lengths in words and the reordering chunk (the default lexicon). */
export interface TranslationTask {
  readonly minLength: number
  readonly maxLength: number
  readonly chunk: number
}

/**
 * How an encoder–decoder is trained, whatever its task (Lecture §5.3–§5.5): word vectors' size and
 * the GRUs' hidden size H, a fixed budget of `steps` Adam steps on fresh batches of `batch`
 * sequences at `learningRate`, the global gradient norm clipped at `clipNorm`.
 */
export interface EncoderDecoderTraining {
  readonly embedding: number
  readonly hidden: number
  readonly steps: number
  readonly batch: number
  readonly learningRate: number
  readonly clipNorm: number
}

/** How §5.3's encoder–decoder is trained: the task, the model's sizes and the budget. */
export interface Seq2seqTraining extends TranslationTask, EncoderDecoderTraining {}

/** §5.3's configuration: the training, the test set (`testPerLength` pairs of each length) and the beam width. */
export interface Seq2seqConfig extends Seq2seqTraining {
  readonly testPerLength: number
  readonly beamWidth: number
}

/**
 * A batch for an encoder–decoder: sources `[Ts, B]` (padded with 0) and their lengths, decoder
 * inputs and targets `[Td, B]` (targets padded with `IGNORE_INDEX`) and the targets' lengths.
 */
export interface EncoderDecoderBatch {
  readonly source: Tensor
  readonly lengths: readonly number[]
  readonly inputs: Tensor
  readonly targets: Tensor
  readonly targetLengths: readonly number[]
}

/**
 * Token ids as an encoder–decoder batch (Lecture §5.3): the encoder reads each source, the
 * decoder reads `===` then its target but the last token (teacher forcing) and is trained to write
 * the target, whose last token is `===`:
 *
 *   inputs = ===, y_1, …, y_n      targets = y_1, …, y_n, ===
 *
 * @example
 * const b = encoderDecoderBatch([[3, 4], [5]], [[1, 2, 0], [2, 0]])
 * assert.deepStrictEqual(b.lengths, [2, 1])
 * assert.deepStrictEqual(T.toArray(b.inputs), [[0, 0], [1, 2], [2, 0]])
 * assert.deepStrictEqual(T.toArray(b.targets), [[1, 2], [2, 0], [0, IGNORE_INDEX]])
 */
export const encoderDecoderBatch = (
  source: readonly (readonly number[])[],
  target: readonly (readonly number[])[],
): EncoderDecoderBatch => {
  const dec = batchSequences(
    target.map((t) => [STOP_ID, ...t.slice(0, -1)]),
    target,
  )
  return {
    source: padSequences(source, 0),
    lengths: source.map((s) => s.length),
    inputs: dec.inputs,
    targets: dec.targets,
    targetLengths: dec.lengths,
  }
}

/**
 * The loss of an encoder–decoder batch of B sequences (Lecture §5.3): the target tokens'
 * cross-entropy summed per sequence, averaged over the batch,
 *
 *   L = (1/B) Σ_b Σ_{t ≤ n_b + 1} −log p(y_{b,t} | y_{b,<t}, x_b)     (y_{b, n_b + 1} = ===)
 *
 * @example
 * const m = seq2seq({ sourceVocabulary: 6, targetVocabulary: 3, embedding: 2, hidden: 3 })
 * const b = encoderDecoderBatch([[3, 4], [5]], [[1, 2, 0], [2, 0]])
 * assert.ok(T.item(encoderDecoderLoss(m, m.init(T.key(0)), b)) > 0)
 */
export const encoderDecoderLoss = (model: Seq2seq, params: Seq2seqParams, b: EncoderDecoderBatch): Tensor =>
  T.div(
    crossEntropy(
      model.logits(params, model.encode(params, b.source, b.lengths), b.inputs, b.targetLengths),
      b.targets,
      { reduction: 'sum', ignoreIndex: IGNORE_INDEX },
    ),
    b.lengths.length,
  )

/**
 * Trains an encoder–decoder (Lecture §5.3–§5.5) from `params` on `encoderDecoderLoss` with
 * `trainSteps` (Adam, the global gradient norm clipped) for `training.steps` steps, batch i
 * `batch(i)`, reported to `context` as `run`.
 *
 * @example
 * const m = seq2seq({ sourceVocabulary: 6, targetVocabulary: 3, embedding: 2, hidden: 3 })
 * const b = encoderDecoderBatch([[3, 4], [5]], [[1, 2, 0], [2, 0]])
 * const r = trainEncoderDecoder(m, m.init(T.key(0)), () => b, { steps: 20, learningRate: 0.05, clipNorm: 1 }, 'toy')
 * assert.ok(r.losses[19] < r.losses[0])
 */
export const trainEncoderDecoder = (
  model: Seq2seq,
  params: Seq2seqParams,
  batch: (i: number) => EncoderDecoderBatch,
  training: Pick<EncoderDecoderTraining, 'steps' | 'learningRate' | 'clipNorm'>,
  run: string,
  context?: RunContext,
): TrainedSteps<Seq2seqParams> =>
  trainSteps(
    params,
    (p, b: EncoderDecoderBatch) => encoderDecoderLoss(model, p, b),
    batch,
    training,
    run,
    context,
  )

/** A batch of pairs as tensors: source `[Ts, B]`, decoder inputs and targets `[Td, B]` (targets padded with `IGNORE_INDEX`). */
export interface TranslationBatch {
  readonly source: Tensor
  readonly sourceLengths: readonly number[]
  readonly inputs: Tensor
  readonly targets: Tensor
  readonly targetLengths: readonly number[]
}

const VOCABULARY = translationVocabulary(LEXICON)

const pairBatch = (pairs: readonly TranslationPair[]): EncoderDecoderBatch =>
  encoderDecoderBatch(
    pairs.map((p) => toIds(p.source, VOCABULARY.source)),
    pairs.map((p) => toIds(p.target, VOCABULARY.target)),
  )

/**
 * Pairs of the default lexicon as a training batch (Lecture §5.3): the decoder reads `===` then
 * the reference tokens (teacher forcing) and is trained to write the reference, `===` last:
 *
 *   inputs = ===, y_1, …, y_n      targets = y_1, …, y_n, ===
 *
 * @example
 * const b = translationBatch([{ source: ['machine'], target: ['機', '器', '==='] }])
 * assert.deepStrictEqual(T.toArray(b.inputs).flat(), [0, 1, 2])
 * assert.deepStrictEqual(T.toArray(b.targets).flat(), [1, 2, 0])
 */
export const translationBatch = (pairs: readonly TranslationPair[]): TranslationBatch => {
  if (!Array.isArray(pairs) || pairs.length === 0)
    throw new T.ArgumentError('translationBatch: pairs must be a non-empty array of { source, target }')
  const b = pairBatch(pairs)
  return {
    source: b.source,
    sourceLengths: b.lengths,
    inputs: b.inputs,
    targets: b.targets,
    targetLengths: b.targetLengths,
  }
}

/**
 * The decoding limit of a task: twice the longest possible target (`===` included), so a model
 * that never writes `===` is cut off there.
 *
 * @example
 * assert.strictEqual(decodeLimit({ minLength: 1, maxLength: 8, chunk: 3 }), 34) // 2 × (8·2 + 1)
 */
export const decodeLimit = (task: TranslationTask): number =>
  2 * (task.maxLength * Math.max(...Object.values(LEXICON).map((t) => t.length)) + 1)

/** An encoder–decoder trained on the toy translation. */
export interface TrainedSeq2seq {
  readonly model: Seq2seq
  readonly params: Seq2seqParams
  /** The loss of every step: target tokens' cross-entropy summed per sentence, averaged over the batch. */
  readonly losses: readonly number[]
  /** Why training stopped before the budget (a non-finite value), if it did. */
  readonly stopped?: string
}

const checkTraining = (fn: string, t: Seq2seqTraining): void => {
  if (typeof t !== 'object' || t === null)
    throw new T.ArgumentError(`${fn}: training must be an object, got ${String(t)}`)
  for (const k of ['minLength', 'maxLength', 'chunk', 'embedding', 'hidden', 'steps', 'batch'] as const) {
    const v = t[k]
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw new T.ArgumentError(`${fn}: training.${k} must be a positive integer, got ${String(v)}`)
  }
  if (t.maxLength < t.minLength)
    throw new T.ArgumentError(
      `${fn}: training.maxLength (${t.maxLength}) must be ≥ minLength (${t.minLength})`,
    )
  for (const k of ['learningRate', 'clipNorm'] as const) {
    const v = t[k]
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
      throw new T.ArgumentError(`${fn}: training.${k} must be a finite number > 0, got ${String(v)}`)
  }
}

const trained = boundedMemo<TrainedSeq2seq>(8)

/**
 * Trains an encoder–decoder (with dot-product attention when `attention`) on the toy
 * translation (Lecture §5.3, §5.7): the loss of a batch of B pairs
 *
 *   L = (1/B) Σ_b Σ_{t ≤ n_b + 1} −log p(y_{b,t} | y_{b,<t}, x_b)     (y_{b, n_b + 1} = ===)
 *
 * minimised by `chain(clipByGlobalNorm(clipNorm), adam(learningRate))` for `steps` steps.
 *
 * Keys: batch i is drawn from `foldIn(foldIn(key, 1), i)` (the same for both models), the params
 * from `foldIn(key, 2)` (plain) or `foldIn(key, 3)` (attention). The result depends only on the
 * arguments; a repeated call with equal training, `attention` and key returns the first result
 * without training again (and reports no progress), so §5.7 reuses §5.3's model. `run` names the
 * run in `context`'s events.
 *
 * @example
 * const training = { minLength: 1, maxLength: 2, chunk: 3, embedding: 4, hidden: 8, steps: 3, batch: 4, learningRate: 0.01, clipNorm: 1 }
 * const r = trainSeq2seq(training, false, T.key(0))
 * assert.strictEqual(r.losses.length, 3)
 * assert.strictEqual(trainSeq2seq(training, false, T.key(0)), r) // memoised
 */
export const trainSeq2seq = (
  training: Seq2seqTraining,
  attention: boolean,
  key: Key,
  context?: RunContext,
  run: string = attention ? 'attention' : 'seq2seq',
): TrainedSeq2seq => {
  checkTraining('trainSeq2seq', training)
  const { minLength, maxLength, chunk, embedding, hidden, steps, batch, learningRate, clipNorm } = training
  const memoKey = JSON.stringify([
    attention,
    minLength,
    maxLength,
    chunk,
    embedding,
    hidden,
    steps,
    batch,
    learningRate,
    clipNorm,
    key.words,
  ])
  const hit = trained.get(memoKey)
  if (hit !== undefined) return hit
  const model = seq2seq({
    sourceVocabulary: VOCABULARY.source.length,
    targetVocabulary: VOCABULARY.target.length,
    embedding,
    hidden,
    attention,
  })
  const stream = T.foldIn(key, 1)
  const task = { minLength, maxLength, chunk }
  const r = trainEncoderDecoder(
    model,
    model.init(T.foldIn(key, attention ? 3 : 2)),
    (i) => pairBatch(translationPairs(T.foldIn(stream, i), batch, task)),
    training,
    run,
    context,
  )
  const done: TrainedSeq2seq = {
    model,
    params: r.params,
    losses: Object.freeze(r.losses),
    ...(r.stopped === undefined ? {} : { stopped: r.stopped }),
  }
  return trained.set(memoKey, Object.freeze(done))
}

/**
 * The seeded test set of a task (Lecture §5.3): `perLength` pairs of every source length
 * minLength…maxLength, drawn from `foldIn(key, 0)` (never a training batch's key).
 *
 * @example
 * const test = translationTestSet({ minLength: 2, maxLength: 3, chunk: 3 }, 4, T.key(0))
 * assert.deepStrictEqual(test.map((p) => p.source.length), [2, 2, 2, 2, 3, 3, 3, 3])
 */
export const translationTestSet = (task: TranslationTask, perLength: number, key: Key): TranslationPair[] =>
  translationPairs(T.foldIn(key, 0), perLength, task, { perLength: true })

/** Per source length: greedy exact match and token accuracy. */
export interface LengthScore {
  readonly length: number
  readonly exactMatch: number
  readonly tokenAccuracy: number
}

/**
 * Scores decoded ids against the test pairs by source length (Lecture §5.3, §5.7): per length,
 * `exactMatch` and `tokenAccuracy` of the sentences of that length, lengths ascending.
 *
 * @example
 * const pairs = [{ source: ['i'], target: ['我', '==='] }, { source: ['i', 'see'], target: ['看', '我', '==='] }]
 * const ids = pairs.map((p) => toIds(p.target, translationVocabulary().target))
 * assert.deepStrictEqual(scoreByLength(pairs, ids), [
 *   { length: 1, exactMatch: 1, tokenAccuracy: 1 },
 *   { length: 2, exactMatch: 1, tokenAccuracy: 1 },
 * ])
 */
export const scoreByLength = (
  pairs: readonly TranslationPair[],
  ids: readonly (readonly number[])[],
): LengthScore[] => {
  const reference = pairs.map((p) => toIds(p.target, VOCABULARY.target))
  const lengths = [...new Set(pairs.map((p) => p.source.length))].sort((a, b) => a - b)
  return lengths.map((length) => {
    const at = pairs.flatMap((p, i) => (p.source.length === length ? [i] : []))
    const pred = at.map((i) => ids[i])
    const ref = at.map((i) => reference[i])
    return { length, exactMatch: exactMatch(pred, ref), tokenAccuracy: tokenAccuracy(pred, ref) }
  })
}

/**
 * Decodes the test pairs' sources with a trained model (Lecture §5.3): greedy, or a beam of
 * `beamWidth` when given, each output cut at `limit` tokens.
 *
 * @example
 * const training = { minLength: 1, maxLength: 2, chunk: 3, embedding: 4, hidden: 8, steps: 2, batch: 4, learningRate: 0.01, clipNorm: 1 }
 * const r = trainSeq2seq(training, false, T.key(0))
 * const test = translationTestSet(training, 2, T.key(0))
 * assert.strictEqual(decodePairs(r, test, 10).ids.length, 4)
 */
export const decodePairs = (
  trainedModel: TrainedSeq2seq,
  pairs: readonly TranslationPair[],
  limit: number,
  beamWidth?: number,
): Decoded => {
  const source = pairs.map((p) => toIds(p.source, VOCABULARY.source))
  const x = padSequences(source, 0)
  const lengths = source.map((s) => s.length)
  return beamWidth === undefined
    ? greedyDecode(trainedModel.model, trainedModel.params, x, lengths, limit)
    : beamDecode(trainedModel.model, trainedModel.params, x, lengths, limit, beamWidth)
}

/** What §5.3 measures on the test set, greedy and beam. */
export interface Seq2seqMetrics {
  readonly exactMatch: { readonly greedy: number; readonly beam: number }
  readonly tokenAccuracy: { readonly greedy: number; readonly beam: number }
  /** Greedy, per source length. */
  readonly byLength: readonly LengthScore[]
  /** The share of outputs that end with `===` within the decoding limit. */
  readonly endsWithStop: { readonly greedy: number; readonly beam: number }
  readonly beamWidth: number
  readonly limit: number
  readonly steps: number
  /** Why training stopped early (a non-finite value), if it did. */
  readonly stopped?: string
}

/** §5.3's criterion: greedy decoding translates at least this share of test sentences exactly. */
export const SEQ2SEQ_EXACT_AT_LEAST = 0.5
/** §5.3's criterion: at least this share of outputs (greedy and beam) end with `===` within the limit. */
export const STOPS_AT_LEAST = 0.95

const endsWithStop = (ids: readonly (readonly number[])[]): number =>
  ids.filter((s) => s.length > 0 && s[s.length - 1] === STOP_ID).length / ids.length

const words = (ids: readonly number[]): string => ids.map((i) => VOCABULARY.target[i]).join(' ')

/**
 * The accuracy-by-length plot of Lecture §5.3 and §5.7: one line per model and measure against
 * the source length (a Vega-Lite spec with its rows inline).
 *
 * @example
 * const plot = byLengthPlot('p', 'by length', [{ model: 'seq2seq', length: 3, measure: 'exact match', value: 0.5 }])
 * assert.strictEqual(plot.spec.data.values.length, 1)
 */
export const byLengthPlot = (
  id: string,
  title: string,
  rows: readonly {
    readonly model: string
    readonly length: number
    readonly measure: string
    readonly value: number
  }[],
): Plot => ({
  id,
  title,
  spec: {
    description: 'Accuracy on the test set against the source sentence length.',
    width: 460,
    height: 280,
    data: { values: rows },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'length', type: 'quantitative', title: 'source length (words)', axis: { tickMinStep: 1 } },
      y: { field: 'value', type: 'quantitative', title: 'accuracy', scale: { domain: [0, 1] } },
      color: { field: 'model', type: 'nominal', title: 'model' },
      strokeDash: { field: 'measure', type: 'nominal', title: 'measure' },
    },
  },
})

/**
 * §5.3's default configuration: source sentences of 1–8 words, chunks of 3, a GRU encoder–decoder
 * with 32-dimensional word vectors and H = 64, 1000 Adam steps at 0.01 on batches of 32 (clipped
 * at norm 1), 20 test sentences per length, beam width 4. `full`: 3000 steps.
 *
 * @example
 * const c = defaultSeq2seqConfig(false)
 * assert.deepStrictEqual([c.minLength, c.maxLength, c.hidden, c.steps], [1, 8, 64, 1000])
 */
export const defaultSeq2seqConfig = (full: boolean): Seq2seqConfig => ({
  minLength: 1,
  maxLength: 8,
  chunk: 3,
  embedding: 32,
  hidden: 64,
  steps: full ? 3000 : 1000,
  batch: 32,
  learningRate: 0.01,
  clipNorm: 1,
  testPerLength: 20,
  beamWidth: 4,
})

/**
 * Lecture §5.3 as an experiment: an encoder–decoder trained on the toy translation, decoded
 * greedily and with a beam; exact match, token accuracy and the share of outputs ending with
 * `===`, overall and (greedy) by source length. Holds when greedy exact match is at least
 * `SEQ2SEQ_EXACT_AT_LEAST` and both decoders end at least `STOPS_AT_LEAST` of their outputs with `===`.
 *
 * @example
 * const tiny = { ...seq2seqExperiment.config(false), maxLength: 2, hidden: 8, embedding: 4, steps: 2, testPerLength: 2, beamWidth: 2 }
 * const r = seq2seqExperiment.run(tiny, T.key(0))
 * assert.deepStrictEqual(r.metrics.byLength.map((s) => s.length), [1, 2])
 * assert.strictEqual(seq2seqExperiment.holds(r.metrics), false) // two steps teach nothing
 */
export const seq2seqExperiment: Experiment<Seq2seqConfig, Seq2seqMetrics> = {
  id: '5.3',
  title: 'Sequence to sequence: an encoder–decoder that stops by itself',
  claim:
    'An encoder reads the whole input and a decoder writes an output of any length, one token at a time, until it emits the stop symbol "===": trained on a toy translation whose output is reordered and longer than its input, the encoder–decoder translates most sentences exactly and ends its outputs with "===".',
  criterion: `Greedy decoding translates at least ${SEQ2SEQ_EXACT_AT_LEAST} of the test sentences exactly (every token, "===" included), and at least ${STOPS_AT_LEAST} of the outputs of greedy and of beam decoding end with "===" within the length limit (twice the longest possible target).`,
  config: (full) => defaultSeq2seqConfig(full),
  run: (config, key, context) => {
    checkTraining('seq2seqExperiment.run', config)
    const r = trainSeq2seq(config, false, key, context)
    const test = translationTestSet(config, config.testPerLength, key)
    const reference = test.map((p) => toIds(p.target, VOCABULARY.target))
    const limit = decodeLimit(config)
    const greedy = decodePairs(r, test, limit).ids
    const beam = decodePairs(r, test, limit, config.beamWidth).ids
    const byLength = scoreByLength(test, greedy)
    const metrics: Seq2seqMetrics = {
      exactMatch: { greedy: exactMatch(greedy, reference), beam: exactMatch(beam, reference) },
      tokenAccuracy: { greedy: tokenAccuracy(greedy, reference), beam: tokenAccuracy(beam, reference) },
      byLength,
      endsWithStop: { greedy: endsWithStop(greedy), beam: endsWithStop(beam) },
      beamWidth: config.beamWidth,
      limit,
      steps: r.losses.length,
      ...(r.stopped === undefined ? {} : { stopped: r.stopped }),
    }
    const summary: Table = {
      title: `Toy translation, ${config.minLength}–${config.maxLength} words, ${config.steps} steps: ${test.length} test sentences`,
      columns: ['decoding', 'exact match', 'token accuracy', 'ends with ==='],
      rows: (['greedy', 'beam'] as const).map((d) => [
        d === 'beam' ? `beam (width ${config.beamWidth})` : d,
        Number(metrics.exactMatch[d].toFixed(3)),
        Number(metrics.tokenAccuracy[d].toFixed(3)),
        Number(metrics.endsWithStop[d].toFixed(3)),
      ]),
    }
    const examples: Table = {
      title: 'Translations of the first test sentence of every other length',
      columns: ['source', 'reference', 'greedy', 'beam'],
      rows: test
        .flatMap((_, i) => (i % (2 * config.testPerLength) === 0 ? [i] : []))
        .map((i) => [test[i].source.join(' '), test[i].target.join(' '), words(greedy[i]), words(beam[i])]),
    }
    return {
      metrics,
      plots: [
        byLengthPlot(
          'seq2seq-by-length',
          'Sequence to sequence: greedy accuracy by source length',
          byLength.flatMap((s) => [
            { model: 'seq2seq', length: s.length, measure: 'token accuracy', value: s.tokenAccuracy },
            { model: 'seq2seq', length: s.length, measure: 'exact match', value: s.exactMatch },
          ]),
        ),
      ],
      tables: [summary, examples],
    }
  },
  holds: (m) =>
    m.exactMatch.greedy >= SEQ2SEQ_EXACT_AT_LEAST &&
    m.endsWithStop.greedy >= STOPS_AT_LEAST &&
    m.endsWithStop.beam >= STOPS_AT_LEAST,
}
