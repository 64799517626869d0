/**
 * Command-line arguments, decoded into an `Either` (docs/design.md#errors: external input is decoded at the
 * boundary; a failure is a `BoundaryError` whose `path` names the flag and whose `reason` quotes
 * the offending value). `node:util` `parseArgs` splits the command line into tokens, leniently,
 * so that every mistake is reported here, in one shape, instead of thrown.
 */
import { parseArgs } from 'node:util'
import { type BoundaryError, boundaryError } from '@recurrent/tensor'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'

/** The lecture sections the command can run now. */
export const SECTIONS = ['2.2', '3.2', '4.4'] as const

const Section = t.keyof(
  Object.fromEntries(SECTIONS.map((s) => [s, null])) as Record<(typeof SECTIONS)[number], null>,
)

const LectureArgs = t.type({
  command: t.literal('lecture'),
  section: t.union([Section, t.undefined]),
  out: t.union([t.string, t.undefined]),
})

const HelpArgs = t.type({ command: t.literal('help') })

const BackendsArgs = t.type({ command: t.literal('backends') })

/** The commands and their arguments, as an io-ts codec. */
export const Args = t.union([LectureArgs, HelpArgs, BackendsArgs])
export type Args = t.TypeOf<typeof Args>

/**
 * A bad command line: `path` is the flag (`--section`), `command`, or the position of a stray
 * argument (`argv[2]`); `reason` says what is wrong and quotes the offending value.
 */
export type UsageError = BoundaryError<'UsageError'>

const usageError = (reason: string, path: string): UsageError => boundaryError('UsageError', reason, path)

const COMMANDS = ['lecture', 'backends', 'help'] as const

const OPTIONS = {
  section: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

const EXAMPLE: Record<'section' | 'out', string> = { section: '--section 2.2', out: '--out DIR' }

/** A value as the messages quote it: JSON, so that empty, blank and control characters show. */
const q = (value: string): string => JSON.stringify(value)

/** The first problem in `io-ts` errors, located by its key as a flag. */
const describe = (errors: t.Errors): UsageError => {
  const [first] = errors
  const key =
    first?.context
      .map((c) => c.key)
      .filter((k) => k !== '' && !/^\d+$/.test(k))
      .at(-1) ?? 'command'
  const accepted = key === 'section' ? ` (the sections are ${SECTIONS.join(', ')})` : ''
  return usageError(`${q(String(first?.value))} is not an accepted value${accepted}`, `--${key}`)
}

/**
 * Decodes `argv` (without `node` and the script) into `Args`. Never throws: every mistake is a
 * `Left` naming the flag and the offending value.
 *
 * @example
 * const r = decodeArgs(['lecture', '--section', '2.2'])
 * assert.strictEqual(r._tag, 'Right')
 * const bad = decodeArgs(['lecture', '--section', '9.9'])
 * assert.deepStrictEqual(bad, {
 *   _tag: 'Left',
 *   left: { _tag: 'UsageError', reason: '"9.9" is not an accepted value (the sections are 2.2, 3.2, 4.4)', path: '--section' },
 * })
 */
export const decodeArgs = (argv: readonly string[]): E.Either<UsageError, Args> => {
  const { tokens } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: false,
    tokens: true,
    options: OPTIONS,
  })
  const values: { section?: string; out?: string } = {}
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
    if (name === 'help') {
      if (value !== undefined)
        return E.left(usageError(`takes no value, got ${q(value)} in ${q(arg)}`, rawName))
      help = true
      continue
    }
    if (name !== 'section' && name !== 'out')
      return E.left(
        usageError(
          `unknown option${arg === rawName ? '' : ` ${rawName} in`} ${q(arg)} (the options are --section, --out, -h/--help)`,
          rawName,
        ),
      )
    if (value === undefined) return E.left(usageError(`needs a value, as in ${EXAMPLE[name]}`, rawName))
    if (inlineValue === false && value.startsWith('-'))
      return E.left(
        usageError(
          `needs a value, and ${q(value)} looks like an option (write ${rawName}=${value} if it is the value)`,
          rawName,
        ),
      )
    const previous = values[name]
    if (previous !== undefined)
      return E.left(usageError(`given twice: ${q(previous)}, then ${q(value)}`, rawName))
    values[name] = value
  }
  const [given, ...rest] = positionals
  if (rest[0] !== undefined)
    return E.left(usageError(`unexpected argument ${q(rest[0].value)}`, `argv[${rest[0].index}]`))
  if (help) return E.right({ command: 'help' })
  const command = given?.value ?? 'help'
  if (!(COMMANDS as readonly string[]).includes(command))
    return E.left(
      usageError(`unknown command ${q(command)} (the commands are ${COMMANDS.join(', ')})`, 'command'),
    )
  if (command !== 'lecture')
    for (const flag of ['section', 'out'] as const)
      if (values[flag] !== undefined)
        return E.left(
          usageError(
            `applies only to the lecture command, ${given === undefined ? 'and no command was given' : `not ${q(command)}`}`,
            `--${flag}`,
          ),
        )
  if (values.out !== undefined && (values.out === '' || values.out.includes('\0')))
    return E.left(usageError(`${q(values.out)} is not a folder name`, '--out'))
  return pipe(
    Args.decode(
      command === 'lecture' ? { command: 'lecture', section: values.section, out: values.out } : { command },
    ),
    E.mapLeft(describe),
  )
}
