/** `@recurrent/losses`: cross-entropy, MSE, CTC and its decoders, as pure functions. */
export { type CrossEntropyOptions, crossEntropy } from './cross-entropy.ts'
export {
  type CtcOptions,
  type CtcTargets,
  ctcForwardBackward,
  ctcLabels,
  ctcLoss,
  type Lengths,
} from './ctc.ts'
export { ctcBeamSearch, ctcCollapse, ctcGreedyDecode, type Hypothesis } from './ctc-decode.ts'
export { mse } from './mse.ts'
export type { Reduction } from './reduction.ts'
