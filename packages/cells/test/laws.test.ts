/**
 * Every built-in cell passes `cellLaws`, and so does a cell defined only here (a layer-normalised
 * Elman), which gets rnn, stack, bidirectional and masking with no extra code.
 */

import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { numRuns } from '@recurrent/testkit'
import fc from 'fast-check'
import { describe, it } from 'vitest'
import {
  affine,
  type Cell,
  clockwork,
  elman,
  gru,
  irnn,
  jordan,
  lstm,
  scrn,
  uniformRecurrent,
} from '../src/index.ts'
import { cellLaws } from '../src/laws.ts'

const runs = { numRuns: numRuns(12) }

/** Layer normalisation (Ba et al. 2016) of the Elman pre-activation, with gain and bias. */
const layerNormElman: Cell<{ W_ih: Tensor; W_hh: Tensor; gain: Tensor; bias: Tensor }, Tensor> = {
  name: 'layer-normalised elman',
  init: (key, { inputSize: I, hiddenSize: H, dtype = 'f32' }) => {
    const [a, b] = T.split(key, 2)
    return {
      W_ih: uniformRecurrent(a, [H, I], H, dtype),
      W_hh: uniformRecurrent(b, [H, H], H, dtype),
      gain: T.ones([H], dtype),
      bias: T.zeros([H], dtype),
    }
  },
  initialState: (p, batch) => T.zeros([batch, p.W_hh.shape[0]], p.W_hh.dtype),
  step: (p, h, x) => {
    const a = T.add(affine(x, p.W_ih), affine(h, p.W_hh))
    const mu = T.mean(a, { axis: 1, keepDims: true })
    const centred = T.sub(a, mu)
    const sd = T.sqrt(T.add(T.mean(T.mul(centred, centred), { axis: 1, keepDims: true }), 1e-3))
    const next = T.tanh(T.add(T.mul(T.div(centred, sd), p.gain), p.bias))
    return [next, next]
  },
  outputSize: (p) => p.W_hh.shape[0],
  inputSize: (p) => p.W_ih.shape[1],
}

const CELLS: [Cell, Parameters<typeof cellLaws>[1]?][] = [
  [elman()],
  [elman({ activation: 'relu', outputSize: 2 })],
  [elman({ activation: 'identity', bias: false })],
  [jordan({ outputSize: 2, outputActivation: 'sigmoid' })],
  [lstm()],
  [lstm({ peephole: 'lecture' })],
  [lstm({ peephole: 'diagonal', forgetBias: 1 })],
  [lstm({ bias: false })],
  // PyTorch's proj_size: P < H, so H ≥ 2 (≥ 3 for P = 2); the projected ones fold the readable step.
  [lstm({ projSize: 1 }), { hiddenSize: fc.integer({ min: 2, max: 4 }) }],
  [lstm({ peephole: 'diagonal', bias: false, projSize: 2 }), { hiddenSize: fc.integer({ min: 3, max: 4 }) }],
  [gru()],
  [gru({ bias: false })],
  // Wider input weights than the paper's 0.001: with them the ReLU pre-activations sit at the
  // kink (|a| < the finite-difference step) often enough to make central differences meaningless.
  [irnn({ inputStd: 0.5 })],
  [clockwork({ periods: [1, 2] }), { hiddenSize: fc.integer({ min: 1, max: 2 }).map((m) => 2 * m) }],
  [scrn({ alpha: 0.9, contextSize: 2 })],
  [layerNormElman],
]

for (const [cell, options] of CELLS) {
  describe(`cellLaws(${cell.name})`, () => {
    for (const law of cellLaws(cell, options)) it(law.name, () => fc.assert(law.property, runs))
  })
}
