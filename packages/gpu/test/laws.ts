/**
 * The parity laws every gpu.js mode must satisfy, shared by the Node-only suite (cpu, webasm)
 * and the headless-GL suite: products equal the TypeScript reference over shapes that are not
 * multiples of 4, 1-wide edges, transposes and batches (f32 tolerance); gradients computed with
 * the provider equal the reference's; kernels are compiled once per shape.
 */
import { fc, test } from '@fast-check/vitest'
import { grad } from '@recurrent/autograd'
import * as T from '@recurrent/tensor'
import { assertClose, f32Products, f64MatmulJob, numRuns } from '@recurrent/testkit'
import { expect, it } from 'vitest'
import type { GpuProvider } from '../src/index.ts'

export const products = (dims: fc.Arbitrary<number>) =>
  fc
    .tuple(
      fc.integer({ min: 1, max: 2 }),
      dims,
      dims,
      dims,
      fc.boolean(),
      fc.boolean(),
      fc.nat({ max: 2 ** 30 }),
    )
    .map(([batch, m, k, n, transposeA, transposeB, seed]) => {
      const lead = batch > 1 ? [batch] : []
      const a = T.uniform(T.key(seed), [...lead, ...(transposeA ? [k, m] : [m, k])], -1, 1)
      const b = T.uniform(T.key(seed + 1), [...lead, ...(transposeB ? [n, k] : [k, n])], -1, 1)
      return { a, b, k, flags: { transposeA, transposeB } }
    })

export const gpuLaws = (provider: () => GpuProvider, dims: fc.Arbitrary<number>, runs: number): void => {
  test.prop([products(dims)], { numRuns: numRuns(runs) })(
    'products equal the reference kernel',
    ({ a, b, k, flags }) => {
      const y = T.withBackend(provider(), () => T.matmul(a, b, flags))
      assertClose(
        y,
        T.withBackend(T.reference, () => T.matmul(a, b, flags)),
        f32Products(k),
      )
    },
  )
  test.prop([products(dims)], { numRuns: numRuns(Math.ceil(runs / 2)) })(
    'gradients through it equal the reference provider',
    ({ a, b, k, flags }) => {
      const loss = (p: T.Tensor[]) => T.sum(T.tanh(T.matmul(p[0], p[1], flags)))
      const [ga, gb] = T.withBackend(provider(), () => grad(loss)([a, b]))
      const [ra, rb] = T.withBackend(T.reference, () => grad(loss)([a, b]))
      const tol = f32Products(4 * Math.max(k, ...a.shape, ...b.shape))
      assertClose(ga, ra, tol)
      assertClose(gb, rb, tol)
    },
  )
  test.prop(
    [
      products(dims),
      fc.constantFrom('identity', 'tanh', 'sigmoid', 'relu' as const),
      fc.constantFrom('none', 'bias', 'full'),
    ],
    { numRuns: numRuns(runs) },
  )(
    'fused products σ(A·B + c) equal the composition on the reference',
    ({ a, b, k, flags }, activation, kind) => {
      const shape = T.withBackend(T.reference, () => T.matmul(a, b, flags)).shape
      const addend =
        kind === 'none'
          ? undefined
          : T.uniform(T.key(9), kind === 'bias' ? [shape[shape.length - 1]] : shape, -1, 1)
      const y = T.withBackend(provider(), () =>
        T.fusedMatmul(a, b, { ...flags, addend, activation: activation as 'tanh' }),
      )
      const ref = T.withBackend(T.reference, () =>
        T.fusedMatmul(a, b, { ...flags, addend, activation: activation as 'tanh' }),
      )
      assertClose(y, ref, f32Products(k + 4))
    },
  )
  it('compiles a kernel once per shape and reuses it', () => {
    const p = provider()
    const a = T.uniform(T.key(5), [3, 5], -1, 1)
    T.withBackend(p, () => T.matmul(a, a, { transposeB: true })).data
    const before = p.stats().kernels
    for (let i = 0; i < 5; i++) T.withBackend(p, () => T.matmul(a, a, { transposeB: true })).data
    expect(p.stats().kernels).toBe(before)
  })
  it('leaves f64 to the reference kernels', () => {
    const job = f64MatmulJob()
    expect(provider().matmul(job)).toBeUndefined()
  })
}
