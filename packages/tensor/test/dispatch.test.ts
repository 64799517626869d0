/**
 * Dispatch is a fixed rule per shape class, so runs are reproducible: the choice follows the
 * class's size and the list's order, never a timing; and two fresh processes running the same
 * seeded training steps compute the same bits.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import * as T from '../src/index.ts'
import { numRuns, tensorOf } from './kit.ts'

const runs = { numRuns: numRuns(40) }

/** A provider that records the products it runs and computes them as the reference does. */
const recorder = (name: string, takes: (job: T.MatmulJob) => boolean = () => true) => {
  const seen: string[] = []
  const provider: T.KernelProvider = {
    name,
    matmul: (job) => {
      if (!takes(job)) return undefined
      seen.push(`${job.m}x${job.k}x${job.n}`)
      return T.reference.matmul(job)
    },
  }
  return { provider, seen }
}

const dims = fc.tuple(
  fc.integer({ min: 1, max: 9 }),
  fc.integer({ min: 1, max: 9 }),
  fc.integer({ min: 1, max: 9 }),
  fc.integer({ min: 1, max: 2000 }),
)
const pow2 = (d: number) => 2 ** Math.ceil(Math.log2(d))

describe('dispatch by a fixed rule', () => {
  test.prop([dims], runs)(
    'a product goes to the first entry whose minimum its shape class reaches, every time',
    ([m, k, n, minimum]) => {
      const big = recorder('big')
      const small = recorder('small')
      const d = T.dispatch([{ provider: big.provider, minMulAdds: minimum }, small.provider])
      const a = T.ones([m, k])
      const b = T.ones([k, n])
      for (let i = 0; i < 3; i++) T.withBackend(d, () => T.matmul(a, b))
      const toBig = pow2(m) * pow2(k) * pow2(n) >= minimum
      expect(big.seen.length).toBe(toBig ? 3 : 0)
      expect(small.seen.length).toBe(toBig ? 0 : 3)
    },
  )
  it('what a provider declines goes to the next entries, then to the reference', () => {
    const picky = recorder('picky', (job) => job.m > 1)
    const next = recorder('next')
    const d = T.dispatch([picky.provider, next.provider])
    const y = T.withBackend(d, () => T.matmul(T.ones([1, 3]), T.ones([3, 2])))
    T.withBackend(d, () => T.matmul(T.ones([2, 3]), T.ones([3, 2])))
    expect(T.toArray(y)).toEqual([[3, 3]])
    expect(picky.seen).toEqual(['2x3x2'])
    expect(next.seen).toEqual(['1x3x2'])
    const none = T.dispatch([recorder('never', () => false).provider])
    expect(T.toArray(T.withBackend(none, () => T.matmul(T.ones([1, 2]), T.ones([2, 1]))))).toEqual([[2]])
  })
  test.prop(
    [
      fc
        .tuple(
          fc.integer({ min: 1, max: 12 }),
          fc.integer({ min: 1, max: 12 }),
          fc.integer({ min: 1, max: 12 }),
        )
        .chain(([m, k, n]) =>
          fc.tuple(
            tensorOf([m, k], { dtype: 'f32', min: -1, max: 1 }),
            tensorOf([k, n], { dtype: 'f32', min: -1, max: 1 }),
          ),
        ),
    ],
    runs,
  )('auto computes each f32 product bit for bit as the provider its class names', ([a, b]) => {
    const y = T.toTypedArray(T.withBackend(T.auto, () => T.matmul(a, b)))
    const big = pow2(a.shape[0]) * pow2(a.shape[1]) * pow2(b.shape[1]) >= T.WASM_MIN_MULADDS
    const wasmHere = T.backends().some((i) => i.name === 'wasm' && i.available)
    const oracle = big && wasmHere ? T.wasm : T.reference
    expect(y).toEqual(T.toTypedArray(T.withBackend(oracle, () => T.matmul(a, b))))
  })
})

describe('reproducible runs', () => {
  const cwd = fileURLToPath(new URL('..', import.meta.url))
  const script = fileURLToPath(new URL('fixtures/seeded-training.ts', import.meta.url))
  const run = (): { digest: string; table: Record<string, string> } =>
    JSON.parse(
      execFileSync(process.execPath, ['--import', 'tsx', script], { cwd, encoding: 'utf8' })
        .trim()
        .split('\n')
        .pop() ?? '',
    )
  it('two fresh processes running the same seeded training steps print the same bytes', () => {
    const first = run()
    const second = run()
    expect(first.digest).toMatch(/^[0-9a-f]{64}$/)
    expect(second).toEqual(first)
    // Shapes on both sides of the wasm threshold were exercised.
    expect(new Set(Object.values(first.table)).size).toBe(
      T.backends().some((i) => i.name === 'wasm' && i.available) ? 2 : 1,
    )
  }, 120_000)
})
