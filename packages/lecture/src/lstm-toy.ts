/**
 * Lecture §3.2: the LSTM toy with hand-set weights. When x2 = 1, add x1 into memory; when
 * x2 = −1, reset the memory; when x3 = 1, output the memory. With g and h linear:
 *
 *   z = x1,  z_i = 100·x2 − 10,  z_f = 100·x2 + 10,  z_o = 100·x3 − 10
 */
import { lstm } from '@recurrent/cells'
import * as T from '@recurrent/tensor'

/** The cell (linear g and h) and its hand-set weights, fused gate order i, f, g, o. */
export const lstmToy = () => ({
  cell: lstm({ cellActivation: 'identity', outputActivation: 'identity' }),
  params: {
    W_ih: T.tensor(
      [
        [0, 100, 0],
        [0, 100, 0],
        [1, 0, 0],
        [0, 0, 100],
      ],
      { dtype: 'f64' },
    ),
    W_hh: T.zeros([4, 1], 'f64'),
    b_ih: T.tensor([-10, 10, 0, -10], { dtype: 'f64' }),
    b_hh: T.zeros([4], 'f64'),
  },
})

/** The two input sequences of the lecture, as rows [x1, x2, x3]. */
export const LSTM_TOY_INPUTS = {
  'walk-through': [
    [3, 1, 0],
    [4, 1, 0],
    [2, 0, 0],
    [1, 0, 1],
    [3, -1, 0],
  ],
  longer: [1, 3, 2, 4, 2, 1, 3, 6, 1].map((x1, t) => [
    x1,
    [0, 1, 0, 1, 0, 0, -1, 1, 0][t],
    [0, 0, 0, 0, 0, 1, 0, 0, 1][t],
  ]),
}

/**
 * Runs the toy over `[x1, x2, x3]` rows; returns the memory and output at every step.
 *
 * @example
 * const { memory, output } = runLstmToy([[3, 1, 0], [1, 0, 1]])
 * assert.ok(Math.abs(memory[1] - 3) < 1e-3 && Math.abs(output[1] - 3) < 1e-3)
 */
export const runLstmToy = (rows: readonly (readonly number[])[]): { memory: number[]; output: number[] } => {
  const { cell, params } = lstmToy()
  let state = cell.initialState(params, 1)
  const memory: number[] = []
  const output: number[] = []
  for (const row of rows) {
    const [next, y] = cell.step(params, state, T.tensor([[...row]], { dtype: 'f64' }))
    state = next
    memory.push(T.item(next.c))
    output.push(T.item(y))
  }
  return { memory, output }
}
