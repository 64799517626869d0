/**
 * Every experiment of the lecture, in the lecture's order. The command line, the report and the
 * tests iterate over this list; an experiment's `id` is its lecture section.
 */
import type { Section } from '../experiment.ts'

/** The lecture's experiments in section order. */
export const EXPERIMENTS: readonly Section[] = [
  // §1.2 slot filling
  // §2.2, §3.2, §3.3
  // §4.3, §4.4, §4.5
]
