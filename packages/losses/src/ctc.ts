/**
 * Connectionist Temporal Classification (Lecture §5.2; Graves et al. 2006). For speech, the
 * output is shorter than the input, and trimming repeats cannot produce a real double letter, so
 * CTC adds a blank symbol φ. Training considers *all* alignments of the label to the frames as
 * correct: the loss is −log of the sum over every path π of length T that collapses (merge
 * repeats, then drop blanks) to the label l,
 *
 *   p(l | x) = Σ_{π ∈ B⁻¹(l)} Π_t y_t(π_t),
 *
 * computed by the forward–backward recursion over the blank-extended label l' = φ l₁ φ l₂ … φ
 * (length 2L+1) in log space. A label is reachable from the one two places back unless it is
 * blank or a repeat, so repeated labels need a blank between them: feasible only when
 * T ≥ L + (number of adjacent repeats).
 *
 * The gradient is hand-derived from the same recursion (registered with `customVjp`), exact and
 * not differentiated through the loops: with α_t(s) the forward sum including frame t and β_t(s)
 * the backward sum excluding it,
 *
 *   ∂(−log p)/∂ log y_t(k) = −(1/p) Σ_{s : l'_s = k} α_t(s) β_t(s).
 */
import { customVjp } from '@recurrent/autograd'
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { logAddExp } from './log-space.ts'
import { type Reduction, reduce } from './reduction.ts'

export interface CtcOptions {
  /** Index of the blank φ (default 0). */
  readonly blank?: number
  /** `'mean'` (default: each loss divided by its target length, then the batch mean, as PyTorch), `'sum'`, `'none'`. */
  readonly reduction?: Reduction
  /**
   * Infeasible targets (p = 0) give loss 0 and gradient 0 (default false: loss +∞, gradient NaN
   * on that sequence's frames, as PyTorch).
   */
  readonly zeroInfinity?: boolean
}

/** Targets as a padded `[B, S]` i32 tensor or one array per sequence. */
export type CtcTargets = Tensor | readonly (readonly number[])[]

/** Lengths as an integer `[B]` tensor or numbers. */
export type Lengths = T.Lengths

/** The labels of each sequence, validated: within `[0, C)`, never the blank, lengths within range. */
export const ctcLabels = (
  op: string,
  logProbs: Tensor,
  targets: CtcTargets,
  inputLengths: Lengths,
  targetLengths: Lengths,
  blank: number,
): { labels: number[][]; inputs: number[] } => {
  if (logProbs.rank !== 3 || !T.isFloat(logProbs.dtype)) {
    throw new T.ShapeError(
      `${op}: logProbs must be a float [T,B,C] tensor, got ${logProbs.dtype} ${T.showShape(logProbs.shape)}`,
    )
  }
  const [steps, B, C] = logProbs.shape
  if (!Number.isInteger(blank) || blank < 0 || blank >= C)
    throw new T.ArgumentError(`${op}: blank ${blank} is not a class in [0, ${C})`)
  const inputs = T.readLengths(op, 'inputLengths', inputLengths, { batch: B, max: steps })
  let rows: number[][]
  if (T.isTensor(targets)) {
    if (targets.dtype !== 'i32' || targets.rank !== 2 || targets.shape[0] !== B) {
      throw new T.ShapeError(
        `${op}: targets must be an i32 [B,S] tensor with B = ${B}, got ${targets.dtype} ${T.showShape(targets.shape)}`,
      )
    }
    rows = T.toArray(targets) as number[][]
  } else {
    if (targets.length !== B)
      throw new T.ShapeError(`${op}: targets has ${targets.length} sequences, logProbs has batch ${B}`)
    rows = targets.map((r) => [...r])
  }
  const tl = T.readLengths(op, 'targetLengths', targetLengths, {
    batch: B,
    max: Math.max(0, ...rows.map((r) => r.length)),
  })
  const labels = rows.map((row, b) => {
    const L = tl[b]
    if (L > row.length)
      throw new T.ArgumentError(
        `${op}: targetLengths[${b}] = ${L} is longer than targets[${b}] (${row.length} entries)`,
      )
    const label = row.slice(0, L)
    label.forEach((c, s) => {
      if (!Number.isInteger(c) || c < 0 || c >= C)
        throw new T.ArgumentError(`${op}: targets[${b}][${s}] = ${c} is not a class in [0, ${C})`)
      if (c === blank)
        throw new T.ArgumentError(
          `${op}: targets[${b}][${s}] is the blank ${blank}; targets must not contain it`,
        )
    })
    return label
  })
  return { labels, inputs }
}

/**
 * −log p(label | frames) of one sequence and its gradient with respect to the log-probabilities
 * of its first `steps` frames (`[steps, C]`, row-major), from the forward–backward recursion.
 * An infeasible label (p = 0) gives `nll = +∞` and an all-NaN gradient: +∞ has no derivative.
 */
export const ctcForwardBackward = (
  lp: (t: number, c: number) => number,
  steps: number,
  C: number,
  label: readonly number[],
  blank: number,
  withGradient = true,
): { nll: number; grad: Float64Array } => {
  const S = 2 * label.length + 1
  const ext = Array.from({ length: S }, (_, s) => (s % 2 === 0 ? blank : label[(s - 1) / 2]))
  const grad = new Float64Array(steps * C)
  if (steps === 0) return { nll: label.length === 0 ? 0 : Infinity, grad }
  // skip[s]: l'_s may be reached from l'_{s−2} (not blank, not a repeat).
  const skip = ext.map((c, s) => s >= 2 && c !== blank && c !== ext[s - 2])
  const alpha = new Float64Array(steps * S).fill(-Infinity)
  const beta = new Float64Array(steps * S).fill(-Infinity)
  alpha[0] = lp(0, ext[0])
  if (S > 1) alpha[1] = lp(0, ext[1])
  for (let t = 1; t < steps; t++) {
    for (let s = 0; s < S; s++) {
      let a = alpha[(t - 1) * S + s]
      if (s >= 1) a = logAddExp(a, alpha[(t - 1) * S + s - 1])
      if (skip[s]) a = logAddExp(a, alpha[(t - 1) * S + s - 2])
      alpha[t * S + s] = a === -Infinity ? a : a + lp(t, ext[s])
    }
  }
  const last = (steps - 1) * S
  const logp = logAddExp(alpha[last + S - 1], S > 1 ? alpha[last + S - 2] : -Infinity)
  if (!withGradient) return { nll: -logp, grad }
  if (logp === -Infinity) return { nll: Infinity, grad: grad.fill(Number.NaN) }
  beta[last + S - 1] = 0
  if (S > 1) beta[last + S - 2] = 0
  for (let t = steps - 2; t >= 0; t--) {
    for (let s = 0; s < S; s++) {
      const next = (t + 1) * S
      let b = beta[next + s] + lp(t + 1, ext[s])
      if (s + 1 < S) b = logAddExp(b, beta[next + s + 1] + lp(t + 1, ext[s + 1]))
      if (s + 2 < S && skip[s + 2]) b = logAddExp(b, beta[next + s + 2] + lp(t + 1, ext[s + 2]))
      beta[t * S + s] = b
    }
  }
  // ∂(−log p)/∂ log y_t(k) = −exp(logΣ_{s: l'_s = k} α_t(s)β_t(s) − log p)
  const acc = new Float64Array(C)
  for (let t = 0; t < steps; t++) {
    acc.fill(-Infinity)
    for (let s = 0; s < S; s++) acc[ext[s]] = logAddExp(acc[ext[s]], alpha[t * S + s] + beta[t * S + s])
    for (let c = 0; c < C; c++) grad[t * C + c] = acc[c] === -Infinity ? 0 : -Math.exp(acc[c] - logp)
  }
  return { nll: -logp, grad }
}

/**
 * CTC loss (Lecture §5.2) with the semantics of `torch.nn.CTCLoss`: per sequence b,
 * `loss_b = −log Σ_{π ∈ B⁻¹(l_b)} Π_{t < T_b} y_t(π_t)`. `logProbs [T, B, C]` (log-softmax
 * outputs), targets padded `[B, S]` (or arrays), per-sequence input lengths T_b and target
 * lengths L_b. Returns per-sequence losses `[B]` with `'none'`, else a scalar (`'mean'`: each
 * loss over max(L_b, 1), then the batch mean).
 *
 * A sequence is infeasible when its input is shorter than its label needs, T_b < L_b + (number
 * of adjacent repeats in the label): p = 0 and its loss is +∞. As PyTorch 1.13 on the CPU, its
 * gradient is then NaN on its frames t < T_b (0 beyond) while every other sequence keeps its
 * own gradient, so a training loop's non-finite guard stops and the NaN rows name the sequence;
 * `'sum'` and `'mean'` are then +∞ too. With `zeroInfinity: true` its loss and gradient are 0.
 *
 * @example
 * // Two frames, one label "1": paths 11, φ1, 1φ all collapse to it.
 * const y = T.log(T.tensor([[[0.5, 0.5]], [[0.5, 0.5]]], { dtype: 'f64' }))
 * const loss = ctcLoss(y, [[1]], [2], [1], { reduction: 'sum' })
 * assert.ok(Math.abs(T.item(loss) + Math.log(0.75)) < 1e-12)
 * // "1 1" needs a blank between the repeats: 3 frames, so 2 are infeasible.
 * assert.strictEqual(T.item(ctcLoss(y, [[1, 1]], [2], [2], { reduction: 'sum' })), Infinity)
 * assert.strictEqual(T.item(ctcLoss(y, [[1, 1]], [2], [2], { zeroInfinity: true })), 0)
 */
export const ctcLoss = (
  logProbs: Tensor,
  targets: CtcTargets,
  inputLengths: Lengths,
  targetLengths: Lengths,
  options: CtcOptions = {},
): Tensor => {
  const { blank = 0, reduction = 'mean', zeroInfinity = false } = options
  const { labels, inputs } = ctcLabels('ctcLoss', logProbs, targets, inputLengths, targetLengths, blank)
  const losses = perSequence(logProbs, labels, inputs, blank, zeroInfinity)
  const lengths = T.tensor(
    labels.map((l) => Math.max(l.length, 1)),
    { dtype: logProbs.dtype },
  )
  return reduction === 'mean' ? T.mean(T.div(losses, lengths)) : reduce('ctcLoss', losses, reduction)
}

const forward = (
  logProbs: Tensor,
  labels: number[][],
  inputs: number[],
  blank: number,
  zeroInfinity: boolean,
  withGradient = true,
): [Tensor, Tensor] => {
  const [steps, B, C] = logProbs.shape
  const data = T.toTypedArray(logProbs)
  const nll = new Float64Array(B)
  const grad = new Float64Array(withGradient ? steps * B * C : 0)
  for (let b = 0; b < B; b++) {
    const r = ctcForwardBackward(
      (t, c) => data[(t * B + b) * C + c],
      inputs[b],
      C,
      labels[b],
      blank,
      withGradient,
    )
    const infeasible = r.nll === Infinity
    nll[b] = infeasible && zeroInfinity ? 0 : r.nll
    // An infeasible sequence's frames keep r.grad's NaN (PyTorch's behaviour), unless zeroInfinity.
    if ((infeasible && zeroInfinity) || !withGradient) continue
    for (let t = 0; t < inputs[b]; t++)
      for (let c = 0; c < C; c++) grad[(t * B + b) * C + c] = r.grad[t * C + c]
  }
  const losses = T.tensor(nll, { dtype: logProbs.dtype })
  return [losses, withGradient ? T.tensor(grad, { shape: [steps, B, C], dtype: logProbs.dtype }) : losses]
}

const perSequence = (
  logProbs: Tensor,
  labels: number[][],
  inputs: number[],
  blank: number,
  zeroInfinity: boolean,
): Tensor =>
  customVjp(
    // Outside a gradient only the forward recursion runs.
    (lp: Tensor) => forward(lp, labels, inputs, blank, zeroInfinity, false)[0],
    (lp: Tensor) => forward(lp, labels, inputs, blank, zeroInfinity),
    (grad: Tensor, ct: Tensor) => [T.mul(grad, T.reshape(ct, [1, ct.size, 1]))],
  )(logProbs)
