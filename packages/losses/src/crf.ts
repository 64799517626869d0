/**
 * The linear-chain conditional random field (Lecture §5.8, RNN vs structured learning). A
 * per-token softmax decides each tag on its own; a structured model scores the whole tag
 * sequence y = y₀ … y_{n−1} at once, so label dependencies (an `I-x` only after `B-x` or `I-x`)
 * are part of the model. The lecture's "deep + structured": an RNN computes the emissions
 * E[t, k] (how well tag k fits step t), and the CRF adds a learned score for each pair of
 * neighbouring tags,
 *
 *   s(x, y) = start[y₀] + Σ_{t<n} E[t, y_t] + Σ_{0<t<n} transitions[y_{t−1}, y_t] + end[y_{n−1}],
 *   p(y | x) = exp s(x, y) / Z(x),   Z(x) = Σ_{y'} exp s(x, y'),
 *
 * where y' runs over all Kⁿ tag sequences. Training minimises −log p(y | x) = log Z − s(x, y);
 * log Z comes from the forward algorithm in log space, α₀(k) = start[k] + E[0, k],
 * α_t(k) = E[t, k] + log Σ_j exp(α_{t−1}(j) + transitions[j, k]), log Z = log Σ_k exp(α_{n−1}(k) +
 * end[k]), and decoding is Viterbi: the same recursion with max in place of log Σ exp.
 *
 * The gradient is hand-derived from the forward–backward recursion (registered with
 * `customVjp`, as CTC's): ∂log Z/∂E[t, k] is the marginal p(y_t = k | x), ∂log Z/∂transitions[j, k]
 * the expected number of j → k moves, ∂log Z/∂start and ∂log Z/∂end the marginals of the first
 * and last tags; the score's derivatives count the tag sequence's own tags and moves.
 */
import { customVjp } from '@recurrent/autograd'
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import type { Lengths } from './ctc.ts'
import { type Reduction, reduce } from './reduction.ts'

/** A linear-chain CRF's parameters over K tags. */
export interface Crf {
  /** `[K, K]`: the score of moving from the row's tag to the column's. */
  readonly transitions: Tensor
  /** `[K]`: the score of starting a sequence with each tag. */
  readonly start: Tensor
  /** `[K]`: the score of ending a sequence with each tag. */
  readonly end: Tensor
}

/** Tags as a padded `[T, B]` i32 tensor or one array of `lengths[b]` tags per sequence. */
export type CrfTags = Tensor | readonly (readonly number[])[]

/** How `crfLoss` combines the per-sequence negative log-likelihoods (Lecture §5.8), as the other losses do. */
export interface CrfOptions {
  /** `'mean'` (default: the batch mean), `'sum'` or `'none'` (per-sequence losses `[B]`). */
  readonly reduction?: Reduction
}

interface Checked {
  readonly steps: number
  readonly B: number
  readonly K: number
  readonly lens: number[]
}

/** Validates emissions `[T, B, K]`, the CRF's parameters and `lengths` in `[1, T]`. */
const check = (op: string, emissions: Tensor, lengths: Lengths, crf: Crf): Checked => {
  if (!T.isTensor(emissions) || emissions.rank !== 3 || !T.isFloat(emissions.dtype)) {
    const got = T.isTensor(emissions)
      ? `${emissions.dtype} ${T.showShape(emissions.shape)}`
      : typeof emissions
    throw new T.ShapeError(`${op}: emissions must be a float [T,B,K] tensor, got ${got}`)
  }
  const [steps, B, K] = emissions.shape
  if (steps < 1 || K < 1)
    throw new T.ShapeError(
      `${op}: emissions ${T.showShape(emissions.shape)} needs at least one step and one tag`,
    )
  const { dtype } = emissions
  const param = (name: keyof Crf, shape: readonly number[]) => {
    const p = crf?.[name]
    if (!T.isTensor(p) || p.dtype !== dtype || T.showShape(p.shape) !== T.showShape(shape)) {
      const got = T.isTensor(p) ? `${p.dtype} ${T.showShape(p.shape)}` : String(p)
      throw new T.ShapeError(
        `${op}: crf.${name} must be a ${dtype} ${T.showShape(shape)} tensor (the emissions' dtype and K = ${K} tags), got ${got}`,
      )
    }
  }
  param('transitions', [K, K])
  param('start', [K])
  param('end', [K])
  const lens = T.readLengths(op, 'lengths', lengths, { batch: B, max: steps, min: 1 })
  return { steps, B, K, lens }
}

/** The tags of each sequence, validated: `lengths[b]` of them, each in `[0, K)`. */
const readTags = (op: string, tags: CrfTags, { steps, B, K, lens }: Checked): number[][] => {
  let rows: number[][]
  if (T.isTensor(tags)) {
    if (tags.dtype !== 'i32' || tags.rank !== 2 || tags.shape[0] !== steps || tags.shape[1] !== B) {
      throw new T.ShapeError(
        `${op}: tags must be an i32 [T,B] tensor with T = ${steps}, B = ${B}, got ${tags.dtype} ${T.showShape(tags.shape)}`,
      )
    }
    const data = T.toTypedArray(tags)
    rows = lens.map((n, b) => Array.from({ length: n }, (_, t) => data[t * B + b]))
  } else {
    if (!Array.isArray(tags) || tags.length !== B)
      throw new T.ShapeError(
        `${op}: tags must have one array per sequence (${B}), got ${Array.isArray(tags) ? tags.length : typeof tags}`,
      )
    rows = tags.map((row, b) => {
      if (!Array.isArray(row) || row.length !== lens[b])
        throw new T.ShapeError(
          `${op}: tags[${b}] has ${Array.isArray(row) ? row.length : typeof row} entries, lengths[${b}] = ${lens[b]}`,
        )
      return [...row]
    })
  }
  rows.forEach((row, b) =>
    row.forEach((k, t) => {
      if (!Number.isInteger(k) || k < 0 || k >= K)
        throw new T.ArgumentError(`${op}: tags[${b}][${t}] = ${k} is not a tag in [0, ${K})`)
    }),
  )
  return rows
}

/** `log Σ_i exp(v[i])` over a row, −∞ when every entry is. */
const logSumExpRow = (v: Float64Array): number => {
  let m = -Infinity
  for (const x of v) if (x > m) m = x
  if (m === -Infinity || m === Infinity) return m
  let s = 0
  for (const x of v) s += Math.exp(x - m)
  return m + Math.log(s)
}

/** The per-sequence values and, when asked, their gradients with respect to the four inputs. */
interface Sweep {
  readonly values: Float64Array
  readonly grads?: { em: Float64Array; transitions: Float64Array; start: Float64Array; end: Float64Array }
}

/**
 * One pass over the batch: log Z per sequence (minus the score of `tags` when given), and with
 * `withGradient` the forward–backward marginals (minus the tag sequence's own counts), per sequence.
 */
const sweep = (
  emissions: Tensor,
  crf: Crf,
  { steps, B, K, lens }: Checked,
  tags: number[][] | undefined,
  withGradient: boolean,
): Sweep => {
  const em = T.toTypedArray(emissions)
  const tr = Float64Array.from(T.toTypedArray(crf.transitions))
  const st = T.toTypedArray(crf.start)
  const en = T.toTypedArray(crf.end)
  const values = new Float64Array(B)
  const grads = withGradient
    ? {
        em: new Float64Array(steps * B * K),
        transitions: new Float64Array(B * K * K),
        start: new Float64Array(B * K),
        end: new Float64Array(B * K),
      }
    : undefined
  const alpha = new Float64Array(steps * K)
  const beta = new Float64Array(steps * K)
  const row = new Float64Array(K)
  // E[t, k] + β_t(k) of the step the backward recursion and the pair marginals move into.
  const ahead = new Float64Array(K)
  const e = (t: number, b: number, k: number) => em[(t * B + b) * K + k]
  for (let b = 0; b < B; b++) {
    const n = lens[b]
    for (let k = 0; k < K; k++) alpha[k] = st[k] + e(0, b, k)
    for (let t = 1; t < n; t++) {
      for (let k = 0; k < K; k++) {
        for (let j = 0; j < K; j++) row[j] = alpha[(t - 1) * K + j] + tr[j * K + k]
        alpha[t * K + k] = logSumExpRow(row) + e(t, b, k)
      }
    }
    for (let k = 0; k < K; k++) row[k] = alpha[(n - 1) * K + k] + en[k]
    const logZ = logSumExpRow(row)
    let score = 0
    const y = tags?.[b]
    if (y !== undefined) {
      score = st[y[0]] + en[y[n - 1]]
      for (let t = 0; t < n; t++) score += e(t, b, y[t])
      for (let t = 1; t < n; t++) score += tr[y[t - 1] * K + y[t]]
    }
    values[b] = logZ - score
    if (grads === undefined) continue
    for (let k = 0; k < K; k++) beta[(n - 1) * K + k] = en[k]
    for (let t = n - 2; t >= 0; t--) {
      for (let k = 0; k < K; k++) ahead[k] = e(t + 1, b, k) + beta[(t + 1) * K + k]
      for (let j = 0; j < K; j++) {
        for (let k = 0; k < K; k++) row[k] = tr[j * K + k] + ahead[k]
        beta[t * K + j] = logSumExpRow(row)
      }
    }
    // Marginals p(y_t = k) = exp(α_t(k) + β_t(k) − log Z) and pair marginals
    // p(y_{t−1} = j, y_t = k) = exp(α_{t−1}(j) + transitions[j, k] + E[t, k] + β_t(k) − log Z).
    for (let t = 0; t < n; t++) {
      for (let k = 0; k < K; k++) {
        const p = Math.exp(alpha[t * K + k] + beta[t * K + k] - logZ)
        grads.em[(t * B + b) * K + k] = p
        if (t === 0) grads.start[b * K + k] = p
        if (t === n - 1) grads.end[b * K + k] = Math.exp(alpha[t * K + k] + en[k] - logZ)
      }
      if (t === 0) continue
      for (let k = 0; k < K; k++) ahead[k] = e(t, b, k) + beta[t * K + k] - logZ
      for (let j = 0; j < K; j++) {
        const a = alpha[(t - 1) * K + j]
        for (let k = 0; k < K; k++)
          grads.transitions[(b * K + j) * K + k] += Math.exp(a + tr[j * K + k] + ahead[k])
      }
    }
    if (y === undefined) continue
    grads.start[b * K + y[0]] -= 1
    grads.end[b * K + y[n - 1]] -= 1
    for (let t = 0; t < n; t++) grads.em[(t * B + b) * K + y[t]] -= 1
    for (let t = 1; t < n; t++) grads.transitions[(b * K + y[t - 1]) * K + y[t]] -= 1
  }
  return grads === undefined ? { values } : { values, grads }
}

/** The per-sequence values `[B]` as a differentiable function of the emissions and the CRF. */
const perSequence = (emissions: Tensor, crf: Crf, checked: Checked, tags: number[][] | undefined): Tensor => {
  const { steps, B, K } = checked
  const dtype = emissions.dtype
  const out = (s: Sweep) => T.tensor(s.values, { dtype })
  return customVjp(
    // Outside a gradient only the forward recursion runs.
    (x: Tensor, c: Crf) => out(sweep(x, c, checked, tags, false)),
    (x: Tensor, c: Crf) => {
      const s = sweep(x, c, checked, tags, true)
      const g = s.grads as NonNullable<Sweep['grads']>
      return [
        out(s),
        {
          em: T.tensor(g.em, { shape: [steps, B, K], dtype }),
          transitions: T.tensor(g.transitions, { shape: [B, K, K], dtype }),
          start: T.tensor(g.start, { shape: [B, K], dtype }),
          end: T.tensor(g.end, { shape: [B, K], dtype }),
        },
      ]
    },
    (g, ct: Tensor) => {
      const perBatch = (x: Tensor, shape: number[]) => T.sum(T.mul(x, T.reshape(ct, shape)), { axis: 0 })
      return [
        T.mul(g.em, T.reshape(ct, [1, B, 1])),
        {
          transitions: perBatch(g.transitions, [B, 1, 1]),
          start: perBatch(g.start, [B, 1]),
          end: perBatch(g.end, [B, 1]),
        },
      ]
    },
    // Only the three parameters: a caller's object may carry more.
  )(emissions, { transitions: crf.transitions, start: crf.start, end: crf.end })
}

/**
 * log Z(x) of each sequence (Lecture §5.8): the forward algorithm over its first `lengths[b]`
 * steps, `log Σ_y exp s(x, y)` over all K^{lengths[b]} tag sequences. Returns `[B]`,
 * differentiable with respect to the emissions and every CRF parameter.
 *
 * @example
 * // One step, two tags: Z = Σ_k exp(start[k] + E[0, k] + end[k]).
 * const crf = { transitions: T.zeros([2, 2], 'f64'), start: T.tensor([0, 1], { dtype: 'f64' }), end: T.zeros([2], 'f64') }
 * const logZ = crfLogPartition(T.tensor([[[1, 0]]], { dtype: 'f64' }), [1], crf)
 * assert.ok(Math.abs(T.toArray(logZ)[0] - Math.log(2 * Math.E)) < 1e-12)
 */
export const crfLogPartition = (emissions: Tensor, lengths: Lengths, crf: Crf): Tensor =>
  perSequence(emissions, crf, check('crfLogPartition', emissions, lengths, crf), undefined)

/**
 * The linear-chain CRF's negative log-likelihood (Lecture §5.8): per sequence b over its first
 * `lengths[b]` steps, `log Z(x) − s(x, y)` with
 * `s(x, y) = start[y₀] + Σ_t E[t, y_t] + Σ_t transitions[y_{t−1}, y_t] + end[y_last]`.
 * `emissions [T, B, K]` (unnormalised scores, e.g. an RNN's outputs), tags a padded `[T, B]` i32
 * tensor or one array of `lengths[b]` tags per sequence, `lengths` in `[1, T]`. Returns `[B]`
 * with `'none'`, else the batch mean (`'mean'`, the default) or sum; differentiable with respect
 * to the emissions and every CRF parameter.
 *
 * @example
 * // Two steps, two tags; the transitions favour keeping the tag, tag 1 fits the first step.
 * const crf = {
 *   transitions: T.tensor([[1, -1], [-1, 1]], { dtype: 'f64' }),
 *   start: T.zeros([2], 'f64'),
 *   end: T.zeros([2], 'f64'),
 * }
 * const emissions = T.tensor([[[0, 0.5]], [[0, 0]]], { dtype: 'f64' })
 * // The four paths score 00: 1, 01: −1, 10: −0.5, 11: 1.5.
 * const logZ = Math.log(Math.exp(1) + Math.exp(-1) + Math.exp(-0.5) + Math.exp(1.5))
 * assert.ok(Math.abs(T.item(crfLoss(emissions, [[0, 0]], [2], crf)) - (logZ - 1)) < 1e-12)
 * assert.deepStrictEqual(crfViterbi(emissions, [2], crf), [[1, 1]])
 */
export const crfLoss = (
  emissions: Tensor,
  tags: CrfTags,
  lengths: Lengths,
  crf: Crf,
  options: CrfOptions = {},
): Tensor => {
  const { reduction = 'mean' } = options
  const checked = check('crfLoss', emissions, lengths, crf)
  const rows = readTags('crfLoss', tags, checked)
  return reduce('crfLoss', perSequence(emissions, crf, checked, rows), reduction)
}

/**
 * The best tag sequence of each sequence under the CRF (Lecture §5.8: Viterbi decoding),
 * `argmax_y s(x, y)` over its first `lengths[b]` steps: the forward recursion with max in place
 * of log Σ exp, then backtracking. Ties go to the lower tag. Returns one array of `lengths[b]`
 * tags per sequence.
 *
 * @example
 * // Emissions prefer 0, 1, 0, but moving between tags costs 2 each time: staying on 0 wins.
 * const crf = { transitions: T.tensor([[0, -2], [-2, 0]], { dtype: 'f64' }), start: T.zeros([2], 'f64'), end: T.zeros([2], 'f64') }
 * const emissions = T.tensor([[[1, 0]], [[0, 1]], [[1, 0]]], { dtype: 'f64' })
 * assert.deepStrictEqual(crfViterbi(emissions, [3], crf), [[0, 0, 0]])
 * assert.deepStrictEqual(crfViterbi(emissions, [2], crf), [[0, 0]])
 */
export const crfViterbi = (emissions: Tensor, lengths: Lengths, crf: Crf): number[][] => {
  const { B, K, lens } = check('crfViterbi', emissions, lengths, crf)
  const em = T.toTypedArray(emissions)
  const tr = T.toTypedArray(crf.transitions)
  const st = T.toTypedArray(crf.start)
  const en = T.toTypedArray(crf.end)
  return lens.map((n, b) => {
    let delta = Float64Array.from({ length: K }, (_, k) => st[k] + em[b * K + k])
    let next = new Float64Array(K)
    const back: Int32Array[] = []
    for (let t = 1; t < n; t++) {
      const from = new Int32Array(K)
      for (let k = 0; k < K; k++) {
        let best = -Infinity
        let arg = 0
        for (let j = 0; j < K; j++) {
          const v = delta[j] + tr[j * K + k]
          if (v > best) {
            best = v
            arg = j
          }
        }
        next[k] = best + em[(t * B + b) * K + k]
        from[k] = arg
      }
      ;[delta, next] = [next, delta]
      back.push(from)
    }
    let last = 0
    for (let k = 1; k < K; k++) if (delta[k] + en[k] > delta[last] + en[last]) last = k
    const path = [last]
    for (let t = n - 1; t >= 1; t--) path.push(back[t - 1][path[path.length - 1]])
    return path.reverse()
  })
}
