/**
 * Progress of the training runs while the sections run: a cli-progress bar per run on a terminal,
 * plain lines (a run starts, a run ends with its last loss) anywhere else.
 */
import type { ExperimentEvent, Section } from '@recurrent/tasks'
import { MultiBar } from 'cli-progress'
import { formatNumber } from './format.ts'
import type { RunObserver } from './run.ts'

/** Where text goes: a stream, or anything with `write` (tests capture it). */
export interface Output {
  write(text: string): unknown
  readonly isTTY?: boolean
  readonly columns?: number
}

/** Redraws at most this often, in milliseconds (experiments run synchronously, so no timer fires). */
const REDRAW_MS = 100

/** A display of training runs by name: its events, and the end of a group of runs. */
export interface TrainingDisplay {
  readonly event: (name: string, event: ExperimentEvent) => void
  readonly end: () => void
}

/** The bars of `barDisplay`, for runs named by the caller. */
const barRuns = (stream: Output): TrainingDisplay => {
  let multi: MultiBar | undefined
  let bars = new Map<string, ReturnType<MultiBar['create']>>()
  let drawn = 0
  const redraw = (force: boolean) => {
    const now = Date.now()
    if (multi === undefined || (!force && now - drawn < REDRAW_MS)) return
    drawn = now
    multi.update()
  }
  const end = () => {
    multi?.stop()
    multi = undefined
    bars = new Map()
  }
  return {
    event: (name: string, event: ExperimentEvent) => {
      if (event.type === 'start') {
        multi ??= new MultiBar({
          stream: stream as NodeJS.WritableStream,
          format: '  {run} [{bar}] {percentage}% {value}/{total} steps | loss {loss}',
          barsize: 30,
          hideCursor: false,
          clearOnComplete: false,
          autopadding: true,
          gracefulExit: false,
        })
        bars.get(name)?.stop()
        bars.set(name, multi.create(event.steps, 0, { run: name, loss: '…' }))
        redraw(true)
      } else if (event.type === 'progress') {
        bars.get(name)?.update(event.step + 1, { loss: formatNumber(event.loss) })
        redraw(false)
      } else redraw(true)
    },
    end,
  }
}

/** A section's runs as `bars` and `lines` name them: `§3.2 lstm`. */
const bySection = (display: TrainingDisplay): RunObserver => ({
  event: (section: Section, event: ExperimentEvent) => display.event(`§${section.id} ${event.run}`, event),
  sectionEnd: display.end,
})

/**
 * A bar per training run on `stream`, a terminal: `§3.2 lstm [=====-----] 50% 250/500 loss 0.012`.
 * The bars of a section stay on screen when the section ends.
 */
export const barDisplay = (stream: Output): RunObserver => bySection(barRuns(stream))

/**
 * One line when a training run starts and one when it ends, with the steps it took (`6 of 200`
 * where it stopped early) and its last loss: for logs and pipes.
 */
export const lineDisplay = (stream: Output): RunObserver => bySection(lineRuns(stream))

/** The lines of `lineDisplay`, for runs named by the caller. */
const lineRuns = (stream: Output): TrainingDisplay => {
  const last = new Map<string, { steps: number; step?: number; loss?: number }>()
  return {
    event: (name: string, event: ExperimentEvent) => {
      if (event.type === 'start') {
        last.set(name, { steps: event.steps })
        stream.write(`  ${name}: training, ${event.steps} steps\n`)
      } else if (event.type === 'progress') {
        const run = last.get(name)
        if (run !== undefined) {
          run.step = event.step
          run.loss = event.loss
        }
      } else {
        const run = last.get(name)
        const loss = run?.loss === undefined ? '' : `, loss ${formatNumber(run.loss)}`
        const steps =
          run === undefined
            ? ''
            : run.step === undefined || run.step + 1 === run.steps
              ? `, ${run.steps} steps`
              : `, ${run.step + 1} of ${run.steps} steps`
        stream.write(`  ${name}: done${steps}${loss}\n`)
        last.delete(name)
      }
    },
    end: () => last.clear(),
  }
}

/** Bars where `stream` is a terminal, lines elsewhere. */
export const progressDisplay = (stream: Output): RunObserver =>
  stream.isTTY === true ? barDisplay(stream) : lineDisplay(stream)

/** The display of `progressDisplay` for runs that are no section's (`recurrent train`), named as given. */
export const trainingDisplay = (stream: Output): TrainingDisplay =>
  stream.isTTY === true ? barRuns(stream) : lineRuns(stream)
