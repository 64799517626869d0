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
