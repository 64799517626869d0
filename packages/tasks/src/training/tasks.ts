/**
 * The training tasks: every model of the lecture's experiments that can be trained on its own,
 * by name. The §1.2 taggers learn slot filling on the experiment's booking sentences; the §4.5
 * models learn the adding problem. Each is the experiment's own model, data and optimiser: with
 * the experiment's configuration and key, a task trains the very params the experiment does.
 * A new model is one more entry of `TASKS` (a `defineTask`).
 */
import { type TorchKind, toTorch } from '@recurrent/cells'
import type { Key, Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import * as E from 'fp-ts/lib/Either.js'
import { meanPredictorMse } from '../data/adding-problem.ts'
import { batchSequences } from '../data/batch.ts'
import { cityNames, SLOT_LABELS } from '../data/slot-filling.ts'
import { ambiguousCityAccuracy, slotF1 } from '../metrics.ts'
import type { RegressorParams } from '../models/regressor.ts'
import {
  TAGGER_KINDS,
  type TaggerKind,
  type TaggerParams,
  taggerTraining,
  tagSentences,
} from '../models/tagger.ts'
import {
  ADDING_CELLS,
  ADDING_MODELS,
  type AddingModel,
  adderTraining,
  defaultAddingConfig,
} from '../sections/adding-problem.ts'
import {
  type SlotFillingConfig,
  slotFillingData,
  slotFillingExperiment,
  slotTagger,
} from '../sections/slot-filling.ts'
import type { Fields } from './config.ts'
import { integer, real } from './config.ts'
import { defineTask, type TrainingConfig, type TrainingTask, trainingFields } from './task.ts'
import type { TorchHandoff } from './torch.ts'

/** PyTorch's module of a recurrent layer (`nn.RNN`, `nn.LSTM`, `nn.GRU`), by the task's cell. */
const TORCH_KIND: Readonly<Partial<Record<TaggerKind | AddingModel, TorchKind>>> = {
  elman: 'RNN_TANH',
  tanh: 'RNN_TANH',
  irnn: 'RNN_RELU',
  lstm: 'LSTM',
  gru: 'GRU',
  bidirectional: 'LSTM',
}

/** A recurrent layer's params as `rnn.`-prefixed PyTorch names (`rnn.weight_ih_l0`, …). */
const rnnStateDict = (kind: TorchKind, layer: Tree): E.Either<string, Record<string, Tensor>> =>
  E.bimap(
    (e: { reason: string }) => e.reason,
    (sd: Record<string, Tensor>) => Object.fromEntries(Object.entries(sd).map(([k, v]) => [`rnn.${k}`, v])),
  )(toTorch(kind, [layer]))

/** A dense layer's `{ W, b }` as `nn.Linear`'s `weight` and `bias` under `prefix`. */
const linearStateDict = (
  prefix: string,
  p: { readonly W: Tensor; readonly b?: Tensor },
): Record<string, Tensor> =>
  p.b === undefined ? { [`${prefix}.weight`]: p.W } : { [`${prefix}.weight`]: p.W, [`${prefix}.bias`]: p.b }

/** The training sentences of the adding problem handed to PyTorch: the first batches of the task's stream. */
const TORCH_TRAIN_BATCHES = 8

/** The configuration of a §1.2 tagger task: the experiment's sizes and budget, and the training fields. */
export interface TaggerTaskConfig extends TrainingConfig, Omit<SlotFillingConfig, 'steps'> {}

const TAGGER_DEFAULTS = slotFillingExperiment.config(false)

/** Far beyond any useful rate, so the guards can be seen to stop training that blows up. */
const LEARNING_RATE_MAX = 1e300

/** The fields of a tagger task; the defaults are §1.2's default configuration. */
export const TAGGER_FIELDS: Fields<TaggerTaskConfig> = {
  ...trainingFields(TAGGER_DEFAULTS.steps),
  trainSentences: integer(
    'training sentences (even: minimal pairs)',
    TAGGER_DEFAULTS.trainSentences,
    2,
    1_000_000,
  ),
  testSentences: integer('test sentences (even)', TAGGER_DEFAULTS.testSentences, 2, 1_000_000),
  seenCities: integer('city names in training and test', TAGGER_DEFAULTS.seenCities, 2, 131),
  unseenCities: integer('city names held out of training', TAGGER_DEFAULTS.unseenCities, 1, 130),
  fillerRate: real('fraction of places after a verb that are not a city', TAGGER_DEFAULTS.fillerRate, 0, 1),
  embedding: integer('columns of the word projection E', TAGGER_DEFAULTS.embedding, 1, 4096),
  hidden: integer('hidden units of the sequence layer', TAGGER_DEFAULTS.hidden, 1, 4096),
  batchSize: integer('sentences per batch (at most trainSentences)', TAGGER_DEFAULTS.batchSize, 1, 1_000_000),
  learningRate: real('Adam learning rate', TAGGER_DEFAULTS.learningRate, 0, LEARNING_RATE_MAX, {
    minExclusive: true,
  }),
  wordDropout: real('probability that a training word becomes "other"', TAGGER_DEFAULTS.wordDropout, 0, 1, {
    maxExclusive: true,
  }),
}

const taggerDescription: Readonly<Record<TaggerKind, string>> = {
  feedforward: 'the §1.2 tagger without memory (one word at a time) on slot filling',
  elman: 'the §1.2 Elman tagger on slot filling',
  jordan: 'the §1.2 Jordan tagger (its output fed back) on slot filling',
  lstm: 'the §1.2 LSTM tagger on slot filling',
  gru: 'the §1.2 GRU tagger on slot filling',
  bidirectional: 'the §1.2 bidirectional LSTM tagger on slot filling',
}

const evenSentences = (c: TaggerTaskConfig) =>
  c.trainSentences % 2 !== 0
    ? { field: 'trainSentences' as const, reason: 'is odd (sentences come in minimal pairs)' }
    : c.testSentences % 2 !== 0
      ? { field: 'testSentences' as const, reason: 'is odd (sentences come in minimal pairs)' }
      : c.seenCities + c.unseenCities > cityNames().length
        ? {
            field: 'unseenCities' as const,
            reason: `leaves seenCities + unseenCities above the ${cityNames().length} names there are`,
          }
        : c.batchSize > c.trainSentences
          ? { field: 'batchSize' as const, reason: `is more than trainSentences (${c.trainSentences})` }
          : undefined

/**
 * The §1.2 tagger of this kind as a task: the experiment's data (`slotFillingData`), 1-of-N
 * words with word dropout, and the key `foldIn(kModels, i)` of the experiment's i-th tagger, so
 * the experiment's configuration and key give the experiment's params. Evaluated on the test
 * split: the ambiguous city accuracy and the slot F1.
 */
const taggerTask = (kind: TaggerKind): TrainingTask =>
  defineTask({
    name: `tagger-${kind}`,
    description: taggerDescription[kind],
    fields: TAGGER_FIELDS,
    check: evenSentences,
    setup: (config: TaggerTaskConfig, key: Key) => {
      const data = slotFillingData(config, key)
      const words = data.oneHotWords
      const model = slotTagger(kind, words, config)
      const training = taggerTraining(
        model,
        words,
        data.ids(data.train),
        T.foldIn(data.kModels, TAGGER_KINDS.indexOf(kind)),
        {
          batchSize: config.batchSize,
          learningRate: config.learningRate,
          wordDropout: { rate: config.wordDropout, id: data.lexicon.length },
        },
      )
      const test = data.ids(data.test)
      const reference = data.test.map((s) => [...s.labels])
      const torchKind = TORCH_KIND[kind]
      const split = (ids: {
        words: readonly (readonly number[])[]
        labels: readonly (readonly number[])[]
      }) => {
        const b = batchSequences(ids.words, ids.labels)
        return { ...b, lengthsTensor: T.tensor(b.lengths, { dtype: 'i32' }) }
      }
      const torch: TorchHandoff =
        kind === 'jordan'
          ? { unsupported: 'jordan' }
          : {
              architecture: {
                model: 'tagger',
                words: words.indices.shape[0],
                entries: words.indices.shape[1],
                dims: words.dims.length,
                embedding: config.embedding,
                body:
                  torchKind === undefined
                    ? { type: 'feedforward', hidden: config.hidden }
                    : {
                        type: 'recurrent',
                        kind: torchKind,
                        hidden: config.hidden,
                        bidirectional: kind === 'bidirectional',
                      },
                labels: SLOT_LABELS,
              },
              buffers: { word_dims: words.indices, word_values: words.values },
              stateDict: (tree) => {
                const p = tree as unknown as TaggerParams
                if (p.head === null) return E.left('the tagger has no output layer')
                const head = linearStateDict('head', p.head)
                if (torchKind === undefined)
                  return E.right({ E: p.E, ...linearStateDict('hidden', p.layer as never), ...head })
                return E.map((body: Record<string, Tensor>) => ({ E: p.E, ...body, ...head }))(
                  rnnStateDict(torchKind, p.layer),
                )
              },
              data: (tree) => {
                const p = tree as unknown as TaggerParams
                const train = split(data.ids(data.train))
                const held = split(test)
                return {
                  'train.inputs': train.inputs,
                  'train.targets': train.targets,
                  'train.lengths': train.lengthsTensor,
                  'heldout.inputs': held.inputs,
                  'heldout.targets': held.targets,
                  'heldout.lengths': held.lengthsTensor,
                  'heldout.outputs': model.logits(p, words, held.inputs, held.lengths),
                }
              },
            }
      return {
        ...training,
        torch,
        evaluate: (params) => {
          const predicted = tagSentences(model, params, words, test.words).map((s) =>
            s.map((c) => SLOT_LABELS[c]),
          )
          return {
            ambiguousCityAccuracy: ambiguousCityAccuracy(predicted, reference),
            slotF1: slotF1(predicted, reference),
          }
        },
      }
    },
  })

/** The configuration of a §4.5 adding-problem task. */
export interface AddingTaskConfig extends TrainingConfig {
  readonly length: number
  readonly hiddenSize: number
  readonly batchSize: number
  readonly learningRate: number
  readonly clipNorm: number
  readonly testSize: number
}

const ADDING_DEFAULTS = defaultAddingConfig(false)

/** The fields of an adding-problem task; the defaults are §4.5's default configuration. */
export const ADDING_FIELDS: Fields<AddingTaskConfig> = {
  ...trainingFields(ADDING_DEFAULTS.steps),
  length: integer(
    'sequence length T (the first marked value is ≥ T/2 steps back)',
    ADDING_DEFAULTS.length,
    2,
    100_000,
  ),
  hiddenSize: integer(
    'hidden units (Clockwork: a multiple of 4)',
    ADDING_DEFAULTS.models.lstm.hiddenSize,
    1,
    4096,
  ),
  batchSize: integer('sequences per batch', ADDING_DEFAULTS.batch, 1, 1_000_000),
  learningRate: real('Adam learning rate', ADDING_DEFAULTS.learningRate, 0, LEARNING_RATE_MAX, {
    minExclusive: true,
  }),
  clipNorm: real('clip the global gradient norm at this', ADDING_DEFAULTS.clipNorm, 0, 1e30, {
    minExclusive: true,
  }),
  testSize: integer('held-out test sequences', ADDING_DEFAULTS.testSize, 1, 1_000_000),
}

const addingDescription: Readonly<Record<AddingModel, string>> = {
  tanh: 'the §4.5 tanh RNN (Elman) on the adding problem',
  irnn: 'the §4.5 IRNN (ReLU, identity initialisation) on the adding problem',
  lstm: 'the §4.5 LSTM (forget bias 1) on the adding problem',
  gru: 'the §4.5 GRU on the adding problem',
  clockwork: 'the §4.5 Clockwork RNN (periods 1, 2, 4, 8) on the adding problem',
  scrn: 'the §4.5 SCRN (α = 0.95) on the adding problem',
}

/**
 * The §4.5 model as a task: `adderTraining` with the experiment's cell, so the experiment's
 * configuration and key give the experiment's params. Evaluated on the test set: its MSE, the
 * baseline's (predicting the mean target) and their ratio.
 */
const addingTask = (m: AddingModel): TrainingTask =>
  defineTask({
    name: `adding-${m}`,
    description: addingDescription[m],
    fields: ADDING_FIELDS,
    check: (c: AddingTaskConfig) =>
      m === 'clockwork' && c.hiddenSize % 4 !== 0
        ? { field: 'hiddenSize', reason: 'is not a multiple of the Clockwork RNN’s 4 modules' }
        : undefined,
    setup: (config: AddingTaskConfig, key: Key) => {
      const t = adderTraining(
        { cell: ADDING_CELLS[m], hiddenSize: config.hiddenSize },
        {
          length: config.length,
          steps: config.steps,
          batch: config.batchSize,
          learningRate: config.learningRate,
          clipNorm: config.clipNorm,
          evalEvery: config.checkpointEvery,
          testSize: config.testSize,
        },
        key,
      )
      const baselineMse = meanPredictorMse(t.data.test.ys)
      const torchKind = TORCH_KIND[m]
      const torch: TorchHandoff =
        torchKind === undefined
          ? { unsupported: ADDING_CELLS[m].name }
          : {
              architecture: {
                model: 'regressor',
                inputSize: t.data.test.xs.shape[2],
                outputSize: t.data.test.ys.shape[1],
                body: { type: 'recurrent', kind: torchKind, hidden: config.hiddenSize, bidirectional: false },
              },
              buffers: {},
              stateDict: (tree) => {
                const p = tree as unknown as RegressorParams
                return E.map((body: Record<string, Tensor>) => ({
                  ...body,
                  ...linearStateDict('head', p.out),
                }))(rnnStateDict(torchKind, p.cell))
              },
              data: (tree) => {
                const batches = Array.from({ length: TORCH_TRAIN_BATCHES }, (_, i) => t.data.batch(i))
                return {
                  'train.inputs': T.concat(
                    batches.map((b) => b.xs),
                    1,
                  ),
                  'train.targets': T.concat(
                    batches.map((b) => b.ys),
                    0,
                  ),
                  'heldout.inputs': t.data.test.xs,
                  'heldout.targets': t.data.test.ys,
                  'heldout.outputs': t.model.apply(tree as unknown as RegressorParams, t.data.test.xs),
                }
              },
            }
      return {
        torch,
        initParams: t.initParams,
        optimizer: t.optimizer,
        loss: t.loss,
        batch: t.data.batch,
        evaluate: (params) => {
          const testMse = t.testMse(params)
          return { testMse, baselineMse, ratio: testMse / baselineMse }
        },
      }
    },
  })

/**
 * Every training task, by name: the six §1.2 taggers (`tagger-feedforward`, …,
 * `tagger-bidirectional`) and the six §4.5 adding-problem models (`adding-tanh`, …,
 * `adding-scrn`).
 *
 * @example
 * assert.deepStrictEqual(TASKS.map((t) => t.name).slice(0, 2), ['tagger-feedforward', 'tagger-elman'])
 * assert.strictEqual(TASKS.find((t) => t.name === 'adding-lstm').defaults.steps, 800)
 */
export const TASKS: readonly TrainingTask[] = [
  ...TAGGER_KINDS.map(taggerTask),
  ...ADDING_MODELS.map(addingTask),
]

/** The task of that name, if there is one. */
export const findTask = (name: string, tasks: readonly TrainingTask[] = TASKS): TrainingTask | undefined =>
  tasks.find((t) => t.name === name)
