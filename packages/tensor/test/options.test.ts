/**
 * Every op that takes an options object checks it: a bare value where the object belongs, an
 * unknown key or a value of the wrong type throws an ArgumentError naming the op, and accepted
 * options pass. Dtype and axis arguments given as objects are caught the same way.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import * as T from '../src/index.ts'
import { numRuns } from './kit.ts'

const runs = { numRuns: numRuns() }

type Kind = 'axes' | 'axis' | 'boolean' | 'dtype' | 'shape' | 'tensor' | 'activation'

/** What each kind accepts, stated independently of the implementation. */
const ACCEPTS: Record<Kind, (u: unknown) => boolean> = {
  axes: (u) => Number.isInteger(u) || (Array.isArray(u) && u.every((v) => Number.isInteger(v))),
  axis: (u) => Number.isInteger(u),
  boolean: (u) => u === true || u === false,
  dtype: (u) => u === 'f32' || u === 'f64' || u === 'i32' || u === 'bool',
  shape: (u) => Array.isArray(u) && u.every((v) => Number.isInteger(v)),
  tensor: (u) => T.isTensor(u),
  activation: (u) => u === 'identity' || u === 'tanh' || u === 'sigmoid' || u === 'relu',
}

/** Values each kind accepts, to build options that must pass. */
const GOOD: Record<Kind, fc.Arbitrary<unknown>> = {
  axes: fc.oneof(fc.constantFrom(0, -1), fc.constant([0])),
  axis: fc.constantFrom(0, -1),
  boolean: fc.boolean(),
  dtype: fc.constant('f64'),
  shape: fc.constant([2, 2]),
  tensor: fc.constant(T.ones([2], 'f64')),
  activation: fc.constantFrom('identity', 'tanh', 'sigmoid', 'relu'),
}

const x = T.tensor(
  [
    [1, -2],
    [3, 0.5],
  ],
  { dtype: 'f64' },
)
const call = (f: (o: never) => unknown) => (o: unknown) => f(o as never)

/** Every op with an options argument, how to call it, and the kind of each accepted key. */
const OPS: readonly { op: string; run: (o: unknown) => unknown; keys: Record<string, Kind> }[] = [
  ...(['sum', 'mean', 'max', 'min', 'logSumExp'] as const).map((op) => ({
    op,
    run: call((o) => T[op](x, o)),
    keys: { axis: 'axes', keepDims: 'boolean' } as Record<string, Kind>,
  })),
  ...(['argmax', 'argmin'] as const).map((op) => ({
    op,
    run: call((o) => T[op](x, o)),
    keys: { axis: 'axis', keepDims: 'boolean' } as Record<string, Kind>,
  })),
  ...(['softmax', 'logSoftmax'] as const).map((op) => ({
    op,
    run: call((o) => T[op](x, o)),
    keys: { axis: 'axis' } as Record<string, Kind>,
  })),
  {
    op: 'matmul',
    run: call((o) => T.matmul(x, x, o)),
    keys: { transposeA: 'boolean', transposeB: 'boolean' },
  },
  {
    op: 'fusedMatmul',
    run: call((o) => T.fusedMatmul(x, x, o)),
    keys: { transposeA: 'boolean', transposeB: 'boolean', addend: 'tensor', activation: 'activation' },
  },
  { op: 'tensor', run: call((o) => T.tensor([1, 2, 3, 4], o)), keys: { dtype: 'dtype', shape: 'shape' } },
]

const OPTION_ERROR = /options must be an object|unknown option|option \w+ must be/

/** Values that are not plain objects. */
const notAnObject = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.double(),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer({ min: -2, max: 1 }), { maxLength: 2 }),
  fc.constantFrom<unknown>(T.ones([1]), new Map(), new Date(0), () => 0, Symbol('o'), 1n, Float32Array.of(1)),
)

describe('options arguments', () => {
  it('the table lists every exported op whose signature has an options argument', () => {
    const src = new URL('../src/', import.meta.url)
    const declared = readdirSync(src)
      .filter((f) => f.endsWith('.ts') && f !== 'options.ts')
      .flatMap((f) =>
        [
          ...readFileSync(new URL(f, src), 'utf8').matchAll(/export const (\w+) = (?:<[^>]*>)?\(([^)]*)\)/g),
        ].filter((m) => /\boptions\b/.test(m[2])),
      )
      .map((m) => m[1])
    expect(declared.sort()).toEqual(OPS.map((o) => o.op).sort())
  })

  it('argmax(x, -1) names the op, the value and what to write', () => {
    expect(() => T.argmax(x, -1 as never)).toThrow(
      new T.ArgumentError(
        'argmax: options must be an object { axis?, keepDims? }, got the number -1 (write { axis: -1 })',
      ),
    )
    expect(() => T.sum(x, { axes: [0] } as never)).toThrow(
      new T.ArgumentError("sum: unknown option 'axes' (accepted: axis, keepDims)"),
    )
    expect(() => T.mean(x, { keepDims: 1 } as never)).toThrow(
      new T.ArgumentError('mean: option keepDims must be a boolean, got the number 1'),
    )
    expect(() => T.tensor([1, 2], 'f64' as never)).toThrow(
      new T.ArgumentError(
        "tensor: options must be an object { dtype?, shape? }, got the string 'f64' (write { dtype: 'f64' })",
      ),
    )
  })

  for (const { op, run, keys } of OPS) {
    const names = Object.keys(keys)
    test.prop([notAnObject], runs)(`${op}: a value that is not an object is rejected`, (o) => {
      let error: unknown
      try {
        run(o)
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(T.ArgumentError)
      const message = (error as Error).message
      expect(
        message.startsWith(
          `${op}: options must be an object { ${names.map((k) => `${k}?`).join(', ')} }, got `,
        ),
      ).toBe(true)
      const fits = names.find((k) => ACCEPTS[keys[k]](o))
      if (fits === undefined) expect(message).not.toContain('(write')
      else expect(message).toContain(` (write { ${fits}: `)
    })
    test.prop(
      [fc.string({ minLength: 1, maxLength: 12 }).filter((k) => !names.includes(k)), fc.anything()],
      runs,
    )(`${op}: an unknown key is rejected by name`, (key, value) => {
      expect(() => run(Object.fromEntries([[key, value]]))).toThrow(
        new T.ArgumentError(`${op}: unknown option '${key}' (accepted: ${names.join(', ')})`),
      )
    })
    test.prop(
      [
        fc.constantFrom(...names).chain((k) =>
          fc.tuple(
            fc.constant(k),
            fc.anything().filter((v) => v !== undefined && !ACCEPTS[keys[k]](v)),
          ),
        ),
      ],
      runs,
    )(`${op}: a value of the wrong type is rejected, naming the key`, ([key, value]) => {
      expect(() => run({ [key]: value })).toThrow(new RegExp(`^${op}: option ${key} must be .*, got `))
      expect(() => run({ [key]: value })).toThrow(T.ArgumentError)
    })
    test.prop(
      [fc.record(Object.fromEntries(names.map((k) => [k, GOOD[keys[k]]])), { requiredKeys: [] })],
      runs,
    )(`${op}: accepted options pass the check`, (o) => {
      try {
        run(o)
      } catch (e) {
        expect((e as Error).message).not.toMatch(OPTION_ERROR)
      }
    })
  }
})

describe('dtype and axis arguments', () => {
  const DTYPED: readonly [string, (d: unknown) => unknown][] = [
    ['full', (d) => T.full([2], 1, d as T.DType)],
    ['zeros', (d) => T.zeros([2], d as T.DType)],
    ['ones', (d) => T.ones([2], d as T.DType)],
    ['eye', (d) => T.eye(2, 2, d as T.DType)],
    ['arange', (d) => T.arange(0, 2, 1, d as T.DType)],
    ['oneHot', (d) => T.oneHot([1], 2, d as T.DType)],
    ['uniform', (d) => T.uniform(T.key(0), [2], 0, 1, d as T.DType)],
    ['randn', (d) => T.randn(T.key(0), [2], d as T.DType)],
    ['cast', (d) => T.cast(x, d as T.DType)],
  ]
  for (const [op, run] of DTYPED) {
    it(`${op}: an options object where the dtype belongs is an ArgumentError with a hint; an unknown name a DTypeError`, () => {
      expect(() => run({ dtype: 'f64' })).toThrow(
        new T.ArgumentError(
          `${op}: dtype must be one of 'f32', 'f64', 'i32', 'bool', got the object {"dtype":"f64"} (write the dtype itself: 'f64')`,
        ),
      )
      expect(() => run('f16')).toThrow(T.DTypeError)
      expect(() => run('f16')).toThrow(`${op}: dtype must be one of`)
      expect(() => run(7)).toThrow(new RegExp(`^${op}: dtype must be .*, got the number 7$`))
      expect(T.dtype(run('f64') as T.Tensor)).toBe('f64')
    })
  }
  const AXED: readonly [string, (a: unknown) => unknown][] = [
    ['concat', (a) => T.concat([x, x], a as number)],
    ['stack', (a) => T.stack([x, x], a as number)],
    ['unstack', (a) => T.unstack(x, a as number)],
    ['gather', (a) => T.gather(x, T.tensor([0], { dtype: 'i32' }), a as number)],
    ['expandDims', (a) => T.expandDims(x, a as number)],
    ['squeeze', (a) => T.squeeze(T.zeros([1, 2]), a as number)],
  ]
  for (const [op, run] of AXED) {
    it(`${op}: an options object where the axis belongs is an ArgumentError naming the op`, () => {
      expect(() => run({ axis: 0 })).toThrow(
        new T.ArgumentError(`${op}: axis must be an integer, got the object {"axis":0}`),
      )
      expect(() => run(0)).not.toThrow()
    })
  }
})
