/** How per-element losses combine, as PyTorch's `reduction` argument. */
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'

/** How per-element losses combine (PyTorch's `reduction`). */
export type Reduction = 'mean' | 'sum' | 'none'

/** Combines per-element losses: kept (`none`), summed, or averaged over `count` (default: all). */
export const reduce = (op: string, losses: Tensor, reduction: Reduction, count?: Tensor | number): Tensor => {
  switch (reduction) {
    case 'none':
      return losses
    case 'sum':
      return T.sum(losses)
    case 'mean':
      return count === undefined ? T.mean(losses) : T.div(T.sum(losses), count)
    default:
      throw new T.ArgumentError(
        `${op}: reduction must be 'mean', 'sum' or 'none', got ${JSON.stringify(reduction)}`,
      )
  }
}
