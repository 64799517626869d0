/**
 * Lecture §3.2: the LSTM toy with hand-set weights. When x2 = 1, add x1 into memory; when
 * x2 = −1, reset the memory; when x3 = 1, output the memory. With g and h linear and f the
 * sigmoid:
 *
 *   z = x1,  z_i = 100·x2 − 10,  z_f = 100·x2 + 10,  z_o = 100·x3 − 10
 *   c_t = z·f(z_i) + c_{t−1}·f(z_f),   y_t = c_t·f(z_o)
 *
 * The gates are sigmoids, never exactly 0 or 1 (f(−10) ≈ 4.5·10⁻⁵), so the memory leaks a little:
 * 6.99977, 6.99950 where the rule says 7.
 */
import { affine, type LstmParams, lstm, splitGates } from '@recurrent/cells'
import * as T from '@recurrent/tensor'
import type { Experiment, Table } from '../experiment.ts'

/**
 * The toy's cell (linear g and h, sigmoid gates) and its hand-set weights, in the cell's fused
 * gate order i, f, g, o: `W_ih [4, 3]`, `W_hh [4, 1]` (zero), `b_ih [4]`, `b_hh [4]` (zero).
 *
 * @example
 * const { params } = lstmToy()
 * assert.deepStrictEqual(T.toArray(params.b_ih), [-10, 10, 0, -10])
 */
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
  } satisfies LstmParams,
})

/** The lecture's two input sequences, as rows [x1, x2, x3] (Lecture §3.2). */
export const LSTM_TOY_INPUTS = {
  walkthrough: [
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
} as const satisfies Record<string, readonly (readonly number[])[]>

/** One step of the toy: its input, the three gates' openness, the memory and the output after it. */
export interface LstmToyStep {
  readonly x: readonly number[]
  readonly inputGate: number
  readonly forgetGate: number
  readonly outputGate: number
  readonly memory: number
  readonly output: number
}

const checkToyRows = (fn: string, rows: unknown): number[][] => {
  if (
    !Array.isArray(rows) ||
    rows.length === 0 ||
    !rows.every(
      (r) =>
        Array.isArray(r) && r.length === 3 && r.every((v) => typeof v === 'number' && Number.isFinite(v)),
    )
  )
    throw new T.ArgumentError(
      `${fn}: rows must be a non-empty array of [x1, x2, x3] finite numbers, got ${JSON.stringify(rows)}`,
    )
  return rows as number[][]
}

/**
 * Runs the toy with the library's LSTM over rows `[T][3]`: memory and output from the cell's
 * step, and each gate's openness f(z_·) from the same pre-activations the cell computes,
 * `[z_i; z_f; z; z_o] = x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh` (Lecture §3.1, §3.2).
 *
 * @example
 * const steps = runLstmToy([[3, 1, 0], [1, 0, 1]])
 * assert.ok(Math.abs(steps[1].memory - 3) < 1e-3 && Math.abs(steps[1].output - 3) < 1e-3)
 * assert.ok(steps[0].inputGate > 0.99 && steps[1].outputGate > 0.99 && steps[0].outputGate < 1e-4)
 */
export const runLstmToy = (rows: readonly (readonly number[])[]): LstmToyStep[] => {
  const xs = checkToyRows('runLstmToy', rows)
  const { cell, params } = lstmToy()
  let state = cell.initialState(params, 1)
  return xs.map((x) => {
    const input = T.tensor([x], { dtype: 'f64' })
    const z = T.add(affine(input, params.W_ih, params.b_ih), affine(state.h, params.W_hh, params.b_hh))
    const [zi, zf, , zo] = splitGates(z, 4).map((g) => T.item(T.sigmoid(g)))
    const [next, y] = cell.step(params, state, input)
    state = next
    return { x, inputGate: zi, forgetGate: zf, outputGate: zo, memory: T.item(next.c), output: T.item(y) }
  })
}

/**
 * The toy's rule, exactly: add x1 into memory when x2 = 1, reset it when x2 = −1, output it when
 * x3 = 1 (else output 0), memory starting at 0 (Lecture §3.2). Rows `[T][3]` in, `[T]` out each.
 *
 * @example
 * assert.deepStrictEqual(lstmToyRule([[3, 1, 0], [4, 1, 0], [2, 0, 0], [1, 0, 1], [3, -1, 0]]), {
 *   memory: [3, 7, 7, 7, 0], output: [0, 0, 0, 7, 0],
 * })
 */
export const lstmToyRule = (rows: readonly (readonly number[])[]): { memory: number[]; output: number[] } => {
  const xs = checkToyRows('lstmToyRule', rows)
  let m = 0
  const memory: number[] = []
  const output: number[] = []
  for (const [x1, x2, x3] of xs) {
    if (x2 === 1) m += x1
    else if (x2 === -1) m = 0
    memory.push(m)
    output.push(x3 === 1 ? m : 0)
  }
  return { memory, output }
}

/**
 * How far the toy may stray from its rule and still count as following it: 10⁻². The sigmoid's
 * leak, f(−10) ≈ 4.5·10⁻⁵ per gate and step times values below 10, stays far below it.
 */
export const LSTM_TOY_TOLERANCE = 1e-2

/** §3.2's configuration: the sequences to run. */
export interface LstmToyConfig {
  readonly sequences: {
    readonly walkthrough: readonly (readonly number[])[]
    readonly longer: readonly (readonly number[])[]
  }
}

/** §3.2's measurements: every step of both sequences. */
export interface LstmToyMetrics {
  readonly steps: { readonly walkthrough: LstmToyStep[]; readonly longer: LstmToyStep[] }
}

/** The largest |memory − rule| and |output − rule| over a run's steps. */
const deviation = (steps: readonly LstmToyStep[]): number => {
  const rule = lstmToyRule(steps.map((s) => s.x))
  return Math.max(
    ...steps.map((s, t) =>
      Math.max(Math.abs(s.memory - rule.memory[t]), Math.abs(s.output - rule.output[t])),
    ),
  )
}

const five = (v: number) => v.toFixed(5)

/**
 * Lecture §3.2 as an experiment: the library's LSTM with the hand-set weights on both of the
 * lecture's sequences; it holds when every memory and output is within `LSTM_TOY_TOLERANCE` of
 * what the rule gives for the same inputs.
 *
 * @example
 * const r = section(lstmToyExperiment).run(false, T.key(0))
 * assert.deepStrictEqual(r.metrics.steps.walkthrough.map((s) => Math.round(s.output)), [0, 0, 0, 7, 0])
 * assert.strictEqual(r.holds, true)
 */
export const lstmToyExperiment: Experiment<LstmToyConfig, LstmToyMetrics> = {
  id: '3.2',
  title: 'The LSTM toy with hand-set weights',
  claim:
    'An LSTM cell with hand-set weights adds x1 into memory when x2 = 1, resets it when x2 = −1 and outputs it when x3 = 1: outputs ≈ 0 0 0 7 0 and ≈ 0 0 0 0 0 7 0 0 6.',
  criterion: `Every step's memory and output is within ${LSTM_TOY_TOLERANCE} of what the rule (add / reset / output) gives for the same inputs, on both sequences.`,
  config: () => ({ sequences: LSTM_TOY_INPUTS }),
  run: (config) => {
    const walkthrough = runLstmToy(config.sequences.walkthrough)
    const longer = runLstmToy(config.sequences.longer)
    const table = (title: string, steps: readonly LstmToyStep[]): Table => {
      const rule = lstmToyRule(steps.map((s) => s.x))
      return {
        title,
        columns: [
          'step',
          'x1',
          'x2',
          'x3',
          'input gate',
          'forget gate',
          'output gate',
          'memory',
          'output',
          'rule',
        ],
        rows: steps.map((s, t) => [
          t + 1,
          ...s.x,
          five(s.inputGate),
          five(s.forgetGate),
          five(s.outputGate),
          five(s.memory),
          five(s.output),
          rule.output[t],
        ]),
      }
    }
    return {
      metrics: { steps: { walkthrough, longer } },
      plots: [],
      tables: [table('walk-through', walkthrough), table('longer sequence', longer)],
    }
  },
  holds: (m) =>
    deviation(m.steps.walkthrough) <= LSTM_TOY_TOLERANCE && deviation(m.steps.longer) <= LSTM_TOY_TOLERANCE,
}
