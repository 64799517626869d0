/**
 * An experiment: one claim of the lecture shown by training real networks on seeded data and
 * measuring them. It is a value, so the command line, the report, the tests, the docs and the
 * browser all run the same thing:
 *
 *   { id, title, claim, criterion, config(full), run(config, key, { onEvent }) → result, holds(metrics) }
 *
 * `run` is pure apart from the events it reports (progress for a display): the same config and
 * key give the same metrics, bit for bit. Budgets are step counts, never wall-clock limits, so
 * results do not depend on the machine. `holds` is computed from the metrics by the criterion the
 * experiment states in words (`criterion`); nothing sets it by hand. This package does no file
 * I/O (it also runs in a browser).
 */
import { adam, chain, clipByGlobalNorm, train } from '@recurrent/optim'
import type { Key, Tensor, Tree } from '@recurrent/tensor'

/** What an experiment reports while it runs: a training run starts, advances, ends. */
export type ExperimentEvent =
  | { readonly type: 'start'; readonly run: string; readonly steps: number }
  | { readonly type: 'progress'; readonly run: string; readonly step: number; readonly loss: number }
  | { readonly type: 'done'; readonly run: string }

/** How the caller follows a run (a progress bar, a log, a page). */
export interface RunContext {
  readonly onEvent?: (event: ExperimentEvent) => void
}

/**
 * A plot as data: a Vega-Lite specification with its data inline (the report renders it to SVG,
 * the browser draws it live). Keep specs self-contained: no URLs.
 */
export interface Plot {
  readonly id: string
  readonly title: string
  readonly spec: Readonly<Record<string, unknown>>
}

/** A table for the terminal and the report: column names and rows of cells. */
export interface Table {
  readonly title: string
  readonly columns: readonly string[]
  readonly rows: readonly (readonly (string | number | null)[])[]
}

/** What a run measured: the metrics (the `results.json` contract), plots and tables to show. */
export interface ExperimentResult<M> {
  readonly metrics: M
  readonly plots: readonly Plot[]
  readonly tables: readonly Table[]
}

/**
 * One lecture claim as an experiment. `id` is the lecture's section id (`'1.2'`, `'4.5'`);
 * `config(full)` is the default configuration (`full`: the longer budget of `--full`).
 */
export interface Experiment<C = unknown, M = unknown> {
  readonly id: string
  readonly title: string
  readonly claim: string
  /** How `holds` decides, in words (the docs page quotes it). */
  readonly criterion: string
  readonly config: (full: boolean) => C
  readonly run: (config: C, key: Key, context?: RunContext) => ExperimentResult<M>
  readonly holds: (metrics: M) => boolean
}

/**
 * Reports a training run to `context` as `start`, a `progress` event per step and `done`, and
 * returns the per-step callback to hand to the training loop.
 *
 * @example
 * const events = []
 * const progress = reportRun({ onEvent: (e) => events.push(e.type) }, 'lstm', 2)
 * progress(0, 0.5)
 * progress(1, 0.25)
 * assert.deepStrictEqual(events, ['start', 'progress', 'progress', 'done'])
 */
export const reportRun = (
  context: RunContext | undefined,
  run: string,
  steps: number,
): ((step: number, loss: number) => void) => {
  context?.onEvent?.({ type: 'start', run, steps })
  return (step, loss) => {
    context?.onEvent?.({ type: 'progress', run, step, loss })
    if (step === steps - 1) context?.onEvent?.({ type: 'done', run })
  }
}

/** What `trainSteps` returns: the trained params and the loss of every step. */
export interface TrainedSteps<P> {
  readonly params: P
  readonly losses: number[]
  /** Why training stopped before the budget (a non-finite value), if it did. */
  readonly stopped?: string
}

/**
 * The sections' training loop (Lecture §4.2, §4.4): `steps` steps of
 * `chain(clipByGlobalNorm(clipNorm), adam(learningRate))` from `params` on `loss`, batch i
 * `batch(i)`, every step's loss reported to `context` as `run` (`reportRun`). Returns the trained
 * params and every step's loss; when optim's guard stops training (a non-finite value), the last
 * good params, the losses until then and why (`stopped`), and the run's `done` event.
 *
 * @example
 * const r = trainSteps({ w: T.tensor([2]) }, (p, x) => T.sum(T.mul(T.sub(p.w, x), T.sub(p.w, x))), (i) => T.tensor([i % 2]), { steps: 3, learningRate: 0.1, clipNorm: 1 }, 'toy')
 * assert.strictEqual(r.losses.length, 3)
 * assert.strictEqual(r.stopped, undefined)
 */
export const trainSteps = <P extends Tree, B>(
  params: P,
  loss: (params: P, batch: B) => Tensor,
  batch: (i: number) => B,
  budget: { readonly steps: number; readonly learningRate: number; readonly clipNorm: number },
  run: string,
  context?: RunContext,
): TrainedSteps<P> => {
  const losses: number[] = []
  const progress = reportRun(context, run, budget.steps)
  const result = train<P, B>({
    params,
    optimizer: chain(clipByGlobalNorm(budget.clipNorm), adam(budget.learningRate)),
    loss,
    batches: (function* () {
      for (let i = 0; i < budget.steps; i++) yield batch(i)
    })(),
    onEvent: (e) => {
      if (e.type !== 'step') return
      losses.push(e.metrics.loss)
      progress(e.metrics.step, e.metrics.loss)
    },
  })
  if (result._tag === 'Right') return { params: result.right.params, losses }
  context?.onEvent?.({ type: 'done', run })
  return { params: result.left.lastGoodParams, losses, stopped: result.left.reason }
}

/**
 * The loss of every step of one training run on a log scale (the plot of `trainSteps`' losses):
 * a Vega-Lite line with its rows inline.
 *
 * @example
 * const plot = stepLossPlot('toy-loss', 'Training loss per step', [0.5, 0.25])
 * assert.deepStrictEqual(plot.spec.data.values, [{ step: 0, loss: 0.5 }, { step: 1, loss: 0.25 }])
 */
export const stepLossPlot = (id: string, title: string, losses: readonly number[]): Plot => ({
  id,
  title,
  spec: {
    width: 460,
    height: 240,
    data: { values: losses.map((loss, step) => ({ step, loss })) },
    mark: 'line',
    encoding: {
      x: { field: 'step', type: 'quantitative' },
      y: { field: 'loss', type: 'quantitative', scale: { type: 'log' } },
    },
  },
})

/**
 * A memo of at most `limit` values by string key, dropping the oldest entry first: how a trained
 * model is shared between experiments without training it again (Lecture §4.5, §5.3, §5.7).
 * `set` stores and returns the value.
 */
export const boundedMemo = <V>(
  limit: number,
): { readonly get: (key: string) => V | undefined; readonly set: (key: string, value: V) => V } => {
  const entries = new Map<string, V>()
  return {
    get: (key) => entries.get(key),
    set: (key, value) => {
      if (entries.size >= limit) entries.delete(entries.keys().next().value as string)
      entries.set(key, value)
      return value
    },
  }
}

/** An experiment run with its own default configuration: what the lecture report iterates over. */
export interface Section {
  readonly id: string
  readonly title: string
  readonly claim: string
  readonly criterion: string
  /** Runs the experiment with `config(full)`; `holds` computed from the metrics. */
  readonly run: (
    full: boolean,
    key: Key,
    context?: RunContext,
  ) => ExperimentResult<unknown> & { readonly config: unknown; readonly holds: boolean }
}

/**
 * An experiment as a report section: its types closed over, so a list can hold experiments of
 * different configurations and metrics.
 *
 * @example
 * const e = {
 *   id: '0.0', title: 'doubling', claim: 'x + x = 2x', criterion: 'twice equals 2',
 *   config: (full) => ({ x: full ? 2 : 1 }),
 *   run: (c) => ({ metrics: { twice: c.x + c.x }, plots: [], tables: [] }),
 *   holds: (m) => m.twice === 2,
 * }
 * const r = section(e).run(false, T.key(0))
 * assert.deepStrictEqual([r.config, r.metrics, r.holds], [{ x: 1 }, { twice: 2 }, true])
 */
export const section = <C, M>(experiment: Experiment<C, M>): Section => ({
  id: experiment.id,
  title: experiment.title,
  claim: experiment.claim,
  criterion: experiment.criterion,
  run: (full, key, context) => {
    const config = experiment.config(full)
    const result = experiment.run(config, key, context)
    return { ...result, config, holds: experiment.holds(result.metrics) }
  },
})
