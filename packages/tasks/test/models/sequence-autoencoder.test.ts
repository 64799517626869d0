/** The sequence auto-encoder of Lecture §5.6: shapes, padding, and the gradient of its loss. */
import { fc, test } from '@fast-check/vitest'
import * as T from '@recurrent/tensor'
import { assertGradients, numRuns } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { sequenceAutoencoder } from '../../src/models/sequence-autoencoder.ts'
import { reconstructionLoss, type SegmentBatch } from '../../src/sections/speech-autoencoder.ts'

const runs = { numRuns: numRuns(15) }
const setup = fc.record({
  F: fc.integer({ min: 1, max: 3 }),
  H: fc.integer({ min: 1, max: 4 }),
  lengths: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }),
  seed: fc.integer({ min: 0, max: 1000 }),
})

/** A batch of random sequences in f64, with the reversed targets and the mask built by hand. */
const batchOf = (F: number, lengths: readonly number[], seed: number): SegmentBatch => {
  const steps = Math.max(...lengths)
  const B = lengths.length
  const x = T.toArray(T.randn(T.key(seed), [steps, B, F], 'f64')) as number[][][]
  const frames = x.map((row, t) => row.map((f, b) => (t < lengths[b] ? f : f.map(() => 0))))
  const reversed = frames.map((row, t) =>
    row.map((f, b) => (t < lengths[b] ? frames[lengths[b] - 1 - t][b] : f)),
  )
  const mask = frames.map((row, t) => row.map((_, b) => [t < lengths[b] ? 1 : 0]))
  return {
    frames: T.tensor(frames, { dtype: 'f64' }),
    lengths,
    reversed: T.tensor(reversed, { dtype: 'f64' }),
    mask: T.tensor(mask, { dtype: 'f64' }),
  }
}

describe('sequenceAutoencoder (Lecture §5.6)', () => {
  test.prop([setup], runs)(
    "the reconstruction loss's gradient with respect to every parameter passes checkGrad",
    (s) => {
      const m = sequenceAutoencoder({ features: s.F, hidden: s.H })
      const params = T.treeMap(m.init(T.key(s.seed)), (p) => T.cast(p, 'f64'))
      const batch = batchOf(s.F, s.lengths, s.seed + 1)
      assertGradients((p: typeof params) => reconstructionLoss(m, p, batch), params)
    },
  )

  test.prop([setup], runs)(
    'a code depends on its own frames only: padding after a sequence changes nothing',
    (s) => {
      const m = sequenceAutoencoder({ features: s.F, hidden: s.H })
      const p = m.init(T.key(s.seed))
      const steps = Math.max(...s.lengths)
      const x = T.randn(T.key(s.seed + 1), [steps + 2, s.lengths.length, s.F])
      const codes = T.toArray(m.encode(p, x, s.lengths)) as number[][]
      const noisy = T.add(x, T.mul(T.randn(T.key(s.seed + 2), x.shape), 5))
      const keep = T.tensor(
        Array.from({ length: steps + 2 }, (_, t) => s.lengths.map((l) => [t < l ? 1 : 0])),
      )
      const padded = T.add(T.mul(x, keep), T.mul(noisy, T.sub(1, keep)))
      expect(T.toArray(m.encode(p, padded, s.lengths))).toEqual(codes)
      // Each sequence alone gives its code (up to f32 rounding: another batch, another summation order).
      s.lengths.forEach((l, b) => {
        const alone = (T.toArray(m.encode(p, T.slice(x, [0, b, 0], [l, 1, s.F]), [l])) as number[][])[0]
        alone.forEach((v, h) => expect(v).toBeCloseTo(codes[b][h], 5))
      })
      expect(T.shape(m.decode(p, m.encode(p, x, s.lengths), steps + 2, s.lengths))).toEqual([
        steps + 2,
        s.lengths.length,
        s.F,
      ])
    },
  )

  it('names bad input', () => {
    expect(() => sequenceAutoencoder({ features: 0, hidden: 2 })).toThrow(
      /sequenceAutoencoder: features must be a positive integer, got 0/,
    )
    const m = sequenceAutoencoder({ features: 2, hidden: 3 })
    const p = m.init(T.key(0))
    expect(() => m.encode(p, T.zeros([3, 1, 4]), [3])).toThrow(/frames must be \[T, B, 2\], got \[3,1,4\]/)
    expect(() => m.encode(p, T.zeros([3, 2, 2]), [3])).toThrow(/lengths must be 2 integers/)
    expect(() => m.encode(p, T.zeros([3, 1, 2]), [4])).toThrow(
      /lengths\[0\] must be an integer in 1…3, got 4/,
    )
    expect(() => m.decode(p, T.zeros([1, 2]), 3, [3])).toThrow(/codes must be \[B, 3\]/)
    expect(() => m.decode(p, T.zeros([1, 3]), 0, [1])).toThrow(/steps must be a positive integer, got 0/)
  })
})
