/**
 * How well a tagger fills slots (Lecture §1.2): span-level F1 as CoNLL scores it, and the
 * accuracy on the words whose label depends on a cue (the cities: destination or departure).
 */
import * as T from '@recurrent/tensor'

/** A labelled span: its slot type and the words `[start, end)` it covers. */
export interface Span {
  readonly type: string
  readonly start: number
  readonly end: number
}

const parse = (fn: string, label: string): { tag: 'B' | 'I' | 'O'; type: string } => {
  if (label === 'O') return { tag: 'O', type: '' }
  const m = /^([BI])-(.+)$/.exec(label)
  if (m === null) throw new T.ArgumentError(`${fn}: label '${label}' is not O, B-type or I-type`)
  return { tag: m[1] as 'B' | 'I', type: m[2] }
}

/**
 * The spans of a BIO label sequence, as CoNLL's `conlleval` reads them: a span starts at `B-x`,
 * or at an `I-x` that does not continue a span of type x, and runs over the `I-x` that follow.
 *
 * @example
 * const labels = ['O', 'B-destination', 'O', 'B-arrival_time', 'I-arrival_time', 'I-departure']
 * assert.deepStrictEqual(spans(labels), [
 *   { type: 'destination', start: 1, end: 2 },
 *   { type: 'arrival_time', start: 3, end: 5 },
 *   { type: 'departure', start: 5, end: 6 },
 * ])
 */
export const spans = (labels: readonly string[]): Span[] => {
  if (!Array.isArray(labels)) throw new T.ArgumentError('spans: labels must be an array of BIO labels')
  const out: Span[] = []
  let open: { type: string; start: number } | undefined
  const close = (end: number) => {
    if (open !== undefined) out.push({ type: open.type, start: open.start, end })
    open = undefined
  }
  labels.forEach((label, i) => {
    const { tag, type } = parse('spans', label)
    if (tag === 'O') close(i)
    else if (tag === 'B' || open?.type !== type) {
      close(i)
      open = { type, start: i }
    }
  })
  close(labels.length)
  return out
}

const checkPairs = (
  fn: string,
  predicted: readonly (readonly string[])[],
  reference: readonly (readonly string[])[],
) => {
  if (!Array.isArray(predicted) || !Array.isArray(reference))
    throw new T.ArgumentError(`${fn}: predicted and reference must be arrays of label sequences`)
  if (predicted.length !== reference.length)
    throw new T.ArgumentError(
      `${fn}: predicted has ${predicted.length} sentences but reference has ${reference.length}`,
    )
  predicted.forEach((p, i) => {
    if (p.length !== reference[i].length)
      throw new T.ArgumentError(
        `${fn}: sentence ${i} has ${p.length} predicted labels but ${reference[i].length} reference labels`,
      )
  })
}

/**
 * Span-level micro F1 (CoNLL), O excluded: a predicted span counts when a reference span has the
 * same type, start and end. With tp such spans over all sentences,
 *
 *   F1 = 2·P·R / (P + R) = 2·tp / (|predicted spans| + |reference spans|)
 *
 * and 1 when neither has a span (nothing to find, nothing claimed).
 *
 * @example
 * const ref = [['B-destination', 'O', 'B-arrival_time', 'I-arrival_time']]
 * assert.strictEqual(slotF1(ref, ref), 1)
 * // one of two spans right, one of two claimed right: P = R = 1/2
 * assert.strictEqual(slotF1([['B-departure', 'O', 'B-arrival_time', 'I-arrival_time']], ref), 0.5)
 */
export const slotF1 = (
  predicted: readonly (readonly string[])[],
  reference: readonly (readonly string[])[],
): number => {
  checkPairs('slotF1', predicted, reference)
  let tp = 0
  let np = 0
  let nr = 0
  predicted.forEach((p, i) => {
    const ps = spans(p)
    const rs = new Set(spans(reference[i]).map((s) => `${s.type}:${s.start}:${s.end}`))
    np += ps.length
    nr += rs.size
    for (const s of ps) if (rs.has(`${s.type}:${s.start}:${s.end}`)) tp++
  })
  return np + nr === 0 ? 1 : (2 * tp) / (np + nr)
}

/**
 * How often a tagger breaks the BIO rules (Lecture §5.8): every label has one incoming
 * transition, from the previous label or from the start of the sentence, and `I-x` is only valid
 * after `B-x` or `I-x`. `I-x` at the start, after `O`, or after `B-y` / `I-y` with y ≠ x is a
 * violation. Returns the violations and the transitions (labels) counted over all sentences.
 *
 * @example
 * const tagged = [
 *   ['B-arrival_time', 'I-arrival_time', 'O', 'I-destination'], // I-x after O
 *   ['I-departure', 'B-arrival_time', 'I-departure_time'],       // I-x at the start, I-x after B-y
 * ]
 * assert.deepStrictEqual(bioViolations(tagged), { violations: 3, transitions: 7 })
 */
export const bioViolations = (
  sentences: readonly (readonly string[])[],
): { readonly violations: number; readonly transitions: number } => {
  if (!Array.isArray(sentences))
    throw new T.ArgumentError('bioViolations: sentences must be an array of label sequences')
  let violations = 0
  let transitions = 0
  for (const labels of sentences) {
    let prev: { tag: 'B' | 'I' | 'O'; type: string } = { tag: 'O', type: '' }
    for (const label of labels) {
      const cur = parse('bioViolations', label)
      transitions++
      if (cur.tag === 'I' && (prev.tag === 'O' || prev.type !== cur.type)) violations++
      prev = cur
    }
  }
  return { violations, transitions }
}

/** The slots whose words are cities: which of them a word fills is decided by a cue word. */
export const CITY_SLOTS: readonly string[] = ['destination', 'departure']

/**
 * The fraction of city words (reference label `B-`/`I-` of destination or departure) whose
 * label, role included, is predicted exactly: "Taipei" must be `B-destination` after "arrive"
 * and `B-departure` after "leave" (Lecture §1.2). NaN when the reference has no city word.
 *
 * @example
 * const ref = [['O', 'B-destination'], ['O', 'B-departure']]
 * const pred = [['O', 'B-destination'], ['O', 'B-destination']] // the same answer for both
 * assert.strictEqual(ambiguousCityAccuracy(pred, ref), 0.5)
 */
export const ambiguousCityAccuracy = (
  predicted: readonly (readonly string[])[],
  reference: readonly (readonly string[])[],
): number => {
  checkPairs('ambiguousCityAccuracy', predicted, reference)
  let right = 0
  let cities = 0
  reference.forEach((r, i) =>
    r.forEach((label, t) => {
      const { tag, type } = parse('ambiguousCityAccuracy', label)
      if (tag === 'O' || !CITY_SLOTS.includes(type)) return
      cities++
      if (predicted[i][t] === label) right++
    }),
  )
  return cities === 0 ? Number.NaN : right / cities
}

/**
 * The Levenshtein distance between two sequences (Lecture §5.2's error count): the fewest
 * substitutions, insertions and deletions that turn `a` into `b`, by the recursion
 *
 *   D(i, j) = min(D(i−1, j) + 1, D(i, j−1) + 1, D(i−1, j−1) + [a_i ≠ b_j]),   D(i, 0) = i,  D(0, j) = j
 *
 * Strings are compared character by character, arrays element by element (`===`).
 *
 * @example
 * assert.strictEqual(editDistance('hello', 'helo'), 1)
 * assert.strictEqual(editDistance('kitten', 'sitting'), 3)
 * assert.strictEqual(editDistance([1, 2, 3], []), 3)
 */
export const editDistance = <A>(a: ArrayLike<A>, b: ArrayLike<A>): number => {
  const ok = (x: unknown) => typeof x === 'string' || Array.isArray(x) || ArrayBuffer.isView(x)
  if (!ok(a) || !ok(b)) throw new T.ArgumentError('editDistance: a and b must be strings or arrays')
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++)
      row.push(Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)))
    prev = row
  }
  return prev[b.length]
}

/**
 * The character error rate of decoded transcripts (Lecture §5.2): the edit distances summed over
 * the utterances, divided by the reference characters summed, `CER = Σ_n D(ŷ_n, y_n) / Σ_n |y_n|`.
 * 0 is perfect; it can exceed 1 (insertions). NaN when the references have no character.
 *
 * @example
 * assert.strictEqual(characterErrorRate(['helo', 'good'], ['hello', 'good']), 1 / 9)
 */
export const characterErrorRate = (
  predicted: readonly (string | readonly number[])[],
  reference: readonly (string | readonly number[])[],
): number => {
  if (!Array.isArray(predicted) || !Array.isArray(reference) || predicted.length !== reference.length)
    throw new T.ArgumentError(
      `characterErrorRate: predicted and reference must be arrays of equal length, got ${predicted?.length} and ${reference?.length}`,
    )
  let errors = 0
  let chars = 0
  predicted.forEach((p, n) => {
    errors += editDistance<unknown>(p, reference[n])
    chars += reference[n].length
  })
  return chars === 0 ? Number.NaN : errors / chars
}

/**
 * The double letters of a word (Lecture §5.2): each character c with w_j = w_{j+1} = c, as "cc".
 *
 * @example
 * assert.deepStrictEqual(doubleLetters('apple'), ['pp'])
 * assert.deepStrictEqual(doubleLetters('cat'), [])
 */
export const doubleLetters = (word: string): string[] =>
  [...word].flatMap((c, j) => (j > 0 && c === word[j - 1] ? [c + c] : []))

/**
 * The share of reference words with a double letter whose decoding keeps every one of them
 * intact (Lecture §5.2): word n counts when each of its doubles ("ll" in "hello") occurs in the
 * decoded text. Words without a double letter are not counted; NaN when no reference has one.
 *
 * @example
 * assert.strictEqual(doubleLettersKept(['helo', 'good', 'cat'], ['hello', 'good', 'cat']), 0.5)
 */
export const doubleLettersKept = (predicted: readonly string[], reference: readonly string[]): number => {
  if (!Array.isArray(predicted) || !Array.isArray(reference) || predicted.length !== reference.length)
    throw new T.ArgumentError(
      `doubleLettersKept: predicted and reference must be arrays of equal length, got ${predicted?.length} and ${reference?.length}`,
    )
  let words = 0
  let kept = 0
  reference.forEach((r, n) => {
    const doubles = doubleLetters(r)
    if (doubles.length === 0) return
    words++
    if (doubles.every((d) => predicted[n].includes(d))) kept++
  })
  return words === 0 ? Number.NaN : kept / words
}

const checkSequencePairs = (
  fn: string,
  predicted: readonly (readonly unknown[])[],
  reference: readonly (readonly unknown[])[],
): void => {
  if (!Array.isArray(predicted) || !Array.isArray(reference))
    throw new T.ArgumentError(`${fn}: predicted and reference must be arrays of sequences`)
  if (predicted.length !== reference.length)
    throw new T.ArgumentError(
      `${fn}: predicted has ${predicted.length} sequences but reference has ${reference.length}`,
    )
  if (reference.length === 0) throw new T.ArgumentError(`${fn}: there must be at least one sequence`)
  predicted.forEach((p, i) => {
    if (!Array.isArray(p) || !Array.isArray(reference[i]))
      throw new T.ArgumentError(`${fn}: predicted[${i}] and reference[${i}] must be arrays of tokens`)
  })
}

/**
 * The share of sequences predicted exactly (Lecture §5.3: a translation is right when every
 * token is, its length and its stop symbol included): `(1/N) Σ_n [ŷ_n = y_n]`.
 *
 * @example
 * assert.strictEqual(exactMatch([['a', '==='], ['b']], [['a', '==='], ['b', '===']]), 0.5)
 */
export const exactMatch = <A>(
  predicted: readonly (readonly A[])[],
  reference: readonly (readonly A[])[],
): number => {
  checkSequencePairs('exactMatch', predicted, reference)
  let right = 0
  predicted.forEach((p, i) => {
    const r = reference[i]
    if (p.length === r.length && p.every((x, t) => x === r[t])) right++
  })
  return right / reference.length
}

/**
 * Position-wise token accuracy over the reference tokens (Lecture §5.3, §5.7): the share of
 * reference positions whose predicted token is the same, pooled over sequences; a prediction
 * too short misses the positions it lacks, extra predicted tokens are not counted:
 *
 *   acc = Σ_n #{t < |y_n| : ŷ_n[t] = y_n[t]} / Σ_n |y_n|
 *
 * NaN when the references hold no token.
 *
 * @example
 * // 2 of 3 reference tokens right in the first, 1 of 1 in the second
 * assert.strictEqual(tokenAccuracy([['a', 'x', 'c'], ['d', 'e']], [['a', 'b', 'c'], ['d']]), 0.75)
 */
export const tokenAccuracy = <A>(
  predicted: readonly (readonly A[])[],
  reference: readonly (readonly A[])[],
): number => {
  checkSequencePairs('tokenAccuracy', predicted, reference)
  let right = 0
  let total = 0
  predicted.forEach((p, i) => {
    const r = reference[i]
    total += r.length
    r.forEach((x, t) => {
      if (p[t] === x) right++
    })
  })
  return total === 0 ? Number.NaN : right / total
}
