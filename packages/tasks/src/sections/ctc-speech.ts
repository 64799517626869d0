/**
 * Lecture §5.2 as an experiment: speech recognition, many to many with the output shorter than
 * the input. Acoustic frames (`data/acoustic.ts`, synthetic and seeded) become characters. The
 * naive way labels every frame with a character and trims repeats, so "hello"'s frames
 * h h e e l l l l l o o become "helo": trimming can never give two equal adjacent characters
 * (`trimRepeats`). CTC adds a blank φ; a bidirectional LSTM (`models/frame-classifier.ts`)
 * trained with `ctcLoss` over all alignments emits "l φ l" and keeps the double. Two models see
 * the same corpus: the CTC model, decoded greedily and with prefix beam search, and a frame-wise
 * cross-entropy model of the same architecture trained on the true alignment, decoded by
 * per-frame argmax with repeats trimmed.
 */
import { crossEntropy, ctcBeamSearch, ctcGreedyDecode, ctcLoss } from '@recurrent/losses'
import { adam, chain, clipByGlobalNorm, train } from '@recurrent/optim'
import type { Key, Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import {
  BLANK,
  batchUtterances,
  SPEECH_WORDS,
  speak,
  type Utterance,
  type UtteranceBatch,
  voice,
} from '../data/acoustic.ts'
import { IGNORE_INDEX, minibatches } from '../data/batch.ts'
import { type Experiment, type Plot, type RunContext, reportRun, type Table } from '../experiment.ts'
import { characterErrorRate, doubleLetters, doubleLettersKept } from '../metrics.ts'
import {
  type FrameClassifier,
  type FrameClassifierParams,
  frameClassifier,
} from '../models/frame-classifier.ts'

/** The experiment's corpus, model sizes and training budget. */
export interface CtcSpeechConfig {
  /** F, features per frame. */
  readonly features: number
  /** Frames per character, uniform in [minDuration, maxDuration]. */
  readonly minDuration: number
  readonly maxDuration: number
  /** σ of the frame noise. */
  readonly noise: number
  readonly trainUtterances: number
  /** Held-out utterances: new durations and noise, the same words and voice. */
  readonly testUtterances: number
  /** Hidden units per direction of the bidirectional LSTM. */
  readonly hidden: number
  readonly batchSize: number
  readonly learningRate: number
  /** Global gradient norm clip before Adam (Lecture §4.3). */
  readonly clipNorm: number
  /** Adam steps of each of the two models. */
  readonly steps: number
  /** Prefix beam search's width. */
  readonly beamWidth: number
}

/** What the experiment measures (the `results.json` contract). */
export interface CtcSpeechMetrics {
  /** Character error rate of the CTC model on the held-out utterances, by decoder. */
  readonly cer: { readonly greedy: number; readonly beam: number }
  /**
   * Share of held-out words with a double letter decoded with every double intact: `ctc`, the
   * CTC model decoded greedily; `trimming`, the frame-wise model's argmax with repeats trimmed.
   */
  readonly doubleLetters: { readonly ctc: number; readonly trimming: number }
}

/** The criterion: both decoders of the CTC model have a character error rate at most this. */
export const CER_AT_MOST = 0.1
/** The criterion: the CTC model keeps at least this share of the double letters. */
export const DOUBLES_AT_LEAST = 0.8

/**
 * The naive decoding of a frame labelling (Lecture §5.2): merge runs of equal labels into one,
 * `trim(π) = (π_t : t = 1 or π_t ≠ π_{t−1})`. Its output never has two equal adjacent labels,
 * whatever π: a real double letter cannot be written.
 *
 * @example
 * assert.deepStrictEqual(trimRepeats([8, 8, 5, 12, 12, 12, 12, 15]), [8, 5, 12, 15]) // h e l o
 */
export const trimRepeats = (labels: readonly number[]): number[] => {
  if (!Array.isArray(labels)) throw new T.ArgumentError('trimRepeats: labels must be an array')
  return labels.filter((c, t) => t === 0 || c !== labels[t - 1])
}

const textOf = (alphabet: readonly string[], labels: readonly number[]): string =>
  labels.map((c) => alphabet[c - 1] ?? '?').join('')

/** A model trained on the corpus and the loss of every step. */
interface Trained {
  readonly params: FrameClassifierParams
  readonly losses: readonly number[]
}

const fitFrames = (
  model: FrameClassifier,
  data: readonly Utterance[],
  features: number,
  config: CtcSpeechConfig,
  key: Key,
  loss: (logits: Tensor, batch: UtteranceBatch) => Tensor,
  progress: (step: number, loss: number) => void,
  name: string,
): Trained => {
  const [kInit, kOrder] = T.split(key, 2)
  const order = minibatches(kOrder, data.length, config.batchSize, config.steps)
  const r = train({
    params: model.init(kInit),
    optimizer: chain(clipByGlobalNorm(config.clipNorm), adam(config.learningRate)),
    loss: (p: FrameClassifierParams, b: UtteranceBatch) => loss(model.logits(p, b.frames, b.lengths), b),
    batches: (function* () {
      for (const idx of order)
        yield batchUtterances(
          idx.map((i) => data[i]),
          features,
        )
    })(),
    onEvent: (e) => {
      if (e.type === 'step') progress(e.metrics.step, e.metrics.loss)
    },
  })
  if (r._tag === 'Left') throw new Error(`ctcSpeech: training the ${name} model stopped: ${r.left.reason}`)
  return { params: r.right.params, losses: r.right.history.map((h) => h.loss) }
}

/** Log-posteriors `[T, B, C]` of the test utterances, in chunks of 256. */
const logPosteriors = (
  model: FrameClassifier,
  params: FrameClassifierParams,
  data: readonly Utterance[],
  features: number,
): { readonly logProbs: Tensor; readonly lengths: readonly number[] }[] => {
  const out = []
  for (let s = 0; s < data.length; s += 256) {
    const b = batchUtterances(data.slice(s, s + 256), features)
    out.push({
      logProbs: T.logSoftmax(model.logits(params, b.frames, b.lengths), { axis: -1 }),
      lengths: b.lengths,
    })
  }
  return out
}

const checkConfig = (c: CtcSpeechConfig): void => {
  if (typeof c !== 'object' || c === null)
    throw new T.ArgumentError(`ctcSpeechExperiment.run: config must be an object, got ${String(c)}`)
  for (const k of [
    'features',
    'minDuration',
    'maxDuration',
    'trainUtterances',
    'testUtterances',
    'hidden',
    'batchSize',
    'steps',
    'beamWidth',
  ] as const)
    if (!Number.isInteger(c[k]) || c[k] < 1)
      throw new T.ArgumentError(
        `ctcSpeechExperiment.run: config.${k} must be a positive integer, got ${c[k]}`,
      )
  for (const k of ['learningRate', 'clipNorm'] as const)
    if (!(c[k] > 0) || !Number.isFinite(c[k]))
      throw new T.ArgumentError(
        `ctcSpeechExperiment.run: config.${k} must be a finite number > 0, got ${c[k]}`,
      )
}

const round = (x: number): number => Math.round(x * 1000) / 1000

const lossPlot = (runs: readonly { name: string; losses: readonly number[] }[]): Plot => ({
  id: 'ctc-speech-loss',
  title:
    'Training loss per step (CTC: −log p(transcript | frames) per character; frame-wise: cross-entropy per frame)',
  spec: {
    width: 480,
    height: 260,
    data: { values: runs.flatMap((r) => r.losses.map((loss, step) => ({ model: r.name, step, loss }))) },
    mark: { type: 'line' },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'loss', type: 'quantitative', scale: { type: 'log' }, title: 'loss' },
      color: { field: 'model', type: 'nominal', title: 'model' },
    },
  },
})

/** The CTC model's per-frame posteriors of one utterance: one line per symbol of its word and φ. */
const posteriorPlot = (u: Utterance, alphabet: readonly string[], logProbs: Tensor, b: number): Plot => {
  const [, B, C] = logProbs.shape
  const data = T.toTypedArray(logProbs)
  const symbols = [BLANK, ...new Set(u.labels)]
  const name = (c: number) => (c === BLANK ? 'φ (blank)' : alphabet[c - 1])
  const values = []
  for (let t = 0; t < u.steps; t++)
    for (const c of symbols)
      values.push({ frame: t, symbol: name(c), posterior: Math.exp(data[(t * B + b) * C + c]) })
  const truth = u.alignment.map((c, t) => ({ frame: t, spoken: alphabet[c - 1] }))
  return {
    id: 'ctc-speech-posteriors',
    title: `Per-frame posteriors of the CTC model on a held-out "${u.text}" (${u.steps} frames; letters on top: the character spoken)`,
    spec: {
      width: 560,
      height: 260,
      layer: [
        {
          data: { values },
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'frame', type: 'quantitative', title: 'frame t' },
            y: {
              field: 'posterior',
              type: 'quantitative',
              scale: { domain: [0, 1.1] },
              title: 'y_t(symbol)',
            },
            color: { field: 'symbol', type: 'nominal', title: 'symbol' },
          },
        },
        {
          data: { values: truth },
          mark: { type: 'text', y: 0, baseline: 'top', dy: 2 },
          encoding: {
            x: { field: 'frame', type: 'quantitative' },
            text: { field: 'spoken', type: 'nominal' },
          },
        },
      ],
    },
  }
}

/**
 * Lecture §5.2 as an experiment: a bidirectional LSTM trained with CTC on the seeded acoustic
 * corpus, decoded greedily and by prefix beam search, against a same-size frame-wise model
 * decoded by argmax with repeats trimmed. Holds when both CTC decoders have
 * CER ≤ `CER_AT_MOST`, the CTC model keeps ≥ `DOUBLES_AT_LEAST` of the held-out double letters
 * and the trimming decoder keeps none.
 *
 * @example
 * const small = { ...ctcSpeechExperiment.config(false), trainUtterances: 32, testUtterances: 16, steps: 2 }
 * const r = ctcSpeechExperiment.run(small, T.key(0))
 * assert.deepStrictEqual(Object.keys(r.metrics), ['cer', 'doubleLetters'])
 * assert.strictEqual(r.metrics.doubleLetters.trimming, 0) // whatever the model: trimming has no doubles
 */
export const ctcSpeechExperiment: Experiment<CtcSpeechConfig, CtcSpeechMetrics> = {
  id: '5.2',
  title: 'CTC: speech recognition keeps the double letters that trimming repeats loses',
  claim:
    'Labelling every acoustic frame with a character and trimming repeats can never write a double letter ("hello" becomes "helo"). CTC adds a blank φ and trains on the sum over all alignments of the transcript to the frames; a bidirectional LSTM trained with it recognises held-out utterances and keeps their double letters, decoded greedily (merge repeats, then drop blanks) or by prefix beam search.',
  criterion: `On the held-out utterances the CTC model's character error rate is ≤ ${CER_AT_MOST} decoded greedily and by prefix beam search, it keeps ≥ ${DOUBLES_AT_LEAST} of the words with a double letter intact (greedy decoding), and the frame-wise model decoded by trimming repeats keeps none (0: a property of trimming, whatever the model).`,
  config: (full) => ({
    features: 16,
    minDuration: 2,
    maxDuration: 5,
    noise: 1,
    trainUtterances: full ? 2000 : 1000,
    testUtterances: 400,
    hidden: 32,
    batchSize: 32,
    learningRate: 0.01,
    clipNorm: 5,
    steps: full ? 2000 : 600,
    beamWidth: 8,
  }),
  run: (config, key, context?: RunContext) => {
    checkConfig(config)
    const [kVoice, kTrain, kTest, kCtc, kFrame] = T.split(key, 5)
    const v = voice(kVoice, { words: SPEECH_WORDS, features: config.features })
    const speakOptions = {
      minDuration: config.minDuration,
      maxDuration: config.maxDuration,
      noise: config.noise,
    }
    const trainSet = speak(kTrain, v, { ...speakOptions, count: config.trainUtterances })
    const testSet = speak(kTest, v, { ...speakOptions, count: config.testUtterances })
    const F = config.features
    const model = frameClassifier({ inputSize: F, hidden: config.hidden, classes: v.alphabet.length + 1 })

    const ctc = fitFrames(
      model,
      trainSet,
      F,
      config,
      kCtc,
      (z, b) =>
        ctcLoss(
          T.logSoftmax(z, { axis: -1 }),
          b.labels,
          b.lengths,
          b.labels.map((l) => l.length),
          { blank: BLANK },
        ),
      reportRun(context, 'ctc', config.steps),
      'CTC',
    )
    const framewise = fitFrames(
      model,
      trainSet,
      F,
      config,
      kFrame,
      (z, b) => crossEntropy(z, b.alignment, { ignoreIndex: IGNORE_INDEX }),
      reportRun(context, 'frame-wise', config.steps),
      'frame-wise',
    )

    const reference = testSet.map((u) => u.text)
    const greedy: string[] = []
    const beam: string[] = []
    const trimmed: string[] = []
    const ctcChunks = logPosteriors(model, ctc.params, testSet, F)
    let frames = 0
    let blankFrames = 0
    for (const { logProbs, lengths } of ctcChunks) {
      const best = T.toTypedArray(T.argmax(logProbs, { axis: -1 }))
      lengths.forEach((n, b) => {
        for (let t = 0; t < n; t++) if (best[t * lengths.length + b] === BLANK) blankFrames++
        frames += n
      })
      for (const l of ctcGreedyDecode(logProbs, { blank: BLANK, inputLengths: lengths }))
        greedy.push(textOf(v.alphabet, l))
      for (const hs of ctcBeamSearch(logProbs, {
        beamWidth: config.beamWidth,
        blank: BLANK,
        inputLengths: lengths,
      }))
        beam.push(textOf(v.alphabet, hs[0].labels))
    }
    for (const { logProbs, lengths } of logPosteriors(model, framewise.params, testSet, F)) {
      const best = T.toTypedArray(T.argmax(logProbs, { axis: -1 }))
      const B = lengths.length
      lengths.forEach((n, b) => {
        const path = Array.from({ length: n }, (_, t) => best[t * B + b])
        trimmed.push(textOf(v.alphabet, trimRepeats(path)))
      })
    }

    const metrics: CtcSpeechMetrics = {
      cer: { greedy: characterErrorRate(greedy, reference), beam: characterErrorRate(beam, reference) },
      doubleLetters: {
        ctc: doubleLettersKept(greedy, reference),
        trimming: doubleLettersKept(trimmed, reference),
      },
    }

    // The plot shows the first held-out "hello", else the first word with a double letter.
    const hello = testSet.findIndex((u) => u.text === 'hello')
    const shown =
      hello >= 0
        ? hello
        : Math.max(
            0,
            testSet.findIndex((u) => doubleLetters(u.text).length > 0),
          )
    const at = shown % 256
    const plots = [
      posteriorPlot(testSet[shown], v.alphabet, ctcChunks[Math.floor(shown / 256)].logProbs, at),
      lossPlot([
        { name: 'CTC', losses: ctc.losses },
        { name: 'frame-wise (true alignment)', losses: framewise.losses },
      ]),
    ]
    const examples = [...new Set(reference.filter((r) => doubleLetters(r).length > 0))].slice(0, 6)
    const tables: Table[] = [
      {
        title: `${config.testUtterances} held-out utterances, ${config.steps} steps per model`,
        columns: ['model, decoder', 'character error rate', 'double letters kept'],
        rows: [
          ['CTC, greedy', round(metrics.cer.greedy), round(metrics.doubleLetters.ctc)],
          ['CTC, prefix beam search', round(metrics.cer.beam), round(doubleLettersKept(beam, reference))],
          [
            'frame-wise, argmax + trimming',
            round(characterErrorRate(trimmed, reference)),
            round(metrics.doubleLetters.trimming),
          ],
        ],
      },
      {
        title: 'Where the CTC model puts its probability: frames whose most probable symbol is φ',
        columns: ['held-out frames', 'φ most probable', 'share'],
        rows: [[frames, blankFrames, round(blankFrames / frames)]],
      },
      {
        title: 'Held-out words with a double letter, first utterance of each',
        columns: ['spoken', 'CTC greedy', 'CTC beam', 'trimming'],
        rows: examples.map((w) => {
          const n = reference.indexOf(w)
          return [w, greedy[n], beam[n], trimmed[n]]
        }),
      },
    ]
    return { metrics, plots, tables }
  },
  holds: (m) =>
    m.cer.greedy <= CER_AT_MOST &&
    m.cer.beam <= CER_AT_MOST &&
    m.doubleLetters.ctc >= DOUBLES_AT_LEAST &&
    m.doubleLetters.trimming === 0,
}
