/**
 * Small experiments for the command's tests: each trains nothing but reports runs, metrics,
 * tables and plots the way the lecture's experiments do, in milliseconds.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Experiment, type Plot, reportRun, type Section, section } from '@recurrent/tasks'
import * as T from '@recurrent/tensor'
import { type Io, main } from '../src/index.ts'

export interface FakeConfig {
  readonly steps: number
  readonly full: boolean
}

export interface FakeMetrics {
  readonly first: number
  readonly last: number
  /** A number drawn with the section's key: shows which seed ran. */
  readonly draw: number
  readonly [name: string]: unknown
}

/** A line plot of a loss curve, data inline. */
export const lossPlot = (id: string, losses: readonly number[]): Plot => ({
  id,
  title: `loss (${id})`,
  spec: {
    data: { values: losses.map((loss, step) => ({ step, loss })) },
    mark: 'line',
    encoding: {
      x: { field: 'step', type: 'quantitative' },
      y: { field: 'loss', type: 'quantitative' },
    },
  },
})

/**
 * A fake experiment: `runs` training runs of `steps` steps (losses 1/(step+1)), `plots` loss
 * plots, a table of the first losses. `holds` decides the verdict; `throws` makes it fail
 * half-way; `extra` adds metrics.
 */
export const fake = (
  id: string,
  options: {
    readonly holds?: boolean
    readonly throws?: string
    readonly runs?: readonly string[]
    readonly plots?: number
    readonly extra?: Record<string, unknown>
    readonly fields?: Record<string, string>
    readonly plot?: Plot
    readonly onRun?: () => void
    /** Stops every run after this many steps, reporting `done` early (as training stopped on a non-finite loss). */
    readonly stopAt?: number
  } = {},
): Section => {
  const experiment: Experiment<FakeConfig, FakeMetrics> = {
    id,
    title: `fake ${id}`,
    claim: `claim of ${id}`,
    criterion: `criterion of ${id}`,
    config: (full) => ({ steps: full ? 8 : 4, full }),
    run: (config, key, context) => {
      options.onRun?.()
      const losses: number[] = []
      for (const run of options.runs ?? ['net']) {
        const progress = reportRun(context, run, config.steps)
        for (let step = 0; step < config.steps; step++) {
          if (options.throws !== undefined && step === 2) throw new Error(options.throws)
          if (step === options.stopAt) {
            context?.onEvent?.({ type: 'done', run })
            break
          }
          losses.push(1 / (step + 1))
          progress(step, 1 / (step + 1))
        }
      }
      const plots = Array.from({ length: options.plots ?? 1 }, (_, i) => lossPlot(`${id}-${i}`, losses))
      return {
        metrics: {
          first: losses[0] ?? 0,
          last: losses.at(-1) ?? 0,
          draw: T.item(T.uniform(key, [])),
          full: config.full,
          ...options.extra,
        },
        plots: options.plot === undefined ? plots : [...plots, options.plot],
        tables: [{ title: `losses of ${id}`, columns: ['step', 'loss'], rows: losses.map((l, i) => [i, l]) }],
      }
    },
    holds: () => options.holds ?? true,
  }
  return Object.assign(section(experiment), options.fields ?? {})
}

/** An output that keeps what is written; `isTTY` as given. */
export const sink = (isTTY = false) => {
  const chunks: string[] = []
  return {
    isTTY,
    columns: 120,
    write: (text: string) => {
      chunks.push(text)
      return true
    },
    text: () => chunks.join(''),
  }
}

/** Runs the command over `experiments`, capturing both outputs. */
export const capture = async (argv: readonly string[], experiments: readonly Section[], tty = false) => {
  const stdout = sink(tty)
  const stderr = sink(tty)
  const io: Io = { experiments, stdout, stderr }
  const code = await main(argv, io)
  return { code, stdout: stdout.text(), stderr: stderr.text() }
}

/** A new empty folder. */
export const scratch = (): string => mkdtempSync(join(tmpdir(), 'lecture-'))
