/**
 * `@recurrent/cells/laws`: `cellLaws(cell)`, the property-test kit a researcher runs on a new cell
 * (`import { cellLaws } from '@recurrent/cells/laws'`; needs `fast-check`, a peer dependency). Each law is a
 * fast-check property over random sizes, parameters (f64, from the cell's own `init`) and inputs:
 *
 * - gradients through `rnn(cell)` agree with central differences (BPTT is correct);
 * - `rnn(cell)` equals a hand-written loop of `step`, and its fast path equals the per-step oracle;
 * - padded steps change nothing: outputs there are 0, the final state is that of the truncated
 *   sequence, and no gradient reaches padded inputs;
 * - weight sharing: the gradient of the shared weights is the sum of per-step gradients of
 *   untied copies (Lecture §2.3);
 * - bidirectional output = forward ⊕ reversed(backward on the reversed input) (§2.6);
 * - stacking two layers equals applying one to the other's output (§2.4).
 *
 * Run them with `for (const law of cellLaws(myCell)) it(law.name, () => fc.assert(law.property))`.
 */
import { checkGrad, formatReport, grad } from '@recurrent/autograd'
import type { Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { assertClose, EXACT, GRAD_CHECK, SEQUENCE_F64, TOL } from '@recurrent/testkit'
import fc from 'fast-check'
import type { Cell } from './cell.ts'
import { bidirectional, stack } from './combinators.ts'
import { reverseSequences, rnn } from './rnn.ts'

export interface CellLawOptions {
  /** Hidden sizes to draw (default 1…3); e.g. multiples of the module count for Clockwork. */
  readonly hiddenSize?: fc.Arbitrary<number>
  readonly inputSize?: fc.Arbitrary<number>
}

export interface Law {
  readonly name: string
  readonly property: fc.IPropertyWithHooks<any>
}

interface Case {
  params: any
  xs: Tensor
  seed: number
  hiddenSize: number
}

/** A fixed random projection of every float leaf to a scalar: a loss that sees every value. */
const projectAll = (tree: Tree, seed: number): Tensor =>
  T.treeLeaves(tree)
    .filter((t) => T.isFloat(t.dtype))
    .reduce(
      (acc: Tensor, t, i) => T.add(acc, T.sum(T.mul(t, T.randn(T.foldIn(T.key(seed), i), t.shape, 'f64')))),
      T.tensor(0, { dtype: 'f64' }),
    )

const closeTrees = (a: Tree, b: Tree, what: string): void => {
  const la = T.treeLeaves(a)
  const lb = T.treeLeaves(b)
  if (la.length !== lb.length) throw new Error(`${what}: ${la.length} leaves vs ${lb.length}`)
  la.forEach((t, i) => assertClose(t, lb[i], SEQUENCE_F64, `${what} ${T.treePaths(a)[i]}`))
}

/** The property kit for `cell`. */
export const cellLaws = (cell: Cell, options: CellLawOptions = {}): Law[] => {
  const sizes = fc.record({
    seed: fc.nat({ max: 2 ** 30 }),
    inputSize: options.inputSize ?? fc.integer({ min: 1, max: 3 }),
    hiddenSize: options.hiddenSize ?? fc.integer({ min: 1, max: 3 }),
    steps: fc.integer({ min: 1, max: 4 }),
    batch: fc.integer({ min: 1, max: 3 }),
  })
  const caseArb: fc.Arbitrary<Case> = sizes.map(({ seed, inputSize, hiddenSize, steps, batch }) => {
    const [kp, kx] = T.split(T.key(seed), 2)
    const params = cell.init(kp, { inputSize, hiddenSize, dtype: 'f64' })
    return { params, xs: T.randn(kx, [steps, batch, inputSize], 'f64'), seed, hiddenSize }
  })
  const withLengths = caseArb.chain((c) =>
    fc.tuple(
      fc.constant(c),
      fc.array(fc.integer({ min: 0, max: c.xs.shape[0] }), {
        minLength: c.xs.shape[1],
        maxLength: c.xs.shape[1],
      }),
    ),
  )
  const oracle = rnn(cell, { fast: false })
  const layer = rnn(cell)
  const loopOfSteps = (params: any, xs: Tensor) => {
    let s = cell.initialState(params, xs.shape[1])
    const ys = T.unstack(xs).map((x) => {
      const [next, y] = cell.step(params, s, x)
      s = next
      return y
    })
    return { output: T.stack(ys), state: s }
  }

  const laws: Law[] = [
    {
      name: `${cell.name}: gradients through rnn (BPTT) agree with central differences`,
      property: fc.property(caseArb, ({ params, xs, seed }) => {
        const loss = (q: { params: any; xs: Tensor }) => {
          const { output, state } = layer.apply(q.params, q.xs)
          return T.add(projectAll(output, seed), projectAll(state, seed + 1))
        }
        const report = checkGrad(loss, { params, xs }, GRAD_CHECK)
        if (!report.ok) throw new Error(formatReport(report))
      }),
    },
    {
      name: `${cell.name}: rnn equals a hand-written loop of step; the fast path equals the oracle`,
      property: fc.property(caseArb, ({ params, xs }) => {
        const loop = loopOfSteps(params, xs)
        const slow = oracle.apply(params, xs)
        closeTrees(slow.output, loop.output, 'oracle output')
        closeTrees(slow.state, loop.state, 'oracle state')
        const fast = layer.apply(params, xs)
        closeTrees(fast.output, loop.output, 'fast output')
        closeTrees(fast.state, loop.state, 'fast state')
      }),
    },
    {
      name: `${cell.name}: padded steps change nothing and output 0`,
      property: fc.property(withLengths, ([{ params, xs }, lengths]) => {
        const { output, state } = layer.apply(params, xs, { lengths })
        const outs = T.unstack(output, 1)
        const states = T.treeFlatten(state)
        lengths.forEach((l, b) => {
          const single = T.slice(xs, [0, b, 0], [xs.shape[0], 1, xs.shape[2]])
          const alone =
            l === 0
              ? { output: undefined, state: cell.initialState(params, 1) }
              : oracle.apply(params, T.slice(single, [0, 0, 0], [l, 1, -1]))
          T.treeFlatten(alone.state).leaves.forEach((leaf, i) => {
            const mine = T.slice(states.leaves[i], [b], [1])
            assertClose(mine, leaf, SEQUENCE_F64, `final state ${states.paths[i]} of sequence ${b}`)
          })
          const mine = T.unstack(outs[b])
          mine.forEach((y, t) => {
            if (t >= l)
              assertClose(y, T.zeros(y.shape, 'f64'), EXACT, `output at padded step ${t} of sequence ${b}`)
            else
              assertClose(
                y,
                T.reshape(T.unstack(alone.output!)[t], y.shape),
                SEQUENCE_F64,
                `output ${t} of sequence ${b}`,
              )
          })
        })
      }),
    },
    {
      name: `${cell.name}: padded steps receive no gradient`,
      property: fc.property(withLengths, ([{ params, xs, seed }, lengths]) => {
        const g = grad((x: Tensor) => {
          const { output, state } = layer.apply(params, x, { lengths })
          return T.add(projectAll(output, seed), projectAll(state, seed + 1))
        })(xs)
        const gs = T.unstack(g, 1)
        lengths.forEach((l, b) =>
          T.unstack(gs[b]).forEach((gt, t) => {
            if (t >= l) assertClose(gt, T.zeros(gt.shape, 'f64'), EXACT, `gradient at padded step ${t}`)
          }),
        )
      }),
    },
    {
      name: `${cell.name}: the gradient of shared weights is the sum of per-step contributions`,
      property: fc.property(caseArb, ({ params, xs, seed }) => {
        const steps = T.unstack(xs)
        // Untied: step t has its own copy of the weights.
        const untiedLoss = (copies: any[]) => {
          let s = cell.initialState(params, xs.shape[1])
          const ys = steps.map((x, t) => {
            const [next, y] = cell.step(copies[t], s, x)
            s = next
            return y
          })
          return T.add(projectAll(T.stack(ys), seed), projectAll(s, seed + 1))
        }
        const perStep = grad(untiedLoss)(steps.map(() => params)) as Tree[]
        const summed = T.treeMapN([perStep[0], ...perStep.slice(1)], (gs) => gs.reduce((a, b) => T.add(a, b)))
        const shared = grad((p: any) => untiedLoss(steps.map(() => p)))(params)
        closeTrees(shared, summed, 'shared-weight gradient')
      }),
    },
    {
      name: `${cell.name}: bidirectional output = forward ⊕ reversed(backward on the reversed input)`,
      property: fc.property(withLengths, ([{ params, xs, hiddenSize }, lengths]) => {
        const bi = bidirectional(layer)
        const p = {
          forward: params,
          backward: cell.init(T.key(99), { inputSize: cell.inputSize(params), hiddenSize, dtype: 'f64' }),
        }
        const { output } = bi.apply(p, xs, { lengths })
        const fw = layer.apply(p.forward, xs, { lengths }).output
        const bw = reverseSequences(
          layer.apply(p.backward, reverseSequences(xs, lengths), { lengths }).output,
          lengths,
        )
        assertClose(output, T.concat([fw, bw], 2), TOL.f64, 'bidirectional output')
      }),
    },
    {
      name: `${cell.name}: stack([a, b]) equals b applied to a's output`,
      property: fc.property(caseArb, ({ params, xs, hiddenSize }) => {
        const deep = stack([layer, layer])
        const p2 = cell.init(T.key(7), { inputSize: cell.outputSize(params), hiddenSize, dtype: 'f64' })
        const { output, state } = deep.apply([params, p2], xs)
        const first = layer.apply(params, xs)
        const second = layer.apply(p2, first.output)
        assertClose(output, second.output, TOL.f64, 'stacked output')
        closeTrees(state, [first.state, second.state], 'stacked state')
      }),
    },
  ]
  return laws
}
