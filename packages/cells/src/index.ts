/**
 * `@recurrent/cells`: every recurrent unit of the lecture as a pure step function, the time-scan
 * combinators, initialisers and PyTorch interop. `cellLaws`, the property kit for any cell, is
 * the subpath `@recurrent/cells/laws` (it needs fast-check).
 */
export { type Activation, activate, affine, type Cell, type CellOptions, splitGates } from './cell.ts'
export {
  type Checkable,
  checkIndices,
  checkInput,
  checkLayerArgs,
  checkState,
  checkStep,
  type InputSpec,
  paramsDType,
  sizeOption,
} from './check.ts'
export {
  activeUnits,
  type ClockworkOptions,
  type ClockworkParams,
  type ClockworkState,
  clockwork,
  clockworkMask,
} from './clockwork.ts'
export {
  type BidirectionalOptions,
  bidirectional,
  type ParamsOf,
  type StackParams,
  type StackState,
  type StateOf,
  stack,
} from './combinators.ts'
export { type ElmanOptions, type ElmanParams, elman } from './elman.ts'
export { elmanBptt } from './elman-bptt.ts'
export { type GruSequenceWeights, gruSequence } from './fast/gru-sequence.ts'
export { type LstmSequenceWeights, lstmSequence, type Peepholes } from './fast/lstm-sequence.ts'
export { type GruOptions, type GruParams, gru } from './gru.ts'
export { forgetBias, glorotUniform, identity, orthogonal, uniformRecurrent } from './init.ts'
export { type IrnnOptions, irnn } from './irnn.ts'
export { type JordanOptions, type JordanParams, jordan } from './jordan.ts'
export {
  type DenseOptions,
  type DenseParams,
  dense,
  dropout,
  type EmbeddingInitOptions,
  type EmbeddingParams,
  embedding,
} from './layers.ts'
export { type LstmOptions, type LstmParams, type LstmState, lstm } from './lstm.ts'
export { finalHidden, lastOutput } from './readout.ts'
export {
  type ApplyOptions,
  type Layer,
  type LayerOptions,
  type RnnOptions,
  reverseSequences,
  rnn,
  scanSteps,
  selectState,
} from './rnn.ts'
export { scan } from './scan.ts'
export { type ScrnOptions, type ScrnParams, type ScrnState, scrn } from './scrn.ts'
export {
  fromTorch,
  type InteropError,
  type TorchApply,
  type TorchKind,
  type TorchOptions,
  type TorchParams,
  torchApply,
  torchModel,
  toTorch,
} from './torch.ts'
