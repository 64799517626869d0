/**
 * What `decodeArgs` and `decodeTrainArgs` share: `node:util` `parseArgs` run leniently over the
 * words, and every mistake in the flags themselves (an unknown option, a switch given a value, a
 * flag without its value or given twice) made a `UsageError` naming the flag and quoting the value;
 * and the io-ts codecs and error location both decoders use on the values.
 */
import { parseArgs } from 'node:util'
import { boundaryError } from '@recurrent/tensor'
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import type { UsageError } from './args.ts'

/** A `UsageError`: `reason` in words, `path` the flag, command or argument position it concerns. */
export const usageError = (reason: string, path: string): UsageError =>
  boundaryError('UsageError', reason, path)

/** A value as the messages quote it: JSON, so that empty, blank and control characters show. */
export const q = (value: string): string => JSON.stringify(value)

/** A whole number in decimal from `min` to 2⁵³ − 1, decoded from its text. */
export const wholeNumber = (name: string, min: number) =>
  new t.Type<number, string, unknown>(
    name,
    (u): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= min,
    (u, c) => {
      if (typeof u !== 'string' || !/^[0-9]+$/.test(u)) return t.failure(u, c)
      const n = Number(u)
      return Number.isSafeInteger(n) && n >= min ? t.success(n) : t.failure(u, c)
    },
    String,
  )

/** A folder or file name: not empty, no NUL. */
export const PathName = new t.Type<string, string, unknown>(
  'PathName',
  (u): u is string => typeof u === 'string' && u !== '' && !u.includes('\0'),
  (u, c) => (typeof u === 'string' && u !== '' && !u.includes('\0') ? t.success(u) : t.failure(u, c)),
  t.identity,
)

/** The first problem in io-ts errors: the last named key of its context (`fallback` if none), and its value. */
export const firstProblem = (errors: t.Errors, fallback: string): { key: string; value: string } => {
  const [first] = errors
  const key =
    first?.context
      .map((c) => c.key)
      .filter((k) => k !== '' && !/^\d+$/.test(k))
      .at(-1) ?? fallback
  return { key, value: String(first?.value) }
}

/** The options `parseArgs` is told of: strings and switches, `-h/--help` among them. */
export type Options = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>

/** How to scan a command line: which flags take a value, which are switches. */
export interface Scan<V extends string, S extends string> {
  readonly options: Options
  readonly valued: readonly V[]
  readonly switches: readonly S[]
  /** The flags that may be given more than once (each value once). */
  readonly multiple?: readonly V[]
  /** A use of each valued flag, as the message for a missing value shows it. */
  readonly example: Record<V, string>
  /** The options as the message for an unknown one lists them. */
  readonly known: string
}

/** A command line split into flags and positional arguments. */
export interface Scanned<V extends string, S extends string> {
  /** The last (only) value of each single-valued flag given. */
  readonly values: Partial<Record<V, string>>
  /** The values of each repeatable flag, in order. */
  readonly many: Partial<Record<V, string[]>>
  readonly switches: Partial<Record<S, true>>
  /** Every flag given but `-h/--help`, in the order first given. */
  readonly given: ReadonlySet<V | S>
  readonly help: boolean
  readonly positionals: readonly { value: string; index: number }[]
}

/**
 * Splits `argv` leniently into flags and positional arguments. Never throws: an unknown option, a
 * switch with a value, a flag without one (or with what looks like another option) and a flag given
 * twice are each a `Left` whose `path` is the flag as written.
 */
export const scanArgs = <V extends string, S extends string>(
  argv: readonly string[],
  scan: Scan<V, S>,
): E.Either<UsageError, Scanned<V, S>> => {
  const { tokens } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: false,
    tokens: true,
    options: scan.options,
  })
  const values: Partial<Record<V, string>> = {}
  const many: Partial<Record<V, string[]>> = {}
  const switches: Partial<Record<S, true>> = {}
  const given = new Set<V | S>()
  let help = false
  const positionals: { value: string; index: number }[] = []
  for (const token of tokens) {
    if (token.kind === 'option-terminator') continue
    if (token.kind === 'positional') {
      positionals.push({ value: token.value, index: token.index })
      continue
    }
    const { name, rawName, value, inlineValue } = token
    const arg = argv[token.index] ?? rawName
    if (name === 'help' || (scan.switches as readonly string[]).includes(name)) {
      if (value !== undefined)
        return E.left(usageError(`takes no value, got ${q(value)} in ${q(arg)}`, rawName))
      if (name === 'help') help = true
      else {
        const flag = name as S
        if (switches[flag]) return E.left(usageError('given twice', rawName))
        switches[flag] = true
        given.add(flag)
      }
      continue
    }
    if (!(scan.valued as readonly string[]).includes(name))
      return E.left(
        usageError(
          `unknown option${arg === rawName ? '' : ` ${rawName} in`} ${q(arg)} (${scan.known})`,
          rawName,
        ),
      )
    const flag = name as V
    if (value === undefined) return E.left(usageError(`needs a value, as in ${scan.example[flag]}`, rawName))
    if (inlineValue === false && value.startsWith('-'))
      return E.left(
        usageError(
          `needs a value, and ${q(value)} looks like an option (write ${rawName}=${value} if it is the value)`,
          rawName,
        ),
      )
    given.add(flag)
    if (scan.multiple?.includes(flag)) {
      const list = many[flag] ?? []
      if (list.includes(value)) return E.left(usageError(`given twice: ${q(value)}`, rawName))
      list.push(value)
      many[flag] = list
      continue
    }
    const previous = values[flag]
    if (previous !== undefined)
      return E.left(usageError(`given twice: ${q(previous)}, then ${q(value)}`, rawName))
    values[flag] = value
  }
  return E.right({ values, many, switches, given, help, positionals })
}
