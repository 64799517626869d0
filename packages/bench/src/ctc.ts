/**
 * CTC loss + gradient for T 100, C 30, label length 20, batch 16, against the forward
 * recursion alone (the loss without its gradient), measured in the same run.
 */
import { valueAndGrad } from '@recurrent/autograd'
import { ctcLoss } from '@recurrent/losses'
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { table, timePerCall } from './measure.ts'

export const benchCtc = (): void => {
  const [steps, B, C, L] = [100, 16, 30, 20]
  console.log(
    `\nCTC, T ${steps}, C ${C}, label length ${L}, batch ${B}, f32 (ms; ratio to the forward recursion alone)`,
  )
  const logits = T.randn(T.key(0), [steps, B, C])
  const labels = Array.from({ length: B }, (_, b) =>
    Array.from({ length: L }, (_, s) => 1 + ((b * 7 + s * 3) % (C - 1))),
  )
  const lengths = { input: Array(B).fill(steps), target: Array(B).fill(L) }
  const lp = T.logSoftmax(logits)
  const loss = (x: Tensor) => ctcLoss(x, labels, lengths.input, lengths.target)
  const forward = timePerCall(() => loss(lp), { samples: 5, minSeconds: 0.2 })
  const both = timePerCall(() => valueAndGrad(loss)(lp), { samples: 5, minSeconds: 0.2 })
  const ms = (t: number) => (t * 1e3).toFixed(2)
  table(
    ['path', 'ms', 'vs forward'],
    [
      ['forward recursion (loss only)', ms(forward), '1.00×'],
      ['loss + hand-derived gradient', ms(both), `${(both / forward).toFixed(2)}×`],
    ],
  )
}
