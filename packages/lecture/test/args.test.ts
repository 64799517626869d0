import { numRuns } from '@recurrent/testkit'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type Args, decodeArgs, type UsageError } from '../src/index.ts'

/** The deep run (FC_NUM_RUNS set) decodes ten times as many command lines as it runs other properties. */
const deep = numRuns(0)
const runs = { numRuns: deep > 0 ? 10 * deep : 2000 }

/** A registry's section ids, as the decoder is given them. */
const IDS = ['2.2', '3.2', '4.4'] as const
const decode = (argv: readonly string[]) => decodeArgs(argv, IDS)

const left = (reason: string, path: string) => ({ _tag: 'Left', left: { _tag: 'UsageError', reason, path } })
const lecture = (over: Partial<Extract<Args, { command: 'lecture' }>> = {}) => ({
  _tag: 'Right',
  right: {
    command: 'lecture',
    sections: [],
    seed: 0,
    full: false,
    out: 'lecture-report',
    json: false,
    strict: false,
    ...over,
  },
})

describe('decodeArgs', () => {
  it('decodes each command with its options, defaults filled in', () => {
    expect(decode([])).toEqual({ _tag: 'Right', right: { command: 'help' } })
    expect(decode(['lecture'])).toEqual(lecture())
    expect(decode(['lecture', '--section', '4.4', '--out=dir'])).toEqual(
      lecture({ sections: ['4.4'], out: 'dir' }),
    )
    expect(decode(['--section=3.2', 'lecture'])).toEqual(lecture({ sections: ['3.2'] }))
    expect(
      decode(['lecture', '--section', '4.4', '--section=2.2', '--seed', '7', '--full', '--json', '--strict']),
    ).toEqual(lecture({ sections: ['4.4', '2.2'], seed: 7, full: true, json: true, strict: true }))
    expect(decode(['lecture', '--seed=9007199254740991'])).toEqual(lecture({ seed: 2 ** 53 - 1 }))
    expect(decode(['lecture', '--', '--x'])).toEqual(left('unexpected argument "--x"', 'argv[2]'))
    expect(decode(['backends'])).toEqual({ _tag: 'Right', right: { command: 'backends' } })
    expect(decode(['seeds'])).toEqual({
      _tag: 'Right',
      right: { command: 'seeds', sections: [], out: 'docs/results.md' },
    })
    expect(decode(['seeds', '--section', '2.2', '--out', 'x.md'])).toEqual({
      _tag: 'Right',
      right: { command: 'seeds', sections: ['2.2'], out: 'x.md' },
    })
  })
  it('--help on every command is that command’s help; without a known command, the general one', () => {
    expect(decode(['--help'])).toEqual({ _tag: 'Right', right: { command: 'help' } })
    expect(decode(['help'])).toEqual({ _tag: 'Right', right: { command: 'help' } })
    expect(decode(['help', '-h'])).toEqual({ _tag: 'Right', right: { command: 'help' } })
    for (const command of ['lecture', 'seeds', 'backends'])
      for (const flag of ['--help', '-h'])
        expect(decode([command, flag])).toEqual({ _tag: 'Right', right: { command: 'help', topic: command } })
    expect(decode(['lecture', '--section', 'nope', '--help'])).toEqual({
      _tag: 'Right',
      right: { command: 'help', topic: 'lecture' },
    })
    expect(decode(['train', '-h'])).toEqual({ _tag: 'Right', right: { command: 'help' } })
  })
  it('checks --section against the ids it is given', () => {
    expect(decodeArgs(['lecture', '--section', '1.2'], ['1.2'])).toEqual(lecture({ sections: ['1.2'] }))
    expect(decodeArgs(['lecture', '--section', '2.2'], ['1.2'])).toEqual(
      left('"2.2" is not an accepted value (the sections are 1.2)', '--section'),
    )
    expect(decodeArgs(['lecture', '--section', '2.2'], [])).toEqual(
      left('"2.2" is not an accepted value (no section is registered)', '--section'),
    )
    expect(decodeArgs(['lecture'], [])).toEqual(lecture())
  })
  it('names the flag and quotes the offending value in every Left', () => {
    const sections = '(the sections are 2.2, 3.2, 4.4)'
    const options = '(the options are --section, --seed, --full, --out, --json, --strict, -h/--help)'
    expect(decode(['lecture', '--section', '7'])).toEqual(
      left(`"7" is not an accepted value ${sections}`, '--section'),
    )
    expect(decode(['lecture', '--section', '2.2', '--section', '9.9'])).toEqual(
      left(`"9.9" is not an accepted value ${sections}`, '--section'),
    )
    expect(decode(['lecture', '--section='])).toEqual(
      left(`"" is not an accepted value ${sections}`, '--section'),
    )
    expect(decode(['lecture', '--section', '__proto__'])).toEqual(
      left(`"__proto__" is not an accepted value ${sections}`, '--section'),
    )
    expect(decode(['lecture', '--section'])).toEqual(left('needs a value, as in --section 2.2', '--section'))
    expect(decode(['lecture', '--out', '--section', '2.2'])).toEqual(
      left(
        'needs a value, and "--section" looks like an option (write --out=--section if it is the value)',
        '--out',
      ),
    )
    expect(decode(['lecture', '--section', '2.2', '--section=2.2'])).toEqual(
      left('given twice: "2.2"', '--section'),
    )
    expect(decode(['lecture', '--out', 'a', '--out=b'])).toEqual(left('given twice: "a", then "b"', '--out'))
    expect(decode(['lecture', '--json', '--json'])).toEqual(left('given twice', '--json'))
    expect(decode(['lecture', '--strict=yes'])).toEqual(
      left('takes no value, got "yes" in "--strict=yes"', '--strict'),
    )
    const seed = '(a whole number from 0 to 9007199254740991)'
    for (const bad of ['', '1.5', '1e3', ' 1', '0x10', '9007199254740992', '٣'])
      expect(decode(['lecture', `--seed=${bad}`])).toEqual(
        left(`${JSON.stringify(bad)} is not a seed ${seed}`, '--seed'),
      )
    expect(decode(['lecture', '--seed', '-1'])).toEqual(
      left('needs a value, and "-1" looks like an option (write --seed=-1 if it is the value)', '--seed'),
    )
    expect(decode(['lecture', '--seed'])).toEqual(left('needs a value, as in --seed 0', '--seed'))
    expect(decode(['lecture', '--bogus'])).toEqual(left(`unknown option "--bogus" ${options}`, '--bogus'))
    expect(decode(['lecture', '--bogus=1'])).toEqual(
      left(`unknown option --bogus in "--bogus=1" ${options}`, '--bogus'),
    )
    expect(decode(['-hx'])).toEqual(left(`unknown option -x in "-hx" ${options}`, '-x'))
    expect(decode(['--help=no'])).toEqual(left('takes no value, got "no" in "--help=no"', '--help'))
    expect(decode(['lecture', '--out='])).toEqual(left('"" is not a folder or file name', '--out'))
    expect(decode(['lecture', '--out', 'a\0b'])).toEqual(
      left('"a\\u0000b" is not a folder or file name', '--out'),
    )
    expect(decode(['backends', '--section', '2.2'])).toEqual(
      left('applies only to the lecture and seeds commands, not "backends"', '--section'),
    )
    expect(decode(['seeds', '--json'])).toEqual(
      left('applies only to the lecture command, not "seeds"', '--json'),
    )
    expect(decode(['--section', '2.2'])).toEqual(
      left('applies only to the lecture and seeds commands, and no command was given', '--section'),
    )
    expect(decode(['train'])).toEqual(
      left('unknown command "train" (the commands are lecture, seeds, backends, help)', 'command'),
    )
    expect(decode(['lecture', 'extra'])).toEqual(left('unexpected argument "extra"', 'argv[1]'))
  })
})

/** Pieces a command line is made of, weighted towards the ones the decoder treats specially. */
const FLAGS = [
  '--section',
  '--seed',
  '--out',
  '--full',
  '--json',
  '--strict',
  '--help',
  '-h',
  '--',
  '-',
  '---',
  '--bogus',
  '-x',
  '--__proto__',
  '--toString',
]
const VALUES = [
  ...IDS,
  '',
  ' ',
  '0',
  '42',
  '2.20',
  '9.9',
  '-1',
  '__proto__',
  'constructor',
  '\0',
  '\ud800',
  '§3.2',
  'é',
]
const word = fc.oneof(
  fc.constantFrom('lecture', 'seeds', 'backends', 'help', ...FLAGS, ...VALUES),
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.tuple(fc.constantFrom('-', '--', '---'), fc.string({ maxLength: 6 })).map(([dash, s]) => dash + s),
  fc
    .tuple(
      fc.constantFrom('--section', '--seed', '--out', '--json', '--help', '-h', '--x', '-hx', '-'),
      fc.constantFrom(...VALUES),
    )
    .map(([flag, value]) => `${flag}=${value}`),
)
const argv = fc.oneof(
  fc.array(word, { maxLength: 8 }),
  fc.array(word, { maxLength: 7 }).map((rest) => ['lecture', ...rest]),
)

/** Where `path` points: a flag written in `argv` (alone, with `=value`, or in a group of short flags). */
const flagIn = (argv: readonly string[], path: string): boolean =>
  argv.some(
    (a) =>
      a === path ||
      a.startsWith(`${path}=`) ||
      (/^-[^-]$/.test(path.slice(0, 2)) &&
        path.length === 2 &&
        /^-[^-]/.test(a) &&
        a.includes(path[1] ?? '')),
  )

const locates = (argv: readonly string[], e: UsageError): boolean => {
  const position = /^argv\[(\d+)\]$/.exec(e.path ?? '')
  if (position) {
    const arg = argv[Number(position[1])]
    return arg !== undefined && e.reason.includes(JSON.stringify(arg))
  }
  if (e.path === 'command') return argv.some((a) => e.reason.includes(`unknown command ${JSON.stringify(a)}`))
  return e.path !== undefined && flagIn(argv, e.path)
}

/** Whether `flag` was written with `value` (`--flag value` or `--flag=value`). */
const writtenWith = (argv: readonly string[], flag: string, value: string): boolean =>
  argv.some((a, i) => a === `${flag}=${value}` || (a === flag && argv[i + 1] === value))

/** A decoded command line agrees with what was written. */
const faithful = (argv: readonly string[], args: Args): boolean => {
  if (args.command === 'help')
    return (
      argv.some((a) => a === 'help' || a === '--help' || /^-[^-]*h/.test(a)) ||
      argv.every((a) => a.startsWith('-'))
    )
  if (!argv.includes(args.command)) return false
  if (args.command === 'backends') return true
  const absent = (flag: string) => !argv.some((a) => a === flag || a.startsWith(`${flag}=`))
  const sections =
    args.sections.every((s) => (IDS as readonly string[]).includes(s) && writtenWith(argv, '--section', s)) &&
    (args.sections.length > 0 || absent('--section'))
  const out =
    args.out === (args.command === 'lecture' ? 'lecture-report' : 'docs/results.md')
      ? absent('--out') || writtenWith(argv, '--out', args.out)
      : writtenWith(argv, '--out', args.out)
  if (args.command === 'seeds') return sections && out
  const seed =
    args.seed === 0
      ? absent('--seed') || writtenWith(argv, '--seed', '0')
      : writtenWith(argv, '--seed', String(args.seed))
  const switches = (['full', 'json', 'strict'] as const).every((s) => args[s] === argv.includes(`--${s}`))
  return sections && out && seed && switches
}

describe('decodeArgs on arbitrary command lines', () => {
  it('never throws; a Right says what was written, a Left names the flag or argument at fault', () => {
    fc.assert(
      fc.property(argv, (argv) => {
        const r = decode(argv)
        if (r._tag === 'Right') return faithful(argv, r.right)
        const e = r.left
        return (
          e._tag === 'UsageError' &&
          e.reason.length > 0 &&
          !/[\n\r]/.test(e.reason) &&
          Object.keys(e).join() === '_tag,reason,path' &&
          locates(argv, e)
        )
      }),
      runs,
    )
  })
  it('--section with any value other than a registered id is a Left naming --section and quoting the value', () => {
    const value = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary', maxLength: 8 }),
      fc.constantFrom(...VALUES),
    )
    fc.assert(
      fc.property(value, fc.boolean(), (value, inline) => {
        fc.pre(!(IDS as readonly string[]).includes(value))
        const r = decode(inline ? ['lecture', `--section=${value}`] : ['lecture', '--section', value])
        return (
          r._tag === 'Left' && r.left.path === '--section' && r.left.reason.includes(JSON.stringify(value))
        )
      }),
      runs,
    )
  })
  it('any set of registered sections is accepted in either form and in any position, in the order given', () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray([...IDS], { minLength: 1 }),
        fc.boolean(),
        fc.boolean(),
        (sections, inline, first) => {
          const flags = sections.flatMap((s) => (inline ? [`--section=${s}`] : ['--section', s]))
          const r = decode(first ? [...flags, 'lecture'] : ['lecture', ...flags])
          return (
            r._tag === 'Right' && r.right.command === 'lecture' && r.right.sections.join() === sections.join()
          )
        },
      ),
    )
  })
  it('every seed from 0 to 2⁵³ − 1 round-trips through --seed', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (seed) => {
        const r = decode(['lecture', '--seed', String(seed)])
        return r._tag === 'Right' && r.right.command === 'lecture' && r.right.seed === seed
      }),
    )
  })
})
