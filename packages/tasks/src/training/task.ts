/**
 * A training task: one model of the lecture's experiments that can be trained on its own, from
 * the command line or anywhere else. A task is a value:
 *
 *   { name, description, fields, codec, init(config, key) → state, step(state) → state,
 *     evaluate(params, config, key) → metrics }
 *
 * Everything is a pure function of (config, key): the initial params, and batch i of the data
 * stream, drawn from a key folded with i, so training can stop after any step and resume there
 * drawing exactly the batches an uninterrupted run would. The state holds all that changes (the
 * step counter, the params, the optimiser state), so a checkpoint of the state resumes bit for
 * bit. No file I/O here: the command line writes checkpoints (`recurrent train`).
 */
import { type GradientTransformation, type NonFinite, trainStep } from '@recurrent/optim'
import type { Key, Tensor, Tree } from '@recurrent/tensor'
import * as E from 'fp-ts/lib/Either.js'
import type * as t from 'io-ts'
import { type Config, type ConfigCheck, configCodec, type Fields, integer, real } from './config.ts'
import type { TorchHandoff } from './torch.ts'

/** What an evaluation measured, by name (a test MSE, an accuracy). */
export type Metrics = Readonly<Record<string, number>>

/** The fields every task has: the step budget, checkpoints and the divergence guard. */
export interface TrainingConfig {
  readonly steps: number
  readonly checkpointEvery: number
  readonly divergenceFactor: number
  readonly divergencePatience: number
}

/** The state of a training run after `step` steps: all that training changes, and what it is of. */
export interface TrainState {
  readonly config: Config
  readonly key: Key
  /** How many steps have been taken (the next batch is batch `step`). */
  readonly step: number
  readonly params: Tree
  readonly optState: unknown
}

/** The pieces of a task's training for one (config, key); see `TrainingTask.setup`. */
export interface TaskSetup<P extends Tree = Tree, B = unknown> {
  readonly initParams: P
  readonly optimizer: GradientTransformation
  readonly loss: (params: P, batch: B) => Tensor
  /** Batch i of the data stream: a pure function of (config, key, i). */
  readonly batch: (i: number) => B
  readonly evaluate: (params: P) => Metrics
  /** How the model maps onto PyTorch (`torchExport`), or which cell PyTorch lacks. */
  readonly torch?: TorchHandoff
}

/** A model of the lecture that can be trained on its own. */
export interface TrainingTask {
  /** The name on the command line: `adding-lstm`, `tagger-gru`. */
  readonly name: string
  /** One line: what the model is and what it learns. */
  readonly description: string
  /** Every field of the configuration, with its default and range. */
  readonly fields: Fields<Config>
  /** Decodes a JSON configuration (defaults for absent fields, unknown fields rejected). */
  readonly codec: t.Type<Config, Config, unknown>
  /** Every field's default. */
  readonly defaults: Config
  /** The model, optimiser, loss, data stream and evaluation of (config, key); memoised. */
  readonly setup: (config: Config, key: Key) => TaskSetup
  /** The state before the first step. */
  readonly init: (config: Config, key: Key) => TrainState
  /**
   * One training step on batch `state.step`: the next state and the step's loss, or
   * `Left(NonFinite)` when the loss, a gradient or a new parameter is not finite.
   */
  readonly step: (
    state: TrainState,
  ) => E.Either<NonFinite, { readonly state: TrainState; readonly loss: number }>
  /** Measures params trained with (config, key). */
  readonly evaluate: (params: Tree, config: Config, key: Key) => Metrics
}

/** The fields every task shares (`TrainingConfig`), with `steps` defaulting to `steps`. */
export const trainingFields = (steps: number): Fields<TrainingConfig> => ({
  steps: integer('training steps (Adam steps, one batch each)', steps, 1, 10_000_000),
  checkpointEvery: integer(
    'write a checkpoint after every this many steps (and after the last)',
    100,
    1,
    10_000_000,
  ),
  divergenceFactor: real(
    'divergence guard: stop when the loss stays above this many times its running minimum…',
    100,
    1,
    1e12,
    { minExclusive: true },
  ),
  divergencePatience: integer('…for this many steps in a row', 50, 1, 1_000_000),
})

/** How a task is defined: its name, description, fields and how (config, key) set up its training. */
export interface TaskDefinition<C extends Record<keyof C, number>, P extends Tree, B> {
  readonly name: string
  readonly description: string
  readonly fields: Fields<C>
  readonly check?: ConfigCheck<C>
  readonly setup: (config: C, key: Key) => TaskSetup<P, B>
}

/** Setups kept per task, by configuration and key (the tagger's data take a moment to draw). */
const MEMO = 4

/**
 * A task from its definition: the codec from the fields, `init`, `step` and `evaluate` from
 * `setup`, which is memoised (the last few (config, key) pairs).
 *
 * @example
 * // Learns the mean of 1, 2, 3 by gradient descent (steps of −0.1·g).
 * const descent = { init: () => null, update: (g) => [T.treeMap(g, (x) => T.mul(x, -0.1)), null] }
 * const task = defineTask({
 *   name: 'mean', description: 'learns the mean of 1, 2, 3',
 *   fields: trainingFields(30),
 *   setup: () => ({
 *     initParams: { m: T.zeros([1], 'f64') },
 *     optimizer: descent,
 *     loss: (p, y) => T.sum(T.mul(T.sub(p.m, y), T.sub(p.m, y))),
 *     batch: (i) => T.tensor([1 + (i % 3)], { dtype: 'f64' }),
 *     evaluate: (p) => ({ m: T.item(p.m) }),
 *   }),
 * })
 * let state = task.init(task.defaults, T.key(0))
 * for (let i = 0; i < 3; i++) state = task.step(state).right.state
 * assert.strictEqual(state.step, 3)
 * assert.ok(task.evaluate(state.params, task.defaults, T.key(0)).m > 0)
 */
export const defineTask = <C extends Record<keyof C, number>, P extends Tree, B>(
  definition: TaskDefinition<C, P, B>,
): TrainingTask => {
  const codec = configCodec(definition.name, definition.fields, definition.check)
  const defaults = Object.fromEntries(
    Object.entries(definition.fields).map(([k, f]) => [k, (f as { default: number }).default]),
  ) as C
  const memo = new Map<string, TaskSetup<P, B>>()
  const setup = (config: Config, key: Key): TaskSetup<P, B> => {
    const id = JSON.stringify([codec.encode(config as unknown as C), key.words])
    const hit = memo.get(id)
    if (hit !== undefined) return hit
    const made = definition.setup(config as unknown as C, key)
    if (memo.size >= MEMO) memo.delete(memo.keys().next().value as string)
    memo.set(id, made)
    return made
  }
  return {
    name: definition.name,
    description: definition.description,
    fields: definition.fields as Fields<Config>,
    codec: codec as unknown as t.Type<Config, Config, unknown>,
    defaults,
    setup: setup as unknown as (config: Config, key: Key) => TaskSetup,
    init: (config, key) => {
      const s = setup(config, key)
      return { config, key, step: 0, params: s.initParams, optState: s.optimizer.init(s.initParams) }
    },
    step: (state) => {
      const s = setup(state.config, state.key)
      const r = trainStep(s.loss, s.optimizer)(
        state.params as P,
        state.optState,
        s.batch(state.step),
        state.step,
      )
      return E.isLeft(r)
        ? (r as E.Either<NonFinite, never>)
        : E.right({
            state: { ...state, step: state.step + 1, params: r.right.params, optState: r.right.optState },
            loss: r.right.metrics.loss,
          })
    },
    evaluate: (params, config, key) => setup(config, key).evaluate(params as P),
  }
}
