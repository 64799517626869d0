/**
 * Training configurations as data: every field of a task's configuration is a number with a
 * default, a documented range and one line of description. A configuration is external input (a
 * JSON file, the command line), so it is decoded with io-ts: every field is optional (its default
 * fills it in), a value out of its range or of the wrong type is rejected, and so is a field the
 * task does not have. A failure is a `ConfigError` whose `path` is the field and whose `reason`
 * quotes the offending value.
 */
import { type BoundaryError, boundaryError } from '@recurrent/tensor'
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'

/** One configuration field: its default, its range and what it sets. */
export interface FieldSpec {
  readonly description: string
  readonly default: number
  /** Whether the value must be a whole number. */
  readonly integer: boolean
  readonly min: number
  readonly max: number
  /** Whether `min` itself is excluded (a learning rate is > 0). */
  readonly minExclusive: boolean
  /** Whether `max` itself is excluded (a rate is < 1). */
  readonly maxExclusive: boolean
}

/** The fields of a configuration `C`, each with its spec. */
export type Fields<C> = { readonly [K in keyof C]: FieldSpec }

/** A configuration: numbers by field name. */
export type Config = Readonly<Record<string, number>>

/**
 * A whole-number field from `min` to `max` (both included).
 *
 * @example
 * assert.strictEqual(rangeText(integer('Adam steps', 200, 1, 1000)), 'an integer from 1 to 1000')
 */
export const integer = (description: string, defaultValue: number, min: number, max: number): FieldSpec => ({
  description,
  default: defaultValue,
  integer: true,
  min,
  max,
  minExclusive: false,
  maxExclusive: false,
})

/**
 * A real-valued field in `[min, max]`, or with an open end where `options` says so.
 *
 * @example
 * const lr = real('learning rate', 0.01, 0, 1e30, { minExclusive: true })
 * assert.strictEqual(rangeText(lr), 'a number > 0 and ≤ 1e+30')
 */
export const real = (
  description: string,
  defaultValue: number,
  min: number,
  max: number,
  options: { readonly minExclusive?: boolean; readonly maxExclusive?: boolean } = {},
): FieldSpec => ({
  description,
  default: defaultValue,
  integer: false,
  min,
  max,
  minExclusive: options.minExclusive ?? false,
  maxExclusive: options.maxExclusive ?? false,
})

/** A field's range in words: `an integer from 1 to 1000`, `a number ≥ 0 and < 1`. */
export const rangeText = (f: FieldSpec): string =>
  f.integer
    ? `an integer from ${f.min} to ${f.max}`
    : `a number ${f.minExclusive ? '>' : '≥'} ${f.min} and ${f.maxExclusive ? '<' : '≤'} ${f.max}`

/** Whether `v` is a value of the field. */
const accepts = (f: FieldSpec, v: unknown): v is number =>
  typeof v === 'number' &&
  Number.isFinite(v) &&
  (!f.integer || Number.isInteger(v)) &&
  (f.minExclusive ? v > f.min : v >= f.min) &&
  (f.maxExclusive ? v < f.max : v <= f.max)

/** The io-ts codec of one field. */
const fieldCodec = (name: string, f: FieldSpec): t.Type<number, number, unknown> =>
  new t.Type<number, number, unknown>(
    name,
    (u): u is number => accepts(f, u),
    (u, c) => (accepts(f, u) ? t.success(u) : t.failure(u, c, `is not ${rangeText(f)}`)),
    t.identity,
  )

/** A check across fields: undefined when the configuration is consistent, else the field at fault and why. */
export type ConfigCheck<C> = (
  config: C,
) => { readonly field: keyof C & string; readonly reason: string } | undefined

const isRecord = (u: unknown): u is Record<string, unknown> =>
  typeof u === 'object' && u !== null && !Array.isArray(u)

/**
 * The io-ts codec of a configuration with these fields: decodes a JSON object in which every
 * field is optional (defaults fill in the rest) and no other field may appear, then applies
 * `check` across fields. Encodes to the complete object, fields in their declared order.
 *
 * @example
 * const codec = configCodec('demo', { steps: integer('steps', 10, 1, 100) })
 * assert.deepStrictEqual(codec.decode({})._tag === 'Right' && codec.decode({}).right, { steps: 10 })
 * assert.strictEqual(codec.decode({ steps: 0 })._tag, 'Left')
 * assert.strictEqual(codec.decode({ step: 5 })._tag, 'Left') // no such field
 */
export const configCodec = <C extends Record<keyof C, number>>(
  name: string,
  fields: Fields<C>,
  check?: ConfigCheck<C>,
): t.Type<C, C, unknown> => {
  const names = Object.keys(fields) as (keyof C & string)[]
  const codecs: Record<string, t.Type<number, number, unknown>> = Object.fromEntries(
    names.map((k) => [k, fieldCodec(k, fields[k])]),
  )
  const is = (u: unknown): u is C =>
    isRecord(u) &&
    Object.keys(u).every((k) => k in fields) &&
    names.every((k) => accepts(fields[k], u[k])) &&
    check?.(u as C) === undefined
  return new t.Type<C, C, unknown>(
    name,
    is,
    (u, c) => {
      if (!isRecord(u)) return t.failure(u, c, 'is not a JSON object of fields')
      const unknown = Object.keys(u).find((k) => !(k in fields))
      if (unknown !== undefined)
        return t.failure(
          u[unknown],
          t.appendContext(c, unknown, t.unknown, u[unknown]),
          `is not a field of ${name} (the fields are ${names.join(', ')})`,
        )
      const out: Record<string, number> = {}
      for (const k of names) {
        if (!(k in u) || u[k] === undefined) {
          out[k] = fields[k].default
          continue
        }
        const r = codecs[k].validate(u[k], t.appendContext(c, k, codecs[k], u[k]))
        if (E.isLeft(r)) return r
        out[k] = r.right
      }
      const bad = check?.(out as C)
      if (bad !== undefined)
        return t.failure(
          out[bad.field],
          t.appendContext(c, bad.field, codecs[bad.field], out[bad.field]),
          bad.reason,
        )
      return t.success(out as C)
    },
    (a) => Object.fromEntries(names.map((k) => [k, a[k]])) as unknown as C,
  )
}

/** A configuration that cannot be used: `path` is the field (absent for the whole file), `reason` quotes the value. */
export type ConfigError = BoundaryError<'ConfigError'>

/** A value as messages quote it: JSON (`"a"`, `-1`, `[1]`), or its type where JSON has none. */
const quote = (v: unknown): string => {
  try {
    return JSON.stringify(v) ?? String(v)
  } catch {
    return String(v)
  }
}

/**
 * Decodes a configuration with `codec`; a failure names the first field at fault and quotes its
 * value, e.g. `ConfigError at steps: -1 is not an integer from 1 to 10000000`.
 *
 * @example
 * const codec = configCodec('demo', { rate: real('rate', 0.5, 0, 1, { maxExclusive: true }) })
 * const r = decodeConfig(codec, { rate: 1 })
 * assert.deepStrictEqual(r, { _tag: 'Left', left: { _tag: 'ConfigError', reason: '1 is not a number ≥ 0 and < 1', path: 'rate' } })
 */
export const decodeConfig = <C>(codec: t.Type<C, C, unknown>, u: unknown): E.Either<ConfigError, C> => {
  const r = codec.decode(u)
  if (E.isRight(r)) return r
  const [first] = r.left
  const path = first?.context
    .map((c) => c.key)
    .filter((k) => k !== '')
    .join('.')
  return E.left(
    boundaryError(
      'ConfigError',
      `${quote(first?.value)} ${first?.message ?? 'is not accepted'}`,
      path === '' ? undefined : path,
    ),
  )
}
