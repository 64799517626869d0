/**
 * Lecture §5.7, part `ntm`: the attention-based model's version 2, the Neural Turing Machine,
 * whose controller also writes to the memory (`models/ntm.ts`). On the copy task
 * (`data/copy-task.ts`: read L random 8-bit vectors and a delimiter, then write them back) an
 * NTM with a feedforward controller and an LSTM of about the same number of parameters are
 * trained on sequences of 1–10 vectors and tested on longer ones. The NTM learns to write each
 * vector to the next row and read the rows back in order, which works at any length the memory
 * holds; the LSTM keeps the sequence in its state, which does not stretch past the lengths it
 * was trained on.
 */
import { type Cell, type DenseParams, dense, lstm, rnn } from '@recurrent/cells'
import { adam, chain, clipByGlobalNorm, train } from '@recurrent/optim'
import type { Key, Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { bitErrorRate, type CopyBatch, copyTask } from '../data/copy-task.ts'
import type { ExperimentResult, Plot, RunContext, Table } from '../experiment.ts'
import { reportRun } from '../experiment.ts'
import { type NtmParams, type NtmState, ntm } from '../models/ntm.ts'
import type { SectionPart } from './attention.ts'

/**
 * The `ntm` part's configuration: the copy task (`bits`-bit vectors, training lengths
 * minLength…maxLength), the NTM (memory `memoryRows` × `memoryWidth`, shifts −`shiftRange`…
 * `shiftRange`, a feedforward controller of `controller` units), the training of each model
 * (`steps`, Adam at `learningRate`, both on batches of `batch`, the global norm clipped at
 * `clipNorm`), and the test: `testBatch` sequences of each of `testLengths`, measured every
 * `evaluateEvery` steps; the best of the last `lastEvaluations` evaluations is reported.
 * The LSTM's size is chosen to match the NTM's parameter count.
 */
export interface NtmConfig {
  readonly bits: number
  readonly minLength: number
  readonly maxLength: number
  readonly memoryRows: number
  readonly memoryWidth: number
  readonly shiftRange: number
  readonly controller: number
  readonly batch: number
  readonly clipNorm: number
  readonly steps: { readonly ntm: number; readonly lstm: number }
  readonly learningRate: { readonly ntm: number; readonly lstm: number }
  readonly testLengths: readonly number[]
  readonly testBatch: number
  readonly evaluateEvery: number
  readonly lastEvaluations: number
}

/** The bit error rate of a model's greedy copy at one length. */
export interface LengthBitError {
  readonly length: number
  readonly bitErrorRate: number
}

/** What the `ntm` part measures. */
export interface NtmMetrics {
  /** Per model, the bit error rate at every test length (the reported evaluation's). */
  readonly copyBitError: { readonly ntm: readonly LengthBitError[]; readonly lstm: readonly LengthBitError[] }
  /** The length the criterion reads (2 × maxLength) and both models' bit error there. */
  readonly generalisation: { readonly length: number; readonly ntm: number; readonly lstm: number }
  readonly parameters: { readonly ntm: number; readonly lstm: number }
  /** The LSTM's hidden size, chosen to match the NTM's parameter count. */
  readonly lstmHidden: number
  /** Steps trained, and the step after which the reported evaluation was measured. */
  readonly steps: { readonly ntm: number; readonly lstm: number }
  readonly reportedAt: { readonly ntm: number; readonly lstm: number }
  /** Models whose training stopped early on a non-finite value, with the reason. */
  readonly stopped: { readonly ntm?: string; readonly lstm?: string }
  readonly holds: boolean
}

/** The criterion: at twice the longest training length, the NTM's bit error rate is at most this… */
export const NTM_BIT_ERROR_AT_MOST = 0.1
/** …and at least this much below the LSTM's. */
export const NTM_MARGIN = 0.15

/**
 * Whether the `ntm` part holds (Lecture §5.7): at twice the longest training length, the NTM's
 * bit error rate is ≤ `NTM_BIT_ERROR_AT_MOST` and ≤ the LSTM's − `NTM_MARGIN`.
 *
 * @example
 * assert.strictEqual(ntmHolds({ length: 20, ntm: 0.03, lstm: 0.35 }), true)
 * assert.strictEqual(ntmHolds({ length: 20, ntm: 0.12, lstm: 0.35 }), false)
 * assert.strictEqual(ntmHolds({ length: 20, ntm: 0.05, lstm: 0.15 }), false)
 */
export const ntmHolds = (g: NtmMetrics['generalisation']): boolean =>
  g.ntm <= NTM_BIT_ERROR_AT_MOST && g.ntm <= g.lstm - NTM_MARGIN

/**
 * Sigmoid cross-entropy of logits z against bits y, averaged over every bit (the copy task's
 * loss, Lecture §5.7), computed stably as max(z, 0) − z·y + log(1 + e^−|z|):
 *
 *   L = mean_i [ −y_i log σ(z_i) − (1 − y_i) log(1 − σ(z_i)) ]
 *
 * @example
 * const l = T.item(sigmoidCrossEntropy(T.tensor([0, 0]), T.tensor([1, 0])))
 * assert.ok(Math.abs(l - Math.log(2)) < 1e-6)
 */
export const sigmoidCrossEntropy = (logits: Tensor, targets: Tensor): Tensor =>
  T.mean(T.add(T.sub(T.relu(logits), T.mul(logits, targets)), T.log(T.add(1, T.exp(T.neg(T.abs(logits)))))))

/** A recurrent core and the readout that turns its outputs into the bits' logits. */
interface CopyModel<P extends Tree> {
  readonly cell: Cell<P>
  init(key: Key): { readonly core: P; readonly out: DenseParams }
  /** The logits `[L, B, bits]` of the L output steps of a batch. */
  logits(params: { readonly core: P; readonly out: DenseParams }, batch: CopyBatch): Tensor
}

const copyModel = <P extends Tree>(cell: Cell<P>, hidden: number, bits: number): CopyModel<P> => {
  const layer = rnn(cell)
  const readout = dense()
  return {
    cell,
    init: (key) => {
      const core = layer.init(T.foldIn(key, 0), { inputSize: bits + 1, hiddenSize: hidden })
      return {
        core,
        out: readout.init(T.foldIn(key, 1), { inputSize: cell.outputSize(core), outputSize: bits }),
      }
    },
    logits: (p, b) => {
      const { output } = layer.apply(p.core, b.inputs)
      return readout.apply(p.out, T.slice(output, [b.length + 1, 0, 0], [b.length, -1, -1]))
    },
  }
}

const countOf = (tree: Tree): number => T.treeLeaves(tree).reduce((n, t) => n + t.size, 0)

/**
 * The LSTM hidden size whose copy model (LSTM + readout, inputs `bits` + 1, outputs `bits`) has
 * the parameter count nearest to `target` (the smaller size on a tie):
 *
 *   count(H) = 4H(bits + 1 + H) + 8H + (H + 1)·bits
 *
 * @example
 * assert.strictEqual(lstmHiddenFor(11212, 8), 47) // 11,288 parameters
 */
export const lstmHiddenFor = (target: number, bits: number): number => {
  const count = (H: number): number => 4 * H * (bits + 1 + H) + 8 * H + (H + 1) * bits
  let H = 1
  while (count(H + 1) <= target) H++
  return Math.abs(count(H + 1) - target) < Math.abs(count(H) - target) ? H + 1 : H
}

const checkConfig = (fn: string, c: NtmConfig): void => {
  if (typeof c !== 'object' || c === null)
    throw new T.ArgumentError(`${fn}: config must be an object, got ${String(c)}`)
  const integer = (name: string, v: unknown): void => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1)
      throw new T.ArgumentError(`${fn}: config.${name} must be a positive integer, got ${String(v)}`)
  }
  const real = (name: string, v: unknown): void => {
    if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
      throw new T.ArgumentError(`${fn}: config.${name} must be a finite number > 0, got ${String(v)}`)
  }
  for (const k of [
    'bits',
    'minLength',
    'maxLength',
    'memoryRows',
    'memoryWidth',
    'controller',
    'batch',
    'testBatch',
    'evaluateEvery',
    'lastEvaluations',
  ] as const)
    integer(k, c[k])
  if (!Number.isInteger(c.shiftRange) || c.shiftRange < 0)
    throw new T.ArgumentError(
      `${fn}: config.shiftRange must be a non-negative integer, got ${String(c.shiftRange)}`,
    )
  if (c.maxLength < c.minLength)
    throw new T.ArgumentError(`${fn}: config.maxLength (${c.maxLength}) must be ≥ minLength (${c.minLength})`)
  real('clipNorm', c.clipNorm)
  for (const m of ['ntm', 'lstm'] as const) {
    integer(`steps.${m}`, c.steps?.[m])
    real(`learningRate.${m}`, c.learningRate?.[m])
  }
  if (!Array.isArray(c.testLengths) || !c.testLengths.includes(2 * c.maxLength))
    throw new T.ArgumentError(
      `${fn}: config.testLengths must include 2 × maxLength = ${2 * c.maxLength} (the length the criterion reads), got ${String(c.testLengths)}`,
    )
  c.testLengths.forEach((l, i) => integer(`testLengths[${i}]`, l))
}

/** A model trained on the copy task, with the evaluation it reports. */
interface TrainedCopy<P extends Tree> {
  readonly params: { readonly core: P; readonly out: DenseParams }
  readonly losses: readonly number[]
  readonly errors: readonly LengthBitError[]
  readonly reportedAt: number
  readonly stopped?: string
}

/**
 * Trains a copy model for `steps` steps (sigmoid cross-entropy of the output bits, Adam after
 * clipping at `clipNorm`), evaluates it on the test batches every `evaluateEvery` steps among the
 * last `lastEvaluations` evaluations, and reports the evaluation with the smallest mean bit error
 * over the test lengths (errors spike briefly during training).
 */
const trainCopy = <P extends Tree>(
  model: CopyModel<P>,
  config: NtmConfig,
  which: 'ntm' | 'lstm',
  key: Key,
  test: readonly CopyBatch[],
  context: RunContext | undefined,
): TrainedCopy<P> => {
  const steps = config.steps[which]
  const stream = T.foldIn(key, 1)
  const losses: number[] = []
  const progress = reportRun(context, which, steps)
  const lastStep = steps - 1
  const firstCounted = lastStep - (config.lastEvaluations - 1) * config.evaluateEvery
  const kept: { step: number; errors: LengthBitError[]; mean: number; params: TrainedCopy<P>['params'] }[] =
    []
  const measure = (params: TrainedCopy<P>['params'], step: number): Record<string, number> => {
    // Only the last evaluations count; the hook runs every `evaluateEvery` steps and after the last.
    if (step < firstCounted) return {}
    const errors = test.map((b) => ({
      length: b.length,
      bitErrorRate: bitErrorRate(model.logits(params, b), b.targets),
    }))
    const mean = errors.reduce((s, e) => s + e.bitErrorRate, 0) / errors.length
    kept.push({ step, errors, mean, params })
    return Object.fromEntries(errors.map((e) => [`bitError${e.length}`, e.bitErrorRate]))
  }
  const result = train({
    params: model.init(T.foldIn(key, which === 'ntm' ? 2 : 3)),
    optimizer: chain(clipByGlobalNorm(config.clipNorm), adam(config.learningRate[which])),
    loss: (p, b: CopyBatch) => sigmoidCrossEntropy(model.logits(p, b), b.targets),
    batches: (function* () {
      for (let i = 0; i < steps; i++)
        yield copyTask(T.foldIn(stream, i), {
          batch: config.batch,
          bits: config.bits,
          minLength: config.minLength,
          maxLength: config.maxLength,
        })
    })(),
    evaluate: { every: config.evaluateEvery, fn: measure },
    onEvent: (e) => {
      if (e.type !== 'step') return
      losses.push(e.metrics.loss)
      progress(e.metrics.step, e.metrics.loss)
    },
  })
  let stopped: string | undefined
  if (result._tag === 'Left') {
    context?.onEvent?.({ type: 'done', run: which })
    stopped = result.left.reason
    measure(result.left.lastGoodParams, Math.max(firstCounted, result.left.step))
  }
  const best = kept.reduce((a, b) => (b.mean < a.mean ? b : a))
  return {
    params: best.params,
    losses: Object.freeze(losses),
    errors: best.errors,
    reportedAt: best.step,
    ...(stopped === undefined ? {} : { stopped }),
  }
}

/** The NTM's read and write weightings at every step of one sequence: `[2L + 1][2][N]`. */
const weightingsOver = (cell: Cell<NtmParams, NtmState>, params: NtmParams, inputs: Tensor): number[][][] => {
  let state = cell.initialState(params, inputs.shape[1])
  const out: number[][][] = []
  for (const x of T.unstack(inputs, 0)) {
    ;[state] = cell.step(params, state, x)
    out.push((T.toArray(state.weights) as number[][][])[0])
  }
  return out
}

/** The read and write weightings over time as two heatmaps (Lecture §5.7: where the heads look). */
const weightingsPlot = (weightings: number[][][], length: number): Plot => ({
  id: 'ntm-weightings',
  title: `NTM read and write weightings while copying ${length} vectors`,
  spec: {
    description: `For each time step (columns: ${length} inputs, the delimiter, ${length} outputs), the weight each head puts on each memory row (rows). The write head moves by one row per input, wrapping round; after the delimiter the read head visits the same rows in the same order.`,
    data: {
      values: weightings.flatMap((heads, t) =>
        heads.flatMap((row, h) =>
          row.map((weight, i) => ({ head: h === 0 ? 'read' : 'write', step: t, row: i, weight })),
        ),
      ),
    },
    facet: { row: { field: 'head', type: 'nominal', title: null, sort: ['write', 'read'] } },
    spec: {
      width: 12 * weightings.length,
      height: 8 * (weightings[0]?.[0]?.length ?? 0),
      mark: 'rect',
      encoding: {
        x: { field: 'step', type: 'ordinal', title: 'time step' },
        y: { field: 'row', type: 'ordinal', title: 'memory row' },
        color: { field: 'weight', type: 'quantitative', scale: { domain: [0, 1], scheme: 'greys' } },
      },
    },
  },
})

/** Training losses, averaged over windows of `window` steps, per model. */
const lossPlot = (curves: Readonly<Record<'ntm' | 'lstm', readonly number[]>>, window: number): Plot => ({
  id: 'ntm-learning-curves',
  title: 'Copy task: training loss (sigmoid cross-entropy per bit)',
  spec: {
    description: `The training loss of the NTM and the LSTM, averaged over windows of ${window} steps (training lengths vary from batch to batch).`,
    width: 460,
    height: 260,
    data: {
      values: (['ntm', 'lstm'] as const).flatMap((model) =>
        Array.from({ length: Math.ceil(curves[model].length / window) }, (_, i) => {
          const w = curves[model].slice(i * window, (i + 1) * window)
          return { model, step: i * window + w.length, loss: w.reduce((a, b) => a + b, 0) / w.length }
        }),
      ),
    },
    mark: 'line',
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'training step' },
      y: { field: 'loss', type: 'quantitative', title: 'loss (nats per bit)' },
      color: { field: 'model', type: 'nominal', title: 'model' },
    },
  },
})

/** Bit error rate against the sequence length, per model. */
const errorPlot = (errors: NtmMetrics['copyBitError'], trainedUpTo: number): Plot => ({
  id: 'ntm-bit-error',
  title: 'Copy task: bit error rate by sequence length',
  spec: {
    description: `Trained on lengths up to ${trainedUpTo} (the dashed line); longer sequences are new to both models.`,
    width: 460,
    height: 260,
    data: {
      values: (['ntm', 'lstm'] as const).flatMap((model) =>
        errors[model].map((e) => ({ model, length: e.length, bitErrorRate: e.bitErrorRate })),
      ),
    },
    layer: [
      {
        mark: { type: 'line', point: true },
        encoding: {
          x: {
            field: 'length',
            type: 'quantitative',
            title: 'sequence length (vectors)',
            scale: { zero: true },
          },
          y: {
            field: 'bitErrorRate',
            type: 'quantitative',
            title: 'bit error rate',
            scale: { domain: [0, 0.5] },
          },
          color: { field: 'model', type: 'nominal', title: 'model' },
        },
      },
      { mark: { type: 'rule', strokeDash: [4, 4] }, encoding: { x: { datum: trainedUpTo } } },
    ],
  },
})

/**
 * The `ntm` part of §5.7: trains an NTM (feedforward controller, one read and one write head)
 * and an LSTM of about the same parameter count on the copy task with lengths
 * minLength…maxLength, and compares their bit error rate on sequences up to three times as long.
 * Keys: training batch i from `foldIn(foldIn(key, 1), i)` (the same for both models), the NTM's
 * params from `foldIn(key, 2)`, the LSTM's from `foldIn(key, 3)`, the test batches from
 * `foldIn(foldIn(key, 0), length)`.
 *
 * @example
 * const tiny = { ...defaultNtmConfig(false), bits: 2, maxLength: 2, memoryRows: 6, memoryWidth: 3, controller: 4,
 *   batch: 2, steps: { ntm: 2, lstm: 2 }, testLengths: [2, 4], testBatch: 2, evaluateEvery: 1, lastEvaluations: 2 }
 * const r = ntmPart.run(tiny, T.key(0))
 * assert.deepStrictEqual(r.metrics.copyBitError.ntm.map((e) => e.length), [2, 4])
 * assert.strictEqual(r.metrics.holds, ntmHolds(r.metrics.generalisation))
 */
export const ntmPart: SectionPart<NtmConfig, NtmMetrics> & { readonly name: 'ntm' } = {
  name: 'ntm',
  criterion: `At twice the longest training length, the NTM's bit error rate is at most ${NTM_BIT_ERROR_AT_MOST} and at least ${NTM_MARGIN} below that of an LSTM with about as many parameters (each model's best of its last few evaluations).`,
  run: (config, key, context): ExperimentResult<NtmMetrics> => {
    checkConfig('ntmPart.run', config)
    const { bits } = config
    const cell = ntm({
      memoryRows: config.memoryRows,
      memoryWidth: config.memoryWidth,
      shiftRange: config.shiftRange,
    })
    const ntmModel = copyModel(cell, config.controller, bits)
    const ntmCount = countOf(ntmModel.init(T.key(0)))
    const lstmHidden = lstmHiddenFor(ntmCount, bits)
    const lstmModel = copyModel(lstm(), lstmHidden, bits)
    const lstmCount = countOf(lstmModel.init(T.key(0)))
    const testKey = T.foldIn(key, 0)
    const test = config.testLengths.map((length) =>
      copyTask(T.foldIn(testKey, length), { batch: config.testBatch, bits, length }),
    )
    const trainedNtm = trainCopy(ntmModel, config, 'ntm', key, test, context)
    const trainedLstm = trainCopy(lstmModel, config, 'lstm', key, test, context)
    const copyBitError = { ntm: trainedNtm.errors, lstm: trainedLstm.errors }
    const length = 2 * config.maxLength
    const at = (rows: readonly LengthBitError[]): number =>
      rows.find((r) => r.length === length)?.bitErrorRate ?? Number.NaN
    const generalisation = { length, ntm: at(copyBitError.ntm), lstm: at(copyBitError.lstm) }
    const stopped = {
      ...(trainedNtm.stopped === undefined ? {} : { ntm: trainedNtm.stopped }),
      ...(trainedLstm.stopped === undefined ? {} : { lstm: trainedLstm.stopped }),
    }
    const shown = test[config.testLengths.indexOf(length)]
    const one = T.slice(shown.inputs, [0, 0, 0], [-1, 1, -1])
    const sizes: Table = {
      title: 'Copy task: the two models',
      columns: ['model', 'size', 'parameters', 'steps', 'Adam learning rate'],
      rows: [
        [
          'NTM',
          `controller ${config.controller} (feedforward), memory ${config.memoryRows} × ${config.memoryWidth}, shifts ±${config.shiftRange}`,
          ntmCount,
          config.steps.ntm,
          config.learningRate.ntm,
        ],
        ['LSTM', `H = ${lstmHidden}`, lstmCount, config.steps.lstm, config.learningRate.lstm],
      ],
    }
    const errors: Table = {
      title: `Copy task: bit error rate by length (trained on ${config.minLength}–${config.maxLength})`,
      columns: ['length', 'NTM', 'LSTM'],
      rows: copyBitError.ntm.map((e, i) => [
        e.length,
        Number(e.bitErrorRate.toFixed(4)),
        Number(copyBitError.lstm[i].bitErrorRate.toFixed(4)),
      ]),
    }
    return {
      metrics: {
        copyBitError,
        generalisation,
        parameters: { ntm: ntmCount, lstm: lstmCount },
        lstmHidden,
        steps: { ntm: trainedNtm.losses.length, lstm: trainedLstm.losses.length },
        reportedAt: { ntm: trainedNtm.reportedAt, lstm: trainedLstm.reportedAt },
        stopped,
        holds: ntmHolds(generalisation),
      },
      plots: [
        errorPlot(copyBitError, config.maxLength),
        lossPlot({ ntm: trainedNtm.losses, lstm: trainedLstm.losses }, 10),
        weightingsPlot(weightingsOver(cell, trainedNtm.params.core, one), length),
      ],
      tables: [sizes, errors],
    }
  },
}

/**
 * The `ntm` part's default configuration (Lecture §5.7; the sizes of Graves et al.'s copy task,
 * scaled to this library's speed): 8-bit vectors, training lengths 1–10, memory 32 × 16, shifts
 * −1…1, a feedforward controller of 100 units, batches of 32, clipping at norm 10; the NTM 600
 * Adam steps at 10⁻³, the LSTM 600 at 3·10⁻³; tested on 32 sequences of lengths 10, 20 and 30
 * after each of the last 4 multiples of 50 steps, reporting the best of those evaluations.
 * `full`: 1,500 and 6,000 steps.
 *
 * @example
 * const c = defaultNtmConfig(false)
 * assert.deepStrictEqual([c.memoryRows, c.memoryWidth, c.controller, c.steps.ntm], [32, 16, 100, 600])
 */
export const defaultNtmConfig = (full: boolean): NtmConfig => ({
  bits: 8,
  minLength: 1,
  maxLength: 10,
  memoryRows: 32,
  memoryWidth: 16,
  shiftRange: 1,
  controller: 100,
  batch: 32,
  clipNorm: 10,
  steps: full ? { ntm: 1500, lstm: 6000 } : { ntm: 600, lstm: 600 },
  learningRate: { ntm: 1e-3, lstm: 3e-3 },
  testLengths: [10, 20, 30],
  testBatch: 32,
  evaluateEvery: 50,
  lastEvaluations: 4,
})
