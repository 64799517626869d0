import { test } from '@fast-check/vitest'
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import * as I from '@recurrent/tensor/internal'
import { describe, expect, it } from 'vitest'
import * as AD from '../src/index.ts'
import { assertClose, numRuns, pytree, shape, smoothTensorOf, TOL } from './kit.ts'

const runs = { numRuns: numRuns(30) }
const vec = shape({ minRank: 1, maxRank: 2 }).chain((s) => smoothTensorOf(s))
const f = (x: Tensor) => T.sum(T.tanh(T.mul(x, x)))
const g = (x: Tensor) => T.sum(T.mul(T.exp(T.neg(x)), x))

describe('grad as a function transformation', () => {
  test.prop([vec], runs)('grad of a sum of two functions is the sum of their grads', (x) => {
    const lhs = AD.grad((y: Tensor) => T.add(f(y), g(y)))(x)
    assertClose(lhs, T.add(AD.grad(f)(x), AD.grad(g)(x)), TOL.f64)
  })
  test.prop([vec], runs)('higher order: the second derivative of Σx³ is 6x', (x) => {
    const d2 = AD.grad((y: Tensor) => T.sum(AD.grad((z: Tensor) => T.sum(T.mul(T.mul(z, z), z)))(y)))(x)
    assertClose(d2, T.mul(x, 6), TOL.f64)
  })
  test.prop([vec], runs)('higher order: Hessian-vector products of tanh agree with checkGrad', (x) => {
    const report = AD.checkGrad((y: Tensor) => AD.grad(f)(y), x)
    expect(report.ok).toBe(true)
  })
  test.prop([pytree()], runs)('gradients have the structure of the argument pytree', (tree) => {
    const loss = (p: T.Tree) =>
      T.treeLeaves(p).reduce(
        (acc: Tensor, t) => T.add(acc, T.sum(T.mul(t, t))),
        T.tensor(0, { dtype: 'f64' }),
      )
    const grads = AD.grad(loss)(tree)
    expect(T.treePaths(grads)).toEqual(T.treePaths(tree))
    T.treeLeaves(grads).forEach((gl, i) => assertClose(gl, T.mul(T.treeLeaves(tree)[i], 2), TOL.f64))
  })
  it('argnums picks arguments; hasAux returns the auxiliary value', () => {
    const h = (a: Tensor, b: Tensor) => T.sum(T.mul(a, b))
    const a = T.tensor([1, 2], { dtype: 'f64' })
    const b = T.tensor([3, 4], { dtype: 'f64' })
    expect(T.toArray(AD.grad(h, { argnums: 1 })(a, b))).toEqual([1, 2])
    const [ga, gb] = AD.grad(h, { argnums: [0, 1] })(a, b)
    expect([T.toArray(ga), T.toArray(gb)]).toEqual([
      [3, 4],
      [1, 2],
    ])
    const [[value, aux], grads] = AD.valueAndGrad((x: Tensor) => [T.sum(x), 'aux'], { hasAux: true })(a)
    expect([T.item(value), aux, T.toArray(grads)]).toEqual([3, 'aux', [1, 1]])
    const [gAux, aux2] = AD.grad((x: Tensor) => [T.sum(x), 7], { hasAux: true })(a)
    expect([T.toArray(gAux), aux2]).toEqual([[1, 1], 7])
  })
  it('the same tensor passed twice gets separate gradients', () => {
    const x = T.tensor([2], { dtype: 'f64' })
    const [ga, gb] = AD.grad((a: Tensor, b: Tensor) => T.sum(T.mul(T.mul(a, a), b)), { argnums: [0, 1] })(
      x,
      x,
    )
    expect([T.toArray(ga), T.toArray(gb)]).toEqual([[8], [4]])
  })
  it('a constant function has zero gradient; integer leaves get zeros', () => {
    const x = T.tensor([1, 2], { dtype: 'f64' })
    expect(T.toArray(AD.grad((_: Tensor) => T.tensor(3, { dtype: 'f64' }))(x))).toEqual([0, 0])
    const gp = AD.grad((p: { x: Tensor; i: Tensor }) => T.sum(T.gather(p.x, p.i)))({
      x,
      i: T.tensor([1, 1], { dtype: 'i32' }),
    })
    expect(T.toArray(gp.x)).toEqual([0, 2])
    expect(gp.i.dtype).toBe('i32')
    expect(T.toArray(gp.i)).toEqual([0, 0])
  })
  it('stopGradient blocks the derivative but keeps the value', () => {
    const x = T.tensor([3], { dtype: 'f64' })
    const [v, gr] = AD.valueAndGrad((y: Tensor) => T.sum(T.mul(y, AD.stopGradient(y))))(x)
    expect([T.item(v), T.toArray(gr)]).toEqual([9, [3]])
  })
  it('vjp gives Jᵀc for every primal and checks the cotangent shape', () => {
    const a = T.tensor([[1, 2]], { dtype: 'f64' })
    const W = T.tensor(
      [
        [1, 0, 2],
        [0, 1, 3],
      ],
      { dtype: 'f64' },
    )
    const [y, pullback] = AD.vjp((p: Tensor, q: Tensor) => T.matmul(p, q), a, W)
    expect(T.toArray(y)).toEqual([[1, 2, 8]])
    const [ga, gW] = pullback(T.tensor([[1, 1, 1]], { dtype: 'f64' }))
    expect(T.toArray(ga)).toEqual([[3, 4]])
    expect(T.toArray(gW)).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ])
    expect(() => pullback(T.tensor([1, 1, 1], { dtype: 'f64' }))).toThrow(T.ShapeError)
  })
  it('grad refuses a non-scalar or non-float output, naming what it got', () => {
    const x = T.tensor([1, 2], { dtype: 'f64' })
    expect(() => AD.grad((y: Tensor) => y)(x)).toThrow(
      'f must return a scalar float tensor, got f64 tensor of shape [2]',
    )
    // @ts-expect-error f must return a tensor
    expect(() => AD.grad((_: Tensor) => 3)(x)).toThrow(T.ArgumentError)
    // @ts-expect-error argnums 2 is not an argument of f
    expect(() => AD.grad((y: Tensor) => T.sum(y), { argnums: 2 })(x)).toThrow('argnum 2 is out of range')
  })
  it('grad is pure: no tracer is left behind and inputs are untouched', () => {
    const x = T.tensor([1, 2], { dtype: 'f64' })
    AD.grad(f)(x)
    expect(I.isTracing()).toBe(false)
    expect(() =>
      AD.grad((_: Tensor) => {
        throw new Error('inside')
      })(x),
    ).toThrow('inside')
    expect(I.isTracing()).toBe(false)
    expect(T.toArray(x)).toEqual([1, 2])
  })
})

describe('customVjp', () => {
  const softplus = AD.customVjp(
    (x: Tensor) => T.log(T.add(T.exp(x), 1)),
    (x: Tensor) => [T.log(T.add(T.exp(x), 1)), x] as [Tensor, Tensor],
    (x: Tensor, ct: Tensor) => [T.mul(ct, T.sigmoid(x))],
  )
  test.prop([vec], runs)('a correct hand rule passes checkGrad and equals the recorded gradient', (x) => {
    expect(AD.checkGrad((y: Tensor) => softplus(y), x).ok).toBe(true)
    const recorded = AD.grad((y: Tensor) => T.sum(T.log(T.add(T.exp(y), 1))))(x)
    assertClose(AD.grad((y: Tensor) => T.sum(softplus(y)))(x), recorded, TOL.f64)
  })
  it('a wrong hand rule is caught by checkGrad (the check can fail)', () => {
    const wrong = AD.customVjp(
      (x: Tensor) => T.mul(x, x),
      (x: Tensor) => [T.mul(x, x), x] as [Tensor, Tensor],
      (x: Tensor, ct: Tensor) => [T.mul(ct, x)],
    )
    const report = AD.checkGrad((y: Tensor) => wrong(y), T.tensor([1, 2], { dtype: 'f64' }))
    expect(report.ok).toBe(false)
    expect(report.worst?.path).toBe('')
    expect(AD.formatReport(report)).toContain('FAILED')
  })
  it('works over pytrees, with null for arguments that take no cotangent', () => {
    const scaledSum = AD.customVjp(
      (p: { w: Tensor; b: Tensor }, idx: Tensor) => T.sum(T.mul(T.gather(p.w, idx), p.b)),
      (p: { w: Tensor; b: Tensor }, idx: Tensor) =>
        [T.sum(T.mul(T.gather(p.w, idx), p.b)), { p, idx }] as [
          Tensor,
          { p: { w: Tensor; b: Tensor }; idx: Tensor },
        ],
      (r, ct) => [
        {
          w: T.mul(T.scatterAdd(T.broadcastTo(r.p.b, [r.idx.size]), r.idx, 0, r.p.w.shape), ct),
          b: T.mul(T.sum(T.gather(r.p.w, r.idx)), ct),
        },
        null,
      ],
    )
    const p = { w: T.tensor([1, 2, 3], { dtype: 'f64' }), b: T.tensor(2, { dtype: 'f64' }) }
    const idx = T.tensor([2, 2, 0], { dtype: 'i32' })
    expect(AD.checkGrad((q: typeof p) => scaledSum(q, idx), p).ok).toBe(true)
    const gr = AD.grad((q: typeof p) => scaledSum(q, idx))(p)
    expect(T.toArray(gr.w)).toEqual([2, 0, 4])
  })
})

describe('checkGrad', () => {
  test.prop([vec], runs)('directional mode agrees with the Jacobian mode on correct rules', (x) => {
    const h = (y: Tensor) => T.softmax(T.mul(y, 3))
    expect(AD.checkGrad(h, x, { mode: 'jacobian' }).ok).toBe(true)
    expect(AD.checkGrad(h, x, { mode: 'directional' }).ok).toBe(true)
  })
  it('reports instead of throwing when f throws', () => {
    const r = AD.checkGrad(
      () => T.matmul(T.zeros([2, 3], 'f64'), T.zeros([2, 3], 'f64')),
      T.zeros([1], 'f64'),
    )
    expect(r.ok).toBe(false)
    expect(r.error).toContain('ShapeError')
  })
  it('promotes f32 parameters to f64 and picks the mode by size', () => {
    const small = AD.checkGrad((p: Tensor) => T.sum(T.tanh(p)), T.tensor([0.1, 0.2]))
    expect(small).toMatchObject({ ok: true, mode: 'jacobian', checked: 2 })
    const big = AD.checkGrad((p: Tensor) => T.tanh(p), T.randn(T.key(0), [100], 'f64'))
    expect(big.mode).toBe('directional')
  })
  it('names the leaf path and index of the worst mismatch', () => {
    const broken = AD.customVjp(
      (p: { a: Tensor; b: Tensor }) => T.sum(T.add(p.a, T.mul(p.b, p.b))),
      (p: { a: Tensor; b: Tensor }) =>
        [T.sum(T.add(p.a, T.mul(p.b, p.b))), p] as [Tensor, { a: Tensor; b: Tensor }],
      (p, ct) => [
        {
          a: T.mul(T.full(p.a.shape, 1, 'f64'), ct),
          b: T.mul(T.mul(p.b, 2), T.mul(ct, T.tensor([1, 1, 5], { dtype: 'f64' }))),
        },
      ],
    )
    const r = AD.checkGrad(broken, {
      a: T.tensor([1, 2, 4], { dtype: 'f64' }),
      b: T.tensor([1, 2, 3], { dtype: 'f64' }),
    })
    expect(r.ok).toBe(false)
    expect(r.worst).toMatchObject({
      path: 'b',
      index: 2,
      numeric: expect.closeTo(6, 5),
      analytic: expect.closeTo(30, 9),
    })
  })
})
