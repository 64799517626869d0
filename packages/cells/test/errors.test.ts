/** Bad input is reported by the layer or cell it was given to: its name, the argument, the shapes. */

import type { Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { numRuns } from '@recurrent/testkit'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bidirectional,
  type Cell,
  clockwork,
  dense,
  dropout,
  elman,
  embedding,
  gru,
  irnn,
  jordan,
  type Layer,
  lstm,
  rnn,
  scan,
  scrn,
  stack,
} from '../src/index.ts'
import { cellLaws } from '../src/laws.ts'

const CELLS: Cell[] = [
  elman(),
  jordan({ outputSize: 2 }),
  lstm(),
  lstm({ peephole: 'diagonal' }),
  gru(),
  irnn(),
  clockwork({ periods: [1] }),
  scrn(),
]

/** Internal names that must never reach a user: ops deep inside a layer, or raw JS errors. */
const INTERNAL = /fusedMatmul|matmul|gather|RangeError|offset is out of bounds|undefined|NaN/

/** `f` throws one of the typed errors, whose message starts with `where:` and contains every part. */
const expectActionable = (f: () => unknown, where: string, ...parts: (string | RegExp)[]): void => {
  let thrown: unknown
  try {
    f()
  } catch (e) {
    thrown = e
  }
  expect(thrown, `${where}: nothing was thrown`).toBeInstanceOf(Error)
  const e = thrown as Error
  expect(
    [T.ShapeError, T.DTypeError, T.ArgumentError].some((C) => e instanceof C),
    `${e.name}: ${e.message}`,
  ).toBe(true)
  expect(e.message.startsWith(`${where}: `), e.message).toBe(true)
  expect(e.message).not.toMatch(INTERNAL)
  for (const part of parts) {
    if (typeof part === 'string') expect(e.message).toContain(part)
    else expect(e.message).toMatch(part)
  }
}

/** Every float leaf as f64 (i32 leaves, such as Clockwork's step count, stay as they are). */
const toF64 = <S extends Tree>(s: S): S => T.treeMap(s, (t) => (T.isFloat(t.dtype) ? T.cast(t, 'f64') : t))

/** The params with their last leaf cast to f64: a mixed-dtype parameter set. */
const mixDTypes = <P extends Tree>(p: P): [P, string, string] => {
  const paths = T.treePaths(p)
  const last = paths[paths.length - 1]
  return [T.treeMap(p, (t, path) => (path === last ? T.cast(t, 'f64') : t)), last, paths[0]]
}

interface SequenceLayer {
  readonly label: string
  readonly layer: Layer
  readonly params: Tree
}

/** A sequence layer over inputs of 3 features, hidden size 2 (f32). */
const sequenceLayers = (): SequenceLayer[] => {
  const layers: [string, Layer][] = [
    ...CELLS.map((c): [string, Layer] => [rnn(c).name, rnn(c)]),
    ['rnn(lstm) without its fast path', rnn(lstm(), { fast: false })],
    ['bidirectional(rnn(lstm))', bidirectional(rnn(lstm()))],
    ['stack(rnn(gru), rnn(elman))', stack([rnn(gru()), rnn(elman())])],
  ]
  return layers.map(([label, layer]) => ({
    label,
    layer,
    params: layer.init(T.key(0), { inputSize: 3, hiddenSize: 2 }),
  }))
}

describe('each sequence layer names itself and the argument for each mistake', () => {
  const xs = T.zeros([5, 2, 3])
  for (const { label, layer, params: p } of sequenceLayers()) {
    const name = layer.name
    const apply =
      (input: unknown, o: object = {}) =>
      () =>
        layer.apply(p, input as Tensor, o)
    it(`${label}: input of the wrong rank, feature size, dtype or kind`, () => {
      expectActionable(apply(T.zeros([2, 3])), name, 'input has shape [2,3], expected [T,B,3]')
      expectActionable(apply(T.zeros([5, 2, 4])), name, 'input has shape [5,2,4], expected [T,B,3]')
      expectActionable(
        apply(T.zeros([5, 2, 3], 'f64')),
        name,
        'input is f64 but the parameters are f32 (cast with T.cast)',
      )
      expectActionable(apply(T.zeros([5, 2, 3], 'i32')), name, 'input is i32 but the parameters are f32')
      expectActionable(apply([[[0, 0, 0]]]), name, 'input must be a tensor [T,B,3], got an array')
    })
    it(`${label}: state0 of another batch, dtype or structure`, () => {
      expectActionable(
        apply(xs, { state0: layer.initialState(p, 3) }),
        name,
        /state0(\.[\w.]+)? has shape \[3,\d+\], expected \[2,\d+\] \(batch 2 from input \[5,2,3\]\)/,
      )
      expectActionable(
        apply(xs, { state0: toF64(layer.initialState(p, 2)) }),
        name,
        /state0(\.[\w.]+)? is f64, expected f32/,
      )
      expectActionable(apply(xs, { state0: 0 }), name, /state0 must be .*, got number/)
    })
    it(`${label}: lengths that do not fit the batch or the sequence`, () => {
      expectActionable(apply(xs, { lengths: [1] }), name, 'lengths has 1 entries for a batch of 2')
      expectActionable(apply(xs, { lengths: [1, 6] }), name, 'lengths[1] = 6 is not an integer in [0, 5]')
      expectActionable(apply(xs, { lengths: 'all' }), name, 'lengths must be a [B] tensor or an array')
    })
    it(`${label}: parameters of mixed dtypes`, () => {
      const [mixed, last, first] = mixDTypes(p)
      expectActionable(() => layer.apply(mixed, xs), name, `parameter ${last} is f64 but ${first} is f32`)
    })
  }
  it('the layer reports the mistakes the ops used to (batch of state0, dtype of the input)', () => {
    const l = rnn(lstm())
    const p = l.init(T.key(0), { inputSize: 8, hiddenSize: 4 })
    expect(() =>
      l.apply(p, T.zeros([5, 2, 8]), { state0: { h: T.zeros([3, 4]), c: T.zeros([3, 4]) } }),
    ).toThrow('rnn(lstm): state0.h has shape [3,4], expected [2,4] (batch 2 from input [5,2,8])')
    const e = rnn(elman())
    const pe = e.init(T.key(0), { inputSize: 8, hiddenSize: 4 })
    expect(() => e.apply(pe, T.zeros([5, 2, 8], 'f64'))).toThrow(
      'rnn(elman(tanh)): input is f64 but the parameters are f32 (cast with T.cast)',
    )
    expect(() => e.apply(pe, T.zeros([5, 2, 8]), { state0: T.zeros([3, 4]) })).toThrow(
      'rnn(elman(tanh)): state0 has shape [3,4], expected [2,4] (batch 2 from input [5,2,8])',
    )
  })
  it('stack and bidirectional check the shape of their params', () => {
    const deep = stack([rnn(gru()), rnn(gru())])
    const p = deep.init(T.key(0), { inputSize: 1, hiddenSize: 1 })
    expectActionable(
      () => deep.apply([p[0]] as never, T.zeros([1, 1, 1])),
      deep.name,
      'params must be an array of 2 parameter sets, one per layer, got 1',
    )
    const bi = bidirectional(rnn(gru()))
    expectActionable(
      () => bi.apply(p[0] as never, T.zeros([1, 1, 1])),
      bi.name,
      'params must be { forward, backward }',
    )
  })
})

describe('each cell step names the cell and the argument for each mistake', () => {
  for (const cell of CELLS) {
    const where = `${cell.name}.step`
    const p = cell.init(T.key(0), { inputSize: 3, hiddenSize: 2 })
    const s = cell.initialState(p, 4)
    it(`${where}: x of the wrong feature size, rank or dtype`, () => {
      expectActionable(() => cell.step(p, s, T.zeros([4, 5])), where, 'x has shape [4,5], expected [B,3]')
      expectActionable(
        () => cell.step(p, s, T.zeros([1, 4, 3])),
        where,
        'x has shape [1,4,3], expected [B,3]',
      )
      expectActionable(
        () => cell.step(p, s, T.zeros([4, 3], 'f64')),
        where,
        'x is f64 but the parameters are f32',
      )
    })
    it(`${where}: a state of another batch or dtype, parameters of mixed dtypes`, () => {
      expectActionable(
        () => cell.step(p, cell.initialState(p, 2), T.zeros([4, 3])),
        where,
        /state(\.\w+)? has shape \[2(,\d+)?\], expected \[4(,\d+)?\] \(batch 4 from x \[4,3\]\)/,
      )
      expectActionable(
        () => cell.step(p, toF64(s), T.zeros([4, 3])),
        where,
        /state(\.\w+)? is f64, expected f32/,
      )
      const [mixed, last] = mixDTypes(p)
      expectActionable(() => cell.step(mixed, s, T.zeros([4, 3])), where, `parameter ${last} is f64`)
    })
  }
  it('sizes must be positive integers', () => {
    for (const cell of CELLS)
      expect(() => cell.init(T.key(0), { inputSize: 0, hiddenSize: 2 })).toThrow(
        `${cell.name}.init: inputSize must be a positive integer`,
      )
  })
})

describe('dense and embedding name themselves and the argument', () => {
  const d = dense()
  const pd = d.init(T.key(0), { inputSize: 2, outputSize: 1 })
  it('dense: input of the wrong feature size, dtype or kind; parameters of mixed dtypes', () => {
    expectActionable(() => d.apply(pd, T.zeros([3])), 'dense', 'input has shape [3], expected [...,2]')
    expectActionable(() => d.apply(pd, T.zeros([])), 'dense', 'input has shape [], expected [...,2]')
    expectActionable(
      () => d.apply(pd, T.zeros([5, 2], 'f64')),
      'dense',
      'input is f64 but the parameters are f32',
    )
    expectActionable(() => d.apply(pd, 1 as never), 'dense', 'input must be a tensor [...,2], got number')
    expectActionable(
      () => d.apply({ W: pd.W, b: T.zeros([1], 'f64') }, T.zeros([5, 2])),
      'dense',
      'parameter b is f64 but W is f32',
    )
  })
  const e = embedding()
  const pe = e.init(T.key(0), { vocabularySize: 10, dim: 4 })
  it('embedding: indices of the wrong dtype, out of range or not a tensor; integer parameters', () => {
    expectActionable(() => e.apply(pe, T.tensor([1, 2])), 'embedding', 'indices is f32, expected i32')
    expectActionable(
      () => e.apply(pe, T.tensor([1, 12], { dtype: 'i32' })),
      'embedding',
      'indices[1] = 12 is not in [0, 10)',
    )
    expectActionable(
      () => e.apply(pe, T.tensor([-1], { dtype: 'i32' })),
      'embedding',
      'indices[0] = -1 is not in [0, 10)',
    )
    expectActionable(
      () => e.apply(pe, [1] as never),
      'embedding',
      'indices must be an i32 tensor, got an array',
    )
    expectActionable(
      () => e.apply({ E: T.zeros([10, 4], 'i32') }, T.tensor([1], { dtype: 'i32' })),
      'embedding',
      'parameter E is i32, expected a float dtype',
    )
  })
})

describe('other arguments', () => {
  it('combinators and helpers check their arguments', () => {
    expect(() => stack([])).toThrow(T.ArgumentError)
    expect(() => scan((c, x) => [c, x], T.zeros([1]), [])).toThrow(T.ArgumentError)
    expect(() => dropout(T.key(0), 1)(T.zeros([1]))).toThrow(T.ArgumentError)
    expect(() => jordan({ outputSize: 0 }).init(T.key(0), { inputSize: 1, hiddenSize: 1 })).toThrow(
      T.ArgumentError,
    )
    expect(() => scrn({ alpha: 2 })).toThrow(T.ArgumentError)
  })
  it('a correct call passes every check', () => {
    const bi = bidirectional(rnn(gru()), { merge: 'sum' })
    const pb = bi.init(T.key(0), { inputSize: 1, hiddenSize: 2 })
    const state0 = bi.initialState(pb, 1)
    expect(bi.apply(pb, T.zeros([2, 1, 1]), { state0, lengths: [1] }).output.shape).toEqual([2, 1, 2])
  })
})

describe('cellLaws can fail', () => {
  it('catches a fast path that disagrees with step', () => {
    const base = elman()
    const broken: Cell = {
      ...base,
      name: 'broken',
      stepProjected: (p, h, xp) => base.stepProjected!(p, h, T.mul(xp, 1.01)),
    }
    const law = cellLaws(broken).find((l) => l.name.includes('fast path'))!
    // At least 20 runs (enough to find the fault); FC_NUM_RUNS may raise it, FC_SEED replays it.
    expect(() => fc.assert(law.property, { numRuns: Math.max(20, numRuns(20)) })).toThrow(/Property failed/)
  })
  it('catches a cell whose state leaks across the batch', () => {
    const base = gru()
    const leaky: Cell = {
      ...base,
      name: 'leaky',
      inputProjection: undefined,
      stepProjected: undefined,
      step: (p, h, x) => {
        const [n] = base.step(p, h, x)
        const m = T.add(n, T.mean(n, { axis: 0, keepDims: true }))
        return [m, m]
      },
    }
    const law = cellLaws(leaky).find((l) => l.name.includes('padded steps change nothing'))!
    expect(() => fc.assert(law.property, { numRuns: Math.max(50, numRuns(50)) })).toThrow()
  })
})
