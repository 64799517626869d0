/** Codes of sequences (Lecture §5.5, §5.6): cosine distance, retrieval precision, principal components. */
import { fc, test } from '@fast-check/vitest'
import * as T from '@recurrent/tensor'
import { numRuns } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { cosineDistance, precisionAtK, principalComponents } from '../src/codes.ts'

const runs = { numRuns: numRuns(40) }
const vector = (n: number) =>
  fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: n, maxLength: n })
const pairOf = fc.integer({ min: 1, max: 12 }).chain((n) => fc.tuple(vector(n), vector(n)))

describe('cosineDistance', () => {
  test.prop([pairOf], runs)('is symmetric, in [0, 2], and 0 exactly from itself', ([a, b]) => {
    const d = cosineDistance(a, b)
    expect(d).toBe(cosineDistance(b, a))
    expect(d).toBeGreaterThanOrEqual(0)
    expect(d).toBeLessThanOrEqual(2)
    expect(cosineDistance(a, a)).toBe(0)
  })

  test.prop([pairOf, fc.double({ min: 0.01, max: 100, noNaN: true })], runs)(
    'depends on directions only: scaling a vector by c > 0 keeps it, negating it gives 2 − d',
    ([a, b], c) => {
      fc.pre(a.some((x) => Math.abs(x) > 1e-3) && b.some((x) => Math.abs(x) > 1e-3))
      const d = cosineDistance(a, b)
      expect(
        cosineDistance(
          a.map((x) => c * x),
          b,
        ),
      ).toBeCloseTo(d, 9)
      expect(
        cosineDistance(
          a.map((x) => -x),
          b,
        ),
      ).toBeCloseTo(2 - d, 9)
    },
  )

  test.prop([fc.array(fc.nat({ max: 5 }), { minLength: 1, maxLength: 20 })], runs)(
    'is exactly 0 between a count vector and itself reordered: what a bag of words gives a reordered sentence',
    (counts) => {
      const reordered = [...counts].reverse().reverse()
      expect(cosineDistance(counts, reordered)).toBe(0)
    },
  )

  it('neither underflows nor overflows', () => {
    expect(cosineDistance([0, 0, -1.5e-162], [-1.5e-162, 0, 0])).toBe(1)
    expect(cosineDistance([5e-324, 5e-324], [5e-324, 5e-324])).toBe(0)
    expect(cosineDistance([1e300, 1e300], [-1e300, -1e300])).toBe(2)
  })

  it('treats zero vectors as having no direction, and names bad input', () => {
    expect(cosineDistance([0, 0], [0, 0])).toBe(0)
    expect(cosineDistance([0, 0], [1, 0])).toBe(1)
    expect(() => cosineDistance([1, 2], [1])).toThrow(/cosineDistance: a has 2 entries but b has 1/)
    expect(() => cosineDistance([], [])).toThrow(/cosineDistance: a must be a non-empty array/)
    expect(() => cosineDistance([1, Number.NaN], [1, 2])).toThrow(
      /cosineDistance: a\[1\] must be a finite number/,
    )
  })
})

describe('precisionAtK', () => {
  test.prop(
    [
      fc
        .integer({ min: 3, max: 12 })
        .chain((n) =>
          fc.tuple(
            fc.array(vector(3), { minLength: n, maxLength: n }),
            fc.array(fc.integer({ min: 0, max: 2 }), { minLength: n, maxLength: n }),
          ),
        ),
    ],
    runs,
  )(
    'is a share in [0, 1]: 1 when every code has the same label, the brute-force count otherwise',
    ([codes, labels]) => {
      const k = 2
      const p = precisionAtK(codes, labels, k)
      expect(p).toBeGreaterThanOrEqual(0)
      expect(p).toBeLessThanOrEqual(1)
      expect(
        precisionAtK(
          codes,
          labels.map(() => 0),
          k,
        ),
      ).toBe(1)
      // The same measure written another way: rank by the distance matrix, ties by index.
      let hits = 0
      codes.forEach((q, i) => {
        const ranked = codes
          .map((c, j) => ({ j, d: cosineDistance(q, c) }))
          .filter(({ j }) => j !== i)
          .sort((x, y) => x.d - y.d || x.j - y.j)
        hits += ranked.slice(0, k).filter(({ j }) => labels[j] === labels[i]).length
      })
      expect(p).toBeCloseTo(hits / (k * codes.length), 12)
    },
  )

  it('finds tight clusters and names bad input', () => {
    const codes = [
      [1, 0],
      [1, 0.1],
      [1, 0.2],
      [0, 1],
      [0.1, 1],
      [0.2, 1],
    ]
    expect(precisionAtK(codes, ['a', 'a', 'a', 'b', 'b', 'b'], 2)).toBe(1)
    expect(() => precisionAtK(codes, ['a'], 2)).toThrow(/labels must have one entry per code \(6\), got 1/)
    expect(() =>
      precisionAtK(
        codes,
        codes.map(() => 'a'),
        6,
      ),
    ).toThrow(/k must be an integer in 1…5, got 6/)
    expect(() => precisionAtK([[1]], ['a'], 1)).toThrow(/codes must be an array of at least two vectors/)
  })
})

describe('principalComponents', () => {
  const data = fc
    .record({
      n: fc.integer({ min: 8, max: 30 }),
      d: fc.integer({ min: 2, max: 6 }),
      seed: fc.integer({ min: 0, max: 1000 }),
    })
    .map(({ n, d, seed }) => {
      // Well-separated variances along random directions: scale the axes, then rotate.
      const z = T.randn(T.key(seed), [n, d], 'f64')
      const scale = T.tensor(
        Array.from({ length: d }, (_, i) => 4 / 1.6 ** i),
        { dtype: 'f64' },
      )
      const q = T.randn(T.foldIn(T.key(seed), 1), [d, d], 'f64')
      return T.add(T.matmul(T.mul(z, scale), q), 3)
    })

  const covariance = (x: T.Tensor): T.Tensor => {
    const c = T.sub(x, T.mean(x, { axis: 0 }))
    return T.div(T.matmul(c, c, { transposeA: true }), x.shape[0])
  }
  const rayleigh = (C: T.Tensor, u: readonly number[]): number => {
    const v = T.tensor(u, { dtype: 'f64' })
    const n = T.item(T.sum(T.mul(v, v)))
    return T.item(T.sum(T.mul(v, T.reshape(T.matmul(C, T.reshape(v, [u.length, 1])), [u.length])))) / n
  }

  test.prop(
    [data, fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: 6, maxLength: 6 })],
    runs,
  )(
    'gives orthonormal components, the variance along each, and no unit direction has more than the first',
    (x, w) => {
      const [, D] = x.shape
      const k = Math.min(2, D)
      const p = principalComponents(x, k, 500)
      const V = T.toArray(p.components) as number[][]
      const gram = T.toArray(T.matmul(p.components, p.components, { transposeB: true })) as number[][]
      gram.forEach((row, i) => row.forEach((g, j) => expect(g).toBeCloseTo(i === j ? 1 : 0, 10)))
      const C = covariance(x)
      const trace = T.toArray(C) as number[][]
      const scale = trace.reduce((s, row, i) => s + row[i], 0)
      V.forEach((v, j) => expect(p.variances[j]).toBeCloseTo(rayleigh(C, v), 8))
      expect(p.variances[0]).toBeGreaterThanOrEqual(p.variances[k - 1])
      const u = w.slice(0, D)
      fc.pre(u.some((a) => Math.abs(a) > 1e-3))
      expect(rayleigh(C, u)).toBeLessThanOrEqual(p.variances[0] + 1e-6 * scale)
      // The projections are the centred codes' coordinates: centred, with those variances.
      const proj = T.toArray(p.projected) as number[][]
      for (let j = 0; j < k; j++) {
        const col = proj.map((r) => r[j])
        expect(col.reduce((a, b) => a + b, 0) / col.length).toBeCloseTo(0, 9)
        expect(col.reduce((a, b) => a + b * b, 0) / col.length).toBeCloseTo(p.variances[j], 8)
      }
    },
  )

  test.prop([data], runs)(
    'is a function of the codes alone: −x has the same components, bit for bit',
    (x) => {
      const a = principalComponents(x, 2)
      const b = principalComponents(T.neg(x), 2)
      expect(T.toArray(b.components)).toEqual(T.toArray(a.components))
      expect(b.variances).toEqual(a.variances)
    },
  )

  it('recovers the axes of axis-aligned data exactly, and names bad input', () => {
    const x = T.tensor([
      [3, 0, 0],
      [-3, 0, 0],
      [0, 2, 0],
      [0, -2, 0],
      [0, 0, 1],
      [0, 0, -1],
    ])
    const p = principalComponents(x, 3)
    expect((T.toArray(p.components) as number[][]).map((r) => r.map(Math.abs))).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ])
    expect(p.variances).toEqual([3, 4 / 3, 1 / 3].map((v) => Math.fround(v)))
    expect(() => principalComponents(T.tensor([1, 2]), 1)).toThrow(/x must be a float tensor \[N, D\]/)
    expect(() => principalComponents(x, 4)).toThrow(/k must be an integer in 1…3, got 4/)
    expect(() => principalComponents(x, 2, 0)).toThrow(/iterations must be a positive integer, got 0/)
    // Codes that are all equal: variance 0 along any direction, still orthonormal components.
    const flat = principalComponents(T.ones([4, 3]), 2)
    expect(flat.variances).toEqual([0, 0])
  })
})
