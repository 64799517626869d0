/** `@recurrent/lecture`: the lecture's experiments and the `recurrent` command. */
export { allOnesWeights, runAllOnes, SECTION_2_2_INPUTS } from './all-ones.ts'
export { type Args, decodeArgs, SECTIONS, type UsageError } from './args.ts'
export { main } from './main.ts'
