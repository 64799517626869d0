/**
 * The command lines of `recurrent train` and `recurrent eval`, decoded into an `Either` the way
 * `decodeArgs` decodes the others: `node:util` `parseArgs` splits the words leniently, every
 * mistake is a `UsageError` naming the flag (or `TASK`) and quoting the value, and io-ts decodes
 * the values (the task against the registry's names, the seed and the step budget as whole
 * numbers).
 *
 *   recurrent train --list
 *   recurrent train TASK [--config FILE] [--seed N] [--steps N] [--out DIR] [--resume] [--print-config]
 *   recurrent eval --checkpoint DIR [--json]
 *   recurrent export --checkpoint DIR --torch OUT
 *   recurrent import --torch DIR --out RUN
 */
import { parseArgs } from 'node:util'
import * as E from 'fp-ts/lib/Either.js'
import { pipe } from 'fp-ts/lib/function.js'
import * as t from 'io-ts'
import type { UsageError } from './args.ts'
import { firstProblem, PathName, q, scanArgs, usageError, wholeNumber } from './argv.ts'

/** Where `recurrent train TASK` writes its checkpoints unless `--out` says otherwise: `runs/TASK`. */
export const defaultRunDir = (task: string): string => `runs/${task}`

/** The decoded command line of `train` or `eval`, or the help of one of them. */
export type TrainArgs =
  | { readonly command: 'train'; readonly list: true }
  | {
      readonly command: 'train'
      readonly list: false
      readonly task: string
      /** The configuration file (JSON), if given. */
      readonly config?: string
      /** Given: the seed of the run's key (default 0; on `--resume`, the checkpoint's). */
      readonly seed?: number
      /** Given: the step budget, over the configuration's `steps`. */
      readonly steps?: number
      readonly out: string
      readonly resume: boolean
      readonly printConfig: boolean
    }
  | { readonly command: 'eval'; readonly checkpoint: string; readonly json: boolean }
  | { readonly command: 'export'; readonly checkpoint: string; readonly torch: string }
  | { readonly command: 'import'; readonly torch: string; readonly out: string }
  | { readonly command: 'help'; readonly topic: TrainCommand }

/** The commands of this decoder: training, evaluation, and the handoff to PyTorch and back. */
export const TRAIN_COMMANDS = ['train', 'eval', 'export', 'import'] as const
export type TrainCommand = (typeof TRAIN_COMMANDS)[number]

const codecs = (tasks: readonly string[]) => {
  const Task = t.keyof(Object.fromEntries(tasks.map((n) => [n, null])) as Record<string, null>)
  const List = t.type({ command: t.literal('train'), list: t.literal(true) })
  const Train = t.intersection([
    t.type({
      command: t.literal('train'),
      list: t.literal(false),
      task: Task,
      out: PathName,
      resume: t.boolean,
      printConfig: t.boolean,
    }),
    t.partial({ config: PathName, seed: wholeNumber('Seed', 0), steps: wholeNumber('Steps', 1) }),
  ])
  const Eval = t.type({ command: t.literal('eval'), checkpoint: PathName, json: t.boolean })
  const Export = t.type({ command: t.literal('export'), checkpoint: PathName, torch: PathName })
  const Import = t.type({ command: t.literal('import'), torch: PathName, out: PathName })
  return { List, Train, Eval, Export, Import }
}

const OPTIONS = {
  config: { type: 'string' },
  seed: { type: 'string' },
  steps: { type: 'string' },
  out: { type: 'string' },
  checkpoint: { type: 'string' },
  torch: { type: 'string' },
  list: { type: 'boolean' },
  resume: { type: 'boolean' },
  'print-config': { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const

type Valued = 'config' | 'seed' | 'steps' | 'out' | 'checkpoint' | 'torch'
type Switch = 'list' | 'resume' | 'print-config' | 'json'
const VALUED: readonly Valued[] = ['config', 'seed', 'steps', 'out', 'checkpoint', 'torch']
const SWITCHES: readonly Switch[] = ['list', 'resume', 'print-config', 'json']

const FLAGS_OF: Record<TrainCommand, readonly (Valued | Switch)[]> = {
  train: ['list', 'config', 'seed', 'steps', 'out', 'resume', 'print-config'],
  eval: ['checkpoint', 'json'],
  export: ['checkpoint', 'torch'],
  import: ['torch', 'out'],
}

const EXAMPLE: Record<Valued, string> = {
  config: '--config config.json',
  seed: '--seed 0',
  steps: '--steps 800',
  out: '--out DIR',
  checkpoint: '--checkpoint DIR',
  torch: '--torch DIR',
}

const listTasks = (tasks: readonly string[]): string =>
  tasks.length === 0 ? 'no task is registered' : `the tasks are ${tasks.join(', ')}`

const rejected = (key: string, value: string, tasks: readonly string[]): string =>
  key === 'task'
    ? `${q(value)} is not a task (${listTasks(tasks)}; recurrent train --list describes them)`
    : key === 'seed'
      ? `${q(value)} is not a seed (a whole number from 0 to 9007199254740991)`
      : key === 'steps'
        ? `${q(value)} is not a step budget (a whole number from 1 to 9007199254740991)`
        : `${q(value)} is not a folder or file name`

/** The first problem in io-ts errors, located by its key as a flag (or TASK). */
const describe = (errors: t.Errors, tasks: readonly string[]): UsageError => {
  const { key, value } = firstProblem(errors, 'task')
  return usageError(rejected(key, value, tasks), key === 'task' ? 'TASK' : `--${key}`)
}

/**
 * The command word of a command line: its first positional argument, the options of every command
 * skipped with their values (`--seed 3 train` is `train`). Undefined when there is none.
 *
 * @example
 * assert.strictEqual(commandOf(['--seed', '3', 'train', 'adding-lstm']), 'train')
 * assert.strictEqual(commandOf(['--section=2.2', 'lecture']), 'lecture')
 * assert.strictEqual(commandOf(['--json']), undefined)
 */
export const commandOf = (argv: readonly string[]): string | undefined => {
  const { tokens } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: false,
    tokens: true,
    options: { ...OPTIONS, section: { type: 'string', multiple: true } },
  })
  const first = tokens.find((token) => token.kind === 'positional')
  return first?.kind === 'positional' ? first.value : undefined
}

/**
 * Decodes the command line of `recurrent train`, `eval`, `export` or `import` (`argv` without
 * `node` and the script; its command word is one of `TRAIN_COMMANDS`), checking TASK against `tasks` (the registry's
 * names). Never throws: every mistake is a `Left` naming the flag or `TASK` and quoting the value.
 *
 * @example
 * const r = decodeTrainArgs(['train', 'adding-lstm', '--steps', '60', '--seed=3'], ['adding-lstm'])
 * assert.deepStrictEqual(r, {
 *   _tag: 'Right',
 *   right: { command: 'train', list: false, task: 'adding-lstm', out: 'runs/adding-lstm', resume: false, printConfig: false, seed: 3, steps: 60 },
 * })
 * const bad = decodeTrainArgs(['train', 'adding-lsmt'], ['adding-lstm'])
 * assert.strictEqual(bad._tag === 'Left' && bad.left.path, 'TASK')
 * const out = decodeTrainArgs(['export', '--checkpoint', 'runs/x', '--torch', 'torch/x'], [])
 * assert.deepStrictEqual(out.right, { command: 'export', checkpoint: 'runs/x', torch: 'torch/x' })
 */
export const decodeTrainArgs = (
  argv: readonly string[],
  tasks: readonly string[],
): E.Either<UsageError, TrainArgs> => {
  const scanned = scanArgs(argv, {
    options: OPTIONS,
    valued: VALUED,
    switches: SWITCHES,
    example: EXAMPLE,
    known: `the options of train, eval, export and import are ${[...new Set(Object.values(FLAGS_OF).flat())].map((f) => `--${f}`).join(', ')}, -h/--help`,
  })
  if (E.isLeft(scanned)) return scanned
  const { values, switches, help, positionals } = scanned.right
  const [first, second, ...rest] = positionals
  const command = first?.value
  if (!TRAIN_COMMANDS.includes(command as TrainCommand))
    return E.left(usageError(`is ${q(String(command))}, not ${TRAIN_COMMANDS.join(', ')}`, 'command'))
  const c = command as TrainCommand
  if (help) return E.right({ command: 'help', topic: c })
  const stray = c === 'train' ? rest[0] : second
  if (stray !== undefined)
    return E.left(usageError(`unexpected argument ${q(stray.value)}`, `argv[${stray.index}]`))
  const given = [...(Object.keys(values) as Valued[]), ...(Object.keys(switches) as Switch[])]
  for (const flag of given)
    if (!FLAGS_OF[c].includes(flag))
      return E.left(
        usageError(
          `applies only to the ${TRAIN_COMMANDS.filter((k) => FLAGS_OF[k].includes(flag)).join(' and ')} command${TRAIN_COMMANDS.filter((k) => FLAGS_OF[k].includes(flag)).length > 1 ? 's' : ''}, not ${q(c)}`,
          `--${flag}`,
        ),
      )
  if (c === 'train' && switches.list) {
    const other = given.find((f) => f !== 'list')
    if (other !== undefined) return E.left(usageError('does not go with --list', `--${other}`))
    if (second !== undefined)
      return E.left(
        usageError(
          `unexpected argument ${q(second.value)} (--list names every task)`,
          `argv[${second.index}]`,
        ),
      )
  }
  if (c === 'train' && !switches.list && second === undefined)
    return E.left(
      usageError('is missing: name the task to train (recurrent train --list names them)', 'TASK'),
    )
  const missing: Partial<Record<TrainCommand, readonly [Valued, string][]>> = {
    eval: [['checkpoint', 'name the checkpoint to evaluate, as in --checkpoint runs/adding-lstm']],
    export: [
      ['checkpoint', 'name the checkpoint to export, as in --checkpoint runs/tagger-lstm'],
      ['torch', 'name the folder for the PyTorch module, as in --torch torch/tagger-lstm'],
    ],
    import: [
      ['torch', 'name the folder that recurrent export wrote, as in --torch torch/tagger-lstm'],
      ['out', 'name the run directory for the checkpoint, as in --out runs/tagger-lstm-torch'],
    ],
  }
  for (const [flag, what] of missing[c] ?? [])
    if (values[flag] === undefined) return E.left(usageError(`is missing: ${what}`, `--${flag}`))
  const raw =
    c === 'eval'
      ? { command: c, checkpoint: values.checkpoint, json: switches.json === true }
      : c === 'export'
        ? { command: c, checkpoint: values.checkpoint, torch: values.torch }
        : c === 'import'
          ? { command: c, torch: values.torch, out: values.out }
          : switches.list
            ? { command: c, list: true }
            : {
                command: c,
                list: false,
                task: second?.value,
                out: values.out ?? defaultRunDir(second?.value ?? ''),
                resume: switches.resume === true,
                printConfig: switches['print-config'] === true,
                ...(values.config === undefined ? {} : { config: values.config }),
                ...(values.seed === undefined ? {} : { seed: values.seed }),
                ...(values.steps === undefined ? {} : { steps: values.steps }),
              }
  const { List, Train, Eval, Export, Import } = codecs(tasks)
  const codec: t.Decoder<unknown, unknown> =
    c === 'eval' ? Eval : c === 'export' ? Export : c === 'import' ? Import : switches.list ? List : Train
  return pipe(
    codec.decode(raw),
    E.bimap(
      (errors) => describe(errors, tasks),
      (decoded) => decoded as TrainArgs,
    ),
  )
}
