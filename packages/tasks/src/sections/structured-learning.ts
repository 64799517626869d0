/**
 * Lecture §5.8: recurrent networks and structured learning. A per-token softmax decides each
 * word's label on its own, from its own distribution; a linear-chain CRF (`crfLoss`, `crfViterbi`
 * of `@recurrent/losses`) scores the whole label sequence, so the dependencies between labels
 * are part of the model, and the two combine: the recurrent network computes the CRF's emissions
 * ("deep + structured"). The section has parts, each a claim with its own `holds`:
 *
 * - `crf` (this file): §1.2's bidirectional LSTM tagger, trained with per-token cross-entropy
 *   (the softmax tagger) and with a CRF on top (the CRF tagger), on §1.2's booking sentences in
 *   which some minimal pairs have lost their cue word (`withoutCues`): the role of such a
 *   sentence's slots cannot be told, only that the words of one slot share it. Nothing says which
 *   label may follow which: the CRF's transitions start at 0 and are learned. The claim: the CRF
 *   tagger's label sequences (essentially) never break the BIO rules, and its slot F1 is at least
 *   the softmax tagger's, which may label "November" as an arrival and "second" as a departure.
 *
 * Later parts (an HMM, a structured perceptron) plug in as §5.7's do: an optional field of
 * `StructuredSectionConfig` and `StructuredSectionMetrics` and a `SectionPart` in
 * `STRUCTURED_SECTION_PARTS` under the same name.
 */
import * as T from '@recurrent/tensor'
import { type Sentence, SLOT_LABELS, withoutCues } from '../data/slot-filling.ts'
import type { Experiment, ExperimentResult, Plot, Table } from '../experiment.ts'
import { reportRun } from '../experiment.ts'
import { bioViolations, slotF1 } from '../metrics.ts'
import { crfTagSentences, fitCrfTagger } from '../models/crf-tagger.ts'
import { fitTagger, tagSentences } from '../models/tagger.ts'
import type { SectionPart } from './attention.ts'
import {
  type SlotFillingConfig,
  slotFillingData,
  slotFillingExperiment,
  slotTagger,
  taggerLossPlot,
} from './slot-filling.ts'

/**
 * The CRF part's configuration: §1.2's data and tagger sizes (`slotFillingData`, `slotTagger`;
 * only the training and test splits are used), one Adam budget `steps` for both taggers, and
 * the fraction of minimal pairs whose cue words are deleted (`ambiguousPairs`).
 */
export interface CrfConfig
  extends Pick<
    SlotFillingConfig,
    | 'trainSentences'
    | 'testSentences'
    | 'seenCities'
    | 'unseenCities'
    | 'fillerRate'
    | 'embedding'
    | 'hidden'
    | 'batchSize'
    | 'learningRate'
    | 'wordDropout'
    | 'steps'
  > {
  /** Fraction in [0, 1] of the minimal pairs (training and test) that lose their cue words. */
  readonly ambiguousPairs: number
}

/** What the CRF part measures, for the softmax tagger and the CRF tagger. */
export interface CrfMetrics {
  /** Span-level micro F1 on the held-out test split (cues dropped as in training). */
  readonly slotF1: { readonly softmax: number; readonly crf: number }
  /** Predicted transitions that break the BIO rules (`bioViolations`), as a fraction of all. */
  readonly invalidTransitions: { readonly softmax: number; readonly crf: number }
  readonly holds: boolean
}

/** "Essentially no" invalid transitions: at most one in a thousand predicted transitions. */
export const ESSENTIALLY_NONE = 0.001

/**
 * Whether the CRF part holds (Lecture §5.8): the CRF tagger's invalid-transition rate is at
 * most `ESSENTIALLY_NONE` and its slot F1 at least the softmax tagger's.
 *
 * @example
 * const m = (softmax, crf) => ({ slotF1: { softmax: 0.82, crf }, invalidTransitions: { softmax, crf: 0 } })
 * assert.strictEqual(crfHolds(m(0.01, 0.86)), true)
 * assert.strictEqual(crfHolds(m(0.01, 0.81)), false) // below the softmax tagger's F1
 * assert.strictEqual(crfHolds({ ...m(0, 0.86), invalidTransitions: { softmax: 0, crf: 0.002 } }), false)
 */
export const crfHolds = (m: Omit<CrfMetrics, 'holds'>): boolean =>
  m.invalidTransitions.crf <= ESSENTIALLY_NONE && m.slotF1.crf >= m.slotF1.softmax

const round = (x: number): number => Math.round(x * 1000) / 1000

/** Rows: the label moved from (and "start"); columns: the label moved to (and "end"). */
const transitionsPlot = (transitions: number[][], start: number[], end: number[]): Plot => {
  const labels = [...SLOT_LABELS]
  const cell = (from: string, to: string, score: number) => ({ from, to, score: round(score) })
  return {
    id: 'crf-transitions',
    title: 'The learned CRF transition scores (row: from, column: to; start and end included)',
    spec: {
      description:
        'The score the trained CRF adds for each pair of neighbouring labels. No transition was masked: the strongly negative cells (I-x after O, after another type, or at the start) were learned from the data.',
      width: 360,
      height: 360,
      data: {
        values: [
          ...labels.flatMap((from, j) => labels.map((to, k) => cell(from, to, transitions[j][k]))),
          ...labels.map((to, k) => cell('start', to, start[k])),
          ...labels.map((from, j) => cell(from, 'end', end[j])),
        ],
      },
      layer: [
        {
          mark: 'rect',
          encoding: {
            x: { field: 'to', type: 'ordinal', sort: [...labels, 'end'], title: 'to' },
            y: { field: 'from', type: 'ordinal', sort: ['start', ...labels], title: 'from' },
            color: {
              field: 'score',
              type: 'quantitative',
              scale: { scheme: 'blueorange', domainMid: 0 },
              title: 'score',
            },
          },
        },
        {
          mark: { type: 'text', fontSize: 8 },
          encoding: {
            x: { field: 'to', type: 'ordinal', sort: [...labels, 'end'] },
            y: { field: 'from', type: 'ordinal', sort: ['start', ...labels] },
            text: { field: 'score', type: 'quantitative', format: '.1f' },
          },
        },
      ],
    },
  }
}

const positiveInteger = (name: string, v: unknown): void => {
  if (!Number.isInteger(v) || (v as number) < 1)
    throw new T.ArgumentError(`crfPart.run: config.${name} must be a positive integer, got ${String(v)}`)
}

/**
 * The CRF part of §5.8: §1.2's data (`slotFillingData` of the key) with `ambiguousPairs` of the
 * training and test pairs stripped of their cues (`withoutCues`, from `split(key, 2)[1]`); the
 * bidirectional LSTM tagger of §1.2 trained twice from the same key, on the same batches with
 * the same word dropout: per-token cross-entropy and argmax (softmax), and a CRF on top with
 * Viterbi (crf). Measures slot F1 and the BIO violations of both on the test split, and draws the
 * CRF's learned transitions.
 */
export const crfPart: SectionPart<CrfConfig, CrfMetrics> & { readonly name: 'crf' } = {
  name: 'crf',
  criterion: `The CRF tagger's predicted label sequences break the BIO rules (I-x at the start, after O, or after a label of another type) at no more than ${ESSENTIALLY_NONE} of their transitions, with no transition masked by hand, and its slot F1 on held-out sentences is at least the softmax tagger's.`,
  run: (config, key, context) => {
    if (typeof config !== 'object' || config === null)
      throw new T.ArgumentError(`crfPart.run: config must be a CrfConfig, got ${String(config)}`)
    for (const name of ['steps', 'trainSentences', 'testSentences', 'batchSize'] as const)
      positiveInteger(name, config[name])
    if (!(config.ambiguousPairs >= 0 && config.ambiguousPairs <= 1))
      throw new T.ArgumentError(
        `crfPart.run: config.ambiguousPairs must lie in [0, 1], got ${String(config.ambiguousPairs)}`,
      )
    const [kData, kCues] = T.split(key, 2)
    const data = slotFillingData(config, kData)
    const [kTrain, kTest] = T.split(kCues, 2)
    const train = withoutCues(data.train, kTrain, config.ambiguousPairs).sentences
    const test = withoutCues(data.test, kTest, config.ambiguousPairs, { wholePairs: true })
    const words = data.oneHotWords
    const model = slotTagger('bidirectional', words, config)
    const options = {
      steps: config.steps,
      batchSize: config.batchSize,
      learningRate: config.learningRate,
      wordDropout: { rate: config.wordDropout, id: data.lexicon.length },
    }
    const kModel = T.foldIn(data.kModels, 0)
    const softmax = fitTagger(model, words, data.ids(train), kModel, {
      ...options,
      onStep: reportRun(context, 'softmax', config.steps),
    })
    const crf = fitCrfTagger(model, words, data.ids(train), kModel, {
      ...options,
      labels: SLOT_LABELS.length,
      onStep: reportRun(context, 'crf', config.steps),
    })

    const testWords = data.ids(test.sentences).words
    const named = (ids: number[][]) => ids.map((s) => s.map((c) => SLOT_LABELS[c]))
    const predicted = {
      softmax: named(tagSentences(model, softmax.params, words, testWords)),
      crf: named(crfTagSentences(model, crf.params, words, testWords)),
    }
    const reference = test.sentences.map((s: Sentence) => [...s.labels])
    const violations = { softmax: bioViolations(predicted.softmax), crf: bioViolations(predicted.crf) }
    const rate = (v: { violations: number; transitions: number }) =>
      v.transitions === 0 ? 0 : v.violations / v.transitions
    const measured = {
      slotF1: { softmax: slotF1(predicted.softmax, reference), crf: slotF1(predicted.crf, reference) },
      invalidTransitions: { softmax: rate(violations.softmax), crf: rate(violations.crf) },
    }
    // F1 on the sentences with and without a cue, for the table.
    const subset = (which: boolean, tagger: 'softmax' | 'crf') => {
      const at = test.dropped.flatMap((d, i) => (d === which ? [i] : []))
      return at.length === 0
        ? null
        : round(
            slotF1(
              at.map((i) => predicted[tagger][i]),
              at.map((i) => reference[i]),
            ),
          )
    }
    const final = (losses: readonly number[]) =>
      losses.length === 0 ? null : round(losses[losses.length - 1])
    const dropped = test.dropped.filter(Boolean).length
    const table: Table = {
      title: `The bidirectional LSTM tagger with a softmax and with a CRF: ${config.testSentences} test sentences (${dropped} without their cue), ${config.steps} steps each`,
      columns: [
        'tagger',
        'slot F1',
        'slot F1, with cue',
        'slot F1, cue dropped',
        'invalid transitions',
        'invalid / predicted transitions',
        'final loss',
      ],
      rows: (['softmax', 'crf'] as const).map((k) => [
        k,
        round(measured.slotF1[k]),
        subset(false, k),
        subset(true, k),
        Number(measured.invalidTransitions[k].toFixed(4)),
        `${violations[k].violations} / ${violations[k].transitions}`,
        final(k === 'softmax' ? softmax.losses : crf.losses),
      ]),
    }
    const p = crf.params.crf
    return {
      metrics: { ...measured, holds: crfHolds(measured) },
      plots: [
        transitionsPlot(
          T.toArray(p.transitions) as number[][],
          T.toArray(p.start) as number[],
          T.toArray(p.end) as number[],
        ),
        taggerLossPlot(
          'crf-loss',
          "Training loss per step (−log p of each sentence's labels, mean over the batch)",
          [
            { name: 'softmax', losses: softmax.losses },
            { name: 'crf', losses: crf.losses },
          ],
          260,
        ),
      ],
      tables: [table],
    }
  },
}

/** §5.8's configuration: one entry per part to run (absent: that part does not run). */
export interface StructuredSectionConfig {
  readonly crf?: CrfConfig
}

/** §5.8's metrics: each part's that ran, with its own `holds`. */
export interface StructuredSectionMetrics {
  readonly crf?: CrfMetrics
}

/** A part of §5.8 under its name: the configuration and metrics fields it reads and writes. */
type StructuredSectionPart = {
  readonly [N in keyof StructuredSectionConfig]-?: SectionPart<
    NonNullable<StructuredSectionConfig[N]>,
    NonNullable<StructuredSectionMetrics[N]>
  > & { readonly name: N }
}[keyof StructuredSectionConfig]

/** §5.8's parts, in the order they run. */
export const STRUCTURED_SECTION_PARTS: readonly StructuredSectionPart[] = [crfPart]

/**
 * §5.8's default configuration: the CRF part on §1.2's default data and tagger sizes
 * (`slotFillingExperiment.config`: 60 cities, word vectors of 32, H = 32, Adam 0.01, batches of
 * 32, word dropout 0.1, 2000 training and 400 test sentences) with 3 in 10 pairs without their
 * cue, 150 steps per tagger. `full`: 4000 and 1000 sentences, 600 steps.
 *
 * @example
 * const c = defaultStructuredConfig(false).crf
 * assert.deepStrictEqual([c.trainSentences, c.steps, c.ambiguousPairs], [2000, 150, 0.3])
 */
export const defaultStructuredConfig = (
  full: boolean,
): StructuredSectionConfig & { readonly crf: CrfConfig } => ({
  crf: { ...slotFillingExperiment.config(full), steps: full ? 600 : 150, ambiguousPairs: 0.3 },
})

/**
 * Lecture §5.8 as an experiment: every part present in the configuration runs with the
 * section's key; the section holds when each part that ran holds (and at least one ran).
 *
 * @example
 * const c = defaultStructuredConfig(false).crf
 * const tiny = { crf: { ...c, trainSentences: 20, testSentences: 10, embedding: 4, hidden: 4, batchSize: 8, steps: 2 } }
 * const r = structuredLearningExperiment.run(tiny, T.key(0))
 * assert.deepStrictEqual(Object.keys(r.metrics.crf), ['slotF1', 'invalidTransitions', 'holds'])
 * assert.strictEqual(structuredLearningExperiment.holds(r.metrics), r.metrics.crf.holds)
 * assert.strictEqual(structuredLearningExperiment.holds({}), false) // no part ran
 */
export const structuredLearningExperiment: Experiment<StructuredSectionConfig, StructuredSectionMetrics> = {
  id: '5.8',
  title: 'RNN vs structured learning: a CRF on top of the bidirectional LSTM',
  claim:
    'A per-token softmax picks each label on its own and can break a span (I-x after O, or after a label of another type); a recurrent network feeding a linear-chain CRF scores whole label sequences, learns which label may follow which, and decodes the best sequence with Viterbi: deep and structured combine.',
  criterion: `Every part that runs holds. crf: ${crfPart.criterion}`,
  config: (full) => defaultStructuredConfig(full),
  run: (config, key, context) => {
    if (typeof config !== 'object' || config === null)
      throw new T.ArgumentError(
        `structuredLearningExperiment.run: config must be { crf?: … }, got ${String(config)}`,
      )
    const metrics: Record<string, unknown> = {}
    const plots: Plot[] = []
    const tables: Table[] = []
    for (const part of STRUCTURED_SECTION_PARTS) {
      const c = config[part.name]
      if (c === undefined) continue
      const r: ExperimentResult<{ readonly holds: boolean }> = part.run(c, key, context)
      metrics[part.name] = r.metrics
      plots.push(...r.plots)
      tables.push(...r.tables)
    }
    return { metrics: metrics as StructuredSectionMetrics, plots, tables }
  },
  holds: (m) => {
    const ran = STRUCTURED_SECTION_PARTS.flatMap((p) => {
      const r = m[p.name]
      return r === undefined ? [] : [r]
    })
    return ran.length > 0 && ran.every((r) => r.holds)
  },
}
