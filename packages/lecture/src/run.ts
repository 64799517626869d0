/**
 * Runs report sections one after another, timing each and catching what each throws, so that one
 * failing experiment does not stop the others (docs/experiments.md#exit-codes).
 */
import type { ExperimentEvent, ExperimentResult, Section } from '@recurrent/tasks'
import * as T from '@recurrent/tensor'

/** What a section's `run` returned. */
export type SectionOutput = ExperimentResult<unknown> & { readonly config: unknown; readonly holds: boolean }

/** One section after its run: its output, or what it threw; `seconds` of wall-clock time either way. */
export type SectionRun =
  | { readonly section: Section; readonly seconds: number; readonly output: SectionOutput }
  | { readonly section: Section; readonly seconds: number; readonly error: unknown }

/** How a caller follows the runs: a section begins, reports an event, ends. */
export interface RunObserver {
  readonly sectionStart?: (section: Section) => void
  readonly event?: (section: Section, event: ExperimentEvent) => void
  readonly sectionEnd?: (run: SectionRun) => void
}

/** The sections of `registry` that `ids` selects, in the registry's order; all of them when `ids` is empty. */
export const selectSections = (registry: readonly Section[], ids: readonly string[]): readonly Section[] =>
  ids.length === 0 ? registry : registry.filter((s) => ids.includes(s.id))

/** Lets the event loop run (output flushes, timers fire) between synchronous experiments. */
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * Runs each section with `T.key(seed)` (the same key whichever sections are selected, so one
 * section alone reproduces its part of a full run) and `full`, in order.
 */
export const runSections = async (
  sections: readonly Section[],
  options: { readonly seed: number; readonly full: boolean; readonly observer?: RunObserver },
): Promise<SectionRun[]> => {
  const runs: SectionRun[] = []
  const { observer } = options
  for (const section of sections) {
    observer?.sectionStart?.(section)
    await yieldToLoop()
    const started = performance.now()
    const onEvent = (event: ExperimentEvent) => observer?.event?.(section, event)
    let run: SectionRun
    try {
      const output = section.run(options.full, T.key(options.seed), { onEvent })
      run = { section, seconds: (performance.now() - started) / 1000, output }
    } catch (error) {
      run = { section, seconds: (performance.now() - started) / 1000, error }
    }
    runs.push(run)
    observer?.sectionEnd?.(run)
    await yieldToLoop()
  }
  return runs
}

/** An error as one or more lines: its stack where it has one, else its text. */
export const describeError = (error: unknown): string =>
  error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : String(error)
