/**
 * f32 matmul GFLOP/s at 64…1024 for the kernel providers, against a naive i-j-k triple loop
 * over the same Float32Arrays measured in the same run.
 */
import { gpujs, gpuModes } from '@recurrent/gpu'
import * as T from '@recurrent/tensor'
import { table, timePerCall } from './measure.ts'

/** The textbook triple loop: C[i][j] = Σ_k A[i][k]·B[k][j], innermost loop strided over B. */
const naiveIjk = (a: Float32Array, b: Float32Array, c: Float32Array, n: number): void => {
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0
      for (let k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j]
      c[i * n + j] = s
    }
  }
}

/** gpu.js providers for every mode that runs here (headlessgl only with a GL context). */
const gpuProviders = (): T.KernelProvider[] =>
  gpuModes()
    .filter((m) => m.available && m.mode !== 'cpu')
    .flatMap((m) => {
      const r = gpujs({ mode: m.mode })
      return r._tag === 'Right' ? [r.right] : []
    })

export const benchMatmul = (sizes: readonly number[]): void => {
  console.log('\nmatmul f32, n×n · n×n (GFLOP/s; ratio = provider / naive i-j-k loop, same run)')
  const rows: (string | number)[][] = []
  const gpus = gpuProviders()
  for (const n of sizes) {
    const a = T.uniform(T.key(1), [n, n], -1, 1)
    const b = T.uniform(T.key(2), [n, n], -1, 1)
    const flops = 2 * n ** 3
    const ad = Float32Array.from(T.toTypedArray(a))
    const bd = Float32Array.from(T.toTypedArray(b))
    const cd = new Float32Array(n * n)
    const opts = { samples: n >= 512 ? 3 : 5, minSeconds: n >= 512 ? 0.01 : 0.05 }
    const naive = timePerCall(() => naiveIjk(ad, bd, cd, n), opts)
    for (const info of T.backends()) {
      if (!info.available) {
        rows.push([n, info.name, 'unavailable', info.reason])
        continue
      }
      const t = timePerCall(() => void T.withBackend(info.provider, () => T.matmul(a, b)).data, opts)
      rows.push([n, info.name, (flops / t / 1e9).toFixed(2), `${(naive / t).toFixed(2)}×`])
    }
    for (const provider of gpus) {
      const t = timePerCall(() => void T.withBackend(provider, () => T.matmul(a, b)).data, opts)
      rows.push([n, provider.name, (flops / t / 1e9).toFixed(2), `${(naive / t).toFixed(2)}×`])
    }
    rows.push([n, 'naive i-j-k', (flops / naive / 1e9).toFixed(2), '1.00×'])
  }
  table(['n', 'kernel', 'GFLOP/s', 'vs naive'], rows)
}
