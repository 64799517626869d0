/** Lecture §5.2's synthetic acoustic corpus: characters' sounds, random durations, noise; the too-short check. */
import { fc, test } from '@fast-check/vitest'
import { ctcLoss } from '@recurrent/losses'
import * as T from '@recurrent/tensor'
import { numRuns } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import {
  BLANK,
  batchUtterances,
  minimumFrames,
  SPEECH_WORDS,
  speak,
  type Utterance,
  voice,
} from '../../src/data/acoustic.ts'
import { IGNORE_INDEX } from '../../src/data/batch.ts'
import { trimRepeats } from '../../src/sections/ctc-speech.ts'

const runs = { numRuns: numRuns(25) }
const F = 5

describe('the acoustic corpus', () => {
  test.prop(
    [
      fc.integer({ min: 0, max: 10_000 }),
      fc.integer({ min: 2, max: 5 }),
      fc.integer({ min: 0, max: 4 }),
      fc.double({ min: 0, max: 2, noNaN: true }),
    ],
    runs,
  )(
    'each utterance is a word of the list, its frames are its characters one after another, each lasting minDuration … maxDuration frames',
    (seed, lo, extra, noise) => {
      const v = voice(T.key(seed), { features: F })
      const us = speak(T.key(seed + 1), v, { count: 6, minDuration: lo, maxDuration: lo + extra, noise })
      for (const u of us) {
        expect(SPEECH_WORDS).toContain(u.text)
        expect(u.labels.map((c) => v.alphabet[c - 1]).join('')).toBe(u.text)
        expect(u.labels.every((c) => c !== BLANK)).toBe(true)
        expect(u.frames.length).toBe(u.steps * F)
        expect(u.alignment.length).toBe(u.steps)
        // The alignment walks through the transcript: runs of one character, in order.
        expect(trimRepeats(u.alignment)).toEqual(trimRepeats(u.labels))
        expect(u.steps).toBeGreaterThanOrEqual(lo * u.labels.length)
        expect(u.steps).toBeLessThanOrEqual((lo + extra) * u.labels.length)
        // Every generated utterance is long enough for CTC: the batch check accepts it.
        expect(u.steps).toBeGreaterThanOrEqual(minimumFrames(u.labels))
      }
      expect(() => batchUtterances(us, F)).not.toThrow()
    },
  )

  test.prop([fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 2, max: 6 })], runs)(
    "without noise every character's frames glide from its onset to its release",
    (seed, d) => {
      const v = voice(T.key(seed), { features: F })
      const [u] = speak(T.key(seed + 1), v, {
        count: 1,
        words: ['hello'],
        minDuration: d,
        maxDuration: d,
        noise: 0,
      })
      expect(u.steps).toBe(5 * d)
      u.labels.forEach((c, j) => {
        const first = u.frames.subarray(j * d * F, (j * d + 1) * F)
        const last = u.frames.subarray((j * d + d - 1) * F, (j * d + d) * F)
        expect([...first]).toEqual([...v.onset[c - 1]])
        // s + 1·(e − s) is e exactly: the difference of two f32 values is exact in f64.
        expect([...last]).toEqual([...v.release[c - 1]])
      })
    },
  )

  it('is seeded: the same keys give the same corpus, another key another one', () => {
    const v = voice(T.key(3), { features: F })
    const opts = { count: 4, minDuration: 2, maxDuration: 5, noise: 1 }
    expect(voice(T.key(3), { features: F })).toEqual(v)
    expect(speak(T.key(4), v, opts)).toEqual(speak(T.key(4), v, opts))
    expect(speak(T.key(5), v, opts)).not.toEqual(speak(T.key(4), v, opts))
  })

  it('draws every word of the list and every duration in range', () => {
    const v = voice(T.key(0), { features: F })
    const us = speak(T.key(1), v, { count: 600, minDuration: 2, maxDuration: 4, noise: 0 })
    expect(new Set(us.map((u) => u.text))).toEqual(new Set(SPEECH_WORDS))
    // In a word without a double letter each run of the alignment is one character's duration.
    const durations = new Set(
      us
        .filter((u) => !/(.)\1/.test(u.text))
        .flatMap((u) => {
          const lengths: number[] = []
          u.alignment.forEach((c, t) => {
            if (t > 0 && c === u.alignment[t - 1]) lengths[lengths.length - 1]++
            else lengths.push(1)
          })
          return lengths
        }),
    )
    expect(durations).toEqual(new Set([2, 3, 4]))
  })

  it('has words with real double letters', () => {
    for (const w of ['hello', 'good', 'apple']) expect(SPEECH_WORDS).toContain(w)
  })

  it('refuses bad arguments, naming them', () => {
    const v = voice(T.key(0), { features: F })
    expect(() => voice(T.key(0), { features: 0 })).toThrow(/voice: features must be an integer ≥ 1/)
    expect(() => voice(T.key(0), { words: [], features: 2 })).toThrow(
      /voice: words must be a non-empty array/,
    )
    const ok = { count: 1, minDuration: 2, maxDuration: 3, noise: 0.5 }
    expect(() => speak(T.key(0), v, { ...ok, minDuration: 1 })).toThrow(
      /speak: minDuration must be an integer ≥ 2/,
    )
    expect(() => speak(T.key(0), v, { ...ok, maxDuration: 1 })).toThrow(
      /speak: maxDuration must be an integer ≥ 2/,
    )
    expect(() => speak(T.key(0), v, { ...ok, noise: -1 })).toThrow(/speak: noise must be a finite number ≥ 0/)
    expect(() => speak(T.key(0), v, { ...ok, words: ['xyz'] })).toThrow(/speak: word 'xyz' has 'x'/)
  })
})

describe('the too-short check', () => {
  const v = voice(T.key(0), { features: F })
  const [hello] = speak(T.key(1), v, {
    count: 1,
    words: ['hello'],
    minDuration: 2,
    maxDuration: 2,
    noise: 0.1,
  })
  const cut = (u: Utterance, steps: number): Utterance => ({
    ...u,
    steps,
    frames: u.frames.subarray(0, steps * F),
    alignment: u.alignment.slice(0, steps),
  })

  test.prop([fc.integer({ min: 0, max: 10 })], { numRuns: 11 })(
    'an utterance with fewer frames than its transcript needs (L + repeats) is refused, naming it and the lengths',
    (steps) => {
      const batch = () => batchUtterances([hello, cut(hello, steps)], F)
      if (steps >= 6) expect(() => batch()).not.toThrow()
      else
        expect(() => batch()).toThrow(
          new RegExp(
            `batchUtterances: utterance 1 \\('hello'\\) has ${steps} frames, too short for its transcript of 5 characters, which needs at least 6`,
          ),
        )
    },
  )

  it('ctcLoss itself keeps PyTorch’s behaviour for such a target: +∞, no error', () => {
    const ok = batchUtterances([cut(hello, 6)], F)
    const logProbs = T.logSoftmax(T.randn(T.key(2), [6, 1, v.alphabet.length + 1]), { axis: -1 })
    expect(Number.isFinite(T.item(ctcLoss(logProbs, ok.labels, [6], [5])))).toBe(true)
    expect(T.item(ctcLoss(logProbs, ok.labels, [5], [5]))).toBe(Infinity)
  })

  it('counts one extra frame per repeat', () => {
    expect(minimumFrames([])).toBe(0)
    expect(minimumFrames([1, 2, 3])).toBe(3)
    expect(minimumFrames([1, 1, 1])).toBe(5)
  })
})

describe('batchUtterances', () => {
  it('pads frames with zeros and the alignment with IGNORE_INDEX, time-major', () => {
    const v = voice(T.key(0), { features: F })
    const us = speak(T.key(1), v, { count: 3, minDuration: 2, maxDuration: 5, noise: 1 })
    const b = batchUtterances(us, F)
    const steps = Math.max(...us.map((u) => u.steps))
    expect(T.shape(b.frames)).toEqual([steps, 3, F])
    expect(b.lengths).toEqual(us.map((u) => u.steps))
    const x = T.toArray(b.frames) as number[][][]
    const a = T.toArray(b.alignment) as number[][]
    us.forEach((u, j) => {
      for (let t = 0; t < steps; t++) {
        expect(x[t][j]).toEqual(t < u.steps ? [...u.frames.subarray(t * F, (t + 1) * F)] : Array(F).fill(0))
        expect(a[t][j]).toBe(t < u.steps ? u.alignment[t] : IGNORE_INDEX)
      }
    })
  })

  it('refuses inconsistent utterances, naming them', () => {
    const v = voice(T.key(0), { features: F })
    const [u] = speak(T.key(1), v, { count: 1, minDuration: 2, maxDuration: 3, noise: 0 })
    expect(() => batchUtterances([], F)).toThrow(/batchUtterances: utterances must be a non-empty array/)
    expect(() => batchUtterances([u], F + 1)).toThrow(
      /utterance 0 .* frame values, expected steps × features/,
    )
    expect(() => batchUtterances([{ ...u, alignment: [] }], F)).toThrow(/utterance 0 .* alignment entries/)
    expect(() => batchUtterances([{ ...u, labels: [0] }], F)).toThrow(/utterance 0 .* not a character class/)
  })
})
