/**
 * The Backend seam (docs/design.md#backend-seam). Heavy kernels — matmul first — go through a
 * kernel provider. The TypeScript reference provider runs everywhere and is the oracle every
 * other provider is tested against; others (WebAssembly SIMD, gpu.js) plug in with `withBackend`.
 */
import type { Activation } from './activations.ts'
import { allocate, type DType, type TypedArray } from './dtype.ts'
import type { Storage, Tensor } from './tensor.ts'

/** One (batched) product `C[p] = op(A[p]) · op(B[p])` with `op(A)` of shape `[m, k]`, `op(B)` `[k, n]`. */
export interface MatmulJob {
  readonly a: Tensor
  readonly b: Tensor
  readonly batch: number
  readonly m: number
  readonly k: number
  readonly n: number
  readonly transposeA: boolean
  readonly transposeB: boolean
  readonly dtype: DType
}

/** The activations a fused product can end with: every one of `ACTIVATIONS`. */
export type FusedActivation = Activation

/** A kernel provider. A method returns `undefined` where it does not handle a job (dtype, size). */
export interface KernelProvider {
  readonly name: string
  matmul(job: MatmulJob): Storage | undefined
  /** Optional: `σ(op(A)·op(B) + addend)` in one kernel (the addend broadcasts to the output). */
  fusedMatmul?(job: MatmulJob, addend: Tensor | undefined, activation: FusedActivation): Storage | undefined
}

/** One entry of `backends()`: a provider that can run here, or the reason it cannot. */
export type BackendInfo =
  | { readonly name: string; readonly available: true; readonly provider: KernelProvider }
  | { readonly name: string; readonly available: false; readonly reason: string }

/**
 * The reference matmul. Loop order i-k-j, so the innermost loop runs along contiguous rows of B
 * and C; four rows of C are computed together (each element of B loaded once feeds four
 * multiply-adds), accumulating in double precision for every dtype.
 */
export const referenceMatmul = (
  a: TypedArray,
  b: TypedArray,
  out: TypedArray,
  job: Omit<MatmulJob, 'a' | 'b' | 'dtype'>,
): void => {
  const { batch, m, k, n, transposeA, transposeB } = job
  const acc = new Float64Array(4 * n)
  const bT = transposeB ? new Float64Array(k * n) : undefined
  // A(i, q) for row-major A [m, k], or for Aᵀ stored [k, m].
  const [rowStride, colStride] = transposeA ? [1, m] : [k, 1]
  for (let p = 0; p < batch; p++) {
    const ao = p * m * k
    let B: TypedArray = b
    let bo = p * k * n
    if (bT) {
      // Bᵀ is stored [n, k]; lay it out as [k, n] once per batch so the inner loop is contiguous.
      for (let j = 0; j < n; j++) for (let q = 0; q < k; q++) bT[q * n + j] = b[bo + j * k + q]
      B = bT
      bo = 0
    }
    for (let i0 = 0; i0 < m; i0 += 4) {
      const rows = Math.min(4, m - i0)
      acc.fill(0)
      for (let q = 0; q < k; q++) {
        const base = ao + i0 * rowStride + q * colStride
        const a0 = a[base]
        const a1 = rows > 1 ? a[base + rowStride] : 0
        const a2 = rows > 2 ? a[base + 2 * rowStride] : 0
        const a3 = rows > 3 ? a[base + 3 * rowStride] : 0
        const row = bo + q * n
        for (let j = 0; j < n; j++) {
          const bj = B[row + j]
          acc[j] += a0 * bj
          acc[n + j] += a1 * bj
          acc[2 * n + j] += a2 * bj
          acc[3 * n + j] += a3 * bj
        }
      }
      const co = p * m * n + i0 * n
      for (let r = 0; r < rows; r++) for (let j = 0; j < n; j++) out[co + r * n + j] = acc[r * n + j]
    }
  }
}

/** The TypeScript reference kernel provider: f64, f32 and i32, every shape. */
export const reference: KernelProvider = {
  name: 'reference',
  matmul: (job) => {
    const out = allocate(job.dtype, job.batch * job.m * job.n)
    referenceMatmul(job.a.data, job.b.data, out, job)
    return { device: 'cpu', read: () => out }
  },
}

const stack: KernelProvider[] = []
const registry = new Map<string, () => BackendInfo>([
  ['reference', () => ({ name: 'reference', available: true, provider: reference })],
])

let fallback: KernelProvider = reference

/** The provider that runs kernels now: the innermost `withBackend`, else the default (`auto`). */
export const currentBackend = (): KernelProvider => stack[stack.length - 1] ?? fallback

/** Sets the provider used outside any `withBackend` (the package installs its dispatcher). */
export const setDefaultBackend = (provider: KernelProvider): void => {
  fallback = provider
}

/**
 * Runs `f` with `provider` running the heavy kernels; the previous provider is restored after,
 * even on a throw, so it composes with `grad` (the backward pass of `f` uses it too if it runs inside).
 *
 * @example
 * const y = T.withBackend(T.reference, () => T.matmul(T.eye(2), T.ones([2, 2])))
 * assert.deepStrictEqual(T.toArray(y), [[1, 1], [1, 1]])
 */
export const withBackend = <A>(provider: KernelProvider, f: () => A): A => {
  stack.push(provider)
  try {
    return f()
  } finally {
    stack.pop()
  }
}

/** Adds a provider to `backends()`: a thunk that says whether it can run here, and if not, why. */
export const registerBackend = (name: string, probe: () => BackendInfo): void => {
  registry.set(name, probe)
}

/**
 * The kernel providers known here: each one available, or the reason it is not.
 *
 * @example
 * assert.ok(T.backends().some((b) => b.name === 'reference' && b.available))
 */
export const backends = (): BackendInfo[] => [...registry.values()].map((probe) => probe())
