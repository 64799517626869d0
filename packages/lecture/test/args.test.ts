import { numRuns } from '@recurrent/testkit'
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { type Args, decodeArgs, SECTIONS, type UsageError } from '../src/index.ts'

/** The deep run (FC_NUM_RUNS set) decodes ten times as many command lines as it runs other properties. */
const deep = numRuns(0)
const runs = { numRuns: deep > 0 ? 10 * deep : 2000 }

const left = (reason: string, path: string) => ({ _tag: 'Left', left: { _tag: 'UsageError', reason, path } })

describe('decodeArgs', () => {
  it('decodes each command with its options', () => {
    expect(decodeArgs([])).toEqual({ _tag: 'Right', right: { command: 'help' } })
    expect(decodeArgs(['lecture'])).toEqual({
      _tag: 'Right',
      right: { command: 'lecture', section: undefined, out: undefined },
    })
    expect(decodeArgs(['lecture', '--section', '4.4', '--out=dir'])).toEqual({
      _tag: 'Right',
      right: { command: 'lecture', section: '4.4', out: 'dir' },
    })
    expect(decodeArgs(['--section=3.2', 'lecture'])).toMatchObject({ right: { section: '3.2' } })
    expect(decodeArgs(['lecture', '--', '--x'])).toEqual(left('unexpected argument "--x"', 'argv[2]'))
    expect(decodeArgs(['backends'])).toEqual({ _tag: 'Right', right: { command: 'backends' } })
    expect(decodeArgs(['train', '-h'])).toEqual({ _tag: 'Right', right: { command: 'help' } })
  })
  it('names the flag and quotes the offending value in every Left', () => {
    const sections = '(the sections are 2.2, 3.2, 4.4)'
    const options = '(the options are --section, --out, -h/--help)'
    expect(decodeArgs(['lecture', '--section', '7'])).toEqual(
      left(`"7" is not an accepted value ${sections}`, '--section'),
    )
    expect(decodeArgs(['lecture', '--section='])).toEqual(
      left(`"" is not an accepted value ${sections}`, '--section'),
    )
    expect(decodeArgs(['lecture', '--section', '__proto__'])).toEqual(
      left(`"__proto__" is not an accepted value ${sections}`, '--section'),
    )
    expect(decodeArgs(['lecture', '--section'])).toEqual(
      left('needs a value, as in --section 2.2', '--section'),
    )
    expect(decodeArgs(['lecture', '--out', '--section', '2.2'])).toEqual(
      left(
        'needs a value, and "--section" looks like an option (write --out=--section if it is the value)',
        '--out',
      ),
    )
    expect(decodeArgs(['lecture', '--section', '2.2', '--section=3.2'])).toEqual(
      left('given twice: "2.2", then "3.2"', '--section'),
    )
    expect(decodeArgs(['lecture', '--bogus'])).toEqual(left(`unknown option "--bogus" ${options}`, '--bogus'))
    expect(decodeArgs(['lecture', '--bogus=1'])).toEqual(
      left(`unknown option --bogus in "--bogus=1" ${options}`, '--bogus'),
    )
    expect(decodeArgs(['-hx'])).toEqual(left(`unknown option -x in "-hx" ${options}`, '-x'))
    expect(decodeArgs(['--help=no'])).toEqual(left('takes no value, got "no" in "--help=no"', '--help'))
    expect(decodeArgs(['lecture', '--out='])).toEqual(left('"" is not a folder name', '--out'))
    expect(decodeArgs(['lecture', '--out', 'a\0b'])).toEqual(
      left('"a\\u0000b" is not a folder name', '--out'),
    )
    expect(decodeArgs(['backends', '--section', '2.2'])).toEqual(
      left('applies only to the lecture command, not "backends"', '--section'),
    )
    expect(decodeArgs(['--section', '2.2'])).toEqual(
      left('applies only to the lecture command, and no command was given', '--section'),
    )
    expect(decodeArgs(['train'])).toEqual(
      left('unknown command "train" (the commands are lecture, backends, help)', 'command'),
    )
    expect(decodeArgs(['lecture', 'extra'])).toEqual(left('unexpected argument "extra"', 'argv[1]'))
  })
})

/** Pieces a command line is made of, weighted towards the ones the decoder treats specially. */
const FLAGS = [
  '--section',
  '--out',
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
  ...SECTIONS,
  '',
  ' ',
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
  fc.constantFrom('lecture', 'backends', 'help', ...FLAGS, ...VALUES),
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
  fc.tuple(fc.constantFrom('-', '--', '---'), fc.string({ maxLength: 6 })).map(([dash, s]) => dash + s),
  fc
    .tuple(
      fc.constantFrom('--section', '--out', '--help', '-h', '--x', '-hx', '-'),
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

/** A decoded command line agrees with what was written. */
const faithful = (argv: readonly string[], args: Args): boolean => {
  if (args.command === 'help')
    return (
      argv.some((a) => a === 'help' || a === '--help' || /^-[^-]*h/.test(a)) ||
      argv.every((a) => a.startsWith('-'))
    )
  if (!argv.includes(args.command)) return false
  if (args.command !== 'lecture') return true
  const given = (flag: string, value: string | undefined) =>
    value === undefined
      ? !argv.some((a) => a === flag || a.startsWith(`${flag}=`))
      : argv.some((a, i) => a === `${flag}=${value}` || (a === flag && argv[i + 1] === value))
  return (
    (args.section === undefined || (SECTIONS as readonly string[]).includes(args.section)) &&
    given('--section', args.section) &&
    given('--out', args.out)
  )
}

describe('decodeArgs on arbitrary command lines', () => {
  it('never throws; a Right says what was written, a Left names the flag or argument at fault', () => {
    fc.assert(
      fc.property(argv, (argv) => {
        const r = decodeArgs(argv)
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
  it('--section with any value other than a section is a Left naming --section and quoting the value', () => {
    const value = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary', maxLength: 8 }),
      fc.constantFrom(...VALUES),
    )
    fc.assert(
      fc.property(value, fc.boolean(), (value, inline) => {
        fc.pre(!(SECTIONS as readonly string[]).includes(value))
        const r = decodeArgs(inline ? ['lecture', `--section=${value}`] : ['lecture', '--section', value])
        return (
          r._tag === 'Left' && r.left.path === '--section' && r.left.reason.includes(JSON.stringify(value))
        )
      }),
      runs,
    )
  })
  it('every section is accepted in either form and in any position', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SECTIONS), fc.boolean(), fc.boolean(), (section, inline, first) => {
        const flag = inline ? [`--section=${section}`] : ['--section', section]
        const r = decodeArgs(first ? [...flag, 'lecture'] : ['lecture', ...flag])
        return r._tag === 'Right' && r.right.command === 'lecture' && r.right.section === section
      }),
    )
  })
})
