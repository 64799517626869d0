/**
 * CTC decoding (Lecture §5.2): remove repeats, then blanks. Greedy (best path) takes the most
 * likely symbol per frame; prefix beam search (Hannun et al. 2014) keeps the `beamWidth` most
 * likely label prefixes, each scored by the sum over all its alignments seen so far.
 */

import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import type { Lengths } from './ctc.ts'
import { logAddExp } from './log-space.ts'

/** Merge repeats, then drop blanks: the many-to-one map B of CTC. */
export const ctcCollapse = (path: readonly number[], blank = 0): number[] =>
  path.filter((c, t) => c !== blank && (t === 0 || c !== path[t - 1]))

const frames = (
  op: string,
  logProbs: Tensor,
  inputLengths?: Lengths,
): { data: ArrayLike<number>; steps: number; B: number; C: number; lengths: number[] } => {
  if (logProbs.rank !== 3)
    throw new T.ShapeError(`${op}: logProbs must be [T,B,C], got ${T.showShape(logProbs.shape)}`)
  const [steps, B, C] = logProbs.shape
  const lengths =
    inputLengths === undefined
      ? Array<number>(B).fill(steps)
      : T.readLengths(op, 'inputLengths', inputLengths, { batch: B, max: steps })
  return { data: T.toTypedArray(logProbs), steps, B, C, lengths }
}

/**
 * Best-path decoding: the most likely symbol per frame, collapsed. One label list per sequence.
 *
 * @example
 * const y = T.log(T.tensor([[[0.1, 0.9]], [[0.1, 0.9]], [[0.9, 0.1]], [[0.1, 0.9]]], { dtype: 'f64' }))
 * assert.deepStrictEqual(ctcGreedyDecode(y), [[1, 1]])
 */
export const ctcGreedyDecode = (
  logProbs: Tensor,
  options: { blank?: number; inputLengths?: Lengths } = {},
): number[][] => {
  const { data, B, C, lengths } = frames('ctcGreedyDecode', logProbs, options.inputLengths)
  return Array.from({ length: B }, (_, b) => {
    const path = Array.from({ length: lengths[b] }, (_, t) => {
      let best = 0
      for (let c = 1; c < C; c++) if (data[(t * B + b) * C + c] > data[(t * B + b) * C + best]) best = c
      return best
    })
    return ctcCollapse(path, options.blank ?? 0)
  })
}

/** A decoded label sequence and its log-probability (summed over the alignments the beam kept). */
export interface Hypothesis {
  readonly labels: number[]
  readonly logProb: number
}

/**
 * Prefix beam search. Returns, per sequence, the surviving hypotheses sorted by log-probability
 * (best first). Width 1 on peaked inputs equals greedy decoding.
 *
 * @example
 * const y = T.log(T.tensor([[[0.4, 0.6]], [[0.4, 0.6]]], { dtype: 'f64' }))
 * const [[best]] = ctcBeamSearch(y, { beamWidth: 4 })
 * assert.deepStrictEqual(best.labels, [1])
 * assert.ok(Math.abs(best.logProb - Math.log(0.6 * 0.6 + 2 * 0.4 * 0.6)) < 1e-12)
 */
export const ctcBeamSearch = (
  logProbs: Tensor,
  options: { beamWidth?: number; blank?: number; inputLengths?: Lengths } = {},
): Hypothesis[][] => {
  const { beamWidth = 8, blank = 0 } = options
  if (!Number.isInteger(beamWidth) || beamWidth < 1)
    throw new T.ArgumentError(`ctcBeamSearch: beamWidth must be a positive integer, got ${beamWidth}`)
  const { data, B, C, lengths } = frames('ctcBeamSearch', logProbs, options.inputLengths)
  return Array.from({ length: B }, (_, b) => {
    // Each prefix keeps log p of its alignments ending in blank (pb) and in its last label (pnb).
    type Beam = { labels: number[]; pb: number; pnb: number }
    let beams = new Map<string, Beam>([['', { labels: [], pb: 0, pnb: -Infinity }]])
    for (let t = 0; t < lengths[b]; t++) {
      const y = (c: number) => data[(t * B + b) * C + c]
      const next = new Map<string, Beam>()
      const at = (labels: number[]): Beam => {
        const key = labels.join(',')
        let beam = next.get(key)
        if (!beam) next.set(key, (beam = { labels, pb: -Infinity, pnb: -Infinity }))
        return beam
      }
      for (const { labels, pb, pnb } of beams.values()) {
        const total = logAddExp(pb, pnb)
        const stay = at(labels)
        stay.pb = logAddExp(stay.pb, total + y(blank))
        const lastLabel = labels[labels.length - 1]
        for (let c = 0; c < C; c++) {
          if (c === blank) continue
          const extended = at([...labels, c])
          if (c === lastLabel) {
            // A repeat extends only across a blank; without one it merges into the same prefix.
            extended.pnb = logAddExp(extended.pnb, pb + y(c))
            stay.pnb = logAddExp(stay.pnb, pnb + y(c))
          } else {
            extended.pnb = logAddExp(extended.pnb, total + y(c))
          }
        }
      }
      beams = new Map(
        [...next.entries()]
          .sort(
            (p, q) => logAddExp(q[1].pb, q[1].pnb) - logAddExp(p[1].pb, p[1].pnb) || (p[0] < q[0] ? -1 : 1),
          )
          .slice(0, beamWidth),
      )
    }
    return [...beams.values()]
      .map((beam) => ({ labels: beam.labels, logProb: logAddExp(beam.pb, beam.pnb) }))
      .sort((p, q) => q.logProb - p.logProb)
  })
}
