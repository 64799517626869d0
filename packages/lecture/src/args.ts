/**
 * Command-line arguments, decoded into an `Either` (docs/design.md#errors: external input is decoded at the
 * boundary; a failure is a `BoundaryError` whose `path` names the flag and whose `reason` quotes
 * the offending value). `node:util` `parseArgs` splits the command line into tokens, leniently,
 * so that every mistake is reported here, in one shape, instead of thrown; io-ts then decodes the
 * values (section ids against the registry's, the seed as a whole number).
 */
import type { BoundaryError } from '@recurrent/tensor'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import { firstProblem, PathName, q, scanArgs, usageError, wholeNumber } from './argv.ts'

/** Where `recurrent lecture` writes `index.html` and `results.json` unless `--out` says otherwise. */
export const DEFAULT_OUT = 'lecture-report'

/** Where `recurrent seeds` writes its table unless `--out` says otherwise. */
export const DEFAULT_SEEDS_OUT = 'docs/results.md'

/** The commands, in the order the usage lists them. */
export const COMMANDS = ['lecture', 'seeds', 'backends', 'help'] as const
export type Command = (typeof COMMANDS)[number]

/** A whole number written in decimal, 0 ≤ n < 2⁵³ (a PRNG seed), decoded from its text. */
const Seed = wholeNumber('Seed', 0)

/** The codecs of the commands' arguments, given the section ids the registry holds. */
const codecs = (ids: readonly string[]) => {
  const Id = t.keyof(Object.fromEntries(ids.map((id) => [id, null])) as Record<string, null>)
  const Lecture = t.type({
    command: t.literal('lecture'),
    sections: t.array(Id),
    seed: Seed,
    full: t.boolean,
    out: PathName,
    json: t.boolean,
    strict: t.boolean,
  })
  const Seeds = t.type({ command: t.literal('seeds'), sections: t.array(Id), out: PathName })
  const Backends = t.type({ command: t.literal('backends') })
  const Help = t.intersection([
    t.type({ command: t.literal('help') }),
    t.partial({ topic: t.keyof({ lecture: null, seeds: null, backends: null }) }),
  ])
  return t.union([Lecture, Seeds, Backends, Help])
}

/** The decoded command line: a command and its options, defaults filled in. */
export type Args =
  | {
      readonly command: 'lecture'
      /** The sections to run, as given; empty: all of them. */
      readonly sections: readonly string[]
      readonly seed: number
      readonly full: boolean
      readonly out: string
      readonly json: boolean
      readonly strict: boolean
    }
  | { readonly command: 'seeds'; readonly sections: readonly string[]; readonly out: string }
  | { readonly command: 'backends' }
  | { readonly command: 'help'; readonly topic?: 'lecture' | 'seeds' | 'backends' }

/**
 * A bad command line: `path` is the flag (`--section`), `command`, or the position of a stray
 * argument (`argv[2]`); `reason` says what is wrong and quotes the offending value.
 */
export type UsageError = BoundaryError<'UsageError'>

const OPTIONS = {
  section: { type: 'string', multiple: true },
  seed: { type: 'string' },
  out: { type: 'string' },
  full: { type: 'boolean' },
  json: { type: 'boolean' },
  strict: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

type Flag = Exclude<keyof typeof OPTIONS, 'help'>
const VALUED = ['section', 'seed', 'out'] as const
const SWITCHES = ['full', 'json', 'strict'] as const

/** The flags each command takes (besides `-h/--help`). */
const FLAGS_OF: Record<Command, readonly Flag[]> = {
  lecture: ['section', 'seed', 'full', 'out', 'json', 'strict'],
  seeds: ['section', 'out'],
  backends: [],
  help: [],
}

const EXAMPLE: Record<(typeof VALUED)[number], string> = {
  section: '--section 2.2',
  seed: '--seed 0',
  out: '--out DIR',
}

/** The section ids as a usage message lists them. */
const listIds = (ids: readonly string[]): string =>
  ids.length === 0 ? 'no section is registered' : `the sections are ${ids.join(', ')}`

/** Why a flag's value is rejected, quoting the value. */
const rejected = (flag: string, value: string, ids: readonly string[]): string =>
  flag === 'section'
    ? `${q(value)} is not an accepted value (${listIds(ids)})`
    : flag === 'seed'
      ? `${q(value)} is not a seed (a whole number from 0 to 9007199254740991)`
      : flag === 'out'
        ? `${q(value)} is not a folder or file name`
        : `${q(value)} is not an accepted value`

/** The first problem in `io-ts` errors, located by its key as a flag. */
const describe = (errors: t.Errors, ids: readonly string[]): UsageError => {
  const { key, value } = firstProblem(errors, 'command')
  const flag = key === 'sections' ? 'section' : key
  return usageError(rejected(flag, value, ids), flag === 'command' ? 'command' : `--${flag}`)
}

const isCommand = (s: string): s is Command => (COMMANDS as readonly string[]).includes(s)

/**
 * Decodes `argv` (without `node` and the script) into `Args`, checking `--section` against `ids`
 * (the registry's section ids). Never throws: every mistake is a `Left` naming the flag and the
 * offending value. `--section` may be repeated; every other flag is given at most once.
 *
 * @example
 * const r = decodeArgs(['lecture', '--section', '2.2', '--seed', '3'], ['2.2', '3.2'])
 * assert.deepStrictEqual(r, {
 *   _tag: 'Right',
 *   right: { command: 'lecture', sections: ['2.2'], seed: 3, full: false, out: 'lecture-report', json: false, strict: false },
 * })
 * const bad = decodeArgs(['lecture', '--section', '9.9'], ['2.2', '3.2'])
 * assert.deepStrictEqual(bad, {
 *   _tag: 'Left',
 *   left: { _tag: 'UsageError', reason: '"9.9" is not an accepted value (the sections are 2.2, 3.2)', path: '--section' },
 * })
 */
export const decodeArgs = (
  argv: readonly string[],
  ids: readonly string[],
  /** Commands decoded elsewhere (`train`, `eval`), named where the commands are listed. */
  others: readonly string[] = [],
): E.Either<UsageError, Args> => {
  const scanned = scanArgs(argv, {
    options: OPTIONS,
    valued: VALUED,
    switches: SWITCHES,
    multiple: ['section'],
    example: EXAMPLE,
    known: 'the options are --section, --seed, --full, --out, --json, --strict, -h/--help',
  })
  if (E.isLeft(scanned)) return scanned
  const { values, many, switches, given, help, positionals } = scanned.right
  const sections = many.section ?? []
  const [first, ...rest] = positionals
  if (rest[0] !== undefined)
    return E.left(usageError(`unexpected argument ${q(rest[0].value)}`, `argv[${rest[0].index}]`))
  const word = first?.value
  if (help)
    return E.right(
      word !== undefined && word !== 'help' && isCommand(word)
        ? { command: 'help', topic: word as Exclude<Command, 'help'> }
        : { command: 'help' },
    )
  const command = word ?? 'help'
  if (!isCommand(command))
    return E.left(
      usageError(
        `unknown command ${q(command)} (the commands are ${[...COMMANDS, ...others].join(', ')})`,
        'command',
      ),
    )
  for (const flag of given)
    if (!FLAGS_OF[command].includes(flag)) {
      const takers = COMMANDS.filter((c) => FLAGS_OF[c].includes(flag)).join(' and ')
      return E.left(
        usageError(
          `applies only to the ${takers} command${takers.includes(' and ') ? 's' : ''}, ${word === undefined ? 'and no command was given' : `not ${q(command)}`}`,
          `--${flag}`,
        ),
      )
    }
  const raw =
    command === 'lecture'
      ? {
          command,
          sections,
          seed: values.seed ?? '0',
          full: switches.full === true,
          out: values.out ?? DEFAULT_OUT,
          json: switches.json === true,
          strict: switches.strict === true,
        }
      : command === 'seeds'
        ? { command, sections, out: values.out ?? DEFAULT_SEEDS_OUT }
        : { command }
  return pipe(
    codecs(ids).decode(raw),
    E.bimap(
      (errors) => describe(errors, ids),
      (decoded) => decoded as Args,
    ),
  )
}
