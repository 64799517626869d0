import { fc, test } from '@fast-check/vitest'
import type { Tensor, Tree } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { assertClose, CONVERGED, identical, numRuns, pytree, TOL } from '@recurrent/testkit'
import * as E from 'fp-ts/lib/Either.js'
import { describe, expect, it } from 'vitest'
import {
  adagrad,
  adam,
  adamw,
  applyUpdates,
  chain,
  clipByGlobalNorm,
  clipByNormPerTensor,
  clipByValue,
  cosineDecay,
  exponentialDecay,
  type GradientTransformation,
  globalNorm,
  momentum,
  rmsprop,
  sgd,
  train,
} from '../src/index.ts'

const runs = { numRuns: numRuns(40) }
/** Params and grads of one structure. */
const paramsAndGrads = pytree().chain((p) =>
  fc.tuple(
    fc.constant(p),
    fc.nat({ max: 2 ** 30 }).map((s) => T.treeMap(p, (t) => T.randn(T.key(s + t.size), t.shape, 'f64'))),
  ),
)
const OPTIMISERS: [string, (lr: number) => GradientTransformation][] = [
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
/** The test kit's f64 closeness for numbers: |a − b| ≤ atol + rtol·|b| elementwise. */
const near = (actual: number | number[], expected: number | number[]) =>
  assertClose(T.tensor(actual, { dtype: 'f64' }), expected, TOL.f64)
/** `x` plus the f64 rounding slack of recomputing it another way. */
const atMost = (x: number) => x + TOL.f64.atol + TOL.f64.rtol * Math.abs(x)
const snapshot = (tree: Tree) => T.treeLeaves(tree).map((t) => T.toTypedArray(t))

describe('optimiser laws', () => {
  for (const [name, make] of OPTIMISERS) {
    test.prop([paramsAndGrads], runs)(
      `${name}: zero learning rate leaves params unchanged; inputs are never mutated`,
      ([p, g]) => {
        const opt = make(0)
        const before = [snapshot(p), snapshot(g)]
        const state = opt.init(p)
        const [u, s2] = opt.update(g, state, p)
        const [u2] = opt.update(g, s2, p)
        T.treeLeaves(applyUpdates(p, u)).forEach((t, i) => expect(T.toTypedArray(t)).toEqual(before[0][i]))
        T.treeLeaves(applyUpdates(p, u2)).forEach((t, i) => expect(T.toTypedArray(t)).toEqual(before[0][i]))
        expect([snapshot(p), snapshot(g)]).toEqual(before)
      },
    )
  }
  test.prop([paramsAndGrads, fc.double({ min: 1e-4, max: 1, noNaN: true })], runs)(
    'one SGD step is params − lr·grad',
    ([p, g], lr) => {
      const opt = sgd(lr)
      const [u] = opt.update(g, opt.init(p))
      closeTree(
        applyUpdates(p, u),
        T.treeMapN([p, g], ([x, d]) => T.sub(x, T.mul(d, lr))),
      )
    },
  )
  test.prop([paramsAndGrads, fc.double({ min: 1e-4, max: 1, noNaN: true })], runs)(
    "Adam's first step is −lr·g/(|g| + ε): magnitude ≈ lr per coordinate, whatever the gradient's scale",
    ([p, g], lr) => {
      const eps = 1e-8
      const opt = adam(lr, { eps })
      const [u] = opt.update(g, opt.init(p))
      closeTree(
        u,
        T.treeMap(g, (d) => T.div(T.mul(d, -lr), T.add(T.abs(d), eps))),
      )
    },
  )
  it('momentum, Nesterov, RMSProp and Adagrad follow their formulas over two steps', () => {
    const p = { w: T.tensor([1], { dtype: 'f64' }) }
    const g1 = { w: T.tensor([2], { dtype: 'f64' }) }
    const g2 = { w: T.tensor([-1], { dtype: 'f64' }) }
    const two = (opt: GradientTransformation) => {
      const [u1, s1] = opt.update(g1, opt.init(p), p)
      const [u2] = opt.update(g2, s1, p)
      return [T.item(u1.w), T.item(u2.w)]
    }
    // v1 = 2, v2 = 0.9·2 − 1 = 0.8
    near(two(momentum(0.1)), [-0.2, -0.08])
    // Nesterov: g + β·v → 2 + 1.8 = 3.8, then −1 + 0.72 = −0.28
    near(two(momentum(0.1, { nesterov: true })), [-0.38, 0.028])
    // RMSProp ρ = 0.5: v1 = 2, v2 = 1 + 0.5 = 1.5
    near(two(rmsprop(1, { decay: 0.5, eps: 0 })), [-2 / Math.sqrt(2), 1 / Math.sqrt(1.5)])
    // Adagrad: s1 = 4, s2 = 5
    near(two(adagrad(1, { eps: 0 })), [-1, 1 / Math.sqrt(5)])
  })
  it('AdamW decays the weights even with a zero gradient; it needs the params', () => {
    const p = { w: T.tensor([2], { dtype: 'f64' }) }
    const opt = adamw(0.1, { weightDecay: 0.5 })
    const [u] = opt.update({ w: T.tensor([0], { dtype: 'f64' }) }, opt.init(p), p)
    near(T.item(u.w), -0.1)
    expect(() => opt.update(p, opt.init(p))).toThrow('needs the params')
  })
  it('schedules: the learning rate follows the step count', () => {
    const opt = sgd(exponentialDecay(1, 0.5))
    const p = { w: T.tensor([0], { dtype: 'f64' }) }
    const g = { w: T.tensor([1], { dtype: 'f64' }) }
    const [, s1] = opt.update(g, opt.init(p))
    const [u2] = opt.update(g, s1)
    expect(T.item(u2.w)).toBe(-0.5)
    near(cosineDecay(1, 10)(10), 0)
    expect(cosineDecay(1, 10)(0)).toBe(1)
    expect(() => sgd(-1)).toThrow(T.ArgumentError)
  })
})

describe('gradient clipping (Lecture §4.3)', () => {
  const scaled = fc.tuple(
    paramsAndGrads,
    fc.double({ min: 0.01, max: 10, noNaN: true }),
    fc.double({ min: 0.01, max: 100, noNaN: true }),
  )
  test.prop([scaled], runs)(
    'clipByGlobalNorm never increases the norm, caps it, preserves direction, reports the norm before',
    ([[, g], max, k]) => {
      const grads = T.treeMap(g, (t) => T.mul(t, k))
      const before = T.item(globalNorm(grads))
      const clip = clipByGlobalNorm(max)
      const [u, s] = clip.update(grads, clip.init(grads))
      const after = T.item(globalNorm(u))
      near(T.item(s.norm as Tensor), before)
      expect(after).toBeLessThanOrEqual(atMost(Math.min(before, max)))
      if (before <= max)
        T.treeLeaves(u).forEach((t, i) => expect(identical(t, T.treeLeaves(grads)[i])).toBe(true))
      else {
        near(after, max)
        const ratio = max / before
        T.treeLeaves(u).forEach((t, i) => assertClose(t, T.mul(T.treeLeaves(grads)[i], ratio), TOL.f64))
      }
    },
  )
  test.prop([scaled], runs)(
    'clipByNormPerTensor caps each tensor and keeps each direction',
    ([[, g], max, k]) => {
      const grads = T.treeMap(g, (t) => T.mul(t, k))
      const clip = clipByNormPerTensor(max)
      const [u] = clip.update(grads, clip.init(grads))
      T.treeLeaves(u).forEach((t, i) => {
        const orig = T.treeLeaves(grads)[i]
        const n0 = T.item(globalNorm(orig))
        const n1 = T.item(globalNorm(t))
        expect(n1).toBeLessThanOrEqual(atMost(Math.min(n0, max)))
        if (n0 > 0) assertClose(T.mul(t, n0), T.mul(orig, n1), TOL.f64)
      })
    },
  )
  test.prop([scaled], runs)(
    'clipByValue bounds every element and never increases the norm',
    ([[, g], v, k]) => {
      const grads = T.treeMap(g, (t) => T.mul(t, k))
      const [u] = clipByValue(v).update(grads, clipByValue(v).init(grads))
      expect(T.item(globalNorm(u))).toBeLessThanOrEqual(atMost(T.item(globalNorm(grads))))
      T.treeLeaves(u).forEach((t) => expect(T.toTypedArray(t).every((x) => Math.abs(x) <= v)).toBe(true))
    },
  )
  it('thresholds must be positive; chain composes clip then optimiser', () => {
    expect(() => clipByGlobalNorm(0)).toThrow(T.ArgumentError)
    const opt = chain(clipByGlobalNorm(1), sgd(1))
    const p = { w: T.tensor([0, 0], { dtype: 'f64' }) }
    const [u] = opt.update({ w: T.tensor([30, 40], { dtype: 'f64' }) }, opt.init(p), p)
    assertClose(u.w, [-0.6, -0.8])
  })
})

describe('training loop', () => {
  const quadratic = (p: { w: Tensor }, target: Tensor) => T.sum(T.mul(T.sub(p.w, target), T.sub(p.w, target)))
  it('descends a quadratic to its minimum and records every step', () => {
    const target = T.tensor([3, -1], { dtype: 'f64' })
    const r = train({
      params: { w: T.zeros([2], 'f64') },
      optimizer: adam(0.1),
      loss: quadratic,
      batches: Array(300).fill(target),
    })
    if (E.isLeft(r)) throw new Error('expected Right')
    assertClose(r.right.params.w, target, CONVERGED)
    expect(r.right.history).toHaveLength(300)
    expect(r.right.history[299].loss).toBeLessThan(r.right.history[0].loss)
  })
  it('each step event carries the params and optimiser state after it: training resumed from them ends bit-identical', () => {
    const target = T.tensor([3, -1], { dtype: 'f64' })
    const after: { params: Tree; optState: unknown }[] = []
    const r = train({
      params: { w: T.zeros([2], 'f64') },
      optimizer: adam(0.1),
      loss: quadratic,
      batches: Array(3).fill(target),
      onEvent: (e) => {
        if (e.type === 'step') after.push({ params: e.params, optState: e.optState })
      },
    })
    if (E.isLeft(r)) throw new Error('expected Right')
    expect(after.map((a) => (a.optState as { count: number }).count)).toEqual([1, 2, 3])
    expect(snapshot(after[2].params)).toEqual(snapshot(r.right.params))
    expect(snapshot(after[0].params)).not.toEqual(snapshot(after[1].params))
    const resumed = train({
      params: after[0].params as { w: Tensor },
      optState: after[0].optState,
      optimizer: adam(0.1),
      loss: quadratic,
      batches: Array(2).fill(target),
    })
    if (E.isLeft(resumed)) throw new Error('expected Right')
    expect(snapshot(resumed.right.params)).toEqual(snapshot(r.right.params))
    expect(resumed.right.optState).toEqual(r.right.optState)
  })
  it('stops at the first non-finite loss, gradient or parameter, naming step and path', () => {
    const events: string[] = []
    const batches = [
      T.tensor([1, 1], { dtype: 'f64' }),
      T.tensor([1, Number.NaN], { dtype: 'f64' }),
      T.tensor([1, 1], { dtype: 'f64' }),
    ]
    const r = train({
      params: { w: T.zeros([2], 'f64') },
      optimizer: sgd(0.1),
      loss: quadratic,
      batches,
      onEvent: (e) => events.push(e.type),
    })
    expect(E.isLeft(r)).toBe(true)
    if (E.isRight(r)) return
    expect(r.left).toMatchObject({ _tag: 'NonFinite', step: 1, what: 'loss' })
    expect(T.toArray(r.left.lastGoodParams.w)).toEqual([0.2, 0.2])
    expect(events).toEqual(['step', 'stopped'])
    const huge = train({
      params: { w: T.tensor([0], { dtype: 'f64' }) },
      optimizer: sgd(1e300),
      loss: (p: { w: Tensor }) => T.sum(T.mul(p.w, 1e10)),
      batches: [0],
    })
    expect(E.isLeft(huge) && huge.left).toMatchObject({ what: 'parameter', path: 'w', index: 0 })
    const badGrad = train({
      params: { w: T.tensor([0], { dtype: 'f64' }) },
      optimizer: sgd(1),
      loss: (p: { w: Tensor }) => T.sum(T.mul(T.sqrt(p.w), 0)),
      batches: [0],
    })
    expect(E.isLeft(badGrad) && badGrad.left).toMatchObject({ what: 'gradient', path: 'w' })
  })
  it('says in words what was not finite (a BoundaryError reason)', () => {
    const stop = (loss: (p: { w: Tensor }) => Tensor, lr = 1) =>
      train({ params: { w: T.tensor([0, 1], { dtype: 'f64' }) }, optimizer: sgd(lr), loss, batches: [0, 0] })
    const left = (r: ReturnType<typeof stop>) => (E.isLeft(r) ? r.left : expect.unreachable())
    expect(left(stop((p) => T.div(T.sum(p.w), 0))).reason).toBe('the loss is Infinity at step 0')
    expect(left(stop((p) => T.sum(T.mul(T.sqrt(p.w), 0)))).reason).toBe(
      'the gradient is NaN at step 0 (w, element 0)',
    )
  })
})

/** A loss that is `batch` whatever the params: scripts the loss sequence the loop sees. */
const scripted = (losses: readonly number[], divergence: { factor: number; patience: number }) =>
  train({
    params: { w: T.zeros([1], 'f64') },
    optimizer: sgd(0),
    loss: (p: { w: Tensor }, l: number) => T.add(T.sum(p.w), l),
    batches: losses,
    divergence,
  })

/** The guard's definition, checked window by window: loss_s > m_s + (k − 1)|m_s| for s in (t − n, t]. */
const firstDivergence = (losses: readonly number[], factor: number, patience: number): number | undefined => {
  const above = (s: number) => {
    const m = Math.min(...losses.slice(0, s + 1))
    return losses[s] > m + (factor - 1) * Math.abs(m)
  }
  for (let t = patience - 1; t < losses.length; t++)
    if (Array.from({ length: patience }, (_, j) => t - j).every(above)) return t
  return undefined
}

describe('divergence guard', () => {
  const options = fc.record({
    factor: fc.double({ min: 1, max: 20, noNaN: true, minExcluded: true }),
    patience: fc.integer({ min: 1, max: 4 }),
  })
  const loss = fc.double({ min: -1e6, max: 1e6, noNaN: true })
  test.prop([fc.array(loss, { maxLength: 30 }), options], runs)(
    'never fires on a non-increasing loss sequence',
    (values, divergence) => {
      const losses = [...values].sort((a, b) => b - a)
      const r = scripted(losses, divergence)
      expect(E.isRight(r) && r.right.history.length).toBe(losses.length)
    },
  )
  test.prop([fc.array(fc.double({ min: 1e-3, max: 100, noNaN: true }), { maxLength: 30 }), options], runs)(
    'fires exactly at the first step where the condition has held `patience` times in a row',
    (losses, divergence) => {
      const t = firstDivergence(losses, divergence.factor, divergence.patience)
      const r = scripted(losses, divergence)
      if (t === undefined) {
        expect(E.isRight(r)).toBe(true)
        return
      }
      const seen = losses.slice(0, t + 1)
      const runningMin = Math.min(...seen)
      expect(E.isLeft(r) && r.left).toMatchObject({
        _tag: 'Diverged',
        step: t,
        loss: losses[t],
        runningMin,
        minStep: seen.indexOf(runningMin),
      })
    },
  )
  it('stops an Elman RNN trained with learning rate 1e3, whose loss stays finite; not with 0.1', () => {
    const { params, loss } = elmanProblem()
    const run = (lr: number, divergence?: { factor: number; patience: number }) =>
      train({ params, optimizer: sgd(lr), loss, batches: Array(40).fill(null), divergence })
    // Without the guard nothing is reported: every loss is finite, but they climb from 0.72 to ~1e3.
    const unguarded = run(1e3)
    if (E.isLeft(unguarded)) throw new Error(`expected Right, got ${unguarded.left.reason}`)
    const losses = unguarded.right.history.map((m) => m.loss)
    expect(losses[0]).toBeLessThan(1)
    expect(Math.max(...losses)).toBeGreaterThan(1e3)
    const r = run(1e3, { factor: 10, patience: 3 })
    if (E.isRight(r) || r.left._tag !== 'Diverged') throw new Error('expected Left(Diverged)')
    expect(r.left).toMatchObject({ step: 3, runningMin: losses[0], minStep: 0, loss: losses[3] })
    expect(r.left.reason).toMatch(
      /^the loss .* at step 3 has stayed above 10 × its running minimum 0\.7\d\d \(step 0\) for 3 steps$/,
    )
    expect(r.left.lastGoodParams).toBe(params)
    const sane = run(0.1, { factor: 2, patience: 1 })
    expect(E.isRight(sane)).toBe(true)
  })
  it('checks its options: factor > 1, patience an integer ≥ 1', () => {
    const go = (divergence: { factor: number; patience: number }) => () => scripted([1], divergence)
    for (const factor of [1, 0.5, -2, Number.NaN, Number.POSITIVE_INFINITY])
      expect(go({ factor, patience: 1 })).toThrow(
        new T.ArgumentError(`train: divergence.factor must be a finite number > 1, got ${factor}`),
      )
    for (const patience of [0, -1, 1.5, Number.NaN])
      expect(go({ factor: 2, patience })).toThrow(
        new T.ArgumentError(`train: divergence.patience must be an integer ≥ 1, got ${patience}`),
      )
  })
})

/** A small Elman RNN (h ← tanh(x·W_x + h·W_h + b), logits = h_T·W_o + b_o) learning the sign of a sequence's sum. */
const elmanProblem = () => {
  const [kx, k1, k2, k3] = T.split(T.key(7), 4)
  const [H, B, S] = [8, 16, 6]
  const xs = T.randn(kx, [S, B, 1], 'f64')
  const sums = T.toArray(T.sum(xs, { axis: 0 })) as number[][]
  const target = T.oneHot(
    sums.map(([v]) => (v > 0 ? 1 : 0)),
    2,
    'f64',
  )
  const params = {
    Wx: T.mul(T.randn(k1, [1, H], 'f64'), 0.5),
    Wh: T.mul(T.randn(k2, [H, H], 'f64'), 0.3),
    b: T.zeros([H], 'f64'),
    Wo: T.mul(T.randn(k3, [H, 2], 'f64'), 0.3),
    bo: T.zeros([2], 'f64'),
  }
  const loss = (p: typeof params): Tensor => {
    let h = T.zeros([B, H], 'f64')
    for (let t = 0; t < S; t++) {
      const x = T.reshape(T.slice(xs, [t, 0, 0], [1, B, 1]), [B, 1])
      h = T.tanh(T.add(T.add(T.matmul(x, p.Wx), T.matmul(h, p.Wh)), p.b))
    }
    const logits = T.add(T.matmul(h, p.Wo), p.bo)
    return T.neg(T.mean(T.sum(T.mul(T.logSoftmax(logits), target), { axis: -1 })))
  }
  return { params, loss }
}
