/** The many-to-one readouts: lastOutput reads step ℓ_b − 1; finalHidden agrees with it for every layer. */
import { fc, test } from '@fast-check/vitest'
import { valueAndGrad } from '@recurrent/autograd'
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { numRuns } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import {
  bidirectional,
  clockwork,
  elman,
  finalHidden,
  gru,
  jordan,
  type Layer,
  lastOutput,
  lstm,
  rnn,
  scrn,
  stack,
} from '../src/index.ts'

const runs = { numRuns: numRuns(30) }

/** Sizes and a seed; lengths in [0, T], one per sequence. */
interface Problem {
  seed: number
  steps: number
  B: number
  I: number
  H: number
  lengths: number[]
}
const problemWith = (minSteps: number) =>
  fc
    .record({
      seed: fc.nat({ max: 2 ** 30 }),
      steps: fc.integer({ min: minSteps, max: 5 }),
      B: fc.integer({ min: 0, max: 4 }),
      I: fc.integer({ min: 1, max: 3 }),
      H: fc.integer({ min: 1, max: 3 }),
    })
    .chain((s) =>
      fc.record({
        ...Object.fromEntries(Object.entries(s).map(([k, v]) => [k, fc.constant(v)])),
        lengths: fc.array(fc.integer({ min: 0, max: s.steps }), { minLength: s.B, maxLength: s.B }),
      }),
    ) as fc.Arbitrary<Problem>
const problem = problemWith(0)
/** rnn needs at least one step. */
const layerProblem = problemWith(1)

const rows = (t: Tensor) => T.toArray(t) as number[][]

describe('lastOutput', () => {
  test.prop([problem, fc.boolean()], runs)(
    'equals the output at step lengths[b] − 1 for every b (zeros for length 0; T without lengths)',
    ({ seed, steps, B, H, lengths }, asTensor) => {
      const y = T.randn(T.key(seed), [steps, B, H], 'f64')
      const ys = T.toArray(y) as number[][][]
      const given = asTensor ? T.tensor(lengths, { dtype: 'i32' }) : lengths
      expect(rows(lastOutput(y, given))).toEqual(
        lengths.map((l, b) => (l === 0 ? Array(H).fill(0) : ys[l - 1][b])),
      )
      const full = rows(lastOutput(y))
      expect(full).toEqual(
        Array.from({ length: B }, (_, b) => (steps === 0 ? Array(H).fill(0) : ys[steps - 1][b])),
      )
    },
  )
  it('passes the gradient to the steps read, and only to them', () => {
    const y = T.ones([3, 2, 1], 'f64')
    const [, g] = valueAndGrad((x: Tensor) => T.sum(lastOutput(x, [2, 0])))(y)
    expect(T.toArray(g)).toEqual([
      [[0], [0]],
      [[1], [0]],
      [[0], [0]],
    ])
  })
  it('checks its arguments, naming the function and the argument', () => {
    expect(() => lastOutput(T.zeros([2, 3]))).toThrow(
      new T.ShapeError('lastOutput: output has shape [2,3], expected [T,B,F]'),
    )
    expect(() => lastOutput(null as unknown as Tensor)).toThrow(
      new T.ArgumentError('lastOutput: output must be a tensor [T,B,F], got null'),
    )
    expect(() => lastOutput(T.zeros([2, 1, 1]), [3])).toThrow(
      new T.ArgumentError('lastOutput: lengths[0] = 3 is not an integer in [0, 2]'),
    )
    expect(() => lastOutput(T.zeros([2, 2, 1]), [1])).toThrow(
      new T.ShapeError('lastOutput: lengths has 1 entries for a batch of 2'),
    )
  })
})

/** The layer's final hidden vector and its output sequence, for a random problem. */
const run = (layer: Layer, { seed, steps, B, I, H, lengths }: Problem) => {
  const p = layer.init(T.key(seed), { inputSize: I, hiddenSize: H, dtype: 'f64' })
  const xs = T.randn(T.key(seed + 1), [steps, B, I], 'f64')
  return layer.apply(p, xs, { lengths })
}

describe('finalHidden', () => {
  for (const [name, make] of [
    ['elman', () => rnn(elman())],
    ['gru', () => rnn(gru())],
    ['lstm', () => rnn(lstm())],
    ['gru, per step', () => rnn(gru(), { fast: false })],
    ['lstm, per step', () => rnn(lstm(), { fast: false })],
    ['stack(lstm, elman)', () => stack([rnn(lstm()), rnn(elman())])],
  ] as const)
    test.prop([layerProblem], runs)(`of rnn(${name})'s final state equals lastOutput of its output`, (pr) => {
      const { output, state } = run(make(), pr)
      expect(rows(finalHidden(state))).toEqual(rows(lastOutput(output, pr.lengths)))
    })
  test.prop([layerProblem], runs)(
    'of a bidirectional layer is [forward h at ℓ_b − 1, backward h at step 0]',
    (pr) => {
      const { output, state } = run(bidirectional(rnn(gru())), pr)
      const { H, lengths } = pr
      const first = rows(
        lastOutput(
          output,
          lengths.map((l) => Math.min(l, 1)),
        ),
      )
      const expected = rows(lastOutput(output, lengths)).map((r, b) => [
        ...r.slice(0, H),
        ...first[b].slice(H),
      ])
      expect(rows(finalHidden(state))).toEqual(expected)
    },
  )
  test.prop([layerProblem], runs)('reads jordan’s output, clockwork’s and scrn’s h', (pr) => {
    const { H, lengths } = pr
    const j = run(rnn(jordan({ outputSize: 2 })), pr)
    expect(rows(finalHidden(j.state))).toEqual(rows(lastOutput(j.output, lengths)))
    const c = run(rnn(clockwork({ periods: [1] })), pr)
    expect(rows(finalHidden(c.state))).toEqual(rows(lastOutput(c.output, lengths)))
    const s = run(rnn(scrn({ contextSize: 2 })), pr)
    expect(rows(finalHidden(s.state))).toEqual(rows(lastOutput(s.output, lengths)).map((r) => r.slice(0, H)))
  })
  it('says what it cannot read, with the path into the state', () => {
    expect(() => finalHidden({ c: T.zeros([1, 1]) })).toThrow(
      new T.ArgumentError(
        "finalHidden: state must be a layer's state (a [B,H] tensor, { h, … }, { forward, backward } or a non-empty array of states), got object",
      ),
    )
    expect(() => finalHidden([])).toThrow(/finalHidden: state must be .*, got an empty array$/)
    expect(() => finalHidden([T.zeros([1, 1]), { h: T.zeros([2]) }])).toThrow(
      new T.ShapeError('finalHidden: state[1].h has shape [2], expected [B,H]'),
    )
    expect(() => finalHidden({ forward: T.zeros([1, 2]), backward: T.zeros([2, 2]) })).toThrow(
      new T.ShapeError(
        'finalHidden: state.forward [1,2] and state.backward [2,2] have different batch sizes',
      ),
    )
  })
})
