/**
 * Slot filling for ticket booking (Lecture §1.2): a seeded generator of ATIS-like booking
 * sentences such as "i would like to arrive Taipei on November second", each word labelled with
 * the slot it fills in BIO form (`B-destination`, `B-arrival_time`, `I-arrival_time`, `O`, …).
 *
 * Sentences come in minimal pairs that differ only in their cue words — "arrive Taipei on
 * November second" / "leave Taipei on November second", "from Taipei to Tokyo" / "to Taipei from
 * Tokyo" — so every city occurs exactly as often as destination as place of departure and only
 * a cue word decides its role. In the `cueAfter` variant every cue follows its city ("Taipei is
 * where i arrive"), and the two sentences of a pair are equal up to and including the city.
 * City names are made of syllables (`cityNames`), so a test split can use cities never seen in
 * training, built from the same syllables (`splitCities`).
 */
import type { Key } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { draws, permutation } from './draw.ts'

/** The slots of a booking (Lecture §1.2): where to, where from, and when. */
export const SLOTS = ['destination', 'departure', 'arrival_time', 'departure_time'] as const
export type Slot = (typeof SLOTS)[number]

/** Every label in BIO form: `O`, then `B-slot` and `I-slot` for each slot, in this order. */
export const SLOT_LABELS: readonly string[] = ['O', ...SLOTS.flatMap((s) => [`B-${s}`, `I-${s}`])]

/** A labelled sentence: one label of `SLOT_LABELS` per word. */
export interface Sentence {
  readonly words: readonly string[]
  readonly labels: readonly string[]
}

/** The syllables city names are made of ("Taipei" = tai + pei, "Tokyo" = to + kyo). */
export const SYLLABLES: readonly string[] = [
  'tai',
  'pei',
  'to',
  'kyo',
  'ka',
  'ra',
  'chi',
  'se',
  'oul',
  'ma',
  'ni',
  'la',
]

type Role = 'to' | 'from'
const other = (r: Role): Role => (r === 'to' ? 'from' : 'to')
const placeSlot = (r: Role): Slot => (r === 'to' ? 'destination' : 'departure')
const timeSlot = (r: Role): Slot => (r === 'to' ? 'arrival_time' : 'departure_time')

const PREFIXES = [
  [],
  ['i', 'would', 'like', 'to'],
  ['i', 'want', 'to'],
  ['i', 'need', 'to'],
  ['please'],
  ['we', 'will'],
]
const PREFIXES_BEFORE_CITY = [[], ['well'], ['so'], ['i', 'think']]
const VERBS: Record<Role, readonly string[]> = { to: ['arrive', 'reach'], from: ['leave', 'depart'] }
const NOUNS: Record<Role, string> = { to: 'destination', from: 'origin' }
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
]
const ORDINALS = [
  'first',
  'second',
  'third',
  'fourth',
  'fifth',
  'sixth',
  'seventh',
  'eighth',
  'ninth',
  'tenth',
  'eleventh',
  'twelfth',
  'thirteenth',
  'fourteenth',
  'fifteenth',
  'sixteenth',
  'seventeenth',
  'eighteenth',
  'nineteenth',
  'twentieth',
  'thirtieth',
]
const HOURS = [
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
]
const FILLERS = ['there', 'home', 'here', 'early', 'late']
const FIXED = ['on', 'at', 'and', 'from', 'to', 'fly', 'is', 'where', 'my', 'i', 'am', 'pm']

/** Every word the templates use besides the cities (lower-cased), so no city can collide with one. */
const TEMPLATE_WORDS = new Set(
  [
    ...PREFIXES.flat(),
    ...PREFIXES_BEFORE_CITY.flat(),
    ...VERBS.to,
    ...VERBS.from,
    ...Object.values(NOUNS),
    ...MONTHS,
    ...ORDINALS,
    ...HOURS,
    ...FILLERS,
    ...FIXED,
  ].map((w) => w.toLowerCase()),
)

/**
 * City names: every ordered pair of two different syllables, capitalised ("tai" + "pei" →
 * "Taipei"), without repeats and without names that equal a template word.
 *
 * @example
 * assert.deepStrictEqual(cityNames(['tai', 'pei']), ['Taipei', 'Peitai'])
 * assert.strictEqual(cityNames().length, 12 * 11)
 */
export const cityNames = (syllables: readonly string[] = SYLLABLES): string[] => {
  if (!Array.isArray(syllables) || syllables.some((s) => typeof s !== 'string' || !/^[a-z]+$/.test(s)))
    throw new T.ArgumentError('cityNames: syllables must be an array of lower-case words (a–z)')
  const names = new Set<string>()
  for (const a of syllables)
    for (const b of syllables)
      if (a !== b) {
        const name = `${a[0].toUpperCase()}${a.slice(1)}${b}`
        if (!TEMPLATE_WORDS.has(name.toLowerCase())) names.add(name)
      }
  return [...names]
}

/**
 * A seeded split of `cityNames(syllables)` into `seen` cities (for training and the ordinary test
 * split) and `unseen` cities that never occur in training but share its syllables.
 *
 * @example
 * const { seen, unseen } = splitCities(T.key(0), { seen: 20, unseen: 10 })
 * assert.strictEqual(new Set([...seen, ...unseen]).size, 30)
 */
export const splitCities = (
  key: Key,
  options: { readonly seen: number; readonly unseen: number; readonly syllables?: readonly string[] },
): { readonly seen: readonly string[]; readonly unseen: readonly string[] } => {
  const names = cityNames(options.syllables)
  const { seen, unseen } = options
  for (const [k, v] of [
    ['seen', seen],
    ['unseen', unseen],
  ] as const)
    if (!Number.isInteger(v) || v < 1)
      throw new T.ArgumentError(`splitCities: ${k} must be a positive integer, got ${v}`)
  if (seen + unseen > names.length)
    throw new T.ArgumentError(
      `splitCities: seen + unseen (${seen + unseen}) exceeds the ${names.length} names the syllables make`,
    )
  const order = permutation(key, names.length).map((i) => names[i])
  return { seen: order.slice(0, seen), unseen: order.slice(seen, seen + unseen) }
}

/** Options of `slotFillingSentences`. */
export interface SlotFillingOptions {
  /** How many sentences (even: they come in minimal pairs). */
  readonly sentences: number
  /** The city names to draw from (uniformly). */
  readonly cities: readonly string[]
  /** Put every cue after its city ("Taipei is where i arrive"); default false. */
  readonly cueAfter?: boolean
  /** Fraction in [0, 1] of the places after a verb that are not a city ("arrive home"); default 0.2. */
  readonly fillerRate?: number
}

/** A sentence under construction: words and their labels. */
class Builder {
  readonly words: string[] = []
  readonly labels: string[] = []
  plain(...ws: readonly string[]): this {
    for (const w of ws) {
      this.words.push(w)
      this.labels.push('O')
    }
    return this
  }
  slot(slot: Slot, ...ws: readonly string[]): this {
    ws.forEach((w, i) => {
      this.words.push(w)
      this.labels.push(`${i === 0 ? 'B' : 'I'}-${slot}`)
    })
    return this
  }
}

/**
 * Seeded ATIS-like booking sentences with BIO slot labels (Lecture §1.2), in minimal pairs:
 * sentences 2i and 2i+1 are equal except for their cue words, which give every city and time of
 * the pair the opposite role. Cue before (default), the templates are
 *
 *   [prefix] arrive|reach|leave|depart PLACE on DATE     [prefix] … PLACE at TIME
 *   [prefix] [fly] from|to CITY to|from CITY             [prefix] arrive CITY on DATE and leave CITY at TIME
 *
 * (PLACE a city, or with probability `fillerRate` a word such as "home"); with `cueAfter`,
 *
 *   [prefix] CITY is where i arrive|leave on DATE   [prefix] CITY is my destination|origin   on DATE CITY is where i arrive|leave
 *
 * @example
 * const [a, b] = slotFillingSentences(T.key(3), { sentences: 2, cities: ['Taipei', 'Tokyo'], fillerRate: 0 })
 * const city = a.labels.findIndex((l) => l === 'B-destination' || l === 'B-departure')
 * assert.strictEqual(b.words[city], a.words[city]) // the same city, the other role
 * assert.deepStrictEqual([a.labels[city], b.labels[city]].sort(), ['B-departure', 'B-destination'])
 */
export const slotFillingSentences = (key: Key, options: SlotFillingOptions): Sentence[] => {
  const { sentences: n, cities, cueAfter = false, fillerRate = 0.2 } = options
  if (!Number.isInteger(n) || n < 0 || n % 2 !== 0)
    throw new T.ArgumentError(
      `slotFillingSentences: sentences must be an even non-negative integer, got ${n}`,
    )
  if (!Array.isArray(cities) || cities.length < 2 || cities.some((c) => typeof c !== 'string' || c === ''))
    throw new T.ArgumentError('slotFillingSentences: cities must be an array of at least two names')
  if (!(fillerRate >= 0 && fillerRate <= 1))
    throw new T.ArgumentError(`slotFillingSentences: fillerRate must lie in [0, 1], got ${fillerRate}`)
  const draw = draws(key)
  const pick = <A>(xs: readonly A[]): A => xs[draw(xs.length)]
  const out: Sentence[] = []
  for (let pair = 0; pair < n / 2; pair++) {
    const first: Role = draw(2) === 0 ? 'to' : 'from'
    const verb = draw(2)
    const verb2 = draw(2)
    const city = pick(cities)
    let city2 = pick(cities)
    while (city2 === city) city2 = pick(cities)
    const date = [pick(MONTHS), pick(ORDINALS)]
    const time = [pick(HOURS), pick(['am', 'pm'])]
    const filler = draw(2 ** 30) < fillerRate * 2 ** 30 ? pick(FILLERS) : undefined
    const fly = draw(2) === 0
    const template = draw(cueAfter ? 3 : 4)
    const prefix = pick(cueAfter ? PREFIXES_BEFORE_CITY : PREFIXES)
    for (const r of [first, other(first)]) {
      const s = new Builder().plain(...prefix)
      const place = (b: Builder): Builder =>
        filler === undefined ? b.slot(placeSlot(r), city) : b.plain(filler)
      if (!cueAfter) {
        if (template === 0)
          place(s.plain(VERBS[r][verb]))
            .plain('on')
            .slot(timeSlot(r), ...date)
        else if (template === 1)
          place(s.plain(VERBS[r][verb]))
            .plain('at')
            .slot(timeSlot(r), ...time)
        else if (template === 2)
          s.plain(...(fly ? ['fly'] : []), r)
            .slot(placeSlot(r), city)
            .plain(other(r))
            .slot(placeSlot(other(r)), city2)
        else
          s.plain(VERBS[r][verb])
            .slot(placeSlot(r), city)
            .plain('on')
            .slot(timeSlot(r), ...date)
            .plain('and', VERBS[other(r)][verb2])
            .slot(placeSlot(other(r)), city2)
            .plain('at')
            .slot(timeSlot(other(r)), ...time)
      } else if (template === 0)
        s.slot(placeSlot(r), city)
          .plain('is', 'where', 'i', VERBS[r][verb], 'on')
          .slot(timeSlot(r), ...date)
      else if (template === 1) s.slot(placeSlot(r), city).plain('is', 'my', NOUNS[r])
      else
        s.plain('on')
          .slot(timeSlot(r), ...date)
          .slot(placeSlot(r), city)
          .plain('is', 'where', 'i', VERBS[r][verb])
      out.push({ words: s.words, labels: s.labels })
    }
  }
  return out
}

/**
 * The distinct words of some sentences, sorted: a vocabulary for `oneHot`.
 *
 * @example
 * assert.deepStrictEqual(vocabularyOf([{ words: ['b', 'a'], labels: ['O', 'O'] }, { words: ['a'], labels: ['O'] }]), ['a', 'b'])
 */
export const vocabularyOf = (sentences: readonly Sentence[]): string[] =>
  [...new Set(sentences.flatMap((s) => s.words))].sort()

/**
 * Lecture §5.8's harder variant of the §1.2 data: a fraction `rate` of the sentences of
 * `slotFillingSentences` (cue before the city) lose their cue words — the words in which a
 * sentence differs from the other sentence of its minimal pair ("arrive" / "leave", "from" /
 * "to"). "Taipei on November second" is then a destination and an arrival time in some sentences
 * and a departure and a departure time in others: the role of its slots cannot be told from the
 * sentence, only that every word of one slot shares it.
 *
 * Sentence by sentence (the default), which role a word had without its cue is left to the
 * draw, so one word ("November") may have been an arrival more often and another ("second") a
 * departure, as in any finite sample. With `wholePairs`, both sentences of a chosen pair lose
 * their cues: the same words with both readings, so a tagger that labels a slot consistently
 * gets exactly one of the two right whichever role it guesses. Chosen with `draws(key)`;
 * `dropped[i]` says whether sentence i lost its cue.
 *
 * @example
 * const pairs = slotFillingSentences(T.key(3), { sentences: 4, cities: ['Taipei', 'Tokyo'], fillerRate: 0 })
 * const { sentences, dropped } = withoutCues(pairs, T.key(0), 1)
 * assert.deepStrictEqual(dropped, [true, true, true, true])
 * assert.deepStrictEqual(sentences[0].words, sentences[1].words) // the cue was all that differed
 * assert.notDeepStrictEqual(sentences[0].labels, sentences[1].labels)
 * assert.deepStrictEqual(withoutCues(pairs, T.key(0), 0).sentences, pairs)
 * const half = withoutCues(pairs, T.key(1), 0.5, { wholePairs: true }).dropped
 * assert.ok(half[0] === half[1] && half[2] === half[3])
 */
export const withoutCues = (
  sentences: readonly Sentence[],
  key: Key,
  rate: number,
  options: { readonly wholePairs?: boolean } = {},
): { readonly sentences: readonly Sentence[]; readonly dropped: readonly boolean[] } => {
  if (!Array.isArray(sentences) || sentences.length % 2 !== 0)
    throw new T.ArgumentError('withoutCues: sentences must be minimal pairs (an even number of sentences)')
  if (!(rate >= 0 && rate <= 1))
    throw new T.ArgumentError(`withoutCues: rate must lie in [0, 1], got ${rate}`)
  const draw = draws(key)
  const chosen = Array.from(
    { length: options.wholePairs ? sentences.length / 2 : sentences.length },
    () => draw(2 ** 30) < rate * 2 ** 30,
  )
  const dropped = sentences.map((_, i) => chosen[options.wholePairs ? i >> 1 : i])
  const out = sentences.map((s: Sentence, i) => {
    if (!dropped[i]) return s
    const partner: Sentence = sentences[i ^ 1]
    if (partner.words.length !== s.words.length)
      throw new T.ArgumentError(
        `withoutCues: sentences ${i & ~1} and ${i | 1} are not a minimal pair (their lengths differ)`,
      )
    const keep = s.words.map((w, j) => w === partner.words[j])
    return { words: s.words.filter((_, j) => keep[j]), labels: s.labels.filter((_, j) => keep[j]) }
  })
  return { sentences: out, dropped }
}
