/**
 * Options arguments, checked in one place. Every op that takes an options object (`sum(x, { axis })`,
 * `matmul(a, b, { transposeB })`, `tensor(v, { dtype })`, …) reads it through `readOptions`, so a
 * bare value where the object belongs (`argmax(x, -1)`), a misspelt key (`{ axes: 0 }`) or a
 * value of the wrong type throws an `ArgumentError` naming the op, instead of being ignored.
 */
import { DTYPES, type DType } from './dtype.ts'
import { ArgumentError, DTypeError } from './errors.ts'

/** What one option accepts: `expects` in words, for messages, and the test of a given value. */
export interface OptionSpec {
  readonly expects: string
  readonly test: (value: unknown) => boolean
}

const isIntegerArray = (u: unknown): boolean => Array.isArray(u) && u.every((v) => Number.isInteger(v))

/** The option kinds the ops share. */
export const optionKinds = {
  /** One axis: an integer (negative counts from the end). */
  axis: { expects: 'an integer', test: Number.isInteger } as OptionSpec,
  /** One or more axes. */
  axes: {
    expects: 'an integer or an array of integers',
    test: (u) => Number.isInteger(u) || isIntegerArray(u),
  } as OptionSpec,
  boolean: { expects: 'a boolean', test: (u) => typeof u === 'boolean' } as OptionSpec,
  /** A shape: an array of integers (the op checks the lengths). */
  shape: { expects: 'an array of integers', test: isIntegerArray } as OptionSpec,
  dtype: {
    expects: `one of ${DTYPES.map((d) => `'${d}'`).join(', ')}`,
    test: (u) => typeof u === 'string' && (DTYPES as readonly string[]).includes(u),
  } as OptionSpec,
  /** One of a fixed list of strings. */
  oneOf: (values: readonly string[]): OptionSpec => ({
    expects: `one of ${values.map((v) => `'${v}'`).join(', ')}`,
    test: (u) => typeof u === 'string' && values.includes(u),
  }),
} as const

const isPlainObject = (u: unknown): u is Record<string, unknown> => {
  if (typeof u !== 'object' || u === null) return false
  const proto = Object.getPrototypeOf(u)
  return proto === Object.prototype || proto === null
}

/** A value as a JavaScript literal, cut short: `-1`, `'f64'`, `[0,1]`, `{"axis":1}`. */
const literal = (u: unknown): string => {
  if (typeof u === 'string') return `'${u}'`
  if (typeof u === 'number') return Object.is(u, -0) ? '-0' : String(u)
  if (typeof u === 'bigint') return `${u}n`
  if (typeof u === 'object' && u !== null && !Array.isArray(u) && !isPlainObject(u))
    return `<${(u as { constructor?: { name?: string } }).constructor?.name || 'object'}>`
  let s: string
  try {
    s = JSON.stringify(u) ?? String(u)
  } catch {
    s = String(u)
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s
}

/** A value as messages name it: `the number -1`, `the string 'f64'`, `a Tensor`, `null`. */
export const describeValue = (u: unknown): string => {
  if (u === null || u === undefined) return String(u)
  switch (typeof u) {
    case 'number':
    case 'string':
    case 'boolean':
    case 'bigint':
      return `the ${typeof u} ${literal(u)}`
    case 'function':
      return 'a function'
    case 'symbol':
      return `the symbol ${String(u)}`
  }
  if (Array.isArray(u)) return `the array ${literal(u)}`
  if (isPlainObject(u)) return `the object ${literal(u)}`
  const name = (u as { constructor?: { name?: unknown } }).constructor?.name
  return typeof name === 'string' && name !== '' ? `a ${name}` : 'an object'
}

/**
 * Checks an options argument against `spec` (each accepted key and what it takes) and returns it:
 * `undefined` reads as `{}`; anything but a plain object, an unknown key, or a value (other than
 * `undefined`) that its spec rejects throws an `ArgumentError` that names the op and says what to
 * write instead.
 *
 * @example
 * const spec = { axis: I.optionKinds.axis, keepDims: I.optionKinds.boolean }
 * assert.deepStrictEqual(I.readOptions('argmax', { axis: -1 }, spec), { axis: -1 })
 * assert.throws(() => I.readOptions('argmax', -1, spec), {
 *   name: 'ArgumentError',
 *   message: 'argmax: options must be an object { axis?, keepDims? }, got the number -1 (write { axis: -1 })',
 * })
 * assert.throws(() => I.readOptions('sum', { axes: 0 }, spec), /sum: unknown option 'axes' \(accepted: axis, keepDims\)/)
 */
export const readOptions = <O extends object>(
  op: string,
  options: O | undefined,
  spec: { readonly [K in keyof O]-?: OptionSpec },
): O => {
  if (options === undefined) return {} as O
  const specs = spec as Readonly<Record<string, OptionSpec>>
  const keys = Object.keys(specs)
  if (!isPlainObject(options)) {
    const fits = keys.find((k) => specs[k].test(options))
    const hint = fits === undefined ? '' : ` (write { ${fits}: ${literal(options)} })`
    throw new ArgumentError(
      `${op}: options must be an object { ${keys.map((k) => `${k}?`).join(', ')} }, got ${describeValue(options)}${hint}`,
    )
  }
  for (const k of Object.keys(options)) {
    const s = Object.hasOwn(specs, k) ? specs[k] : undefined
    if (s === undefined)
      throw new ArgumentError(`${op}: unknown option '${k}' (accepted: ${keys.join(', ')})`)
    const v = options[k]
    if (v !== undefined && !s.test(v))
      throw new ArgumentError(`${op}: option ${k} must be ${s.expects}, got ${describeValue(v)}`)
  }
  return options as O
}

/**
 * Checks a dtype argument: a non-string throws `ArgumentError` (an options object where the dtype
 * belongs gets a hint), an unknown name throws `DTypeError`.
 *
 * @example
 * assert.strictEqual(I.readDType('zeros', 'f64'), 'f64')
 * assert.throws(() => I.readDType('zeros', { dtype: 'f64' }), /zeros: dtype must be one of .*, got the object \{"dtype":"f64"\} \(write the dtype itself: 'f64'\)/)
 */
export const readDType = (op: string, dtype: unknown): DType => {
  if (typeof dtype === 'string' && (DTYPES as readonly string[]).includes(dtype)) return dtype as DType
  const message = `${op}: dtype must be ${optionKinds.dtype.expects}, got ${describeValue(dtype)}`
  if (typeof dtype === 'string') throw new DTypeError(message)
  const inner = isPlainObject(dtype) ? dtype.dtype : undefined
  throw new ArgumentError(
    optionKinds.dtype.test(inner) ? `${message} (write the dtype itself: ${literal(inner)})` : message,
  )
}
