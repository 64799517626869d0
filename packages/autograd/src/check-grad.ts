/**
 * Numerical gradient checking: analytic derivatives from `vjp` against central differences in
 * f64, with PyTorch gradcheck's defaults and pass rule `|a − n| ≤ atol + rtol·|n|`.
 */

import type { Key, Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import * as I from '@recurrent/tensor/internal'
import { vjp } from './grad.ts'

/** Step, tolerances and mode of a gradient check (PyTorch gradcheck's defaults). */
export interface CheckGradOptions {
  /** Finite-difference step (default 1e-6). */
  readonly eps?: number
  /** Absolute tolerance (default 1e-5). */
  readonly atol?: number
  /** Relative tolerance (default 1e-3). */
  readonly rtol?: number
  /** `jacobian` compares every entry; `directional` compares ⟨Jᵀc, t⟩ with ⟨c, J t⟩ for random c, t. */
  readonly mode?: 'auto' | 'jacobian' | 'directional'
  /** In `auto` mode, the largest `inputs × outputs` checked entry by entry (default 4096). */
  readonly maxJacobianEntries?: number
  /** Random directions in `directional` mode (default 4). */
  readonly directions?: number
  /** Key for the random directions (default `T.key(0)`). */
  readonly key?: Key
}

/** The worst disagreement found: where (leaf path, flat index, output index), and by how much. */
export interface GradMismatch {
  readonly path: string
  readonly index: number
  readonly outputIndex: number
  readonly analytic: number
  readonly numeric: number
  readonly absError: number
  readonly relError: number
}

/** What `checkGrad` found: pass or fail, how many pairs it compared, and the worst one. */
export interface CheckGradReport {
  readonly ok: boolean
  readonly mode: 'jacobian' | 'directional'
  /** Number of (analytic, numeric) pairs compared. */
  readonly checked: number
  readonly worst: GradMismatch | undefined
  /** Set when `f` itself threw: the report is then not ok. */
  readonly error?: string
}

const toF64 = <A extends Tree>(tree: A): A =>
  T.treeMap(tree, (t) => (t.dtype === 'f32' ? T.cast(t, 'f64') : t))

/** `params + delta · direction` for one flattened leaf entry, or along a whole direction tree. */
const perturb = (leaves: readonly Tensor[], direction: readonly Float64Array[], delta: number): Tensor[] =>
  leaves.map((t, i) => {
    if (!T.isFloat(t.dtype)) return t
    const d = Float64Array.from(T.toTypedArray(t))
    for (let j = 0; j < d.length; j++) d[j] += delta * direction[i][j]
    return I.fromData(d, t.shape, 'f64')
  })

const flatOut = (y: Tensor): Float64Array => Float64Array.from(T.toTypedArray(y))

/**
 * Checks `f`'s reverse-mode derivative against central differences at `params` (any pytree,
 * f32 leaves are promoted to f64). `f` may return any float tensor. Never throws: a failure, and
 * an exception inside `f`, are reported in the result.
 *
 * @example
 * const report = AD.checkGrad((p) => T.sum(T.tanh(T.matmul(p.W, p.x))), {
 *   W: T.tensor([[0.1, -0.2], [0.3, 0.4]], { dtype: 'f64' }),
 *   x: T.tensor([[1], [2]], { dtype: 'f64' }),
 * })
 * assert.ok(report.ok)
 */
export const checkGrad = <A extends Tree>(
  f: (params: A) => Tensor,
  params: A,
  options: CheckGradOptions = {},
): CheckGradReport => {
  const { eps = 1e-6, atol = 1e-5, rtol = 1e-3, maxJacobianEntries = 4096, directions = 4 } = options
  const p = toF64(params)
  const flat = T.treeFlatten(p)
  const inputSize = flat.leaves.reduce((s, t) => s + (T.isFloat(t.dtype) ? t.size : 0), 0)
  let mode: 'jacobian' | 'directional' = options.mode === 'directional' ? 'directional' : 'jacobian'
  try {
    const [y, pullback] = vjp((q: A) => f(q), p)
    if (!T.isTensor(y) || !T.isFloat(y.dtype))
      throw new T.ArgumentError('checkGrad: f must return a float tensor')
    if (options.mode === undefined || options.mode === 'auto')
      mode = inputSize * y.size <= maxJacobianEntries ? 'jacobian' : 'directional'
    const evalAt = (leaves: Tensor[]) => flatOut(f(flat.unflatten(leaves)))
    let worst: GradMismatch | undefined
    let worstExcess = -Infinity
    let checked = 0
    let ok = true
    const compare = (path: string, index: number, outputIndex: number, analytic: number, numeric: number) => {
      checked++
      const absError = Math.abs(analytic - numeric)
      const bound = atol + rtol * Math.abs(numeric)
      const pass = absError <= bound
      if (!pass) ok = false
      const excess = Number.isNaN(absError) ? Infinity : absError - bound
      if (excess > worstExcess || worst === undefined) {
        worstExcess = excess
        worst = {
          path,
          index,
          outputIndex,
          analytic,
          numeric,
          absError,
          relError: absError / Math.max(Math.abs(numeric), Number.MIN_VALUE),
        }
      }
    }
    const zeroDirs = flat.leaves.map((t) => new Float64Array(t.size))
    if (mode === 'jacobian') {
      // Row i of J from one pullback of the i-th basis cotangent.
      const rows: Float64Array[][] = []
      for (let i = 0; i < y.size; i++) {
        const e = new Float64Array(y.size)
        e[i] = 1
        const g = pullback(I.fromData(e, y.shape, 'f64') as never)[0]
        rows.push(T.treeFlatten(g as Tree).leaves.map((t) => Float64Array.from(T.toTypedArray(t))))
      }
      flat.leaves.forEach((leaf, li) => {
        if (!T.isFloat(leaf.dtype)) return
        for (let j = 0; j < leaf.size; j++) {
          const dir = zeroDirs.map((z, k) =>
            k === li ? Object.assign(new Float64Array(z.length), { [j]: 1 }) : z,
          )
          const plus = evalAt(perturb(flat.leaves, dir, eps))
          const minus = evalAt(perturb(flat.leaves, dir, -eps))
          for (let i = 0; i < y.size; i++)
            compare(flat.paths[li], j, i, rows[i][li][j], (plus[i] - minus[i]) / (2 * eps))
        }
      })
    } else {
      const keys = T.split(options.key ?? T.key(0), directions)
      keys.forEach((k, d) => {
        const [kc, ...kt] = T.split(k, flat.leaves.length + 1)
        const c = T.randn(kc, y.shape, 'f64')
        const t = flat.leaves.map((leaf, i) =>
          T.isFloat(leaf.dtype)
            ? Float64Array.from(T.toTypedArray(T.randn(kt[i], leaf.shape, 'f64')))
            : zeroDirs[i],
        )
        const g = T.treeFlatten(pullback(c as never)[0] as Tree).leaves
        let analytic = 0
        g.forEach((gi, i) => {
          const gd = T.toTypedArray(gi)
          for (let j = 0; j < gd.length; j++) analytic += gd[j] * t[i][j]
        })
        const plus = evalAt(perturb(flat.leaves, t, eps))
        const minus = evalAt(perturb(flat.leaves, t, -eps))
        const cd = T.toTypedArray(c)
        let numeric = 0
        for (let i = 0; i < cd.length; i++) numeric += (cd[i] * (plus[i] - minus[i])) / (2 * eps)
        compare(`(direction ${d})`, -1, -1, analytic, numeric)
      })
    }
    return { ok, mode, checked, worst }
  } catch (e) {
    return {
      ok: false,
      mode,
      checked: 0,
      worst: undefined,
      error: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
    }
  }
}

/** A one-line rendering of a report, for test failure messages. */
export const formatReport = (r: CheckGradReport): string => {
  if (r.error) return `checkGrad (${r.mode}) failed: f threw ${r.error}`
  const w = r.worst
  const where = w ? `${w.path || '(root)'}[${w.index}] (output ${w.outputIndex})` : '-'
  return `checkGrad ${r.ok ? 'passed' : 'FAILED'} (${r.mode}, ${r.checked} compared); worst at ${where}: analytic ${w?.analytic}, numeric ${w?.numeric}, |Δ| ${w?.absError}`
}
