/**
 * Fixed-length codes of sequences (Lecture §5.5, §5.6: a sequence-to-sequence auto-encoder
 * compresses a sentence or an audio segment into one vector): how far apart two codes are, how
 * well nearest-neighbour retrieval finds codes of the same kind, and a 2-D projection to look at
 * them (principal components, computed with the tensor ops).
 */
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'

const checkVector = (fn: string, name: string, v: unknown): ArrayLike<number> => {
  if (!(Array.isArray(v) || ArrayBuffer.isView(v)) || (v as ArrayLike<number>).length === 0)
    throw new T.ArgumentError(`${fn}: ${name} must be a non-empty array of numbers`)
  const a = v as ArrayLike<number>
  for (let i = 0; i < a.length; i++)
    if (typeof a[i] !== 'number' || !Number.isFinite(a[i]))
      throw new T.ArgumentError(`${fn}: ${name}[${i}] must be a finite number, got ${String(a[i])}`)
  return a
}

/**
 * The cosine distance of two codes (Lecture §5.5): one minus the cosine of the angle between
 * them, in [0, 2],
 *
 *   d(a, b) = 1 − a·b / √(|a|²·|b|²)
 *
 * computed in double precision, each vector first divided by its largest |entry| (no overflow or
 * underflow); equal vectors are exactly 0 apart (the count vectors of two
 * sentences with the same words, say). A zero vector has no direction: it is 0 from another
 * zero vector and 1 from anything else.
 *
 * @example
 * assert.strictEqual(cosineDistance([1, 2, 2], [1, 2, 2]), 0)
 * assert.strictEqual(cosineDistance([1, 0], [0, 3]), 1)
 * assert.strictEqual(cosineDistance([1, 0], [-2, 0]), 2)
 */
export const cosineDistance = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  const x = checkVector('cosineDistance', 'a', a)
  const y = checkVector('cosineDistance', 'b', b)
  if (x.length !== y.length)
    throw new T.ArgumentError(`cosineDistance: a has ${x.length} entries but b has ${y.length}`)
  // Each vector divided by its largest |entry| first (the cosine does not change), so the sums of
  // squares neither overflow nor underflow.
  const largest = (v: ArrayLike<number>): number => {
    let m = 0
    for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]))
    return m
  }
  const mx = largest(x)
  const my = largest(y)
  if (mx === 0 || my === 0) return mx === my ? 0 : 1
  let dot = 0
  let xx = 0
  let yy = 0
  for (let i = 0; i < x.length; i++) {
    const u = x[i] / mx
    const v = y[i] / my
    dot += u * v
    xx += u * u
    yy += v * v
  }
  // √(xx·yy) rather than √xx·√yy: for a = b it is exactly xx, so d(a, a) = 0 exactly.
  return Math.min(2, Math.max(0, 1 - dot / Math.sqrt(xx * yy)))
}

/**
 * Precision at k of nearest-neighbour retrieval (Lecture §5.6: segments of the same word should
 * get nearby codes). Each code in turn is the query; the others are ranked by cosine distance to
 * it (ties: the lower index first) and the share of the k nearest with the query's label is its
 * precision; the result is the mean over queries:
 *
 *   P@k = (1/N) Σ_q |{ j ∈ kNN(q) : label_j = label_q }| / k
 *
 * @example
 * const codes = [[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]]
 * assert.strictEqual(precisionAtK(codes, ['a', 'a', 'b', 'b'], 1), 1)
 * assert.strictEqual(precisionAtK(codes, ['a', 'b', 'a', 'b'], 1), 0)
 */
export const precisionAtK = (
  codes: readonly ArrayLike<number>[],
  labels: readonly (string | number)[],
  k: number,
): number => {
  if (!Array.isArray(codes) || codes.length < 2)
    throw new T.ArgumentError('precisionAtK: codes must be an array of at least two vectors')
  codes.forEach((c, i) => checkVector('precisionAtK', `codes[${i}]`, c))
  if (!Array.isArray(labels) || labels.length !== codes.length)
    throw new T.ArgumentError(
      `precisionAtK: labels must have one entry per code (${codes.length}), got ${Array.isArray(labels) ? labels.length : typeof labels}`,
    )
  if (!Number.isInteger(k) || k < 1 || k >= codes.length)
    throw new T.ArgumentError(`precisionAtK: k must be an integer in 1…${codes.length - 1}, got ${String(k)}`)
  const n = codes.length
  const dist = codes.map((a, i) => codes.map((b, j) => (i === j ? 0 : cosineDistance(a, b))))
  let total = 0
  for (let q = 0; q < n; q++) {
    const nearest = Array.from({ length: n }, (_, j) => j)
      .filter((j) => j !== q)
      .sort((i, j) => dist[q][i] - dist[q][j] || i - j)
      .slice(0, k)
    total += nearest.filter((j) => labels[j] === labels[q]).length / k
  }
  return total / n
}

/** The principal components of a set of codes and the codes projected onto them. */
export interface Projection {
  /** The mean code μ, `[D]`. */
  readonly mean: Tensor
  /** The k components v_1 … v_k as rows `[k, D]`, orthonormal, by decreasing variance. */
  readonly components: Tensor
  /** The variance of the codes along each component, λ_j = v_jᵀ C v_j. */
  readonly variances: readonly number[]
  /** The centred codes' coordinates `[N, k]`: (x_n − μ)·v_j. */
  readonly projected: Tensor
}

/**
 * Principal component analysis with the tensor ops (Lecture §5.5, §5.6: the codes drawn in two
 * dimensions). The covariance of the centred codes, then each component by power iteration kept
 * orthogonal to the ones before (Gram–Schmidt every step), started from a fixed Gaussian vector:
 *
 *   C = (1/N) Σ_n (x_n − μ)(x_n − μ)ᵀ,   v ← normalise((I − Σ_{i<j} v_i v_iᵀ)·C·v)   (`iterations` times)
 *
 * Each component's sign makes its largest entry (in absolute value) positive, so the result is
 * a function of the codes alone. Not differentiable (a plot, not a loss). Shapes: x f32 `[N, D]`
 * with N ≥ 1, 1 ≤ k ≤ D.
 *
 * @example
 * const x = T.tensor([[2, 0], [-2, 0], [0, 1], [0, -1]])
 * const p = principalComponents(x, 2)
 * assert.deepStrictEqual(T.toArray(p.components).flat().map(Math.abs), [1, 0, 0, 1])
 * assert.deepStrictEqual(p.variances, [2, 0.5])
 * assert.deepStrictEqual(T.toArray(p.projected), [[2, 0], [-2, 0], [0, 1], [0, -1]])
 */
export const principalComponents = (x: Tensor, k = 2, iterations = 200): Projection => {
  if (!T.isTensor(x) || x.rank !== 2 || x.shape[0] < 1 || !T.isFloat(x.dtype))
    throw new T.ShapeError(
      `principalComponents: x must be a float tensor [N, D] with N ≥ 1, got ${T.isTensor(x) ? `${x.dtype} ${T.showShape(x.shape)}` : typeof x}`,
    )
  const [N, D] = x.shape
  if (!Number.isInteger(k) || k < 1 || k > D)
    throw new T.ArgumentError(`principalComponents: k must be an integer in 1…${D}, got ${String(k)}`)
  if (!Number.isInteger(iterations) || iterations < 1)
    throw new T.ArgumentError(
      `principalComponents: iterations must be a positive integer, got ${String(iterations)}`,
    )
  const mean = T.mean(x, { axis: 0 })
  const centred = T.sub(x, mean)
  const covariance = T.div(T.matmul(centred, centred, { transposeA: true }), N)
  const components: Tensor[] = []
  const unit = (v: Tensor): Tensor | null => {
    const norm = Math.sqrt(T.item(T.sum(T.mul(v, v))))
    return norm > 0 && Number.isFinite(norm) ? T.div(v, norm) : null
  }
  const orthogonal = (v: Tensor): Tensor =>
    components.reduce((w, u) => T.sub(w, T.mul(u, T.item(T.sum(T.mul(u, w))))), v)
  for (let j = 0; j < k; j++) {
    let v = unit(orthogonal(T.randn(T.key(j), [D], x.dtype))) ?? T.reshape(T.oneHot([j], D, x.dtype), [D])
    for (let i = 0; i < iterations; i++) {
      const next = unit(orthogonal(T.reshape(T.matmul(covariance, T.reshape(v, [D, 1])), [D])))
      if (next === null) break // C is 0 on what is left: any orthogonal direction has variance 0
      v = next
    }
    const at = T.toTypedArray(v)
    let big = 0
    for (let d = 1; d < D; d++) if (Math.abs(at[d]) > Math.abs(at[big])) big = d
    components.push(at[big] < 0 ? T.neg(v) : v)
  }
  const V = T.stack(components)
  const projected = T.matmul(centred, V, { transposeB: true })
  const variances = components.map((v) =>
    T.item(T.sum(T.mul(v, T.reshape(T.matmul(covariance, T.reshape(v, [D, 1])), [D])))),
  )
  return { mean, components: V, variances, projected }
}
