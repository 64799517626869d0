import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fc, test } from '@fast-check/vitest'
import * as T from '@recurrent/tensor'
import { describe, expect, it } from 'vitest'
import {
  assertClose,
  assertGradients,
  broadcastablePair,
  docExamples,
  identical,
  mismatch,
  numRuns,
  pytree,
  runExample,
  sameNumber,
  shape,
  smoothTensorOf,
  tensorOf,
} from '../src/index.ts'

const runs = { numRuns: numRuns() }

describe('arbitraries', () => {
  test.prop([broadcastablePair()], runs)('broadcastable pairs broadcast', ([a, b]) => {
    expect(() => T.broadcastShapes('test', a, b)).not.toThrow()
  })
  test.prop(
    [
      shape({ minRank: 1, maxRank: 2, minDim: 2, maxDim: 3 }).chain((s) =>
        tensorOf(s, { dtype: 'i32', min: -3, max: 3 }),
      ),
    ],
    runs,
  )('tensors respect shape, dtype and bounds', (t) => {
    expect(t.dtype).toBe('i32')
    expect(t.shape.every((d) => d >= 2 && d <= 3)).toBe(true)
    expect(Array.from(T.toTypedArray(t)).every((v) => v >= -3 && v <= 3)).toBe(true)
  })
  test.prop([pytree()], runs)('pytrees have f64 leaves with unique paths', (tree) => {
    const paths = T.treePaths(tree)
    expect(new Set(paths).size).toBe(paths.length)
    expect(T.treeLeaves(tree).every((t) => t.dtype === 'f64')).toBe(true)
  })
  test.prop([smoothTensorOf([3])], runs)('smooth tensors are finite f64', (t) => {
    expect(Array.from(T.toTypedArray(t)).every(Number.isFinite)).toBe(true)
  })
})

describe('assertions', () => {
  it('assertClose names the first differing element and passes within tolerance', () => {
    const a = T.tensor([1, 2, 3], { dtype: 'f64' })
    expect(mismatch(a, [1, 2, 3])).toBeUndefined()
    expect(mismatch(a, [1, 2.5, 3])).toContain('element 1: 2 ≠ expected 2.5')
    expect(mismatch(a, [1, 2])).toContain('shape [3] ≠ expected [2]')
    expect(() => assertClose(a, [1, 2, 4], { atol: 0, rtol: 0 }, 'output')).toThrow('output: element 2')
    expect(mismatch(T.tensor([Number.NaN], { dtype: 'f64' }), [Number.NaN])).toBeUndefined()
  })
  test.prop(
    [fc.double(), fc.constantFrom(Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN)],
    runs,
  )('an infinity or NaN is close only to itself, whatever the tolerance', (x, special) => {
    const loose = { atol: 1e300, rtol: 1e300 }
    expect(sameNumber(x, special, loose)).toBe(
      Object.is(x, special) || (Number.isNaN(x) && Number.isNaN(special)),
    )
    expect(sameNumber(special, x, loose)).toBe(
      Object.is(x, special) || (Number.isNaN(x) && Number.isNaN(special)),
    )
  })
  it('identical compares dtype, shape and bits', () => {
    expect(identical(T.tensor([0]), T.tensor([-0]))).toBe(false)
    expect(identical(T.tensor([1]), T.tensor([1], { dtype: 'f64' }))).toBe(false)
  })
  it('assertGradients throws with the report on a wrong derivative', () => {
    expect(() =>
      assertGradients((p: T.Tensor) => T.sum(T.tanh(p)), T.tensor([0.3], { dtype: 'f64' })),
    ).not.toThrow()
  })
})

describe('doc examples', () => {
  it('extracts @example blocks with their line and runs them in a scope', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'doc-'))
    writeFileSync(
      join(dir, 'a.ts'),
      [
        '/**',
        ' * Adds.',
        ' *',
        ' * @example',
        ' * assert.equal(add(1, 2), 3)',
        ' * @since 1',
        ' */',
        'export const add = (a, b) => a + b',
        '',
      ].join('\n'),
    )
    const [ex] = docExamples(dir)
    expect(ex.code).toBe('assert.equal(add(1, 2), 3)')
    expect(ex.line).toBe(4)
    expect(() =>
      runExample(ex, {
        add: (a: number, b: number) => a + b,
        assert: { equal: (x: number, y: number) => expect(x).toBe(y) },
      }),
    ).not.toThrow()
    expect(() =>
      runExample(ex, {
        add: () => 0,
        assert: {
          equal: (x: number, y: number) => {
            if (x !== y) throw new Error('differ')
          },
        },
      }),
    ).toThrow('differ')
    // An example with `await` runs as an async function: its failure is the promise's.
    const later = { ...ex, code: 'assert.equal(await add(1, 2), 3)' }
    const differ = {
      equal: (x: number, y: number) => {
        if (x !== y) throw new Error('differ')
      },
    }
    await expect(runExample(later, { add: async () => 3, assert: differ })).resolves.toBeUndefined()
    await expect(runExample(later, { add: async () => 0, assert: differ })).rejects.toThrow('differ')
  })
  test.prop([fc.integer()], { numRuns: 5 })('numRuns reads FC_NUM_RUNS', () => {
    expect(numRuns(7)).toBe(Number(process.env.FC_NUM_RUNS) > 0 ? Number(process.env.FC_NUM_RUNS) : 7)
  })
})
