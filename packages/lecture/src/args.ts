/**
 * Command-line arguments, decoded with io-ts into an `Either` (DESIGN: external input is
 * decoded at the boundary; a failure names the argument and the offending value).
 */
import { parseArgs } from 'node:util'
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

/** A bad command line: what was wrong, for the user. */
export interface UsageError {
  readonly _tag: 'UsageError'
  readonly message: string
}

const usageError = (message: string): UsageError => ({ _tag: 'UsageError', message })

const describe = (errors: t.Errors): string =>
  errors
    .map((e) => {
      const path = e.context
        .map((c) => c.key)
        .filter((k) => k !== '' && !/^\d+$/.test(k))
        .join('.')
      return `--${path || 'command'}: ${JSON.stringify(e.value)} is not one of the accepted values`
    })
    .filter((m, i, all) => all.indexOf(m) === i)
    .join('; ')

/**
 * Decodes `argv` (without `node` and the script) into `Args`.
 *
 * @example
 * const r = decodeArgs(['lecture', '--section', '2.2'])
 * assert.strictEqual(r._tag, 'Right')
 * assert.strictEqual(decodeArgs(['lecture', '--section', '9.9'])._tag, 'Left')
 */
export const decodeArgs = (argv: readonly string[]): E.Either<UsageError, Args> => {
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        section: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (e) {
    return E.left(usageError((e as Error).message))
  }
  const [command = 'help', ...rest] = parsed.positionals
  if (rest.length > 0) return E.left(usageError(`unexpected argument ${JSON.stringify(rest[0])}`))
  if (parsed.values.help) return E.right({ command: 'help' })
  const raw =
    command === 'lecture' ? { command, section: parsed.values.section, out: parsed.values.out } : { command }
  if (command !== 'lecture' && command !== 'help' && command !== 'backends')
    return E.left(usageError(`unknown command ${JSON.stringify(command)}`))
  return pipe(
    Args.decode(raw),
    E.mapLeft((errors) => usageError(describe(errors))),
  )
}
