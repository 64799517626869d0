/**
 * The library's side of every workload, imported by relative path (this folder is outside the
 * root workspace; the packages resolve their own dependencies from their own folders).
 */
import { valueAndGrad } from '../../autograd/src/index.ts'
import { gru, lstm, rnn } from '../../cells/src/index.ts'
import * as T from '../../tensor/src/index.ts'

export { T }

export interface LstmSize {
  readonly name: string
  readonly B: number
  readonly T: number
  readonly I: number
  readonly H: number
}

export const MAIN: LstmSize = { name: 'main', B: 32, T: 35, I: 64, H: 128 }
export const LECTURE: LstmSize = { name: 'lecture', B: 1, T: 10, I: 8, H: 16 }
export const describe = (s: LstmSize): string => `${s.name} (B ${s.B}, T ${s.T}, I ${s.I}, H ${s.H})`

export const LEARNING_RATE = 0.01

/** The recurrent cells measured: PyTorch's nn.LSTM and nn.GRU, tfjs's layers.lstm and layers.gru, brain.js's LSTM and GRU. */
export const CELLS = ['lstm', 'gru'] as const
export type CellKind = (typeof CELLS)[number]

/** The two f32 operands of an m×k · k×n product. */
export const operands = (m: number, k: number, n: number): [T.Tensor, T.Tensor] => [
  T.uniform(T.key(1), [m, k], -1, 1),
  T.uniform(T.key(2), [k, n], -1, 1),
]

/** One product under `provider` (undefined: the default, the measured-speed dispatcher), forced. */
export const matmulOnce = (provider: T.KernelProvider | undefined, a: T.Tensor, b: T.Tensor): void => {
  const c = provider === undefined ? T.matmul(a, b) : T.withBackend(provider, () => T.matmul(a, b))
  T.toTypedArray(c)
}

/**
 * A training step of `rnn(lstm())` or `rnn(gru())` on the fast path (hoisted input projection,
 * default kernel dispatch): forward over the whole sequence, BPTT through `valueAndGrad`, mean
 * squared error of the outputs against a fixed random target, then plain SGD on every parameter
 * with tensor ops. Returns the step (which returns the loss).
 */
export const recurrentTrainer = (kind: CellKind, s: LstmSize): { step: () => number } => {
  const layer = kind === 'lstm' ? rnn(lstm()) : rnn(gru())
  let params: T.Tree = layer.init(T.key(0), { inputSize: s.I, hiddenSize: s.H })
  const xs = T.randn(T.key(1), [s.T, s.B, s.I])
  const target = T.randn(T.key(2), [s.T, s.B, s.H])
  const loss = (p: T.Tree): T.Tensor => {
    const d = T.sub(
      (layer.apply as (p: never, x: T.Tensor) => { output: T.Tensor })(p as never, xs).output,
      target,
    )
    return T.mean(T.mul(d, d))
  }
  const lossAndGrad = valueAndGrad(loss)
  const step = (): number => {
    const [value, g] = lossAndGrad(params)
    params = T.treeMapN([params, g as T.Tree], ([p, dp]) => T.sub(p, T.mul(dp, LEARNING_RATE)))
    // Force the updated parameters too, in case any storage is read lazily.
    for (const leaf of T.treeLeaves(params)) void leaf.data
    return T.item(value)
  }
  return { step }
}

/** The LSTM trainer (`recurrentTrainer('lstm', s)`), as the memory children use it. */
export const lstmTrainer = (s: LstmSize): { step: () => number } => recurrentTrainer('lstm', s)
