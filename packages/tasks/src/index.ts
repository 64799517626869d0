/**
 * `@recurrent/tasks`: the lecture's claims as trained experiments. Encoders, seeded dataset
 * generators, models built from the cells, metrics, and one experiment per lecture section
 * (`EXPERIMENTS`), each `{ id, title, claim, criterion, config, run, holds }`.
 */
export {
  type Experiment,
  type ExperimentEvent,
  type ExperimentResult,
  type Plot,
  type RunContext,
  reportRun,
  type Section,
  section,
  type Table,
} from './experiment.ts'
export { EXPERIMENTS } from './sections/index.ts'
