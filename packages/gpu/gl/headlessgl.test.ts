/**
 * The GLSL path on a real headless GL context (Mesa under Xvfb in CI): parity with the reference,
 * products that stay on the device between kernels, and release of every texture with its scope.
 */
import { fc } from '@fast-check/vitest'
import { valueAndGrad } from '@recurrent/autograd'
import * as T from '@recurrent/tensor'
import { assertClose } from '@recurrent/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import * as G from '../src/index.ts'
import { gpuLaws } from '../test/laws.ts'

const r = G.gpujs({ mode: 'headlessgl' })
if (r._tag === 'Left') throw new Error(`headlessgl must run here (build gl, run under xvfb-run): ${r.left.reason}`)
const gpu = r.right
afterAll(() => gpu.dispose())

describe('gpu.js headlessgl mode', () => {
  // Few shapes: llvmpipe compiles each one.
  gpuLaws(() => gpu, fc.constantFrom(1, 3, 5), 6)

  it('keeps products on the device: a chain of products reads back only what the CPU needs', () => {
    const a = T.uniform(T.key(1), [6, 6], -1, 1)
    const y = G.withGpu(gpu, () => {
      const before = gpu.stats().readBacks
      const z = T.matmul(T.matmul(T.matmul(a, a), a), a)
      expect(z.device).toBe('gpu.js:headlessgl')
      expect(gpu.stats().readBacks).toBe(before)
      return z
    })
    const ref = T.withBackend(T.reference, () => T.matmul(T.matmul(T.matmul(a, a), a), a))
    assertClose(y, ref, { atol: 1e-4, rtol: 1e-4 })
  })

  it('releases every texture when its scope ends, over many training steps (no leak)', () => {
    const W = T.uniform(T.key(2), [5, 5], -1, 1)
    const x = T.uniform(T.key(3), [4, 5], -1, 1)
    const loss = (w: T.Tensor) => T.sum(T.tanh(T.matmul(T.tanh(T.matmul(x, w)), w, { transposeB: true })))
    let w = W
    const kernels: number[] = []
    const live = gpu.stats().liveTextures // textures of earlier tests, made outside any scope
    for (let step = 0; step < 50; step++) {
      w = G.withGpu(gpu, () => {
        const [, g] = valueAndGrad(loss)(w)
        expect(gpu.stats().liveTextures).toBeGreaterThan(live) // the products ran on the device
        return T.sub(w, T.mul(g, 0.01))
      })
      expect(gpu.stats().liveTextures).toBe(live)
      kernels.push(gpu.stats().kernels)
    }
    expect(new Set(kernels.slice(1)).size).toBe(1) // compiled once, reused for every step
    expect(Number.isFinite(T.item(T.sum(w)))).toBe(true)
  })
})
