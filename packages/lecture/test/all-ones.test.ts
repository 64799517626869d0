import { fc, test } from '@fast-check/vitest'
import * as T from '@recurrent/tensor'
import { assertClose, numRuns } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { runAllOnes, SECTION_2_2_INPUTS } from '../src/index.ts'

describe('Lecture §2.2 all-ones network', () => {
  it('gives [4,4], [12,12], [32,32] and memory [2,2], [6,6], [16,16]', () => {
    const { outputs, memories } = runAllOnes(
      T.tensor(SECTION_2_2_INPUTS.lecture as unknown as number[][], { dtype: 'f64' }),
    )
    expect(T.toArray(outputs)).toEqual([
      [4, 4],
      [12, 12],
      [32, 32],
    ])
    expect(T.toArray(memories)).toEqual([
      [2, 2],
      [6, 6],
      [16, 16],
    ])
  })
  it('changing the order changes the output: [8,8], [20,20], [44,44]', () => {
    const { outputs } = runAllOnes(
      T.tensor(SECTION_2_2_INPUTS.reordered as unknown as number[][], { dtype: 'f64' }),
    )
    expect(T.toArray(outputs)).toEqual([
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
    assertClose(runAllOnes(T.tensor(seq, { dtype: 'f64' })).outputs, expected)
  })
})
