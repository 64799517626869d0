/**
 * `recurrent`: the lecture's command line.
 *
 *   recurrent lecture [--section ID]… [--seed N] [--full] [--out DIR] [--json] [--strict]
 *   recurrent seeds [--section ID]… [--out FILE]
 *   recurrent backends
 *   recurrent train --list | TASK [--config FILE] [--seed N] [--steps N] [--out DIR] [--resume] [--print-config]
 *   recurrent eval --checkpoint DIR [--json]
 *   recurrent export --checkpoint DIR --torch OUT
 *   recurrent import --torch DIR --out RUN
 *
 * `train` and `eval` train the models of the task registry (`TASKS`) with checkpoints and
 * evaluate them (docs/train.md). `lecture` runs the experiments of the registry (`EXPERIMENTS` from @recurrent/tasks), prints
 * each section and writes DIR/index.html and DIR/results.json (docs/experiments.md).
 */
import { readFileSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { format } from 'node:util'
import { EXPERIMENTS, type Section, TASKS, type TrainingTask } from '@recurrent/tasks'
import * as T from '@recurrent/tensor'
import { showBoundaryError } from '@recurrent/tensor'
import * as E from 'fp-ts/lib/Either.js'
import { type Args, DEFAULT_OUT, DEFAULT_SEEDS_OUT, decodeArgs } from './args.ts'
import { flattenMetrics, formatNumber, textTable, verdict } from './format.ts'
import { type Output, progressDisplay } from './progress.ts'
import { type Meta, reportHtml, resultsOf, resultsText } from './report.ts'
import { metricsJson } from './results.ts'
import { describeError, runSections, type SectionRun, selectSections } from './run.ts'
import { SEEDS, type SeedRuns, seedsMarkdown } from './seeds.ts'
import { exportCommand, importCommand, TRAINED } from './torch-handoff.ts'
import { evalCommand, trainCommand } from './train.ts'
import { commandOf, decodeTrainArgs, defaultRunDir, TRAIN_COMMANDS, type TrainCommand } from './train-args.ts'
import { writeReport } from './write.ts'

/** What the command reads and writes: the registry and two outputs (tests pass their own). */
export interface Io {
  readonly experiments: readonly Section[]
  /** The training tasks of `train` and `eval` (default: `TASKS`). */
  readonly tasks?: readonly TrainingTask[]
  readonly stdout: Output
  readonly stderr: Output
}

const USAGE = `usage: recurrent lecture [--section ID]… [--seed N] [--full] [--out DIR] [--json] [--strict]
       recurrent seeds [--section ID]… [--out FILE]
       recurrent backends
       recurrent train --list | TASK [--config FILE] [--seed N] [--steps N] [--out DIR] [--resume] [--print-config]
       recurrent eval --checkpoint DIR [--json]
       recurrent export --checkpoint DIR --torch OUT
       recurrent import --torch DIR --out RUN
       recurrent [COMMAND] --help

  lecture   run the lecture's experiments; write DIR/index.html and DIR/results.json
  seeds     run them with seeds ${SEEDS.join(', ')} and write a table of their metrics
  backends  list the kernel providers and gpu.js modes here, and why any is off
  train     train one model of the experiments, with checkpoints; resume it
  eval      evaluate a checkpoint
  export    write a checkpoint's model as a PyTorch module with its weights and data
  import    bring weights trained in PyTorch back into a checkpoint`

const sectionList = (experiments: readonly Section[]): string =>
  experiments.length === 0
    ? '                (no section is registered)'
    : experiments.map((s) => `                ${s.id}  ${s.title}`).join('\n')

const lectureHelp = (
  experiments: readonly Section[],
) => `usage: recurrent lecture [--section ID]… [--seed N] [--full] [--out DIR] [--json] [--strict]

Runs the lecture's experiments (all of them, in the lecture's order, unless --section picks some),
prints each section's tables, claim, verdict and time, and writes DIR/index.html (plots included,
nothing fetched) and DIR/results.json.

  --section ID  run this section; repeat it for more. The sections:
${sectionList(experiments)}
  --seed N      the seed of every section's PRNG key, 0 ≤ N < 2^53 (default 0)
  --full        the longer training budgets
  --out DIR     where the report goes (default ${DEFAULT_OUT})
  --json        print results.json on stdout; progress and text go to stderr
  --strict      exit 1 when a claim does not hold

exit status: 0 the run finished (each claim reported, holding or not); 1 a section failed, a plot
or the report could not be written, or (with --strict) a claim does not hold; 2 bad usage`

const SEEDS_HELP = `usage: recurrent seeds [--section ID]… [--out FILE]

Runs the experiments (all of them unless --section picks some) at their default size with seeds
${SEEDS.join(', ')} and writes a Markdown table to FILE (default ${DEFAULT_SEEDS_OUT}): one row per section and
metric, one column per seed, and whether each claim held with each seed.

exit status: 0 the table was written; 1 a section failed or the table could not be written; 2 bad usage`

const BACKENDS_HELP = `usage: recurrent backends

Lists the kernel providers of @recurrent/tensor and the gpu.js modes of @recurrent/gpu available
here, with the reason for each one that is not.`

const TRAIN_HELP = `usage: recurrent train --list
       recurrent train TASK [--config FILE] [--seed N] [--steps N] [--out DIR] [--resume] [--print-config]

Trains one model of the lecture's experiments (docs/train.md). Writes a checkpoint every
checkpointEvery steps and after the last, each in DIR/checkpoints/step-NNNNNN (params and optimiser
state as safetensors, manifest.json with the task, config, seed, step, metrics and checksums).

  --list          name every task, one line each
  --config FILE   a JSON object of configuration fields (every field optional; unknown ones rejected)
  --seed N        the seed of the run's PRNG key, 0 ≤ N < 2^53 (default 0)
  --steps N       the step budget, over the configuration's steps
  --out DIR       the run directory (default ${defaultRunDir('TASK')})
  --resume        continue from DIR's latest checkpoint; ends bit-identical to an uninterrupted run
  --print-config  show every field with its value, default and range, and exit

exit status: 0 trained (or already trained); 1 a guard stopped training (the last good checkpoint
stays), or a checkpoint could not be read or written; 2 bad usage or a bad configuration`

const EVAL_HELP = `usage: recurrent eval --checkpoint DIR [--json]

Checks the checkpoint DIR (or the latest one of the run DIR): its manifest, the checksum of every
file, its task and configuration; then evaluates its params and prints the metrics.

  --checkpoint DIR  a checkpoint folder (DIR/checkpoints/step-NNNNNN) or a run directory
  --json            print the task, seed, step, config and metrics as JSON

exit status: 0 evaluated; 1 the checkpoint is missing, damaged or not of a known task; 2 bad usage`

const EXPORT_HELP = `usage: recurrent export --checkpoint DIR --torch OUT

Writes the model of a checkpoint as an equivalent PyTorch module (docs/torch.md): OUT/model.py (a
readable nn.Module with the task's loss and metrics, and load/save/check/evaluate helpers),
OUT/params.safetensors (its state dict under PyTorch's names), OUT/data.safetensors (the task's
training and held-out data, and the library's outputs on the latter) and OUT/manifest.json. Models
whose cells PyTorch lacks (Jordan, Clockwork, SCRN) are refused, naming the cell.

  --checkpoint DIR  a checkpoint folder (DIR/checkpoints/step-NNNNNN) or a run directory (its latest)
  --torch OUT       the folder to write

exit status: 0 written; 1 the checkpoint is missing or damaged, the model has no PyTorch
counterpart, or a file could not be written; 2 bad usage`

const IMPORT_HELP = `usage: recurrent import --torch DIR --out RUN

Brings weights trained in PyTorch back (docs/torch.md): checks DIR/manifest.json and the checksum of
every file it lists, reads DIR/${TRAINED} (what model.save(net, ...) writes; DIR/params.safetensors
when there is none) against the task's parameters (every name, shape and dtype), and writes a
checkpoint of the same task, seed, configuration and step with a fresh optimiser state into
RUN/checkpoints/step-NNNNNN, printing its metrics.

  --torch DIR  a folder written by recurrent export
  --out RUN    the run directory of the new checkpoint

exit status: 0 imported; 1 the folder is not an intact export, the weights do not fit the task, or
the checkpoint could not be written (one of that step is already there); 2 bad usage`

const HELP_OF: Record<TrainCommand, string> = {
  train: TRAIN_HELP,
  eval: EVAL_HELP,
  export: EXPORT_HELP,
  import: IMPORT_HELP,
}

const packageVersion = (): string =>
  (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
    .version

const standardIo = (): Io => ({
  experiments: EXPERIMENTS,
  tasks: TASKS,
  stdout: process.stdout,
  stderr: process.stderr,
})

/** Writes lines to an output. */
const printer =
  (out: Output) =>
  (line = ''): void => {
    out.write(`${line}\n`)
  }

/**
 * Runs the command; returns the process exit code: 0 the run finished, 1 a section failed or a
 * report could not be written (or, with `--strict`, a claim does not hold), 2 bad usage.
 */
export const main = async (argv: readonly string[], io: Partial<Io> = {}): Promise<number> => {
  const full: Io = { ...standardIo(), ...io }
  const word = commandOf(argv)
  if (TRAIN_COMMANDS.includes(word as TrainCommand)) return train(argv, full)
  const args = decodeArgs(
    argv,
    full.experiments.map((s) => s.id),
    TRAIN_COMMANDS,
  )
  if (E.isLeft(args)) {
    const error = printer(full.stderr)
    error(`recurrent: ${showBoundaryError(args.left)}`)
    error(USAGE)
    return 2
  }
  return run(args.right, full)
}

/** `train`, `eval`, `export` and `import`: their own decoder and help. */
const train = async (argv: readonly string[], io: Io): Promise<number> => {
  const tasks = io.tasks ?? TASKS
  const args = decodeTrainArgs(
    argv,
    tasks.map((t) => t.name),
  )
  if (E.isLeft(args)) {
    const error = printer(io.stderr)
    error(`recurrent: ${showBoundaryError(args.left)}`)
    const word = commandOf(argv) as TrainCommand
    error((HELP_OF[word] ?? TRAIN_HELP).split('\n\n')[0])
    return 2
  }
  const a = args.right
  if (a.command === 'help') {
    printer(io.stdout)(HELP_OF[a.topic])
    return 0
  }
  const trainIo = { tasks, stdout: io.stdout, stderr: io.stderr, version: packageVersion() }
  switch (a.command) {
    case 'train':
      return trainCommand(a, trainIo)
    case 'eval':
      return evalCommand(a, trainIo)
    case 'export':
      return exportCommand(a, trainIo)
    case 'import':
      return importCommand(a, trainIo)
  }
}

const run = async (args: Args, io: Io): Promise<number> => {
  const print = printer(io.stdout)
  switch (args.command) {
    case 'help':
      print(
        args.topic === 'lecture'
          ? lectureHelp(io.experiments)
          : args.topic === 'seeds'
            ? SEEDS_HELP
            : args.topic === 'backends'
              ? BACKENDS_HELP
              : USAGE,
      )
      return 0
    case 'backends':
      return listBackends(print)
    case 'lecture':
      return lecture(args, io)
    case 'seeds':
      return seeds(args, io)
  }
}

/** The kernel providers and gpu.js modes available here, and the reason for each one that is not. */
const listBackends = async (print: (line: string) => void): Promise<number> => {
  print('kernel providers (@recurrent/tensor):')
  for (const b of T.backends())
    print(`  ${b.name.padEnd(12)} ${b.available ? 'available' : `off: ${b.reason}`}`)
  print(`  (wasm matmul threads: ${T.wasmThreads()})`)
  const { gpuModes } = await import('@recurrent/gpu')
  print('gpu.js modes (@recurrent/gpu):')
  for (const m of gpuModes())
    print(`  ${m.mode.padEnd(12)} ${m.available ? 'available' : `off: ${m.reason}`}`)
  return 0
}

/** The lecture package's version, Node's, and the kernel provider in use. */
const meta = (): Meta => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string
  }
  return { version: pkg.version, node: process.version, backend: T.currentBackend().name }
}

const seconds = (s: number): string => `${formatNumber(Number(s.toFixed(s < 10 ? 2 : 1)))} s`

/** A section as the terminal shows it once it has run. */
const sectionLines = (r: SectionRun): string[] => {
  const lines = [`  ${verdict(r)} in ${seconds(r.seconds)}`, `  claim: ${r.section.claim}`]
  if ('error' in r) return [...lines, `  error: ${describeError(r.error).split('\n')[0]}`]
  lines.push(`  criterion: ${r.section.criterion}`)
  for (const table of r.output.tables) lines.push('', ...textTable(table, '  '))
  const metrics = flattenMetrics(metricsJson(r.output.metrics))
  if (metrics.length > 0)
    lines.push('', ...textTable({ title: 'metrics', columns: ['metric', 'value'], rows: metrics }, '  '))
  return lines
}

/** A section that threw, on stderr with its stack, as soon as it ends. */
const reportFailure = (r: SectionRun, error: (line: string) => void): void => {
  if ('error' in r) error(`recurrent: §${r.section.id} failed: ${describeError(r.error)}`)
}

/**
 * Sends `console.log`, `console.info` and `console.debug` to `out` until the returned function is
 * called: with `--json`, whatever an experiment or a library logs must not reach stdout.
 */
const divertConsole = (out: Output): (() => void) => {
  const saved = { log: console.log, info: console.info, debug: console.debug }
  const write = (...values: unknown[]) => {
    out.write(`${format(...values)}\n`)
  }
  console.log = write
  console.info = write
  console.debug = write
  return () => Object.assign(console, saved)
}

const lecture = async (args: Extract<Args, { command: 'lecture' }>, io: Io): Promise<number> => {
  if (!args.json) return lectureRun(args, io)
  const restore = divertConsole(io.stderr)
  try {
    return await lectureRun(args, io)
  } finally {
    restore()
  }
}

const lectureRun = async (args: Extract<Args, { command: 'lecture' }>, io: Io): Promise<number> => {
  // With --json, stdout carries the JSON alone; everything a person reads goes to stderr.
  const textOut = args.json ? io.stderr : io.stdout
  const say = printer(textOut)
  const error = printer(io.stderr)
  const sections = selectSections(io.experiments, args.sections)
  const progress = progressDisplay(textOut)
  say(
    sections.length === 0
      ? 'no section is registered'
      : `${sections.length} section${sections.length === 1 ? '' : 's'}, seed ${args.seed}, ${args.full ? 'full' : 'default'} size`,
  )
  const started = performance.now()
  const runs = await runSections(sections, {
    seed: args.seed,
    full: args.full,
    observer: {
      sectionStart: (s) => {
        say()
        say(`§${s.id} ${s.title}`)
      },
      event: (s, e) => progress.event?.(s, e),
      sectionEnd: (r) => {
        progress.sectionEnd?.(r)
        for (const line of sectionLines(r)) say(line)
        reportFailure(r, error)
      },
    },
  })
  const totalSeconds = (performance.now() - started) / 1000
  const results = resultsOf(runs, { seed: args.seed, full: args.full, totalSeconds, meta: meta() })
  const threw = runs.filter((r) => 'error' in r).length
  const { html, failures } = await reportHtml(runs, results)
  for (const f of failures)
    error(`recurrent: §${f.section} plot ${JSON.stringify(f.plot)} not rendered: ${describeError(f.error)}`)
  let written = true
  for (const [name, text] of [
    ['results.json', resultsText(results)],
    ['index.html', html],
  ] as const) {
    const w = writeReport(args.out, name, text)
    if (E.isLeft(w)) {
      error(`recurrent: ${showBoundaryError(w.left)}`)
      written = false
      break
    }
  }
  if (args.json) io.stdout.write(resultsText(results))
  const hold = runs.filter((r) => !('error' in r) && r.output.holds).length
  const notHold = runs.length - hold - threw
  say()
  say(
    `${hold} of ${runs.length} claim${runs.length === 1 ? '' : 's'} hold${hold === 1 ? 's' : ''}, ${notHold} do${notHold === 1 ? 'es' : ''} not, ${threw} failed; ${seconds(totalSeconds)}`,
  )
  if (written) say(`report written to ${join(args.out, 'index.html')} (and results.json beside it)`)
  if (threw > 0 || failures.length > 0 || !written) return 1
  return args.strict && notHold > 0 ? 1 : 0
}

const seeds = async (args: Extract<Args, { command: 'seeds' }>, io: Io): Promise<number> => {
  const say = printer(io.stdout)
  const error = printer(io.stderr)
  const sections = selectSections(io.experiments, args.sections)
  const progress = progressDisplay(io.stdout)
  const sweep: SeedRuns[] = []
  let failed = 0
  for (const seed of SEEDS) {
    const runs = await runSections(sections, {
      seed,
      full: false,
      observer: {
        sectionStart: (s) => say(`seed ${seed} §${s.id} ${s.title}`),
        event: (s, e) => progress.event?.(s, e),
        sectionEnd: (r) => {
          progress.sectionEnd?.(r)
          say(`  ${verdict(r)} in ${seconds(r.seconds)}`)
          reportFailure(r, error)
        },
      },
    })
    failed += runs.filter((r) => 'error' in r).length
    sweep.push({ seed, runs })
  }
  const w = writeReport(dirname(args.out), basename(args.out), seedsMarkdown(sweep, meta()))
  if (E.isLeft(w)) {
    error(`recurrent: ${showBoundaryError(w.left)}`)
    return 1
  }
  say(`table written to ${w.right}`)
  return failed > 0 ? 1 : 0
}
