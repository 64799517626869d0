/**
 * Reverse-mode differentiation as pure function transformations, with JAX's shapes:
 * `grad`, `valueAndGrad`, `vjp`, `customVjp`, `stopGradient`. They differentiate any function
 * written with `@recurrent/tensor` ops (Lecture §4.2: backpropagation, and through a time scan,
 * backpropagation through time) over pytrees of tensors.
 */

import type { Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import * as I from '@recurrent/tensor/internal'
import { type CarriedVjp, Tape } from './tape.ts'

/**
 * Which positional arguments to differentiate, and whether `f` returns `[value, aux]`. A literal
 * `argnums` (`1`, `[0, 1]`) types the gradients argument by argument.
 */
export interface GradOptions<N extends Argnums = Argnums, Aux extends boolean = boolean> {
  readonly argnums?: N
  readonly hasAux?: Aux
}

/** An `argnums` value: one argument's index, or a list of them. */
export type Argnums = number | readonly number[]

/**
 * The type of a gradient (or cotangent) of a value of type `A`: tensor leaves stay `Tensor`,
 * arrays, tuples and objects map structurally, static values keep their type, as the runtime
 * gives back the argument's structure with a gradient at each leaf.
 *
 * @example
 * // Grads<{ W: Tensor; layers: [Tensor, Tensor]; name: string }>
 * //   = { W: Tensor; layers: [Tensor, Tensor]; name: string }
 * const g = AD.grad((p) => T.sum(T.mul(p.W, p.W)))({ W: T.tensor([1, 2], { dtype: 'f64' }), name: 'w' })
 * assert.deepStrictEqual(T.toArray(g.W), [2, 4])
 * assert.strictEqual(g.name, 'w')
 */
export type Grads<A> = 0 extends 1 & A ? any : [Tree] extends [A] ? A : GradsOf<A>
type GradsOf<A> = A extends Tensor
  ? Tensor
  : A extends (...args: never[]) => unknown
    ? A
    : A extends readonly unknown[]
      ? { -readonly [K in keyof A]: Grads<A[K]> }
      : A extends object
        ? { [K in keyof A]: Grads<A[K]> }
        : A

/** The indices of `Args` as numbers (`number` when `Args` has no fixed length). */
export type ArgIndex<Args extends readonly unknown[]> = number extends Args['length']
  ? number
  : ToIndex<Extract<keyof Args, `${number}`>>
type ToIndex<K> = K extends `${infer I extends number}` ? I : never

/**
 * The gradients that `argnums` = `N` gives for arguments `Args`: one tree for a number, a tuple of
 * them for a literal list, and `any[]` for a list known only at run time.
 */
export type GradsAt<Args extends readonly unknown[], N> = N extends number
  ? Grads<Args[N]>
  : N extends readonly number[]
    ? number extends N['length']
      ? any[]
      : { -readonly [K in keyof N]: Grads<Args[N[K] & number]> }
    : never

/** `unknown` when every literal index in `N` is an argument of `Args`, else a type no options object has. */
type CheckArgnums<Args extends readonly unknown[], N> =
  number extends Indexes<N>
    ? unknown
    : [Exclude<Indexes<N>, ArgIndex<Args>>] extends [never]
      ? unknown
      : { readonly 'argnums names an argument that f does not have': never }
type Indexes<N> = N extends readonly (infer I)[] ? I : N

/** A copy of `t` that an outer tape sees as `identity(t)`, so each level has leaves of its own. */
const alias = (t: Tensor): Tensor =>
  I.emit('identity', [t], undefined, I.fromStorage(I.storageOf(t), t.shape, t.dtype))

type Watched = { tape: Tape; args: unknown[]; slots: number[][]; flats: ReturnType<typeof T.treeFlatten>[] }

const watchArgs = (args: readonly unknown[], nums: readonly number[], op: string): Watched => {
  const tape = new Tape()
  const next = [...args]
  const slots: number[][] = []
  const flats = nums.map((i) => {
    if (i < 0 || i >= args.length || !Number.isInteger(i)) {
      throw new T.ArgumentError(`${op}: argnum ${i} is out of range for ${args.length} arguments`)
    }
    const flat = T.treeFlatten(args[i] as Tree)
    const leaves = flat.leaves.map(alias)
    slots.push(leaves.map((l) => (T.isFloat(l.dtype) ? tape.watch(l) : -1)))
    next[i] = flat.unflatten(leaves)
    return flat
  })
  return { tape, args: next, slots, flats }
}

const gradsOf = (w: Watched, cts: Map<number, Tensor>): Tree[] =>
  w.flats.map((flat, j) =>
    flat.unflatten(flat.leaves.map((leaf, i) => cts.get(w.slots[j][i]) ?? T.zeros(leaf.shape, leaf.dtype))),
  )

/**
 * `f`'s value and its gradient with respect to the `argnums` arguments (default: the first).
 * `f` returns a scalar float tensor (or `[scalar, aux]` with `hasAux`, giving
 * `[[value, aux], gradient]` as JAX). Gradients have the structure, and the type (`Grads`), of the
 * differentiated argument; with a list of argnums, a list (a tuple for a literal list) of them.
 * An `argnums` naming an argument `f` does not have, or `hasAux` with an `f` that does not
 * return a pair, does not typecheck.
 *
 * @example
 * const f = (x) => T.sum(T.mul(x, x))
 * const [value, g] = AD.valueAndGrad(f)(T.tensor([1, 2, 3], { dtype: 'f64' }))
 * assert.strictEqual(T.item(value), 14)
 * assert.deepStrictEqual(T.toArray(g), [2, 4, 6])
 * const h = (w, x) => [T.sum(T.mul(w, x)), 'aux']
 * const [[v, aux], [gw, gx]] = AD.valueAndGrad(h, { argnums: [0, 1], hasAux: true })(
 *   T.tensor([1, 2], { dtype: 'f64' }),
 *   T.tensor([3, 4], { dtype: 'f64' }),
 * )
 * assert.deepStrictEqual([T.item(v), aux, T.toArray(gw), T.toArray(gx)], [11, 'aux', [3, 4], [1, 2]])
 */
export function valueAndGrad<Args extends unknown[], V extends Tensor, A, const N extends Argnums = 0>(
  f: (...args: Args) => readonly [V, A],
  options: GradOptions<N, true> & { readonly hasAux: true } & CheckArgnums<Args, N>,
): (...args: Args) => [[V, A], GradsAt<Args, N>]
export function valueAndGrad<Args extends unknown[], V extends Tensor, const N extends Argnums = 0>(
  f: (...args: Args) => V,
  options?: GradOptions<N, false> & CheckArgnums<Args, N>,
): (...args: Args) => [V, GradsAt<Args, N>]
export function valueAndGrad(
  f: (...args: unknown[]) => unknown,
  options: GradOptions = {},
): (...args: unknown[]) => [unknown, unknown] {
  return (...args) => {
    const { argnums = 0, hasAux = false } = options
    const nums = typeof argnums === 'number' ? [argnums] : [...argnums]
    const w = watchArgs(args, nums, 'grad')
    const out = I.withTracer(w.tape, () => f(...w.args))
    const value = hasAux ? (out as [unknown, unknown])[0] : out
    if (!T.isTensor(value) || value.size !== 1 || !T.isFloat(value.dtype)) {
      const got = T.isTensor(value)
        ? `${value.dtype} tensor of shape ${T.showShape(value.shape)}`
        : typeof value
      throw new T.ArgumentError(
        `grad: f must return a scalar float tensor${hasAux ? ' as [value, aux]' : ''}, got ${got}`,
      )
    }
    const slot = w.tape.slotOf(value)
    const cts =
      slot === undefined
        ? new Map<number, Tensor>()
        : w.tape.backward(new Map([[slot, T.full(value.shape, 1, value.dtype)]]))
    const grads = gradsOf(w, cts)
    return [out, typeof argnums === 'number' ? grads[0] : grads]
  }
}

/**
 * The gradient of a scalar-valued `f` (JAX's `grad`): `∇f` with the shape of the argument.
 * Options as `valueAndGrad`; with `hasAux` the result is `[gradient, aux]`. The gradient's type
 * is the argument's (`Grads`): a params object gives that object's type, a tuple a tuple.
 *
 * @example
 * const dtanh = AD.grad((x) => T.sum(T.tanh(x)))
 * assert.ok(Math.abs(T.item(dtanh(T.tensor(0, { dtype: 'f64' }))) - 1) < 1e-12)
 */
export function grad<Args extends unknown[], V extends Tensor, A, const N extends Argnums = 0>(
  f: (...args: Args) => readonly [V, A],
  options: GradOptions<N, true> & { readonly hasAux: true } & CheckArgnums<Args, N>,
): (...args: Args) => [GradsAt<Args, N>, A]
export function grad<Args extends unknown[], V extends Tensor, const N extends Argnums = 0>(
  f: (...args: Args) => V,
  options?: GradOptions<N, false> & CheckArgnums<Args, N>,
): (...args: Args) => GradsAt<Args, N>
export function grad(
  f: (...args: unknown[]) => unknown,
  options: GradOptions = {},
): (...args: unknown[]) => unknown {
  const vg = valueAndGrad(f as (...args: unknown[]) => Tensor, options as GradOptions<Argnums, false>)
  return (...args) => {
    const [out, g] = vg(...args)
    return options.hasAux ? [g, (out as unknown as [unknown, unknown])[1]] : g
  }
}

/**
 * Vector-Jacobian product: `f`'s output at `primals` and a pullback mapping an output cotangent
 * `c` (a tree shaped like the output) to `Jᵀc` for each primal (an array, one tree per primal).
 * The pullback is typed: its argument has the output's type and its result is a tuple with
 * each primal's type (`Grads`).
 *
 * @example
 * const [y, pullback] = AD.vjp((x) => T.mul(x, 3), T.tensor([1, 2], { dtype: 'f64' }))
 * assert.deepStrictEqual(T.toArray(pullback(T.tensor([1, 1], { dtype: 'f64' }))[0]), [3, 3])
 */
export const vjp = <Args extends unknown[], Out extends Tree>(
  f: (...primals: Args) => Out,
  ...primals: Args
): [Out, (cotangent: Grads<Out>) => Grads<Args>] => {
  const w = watchArgs(
    primals,
    primals.map((_, i) => i),
    'vjp',
  )
  const out = I.withTracer(w.tape, () => f(...(w.args as Args)))
  const outFlat = T.treeFlatten(out)
  const pullback = (cotangent: Grads<Out>): Grads<Args> => {
    const cts = T.treeFlatten(cotangent as Tree).leaves
    if (cts.length !== outFlat.leaves.length) {
      throw new T.ArgumentError(
        `vjp: cotangent has ${cts.length} leaves, the output has ${outFlat.leaves.length}`,
      )
    }
    const seeds = new Map<number, Tensor>()
    outFlat.leaves.forEach((y, i) => {
      if (T.showShape(y.shape) !== T.showShape(cts[i].shape)) {
        throw new T.ShapeError(
          `vjp: cotangent ${outFlat.paths[i] || '(root)'} has shape ${T.showShape(cts[i].shape)}, output ${T.showShape(y.shape)}`,
        )
      }
      const s = w.tape.slotOf(y)
      if (s !== undefined) seeds.set(s, seeds.has(s) ? T.add(seeds.get(s)!, cts[i]) : cts[i])
    })
    return gradsOf(w, w.tape.backward(seeds)) as Grads<Args>
  }
  return [out, pullback]
}

/**
 * The identity whose gradient is zero: the value is used, but no derivative flows through it.
 *
 * @example
 * const g = AD.grad((x) => T.sum(T.mul(x, AD.stopGradient(x))))(T.tensor([2], { dtype: 'f64' }))
 * assert.deepStrictEqual(T.toArray(g), [2])
 */
export const stopGradient = <A extends Tree>(tree: A): A =>
  T.treeMap(tree, (t) =>
    I.emit('stopGradient', [t], undefined, I.fromStorage(I.storageOf(t), t.shape, t.dtype)),
  )

/** What `customVjp`'s `bwd` returns: for each argument, a tree shaped like it, or null. */
export type Cotangents<Args extends readonly unknown[]> = {
  readonly [K in keyof Args]: Grads<Args[K]> | null
}

/**
 * A function with a hand-written derivative (JAX's `custom_vjp`), over pytrees. `fwd` returns
 * the output and residuals; `bwd(residuals, outputCotangent)` returns one cotangent tree per
 * argument (or null for an argument that receives none, such as integer targets), typed like
 * the arguments (`Cotangents`). Under a
 * gradient the ops inside `fwd` are not recorded: the rule replaces them. Used where a derivative
 * is exact and cheaper than the recorded one (CTC's forward–backward, the fused LSTM gates).
 * `bwd` is itself written with tensor ops, so a second derivative flows through the cotangent
 * (not through the residuals, which are constants to outer levels).
 *
 * @example
 * const square = AD.customVjp(
 *   (x) => T.mul(x, x),
 *   (x) => [T.mul(x, x), x],
 *   (x, g) => [T.mul(T.mul(g, x), 2)],
 * )
 * assert.deepStrictEqual(T.toArray(AD.grad((x) => T.sum(square(x)))(T.tensor([3], { dtype: 'f64' }))), [6])
 */
export const customVjp =
  <Args extends unknown[], Out extends Tree, Res>(
    f: (...args: Args) => Out,
    fwd: (...args: Args) => [Out, Res],
    bwd: (residuals: Res, cotangent: Grads<Out>) => Cotangents<Args>,
  ) =>
  (...args: Args): Out => {
    if (!I.isTracing()) return f(...args)
    const [rawOut, residuals] = I.untraced(() => fwd(...args))
    const argFlats = args.map((a) => T.treeFlatten(a as Tree))
    const inputs = argFlats.flatMap((fl) => fl.leaves)
    const outFlat = T.treeFlatten(rawOut)
    // Fresh output tensors, so no output is mistaken for an input by the tape.
    const outputs = outFlat.leaves.map((t) => I.fromStorage(I.storageOf(t), t.shape, t.dtype))
    const out = outFlat.unflatten(outputs)
    const vjpRule: CarriedVjp = (cts) => {
      const gs = bwd(residuals, outFlat.unflatten(cts) as Grads<Out>) as readonly (Tree | null)[]
      if (gs.length !== args.length) {
        throw new T.ArgumentError(
          `customVjp: bwd returned ${gs.length} cotangents for ${args.length} arguments`,
        )
      }
      return gs.flatMap((g, i) =>
        g === null || g === undefined ? argFlats[i].leaves.map(() => null) : T.treeFlatten(g).leaves,
      )
    }
    I.emitMany('custom', inputs, { vjp: vjpRule }, outputs)
    return out
  }
