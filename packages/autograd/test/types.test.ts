/**
 * The types of the transformations: gradients are typed like the arguments they differentiate
 * (`Grads`), `argnums` and `hasAux` show in the result types, and wrong uses do not typecheck.
 * tsc checks this file (the `@ts-expect-error` lines fail the build if they ever typecheck); the
 * runs check that the values have the structures the types claim.
 */
import type { Tensor } from '@recurrent/tensor'
import * as T from '@recurrent/tensor'
import { describe, expect, expectTypeOf, it } from 'vitest'
import * as AD from '../src/index.ts'

const f64 = (xs: number[]) => T.tensor(xs, { dtype: 'f64' })

interface Params {
  readonly W: Tensor
  readonly b?: Tensor
  readonly layers: readonly { readonly W_ih: Tensor; readonly W_hh: Tensor }[]
  readonly activation: 'tanh' | 'relu'
}
const params: Params = {
  W: f64([1, 2]),
  b: f64([3]),
  layers: [{ W_ih: f64([1]), W_hh: f64([2]) }],
  activation: 'tanh',
}
const loss = (p: Params, x: Tensor): Tensor => T.sum(T.mul(T.mul(p.W, p.layers[0].W_ih), x))
const x = f64([4, 5])

describe('Grads: a gradient has its argument type', () => {
  it('maps tensors, arrays, tuples and objects structurally and keeps statics', () => {
    expectTypeOf<AD.Grads<Tensor>>().toEqualTypeOf<Tensor>()
    expectTypeOf<AD.Grads<readonly Tensor[]>>().toEqualTypeOf<Tensor[]>()
    expectTypeOf<AD.Grads<[Tensor, { h: Tensor }]>>().toEqualTypeOf<[Tensor, { h: Tensor }]>()
    expectTypeOf<AD.Grads<{ w?: Tensor; n: number; k: null }>>().toEqualTypeOf<{
      w?: Tensor
      n: number
      k: null
    }>()
    expectTypeOf<AD.Grads<any>>().toBeAny()
  })
})

describe('grad and valueAndGrad', () => {
  it('a params object: the gradient has the params type', () => {
    const g = AD.grad(loss)(params, x)
    expectTypeOf(g).toEqualTypeOf<AD.Grads<Params>>()
    expectTypeOf(g.W).toEqualTypeOf<Tensor>()
    expectTypeOf(g.b).toEqualTypeOf<Tensor | undefined>()
    expectTypeOf(g.layers).toEqualTypeOf<{ readonly W_ih: Tensor; readonly W_hh: Tensor }[]>()
    expectTypeOf(g.activation).toEqualTypeOf<'tanh' | 'relu'>()
    // The gradient can stand where the params go (an optimiser step).
    expectTypeOf(g).toExtend<Params>()
    expect(T.toArray(g.W)).toEqual([4, 5])
    expect(g.activation).toBe('tanh')
  })

  it('a tuple argument: a tuple gradient', () => {
    const g = AD.grad((p: [Tensor, Tensor]) => T.sum(T.mul(p[0], p[1])))([f64([1]), f64([2])])
    expectTypeOf(g).toEqualTypeOf<[Tensor, Tensor]>()
    expect(g.map((t) => T.toArray(t))).toEqual([[2], [1]])
  })

  it('argnums: a number picks that argument, a literal list gives a tuple', () => {
    expectTypeOf(AD.grad(loss, { argnums: 1 })(params, x)).toEqualTypeOf<Tensor>()
    const both = AD.grad(loss, { argnums: [0, 1] })(params, x)
    expectTypeOf(both).toEqualTypeOf<[AD.Grads<Params>, Tensor]>()
    const [gp, gx] = both
    expect(T.toArray(gp.W)).toEqual([4, 5])
    expect(T.toArray(gx)).toEqual([1, 2])
    const [value, swapped] = AD.valueAndGrad(loss, { argnums: [1, 0] })(params, x)
    expectTypeOf(value).toEqualTypeOf<Tensor>()
    expectTypeOf(swapped).toEqualTypeOf<[Tensor, AD.Grads<Params>]>()
    // A list known only at run time gives untyped gradients.
    const nums: number[] = [0, 1]
    expectTypeOf(AD.grad(loss, { argnums: nums })(params, x)).toEqualTypeOf<any[]>()
  })

  it('hasAux: grad gives [gradient, aux], valueAndGrad [[value, aux], gradient]', () => {
    const withAux = (p: Params, x: Tensor) => [loss(p, x), { steps: 3 }] as const
    const [g, aux] = AD.grad(withAux, { hasAux: true })(params, x)
    expectTypeOf(g).toEqualTypeOf<AD.Grads<Params>>()
    expectTypeOf(aux).toEqualTypeOf<{ readonly steps: 3 }>()
    const [[value, aux2], gx] = AD.valueAndGrad(withAux, { hasAux: true, argnums: 1 })(params, x)
    expectTypeOf(value).toEqualTypeOf<Tensor>()
    expectTypeOf(aux2).toEqualTypeOf<{ readonly steps: 3 }>()
    expectTypeOf(gx).toEqualTypeOf<Tensor>()
    // An array literal returned under hasAux is read as a [value, aux] pair.
    const [, label] = AD.grad((y: Tensor) => [T.sum(y), 'label'], { hasAux: true })(x)
    expectTypeOf(label).toEqualTypeOf<string>()
    expect([aux, aux2, label]).toEqual([{ steps: 3 }, { steps: 3 }, 'label'])
  })

  it('wrong uses do not typecheck', () => {
    const wrong = () => {
      // @ts-expect-error the gradient of a params object is not a tensor
      const g: Tensor = AD.grad(loss)(params, x)
      // @ts-expect-error argnums names an argument f does not have
      AD.grad(loss, { argnums: 2 })
      // @ts-expect-error nor does any entry of a list
      AD.grad(loss, { argnums: [0, 5] })
      // @ts-expect-error hasAux needs f to return [value, aux]
      AD.grad(loss, { hasAux: true })
      // @ts-expect-error without hasAux, f returns the value alone
      AD.grad((p: Params, y: Tensor) => [loss(p, y), 1] as const)
      // @ts-expect-error f must return a tensor
      AD.grad((_: Tensor) => 1)
      // @ts-expect-error the arguments must be f's
      AD.grad(loss)(x, x)
      const [[, aux]] = AD.valueAndGrad((y: Tensor) => [T.sum(y), 1] as const, { hasAux: true })(x)
      // @ts-expect-error aux is the number 1
      aux.length
      return g
    }
    expect(typeof wrong).toBe('function')
  })
})

describe('vjp and customVjp', () => {
  it('the pullback maps an output cotangent to a tuple of argument gradients', () => {
    const [y, pullback] = AD.vjp((p: Params, v: Tensor) => ({ y: T.mul(p.W, v) }), params, x)
    expectTypeOf(y).toEqualTypeOf<{ y: Tensor }>()
    expectTypeOf(pullback).parameter(0).toEqualTypeOf<{ y: Tensor }>()
    const [gp, gx] = pullback({ y: f64([1, 1]) })
    expectTypeOf(gp).toEqualTypeOf<AD.Grads<Params>>()
    expectTypeOf(gx).toEqualTypeOf<Tensor>()
    expect(T.toArray(gx)).toEqual([1, 2])
    // @ts-expect-error the cotangent has the output's structure
    const wrong = () => pullback(f64([1, 1]))
    expect(typeof wrong).toBe('function')
  })

  it("customVjp's bwd returns one cotangent (or null) per argument, typed like it", () => {
    const scale = AD.customVjp(
      (p: { w: Tensor }, k: Tensor) => T.mul(p.w, k),
      (p: { w: Tensor }, k: Tensor) => [T.mul(p.w, k), k] as [Tensor, Tensor],
      (k, ct) => {
        expectTypeOf(ct).toEqualTypeOf<Tensor>()
        return [{ w: T.mul(ct, k) }, null]
      },
    )
    expectTypeOf(scale).returns.toEqualTypeOf<Tensor>()
    const gw = AD.grad((p: { w: Tensor }) => T.sum(scale(p, f64([3]))))({ w: f64([1]) }).w
    expect(T.toArray(gw)).toEqual([3])
    AD.customVjp(
      (p: { w: Tensor }) => p.w,
      (p: { w: Tensor }) => [p.w, null] as [Tensor, null],
      // @ts-expect-error a cotangent for { w } must be { w: Tensor } (or null)
      (_, ct) => [ct],
    )
  })
})
