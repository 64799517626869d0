/**
 * Laws of `rnn` (src/rnn.ts) that the mutation run (docs/verification.md) found unstated: which
 * path it takes (the fast path exactly when it is not switched off and the cell has both
 * `inputProjection` and `stepProjected`; otherwise `step` at every step, so a cell with only some
 * of the fast members still works), and that omitting `lengths` means every step is valid,
 * whatever an earlier call with padding left behind.
 */
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { assertClose, EXACT, TOL } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import { type Cell, type GruParams, gru, lstm, rnn } from '../src/index.ts'

type Member = 'inputProjection' | 'stepProjected' | 'scanProjected' | 'scan'

/** gru() with the given fast members only, counting the calls of each method. */
const spyCell = (keep: readonly Member[]) => {
  const base = gru()
  const calls: Record<string, number> = {
    step: 0,
    inputProjection: 0,
    stepProjected: 0,
    scanProjected: 0,
    scan: 0,
  }
  const counted =
    <A extends unknown[], R>(name: string, f: (...a: A) => R) =>
    (...a: A): R => {
      calls[name] += 1
      return f(...a)
    }
  const cell: Cell<GruParams, Tensor> = {
    name: base.name,
    init: base.init,
    initialState: base.initialState,
    outputSize: base.outputSize,
    inputSize: base.inputSize,
    step: counted('step', base.step.bind(base)),
    ...(keep.includes('inputProjection')
      ? { inputProjection: counted('inputProjection', base.inputProjection!.bind(base)) }
      : {}),
    ...(keep.includes('stepProjected')
      ? { stepProjected: counted('stepProjected', base.stepProjected!.bind(base)) }
      : {}),
    ...(keep.includes('scanProjected')
      ? { scanProjected: counted('scanProjected', base.scanProjected!.bind(base)) }
      : {}),
    ...(keep.includes('scan') ? { scan: counted('scan', base.scan!.bind(base)) } : {}),
  }
  return { cell, calls }
}

const MEMBER_SETS: Member[][] = [
  [],
  ['inputProjection'],
  ['stepProjected'],
  ['inputProjection', 'stepProjected'],
  ['inputProjection', 'stepProjected', 'scanProjected'],
  ['inputProjection', 'stepProjected', 'scanProjected', 'scan'],
]

describe('rnn takes the fast path exactly when allowed and the cell has inputProjection and stepProjected', () => {
  for (const keep of MEMBER_SETS)
    for (const fast of [undefined, true, false])
      it(`members [${keep.join(', ')}], fast: ${String(fast)}`, () => {
        const { cell, calls } = spyCell(keep)
        const p = cell.init(T.key(1), { inputSize: 2, hiddenSize: 3, dtype: 'f64' })
        const xs = T.randn(T.key(2), [4, 2, 2], 'f64')
        const { output } = rnn(cell, fast === undefined ? {} : { fast }).apply(p, xs, { lengths: [4, 2] })
        const fastPath = fast !== false && keep.includes('inputProjection') && keep.includes('stepProjected')
        const scanned = fastPath && keep.includes('scanProjected')
        // scan is asked first; in f64 it declines (the wasm recurrence is f32) and rnn projects.
        expect(calls).toEqual({
          step: fastPath ? 0 : 4,
          inputProjection: fastPath ? 1 : 0,
          stepProjected: fastPath && !scanned ? 4 : 0,
          scanProjected: scanned ? 1 : 0,
          scan: scanned && keep.includes('scan') ? 1 : 0,
        })
        // Every path computes the same layer.
        const reference = rnn(gru(), { fast: false }).apply(p, xs, { lengths: [4, 2] })
        assertClose(output, reference.output, TOL.f64)
      })
})

describe('rnn runs the cell’s scan when it takes the arguments', () => {
  it('f32 under the default provider: scan alone, no projection and no scanProjected', () => {
    const { cell, calls } = spyCell(['inputProjection', 'stepProjected', 'scanProjected', 'scan'])
    const p = cell.init(T.key(1), { inputSize: 2, hiddenSize: 3 })
    const xs = T.randn(T.key(2), [4, 2, 2])
    const { output } = rnn(cell).apply(p, xs, { lengths: [4, 2] })
    expect(calls).toEqual({ step: 0, inputProjection: 0, stepProjected: 0, scanProjected: 0, scan: 1 })
    const reference = rnn(gru(), { fast: false }).apply(p, xs, { lengths: [4, 2] })
    assertClose(output, reference.output, TOL.f32)
  })
})

describe('without lengths every step is valid', () => {
  // The WebAssembly recurrence keeps its linear memory between calls; a call without lengths
  // must not read the lengths an earlier, padded call left there.
  for (const [name, cell] of [
    ['gru()', gru()],
    ['lstm()', lstm()],
  ] as const)
    for (const dtype of ['f32', 'f64'] as const)
      it(`${name}, ${dtype}`, () => {
        const layer = rnn(cell as Cell)
        const p = (cell as Cell).init(T.key(3), { inputSize: 2, hiddenSize: 3, dtype })
        const xs = T.randn(T.key(4), [3, 2, 2], dtype)
        layer.apply(p, xs, { lengths: [0, 1] })
        const none = layer.apply(p, xs)
        const full = layer.apply(p, xs, { lengths: [3, 3] })
        assertClose(none.output, full.output, EXACT, 'output')
        T.treeLeaves(none.state).forEach((l, i) =>
          assertClose(l, T.treeLeaves(full.state)[i], EXACT, 'state'),
        )
      })
})
