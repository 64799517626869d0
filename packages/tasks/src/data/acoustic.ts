/**
 * A seeded synthetic acoustic corpus for speech recognition (Lecture §5.2): acoustic frames in,
 * characters out, the output shorter than the input. Every character c has a sound: two
 * prototype vectors, its onset s_c and its release e_c. A character spoken for d frames glides
 * from one to the other, and every frame carries Gaussian noise:
 *
 *   x_k = s_c + (k / (d − 1))·(e_c − s_c) + σ·ε_k,   ε_k ~ N(0, I),   k = 0 … d − 1
 *
 * An utterance is one word: its characters' frames one after another, each character with its
 * own random duration d ∈ [minDuration, maxDuration]. A double letter ("hello", "good",
 * "apple") is the same sound twice: its frames glide s → e, then start again at s. Frame k's
 * character is its alignment, which the corpus records (CTC never sees it; a frame-wise
 * classifier needs it).
 */
import type { Key, Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { IGNORE_INDEX, padSequences } from './batch.ts'
import { draws } from './draw.ts'

/** The class of CTC's blank φ; character i of an alphabet is class i + 1. */
export const BLANK = 0

/**
 * The words the corpus speaks: eleven with a real double letter (ll, oo, pp, ee, gg, ff) and
 * eleven without.
 */
export const SPEECH_WORDS: readonly string[] = [
  'hello',
  'good',
  'apple',
  'book',
  'see',
  'ball',
  'tree',
  'moon',
  'egg',
  'cool',
  'off',
  'cat',
  'dog',
  'sun',
  'rain',
  'fish',
  'bird',
  'lamp',
  'home',
  'water',
  'tiger',
  'blue',
]

/** The sounds of an alphabet: per character an onset and a release prototype of `features` values. */
export interface Voice {
  readonly alphabet: readonly string[]
  readonly features: number
  /** Per character (alphabet order), its onset s_c and its release e_c. */
  readonly onset: readonly Float32Array[]
  readonly release: readonly Float32Array[]
}

/** One spoken word: its transcript, its frames and which character each frame belongs to. */
export interface Utterance {
  readonly text: string
  /** The transcript as classes (character i of the alphabet is i + 1; never the blank). */
  readonly labels: readonly number[]
  /** The number of frames T. */
  readonly steps: number
  /** The frames `[T, F]`, row-major. */
  readonly frames: Float32Array
  /** The class of the character each frame belongs to, T entries (the true alignment). */
  readonly alignment: readonly number[]
}

/** How utterances are spoken. */
export interface SpeakOptions {
  readonly count: number
  /** The words to draw from, uniformly (default `SPEECH_WORDS`); letters must be in the voice's alphabet. */
  readonly words?: readonly string[]
  /** Frames per character, drawn uniformly from [minDuration, maxDuration] (minDuration ≥ 2). */
  readonly minDuration: number
  readonly maxDuration: number
  /** σ, the standard deviation of the noise on every feature of every frame. */
  readonly noise: number
}

const positiveInt = (fn: string, name: string, v: unknown, min = 1): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
    throw new T.ArgumentError(`${fn}: ${name} must be an integer ≥ ${min}, got ${String(v)}`)
  return v
}

const checkWords = (fn: string, words: unknown): readonly string[] => {
  if (!Array.isArray(words) || words.length === 0 || words.some((w) => typeof w !== 'string' || w === ''))
    throw new T.ArgumentError(`${fn}: words must be a non-empty array of non-empty strings`)
  return words
}

/**
 * The sounds of the characters of `words` (Lecture §5.2's acoustic features, synthetic): the
 * alphabet is their letters sorted, and each character's onset s_c and release e_c are drawn
 * from N(0, I) in `features` dimensions.
 *
 * Shapes: `onset[i]`, `release[i]` have `features` entries; class i + 1 is `alphabet[i]`.
 *
 * @example
 * const v = voice(T.key(0), { words: ['see', 'bee'], features: 4 })
 * assert.deepStrictEqual(v.alphabet, ['b', 'e', 's'])
 * assert.deepStrictEqual(v.onset.map((s) => s.length), [4, 4, 4])
 * assert.deepStrictEqual(voice(T.key(0), { words: ['see', 'bee'], features: 4 }), v) // seeded
 */
export const voice = (
  key: Key,
  options: { readonly words?: readonly string[]; readonly features: number },
): Voice => {
  const words = checkWords('voice', options.words ?? SPEECH_WORDS)
  const features = positiveInt('voice', 'features', options.features)
  const alphabet = [...new Set(words.join(''))].sort()
  const [ks, ke] = T.split(key, 2)
  const rows = (k: Key) => {
    const data = T.toTypedArray(T.randn(k, [alphabet.length, features]))
    return alphabet.map((_, i) => Float32Array.from(data.subarray(i * features, (i + 1) * features)))
  }
  return { alphabet, features, onset: rows(ks), release: rows(ke) }
}

/**
 * Draws `count` utterances spoken by `v` (Lecture §5.2): utterance i comes from `foldIn(key, i)`,
 * its word uniformly from `words`, each character's duration uniformly from
 * [minDuration, maxDuration], and its frames
 * `x_k = s_c + (k / (d − 1))·(e_c − s_c) + σ·ε_k`. With minDuration ≥ 2 every utterance has
 * at least twice as many frames as characters, enough for CTC (`minimumFrames`).
 *
 * Shapes: each utterance's `frames` is `[T, F]` row-major, `alignment` T classes, `labels` one
 * class per character.
 *
 * @example
 * const v = voice(T.key(0), { words: ['hello'], features: 3 })
 * const [u] = speak(T.key(1), v, { count: 1, words: ['hello'], minDuration: 2, maxDuration: 4, noise: 0.1 })
 * assert.strictEqual(u.text, 'hello')
 * assert.deepStrictEqual(u.labels.map((c) => v.alphabet[c - 1]).join(''), 'hello')
 * assert.ok(u.steps >= 10 && u.steps <= 20 && u.frames.length === u.steps * 3)
 */
export const speak = (key: Key, v: Voice, options: SpeakOptions): Utterance[] => {
  const count = positiveInt('speak', 'count', options.count, 0)
  const words = checkWords('speak', options.words ?? SPEECH_WORDS)
  const lo = positiveInt('speak', 'minDuration', options.minDuration, 2)
  const hi = positiveInt('speak', 'maxDuration', options.maxDuration, lo)
  const sigma = options.noise
  if (typeof sigma !== 'number' || !(sigma >= 0) || !Number.isFinite(sigma))
    throw new T.ArgumentError(`speak: noise must be a finite number ≥ 0, got ${String(sigma)}`)
  const classOf = new Map(v.alphabet.map((c, i) => [c, i + 1]))
  for (const w of words)
    for (const c of w)
      if (!classOf.has(c))
        throw new T.ArgumentError(`speak: word '${w}' has '${c}', which is not in the voice's alphabet`)
  const F = v.features
  return Array.from({ length: count }, (_, i) => {
    const [kd, kn] = T.split(T.foldIn(key, i), 2)
    const draw = draws(kd)
    const text = words[draw(words.length)]
    const labels = [...text].map((c) => classOf.get(c)!)
    const durations = labels.map(() => lo + draw(hi - lo + 1))
    const steps = durations.reduce((a, b) => a + b, 0)
    const eps = T.toTypedArray(T.randn(kn, [steps, F]))
    const frames = new Float32Array(steps * F)
    const alignment: number[] = []
    labels.forEach((c, j) => {
      const s = v.onset[c - 1]
      const e = v.release[c - 1]
      const d = durations[j]
      for (let k = 0; k < d; k++) {
        const t = alignment.length
        const a = k / (d - 1)
        for (let f = 0; f < F; f++) frames[t * F + f] = s[f] + a * (e[f] - s[f]) + sigma * eps[t * F + f]
        alignment.push(c)
      }
    })
    return { text, labels, steps, frames, alignment }
  })
}

/**
 * The fewest frames CTC can align `labels` to (Lecture §5.2): one per character, plus a blank
 * between every two equal adjacent characters, `L + #{j : l_j = l_{j+1}}`.
 *
 * @example
 * assert.strictEqual(minimumFrames([8, 5, 12, 12, 15]), 6) // "hello": 5 characters, 1 repeat
 */
export const minimumFrames = (labels: readonly number[]): number =>
  labels.length + labels.filter((c, j) => j > 0 && c === labels[j - 1]).length

/** A batch of utterances, time-major: what `ctcLoss` and a frame-wise loss take. */
export interface UtteranceBatch {
  /** Frames f32 `[T, B, F]`, zero after each utterance's end. */
  readonly frames: Tensor
  /** Each utterance's number of frames (CTC's input lengths). */
  readonly lengths: readonly number[]
  /** Each utterance's transcript (CTC's targets; their lengths are the target lengths). */
  readonly labels: readonly (readonly number[])[]
  /** The true alignment i32 `[T, B]`, `IGNORE_INDEX` after each utterance's end. */
  readonly alignment: Tensor
}

/**
 * Checks `utterances` and batches them (Lecture §5.2): frames `[T, B, F]` (T the longest),
 * lengths, transcripts and the padded alignment. An utterance with fewer frames than its
 * transcript needs (`minimumFrames`) is refused, naming it: `ctcLoss` would give it p = 0.
 *
 * @example
 * const v = voice(T.key(0), { words: ['see'], features: 2 })
 * const us = speak(T.key(1), v, { count: 2, words: ['see'], minDuration: 2, maxDuration: 3, noise: 0 })
 * const b = batchUtterances(us, 2)
 * assert.deepStrictEqual(T.shape(b.frames), [Math.max(...b.lengths), 2, 2])
 * const short = { ...us[0], steps: 3, frames: us[0].frames.subarray(0, 6), alignment: [3, 2, 2] }
 * assert.throws(() => batchUtterances([short], 2), /utterance 0 \('see'\) has 3 frames/)
 */
export const batchUtterances = (utterances: readonly Utterance[], features: number): UtteranceBatch => {
  if (!Array.isArray(utterances) || utterances.length === 0)
    throw new T.ArgumentError('batchUtterances: utterances must be a non-empty array of utterances')
  const F = positiveInt('batchUtterances', 'features', features)
  utterances.forEach((u, b) => {
    const name = `utterance ${b} ('${u?.text}')`
    if (!Number.isInteger(u?.steps) || u.steps < 0 || !(u.frames instanceof Float32Array))
      throw new T.ArgumentError(`batchUtterances: ${name} must have integer steps and Float32Array frames`)
    if (u.frames.length !== u.steps * F)
      throw new T.ArgumentError(
        `batchUtterances: ${name} has ${u.frames.length} frame values, expected steps × features = ${u.steps} × ${F}`,
      )
    if (u.alignment.length !== u.steps)
      throw new T.ArgumentError(
        `batchUtterances: ${name} has ${u.alignment.length} alignment entries for ${u.steps} frames`,
      )
    if (u.labels.some((c: number) => !Number.isInteger(c) || c <= BLANK))
      throw new T.ArgumentError(`batchUtterances: ${name} has a label that is not a character class (> 0)`)
    const need = minimumFrames(u.labels)
    if (u.steps < need)
      throw new T.ArgumentError(
        `batchUtterances: ${name} has ${u.steps} frames, too short for its transcript of ${u.labels.length} characters, which needs at least ${need}`,
      )
  })
  const B = utterances.length
  const steps = Math.max(...utterances.map((u) => u.steps))
  const frames = new Float32Array(steps * B * F)
  utterances.forEach((u, b) => {
    for (let t = 0; t < u.steps; t++) frames.set(u.frames.subarray(t * F, (t + 1) * F), (t * B + b) * F)
  })
  return {
    frames: T.tensor(frames, { shape: [steps, B, F], dtype: 'f32' }),
    lengths: utterances.map((u) => u.steps),
    labels: utterances.map((u) => u.labels),
    alignment: padSequences(
      utterances.map((u) => u.alignment),
      IGNORE_INDEX,
    ),
  }
}
