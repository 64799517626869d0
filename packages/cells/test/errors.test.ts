/** Bad input names the tensor and both shapes. */
import * as T from '@recurrent/tensor'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bidirectional,
  type Cell,
  cellLaws,
  clockwork,
  dense,
  dropout,
  elman,
  gru,
  jordan,
  lstm,
  rnn,
  scan,
  scrn,
  stack,
} from '../src/index.ts'

const CELLS: Cell[] = [
  elman(),
  jordan({ outputSize: 2 }),
  lstm(),
  lstm({ peephole: 'diagonal' }),
  gru(),
  clockwork({ periods: [1] }),
  scrn(),
]

describe('bad input', () => {
  for (const cell of CELLS) {
    it(`${cell.name}: wrong input width and wrong state shape`, () => {
      const p = cell.init(T.key(0), { inputSize: 3, hiddenSize: 2 })
      const s = cell.initialState(p, 4)
      expect(() => cell.step(p, s, T.zeros([4, 5]))).toThrow(/input x has shape \[4,5\], expected \[B,3\]/)
      expect(() => cell.step(p, cell.initialState(p, 2), T.zeros([4, 3]))).toThrow(T.ShapeError)
      expect(() => rnn(cell).apply(p, T.zeros([2, 4, 5]))).toThrow(
        'has 5 features per step, the cell expects 3',
      )
      expect(() => rnn(cell).apply(p, T.zeros([4, 3]))).toThrow('expected [T,B,F]')
      expect(() => cell.init(T.key(0), { inputSize: 0, hiddenSize: 2 })).toThrow(
        'inputSize must be a positive integer',
      )
    })
  }
  it('lengths must fit the batch and the sequence', () => {
    const layer = rnn(gru())
    const p = layer.init(T.key(0), { inputSize: 1, hiddenSize: 1 })
    expect(() => layer.apply(p, T.zeros([3, 2, 1]), { lengths: [1] })).toThrow(
      'lengths has 1 entries for a batch of 2',
    )
    expect(() => layer.apply(p, T.zeros([3, 2, 1]), { lengths: [1, 4] })).toThrow(
      'lengths[1] = 4 is not in [0, 3]',
    )
  })
  it('combinators and layers check their arguments', () => {
    expect(() => stack([])).toThrow(T.ArgumentError)
    const deep = stack([rnn(gru()), rnn(gru())])
    const p = deep.init(T.key(0), { inputSize: 1, hiddenSize: 1 })
    expect(() => deep.apply([p[0]], T.zeros([1, 1, 1]))).toThrow('1 parameter sets for 2 layers')
    expect(() => scan((c, x) => [c, x], T.zeros([1]), [])).toThrow(T.ArgumentError)
    expect(() => dropout(T.key(0), 1)(T.zeros([1]))).toThrow(T.ArgumentError)
    const d = dense()
    expect(() => d.apply(d.init(T.key(0), { inputSize: 2, outputSize: 1 }), T.zeros([3]))).toThrow(
      'expected last axis 2',
    )
    expect(() => jordan({ outputSize: 0 }).init(T.key(0), { inputSize: 1, hiddenSize: 1 })).toThrow(
      T.ArgumentError,
    )
    expect(() => scrn({ alpha: 2 })).toThrow(T.ArgumentError)
    const bi = bidirectional(rnn(gru()), { merge: 'sum' })
    const pb = bi.init(T.key(0), { inputSize: 1, hiddenSize: 2 })
    expect(bi.apply(pb, T.zeros([2, 1, 1])).output.shape).toEqual([2, 1, 2])
  })
})

describe('cellLaws can fail', () => {
  it('catches a fast path that disagrees with step', () => {
    const base = elman()
    const broken: Cell = {
      ...base,
      name: 'broken',
      stepProjected: (p, h, xp) => base.stepProjected!(p, h, T.mul(xp, 1.01)),
    }
    const law = cellLaws(broken).find((l) => l.name.includes('fast path'))!
    expect(() => fc.assert(law.property, { numRuns: 20 })).toThrow(/Property failed/)
  })
  it('catches a cell whose state leaks across the batch', () => {
    const base = gru()
    const leaky: Cell = {
      ...base,
      name: 'leaky',
      inputProjection: undefined,
      stepProjected: undefined,
      step: (p, h, x) => {
        const [n] = base.step(p, h, x)
        const m = T.add(n, T.mean(n, { axis: 0, keepDims: true }))
        return [m, m]
      },
    }
    const law = cellLaws(leaky).find((l) => l.name.includes('padded steps change nothing'))!
    expect(() => fc.assert(law.property, { numRuns: 50 })).toThrow()
  })
})
