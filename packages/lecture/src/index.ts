/** `@recurrent/lecture`: the lecture's experiments and the `recurrent` command. */
export { allOnesWeights, runAllOnes, SECTION_2_2_INPUTS } from './all-ones.ts'
export { type Args, decodeArgs, SECTIONS, type UsageError } from './args.ts'
export { explodingGradient, MEMORY_WEIGHTS } from './exploding-gradients.ts'
export { LSTM_TOY_INPUTS, lstmToy, runLstmToy } from './lstm-toy.ts'
export { main, type WriteError, writeReport } from './main.ts'
