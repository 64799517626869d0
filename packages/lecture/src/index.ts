/** `@recurrent/lecture`: the lecture's experiments and the `recurrent` command. */
export { type Args, COMMANDS, DEFAULT_OUT, DEFAULT_SEEDS_OUT, decodeArgs, type UsageError } from './args.ts'
export {
  CHECKPOINT_FORMAT,
  type CheckpointError,
  type CheckpointInfo,
  checkpointFiles,
  checkpointName,
  checkpointsOf,
  isCheckpoint,
  type LoadedCheckpoint,
  latestCheckpoint,
  loadCheckpoint,
  Manifest,
  removeUnfinished,
  writeCheckpoint,
} from './checkpoint.ts'
export { flattenMetrics, formatCell, formatNumber, textTable } from './format.ts'
export { type Io, main } from './main.ts'
export { renderPlot } from './plots.ts'
export {
  barDisplay,
  lineDisplay,
  type Output,
  progressDisplay,
  type TrainingDisplay,
  trainingDisplay,
} from './progress.ts'
export { escapeHtml, type Meta, type PlotFailure, reportHtml, resultsOf, resultsText } from './report.ts'
export {
  decodeResults,
  FiniteNumber,
  JsonValue,
  metricsJson,
  Results,
  type ResultsError,
  SectionResult,
  toJson,
} from './results.ts'
export {
  describeError,
  type RunObserver,
  runSections,
  type SectionOutput,
  type SectionRun,
  selectSections,
} from './run.ts'
export { SEEDS, type SeedRuns, seedsMarkdown } from './seeds.ts'
export { SECTION_SOURCES, type SectionSources, sourcesOf } from './sources.ts'
export { evalCommand, type TrainIo, trainCommand } from './train.ts'
export { commandOf, decodeTrainArgs, defaultRunDir, type TrainArgs } from './train-args.ts'
export { type WriteError, writeReport } from './write.ts'
