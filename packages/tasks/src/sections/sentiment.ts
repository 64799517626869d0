/**
 * Lecture §5.1, many to one, as an experiment: sentiment analysis, a sentence in and one class
 * out. Three classifiers (`models/classifier.ts`) are trained with the same data, optimiser and
 * step budget: a bag of words (the mean of the word vectors), and LSTM and GRU many-to-one
 * classifiers that read the sentence and classify the state after its last word. On ordinary
 * reviews (`ratingSentences`, five ratings) the words decide and all three learn. On sentences
 * whose word order decides ("white blood cells destroying an infection" / "an infection
 * destroying white blood cells", `orderPairs`) the bag of words gets the same input for both
 * sentences of a pair, so it is right on exactly one of them; the recurrent classifiers are not
 * bound by that.
 */
import { type Cell, gru, lstm } from '@recurrent/cells'
import type { Key } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import {
  type LabelledSentence,
  ORDER_LABELS,
  orderPairs,
  RATING_LABELS,
  ratingSentences,
  sentimentVocabulary,
} from '../data/sentiment.ts'
import { oneHot } from '../encoders.ts'
import { type Experiment, type Plot, type RunContext, reportRun, type Table } from '../experiment.ts'
import {
  bagOfWords,
  type Classifier,
  classificationAccuracy,
  classify,
  fitClassifier,
  manyToOne,
  sentenceIds,
} from '../models/classifier.ts'

/** The classifiers compared, by the names the metrics use. */
export const SENTIMENT_MODELS = ['bagOfWords', 'lstm', 'gru'] as const
export type SentimentModel = (typeof SENTIMENT_MODELS)[number]

/** The cells of the recurrent classifiers (any `Cell` may take their place). */
export const SENTIMENT_CELLS: Readonly<Record<'lstm' | 'gru', Cell>> = Object.freeze({
  lstm: lstm(),
  gru: gru(),
})

/** The experiment's sizes and training budget. */
export interface SentimentConfig {
  /** Order-decided pairs for training and testing (each pair is two sentences). */
  readonly trainPairs: number
  readonly testPairs: number
  /** Reviews with a rating for training and testing. */
  readonly trainReviews: number
  readonly testReviews: number
  readonly embedding: number
  readonly hidden: number
  readonly batchSize: number
  readonly learningRate: number
  /** Adam steps of every classifier on every task. */
  readonly steps: number
}

/** What the experiment measures (the `results.json` contract): test accuracy per task and model. */
export interface SentimentMetrics {
  readonly orderPairs: { readonly accuracy: Readonly<Record<SentimentModel, number>> }
  readonly ratings: { readonly accuracy: Readonly<Record<SentimentModel, number>> }
}

/** The bag of words is right on exactly half of the order pairs; at most this counts as chance. */
export const ORDER_CHANCE_AT_MOST = 0.6
/** A classifier that has learned a task classifies at least this fraction of its test sentences right. */
export const CLASSIFIED_AT_LEAST = 0.9

interface Curve {
  readonly task: string
  readonly model: SentimentModel
  readonly losses: readonly number[]
}

const round = (x: number): number => Math.round(x * 1000) / 1000

const lossPlot = (curves: readonly Curve[]): Plot => ({
  id: 'sentiment-loss',
  title: 'Training loss per step (mean cross-entropy over the batch)',
  spec: {
    width: 480,
    height: 220,
    data: {
      values: curves.flatMap((c) =>
        c.losses.map((loss, step) => ({ task: c.task, model: c.model, step, loss })),
      ),
    },
    mark: { type: 'line' },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'loss', type: 'quantitative', scale: { type: 'log' }, title: 'loss' },
      color: { field: 'model', type: 'nominal', sort: [...SENTIMENT_MODELS], title: 'classifier' },
      row: { field: 'task', type: 'nominal', title: null },
    },
  },
})

const accuracyPlot = (m: SentimentMetrics): Plot => ({
  id: 'sentiment-accuracy',
  title: `Test accuracy (dashed: chance, ${1 / ORDER_LABELS.length} on the order pairs, ${1 / RATING_LABELS.length} on the ratings)`,
  spec: {
    width: 420,
    height: 260,
    layer: [
      {
        data: {
          values: SENTIMENT_MODELS.flatMap((model) => [
            { task: 'order pairs', model, accuracy: m.orderPairs.accuracy[model] },
            { task: 'ratings', model, accuracy: m.ratings.accuracy[model] },
          ]),
        },
        mark: { type: 'bar' },
        encoding: {
          x: { field: 'task', type: 'nominal', title: 'task' },
          xOffset: { field: 'model', type: 'nominal', sort: [...SENTIMENT_MODELS] },
          y: { field: 'accuracy', type: 'quantitative', scale: { domain: [0, 1] }, title: 'test accuracy' },
          color: { field: 'model', type: 'nominal', sort: [...SENTIMENT_MODELS], title: 'classifier' },
        },
      },
      {
        data: {
          values: [
            { task: 'order pairs', chance: 1 / ORDER_LABELS.length },
            { task: 'ratings', chance: 1 / RATING_LABELS.length },
          ],
        },
        mark: { type: 'tick', strokeDash: [4, 4], color: 'black', thickness: 1 },
        encoding: {
          x: { field: 'task', type: 'nominal' },
          y: { field: 'chance', type: 'quantitative' },
        },
      },
    ],
  },
})

/**
 * Trains the three classifiers on one task (train and test sentences) and measures their test
 * accuracy; the models are initialised and fed from `key`.
 */
const compare = (
  task: string,
  classes: number,
  train: readonly LabelledSentence[],
  test: readonly LabelledSentence[],
  config: SentimentConfig,
  key: Key,
  context: RunContext | undefined,
): { accuracy: Record<SentimentModel, number>; curves: Curve[] } => {
  const encoder = oneHot(sentimentVocabulary(), { other: false })
  const data = (ss: readonly LabelledSentence[]) => ({
    ids: sentenceIds(
      encoder,
      ss.map((s) => s.words),
    ),
    labels: ss.map((s) => s.label),
  })
  const trainData = data(train)
  const testData = data(test)
  const sizes = {
    vocabularySize: encoder.size,
    classes,
    embedding: config.embedding,
    hidden: config.hidden,
  }
  const models: Record<SentimentModel, Classifier> = {
    bagOfWords: bagOfWords(sizes) as Classifier,
    lstm: manyToOne(SENTIMENT_CELLS.lstm, sizes),
    gru: manyToOne(SENTIMENT_CELLS.gru, sizes),
  }
  const accuracy = {} as Record<SentimentModel, number>
  const curves: Curve[] = []
  SENTIMENT_MODELS.forEach((name, i) => {
    const model = models[name]
    const { params, losses } = fitClassifier(model, trainData, T.foldIn(key, i), {
      steps: config.steps,
      batchSize: config.batchSize,
      learningRate: config.learningRate,
      onStep: reportRun(context, `${name} (${task})`, config.steps),
    })
    accuracy[name] = classificationAccuracy(classify(model, params, testData.ids), testData.labels)
    curves.push({ task, model: name, losses })
  })
  return { accuracy, curves }
}

/**
 * Lecture §5.1 as an experiment: a bag of words, an LSTM and a GRU many-to-one classifier trained
 * for `steps` Adam steps on reviews with five ratings and, separately, on order-decided sentence
 * pairs. Holds when the bag of words is at chance on the order pairs (≤ `ORDER_CHANCE_AT_MOST`)
 * while both recurrent classifiers reach ≥ `CLASSIFIED_AT_LEAST` there, and all three reach
 * ≥ `CLASSIFIED_AT_LEAST` on the ratings.
 *
 * @example
 * const small = { ...sentimentExperiment.config(false), trainPairs: 40, testPairs: 20, trainReviews: 40, testReviews: 20, steps: 2 }
 * const m = sentimentExperiment.run(small, T.key(0)).metrics
 * assert.deepStrictEqual(Object.keys(m.orderPairs.accuracy), ['bagOfWords', 'lstm', 'gru'])
 * assert.strictEqual(m.orderPairs.accuracy.bagOfWords, 0.5) // one output per pair: right on exactly one
 */
export const sentimentExperiment: Experiment<SentimentConfig, SentimentMetrics> = {
  id: '5.1',
  title: 'Many to one: sentiment where word order decides',
  claim:
    'A many-to-one recurrent network reads a whole sentence and classifies it from its state after the last word. On reviews whose words decide the rating a bag of words does as well; on "white blood cells destroying an infection" against "an infection destroying white blood cells" (the same words, opposite sentiment) a bag of words is at chance and the LSTM and GRU are not.',
  criterion: `Order pairs: the bag of words' test accuracy is ≤ ${ORDER_CHANCE_AT_MOST} (by construction exactly 0.5: it gives both sentences of a pair the same output) while the LSTM and the GRU each reach ≥ ${CLASSIFIED_AT_LEAST}. Ratings (five classes): all three reach ≥ ${CLASSIFIED_AT_LEAST}.`,
  config: (full) => ({
    trainPairs: full ? 2000 : 1000,
    testPairs: 250,
    trainReviews: full ? 4000 : 2000,
    testReviews: 500,
    embedding: 16,
    hidden: 32,
    batchSize: 32,
    learningRate: 0.01,
    steps: full ? 600 : 200,
  }),
  run: (config, key, context) => {
    const [kTrainPairs, kTestPairs, kTrainReviews, kTestReviews, kPairModels, kReviewModels] = T.split(key, 6)
    const pairs = compare(
      'order pairs',
      ORDER_LABELS.length,
      orderPairs(kTrainPairs, { pairs: config.trainPairs }),
      orderPairs(kTestPairs, { pairs: config.testPairs }),
      config,
      kPairModels,
      context,
    )
    const ratings = compare(
      'ratings',
      RATING_LABELS.length,
      ratingSentences(kTrainReviews, { sentences: config.trainReviews }),
      ratingSentences(kTestReviews, { sentences: config.testReviews }),
      config,
      kReviewModels,
      context,
    )
    const metrics: SentimentMetrics = {
      orderPairs: { accuracy: pairs.accuracy },
      ratings: { accuracy: ratings.accuracy },
    }
    const curves = [...pairs.curves, ...ratings.curves]
    const final = (task: string, model: SentimentModel) => {
      const l = curves.find((c) => c.task === task && c.model === model)?.losses
      return l === undefined || l.length === 0 ? null : round(l[l.length - 1])
    }
    const tables: Table[] = [
      {
        title: `Test accuracy after ${config.steps} steps (${2 * config.testPairs} order-pair sentences, ${config.testReviews} reviews)`,
        columns: ['classifier', 'order pairs', 'ratings', 'final loss (order pairs)', 'final loss (ratings)'],
        rows: SENTIMENT_MODELS.map((k) => [
          k,
          round(pairs.accuracy[k]),
          round(ratings.accuracy[k]),
          final('order pairs', k),
          final('ratings', k),
        ]),
      },
    ]
    return { metrics, plots: [lossPlot(curves), accuracyPlot(metrics)], tables }
  },
  holds: (m) =>
    m.orderPairs.accuracy.bagOfWords <= ORDER_CHANCE_AT_MOST &&
    m.orderPairs.accuracy.lstm >= CLASSIFIED_AT_LEAST &&
    m.orderPairs.accuracy.gru >= CLASSIFIED_AT_LEAST &&
    SENTIMENT_MODELS.every((k) => m.ratings.accuracy[k] >= CLASSIFIED_AT_LEAST),
}
