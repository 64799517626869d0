/**
 * LSTM and GRU forward + backward (BPTT) steps per second, the fast path (hoisted input projection,
 * the recurrence in WebAssembly) against the readable per-step oracle and against the fast path
 * with its recurrence in the TypeScript loop, measured in the same run. The TypeScript loop is
 * reached with a dispatcher over the same wasm products (`T.dispatch([T.wasm])`): the fused ops
 * take the wasm recurrence only under the default provider or `T.wasm` (`wasmRecurrence`).
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

/** The same wasm products under a provider other than the default: the fused ops keep their TypeScript loop. */
const TS_LOOP = T.dispatch([T.wasm])

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
      const rate = (fast: boolean, provider = T.auto) => {
        const layer = rnn(cell as ReturnType<typeof lstm>, { fast })
        const loss = (p: typeof params, x: Tensor) => T.sum(layer.apply(p, x).output)
        const step = () => T.withBackend(provider, () => valueAndGrad(loss)(params, xs))
        return 1 / timePerCall(step, { samples: 3, minSeconds: 0.2 })
      }
      const oracle = rate(false)
      const tsLoop = rate(true, TS_LOOP)
      const fast = rate(true)
      rows.push([name, s.label, 'per-step oracle', oracle.toFixed(1), '1.00×'])
      rows.push([
        name,
        s.label,
        'fast path, TypeScript recurrence',
        tsLoop.toFixed(1),
        `${(tsLoop / oracle).toFixed(2)}×`,
      ])
      rows.push([
        name,
        s.label,
        'fast path, wasm recurrence',
        fast.toFixed(1),
        `${(fast / oracle).toFixed(2)}×`,
      ])
    }
  table(['cell', 'size', 'path', 'steps/s', 'vs oracle'], rows)
}
