/**
 * Per-op overhead: a small elementwise op (4 elements) through the public API, untraced and
 * under a `grad` trace, against the same arithmetic as a bare typed-array loop (same run).
 */
import { grad } from '@recurrent/autograd'
import * as T from '@recurrent/tensor'
import { table, timePerCall } from './measure.ts'

export const benchOverhead = (): void => {
  console.log('\nper-op overhead: add of two [4] f32 tensors (ns/op; ratio to a bare Float32Array loop)')
  const x = T.tensor([1, 2, 3, 4])
  const y = T.tensor([5, 6, 7, 8])
  const xa = new Float32Array([1, 2, 3, 4])
  const ya = new Float32Array([5, 6, 7, 8])
  const ops = 100
  const bare = timePerCall(() => {
    for (let r = 0; r < ops; r++) {
      const out = new Float32Array(4)
      for (let i = 0; i < 4; i++) out[i] = xa[i] + ya[i]
    }
  })
  const plain = timePerCall(() => {
    for (let r = 0; r < ops; r++) T.add(x, y)
  })
  // Under grad: `ops` adds recorded on the tape, then the backward pass over them.
  const chain = (p: T.Tensor) => {
    let acc = p
    for (let r = 0; r < ops; r++) acc = T.add(acc, y)
    return T.sum(acc)
  }
  const traced = timePerCall(() => grad(chain)(x))
  const ns = (t: number) => ((t / ops) * 1e9).toFixed(0)
  table(
    ['path', 'ns/op', 'vs bare loop'],
    [
      ['bare Float32Array loop', ns(bare), '1.0×'],
      ['T.add, untraced', ns(plain), `${(plain / bare).toFixed(1)}×`],
      ['T.add, forward + backward under grad', ns(traced), `${(traced / bare).toFixed(1)}×`],
    ],
  )
}
