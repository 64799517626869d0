/** `@recurrent/optim`: optimisers, schedules, clipping and the training loop, optax-style and pure. */
export { type ClipState, clipByGlobalNorm, clipByNormPerTensor, clipByValue } from './clipping.ts'
export {
  type AdamOptions,
  adagrad,
  adam,
  adamw,
  type MomentState,
  momentum,
  rmsprop,
  sgd,
} from './optimizers.ts'
export { cosineDecay, exponentialDecay, warmup } from './schedules.ts'
export {
  type Diverged,
  type DivergenceOptions,
  type EarlyStop,
  type EarlyStoppingOptions,
  type EvaluateOptions,
  type Evaluation,
  firstNonFinite,
  type NonFinite,
  type StepMetrics,
  type TrainEvent,
  type TrainStop,
  train,
  trainStep,
} from './train.ts'
export {
  applyUpdates,
  chain,
  type GradientTransformation,
  globalNorm,
  type LearningRate,
  rateAt,
  scale,
  zerosLike,
} from './transform.ts'
