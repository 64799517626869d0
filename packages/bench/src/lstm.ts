/**
 * LSTM and GRU forward + backward (BPTT) steps per second, the fast path (hoisted input projection)
 * against the readable per-step oracle, measured in the same run.
 */
import { valueAndGrad } from '@recurrent/autograd'
import { gru, lstm, rnn } from '@recurrent/cells'
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { table, timePerCall } from './measure.ts'

const SIZES = [
  { label: 'main (B 32, T 35, I 64, H 128)', B: 32, T: 35, I: 64, H: 128 },
  { label: 'lecture (B 1, T 10, I 8, H 16)', B: 1, T: 10, I: 8, H: 16 },
]

export const benchLstm = (quick: boolean): void => {
  console.log(
    '\nLSTM and GRU forward + backward, f32 (steps/s; ratio = fast path / per-step oracle, same run)',
  )
  const rows: (string | number)[][] = []
  for (const [name, cell] of [
    ['lstm', lstm()],
    ['gru', gru()],
  ] as const)
    for (const s of quick ? SIZES.slice(1) : SIZES) {
      const params = (cell as ReturnType<typeof lstm>).init(T.key(0), { inputSize: s.I, hiddenSize: s.H })
      const xs = T.randn(T.key(1), [s.T, s.B, s.I])
      const rate = (fast: boolean) => {
        const layer = rnn(cell as ReturnType<typeof lstm>, { fast })
        const loss = (p: typeof params, x: Tensor) => T.sum(layer.apply(p, x).output)
        return 1 / timePerCall(() => valueAndGrad(loss)(params, xs), { samples: 3, minSeconds: 0.2 })
      }
      const oracle = rate(false)
      const fast = rate(true)
      rows.push([name, s.label, 'per-step oracle', oracle.toFixed(1), '1.00×'])
      rows.push([name, s.label, 'fast path', fast.toFixed(1), `${(fast / oracle).toFixed(2)}×`])
    }
  table(['cell', 'size', 'path', 'steps/s', 'vs oracle'], rows)
}
