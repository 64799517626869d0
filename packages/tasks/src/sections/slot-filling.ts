/**
 * Lecture §1.1–§1.2 as an experiment: slot filling needs memory. Taggers are trained on seeded
 * booking sentences in which every city is as often the destination as the place of departure,
 * so only a cue word ("arrive", "leave", "from", "to") decides its role. A feedforward net sees
 * one word at a time and gives "Taipei" the same label after "arrive" and after "leave"; the
 * recurrent taggers remember the cue. With the cue after the city only the bidirectional
 * tagger has seen it when it labels the city. On cities never seen in training, 1-of-N maps
 * every one of them to "other" while word hashing reads their letters; both are measured, and
 * the criterion asks only that word hashing still fills those slots (docs/section-1.md: at this
 * budget 1-of-N with a trained "other" does about as well, because the cue words place a city).
 */
import type { Key } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import {
  type Sentence,
  SLOT_LABELS,
  slotFillingSentences,
  splitCities,
  vocabularyOf,
} from '../data/slot-filling.ts'
import { type EncodedWords, encodingTable, oneHot, wordHashing } from '../encoders.ts'
import { type Experiment, type Plot, reportRun, type Table } from '../experiment.ts'
import { ambiguousCityAccuracy, slotF1 } from '../metrics.ts'
import {
  fitTagger,
  TAGGER_KINDS,
  type TaggedIds,
  type TaggerKind,
  tagger,
  taggerLayer,
  tagSentences,
} from '../models/tagger.ts'

/** The experiment's sizes and training budget. */
export interface SlotFillingConfig {
  /** Generated sentences per split (even: minimal pairs). */
  readonly trainSentences: number
  readonly testSentences: number
  /** City names for training and the ordinary test split, and never-seen ones for `unseenCities`. */
  readonly seenCities: number
  readonly unseenCities: number
  /** Fraction of places after a verb that are not a city ("arrive home"). */
  readonly fillerRate: number
  readonly embedding: number
  readonly hidden: number
  readonly batchSize: number
  readonly learningRate: number
  /** Word dropout rate of the 1-of-N taggers: a word becomes "other", so "other" is trained. */
  readonly wordDropout: number
  /** Adam steps of every tagger. */
  readonly steps: number
}

/** What the experiment measures (the `results.json` contract). */
export interface SlotFillingMetrics {
  /** Per tagger: fraction of the test split's city words labelled right, role included. */
  readonly ambiguousCityAccuracy: Readonly<Record<TaggerKind, number>>
  /** Per tagger: span-level micro F1 on the test split. */
  readonly slotF1: Readonly<Record<TaggerKind, number>>
  /** Trained and tested on sentences whose cues follow their city. */
  readonly cueAfter: {
    readonly ambiguousCityAccuracy: { readonly lstm: number; readonly bidirectional: number }
  }
  /** LSTM taggers tested on cities never seen in training, by encoder. */
  readonly unseenCities: { readonly slotF1: { readonly oneHot: number; readonly wordHashing: number } }
}

/** Above this city accuracy a tagger is not at chance: the word alone allows at most 0.5 (see the docs). */
export const CHANCE_AT_MOST = 0.6
/** A tagger that uses the cue labels at least this fraction of the cities right. */
export const LEARNED_AT_LEAST = 0.9

/**
 * The §1.2 tagger of this kind over these words, with the configuration's sizes: the model both
 * the experiment and its training tasks (`tagger-KIND`) train.
 */
export const slotTagger = (
  kind: TaggerKind,
  words: EncodedWords,
  config: Pick<SlotFillingConfig, 'embedding' | 'hidden'>,
) => {
  const { layer, head } = taggerLayer(kind, SLOT_LABELS.length)
  return tagger({
    layer,
    head,
    inputSize: words.dims.length,
    labels: SLOT_LABELS.length,
    embedding: config.embedding,
    hidden: config.hidden,
  })
}

const RECURRENT = TAGGER_KINDS.filter((k) => k !== 'feedforward')

/** The word the 1-of-N taggers' word dropout substitutes: outside every vocabulary, so "other". */
const DROPPED = '<other>'

interface RunOutcome {
  readonly name: string
  readonly losses: readonly number[]
}

/** Labels of `sentences` as the tagger predicts them. */
const predictLabels = (
  run: { model: ReturnType<typeof tagger>; params: ReturnType<ReturnType<typeof tagger>['init']> },
  words: EncodedWords,
  ids: TaggedIds,
): string[][] =>
  tagSentences(run.model, run.params, words, ids.words).map((s) => s.map((c) => SLOT_LABELS[c]))

const labelsOf = (sentences: readonly Sentence[]): string[][] => sentences.map((s) => [...s.labels])

/**
 * The training loss of taggers (Lecture §1.2, §5.8): one line per run, the loss of every step on a
 * log scale, `height` pixels high (a Vega-Lite spec with its rows inline).
 *
 * @example
 * const plot = taggerLossPlot('loss', 'Training loss', [{ name: 'lstm', losses: [0.5, 0.25] }], 260)
 * assert.deepStrictEqual(plot.spec.data.values[1], { tagger: 'lstm', step: 1, loss: 0.25 })
 */
export const taggerLossPlot = (
  id: string,
  title: string,
  runs: readonly { readonly name: string; readonly losses: readonly number[] }[],
  height: number,
): Plot => ({
  id,
  title,
  spec: {
    width: 480,
    height,
    data: { values: runs.flatMap((r) => r.losses.map((loss, step) => ({ tagger: r.name, step, loss }))) },
    mark: { type: 'line' },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'loss', type: 'quantitative', scale: { type: 'log' }, title: 'loss' },
      color: { field: 'tagger', type: 'nominal', title: 'tagger' },
    },
  },
})

const accuracyPlot = (m: SlotFillingMetrics): Plot => ({
  id: 'slot-filling-city-accuracy',
  title: 'City words labelled right, role included (0.5: what one word alone allows)',
  spec: {
    width: 480,
    height: 260,
    layer: [
      {
        data: {
          values: [
            ...TAGGER_KINDS.map((k) => ({
              tagger: k,
              cue: 'before the city',
              accuracy: m.ambiguousCityAccuracy[k],
            })),
            ...(['lstm', 'bidirectional'] as const).map((k) => ({
              tagger: k,
              cue: 'after the city',
              accuracy: m.cueAfter.ambiguousCityAccuracy[k],
            })),
          ],
        },
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'tagger', type: 'nominal', sort: [...TAGGER_KINDS], title: 'tagger' },
          xOffset: { field: 'cue', type: 'nominal' },
          y: {
            field: 'accuracy',
            type: 'quantitative',
            scale: { domain: [0, 1] },
            title: 'ambiguous city accuracy',
          },
          color: { field: 'cue', type: 'nominal', title: 'cue word' },
        },
      },
      {
        data: { values: [{ chance: 0.5 }] },
        mark: { type: 'rule', strokeDash: [4, 4] },
        encoding: { y: { field: 'chance', type: 'quantitative' } },
      },
    ],
  },
})

const round = (x: number): number => Math.round(x * 1000) / 1000

/** The data of a run of §1.2: its splits, word ids and encoding tables, and the key of its models. */
export interface SlotFillingData {
  readonly train: readonly Sentence[]
  readonly test: readonly Sentence[]
  /** Test sentences about cities never seen in training. */
  readonly unseen: readonly Sentence[]
  /** Training and test sentences whose cues follow their city. */
  readonly afterTrain: readonly Sentence[]
  readonly afterTest: readonly Sentence[]
  /** Every word of every split; a word's id is its index. */
  readonly lexicon: readonly string[]
  readonly ids: (sentences: readonly Sentence[]) => TaggedIds
  /** 1-of-N over the training words, with "other" as the extra last row (`lexicon.length`). */
  readonly oneHotWords: EncodedWords
  readonly hashedWords: EncodedWords
  /** The key of the i-th tagger the experiment trains is `foldIn(kModels, i)`. */
  readonly kModels: Key
}

/**
 * The seeded data of §1.2 from `key` (`split(key, 7)`: cities, the five splits, the models), as
 * the experiment and the command line's `tagger-*` tasks draw them.
 *
 * @example
 * const d = slotFillingData({ ...slotFillingExperiment.config(false), trainSentences: 20, testSentences: 10 }, T.key(0))
 * assert.deepStrictEqual([d.train.length, d.test.length, d.unseen.length], [20, 10, 10])
 * assert.strictEqual(d.ids(d.train).words.length, 20)
 */
export const slotFillingData = (
  config: Pick<
    SlotFillingConfig,
    'trainSentences' | 'testSentences' | 'seenCities' | 'unseenCities' | 'fillerRate'
  >,
  key: Key,
): SlotFillingData => {
  const [kCities, kTrain, kTest, kUnseen, kAfterTrain, kAfterTest, kModels] = T.split(key, 7)
  const cities = splitCities(kCities, { seen: config.seenCities, unseen: config.unseenCities })
  const gen = (k: Key, n: number, names: readonly string[], cueAfter = false) =>
    slotFillingSentences(k, { sentences: n, cities: names, cueAfter, fillerRate: config.fillerRate })
  const train = gen(kTrain, config.trainSentences, cities.seen)
  const test = gen(kTest, config.testSentences, cities.seen)
  const unseen = gen(kUnseen, config.testSentences, cities.unseen)
  const afterTrain = gen(kAfterTrain, config.trainSentences, cities.seen, true)
  const afterTest = gen(kAfterTest, config.testSentences, cities.seen, true)

  // Every word of every split gets an id; the encoders decide what a word's vector is.
  const lexicon = vocabularyOf([...train, ...test, ...unseen, ...afterTrain, ...afterTest])
  const wordId = new Map(lexicon.map((w, i) => [w, i]))
  const labelId = new Map(SLOT_LABELS.map((l, i) => [l, i]))
  const ids = (ss: readonly Sentence[]): TaggedIds => ({
    words: ss.map((s) => s.words.map((w) => wordId.get(w)!)),
    labels: ss.map((s) => s.labels.map((l) => labelId.get(l)!)),
  })
  // 1-of-N over the training words (unseen cities are "other"); the extra last row is "other"
  // itself, which word dropout substitutes.
  const oneHotWords = encodingTable(oneHot(vocabularyOf([...train, ...afterTrain])), [...lexicon, DROPPED])
  const hashedWords = encodingTable(wordHashing(), lexicon)

  return { train, test, unseen, afterTrain, afterTest, lexicon, ids, oneHotWords, hashedWords, kModels }
}

/**
 * Lecture §1.2 as an experiment: per-word taggers on generated booking sentences (§1.1's
 * encoders, §4.1's summed cross-entropy, Adam). Holds when the feedforward tagger is at chance
 * on the cities (≤ `CHANCE_AT_MOST`) while every recurrent one labels ≥ `LEARNED_AT_LEAST` of
 * them right; when, with the cue after the city, the LSTM is at chance and the bidirectional
 * LSTM is not; and when the word-hashing LSTM's slot F1 on unseen cities is ≥ `LEARNED_AT_LEAST`.
 *
 * @example
 * const small = { ...slotFillingExperiment.config(false), trainSentences: 200, testSentences: 40, steps: 2 }
 * const r = slotFillingExperiment.run(small, T.key(0))
 * assert.deepStrictEqual(Object.keys(r.metrics.slotF1), ['feedforward', 'elman', 'jordan', 'lstm', 'gru', 'bidirectional'])
 * assert.ok(r.metrics.ambiguousCityAccuracy.feedforward <= 0.5) // one word alone: at most one of each pair
 */
export const slotFillingExperiment: Experiment<SlotFillingConfig, SlotFillingMetrics> = {
  id: '1.2',
  title: 'Slot filling: a feedforward network cannot tell arrive Taipei from leave Taipei',
  claim:
    'A network that sees one word at a time gives "Taipei" the same slot after "arrive" and after "leave", so it is at chance on cities whose role a cue word decides; recurrent networks remember the cue. With the cue after the city only a bidirectional network can use it. Word hashing encodes cities never seen in training by their letters (1-of-N maps them all to "other") and still fills their slots.',
  criterion: `Cue before the city: the feedforward tagger's ambiguous city accuracy is ≤ ${CHANCE_AT_MOST} while Elman, Jordan, LSTM, GRU and the bidirectional LSTM each reach ≥ ${LEARNED_AT_LEAST}. Cue after the city: the LSTM is ≤ ${CHANCE_AT_MOST} and the bidirectional LSTM ≥ ${LEARNED_AT_LEAST}. Unseen cities: the word-hashing LSTM's slot F1 is ≥ ${LEARNED_AT_LEAST} (the 1-of-N LSTM's is reported beside it, not compared: at this budget the two are within a few hundredths).`,
  config: (full) => ({
    trainSentences: full ? 4000 : 2000,
    testSentences: full ? 1000 : 400,
    seenCities: 60,
    unseenCities: 30,
    fillerRate: 0.2,
    embedding: 32,
    hidden: 32,
    batchSize: 32,
    learningRate: 0.01,
    wordDropout: 0.1,
    steps: full ? 600 : 200,
  }),
  run: (config, key: Key, context) => {
    const { train, test, unseen, afterTrain, afterTest, lexicon, ids, oneHotWords, hashedWords, kModels } =
      slotFillingData(config, key)

    const outcomes: RunOutcome[] = []
    let runIndex = 0
    const trainTagger = (
      name: string,
      kind: TaggerKind,
      words: EncodedWords,
      data: readonly Sentence[],
      dropout: boolean,
    ) => {
      const model = slotTagger(kind, words, config)
      const { params, losses } = fitTagger(model, words, ids(data), T.foldIn(kModels, runIndex++), {
        steps: config.steps,
        batchSize: config.batchSize,
        learningRate: config.learningRate,
        ...(dropout ? { wordDropout: { rate: config.wordDropout, id: lexicon.length } } : {}),
        onStep: reportRun(context, name, config.steps),
      })
      outcomes.push({ name, losses })
      return { model, params }
    }

    const accuracy = {} as Record<TaggerKind, number>
    const f1 = {} as Record<TaggerKind, number>
    let oneHotUnseen = Number.NaN
    for (const kind of TAGGER_KINDS) {
      const run = trainTagger(kind, kind, oneHotWords, train, true)
      const predicted = predictLabels(run, oneHotWords, ids(test))
      accuracy[kind] = ambiguousCityAccuracy(predicted, labelsOf(test))
      f1[kind] = slotF1(predicted, labelsOf(test))
      if (kind === 'lstm')
        oneHotUnseen = slotF1(predictLabels(run, oneHotWords, ids(unseen)), labelsOf(unseen))
    }
    const hashed = trainTagger('lstm (word hashing)', 'lstm', hashedWords, train, false)
    const hashedUnseen = slotF1(predictLabels(hashed, hashedWords, ids(unseen)), labelsOf(unseen))
    const after = {} as Record<'lstm' | 'bidirectional', number>
    for (const kind of ['lstm', 'bidirectional'] as const) {
      const run = trainTagger(`${kind} (cue after)`, kind, oneHotWords, afterTrain, true)
      after[kind] = ambiguousCityAccuracy(
        predictLabels(run, oneHotWords, ids(afterTest)),
        labelsOf(afterTest),
      )
    }

    const metrics: SlotFillingMetrics = {
      ambiguousCityAccuracy: accuracy,
      slotF1: f1,
      cueAfter: { ambiguousCityAccuracy: after },
      unseenCities: { slotF1: { oneHot: oneHotUnseen, wordHashing: hashedUnseen } },
    }
    const final = (name: string) => {
      const l = outcomes.find((o) => o.name === name)?.losses
      return l === undefined || l.length === 0 ? null : round(l[l.length - 1])
    }
    const tables: Table[] = [
      {
        title: `Cue before the city: ${config.testSentences} test sentences, ${config.steps} steps each`,
        columns: ['tagger', 'ambiguous city accuracy', 'slot F1', 'final loss'],
        rows: TAGGER_KINDS.map((k) => [k, round(accuracy[k]), round(f1[k]), final(k)]),
      },
      {
        title: 'Cue after the city ("Taipei is where i arrive")',
        columns: ['tagger', 'ambiguous city accuracy', 'final loss'],
        rows: (['lstm', 'bidirectional'] as const).map((k) => [
          k,
          round(after[k]),
          final(`${k} (cue after)`),
        ]),
      },
      {
        title: `Cities never seen in training (${config.unseenCities} names from the same syllables), LSTM tagger`,
        columns: ['encoder', 'slot F1'],
        rows: [
          ['1-of-N + other', round(oneHotUnseen)],
          ['word hashing', round(hashedUnseen)],
        ],
      },
    ]
    return {
      metrics,
      plots: [
        taggerLossPlot(
          'slot-filling-loss',
          'Training loss per step (cross-entropy summed over each sentence, mean over the batch)',
          outcomes,
          280,
        ),
        accuracyPlot(metrics),
      ],
      tables,
    }
  },
  holds: (m) =>
    m.ambiguousCityAccuracy.feedforward <= CHANCE_AT_MOST &&
    RECURRENT.every((k) => m.ambiguousCityAccuracy[k] >= LEARNED_AT_LEAST) &&
    m.cueAfter.ambiguousCityAccuracy.lstm <= CHANCE_AT_MOST &&
    m.cueAfter.ambiguousCityAccuracy.bidirectional >= LEARNED_AT_LEAST &&
    m.unseenCities.slotF1.wordHashing >= LEARNED_AT_LEAST,
}
