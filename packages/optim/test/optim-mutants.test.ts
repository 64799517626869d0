/**
 * Laws that the mutation run (docs/verification.md) found unstated: the step count each state
 * carries, what `init` returns, the norms the clipping states report, the errors' wording, and the
 * small transformations (`scale`, `chain`'s init, the norm of an empty tree).
 */
import { fc, test } from '@fast-check/vitest'
import type { Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { assertClose, numRuns, pytree, TOL } from '@recurrent/testkit'
import { describe, expect, it } from 'vitest'
import {
  adagrad,
  adam,
  adamw,
  chain,
  clipByGlobalNorm,
  clipByNormPerTensor,
  clipByValue,
  type GradientTransformation,
  globalNorm,
  type LearningRate,
  momentum,
  rmsprop,
  scale,
  sgd,
} from '../src/index.ts'

const runs = { numRuns: numRuns(20) }
const paramsAndGrads = pytree().chain((p) =>
  fc.tuple(
    fc.constant(p),
    fc.nat({ max: 2 ** 30 }).map((s) => T.treeMap(p, (t) => T.randn(T.key(s + t.size), t.shape, 'f64'))),
  ),
)
const OPTIMISERS: [string, (lr: LearningRate) => GradientTransformation][] = [
  ['sgd', (lr) => sgd(lr)],
  ['momentum', (lr) => momentum(lr)],
  ['nesterov', (lr) => momentum(lr, { nesterov: true })],
  ['adam', (lr) => adam(lr)],
  ['adamw', (lr) => adamw(lr, { weightDecay: 0.1 })],
  ['rmsprop', (lr) => rmsprop(lr)],
  ['adagrad', (lr) => adagrad(lr)],
]
const closeTree = (a: Tree, b: Tree) =>
  T.treeLeaves(a).forEach((t, i) => assertClose(t, T.treeLeaves(b)[i], TOL.f64))
/** Runs `steps` updates with the same gradient, returning every update and the last state. */
const unroll = (opt: GradientTransformation, p: Tree, g: Tree, steps: number) => {
  let state = opt.init(p)
  const updates: Tree[] = []
  for (let k = 0; k < steps; k++) {
    const [u, s] = opt.update(g, state, p)
    updates.push(u)
    state = s
  }
  return { updates, state }
}

describe('optimiser state and schedules', () => {
  for (const [name, make] of OPTIMISERS) {
    test.prop([paramsAndGrads, fc.integer({ min: 1, max: 4 })], runs)(
      `${name}: the state starts at step 0 and counts every update`,
      ([p, g], steps) => {
        const opt = make(0.1)
        expect((opt.init(p) as { count: number }).count).toBe(0)
        expect((unroll(opt, p, g, steps).state as { count: number }).count).toBe(steps)
      },
    )
    test.prop(
      [paramsAndGrads, fc.array(fc.double({ min: 0, max: 2, noNaN: true }), { minLength: 3, maxLength: 3 })],
      runs,
    )(
      `${name}: update k is the constant-rate update scaled by the schedule's rate at step k`,
      ([p, g], rates) => {
        const scheduled = unroll(
          make((k) => rates[k]),
          p,
          g,
          3,
        ).updates
        const unit = unroll(make(1), p, g, 3).updates
        scheduled.forEach((u, k) =>
          closeTree(
            u,
            T.treeMap(unit[k], (t) => T.mul(t, rates[k])),
          ),
        )
      },
    )
    it(`${name}: a negative or NaN rate is refused, naming the optimiser and the rate`, () => {
      const op = name === 'nesterov' ? 'momentum' : name
      expect(() => make(-0.5)).toThrow(new T.ArgumentError(`${op}: learning rate must be ≥ 0, got -0.5`))
      expect(() => make(Number.NaN)).toThrow(T.ArgumentError)
      expect(() => make(0)).not.toThrow()
    })
  }
})

describe('clipping states', () => {
  const CLIPS: [string, (v: number) => GradientTransformation][] = [
    ['clipByValue', clipByValue],
    ['clipByNormPerTensor', clipByNormPerTensor],
    ['clipByGlobalNorm', clipByGlobalNorm],
  ]
  for (const [name, make] of CLIPS)
    it(`${name}: no norm before the first update; a non-positive threshold is refused by name`, () => {
      expect(make(1).init({ w: T.ones([2]) })).toEqual({ norm: null })
      expect(() => make(0)).toThrow(new T.ArgumentError(`${name}: the threshold must be positive, got 0`))
      expect(() => make(-1)).toThrow(T.ArgumentError)
    })
  test.prop([paramsAndGrads, fc.double({ min: 0.01, max: 3, noNaN: true })], runs)(
    'clipByValue reports the global norm before clipping',
    ([, g], v) => {
      const [, s] = clipByValue(v).update(g, clipByValue(v).init(g))
      assertClose(s.norm as Tensor, globalNorm(g), TOL.f64)
    },
  )
  test.prop([paramsAndGrads, fc.double({ min: 0.01, max: 3, noNaN: true })], runs)(
    'clipByNormPerTensor reports each tensor’s own norm before clipping, and leaves small ones alone',
    ([, g], max) => {
      const [u, s] = clipByNormPerTensor(max).update(g, clipByNormPerTensor(max).init(g))
      const norms = T.treeLeaves(s.norm as Tree)
      T.treeLeaves(g).forEach((t, i) => {
        const n = globalNorm(t)
        assertClose(norms[i], n, TOL.f64)
        if (T.item(n) <= max) assertClose(T.treeLeaves(u)[i], t, TOL.f64)
        else assertClose(globalNorm(T.treeLeaves(u)[i]), max, TOL.f64)
      })
    },
  )
})

describe('transformations', () => {
  test.prop([paramsAndGrads, fc.double({ min: -3, max: 3, noNaN: true })], runs)(
    'scale(c) multiplies every update by c and keeps no state',
    ([p, g], c) => {
      const t = scale(c)
      expect(t.init(p)).toBeNull()
      const [u, s] = t.update(g, null)
      expect(s).toBeNull()
      closeTree(
        u,
        T.treeMap(g, (x) => T.mul(x, c)),
      )
    },
  )
  test.prop([paramsAndGrads], runs)(
    'chain initialises every member and threads each one’s updates into the next',
    ([p, g]) => {
      const a = clipByGlobalNorm(0.5)
      const b = adam(0.1)
      const opt = chain(a, b)
      const states = opt.init(p)
      expect(states).toHaveLength(2)
      expect(states[0]).toEqual(a.init(p))
      expect((states[1] as { count: number }).count).toBe(0)
      const [u, next] = opt.update(g, states, p)
      const [ua, sa] = a.update(g, a.init(p))
      const [ub, sb] = b.update(ua, b.init(p))
      closeTree(u, ub)
      expect((next[1] as { count: number }).count).toBe(sb.count)
      assertClose((next[0] as { norm: Tensor }).norm, sa.norm as Tensor, TOL.f64)
    },
  )
  it('the global norm of an empty tree is an f64 zero', () => {
    for (const empty of [{}, []] as Tree[]) {
      const n = globalNorm(empty)
      expect(n.dtype).toBe('f64')
      expect(T.item(n)).toBe(0)
    }
  })
})
