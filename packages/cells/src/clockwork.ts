/**
 * Clockwork RNN (Lecture §4.5; Koutník, Greff, Gomez & Schmidhuber 2014). The hidden layer is
 * split into g modules of equal size with periods T_1 < … < T_g (default 1, 2, 4, 8). At step t
 * a module updates only when `t mod T_i = 0`; otherwise it keeps its value, so slow modules carry
 * memory over long spans. The recurrent matrix is block upper-triangular: a module receives
 * from modules of equal or longer period (slower modules feed faster ones), never the reverse.
 *
 *   ĥ_t = tanh(x_t·W_ihᵀ + b_ih + h_{t−1}·(W_hh ⊙ M)ᵀ + b_hh)
 *   h_t[module i] = ĥ_t[module i] if t mod T_i = 0, else h_{t−1}[module i]
 *
 * M is the block mask; the step count t starts at 0 (every module updates at the first step)
 * and is part of the state, one per sequence.
 */

import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { type Activation, activate, affine, type Cell, checkSizes } from './cell.ts'
import { checkStep } from './check.ts'
import { uniformRecurrent } from './init.ts'

export interface ClockworkOptions {
  /** Module periods, increasing (default [1, 2, 4, 8]). hiddenSize must be a multiple of their count. */
  readonly periods?: readonly number[]
  readonly activation?: Activation
}

export interface ClockworkParams {
  readonly W_ih: Tensor
  readonly W_hh: Tensor
  readonly b_ih: Tensor
  readonly b_hh: Tensor
}

/** State: h `[B, H]` and the step count t of each sequence (i32 `[B]`). */
export interface ClockworkState {
  readonly h: Tensor
  readonly t: Tensor
}

/** Module index of hidden unit u when H units form `g` modules. */
const moduleOf = (u: number, H: number, g: number): number => Math.floor(u / (H / g))

/**
 * The block mask M `[H, H]` of Lecture §4.5's Clockwork RNN: unit a (row, receiving) sees unit b
 * (column) iff module(b) ≥ module(a), so slower modules feed faster ones.
 *
 * @example
 * assert.deepStrictEqual(T.toArray(clockworkMask(2, 2)), [[1, 1], [0, 1]])
 */
export const clockworkMask = (H: number, g: number, dtype: T.DType = 'f32'): Tensor => {
  const m = new Float64Array(H * H)
  for (let a = 0; a < H; a++)
    for (let b = 0; b < H; b++) m[a * H + b] = moduleOf(b, H, g) >= moduleOf(a, H, g) ? 1 : 0
  return T.tensor(m, { shape: [H, H], dtype })
}

/**
 * Which units update at the step counts `t` (i32 `[B]`): bool `[B, H]`, true where
 * `t mod period(module(u)) = 0`.
 *
 * @example
 * const t = T.tensor([0, 1], { dtype: 'i32' })
 * assert.deepStrictEqual(T.toArray(activeUnits(t, 2, [1, 2])), [[true, true], [true, false]])
 */
export const activeUnits = (t: Tensor, H: number, periods: readonly number[]): Tensor => {
  const steps = T.toTypedArray(t)
  const g = periods.length
  const out = new Uint8Array(steps.length * H)
  for (let b = 0; b < steps.length; b++)
    for (let u = 0; u < H; u++) out[b * H + u] = steps[b] % periods[moduleOf(u, H, g)] === 0 ? 1 : 0
  return T.tensor(out, { shape: [steps.length, H], dtype: 'bool' })
}

/**
 * The Clockwork RNN cell (Lecture §4.5): `ĥ_t = tanh(x_t·W_ihᵀ + b_ih + h_{t−1}·(W_hh ⊙ M)ᵀ +
 * b_hh)`; module i takes ĥ_t when `t mod T_i = 0` and keeps h_{t−1} otherwise.
 *
 * Shapes: x `[B, I]`; state `{ h: [B, H], t: i32 [B] }`, zeros at the start; output h `[B, H]`;
 * W_ih `[H, I]`, W_hh `[H, H]` (block upper-triangular), b_ih and b_hh `[H]`; H a multiple of the
 * number of periods.
 *
 * @example
 * const cell = clockwork({ periods: [1, 2] })
 * const p = cell.init(T.key(0), { inputSize: 1, hiddenSize: 2, dtype: 'f64' })
 * const s0 = cell.initialState(p, 1)
 * const [s1] = cell.step(p, s0, T.ones([1, 1], 'f64'))
 * const [s2] = cell.step(p, s1, T.ones([1, 1], 'f64'))
 * assert.strictEqual(T.toArray(s2.h)[0][1], T.toArray(s1.h)[0][1]) // the slow module waits
 * // rnn(cell) loops the step over [T, B, I] = [4, 1, 1]: the period-2 unit changes every other step.
 * const slow = T.toArray(rnn(cell).apply(p, T.ones([4, 1, 1], 'f64')).output).map((y) => y[0][1])
 * assert.deepStrictEqual([slow[1], slow[3]], [slow[0], slow[2]])
 */
export const clockwork = (options: ClockworkOptions = {}): Cell<ClockworkParams, ClockworkState> => {
  const periods = options.periods ?? [1, 2, 4, 8]
  const act = options.activation ?? 'tanh'
  if (
    periods.length === 0 ||
    periods.some((p, i) => !Number.isInteger(p) || p < 1 || (i > 0 && p <= periods[i - 1]))
  ) {
    throw new T.ArgumentError(
      `clockwork: periods must be increasing positive integers, got ${JSON.stringify(periods)}`,
    )
  }
  const name = 'clockwork'
  const g = periods.length
  const update = (p: ClockworkParams, { h, t }: ClockworkState, xp: Tensor): [ClockworkState, Tensor] => {
    const H = p.W_hh.shape[0]
    const W = T.mul(p.W_hh, clockworkMask(H, g, p.W_hh.dtype))
    const candidate = activate(act, T.add(xp, affine(h, W, p.b_hh)))
    const hNext = T.where(activeUnits(t, H, periods), candidate, h)
    return [{ h: hNext, t: T.add(t, 1) }, hNext]
  }
  const cell: Cell<ClockworkParams, ClockworkState> = {
    name,
    init: (key, o) => {
      checkSizes(name, o)
      const { inputSize: I, hiddenSize: H, dtype = 'f32' } = o
      if (H % g !== 0)
        throw new T.ArgumentError(`clockwork.init: hiddenSize ${H} is not a multiple of the ${g} modules`)
      const k = T.split(key, 4)
      return {
        W_ih: uniformRecurrent(k[0], [H, I], H, dtype),
        W_hh: T.mul(uniformRecurrent(k[1], [H, H], H, dtype), clockworkMask(H, g, dtype)),
        b_ih: uniformRecurrent(k[2], [H], H, dtype),
        b_hh: uniformRecurrent(k[3], [H], H, dtype),
      }
    },
    initialState: (p, batch) => ({
      h: T.zeros([batch, p.W_hh.shape[0]], p.W_hh.dtype),
      t: T.zeros([batch], 'i32'),
    }),
    step: (p, state, x) => {
      checkStep(`${name}.step`, cell, p, state, x)
      return update(p, state, affine(x, p.W_ih, p.b_ih))
    },
    outputSize: (p) => p.W_hh.shape[0],
    inputSize: (p) => p.W_ih.shape[1],
    inputProjection: (p, xs) => affine(xs, p.W_ih, p.b_ih),
    stepProjected: update,
  }
  return cell
}
