/**
 * The WebAssembly SIMD kernels equal the TypeScript reference over a product of flags: shapes
 * that are not multiples of the 4×8 register tile, 1-wide edges, transposes and batches, at f32
 * tolerance; gradients computed through them match the reference's.
 */
import { availableParallelism } from 'node:os'
import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import { grad } from '../../autograd/src/index.ts'
import * as T from '../src/index.ts'
import { wasmRecurrenceRows } from '../src/wasm.ts'
import { assertClose, f32Products, f64MatmulJob, numRuns, tensorOf } from './kit.ts'

const runs = { numRuns: numRuns(80) }
/** Dims around the tile edges: 1…3, 4, 5…9, 15…17. */
const dim = fc.oneof(
  fc.integer({ min: 1, max: 9 }),
  fc.integer({ min: 15, max: 17 }),
  fc.constantFrom(1, 4, 8, 32),
)
/** f32 sums of k products of values in [−1, 1] differ by at most ~k·ε between orders. */

const job = fc
  .tuple(fc.integer({ min: 1, max: 3 }), dim, dim, dim, fc.boolean(), fc.boolean())
  .chain(([batch, m, k, n, ta, tb]) =>
    fc.tuple(
      tensorOf(batch > 1 ? [batch, ...(ta ? [k, m] : [m, k])] : ta ? [k, m] : [m, k], {
        dtype: 'f32',
        min: -1,
        max: 1,
      }),
      tensorOf(batch > 1 ? [batch, ...(tb ? [n, k] : [k, n])] : tb ? [n, k] : [k, n], {
        dtype: 'f32',
        min: -1,
        max: 1,
      }),
      fc.constant({ transposeA: ta, transposeB: tb, k }),
    ),
  )

describe('wasm matmul kernel', () => {
  it('is built and available here', () => {
    const info = T.backends().find((b) => b.name === 'wasm')
    expect(info).toMatchObject({ available: true })
  })
  test.prop([job], runs)(
    'equals the reference kernel (tile edges, transposes, batches)',
    ([a, b, { k, ...flags }]) => {
      const fast = T.withBackend(T.wasm, () => T.matmul(a, b, flags))
      const slow = T.withBackend(T.reference, () => T.matmul(a, b, flags))
      expect(fast.shape).toEqual(slow.shape)
      assertClose(fast, slow, f32Products(k))
    },
  )
  test.prop([job], runs)('gradients through it match the reference provider', ([a, b, { k, ...flags }]) => {
    const loss = (p: T.Tensor[]) => T.sum(T.tanh(T.matmul(p[0], p[1], flags)))
    const [ga, gb] = T.withBackend(T.wasm, () => grad(loss)([a, b]))
    const [ra, rb] = T.withBackend(T.reference, () => grad(loss)([a, b]))
    assertClose(ga, ra, f32Products(Math.max(k, a.shape[a.rank - 1], b.shape[b.rank - 1]) * 4))
    assertClose(gb, rb, f32Products(Math.max(k, a.shape[a.rank - 1], b.shape[b.rank - 1]) * 4))
  })
  test.prop(
    [
      fc
        .tuple(
          fc.integer({ min: 162, max: 181 }),
          fc.integer({ min: 162, max: 170 }),
          fc.integer({ min: 162, max: 170 }),
          fc.boolean(),
          fc.boolean(),
        )
        .chain(([m, k, n, ta, tb]) =>
          fc.tuple(
            fc.nat({ max: 2 ** 30 }).map((s) => T.uniform(T.key(s), ta ? [k, m] : [m, k], -1, 1)),
            fc.nat({ max: 2 ** 30 }).map((s) => T.uniform(T.key(s), tb ? [n, k] : [k, n], -1, 1)),
            fc.constant({ transposeA: ta, transposeB: tb, k }),
          ),
        ),
    ],
    { numRuns: numRuns(10) },
  )('large products split across two threads equal the reference', ([a, b, { k, ...flags }]) => {
    const fast = T.withBackend(T.wasm, () => T.matmul(a, b, flags))
    assertClose(
      fast,
      T.withBackend(T.reference, () => T.matmul(a, b, flags)),
      f32Products(k),
    )
  })
  it('uses a second thread where the machine has a second core', () => {
    expect(T.wasmThreads()).toBe(availableParallelism() >= 2 ? 2 : 1)
  })
  it('leaves f64 to the reference kernels', () => {
    const job = f64MatmulJob()
    expect(T.wasm.matmul(job)).toBeUndefined()
  })
  it('auto dispatch sends each shape class by the fixed rule and records it', () => {
    const a = T.uniform(T.key(1), [20, 30], -1, 1)
    const b = T.uniform(T.key(2), [30, 10], -1, 1)
    const y = T.withBackend(T.auto, () => T.matmul(a, b))
    expect(T.dispatchTable()['5x5x4NN']).toBe('wasm')
    expect(T.toTypedArray(y)).toEqual(T.toTypedArray(T.withBackend(T.wasm, () => T.matmul(a, b))))
    const s = T.uniform(T.key(3), [2, 2], -1, 1)
    const z = T.withBackend(T.auto, () => T.matmul(s, s))
    expect(T.dispatchTable()['1x1x1NN']).toBe('reference')
    expect(T.toTypedArray(z)).toEqual(T.toTypedArray(T.withBackend(T.reference, () => T.matmul(s, s))))
    T.seedDispatch({ '5x5x4NN': 'reference' })
    expect(T.dispatchTable()['5x5x4NN']).toBe('reference')
    const seeded = T.withBackend(T.auto, () => T.matmul(a, b))
    expect(T.toTypedArray(seeded)).toEqual(T.toTypedArray(T.withBackend(T.reference, () => T.matmul(a, b))))
    T.seedDispatch({ '5x5x4NN': 'wasm' })
  })
})

describe('the second thread', () => {
  it('a kernel that traps there is an error here, not a hang, and the thread keeps working', () => {
    // gruForward over rows [0, 8) with no steps here, and over rows [8, 16) with its state pointer
    // past the end of linear memory there.
    const end = 2 ** 31 - 64
    const args = (b0: number, b1: number) =>
      b0 === 0
        ? [0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 4, 4, b0, b1]
        : [0, 0, 0, end, 0, 0, 0, 0, 1, 16, 4, 4, b0, b1]
    const call = () => wasmRecurrenceRows('gruForward', 16, 2 ** 30, args)
    if (T.wasmThreads() === 2) expect(call).toThrow('wasm gruForward: the kernel failed on the second thread')
    else expect(call).toThrow()
    const a = T.uniform(T.key(1), [256, 256], -1, 1)
    const product = T.withBackend(T.wasm, () => T.matmul(a, a))
    assertClose(
      product,
      T.withBackend(T.reference, () => T.matmul(a, a)),
      f32Products(256),
    )
  })
})
