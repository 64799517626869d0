import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import * as T from '@recurrent/tensor'
import { assertClose, docExamples, runExample } from '@recurrent/testkit'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import * as G from '../src/index.ts'
import { gpuLaws } from './laws.ts'

/** Shapes around the edges: 1-wide, not multiples of 4. */
const dims = fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 5, max: 7 }), fc.constant(4))

for (const mode of ['cpu', 'webasm'] as const) {
  describe(`gpu.js ${mode} mode`, () => {
    const r = G.gpujs({ mode })
    if (r._tag === 'Left') throw new Error(`${mode} must be available in Node: ${r.left.reason}`)
    afterAll(() => r.right.dispose())
    gpuLaws(() => r.right, dims, 12)
    it('names the provider after its mode', () => expect(r.right.name).toBe(`gpu.js:${mode}`))
  })
}

describe('modes', () => {
  it('says which modes run here and why the others do not', () => {
    const modes = G.gpuModes()
    expect(modes.map((m) => m.mode)).toEqual([...G.MODES])
    expect(modes.filter((m) => m.available).map((m) => m.mode)).toEqual(
      expect.arrayContaining(['cpu', 'webasm']),
    )
    for (const m of modes) if (!m.available) expect(m.reason.length).toBeGreaterThan(20)
    expect(modes.find((m) => m.mode === 'webgpu')).toMatchObject({
      available: false,
      reason: expect.stringContaining('glibc'),
    })
  })
  it('returns Left with the reason for a mode that cannot run, and for an unknown one', () => {
    expect(G.gpujs({ mode: 'webgl2' })).toEqual({
      _tag: 'Left',
      left: { _tag: 'Unavailable', mode: 'webgl2', reason: expect.stringContaining('browser') },
    })
    expect(G.gpujs({ mode: 'vulkan' as G.Mode })).toMatchObject({
      _tag: 'Left',
      left: { reason: expect.stringContaining('unknown mode') },
    })
  })
  it('withGpu restores the previous provider, even on a throw', () => {
    const r = G.gpujs({ mode: 'cpu' })
    if (r._tag === 'Left') throw new Error(r.left.reason)
    expect(() =>
      G.withGpu(r.right, () => {
        throw new Error('inside')
      }),
    ).toThrow('inside')
    expect(T.currentBackend().name).toBe('auto')
    r.right.dispose()
  })
})

describe('dispatch by measured speed', () => {
  it('sends each product to the fastest of gpu.js, wasm and the reference, with the same result', () => {
    const r = G.gpujs({ mode: 'cpu' })
    if (r._tag === 'Left') throw new Error(r.left.reason)
    const d = T.dispatch([r.right, T.wasm, T.reference])
    const a = T.uniform(T.key(4), [24, 24], -1, 1)
    const y = T.withBackend(d, () => T.matmul(a, a))
    assertClose(
      y,
      T.withBackend(T.reference, () => T.matmul(a, a)),
      { atol: 1e-4, rtol: 1e-5 },
    )
    r.right.dispose()
  })
})

describe('doc comment examples run', () => {
  const examples = docExamples(fileURLToPath(new URL('../src', import.meta.url)))
  it('finds the examples', () => expect(examples.length).toBeGreaterThan(2))
  for (const ex of examples) it(`${ex.file}:${ex.line}`, () => runExample(ex, { T, assert, ...G }))
})
