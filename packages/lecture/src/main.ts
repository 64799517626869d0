/**
 * `recurrent`: the lecture's command line. `recurrent lecture [--section 2.2] [--out DIR]` runs
 * the lecture's sections with the library and prints what each one computes.
 */

import * as T from '@recurrent/tensor'
import * as E from 'fp-ts/lib/Either.js'
import { runAllOnes, SECTION_2_2_INPUTS } from './all-ones.ts'
import { type Args, decodeArgs, SECTIONS } from './args.ts'

const USAGE = `usage: recurrent lecture [--section ${SECTIONS.join('|')}] [--out DIR]

  lecture   run the lecture's sections and print their results`

const fmt = (rows: T.Nested): string => (rows as number[][]).map((r) => `[${r.join(',')}]`).join(' ')

/** Lecture §2.2 with the real tensor ops: both input orders, outputs and memory per step. */
const section2_2 = (print: (line: string) => void): void => {
  print('§2.2 all-ones recurrent network (2 inputs, 2 hidden, 2 outputs; weights 1, no bias, linear)')
  for (const [name, inputs] of Object.entries(SECTION_2_2_INPUTS)) {
    const xs = T.tensor(inputs as unknown as number[][], { dtype: 'f64' })
    const { outputs, memories } = runAllOnes(xs)
    print(
      `  ${name.padEnd(9)} inputs ${fmt(T.toArray(xs))} → outputs ${fmt(T.toArray(outputs))} (memory ${fmt(T.toArray(memories))})`,
    )
  }
}

const SECTION_RUNNERS: Record<(typeof SECTIONS)[number], (print: (line: string) => void) => void> = {
  '2.2': section2_2,
}

/** Runs the command; returns the process exit code (0 ok, 2 bad usage). */
export const main = async (
  argv: readonly string[],
  print: (line: string) => void = console.log,
): Promise<number> => {
  const args = decodeArgs(argv)
  if (E.isLeft(args)) {
    console.error(`recurrent: ${args.left.message}\n${USAGE}`)
    return 2
  }
  return run(args.right, print)
}

const run = (args: Args, print: (line: string) => void): number => {
  if (args.command === 'help') {
    print(USAGE)
    return 0
  }
  const sections = args.section ? [args.section] : SECTIONS
  for (const s of sections) SECTION_RUNNERS[s](print)
  return 0
}
