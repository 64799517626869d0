/**
 * `scan` (Lecture §2.3: the same network is used again and again at every time step). Folds a
 * step function over the time axis, carrying state and collecting outputs. Differentiating
 * through it is backpropagation through time (§4.2), with no extra code.
 */

import type { Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'

/**
 * `scan(f, carry0, xs)` with `f: (carry, x_t) → [carry, y_t]` over the leading axis of `xs` (or
 * over an array of steps); returns `[carry_T, ys]` with the `y_t` stacked on a new leading axis
 * (leaf by leaf when y is a pytree).
 *
 * @example
 * const [total, running] = scan((s, x) => [T.add(s, x), T.add(s, x)], T.tensor(0), T.tensor([1, 2, 3]))
 * assert.strictEqual(T.item(total), 6)
 * assert.deepStrictEqual(T.toArray(running), [1, 3, 6])
 */
export const scan = <C extends Tree, Y extends Tree>(
  f: (carry: C, x: Tensor) => [C, Y],
  carry0: C,
  xs: Tensor | readonly Tensor[],
): [C, Y] => {
  const steps = T.isTensor(xs) ? T.unstack(xs, 0) : xs
  if (steps.length === 0) throw new T.ArgumentError('scan: needs at least one time step')
  let carry = carry0
  const ys: Y[] = []
  for (const x of steps) {
    const [next, y] = f(carry, x)
    carry = next
    ys.push(y)
  }
  const flat = ys.map((y) => T.treeFlatten(y))
  const stacked = flat[0].leaves.map((_, i) => T.stack(flat.map((fl) => fl.leaves[i])))
  return [carry, flat[0].unflatten(stacked)]
}
