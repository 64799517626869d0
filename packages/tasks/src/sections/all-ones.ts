/**
 * Lecture §2.2: the worked example of a recurrent network. Two inputs, two hidden units whose
 * memory starts at 0, two outputs; every weight is 1, there is no bias, every activation is
 * linear. The hidden layer's output is stored in memory and fed back at the next step (§2.1):
 *
 *   h_t = x_t·W_ihᵀ + h_{t−1}·W_hhᵀ,   y_t = h_t·W_hoᵀ,   h_0 = 0,   W = 1.
 *
 * Feeding [1,1], [1,1], [2,2] gives [4,4], [12,12], [32,32]; changing the order changes the
 * output: [2,2], [1,1], [1,1] gives [8,8], [20,20], [44,44]. A network without memory would give
 * the same outputs in the new order; the experiment computes both and compares them.
 */
import { type ElmanParams, elman } from '@recurrent/cells'
import * as T from '@recurrent/tensor'
import type { Experiment, Table } from '../experiment.ts'

/**
 * The §2.2 network's weights: every entry 1 (PyTorch layout `[out, in]`, all `[size, size]`).
 *
 * @example
 * assert.deepStrictEqual(T.toArray(allOnesWeights(2).W_hh), [[1, 1], [1, 1]])
 */
export const allOnesWeights = (size = 2): ElmanParams => {
  if (!Number.isInteger(size) || size < 1)
    throw new T.ArgumentError(`allOnesWeights: size must be a positive integer, got ${String(size)}`)
  return {
    W_ih: T.ones([size, size], 'f64'),
    W_hh: T.ones([size, size], 'f64'),
    W_ho: T.ones([size, size], 'f64'),
  }
}

/** The two input orders the lecture compares (Lecture §2.2). */
export const SECTION_2_2_INPUTS = {
  lecture: [
    [1, 1],
    [1, 1],
    [2, 2],
  ],
  reordered: [
    [2, 2],
    [1, 1],
    [1, 1],
  ],
} as const

const checkRows = (fn: string, name: string, rows: unknown, width?: number): number[][] => {
  if (
    !Array.isArray(rows) ||
    rows.length === 0 ||
    !rows.every(
      (r) =>
        Array.isArray(r) &&
        r.length > 0 &&
        r.length === (width ?? rows[0].length) &&
        r.every((v) => typeof v === 'number' && Number.isFinite(v)),
    )
  )
    throw new T.ArgumentError(
      `${fn}: ${name} must be a non-empty array of rows of ${width ?? 'equally many'} finite numbers, got ${JSON.stringify(rows)}`,
    )
  return rows as number[][]
}

/**
 * Runs the §2.2 network, the library's Elman cell with linear units, no bias and an output layer,
 * over a sequence of input rows: `h_t = x_t·W_ihᵀ + h_{t−1}·W_hhᵀ`, `y_t = h_t·W_hoᵀ`, `h_0 = 0`
 * (Lecture §2.2). Rows `[T][I]` in; outputs and memories `[T][H]` out (`H = I` for the default
 * all-ones weights).
 *
 * @example
 * const { outputs, memories } = runAllOnes([[1, 1], [1, 1], [2, 2]])
 * assert.deepStrictEqual(outputs, [[4, 4], [12, 12], [32, 32]])
 * assert.deepStrictEqual(memories, [[2, 2], [6, 6], [16, 16]])
 */
export const runAllOnes = (
  rows: readonly (readonly number[])[],
  weights?: ElmanParams,
): { outputs: number[][]; memories: number[][] } => {
  const xs = checkRows('runAllOnes', 'rows', rows)
  const params = weights ?? allOnesWeights(xs[0].length)
  if (params.W_ih.shape[1] !== xs[0].length)
    throw new T.ArgumentError(
      `runAllOnes: rows have ${xs[0].length} inputs but weights.W_ih is ${T.showShape(params.W_ih.shape)}`,
    )
  const cell = elman({ activation: 'identity', outputSize: params.W_ho?.shape[0], bias: false })
  let memory = cell.initialState(params, 1)
  const outputs: number[][] = []
  const memories: number[][] = []
  for (const x of xs) {
    const [next, y] = cell.step(params, memory, T.tensor([x], { dtype: 'f64' }))
    memory = next
    memories.push((T.toArray(next) as number[][])[0])
    outputs.push((T.toArray(y) as number[][])[0])
  }
  return { outputs, memories }
}

/** §2.2's configuration: the lecture's input sequence and the same inputs in another order. */
export interface AllOnesConfig {
  readonly inputs: readonly (readonly number[])[]
  readonly reordered: readonly (readonly number[])[]
}

/** §2.2's measurements. */
export interface AllOnesMetrics {
  /** The outputs for `inputs`, and the memory after each step. */
  readonly outputs: number[][]
  readonly memories: number[][]
  /** The outputs for `reordered`. */
  readonly reorderedOutputs: number[][]
  /** What a network without memory would output for `reordered`: `outputs` in the new order. */
  readonly memorylessOutputs: number[][]
}

/**
 * Where each reordered row comes from in `inputs` (each input row used once); throws when
 * `reordered` is not a permutation of `inputs`.
 */
const permutation = (inputs: number[][], reordered: number[][]): number[] => {
  const used = new Set<number>()
  return reordered.map((row) => {
    const i = inputs.findIndex(
      (r, j) => !used.has(j) && r.length === row.length && r.every((v, k) => v === row[k]),
    )
    if (i < 0)
      throw new T.ArgumentError(
        `allOnesExperiment.run: config.reordered must be a permutation of config.inputs, got ${JSON.stringify(reordered)} for ${JSON.stringify(inputs)}`,
      )
    used.add(i)
    return i
  })
}

const show = (row: readonly number[]): string => `[${row.join(',')}]`

/**
 * Lecture §2.2 as an experiment: the all-ones network on the lecture's sequence and on the same
 * inputs reordered; it holds when the reordered outputs differ from the outputs a network
 * without memory would give (the original outputs, reordered).
 *
 * @example
 * const r = section(allOnesExperiment).run(false, T.key(0))
 * assert.deepStrictEqual(r.metrics.reorderedOutputs, [[8, 8], [20, 20], [44, 44]])
 * assert.strictEqual(r.holds, true)
 */
export const allOnesExperiment: Experiment<AllOnesConfig, AllOnesMetrics> = {
  id: '2.2',
  title: 'The all-ones recurrent network',
  claim:
    'With memory, the output depends on the order of the inputs: [1,1], [1,1], [2,2] → [4,4], [12,12], [32,32], but [2,2], [1,1], [1,1] → [8,8], [20,20], [44,44].',
  criterion:
    'The outputs for the reordered inputs differ, at some step, from the outputs for the original order taken in the new order (what a network without memory would give).',
  config: () => ({ inputs: SECTION_2_2_INPUTS.lecture, reordered: SECTION_2_2_INPUTS.reordered }),
  run: (config) => {
    const inputs = checkRows('allOnesExperiment.run', 'config.inputs', config.inputs)
    const reordered = checkRows(
      'allOnesExperiment.run',
      'config.reordered',
      config.reordered,
      inputs[0].length,
    )
    const perm = permutation(inputs, reordered)
    const original = runAllOnes(inputs)
    const outputs = original.outputs
    const second = runAllOnes(reordered)
    const reorderedOutputs = second.outputs
    const memorylessOutputs = perm.map((i) => outputs[i])
    const table = (title: string, xs: number[][], ys: number[][], hs: number[][]): Table => ({
      title,
      columns: ['step', 'input', 'memory', 'output'],
      rows: xs.map((x, t) => [t + 1, show(x), show(hs[t]), show(ys[t])]),
    })
    return {
      metrics: { outputs, memories: original.memories, reorderedOutputs, memorylessOutputs },
      plots: [],
      tables: [
        table('lecture order', inputs, outputs, original.memories),
        table('reordered', reordered, reorderedOutputs, second.memories),
      ],
    }
  },
  holds: (m) => m.reorderedOutputs.some((row, t) => row.some((v, k) => v !== m.memorylessOutputs[t][k])),
}
