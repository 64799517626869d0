/**
 * `recurrent train` and `recurrent eval` (docs/train.md): train any task of the registry (`TASKS`
 * from @recurrent/tasks) from the command line with checkpoints, resume it bit for bit, and
 * evaluate a checkpoint.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  type Config,
  decodeConfig,
  findTask,
  type Metrics,
  rangeText,
  type TrainingTask,
  type TrainState,
  trainTask,
} from '@recurrent/tasks'
import * as T from '@recurrent/tensor'
import { showBoundaryError } from '@recurrent/tensor'
import * as E from 'fp-ts/lib/Either.js'
import {
  type CheckpointError,
  checkpointName,
  checkpointsOf,
  latestCheckpoint,
  loadCheckpoint,
  loadCheckpointAt,
  removeUnfinished,
  writeCheckpoint,
} from './checkpoint.ts'
import { textTable } from './format.ts'
import { type Output, trainingDisplay } from './progress.ts'
import type { TrainArgs } from './train-args.ts'

/** What `train` and `eval` read and write. */
export interface TrainIo {
  readonly tasks: readonly TrainingTask[]
  readonly stdout: Output
  readonly stderr: Output
  /** The library version the manifests record. */
  readonly version: string
}

const printer =
  (out: Output) =>
  (line = ''): void => {
    out.write(`${line}\n`)
  }

/** `train --list`: one line per task. */
const listTasks = (io: TrainIo): number => {
  const print = printer(io.stdout)
  const width = Math.max(0, ...io.tasks.map((t) => t.name.length))
  for (const t of io.tasks) print(`${t.name.padEnd(width)}  ${t.description}`)
  return 0
}

/** `--print-config`: every field with its value, its default and its range. */
const printConfig = (task: TrainingTask, config: Config, io: TrainIo): number => {
  const print = printer(io.stdout)
  print(`${task.name}: ${task.description}`)
  print('configuration (JSON, every field optional; --config FILE sets any of them):')
  for (const line of textTable(
    {
      title: '',
      columns: ['field', 'value', 'default', 'range', 'what it sets'],
      rows: Object.entries(task.fields).map(([name, f]) => [
        name,
        config[name],
        f.default,
        rangeText(f),
        f.description,
      ]),
    },
    '  ',
  ).filter((l) => l.trim() !== ''))
    print(line)
  print()
  print(JSON.stringify(config, null, 2))
  return 0
}

const fail = (io: TrainIo, message: string, code: number): number => {
  printer(io.stderr)(`recurrent: ${message}`)
  return code
}

/** The configuration of a fresh run: the file's fields (if any), then `--steps`, over the defaults. */
const requestedConfig = (
  task: TrainingTask,
  args: Extract<TrainArgs, { command: 'train'; list: false }>,
): E.Either<string, Config> => {
  let json: unknown = {}
  if (args.config !== undefined) {
    let text: string
    try {
      text = readFileSync(args.config, 'utf8')
    } catch (e) {
      return E.left(`cannot read --config ${args.config}: ${(e as { code?: string }).code ?? String(e)}`)
    }
    try {
      json = JSON.parse(text)
    } catch (e) {
      return E.left(`${args.config} is not JSON: ${e instanceof Error ? e.message : String(e)}`)
    }
  }
  const withSteps =
    args.steps === undefined || typeof json !== 'object' || json === null || Array.isArray(json)
      ? json
      : { ...json, steps: args.steps }
  const r = decodeConfig(task.codec, withSteps)
  if (E.isLeft(r)) {
    const where =
      r.left.path === 'steps' && args.steps !== undefined ? '--steps' : (args.config ?? 'the configuration')
    return E.left(`${where}: ${showBoundaryError(r.left)}`)
  }
  return E.right(r.right)
}

/**
 * On `--resume`, the options given must agree with the checkpoint: the first that does not, named
 * with the manifest's field.
 */
const disagreement = (
  loaded: { readonly seed: number; readonly state: TrainState },
  args: Extract<TrainArgs, { command: 'train'; list: false }>,
  requested: Config | undefined,
): string | undefined => {
  if (args.seed !== undefined && args.seed !== loaded.seed)
    return `seed: the checkpoint's is ${loaded.seed}, --seed gives ${args.seed}`
  if (requested === undefined) return undefined
  for (const [field, value] of Object.entries(requested))
    if (loaded.state.config[field] !== value)
      return `config.${field}: the checkpoint's is ${loaded.state.config[field]}, ${field === 'steps' && args.steps !== undefined ? '--steps' : args.config} gives ${value}`
  return undefined
}

const metricsLines = (metrics: Metrics): string[] =>
  textTable(
    { title: '', columns: ['metric', 'value'], rows: Object.entries(metrics).map(([k, v]) => [k, v]) },
    '  ',
  ).filter((l) => l.trim() !== '')

/** `recurrent train TASK …`. */
export const trainCommand = async (args: TrainArgs, io: TrainIo): Promise<number> => {
  if (args.command !== 'train') return 2
  if (args.list) return listTasks(io)
  const say = printer(io.stdout)
  const task = findTask(args.task, io.tasks)
  if (task === undefined) return fail(io, `no task ${JSON.stringify(args.task)}`, 2)
  const given = args.config !== undefined || args.steps !== undefined
  const requested = requestedConfig(task, args)
  if (E.isLeft(requested)) return fail(io, requested.left, 2)
  if (args.printConfig && !args.resume) return printConfig(task, requested.right, io)
  let state: TrainState
  let seed: number
  const latest = latestCheckpoint(args.out)
  if (args.resume) {
    if (latest === undefined)
      return fail(io, `--resume: no checkpoint to resume in ${checkpointsOf(args.out)}`, 1)
    const loaded = loadCheckpoint(latest, io.tasks)
    if (E.isLeft(loaded)) return fail(io, showBoundaryError(loaded.left), 1)
    if (loaded.right.task.name !== task.name)
      return fail(
        io,
        `CheckpointError at ${join(latest, 'manifest.json')}: task: the checkpoint is of ${loaded.right.task.name}, not ${task.name}`,
        1,
      )
    const differs = disagreement(loaded.right, args, given ? requested.right : undefined)
    if (differs !== undefined)
      return fail(io, `CheckpointError at ${join(latest, 'manifest.json')}: ${differs}`, 1)
    state = loaded.right.state
    seed = loaded.right.seed
    const removed = removeUnfinished(args.out)
    if (removed > 0)
      say(`removed ${removed} unfinished checkpoint folder${removed === 1 ? '' : 's'} a crash left behind`)
  } else {
    if (latest !== undefined)
      return fail(
        io,
        `${checkpointsOf(args.out)} holds checkpoints already (the latest is ${latest}): pass --resume to continue that run, or choose another --out`,
        1,
      )
    seed = args.seed ?? 0
    state = task.init(requested.right, T.key(seed))
  }
  if (args.printConfig) return printConfig(task, state.config, io)
  const { steps, checkpointEvery } = state.config
  say(
    args.resume
      ? `${task.name}: resuming at step ${state.step} of ${steps}, seed ${seed}, checkpoints in ${checkpointsOf(args.out)}`
      : `${task.name}: ${steps} steps, seed ${seed}, a checkpoint every ${checkpointEvery} steps in ${checkpointsOf(args.out)}`,
  )
  if (state.step >= steps) {
    say(`already trained: ${latest} has all ${steps} steps`)
    return 0
  }
  const display = trainingDisplay(io.stdout)
  display.event(task.name, { type: 'start', run: task.name, steps })
  let written: { dir: string; step: number } | undefined =
    latest === undefined ? undefined : { dir: latest, step: state.step }
  let failure: CheckpointError | undefined
  const checkpoint = (s: TrainState, loss: number) => {
    const metrics = { loss, ...task.evaluate(s.params, s.config, s.key) }
    const w = writeCheckpoint(args.out, s, { task: task.name, seed, metrics, version: io.version })
    if (E.isLeft(w)) {
      failure = w.left
      throw w.left
    }
    written = { dir: w.right, step: s.step }
  }
  let result: ReturnType<typeof trainTask>
  try {
    result = trainTask(task, state, {
      onStep: (s, loss) => {
        display.event(task.name, { type: 'progress', run: task.name, step: s.step - 1, loss })
        if (s.step % checkpointEvery === 0 || s.step === steps) checkpoint(s, loss)
      },
    })
  } catch (e) {
    display.end()
    if (failure !== undefined) return fail(io, showBoundaryError(failure), 1)
    throw e
  }
  if (E.isRight(result)) display.event(task.name, { type: 'done', run: task.name })
  display.end()
  const last =
    written === undefined
      ? 'no checkpoint was written'
      : `the last checkpoint is ${written.dir} (step ${written.step})`
  if (E.isLeft(result)) return fail(io, `training stopped: ${result.left.reason}; ${last}`, 1)
  const final = loadCheckpoint(join(checkpointsOf(args.out), checkpointName(result.right.step)), io.tasks)
  if (E.isLeft(final)) return fail(io, showBoundaryError(final.left), 1)
  say(`trained ${result.right.step} steps; ${last}`)
  for (const line of metricsLines(
    Object.fromEntries(Object.entries(final.right.manifest.metrics).map(([k, v]) => [k, v ?? Number.NaN])),
  ))
    say(line)
  return 0
}

/** `recurrent eval --checkpoint DIR [--json]`: DIR is a checkpoint, or a run (its latest checkpoint). */
export const evalCommand = async (args: TrainArgs, io: TrainIo): Promise<number> => {
  if (args.command !== 'eval') return 2
  const loaded = loadCheckpointAt(args.checkpoint, io.tasks)
  if (E.isLeft(loaded)) return fail(io, loaded.left, 1)
  const { dir, task, seed, state } = loaded.right
  const metrics = task.evaluate(state.params, state.config, state.key)
  if (args.json) {
    io.stdout.write(
      `${JSON.stringify(
        {
          checkpoint: dir,
          task: task.name,
          seed,
          step: state.step,
          config: state.config,
          metrics: Object.fromEntries(
            Object.entries(metrics).map(([k, v]) => [k, Number.isFinite(v) ? v : null]),
          ),
        },
        null,
        2,
      )}\n`,
    )
    return 0
  }
  const say = printer(io.stdout)
  say(`${task.name} after ${state.step} of ${state.config.steps} steps, seed ${seed} (${dir})`)
  for (const line of metricsLines(metrics)) say(line)
  return 0
}
