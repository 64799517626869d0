import { fc, test } from '@fast-check/vitest'
import * as T from '@recurrent/tensor'
import { numRuns } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import {
  cityNames,
  type Sentence,
  SLOT_LABELS,
  SYLLABLES,
  slotFillingSentences,
  splitCities,
  vocabularyOf,
} from '../../src/data/slot-filling.ts'
import { ambiguousCityAccuracy, spans } from '../../src/metrics.ts'

const runs = { numRuns: numRuns(25) }
const CITIES = ['Taipei', 'Tokyo', 'Kachi', 'Seoul']
const options = fc.record({
  seed: fc.integer({ min: 0, max: 10_000 }),
  pairs: fc.integer({ min: 1, max: 30 }),
  cueAfter: fc.boolean(),
  fillerRate: fc.constantFrom(0, 0.2, 1),
})
const generate = (o: { seed: number; pairs: number; cueAfter: boolean; fillerRate: number }): Sentence[] =>
  slotFillingSentences(T.key(o.seed), {
    sentences: 2 * o.pairs,
    cities: CITIES,
    cueAfter: o.cueAfter,
    fillerRate: o.fillerRate,
  })
const SWAP: Record<string, string> = {
  destination: 'departure',
  departure: 'destination',
  arrival_time: 'departure_time',
  departure_time: 'arrival_time',
}
/** The label with the other role: destination ↔ departure, arrival ↔ departure time. */
const swap = (l: string) => (l === 'O' ? l : `${l.slice(0, 2)}${SWAP[l.slice(2)]}`)
const isCity = (label: string) => /-(destination|departure)$/.test(label)

describe('generated booking sentences (Lecture §1.2)', () => {
  test.prop([options], runs)('label every word with a BIO label, and spans are whole B-I… runs', (o) => {
    for (const s of generate(o)) {
      expect(s.labels.length).toBe(s.words.length)
      s.labels.forEach((l, t) => {
        expect(SLOT_LABELS).toContain(l)
        // an I- label continues a span of its own type: the generator writes clean BIO
        if (l.startsWith('I-')) expect(s.labels[t - 1].slice(2)).toBe(l.slice(2))
      })
      // every city word is one of the cities, and every city is a one-word span
      s.words.forEach((w, t) => expect(CITIES.includes(w)).toBe(isCity(s.labels[t])))
      for (const span of spans(s.labels)) if (isCity(`B-${span.type}`)) expect(span.end - span.start).toBe(1)
    }
  })

  test.prop([options], runs)(
    'come in minimal pairs: equal but for cue words, with every role swapped',
    (o) => {
      const ss = generate(o)
      for (let i = 0; i < ss.length; i += 2) {
        const [a, b] = [ss[i], ss[i + 1]]
        expect(b.words.length).toBe(a.words.length)
        a.words.forEach((w, t) => {
          expect(b.labels[t]).toBe(swap(a.labels[t]))
          if (w !== b.words[t]) expect(a.labels[t]).toBe('O') // only unlabelled cue words differ
        })
      }
    },
  )

  test.prop([options], runs)('every city is as often the destination as the place of departure', (o) => {
    const count = new Map<string, number>()
    for (const s of generate(o))
      s.words.forEach((w, t) => {
        if (!isCity(s.labels[t])) return
        count.set(w, (count.get(w) ?? 0) + (s.labels[t] === 'B-destination' ? 1 : -1))
      })
    for (const c of count.values()) expect(c).toBe(0)
  })

  test.prop([options, fc.integer({ min: 0, max: 1000 })], runs)(
    'so any labelling that looks at one word alone gets at most half of the cities right',
    (o, salt) => {
      const ss = generate(o)
      // an arbitrary word → label function: what a feedforward network computes
      const perWord = (w: string) => SLOT_LABELS[(w.length * 7 + w.charCodeAt(0) + salt) % SLOT_LABELS.length]
      const roleOf = (w: string) => ((w.charCodeAt(1) + salt) % 2 === 0 ? 'B-destination' : 'B-departure')
      for (const f of [perWord, roleOf]) {
        const acc = ambiguousCityAccuracy(
          ss.map((s) => s.words.map(f)),
          ss.map((s) => [...s.labels]),
        )
        if (!Number.isNaN(acc)) expect(acc).toBeLessThanOrEqual(0.5)
      }
    },
  )

  test.prop([options.map((o) => ({ ...o, cueAfter: true }))], runs)(
    'with cueAfter, the two sentences of a pair agree up to and including each city, so no cue precedes it',
    (o) => {
      const ss = generate(o)
      for (let i = 0; i < ss.length; i += 2) {
        const [a, b] = [ss[i], ss[i + 1]]
        a.labels.forEach((l, t) => {
          if (isCity(l)) expect(b.words.slice(0, t + 1)).toEqual(a.words.slice(0, t + 1))
        })
      }
    },
  )

  it('the lecture’s pair: arrive Taipei / leave Taipei', () => {
    const ss = slotFillingSentences(T.key(0), { sentences: 400, cities: CITIES, fillerRate: 0 })
    const arrive = ss.find((s) => s.words.includes('arrive') && !s.words.includes('and'))!
    const t = arrive.words.indexOf('arrive')
    expect(arrive.labels[t + 1]).toBe('B-destination')
    const twin = ss[ss.indexOf(arrive) ^ 1]
    expect(['leave', 'depart']).toContain(twin.words[t])
    expect(twin.labels[t + 1]).toBe('B-departure')
  })

  test.prop([options], runs)('are a function of the key', (o) => {
    expect(generate(o)).toEqual(generate(o))
  })

  it('rejects an odd count, too few cities and a rate outside [0, 1]', () => {
    expect(() => slotFillingSentences(T.key(0), { sentences: 3, cities: CITIES })).toThrow(
      /slotFillingSentences: sentences must be an even non-negative integer, got 3/,
    )
    expect(() => slotFillingSentences(T.key(0), { sentences: 2, cities: ['Taipei'] })).toThrow(
      /at least two names/,
    )
    expect(() => slotFillingSentences(T.key(0), { sentences: 2, cities: CITIES, fillerRate: 1.5 })).toThrow(
      /fillerRate must lie in \[0, 1\]/,
    )
  })
})

describe('city names from syllables, and cities never seen in training', () => {
  it('every ordered pair of two syllables, capitalised, never a template word', () => {
    const names = cityNames()
    expect(names).toContain('Taipei')
    expect(names).toContain('Tokyo')
    expect(new Set(names).size).toBe(names.length)
    expect(names.length).toBe(SYLLABLES.length * (SYLLABLES.length - 1))
    const templateWords = new Set(
      vocabularyOf(slotFillingSentences(T.key(0), { sentences: 2000, cities: ['Xa', 'Xb'] })).map((w) =>
        w.toLowerCase(),
      ),
    )
    for (const n of names) expect(templateWords.has(n.toLowerCase())).toBe(false)
  })

  test.prop(
    [fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 60 })],
    runs,
  )(
    'splitCities gives disjoint seen and unseen names, built from the same syllables',
    (seed, seen, unseen) => {
      const split = splitCities(T.key(seed), { seen, unseen })
      expect(split.seen.length).toBe(seen)
      expect(split.unseen.length).toBe(unseen)
      expect(split.unseen.some((c) => split.seen.includes(c))).toBe(false)
      const all = new Set(cityNames())
      for (const c of [...split.seen, ...split.unseen]) expect(all.has(c)).toBe(true)
      expect(splitCities(T.key(seed), { seen, unseen })).toEqual(split)
    },
  )

  it('rejects a split larger than the names', () => {
    expect(() => splitCities(T.key(0), { seen: 100, unseen: 100 })).toThrow(
      /splitCities: seen \+ unseen \(200\) exceeds the 132 names/,
    )
    expect(() => cityNames(['Tai'])).toThrow(/cityNames: syllables must be an array of lower-case words/)
  })
})
