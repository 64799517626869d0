/**
 * Lecture §5.6: a sequence-to-sequence auto-encoder for speech. Audio segments of different
 * lengths, one spoken word each, become fixed-length vectors: an encoder reads the frames into a
 * code and a decoder writes the frames back from it, the two trained jointly
 * (`models/sequence-autoencoder.ts`). Segments of the same word should get nearby codes. The words
 * come in anagram groups ("stop", "pots", "tops", "spot"): the same sounds in another order. The
 * mean of a segment's frames, a fixed-length vector too, is nearly the same for every word of a
 * group, so it cannot tell them apart; the auto-encoder's code, which must let the decoder write
 * the sounds back in order, can. The segments are §5.2's synthetic acoustic frames
 * (`data/acoustic.ts`), spoken at word level.
 */
import type { Key, Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { cosineDistance, precisionAtK, principalComponents } from '../codes.ts'
import { batchUtterances, speak, type Utterance, voice } from '../data/acoustic.ts'
import {
  type Experiment,
  type Plot,
  type RunContext,
  stepLossPlot,
  type Table,
  trainSteps,
} from '../experiment.ts'
import {
  type SequenceAutoencoder,
  type SequenceAutoencoderParams,
  sequenceAutoencoder,
} from '../models/sequence-autoencoder.ts'

/** The words of §5.6: three anagram groups of four, the same letters in four orders. */
export const ANAGRAM_GROUPS: readonly (readonly string[])[] = [
  ['stop', 'pots', 'tops', 'spot'],
  ['evil', 'vile', 'live', 'veil'],
  ['team', 'meat', 'mate', 'tame'],
]
/** Every word of `ANAGRAM_GROUPS`, group by group. */
export const ANAGRAM_WORDS: readonly string[] = ANAGRAM_GROUPS.flat()

/** §5.6's configuration: the acoustic corpus, the auto-encoder, its budget and the held-out set. */
export interface SpeechAutoencoderConfig {
  /** F, features per frame. */
  readonly features: number
  /** Frames per character, uniform in [minDuration, maxDuration]; σ of the frame noise. */
  readonly minDuration: number
  readonly maxDuration: number
  readonly noise: number
  /** The code's size H (the GRUs' hidden size). */
  readonly hidden: number
  /** Adam steps, segments per step (fresh ones each step), the step size and the global norm clip. */
  readonly steps: number
  readonly batch: number
  readonly learningRate: number
  readonly clipNorm: number
  /** Held-out segments of each word. */
  readonly testPerWord: number
  /** How many nearest neighbours retrieval looks at (precision at k). */
  readonly k: number
}

/** What §5.6 measures on the held-out segments (the `results.json` contract). */
export interface SpeechAutoencoderMetrics {
  /**
   * Precision at k of nearest-neighbour retrieval by cosine distance (`precisionAtK`): the share
   * of each held-out segment's k nearest others that are the same word, with the auto-encoder's
   * codes and with the mean of the frames as the code.
   */
  readonly retrievalPrecision: { readonly autoencoder: number; readonly meanFrame: number }
  /** Why training stopped before its budget (a non-finite value), if it did. */
  readonly stopped?: string
}

/** The criterion: retrieval with the auto-encoder's codes is at least this much more precise than with the mean frame. */
export const RETRIEVAL_MARGIN = 0.2

const checkConfig = (fn: string, c: SpeechAutoencoderConfig): void => {
  if (typeof c !== 'object' || c === null)
    throw new T.ArgumentError(`${fn}: config must be an object, got ${String(c)}`)
  for (const k of [
    'features',
    'minDuration',
    'maxDuration',
    'hidden',
    'steps',
    'batch',
    'testPerWord',
    'k',
  ] as const)
    if (typeof c[k] !== 'number' || !Number.isInteger(c[k]) || c[k] < 1)
      throw new T.ArgumentError(`${fn}: config.${k} must be a positive integer, got ${String(c[k])}`)
  for (const k of ['learningRate', 'clipNorm'] as const)
    if (typeof c[k] !== 'number' || !(c[k] > 0) || !Number.isFinite(c[k]))
      throw new T.ArgumentError(`${fn}: config.${k} must be a finite number > 0, got ${String(c[k])}`)
  if (c.k >= ANAGRAM_WORDS.length * c.testPerWord)
    throw new T.ArgumentError(
      `${fn}: config.k must be below the number of held-out segments (${ANAGRAM_WORDS.length * c.testPerWord}), got ${c.k}`,
    )
}

/** A batch for the auto-encoder: the frames, their lengths, and the target (frames backwards) with its mask. */
export interface SegmentBatch {
  readonly frames: Tensor
  readonly lengths: readonly number[]
  /** Frame len_b − 1 − t of segment b at row t, zero after len_b: `[T, B, F]`. */
  readonly reversed: Tensor
  /** 1 on a segment's frames, 0 after: `[T, B, 1]`. */
  readonly mask: Tensor
}

/**
 * Segments as an auto-encoder batch (Lecture §5.6): the frames `[T, B, F]` (`batchUtterances`),
 * the target — each segment's frames backwards, the decoder's order — and the mask of real frames.
 *
 * @example
 * const v = voice(T.key(0), { words: ['stop'], features: 2 })
 * const us = speak(T.key(1), v, { count: 2, words: ['stop'], minDuration: 2, maxDuration: 3, noise: 0 })
 * const b = segmentBatch(us, 2)
 * const [T_, B] = T.shape(b.frames)
 * const f = T.toArray(b.frames)
 * const r = T.toArray(b.reversed)
 * assert.deepStrictEqual(r[0][0], f[b.lengths[0] - 1][0]) // the last frame first
 * assert.strictEqual(T.toArray(b.mask).flat(2).reduce((a, c) => a + c, 0), b.lengths[0] + b.lengths[1])
 */
export const segmentBatch = (utterances: readonly Utterance[], features: number): SegmentBatch => {
  const b = batchUtterances(utterances, features)
  const [steps, B, F] = b.frames.shape
  const reversed = new Float32Array(steps * B * F)
  const mask = new Float32Array(steps * B)
  utterances.forEach((u, j) => {
    for (let t = 0; t < u.steps; t++) {
      reversed.set(u.frames.subarray((u.steps - 1 - t) * F, (u.steps - t) * F), (t * B + j) * F)
      mask[t * B + j] = 1
    }
  })
  return {
    frames: b.frames,
    lengths: b.lengths,
    reversed: T.tensor(reversed, { shape: [steps, B, F], dtype: 'f32' }),
    mask: T.tensor(mask, { shape: [steps, B, 1], dtype: 'f32' }),
  }
}

/**
 * The reconstruction loss of a batch (Lecture §5.6): the squared error of the written frames,
 * averaged over the real frames' values,
 *
 *   L = Σ_{b, t < len_b, f} (x̂_{t,b,f} − x_{len_b−1−t, b, f})² / (F·Σ_b len_b)
 *
 * @example
 * const m = sequenceAutoencoder({ features: 2, hidden: 3 })
 * const v = voice(T.key(0), { words: ['stop'], features: 2 })
 * const b = segmentBatch(speak(T.key(1), v, { count: 2, words: ['stop'], minDuration: 2, maxDuration: 3, noise: 0 }), 2)
 * assert.ok(T.item(reconstructionLoss(m, m.init(T.key(2)), b)) > 0)
 */
export const reconstructionLoss = (
  model: SequenceAutoencoder,
  params: SequenceAutoencoderParams,
  batch: SegmentBatch,
): Tensor => {
  const written = model.decode(
    params,
    model.encode(params, batch.frames, batch.lengths),
    batch.frames.shape[0],
    batch.lengths,
  )
  const d = T.mul(T.sub(written, batch.reversed), batch.mask)
  const values = batch.lengths.reduce((a, l) => a + l, 0) * batch.frames.shape[2]
  return T.div(T.sum(T.mul(d, d)), values)
}

/**
 * §5.6's held-out segments: `testPerWord` of every word of `ANAGRAM_WORDS`, word w's from
 * `foldIn(foldIn(key, 1), w)`, spoken by the section's voice; grouped by word.
 *
 * @example
 * const c = { ...speechAutoencoderExperiment.config(false), testPerWord: 2 }
 * const v = voice(T.foldIn(T.key(0), 0), { words: ANAGRAM_WORDS, features: c.features })
 * const held = heldOutSegments(c, v, T.key(0))
 * assert.deepStrictEqual(held.map((u) => u.text).slice(0, 4), ['stop', 'stop', 'pots', 'pots'])
 */
export const heldOutSegments = (
  config: SpeechAutoencoderConfig,
  v: ReturnType<typeof voice>,
  key: Key,
): Utterance[] =>
  ANAGRAM_WORDS.flatMap((w, i) =>
    speak(T.foldIn(T.foldIn(key, 1), i), v, {
      count: config.testPerWord,
      words: [w],
      minDuration: config.minDuration,
      maxDuration: config.maxDuration,
      noise: config.noise,
    }),
  )

/** A trained speech auto-encoder and the loss of every step. */
export interface TrainedSpeechAutoencoder {
  readonly model: SequenceAutoencoder
  readonly params: SequenceAutoencoderParams
  readonly losses: readonly number[]
  readonly stopped?: string
}

/**
 * Trains the speech auto-encoder (Lecture §5.6): encoder and decoder together, on the
 * reconstruction loss, by `chain(clipByGlobalNorm(clipNorm), adam(learningRate))` for `steps`
 * steps (`trainSteps`). Batch i is `batch` fresh segments of words drawn uniformly from `ANAGRAM_WORDS`,
 * `speak(foldIn(foldIn(key, 2), i), v, …)`; the params from `foldIn(key, 3)`.
 *
 * @example
 * const c = { ...speechAutoencoderExperiment.config(false), hidden: 4, steps: 2, batch: 4 }
 * const v = voice(T.foldIn(T.key(0), 0), { words: ANAGRAM_WORDS, features: c.features })
 * assert.strictEqual(trainSpeechAutoencoder(c, v, T.key(0)).losses.length, 2)
 */
export const trainSpeechAutoencoder = (
  config: SpeechAutoencoderConfig,
  v: ReturnType<typeof voice>,
  key: Key,
  context?: RunContext,
): TrainedSpeechAutoencoder => {
  checkConfig('trainSpeechAutoencoder', config)
  const model = sequenceAutoencoder({ features: config.features, hidden: config.hidden })
  const stream = T.foldIn(key, 2)
  const r = trainSteps(
    model.init(T.foldIn(key, 3)),
    (p, b: SegmentBatch) => reconstructionLoss(model, p, b),
    (i) =>
      segmentBatch(
        speak(T.foldIn(stream, i), v, {
          count: config.batch,
          words: ANAGRAM_WORDS,
          minDuration: config.minDuration,
          maxDuration: config.maxDuration,
          noise: config.noise,
        }),
        config.features,
      ),
    config,
    'speech auto-encoder',
    context,
  )
  return { model, ...r }
}

/**
 * The mean-frame code of a segment (Lecture §5.6's baseline): the average of its frames, a
 * fixed-length vector blind to their order, `(1/T) Σ_t x_t`.
 *
 * @example
 * const u = { text: 'ab', labels: [1, 2], steps: 2, frames: Float32Array.from([1, 2, 3, 6]), alignment: [1, 2] }
 * assert.deepStrictEqual(meanFrame(u, 2), [2, 4])
 */
export const meanFrame = (u: Utterance, features: number): number[] => {
  if (!(u?.frames instanceof Float32Array) || !Number.isInteger(u.steps) || u.steps < 1)
    throw new T.ArgumentError('meanFrame: the segment must have at least one frame')
  if (u.frames.length !== u.steps * features)
    throw new T.ArgumentError(
      `meanFrame: the segment has ${u.frames.length} values, expected steps × features = ${u.steps} × ${features}`,
    )
  const out = Array(features).fill(0)
  for (let t = 0; t < u.steps; t++) for (let f = 0; f < features; f++) out[f] += u.frames[t * features + f]
  return out.map((s) => s / u.steps)
}

/** The share of each code's k nearest others that are another word of its anagram group. */
const anagramConfusion = (codes: readonly number[][], words: readonly string[], k: number): number => {
  const group = new Map(ANAGRAM_GROUPS.flatMap((g, i) => g.map((w) => [w, i] as const)))
  let total = 0
  codes.forEach((q, i) => {
    const nearest = codes
      .map((c, j) => ({ j, d: j === i ? Number.POSITIVE_INFINITY : cosineDistance(q, c) }))
      .sort((a, b) => a.d - b.d || a.j - b.j)
      .slice(0, k)
    total +=
      nearest.filter(({ j }) => words[j] !== words[i] && group.get(words[j]) === group.get(words[i])).length /
      k
  })
  return total / codes.length
}

const round = (x: number): number => Number(x.toFixed(3))

/** The codes of both kinds on their two principal components, side by side. */
const projectionPlot = (
  rows: readonly { code: string; word: string; group: string; pc1: number; pc2: number }[],
): Plot => ({
  id: 'speech-autoencoder-codes',
  title:
    'Codes of held-out segments on their two principal components: the auto-encoder’s, and the mean of the frames (colour: the word; shape: its anagram group)',
  spec: {
    description: 'Each point is one held-out spoken word; anagrams share a shape.',
    data: { values: rows },
    facet: { column: { field: 'code', type: 'nominal', title: null } },
    resolve: { scale: { x: 'independent', y: 'independent' } },
    spec: {
      width: 300,
      height: 300,
      mark: { type: 'point', filled: true, size: 45, opacity: 0.8 },
      encoding: {
        x: { field: 'pc1', type: 'quantitative', title: 'principal component 1' },
        y: { field: 'pc2', type: 'quantitative', title: 'principal component 2' },
        color: {
          field: 'word',
          type: 'nominal',
          title: 'word',
          scale: { scheme: 'tableau20' },
          sort: ANAGRAM_WORDS,
        },
        shape: { field: 'group', type: 'nominal', title: 'anagram group' },
      },
    },
  },
})

/**
 * Lecture §5.6 as an experiment: the speech auto-encoder trained on segments of the anagram
 * words, then nearest-neighbour retrieval of the same word among held-out segments, with its
 * codes and with the mean frame.
 *
 * @example
 * const tiny = { ...speechAutoencoderExperiment.config(false), hidden: 4, steps: 2, batch: 4, testPerWord: 3, k: 2 }
 * const r = speechAutoencoderExperiment.run(tiny, T.key(0))
 * assert.deepStrictEqual(Object.keys(r.metrics.retrievalPrecision), ['autoencoder', 'meanFrame'])
 * assert.strictEqual(speechAutoencoderExperiment.holds(r.metrics), r.metrics.retrievalPrecision.autoencoder >= r.metrics.retrievalPrecision.meanFrame + RETRIEVAL_MARGIN)
 */
export const speechAutoencoderExperiment: Experiment<SpeechAutoencoderConfig, SpeechAutoencoderMetrics> = {
  id: '5.6',
  title: 'Speech auto-encoder: fixed-length codes of spoken words',
  claim:
    'An encoder turns audio segments of different lengths into fixed-length vectors and a decoder turns the vectors back into the audio, the two trained jointly to reconstruct. Segments of the same word get nearby codes, even where the same sounds come in another order ("stop", "pots", "tops", "spot"), which the mean of the frames, also a fixed-length vector, cannot tell apart.',
  criterion: `Among the held-out segments (\`testPerWord\` of each word, 8 by default), nearest-neighbour retrieval by cosine distance finds the same word among the k nearest (5 by default) with a precision at least ${RETRIEVAL_MARGIN} higher with the auto-encoder's codes than with the mean of the frames.`,
  config: (full) => ({
    features: 16,
    minDuration: 2,
    maxDuration: 5,
    noise: 0.5,
    hidden: 64,
    steps: full ? 1000 : 300,
    batch: 32,
    learningRate: 0.01,
    clipNorm: 1,
    testPerWord: 8,
    k: 5,
  }),
  run: (config, key, context) => {
    checkConfig('speechAutoencoderExperiment.run', config)
    const v = voice(T.foldIn(key, 0), { words: ANAGRAM_WORDS, features: config.features })
    const r = trainSpeechAutoencoder(config, v, key, context)
    const held = heldOutSegments(config, v, key)
    const words = held.map((u) => u.text)
    const b = segmentBatch(held, config.features)
    const codes = T.toArray(r.model.encode(r.params, b.frames, b.lengths)) as number[][]
    const means = held.map((u) => meanFrame(u, config.features))
    const metrics: SpeechAutoencoderMetrics = {
      retrievalPrecision: {
        autoencoder: precisionAtK(codes, words, config.k),
        meanFrame: precisionAtK(means, words, config.k),
      },
      ...(r.stopped === undefined ? {} : { stopped: r.stopped }),
    }
    const heldLoss = T.item(reconstructionLoss(r.model, r.params, b))
    const byGroup = ANAGRAM_GROUPS.map((g) => {
      const at = words.flatMap((w, i) => (g.includes(w) ? [i] : []))
      return {
        group: g.join('/'),
        autoencoder: precisionAtK(
          at.map((i) => codes[i]),
          at.map((i) => words[i]),
          config.k,
        ),
        meanFrame: precisionAtK(
          at.map((i) => means[i]),
          at.map((i) => words[i]),
          config.k,
        ),
      }
    })
    const summary: Table = {
      title: `${held.length} held-out segments (${config.testPerWord} per word), ${config.steps} training steps: the ${config.k} nearest by cosine distance`,
      columns: ['code', 'same word (precision)', 'an anagram of it'],
      rows: [
        [
          `auto-encoder (H = ${config.hidden})`,
          round(metrics.retrievalPrecision.autoencoder),
          round(anagramConfusion(codes, words, config.k)),
        ],
        [
          `mean of the frames (F = ${config.features})`,
          round(metrics.retrievalPrecision.meanFrame),
          round(anagramConfusion(means, words, config.k)),
        ],
      ],
    }
    const groups: Table = {
      title: 'Retrieval within each anagram group alone (the nearest among its own words)',
      columns: ['group', 'auto-encoder', 'mean of the frames'],
      rows: byGroup.map((g) => [g.group, round(g.autoencoder), round(g.meanFrame)]),
    }
    const reconstruction: Table = {
      title: 'Reconstruction of the held-out segments from their codes',
      columns: ['mean squared error per value', 'noise variance σ²', 'mean squared value of a frame'],
      rows: [
        [
          round(heldLoss),
          round(config.noise ** 2),
          round(
            held.reduce((a, u) => a + u.frames.reduce((s, x) => s + x * x, 0), 0) /
              (b.lengths.reduce((a, l) => a + l, 0) * config.features),
          ),
        ],
      ],
    }
    const group = new Map(ANAGRAM_GROUPS.flatMap((g) => g.map((w) => [w, g.join('/')] as const)))
    const project = (name: string, rows: number[][]) => {
      const xy = T.toArray(
        principalComponents(T.tensor(rows), Math.min(2, rows[0].length)).projected,
      ) as number[][]
      return xy.map((p, i) => ({
        code: name,
        word: words[i],
        group: group.get(words[i])!,
        pc1: p[0],
        pc2: p[1] ?? 0,
      }))
    }
    return {
      metrics,
      plots: [
        projectionPlot([...project('auto-encoder', codes), ...project('mean of the frames', means)]),
        stepLossPlot(
          'speech-autoencoder-loss',
          'Training loss per step (squared error of the written frames per value)',
          r.losses,
        ),
      ],
      tables: [summary, groups, reconstruction],
    }
  },
  holds: (m) => m.retrievalPrecision.autoencoder >= m.retrievalPrecision.meanFrame + RETRIEVAL_MARGIN,
}
