/** The lecture's own numbers, named after their sections (docs/lecture.md). */
import * as T from '@recurrent/tensor'
import { assertClose, LECTURE_GOLDEN } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { elman, lstm, rnn } from '../src/index.ts'

const f64 = (v: number[][]) => T.tensor(v, { dtype: 'f64' })

describe('Lecture §2.2: the all-ones Elman network with linear units', () => {
  const cell = elman({ activation: 'identity', outputSize: 2, bias: false })
  const p = { W_ih: T.ones([2, 2], 'f64'), W_hh: T.ones([2, 2], 'f64'), W_ho: T.ones([2, 2], 'f64') }
  const run = (xs: number[][]) => rnn(cell).apply(p, T.reshape(f64(xs), [xs.length, 1, 2])).output
  it('[1,1], [1,1], [2,2] → [4,4], [12,12], [32,32]', () => {
    expect(
      T.toArray(
        T.squeeze(
          run([
            [1, 1],
            [1, 1],
            [2, 2],
          ]),
          1,
        ),
      ),
    ).toEqual([
      [4, 4],
      [12, 12],
      [32, 32],
    ])
  })
  it('changing the order changes the output: [2,2], [1,1], [1,1] → [8,8], [20,20], [44,44]', () => {
    expect(
      T.toArray(
        T.squeeze(
          run([
            [2, 2],
            [1, 1],
            [1, 1],
          ]),
          1,
        ),
      ),
    ).toEqual([
      [8, 8],
      [20, 20],
      [44, 44],
    ])
  })
})

describe('Lecture §3.2: the LSTM toy with hand-set weights', () => {
  // z = x1, z_i = 100·x2 − 10, z_f = 100·x2 + 10, z_o = 100·x3 − 10; g and h linear.
  // Fused gate order i, f, g, o.
  const cell = lstm({ cellActivation: 'identity', outputActivation: 'identity' })
  const p = {
    W_ih: f64([
      [0, 100, 0],
      [0, 100, 0],
      [1, 0, 0],
      [0, 0, 100],
    ]),
    W_hh: T.zeros([4, 1], 'f64'),
    b_ih: T.tensor([-10, 10, 0, -10], { dtype: 'f64' }),
    b_hh: T.zeros([4], 'f64'),
  }
  const run = (xs: number[][]) => {
    const memory: T.Tensor[] = []
    const output: T.Tensor[] = []
    let s = cell.initialState(p, 1)
    for (const x of xs) {
      const [next, y] = cell.step(p, s, f64([x]))
      s = next
      memory.push(T.reshape(next.c, []))
      output.push(T.reshape(y, []))
    }
    return { memory: T.stack(memory), output: T.stack(output) }
  }
  it('walk-through [3,1,0],[4,1,0],[2,0,0],[1,0,1],[3,−1,0]: memory ≈ 3, 7, 7, 7, 0; output ≈ 0, 0, 0, 7, 0', () => {
    const { memory, output } = run([
      [3, 1, 0],
      [4, 1, 0],
      [2, 0, 0],
      [1, 0, 1],
      [3, -1, 0],
    ])
    assertClose(memory, [3, 7, 6.99977301, 6.99950063, 5.73539966e-39], LECTURE_GOLDEN, 'memory')
    assertClose(
      output,
      [0.000136193606, 0.000317785081, 0.000317774776, 6.99950063, 2.60374921e-43],
      LECTURE_GOLDEN,
      'output',
    )
  })
  it('the longer sequence gives y ≈ 0 0 0 0 0 7 0 0 6', () => {
    const x1 = [1, 3, 2, 4, 2, 1, 3, 6, 1]
    const x2 = [0, 1, 0, 1, 0, 0, -1, 1, 0]
    const x3 = [0, 0, 0, 0, 0, 1, 0, 0, 1]
    const { memory, output } = run(x1.map((v, t) => [v, x2[t], x3[t]]))
    assertClose(
      memory,
      [4.53978687e-5, 3.0000454, 3, 7, 6.99977301, 6.99950063, 5.73539966e-39, 6, 5.99977301],
      LECTURE_GOLDEN,
      'memory',
    )
    assertClose(
      output,
      [
        2.06096648e-9, 0.000136195667, 0.000136193606, 0.000317785081, 0.000317774776, 6.99950063,
        2.60374921e-43, 0.000272387212, 5.99977301,
      ],
      LECTURE_GOLDEN,
      'output',
    )
    expect((T.toArray(output) as number[]).map(Math.round)).toEqual([0, 0, 0, 0, 0, 7, 0, 0, 6])
  })
})
