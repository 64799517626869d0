/** `@recurrent/losses`: cross-entropy, MSE, CTC and its decoders, the linear-chain CRF, as pure functions. */
export {
  type Crf,
  type CrfOptions,
  type CrfTags,
  crfLogPartition,
  crfLoss,
  crfViterbi,
} from './crf.ts'
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
