/** Lecture §2.2: the all-ones network's numbers, its closed form, and the experiment's criterion. */
import { fc, test } from '@fast-check/vitest'
import * as T from '@recurrent/tensor'
import { assertClose, numRuns } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { allOnesExperiment, allOnesWeights, runAllOnes, SECTION_2_2_INPUTS, section } from '../src/index.ts'

describe('Lecture §2.2 all-ones network', () => {
  it('gives [4,4], [12,12], [32,32] and memory [2,2], [6,6], [16,16]', () => {
    const { outputs, memories } = runAllOnes(SECTION_2_2_INPUTS.lecture)
    expect(outputs).toEqual([
      [4, 4],
      [12, 12],
      [32, 32],
    ])
    expect(memories).toEqual([
      [2, 2],
      [6, 6],
      [16, 16],
    ])
  })
  it('changing the order changes the output: [8,8], [20,20], [44,44]', () => {
    expect(runAllOnes(SECTION_2_2_INPUTS.reordered).outputs).toEqual([
      [8, 8],
      [20, 20],
      [44, 44],
    ])
  })
  test.prop(
    [
      fc.array(fc.tuple(fc.integer({ min: -5, max: 5 }), fc.integer({ min: -5, max: 5 })), {
        minLength: 1,
        maxLength: 8,
      }),
    ],
    { numRuns: numRuns() },
  )('matches the closed form h_t = Σx_t + 2·h_{t−1}, y_t = 2·h_t', (seq) => {
    let h = 0
    const expected = seq.map(([a, b]) => {
      h = a + b + 2 * h
      return [2 * h, 2 * h]
    })
    assertClose(T.tensor(runAllOnes(seq).outputs, { dtype: 'f64' }), expected)
  })
  it('rejects rows of unequal width and weights of another input size, naming the argument', () => {
    expect(() => runAllOnes([[1, 1], [1]])).toThrow(/runAllOnes: rows/)
    expect(() => runAllOnes([[1, 1, 1]], allOnesWeights(2))).toThrow(/runAllOnes: rows have 3 inputs/)
    expect(() => allOnesWeights(0)).toThrow(/allOnesWeights: size/)
  })
})

describe('§2.2 as an experiment', () => {
  it('measures both orders and holds: the reordered outputs are not the outputs reordered', () => {
    const r = section(allOnesExperiment).run(false, T.key(0))
    const m = r.metrics as ReturnType<typeof allOnesExperiment.run>['metrics']
    expect(m.reorderedOutputs).toEqual([
      [8, 8],
      [20, 20],
      [44, 44],
    ])
    expect(m.memorylessOutputs).toEqual([
      [32, 32],
      [4, 4],
      [12, 12],
    ])
    expect(r.holds).toBe(true)
  })
  it('does not hold for a network without memory (W_hh = 0): its outputs only follow their inputs', () => {
    const W = allOnesWeights(2)
    const memoryless = { ...W, W_hh: T.zeros([2, 2], 'f64') }
    const outputs = runAllOnes(SECTION_2_2_INPUTS.lecture, memoryless).outputs
    const reorderedOutputs = runAllOnes(SECTION_2_2_INPUTS.reordered, memoryless).outputs
    const metrics = {
      outputs,
      memories: outputs,
      reorderedOutputs,
      memorylessOutputs: [2, 0, 1].map((i) => outputs[i]),
    }
    expect(allOnesExperiment.holds(metrics)).toBe(false)
  })
  it('rejects a reordering that is not a permutation of the inputs', () => {
    expect(() =>
      allOnesExperiment.run(
        {
          inputs: SECTION_2_2_INPUTS.lecture,
          reordered: [
            [1, 1],
            [2, 2],
            [2, 2],
          ],
        },
        T.key(0),
      ),
    ).toThrow(/allOnesExperiment.run: config.reordered must be a permutation/)
  })
})
