/** Mean squared error `ℓ = (prediction − target)²`, averaged (or summed) over every element. */

import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { type Reduction, reduce } from './reduction.ts'

/**
 * Squared error between `prediction` and `target` (same shape).
 *
 * @example
 * assert.strictEqual(T.item(mse(T.tensor([1, 2]), T.tensor([1, 4]))), 2)
 */
export const mse = (prediction: Tensor, target: Tensor, options: { reduction?: Reduction } = {}): Tensor => {
  if (T.showShape(prediction.shape) !== T.showShape(target.shape)) {
    throw new T.ShapeError(
      `mse: prediction ${T.showShape(prediction.shape)} and target ${T.showShape(target.shape)} differ`,
    )
  }
  const d = T.sub(prediction, target)
  return reduce('mse', T.mul(d, d), options.reduction ?? 'mean')
}
