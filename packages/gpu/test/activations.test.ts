/**
 * Each activation of `T.ACTIVATIONS` is either implemented by the fused gpu.js kernel, with parity
 * against the TypeScript scalar function on edge inputs, or declined by it, so that the product
 * runs here and σ on the TypeScript path.
 */
import * as T from '@recurrent/tensor'
import * as I from '@recurrent/tensor/internal'
import { assertClose, EDGE_INPUTS, EXACT, TOL } from '@recurrent/testkit'
import { afterAll, describe, expect, it } from 'vitest'
import * as G from '../src/index.ts'

for (const mode of ['cpu', 'webasm'] as const) {
  describe(`gpu.js ${mode} mode: the fused kernel's activations`, () => {
    const r = G.gpujs({ mode })
    if (r._tag === 'Left') throw new Error(`${mode} must be available in Node: ${r.left.reason}`)
    const gpu = r.right
    afterAll(() => gpu.dispose())
    // σ(−0·0 + c) = σ(c): the product is zero, the addend (a bias) carries the edge inputs.
    const n = EDGE_INPUTS.length
    const a = T.tensor([[-0]], { dtype: 'f32' })
    const b = T.zeros([1, n], 'f32')
    const addend = T.tensor(EDGE_INPUTS, { dtype: 'f32' })
    const job: T.MatmulJob = {
      a,
      b,
      batch: 1,
      m: 1,
      k: 1,
      n,
      transposeA: false,
      transposeB: false,
      dtype: 'f32',
    }

    it.each(T.ACTIVATIONS)('%s: implemented with parity, or left to the TypeScript path', (name) => {
      const fused = gpu.fusedMatmul!(job, addend, name)
      const y = T.withBackend(gpu, () => T.fusedMatmul(a, b, { addend, activation: name }))
      const reference = T.withBackend(T.reference, () => T.fusedMatmul(a, b, { addend, activation: name }))
      if ((G.GPU_ACTIVATIONS as readonly string[]).includes(name)) {
        expect(fused).toBeDefined()
        const value = T.ACTIVATION_RULES[name].value
        const expected = Array.from(addend.data, (x) => Math.fround(value(x)))
        assertClose(I.fromData(Float32Array.from(fused!.read()), [n], 'f32'), expected, TOL.f32)
        assertClose(y, reference, TOL.f32)
      } else {
        expect(fused).toBeUndefined()
        assertClose(y, reference, EXACT)
      }
    })
    it('lists only activations of the table', () => {
      for (const x of G.GPU_ACTIVATIONS) expect(T.ACTIVATIONS).toContain(x)
    })
  })
}
