import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import * as T from '../src/index.ts'
import { assertClose, numRuns, TOL, tensorOf } from './kit.ts'

const runs = { numRuns: numRuns() }
const dim = fc.integer({ min: 1, max: 5 })
const ACTS = ['identity', 'tanh', 'sigmoid', 'relu'] as const
const apply = { identity: (x: T.Tensor) => x, tanh: T.tanh, sigmoid: T.sigmoid, relu: T.relu }

const fused = fc
  .tuple(
    fc.integer({ min: 0, max: 2 }),
    dim,
    dim,
    dim,
    fc.boolean(),
    fc.boolean(),
    fc.constantFrom(...ACTS),
    fc.constantFrom('none', 'bias', 'bias1', 'scalar', 'full', 'row'),
  )
  .chain(([batch, m, k, n, ta, tb, activation, kind]) => {
    const lead = batch > 0 ? [batch] : []
    const addendShape =
      kind === 'bias'
        ? [n]
        : kind === 'bias1'
          ? [1, n]
          : kind === 'scalar'
            ? []
            : kind === 'full'
              ? [...lead, m, n]
              : kind === 'row'
                ? [m, 1]
                : undefined
    return fc.tuple(
      tensorOf([...lead, ...(ta ? [k, m] : [m, k])]),
      tensorOf([...lead, ...(tb ? [n, k] : [k, n])]),
      addendShape ? tensorOf(addendShape).map((t) => t as T.Tensor | undefined) : fc.constant(undefined),
      fc.constant({ transposeA: ta, transposeB: tb, activation }),
    )
  })

describe('fusedMatmul', () => {
  test.prop([fused], runs)(
    'equals σ(matmul + addend) composed from the separate ops',
    ([a, b, addend, o]) => {
      const y = T.fusedMatmul(a, b, { ...o, addend })
      const product = T.matmul(a, b, { transposeA: o.transposeA, transposeB: o.transposeB })
      const expected = apply[o.activation](addend ? T.add(product, addend) : product)
      assertClose(y, expected, TOL.f64)
    },
  )
  it('folds [..., m, k]·[k, n] into one product and keeps the shape', () => {
    const x = T.ones([3, 2, 4])
    const W = T.ones([5, 4])
    const y = T.fusedMatmul(x, W, { transposeB: true, addend: T.ones([3, 2, 5]), activation: 'identity' })
    expect(y.shape).toEqual([3, 2, 5])
    expect(T.toArray(T.slice(y, [2, 1, 4], [1, 1, 1]))).toEqual([[[5]]])
  })
  it('names the problem on bad input', () => {
    const a = T.ones([2, 3])
    expect(() => T.fusedMatmul(a, T.ones([4, 2]))).toThrow(
      'fusedMatmul [2,3] × [4,2]: inner dimensions 3 ≠ 4',
    )
    expect(() => T.fusedMatmul(a, T.ones([3, 2]), { addend: T.ones([3]) })).toThrow(
      'does not broadcast to the product [2,2]',
    )
    expect(() => T.fusedMatmul(a, T.ones([3, 2]), { activation: 'gelu' as 'relu' })).toThrow(T.ArgumentError)
    expect(() => T.fusedMatmul(a, T.ones([3, 2]), { addend: T.ones([2], 'f64') })).toThrow(T.DTypeError)
  })
  it('runs through a provider that fuses, and through one that does not', () => {
    const seen: string[] = []
    const fusing: T.KernelProvider = {
      name: 'fusing',
      matmul: () => undefined,
      fusedMatmul: (job, _addend, activation) => {
        seen.push(activation)
        const out = new Float32Array(job.m * job.n).fill(7)
        return { device: 'cpu', read: () => out }
      },
    }
    const y = T.withBackend(fusing, () =>
      T.fusedMatmul(T.ones([1, 2]), T.ones([2, 2]), { activation: 'tanh' }),
    )
    expect(T.toArray(y)).toEqual([[7, 7]])
    expect(seen).toEqual(['tanh'])
  })
})
