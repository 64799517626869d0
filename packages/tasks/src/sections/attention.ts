/**
 * Lecture §5.7: attention-based models. A controller reads from a memory with a reading head
 * whose position it learns. The section has parts, each a claim with its own `holds`:
 *
 * - `attention` (this file): the §5.3 encoder–decoder whose decoder reads the encoder's states
 *   through dot-product attention, against the plain encoder–decoder of §5.3 (the same model,
 *   trained once: `trainSeq2seq` remembers it), on the same toy translation. The plain decoder
 *   must carry the whole sentence in one vector and falls off on the longest sentences; the
 *   attention decoder looks back at the word it is translating and holds up there.
 *
 * - `ntm` (`sections/ntm.ts`): the Neural Turing Machine, whose controller also writes to the
 *   memory, against an LSTM of about as many parameters on the copy task: trained on sequences of
 *   1–10 vectors, the NTM still copies sequences twice as long; the LSTM does not.
 *
 * How a part plugs in: its configuration as an optional field of `AttentionSectionConfig`, its
 * metrics (with their own `holds`) under the same name in `AttentionSectionMetrics`, and a
 * `SectionPart` of that name in `ATTENTION_SECTION_PARTS`. The section runs every part present in
 * the configuration (the default configuration has them all), in the order of that list, gives
 * each the section's key, and holds when every part that ran holds.
 */
import type { Key } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { translationVocabulary } from '../data/translation.ts'
import type { Experiment, ExperimentResult, Plot, RunContext, Table } from '../experiment.ts'
import { defaultNtmConfig, type NtmConfig, type NtmMetrics, ntmPart } from './ntm.ts'
import {
  byLengthPlot,
  decodeLimit,
  decodePairs,
  defaultSeq2seqConfig,
  type Seq2seqTraining,
  scoreByLength,
  trainSeq2seq,
  translationTestSet,
} from './seq2seq.ts'

/**
 * One part of a section with several claims: its criterion in words, and a run whose metrics
 * carry their own `holds` (computed from them by the criterion).
 */
export interface SectionPart<C, M extends { readonly holds: boolean }> {
  readonly name: string
  readonly criterion: string
  readonly run: (config: C, key: Key, context?: RunContext) => ExperimentResult<M>
}

/**
 * The attention part's configuration: §5.3's training (task, sizes, optimiser; `steps` is the
 * plain model's budget), the attention model's own budget `attentionSteps`, the test set
 * (`testPerLength` sentences of each length) and how many sentences' attention weights to draw.
 */
export interface AttentionConfig extends Seq2seqTraining {
  readonly attentionSteps: number
  readonly testPerLength: number
  readonly heatmaps: number
}

/** Token accuracy of greedy decoding on the sentences of one source length. */
export interface LengthAccuracy {
  readonly length: number
  readonly tokenAccuracy: number
}

/** What the attention part measures. */
export interface AttentionMetrics {
  /** Greedy token accuracy by source length, with and without attention. */
  readonly byLength: {
    readonly attention: readonly LengthAccuracy[]
    readonly noAttention: readonly LengthAccuracy[]
  }
  /** The same on the longest sentences (length `maxLength`), which the criterion reads. */
  readonly longest: { readonly length: number; readonly attention: number; readonly noAttention: number }
  readonly steps: { readonly attention: number; readonly noAttention: number }
  /** Models whose training stopped early on a non-finite value, with the reason. */
  readonly stopped: { readonly attention?: string; readonly noAttention?: string }
  readonly holds: boolean
}

/** The criterion: attention's token accuracy on the longest sentences is at least this… */
export const ATTENTION_LONGEST_AT_LEAST = 0.9
/** …and exceeds the plain encoder–decoder's there by at least this much. */
export const ATTENTION_MARGIN = 0.2

/**
 * Whether the attention part holds (Lecture §5.7): on the longest sentences, token accuracy
 * with attention ≥ `ATTENTION_LONGEST_AT_LEAST` and ≥ without attention + `ATTENTION_MARGIN`.
 *
 * @example
 * assert.strictEqual(attentionHolds({ length: 8, attention: 0.97, noAttention: 0.6 }), true)
 * assert.strictEqual(attentionHolds({ length: 8, attention: 0.97, noAttention: 0.8 }), false)
 */
export const attentionHolds = (longest: AttentionMetrics['longest']): boolean =>
  longest.attention >= ATTENTION_LONGEST_AT_LEAST &&
  longest.attention >= longest.noAttention + ATTENTION_MARGIN

const VOCABULARY = translationVocabulary()

/**
 * The attention weights of greedy decoding as a heatmap per sentence (Lecture §5.7: where the
 * reading head looks): x the source words, y the written tokens, colour the weight.
 */
const heatmap = (
  sentences: readonly {
    readonly source: readonly string[]
    readonly output: readonly number[]
    readonly weights: readonly (readonly number[])[]
  }[],
): Plot => ({
  id: 'attention-weights',
  title: 'Attention weights while translating (greedy decoding)',
  spec: {
    description:
      'For each written token (rows), the weight the decoder puts on each source word (columns); chunks of three words are reversed, so the bright cells run backwards within each chunk.',
    data: {
      values: sentences.flatMap((s, n) =>
        s.weights.flatMap((row, t) =>
          row.map((w, i) => ({
            sentence: `sentence ${n + 1}`,
            source: `${i + 1} ${s.source[i]}`,
            output: `${String(t + 1).padStart(2, '0')} ${VOCABULARY.target[s.output[t]]}`,
            weight: w,
          })),
        ),
      ),
    },
    facet: { field: 'sentence', type: 'nominal', title: null },
    columns: 3,
    resolve: { scale: { x: 'independent', y: 'independent' } },
    spec: {
      width: 180,
      height: 260,
      mark: 'rect',
      encoding: {
        x: { field: 'source', type: 'ordinal', title: 'source word', sort: null },
        y: { field: 'output', type: 'ordinal', title: 'written token', sort: null },
        color: { field: 'weight', type: 'quantitative', scale: { domain: [0, 1], scheme: 'greys' } },
      },
    },
  },
})

/**
 * The attention part of §5.7: trains the attention encoder–decoder for `attentionSteps` steps,
 * takes §5.3's plain encoder–decoder (`trainSeq2seq(config, false, key)`, trained once per
 * configuration and key), decodes the test set greedily with both and compares their token
 * accuracy by source length; draws the attention weights of `heatmaps` of the longest sentences.
 */
export const attentionPart: SectionPart<AttentionConfig, AttentionMetrics> & { readonly name: 'attention' } =
  {
    name: 'attention',
    criterion: `On the longest test sentences, greedy token accuracy with attention is at least ${ATTENTION_LONGEST_AT_LEAST} and at least ${ATTENTION_MARGIN} above the plain encoder–decoder's (§5.3's model, trained for as many or more steps).`,
    run: (config, key, context) => {
      if (!Number.isInteger(config?.attentionSteps) || config.attentionSteps < 1)
        throw new T.ArgumentError(
          `attentionPart.run: config.attentionSteps must be a positive integer, got ${String(config?.attentionSteps)}`,
        )
      if (!Number.isInteger(config.heatmaps) || config.heatmaps < 0)
        throw new T.ArgumentError(
          `attentionPart.run: config.heatmaps must be a non-negative integer, got ${String(config.heatmaps)}`,
        )
      const plain = trainSeq2seq(config, false, key, context)
      const attended = trainSeq2seq({ ...config, steps: config.attentionSteps }, true, key, context)
      const test = translationTestSet(config, config.testPerLength, key)
      const limit = decodeLimit(config)
      const withAttention = decodePairs(attended, test, limit)
      const without = decodePairs(plain, test, limit)
      const accuracy = (ids: readonly (readonly number[])[]): LengthAccuracy[] =>
        scoreByLength(test, ids).map(({ length, tokenAccuracy }) => ({ length, tokenAccuracy }))
      const byLength = { attention: accuracy(withAttention.ids), noAttention: accuracy(without.ids) }
      const at = (rows: readonly LengthAccuracy[]): number =>
        rows.find((r) => r.length === config.maxLength)?.tokenAccuracy ?? Number.NaN
      const longest = {
        length: config.maxLength,
        attention: at(byLength.attention),
        noAttention: at(byLength.noAttention),
      }
      const stopped = {
        ...(attended.stopped === undefined ? {} : { attention: attended.stopped }),
        ...(plain.stopped === undefined ? {} : { noAttention: plain.stopped }),
      }
      const longestAt = test.flatMap((p, i) => (p.source.length === config.maxLength ? [i] : []))
      const shown = longestAt.slice(0, config.heatmaps).map((i) => ({
        source: test[i].source,
        output: withAttention.ids[i],
        weights: withAttention.weights?.[i] ?? [],
      }))
      const table: Table = {
        title: `Greedy token accuracy by source length: attention (${config.attentionSteps} steps) and plain (${config.steps} steps)`,
        columns: ['source length', 'attention', 'no attention'],
        rows: byLength.attention.map((r, i) => [
          r.length,
          Number(r.tokenAccuracy.toFixed(3)),
          Number(byLength.noAttention[i].tokenAccuracy.toFixed(3)),
        ]),
      }
      return {
        metrics: {
          byLength,
          longest,
          steps: { attention: attended.losses.length, noAttention: plain.losses.length },
          stopped,
          holds: attentionHolds(longest),
        },
        plots: [
          byLengthPlot('attention-by-length', 'Token accuracy by source length, with and without attention', [
            ...byLength.attention.map((r) => ({
              model: 'attention',
              measure: 'token accuracy',
              value: r.tokenAccuracy,
              length: r.length,
            })),
            ...byLength.noAttention.map((r) => ({
              model: 'no attention',
              measure: 'token accuracy',
              value: r.tokenAccuracy,
              length: r.length,
            })),
          ]),
          ...(shown.length > 0 ? [heatmap(shown)] : []),
        ],
        tables: [table],
      }
    },
  }

/** §5.7's configuration: one entry per part to run (absent: that part does not run). */
export interface AttentionSectionConfig {
  readonly attention?: AttentionConfig
  readonly ntm?: NtmConfig
}

/** §5.7's metrics: each part's that ran, with its own `holds`. */
export interface AttentionSectionMetrics {
  readonly attention?: AttentionMetrics
  readonly ntm?: NtmMetrics
}

/** A part of §5.7 under its name: the configuration and metrics fields it reads and writes. */
type AttentionSectionPart = {
  readonly [N in keyof AttentionSectionConfig]-?: SectionPart<
    NonNullable<AttentionSectionConfig[N]>,
    NonNullable<AttentionSectionMetrics[N]>
  > & { readonly name: N }
}[keyof AttentionSectionConfig]

/** §5.7's parts, in the order they run. */
export const ATTENTION_SECTION_PARTS: readonly AttentionSectionPart[] = [attentionPart, ntmPart]

/**
 * §5.7's default configuration: the attention part on §5.3's task and plain model (its default
 * configuration: 1–8 words, H = 64, 1000 steps), the attention model trained for 400 steps,
 * 20 test sentences per length, three heatmaps. `full`: §5.3's full configuration, 1000 steps.
 * The `ntm` part: `defaultNtmConfig(full)` (the copy task, an NTM and an LSTM 600 steps each).
 *
 * @example
 * const c = defaultAttentionConfig(false)
 * assert.deepStrictEqual([c.attention.maxLength, c.attention.steps, c.attention.attentionSteps], [8, 1000, 400])
 * assert.deepStrictEqual(c.ntm.testLengths, [10, 20, 30])
 */
export const defaultAttentionConfig = (
  full: boolean,
): AttentionSectionConfig & { readonly attention: AttentionConfig; readonly ntm: NtmConfig } => {
  const { beamWidth: _, ...plain } = defaultSeq2seqConfig(full)
  return {
    attention: { ...plain, attentionSteps: full ? 1000 : 400, heatmaps: 3 },
    ntm: defaultNtmConfig(full),
  }
}

/**
 * Lecture §5.7 as an experiment: every part present in the configuration runs with the
 * section's key; the section holds when each part that ran holds (and at least one ran).
 *
 * @example
 * const c = defaultAttentionConfig(false).attention
 * const tiny = { attention: { ...c, maxLength: 2, hidden: 8, embedding: 4, steps: 2, attentionSteps: 2, testPerLength: 2, heatmaps: 1 } }
 * const r = attentionExperiment.run(tiny, T.key(0))
 * assert.deepStrictEqual(r.metrics.attention.byLength.attention.map((s) => s.length), [1, 2])
 * assert.strictEqual(attentionExperiment.holds(r.metrics), r.metrics.attention.holds)
 * assert.strictEqual(attentionExperiment.holds({}), false) // no part ran
 */
export const attentionExperiment: Experiment<AttentionSectionConfig, AttentionSectionMetrics> = {
  id: '5.7',
  title: 'Attention: reading from a memory',
  claim:
    "A decoder that reads the encoder's states through an attention head, whose reading position it learns, translates long inputs that a plain encoder–decoder, which must squeeze the whole input into one vector, gets wrong; a Neural Turing Machine, whose controller also writes to its memory, copies sequences longer than any it was trained on, which an LSTM of as many parameters cannot.",
  criterion: `Every part that runs holds. attention: ${attentionPart.criterion} ntm: ${ntmPart.criterion}`,
  config: (full) => defaultAttentionConfig(full),
  run: (config, key, context) => {
    if (typeof config !== 'object' || config === null)
      throw new T.ArgumentError(
        `attentionExperiment.run: config must be { attention?: …, ntm?: … }, got ${String(config)}`,
      )
    const metrics: Record<string, unknown> = {}
    const plots: Plot[] = []
    const tables: Table[] = []
    for (const part of ATTENTION_SECTION_PARTS) {
      const c = config[part.name]
      if (c === undefined) continue
      // Each part reads its own field: the union of parts is called with that field's type.
      const run = part.run as (
        config: NonNullable<typeof c>,
        key: Key,
        context?: RunContext,
      ) => ExperimentResult<{ readonly holds: boolean }>
      const r = run(c, key, context)
      metrics[part.name] = r.metrics
      plots.push(...r.plots)
      tables.push(...r.tables)
    }
    return { metrics: metrics as AttentionSectionMetrics, plots, tables }
  },
  holds: (m) => {
    const ran = ATTENTION_SECTION_PARTS.flatMap((p) => {
      const r = m[p.name]
      return r === undefined ? [] : [r]
    })
    return ran.length > 0 && ran.every((r) => r.holds)
  },
}
