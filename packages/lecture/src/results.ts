/**
 * `results.json`, the public contract of `recurrent lecture`: what ran, with which seed, and what
 * each section measured. The codec is exported so that outside checks decode the file the same way:
 *
 *   { "meta": { "version", "node", "backend" }, "seed", "full", "totalSeconds",
 *     "sections": { "<id>": { "title", "claim", "holds", "seconds", "metrics": {…}, "error"? } } }
 *
 * Metrics are JSON values whose numbers are all finite: a non-finite number is written as `null`
 * (the experiment's own `diverged` flag says why). `error` is present only when the section threw;
 * then `holds` is false and `metrics` is empty.
 */
import { type BoundaryError, boundaryError } from '@recurrent/tensor'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'

/** A JSON value with finite numbers only: what a metric may be. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [k: string]: JsonValue }

const finite = (u: unknown): u is number => typeof u === 'number' && Number.isFinite(u)

/** A finite number (`NaN` and `±Infinity` are not JSON). */
export const FiniteNumber = new t.Type<number, number, unknown>(
  'FiniteNumber',
  finite,
  (u, c) => (finite(u) ? t.success(u) : t.failure(u, c)),
  t.identity,
)

const NonNegative = new t.Type<number, number, unknown>(
  'NonNegativeNumber',
  (u): u is number => finite(u) && u >= 0,
  (u, c) => (finite(u) && u >= 0 ? t.success(u) : t.failure(u, c)),
  t.identity,
)

const Seed = new t.Type<number, number, unknown>(
  'Seed',
  (u): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= 0,
  (u, c) => (typeof u === 'number' && Number.isSafeInteger(u) && u >= 0 ? t.success(u) : t.failure(u, c)),
  t.identity,
)

/** The codec of {@link JsonValue}. */
export const JsonValue: t.Type<JsonValue> = t.recursion('JsonValue', () =>
  t.union([
    t.null,
    t.boolean,
    FiniteNumber,
    t.string,
    t.readonlyArray(JsonValue),
    t.record(t.string, JsonValue),
  ]),
)

/** One section of `results.json`. */
export const SectionResult = t.intersection([
  t.type({
    title: t.string,
    claim: t.string,
    holds: t.boolean,
    seconds: NonNegative,
    metrics: t.record(t.string, JsonValue),
  }),
  t.partial({ error: t.string }),
])
export type SectionResult = t.TypeOf<typeof SectionResult>

/** The whole of `results.json`. */
export const Results = t.type({
  meta: t.type({ version: t.string, node: t.string, backend: t.string }),
  seed: Seed,
  full: t.boolean,
  totalSeconds: NonNegative,
  sections: t.record(t.string, SectionResult),
})
export type Results = t.TypeOf<typeof Results>

/** A `results.json` that does not match the contract: `path` is the first field at fault. */
export type ResultsError = BoundaryError<'DecodeError'>

/** Whether a codec's context entries below it are its members (a union's, an intersection's). */
const hasMembers = (type: t.Decoder<unknown, unknown> | undefined): boolean => {
  const inner = type instanceof t.RecursiveType ? (type.type as t.Decoder<unknown, unknown>) : type
  return inner instanceof t.UnionType || inner instanceof t.IntersectionType
}

/** The entries of an io-ts context that are fields or indices (not a union's or intersection's members). */
const fieldsOf = (context: t.Context): t.ContextEntry[] =>
  context.filter((_entry, i) => i > 0 && !hasMembers(context[i - 1]?.type))

/** A value as a message quotes it: JSON, except the numbers JSON has no form for. */
const show = (u: unknown): string =>
  typeof u === 'number' && !Number.isFinite(u) ? String(u) : (JSON.stringify(u) ?? String(u))

/**
 * Decodes a parsed `results.json`; a `Left` names the first field that breaks the contract.
 *
 * @example
 * const ok = decodeResults({
 *   meta: { version: '0.1.0', node: 'v20.0.0', backend: 'auto' }, seed: 0, full: false, totalSeconds: 1,
 *   sections: { '2.2': { title: 't', claim: 'c', holds: true, seconds: 1, metrics: { loss: 0.1, curve: [1, null] } } },
 * })
 * assert.strictEqual(ok._tag, 'Right')
 * const bad = decodeResults({ meta: { version: '0', node: 'v20', backend: 'auto' }, seed: 0, full: false, totalSeconds: 1, sections: { '2.2': { title: 't', claim: 'c', holds: 'yes', seconds: 1, metrics: {} } } })
 * assert.deepStrictEqual(bad, { _tag: 'Left', left: { _tag: 'DecodeError', reason: 'expected boolean, got "yes"', path: 'sections.2.2.holds' } })
 */
export const decodeResults = (u: unknown): E.Either<ResultsError, Results> =>
  pipe(
    Results.decode(u),
    E.mapLeft((errors) => {
      // Every alternative of a union reports; the deepest field is the one at fault.
      const [first] = [...errors].sort((a, b) => fieldsOf(b.context).length - fieldsOf(a.context).length)
      const fields = first === undefined ? [] : fieldsOf(first.context)
      const expected = fields.at(-1)?.type.name ?? 'a value'
      return boundaryError(
        'DecodeError',
        `expected ${expected}, got ${show(first?.value)}`,
        fields.map((f) => f.key).join('.') || '(root)',
      )
    }),
  )

/**
 * A value as `results.json` can hold it: finite numbers as they are, `NaN` and `±Infinity` as
 * `null`, typed arrays as arrays, plain objects field by field (`undefined` fields left out);
 * anything else JSON has no form for (functions, symbols, class instances) becomes `null`.
 *
 * @example
 * assert.deepStrictEqual(toJson({ loss: NaN, curve: new Float32Array([1, Infinity]), ok: true, skip: undefined }), {
 *   loss: null, curve: [1, null], ok: true,
 * })
 */
export const toJson = (value: unknown): JsonValue => {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (typeof value === 'bigint') return Number(value)
  if (Array.isArray(value)) return value.map(toJson)
  if (ArrayBuffer.isView(value) && !(value instanceof DataView))
    return Array.from(value as unknown as ArrayLike<number | bigint>, toJson)
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value)
    if (proto !== Object.prototype && proto !== null) return null
    // Own data properties, so that a key named `__proto__` stays a key (assignment would set the prototype).
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, toJson(v)]),
    )
  }
  return null
}

/** Metrics as `results.json` holds them: an object (a bare value goes under `value`). */
export const metricsJson = (metrics: unknown): Record<string, JsonValue> => {
  const json = toJson(metrics)
  return json !== null && typeof json === 'object' && !Array.isArray(json)
    ? (json as Record<string, JsonValue>)
    : { value: json }
}
