/**
 * A task's model handed to PyTorch and brought back (docs/torch.md, "Past one machine"). A model
 * outgrows this library when it needs many machines or GPUs; the way out is PyTorch's
 * `DistributedDataParallel`, and the way back must be exact.
 *
 * `torchExport` gives, for trained params of a task: the parameters under the names of an
 * equivalent `nn.Module` (its state dict: `E`, `rnn.weight_ih_l0`, `head.weight`, …, plus the
 * fixed word table as buffers), a readable Python file defining that module (`pythonModule`), and
 * the task's data (its training split, its held-out split and this library's outputs on the
 * latter) so that PyTorch can check the module and continue training. `torchImport` reads such a
 * state dict back into the task's params, checked against them like `T.safetensors.decodeAs`.
 *
 * The map between the two namings is not written by hand: a task's `torch.stateDict` passes the
 * params' own tensors through (`toTorch` copies nothing), so each state-dict name is matched to
 * the tree path holding the very same tensor. Models whose cells PyTorch lacks (Jordan,
 * Clockwork, SCRN) have `torch: { unsupported: cell }` and get an error naming the cell.
 */
import type { TorchKind } from '@recurrent/cells'
import type { BoundaryError, Key, Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import * as E from 'fp-ts/lib/Either.js'
import type { Config } from './config.ts'
import type { TrainingTask } from './task.ts'

/** The sequence layer of an exported model: a feedforward layer or one of PyTorch's RNN modules. */
export type TorchBody =
  | { readonly type: 'feedforward'; readonly hidden: number }
  | {
      readonly type: 'recurrent'
      /** `nn.RNN` (tanh or relu), `nn.LSTM` or `nn.GRU`. */
      readonly kind: TorchKind
      readonly hidden: number
      readonly bidirectional: boolean
    }

/**
 * What an exported model is, enough to write its `nn.Module`: a per-word tagger (§1.2: the word
 * table and E, the body, a linear head over every step) or a many-to-one regressor (§4.5: the
 * body, a linear head on the last step's output).
 */
export type TorchArchitecture =
  | {
      readonly model: 'tagger'
      /** Rows of the word table (word ids) and entries per word. */
      readonly words: number
      readonly entries: number
      /** Rows of E (the used dimensions of the word vectors) and its columns. */
      readonly dims: number
      readonly embedding: number
      readonly body: TorchBody
      readonly labels: readonly string[]
    }
  | {
      readonly model: 'regressor'
      readonly inputSize: number
      readonly outputSize: number
      readonly body: TorchBody & { readonly type: 'recurrent' }
    }

/** How a task's model maps onto PyTorch (a task setup's `torch`). */
export type TorchHandoff =
  | {
      readonly architecture: TorchArchitecture
      /**
       * The params as the module's state dict: the params' own tensors (never copies) by module
       * name; `Left` with the reason when the params do not fit.
       */
      readonly stateDict: (params: Tree) => E.Either<string, Readonly<Record<string, Tensor>>>
      /** Fixed tensors of the module that training never changes (the word table). */
      readonly buffers: Readonly<Record<string, Tensor>>
      /**
       * The task's data, as the module takes it: `train.inputs`, `train.targets`,
       * `heldout.inputs`, `heldout.targets` (and `….lengths` for sequences of different
       * lengths), with `heldout.outputs`, this library's outputs of `params` on the held-out inputs.
       */
      readonly data: (params: Tree) => Readonly<Record<string, Tensor>>
    }
  | {
      /** The cell PyTorch has no module for (`jordan`, `clockwork`, `scrn`). */
      readonly unsupported: string
    }

/** A model that cannot go to PyTorch or come back: `path` is the state-dict name at fault, if one is. */
export type TorchHandoffError = BoundaryError<'TorchHandoffError'>

const handoffError = (reason: string, path?: string): TorchHandoffError =>
  T.boundaryError('TorchHandoffError', reason, path)

/** A task's model in PyTorch's terms. */
export interface TorchExport {
  readonly architecture: TorchArchitecture
  /** The module's state dict: parameters and buffers by name, in the module's order. */
  readonly stateDict: Readonly<Record<string, Tensor>>
  /** The params' tree path of each parameter's name (buffers have none). */
  readonly paths: Readonly<Record<string, string>>
  /** The task's data and the library's held-out outputs (see `TorchHandoff.data`). */
  readonly data: Readonly<Record<string, Tensor>>
}

/** The handoff of a task's setup, or why there is none. */
const handoffOf = (
  task: TrainingTask,
  config: Config,
  key: Key,
): E.Either<TorchHandoffError, Extract<TorchHandoff, { architecture: unknown }>> => {
  const torch = task.setup(config, key).torch
  if (torch === undefined)
    return E.left(handoffError(`${task.name}: this task's model has no PyTorch counterpart here`))
  if ('unsupported' in torch)
    return E.left(
      handoffError(
        `${task.name}: the ${torch.unsupported} cell has no PyTorch module (PyTorch has nn.RNN, nn.LSTM and nn.GRU), so this model cannot be exported`,
      ),
    )
  return E.right(torch)
}

/** Each parameter's name → the params' path of the same tensor; a Left when one is not there. */
const pathsOf = (
  task: string,
  params: Tree,
  stateDict: Readonly<Record<string, Tensor>>,
): E.Either<TorchHandoffError, Record<string, string>> => {
  const byTensor = new Map<Tensor, string>()
  const leaves = T.treeLeaves(params)
  T.treePaths(params).forEach((p, i) => byTensor.set(leaves[i], p))
  const paths: Record<string, string> = {}
  for (const [name, tensor] of Object.entries(stateDict)) {
    const path = byTensor.get(tensor)
    if (path === undefined)
      return E.left(handoffError(`${task}: ${name} is not one of the params' tensors`, name))
    paths[name] = path
  }
  const named = new Set(Object.values(paths))
  const left = T.treePaths(params).find((p) => !named.has(p))
  if (left !== undefined)
    return E.left(handoffError(`${task}: the params' ${left} has no name in the module's state dict`))
  return E.right(paths)
}

/**
 * The model of `task` with trained `params` (of `config` and `key`) in PyTorch's terms: its
 * architecture, its state dict (parameters by module name, then the buffers), the tree path of
 * each parameter, and the task's data with the library's held-out outputs. A `Left` names the
 * cell PyTorch lacks, or the parameter that does not fit.
 *
 * @example
 * const task = findTask('tagger-lstm')
 * const config = { ...task.defaults, trainSentences: 8, testSentences: 4, batchSize: 4, hidden: 4, embedding: 3 }
 * const state = task.init(config, T.key(0))
 * const out = torchExport(task, config, T.key(0), state.params).right
 * assert.strictEqual(out.architecture.body.kind, 'LSTM')
 * assert.strictEqual(out.paths['rnn.weight_ih_l0'], 'layer.W_ih')
 * assert.deepStrictEqual(T.shape(out.stateDict['head.weight']), [out.architecture.labels.length, 4])
 * const jordan = findTask('tagger-jordan')
 * assert.match(torchExport(jordan, config, T.key(0), jordan.init(config, T.key(0)).params).left.reason, /jordan cell/)
 */
export const torchExport = (
  task: TrainingTask,
  config: Config,
  key: Key,
  params: Tree,
): E.Either<TorchHandoffError, TorchExport> => {
  const handoff = handoffOf(task, config, key)
  if (E.isLeft(handoff)) return handoff
  const { architecture, buffers } = handoff.right
  const named = handoff.right.stateDict(params)
  if (E.isLeft(named)) return E.left(handoffError(`${task.name}: ${named.left}`))
  const paths = pathsOf(task.name, params, named.right)
  if (E.isLeft(paths)) return paths
  return E.right({
    architecture,
    stateDict: { ...buffers, ...named.right },
    paths: paths.right,
    data: handoff.right.data(params),
  })
}

const sameValues = (a: Tensor, b: Tensor): boolean => {
  if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) return false
  const x = T.toTypedArray(a)
  const y = T.toTypedArray(b)
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false
  return true
}

/**
 * The params of `task` (of `config` and `key`) from a PyTorch state dict of its module, as
 * `torchExport` names them: every parameter present with the shape and dtype of the task's
 * params (checked by `T.safetensors.decodeAs` against the initial params), the buffers equal to
 * the task's (the same word table), and nothing else. A `Left` names the state-dict entry.
 *
 * @example
 * const task = findTask('adding-gru')
 * const config = { ...task.defaults, length: 4, hiddenSize: 3, testSize: 4 }
 * const { params } = task.init(config, T.key(0))
 * const { stateDict } = torchExport(task, config, T.key(0), params).right
 * const back = torchImport(task, config, T.key(0), stateDict).right
 * assert.deepStrictEqual(T.toArray(back.out.W), T.toArray(params.out.W))
 * const { ['head.bias']: _, ...short } = stateDict
 * assert.strictEqual(torchImport(task, config, T.key(0), short).left.path, 'head.bias')
 */
export const torchImport = (
  task: TrainingTask,
  config: Config,
  key: Key,
  stateDict: Readonly<Record<string, Tensor>>,
): E.Either<TorchHandoffError, Tree> => {
  const handoff = handoffOf(task, config, key)
  if (E.isLeft(handoff)) return handoff
  const init = task.setup(config, key).initParams
  const named = handoff.right.stateDict(init)
  if (E.isLeft(named)) return E.left(handoffError(`${task.name}: ${named.left}`))
  const paths = pathsOf(task.name, init, named.right)
  if (E.isLeft(paths)) return paths
  const { buffers } = handoff.right
  const expected = [...Object.keys(buffers), ...Object.keys(paths.right)]
  for (const name of expected)
    if (!Object.hasOwn(stateDict, name) || !T.isTensor(stateDict[name]))
      return E.left(handoffError(`${task.name}: the state dict has no tensor ${name}`, name))
  const extra = Object.keys(stateDict).find((k) => !expected.includes(k))
  if (extra !== undefined)
    return E.left(handoffError(`${task.name}: ${extra} is not an entry of this task's module`, extra))
  for (const [name, fixed] of Object.entries(buffers))
    if (!sameValues(stateDict[name], fixed))
      return E.left(
        handoffError(
          `${task.name}: ${name} is not this task's (${fixed.dtype} ${T.showShape(fixed.shape)}, fixed by the task's data); the weights are of another vocabulary or configuration`,
          name,
        ),
      )
  const byPath = new Map(Object.entries(paths.right).map(([name, path]) => [path, name]))
  const bytes = T.safetensors.encode(
    T.treeFromPaths(Object.entries(paths.right).map(([name, path]) => [path, stateDict[name]] as const)),
  )
  const decoded = T.safetensors.decodeAs(bytes, init)
  if (E.isLeft(decoded)) {
    const path = decoded.left.path
    const name = path === undefined ? undefined : byPath.get(path)
    const reason = T.safetensors.renderDecodeError(decoded.left)
    return E.left(
      handoffError(
        `${task.name}: ${name === undefined ? reason : reason.replace(path as string, `${name} (params ${path})`)}`,
        name,
      ),
    )
  }
  return E.right(decoded.right)
}
