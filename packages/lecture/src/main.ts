/**
 * `recurrent`: the lecture's command line. `recurrent lecture [--section 2.2] [--out DIR]` runs
 * the lecture's sections with the library and prints what each one computes.
 */

import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import * as T from '@recurrent/tensor'
import * as E from 'fp-ts/lib/Either.js'
import { runAllOnes, SECTION_2_2_INPUTS } from './all-ones.ts'
import { type Args, decodeArgs, SECTIONS } from './args.ts'
import { explodingGradient, MEMORY_WEIGHTS } from './exploding-gradients.ts'
import { LSTM_TOY_INPUTS, runLstmToy } from './lstm-toy.ts'

const USAGE = `usage: recurrent lecture [--section ${SECTIONS.join('|')}] [--out DIR]
       recurrent backends

  lecture   run the lecture's sections and print their results
  backends  list the kernel providers and gpu.js modes here, and why any is off
            --out DIR also writes them to DIR/lecture.txt`

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

/** Lecture §3.2: the LSTM toy, memory and output at every step. */
const section3_2 = (print: (line: string) => void): void => {
  print('§3.2 LSTM toy (hand-set weights; add x1 when x2 = 1, reset when x2 = −1, output when x3 = 1)')
  for (const [name, rows] of Object.entries(LSTM_TOY_INPUTS)) {
    const { memory, output } = runLstmToy(rows)
    const show = (v: number[]) => v.map((x) => (Math.abs(x) < 5e-3 ? '0' : x.toFixed(2))).join(' ')
    print(`  ${name.padEnd(12)} memory ${show(memory)}`)
    print(`  ${''.padEnd(12)} output ${show(output)}`)
  }
}

/** Lecture §4.4: y¹⁰⁰⁰ = w⁹⁹⁹ and its gradient, by BPTT through 1000 steps. */
const section4_4 = (print: (line: string) => void): void => {
  print('§4.4 1000-step linear RNN, input 1 then 0: y¹⁰⁰⁰ = w⁹⁹⁹ and ∂y/∂w by BPTT')
  for (const w of MEMORY_WEIGHTS) {
    const { y, dydw } = explodingGradient(w)
    print(
      `  w = ${String(w).padEnd(5)} y = ${(y === 0 ? '0' : y.toPrecision(7)).padStart(13)}   ∂y/∂w = ${dydw === 0 ? '0' : dydw.toPrecision(4)}`,
    )
  }
}

const SECTION_RUNNERS: Record<(typeof SECTIONS)[number], (print: (line: string) => void) => void> = {
  '2.2': section2_2,
  '3.2': section3_2,
  '4.4': section4_4,
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

/** The kernel providers and gpu.js modes available here, and the reason for each one that is not. */
const listBackends = async (print: (line: string) => void): Promise<number> => {
  print('kernel providers (@recurrent/tensor):')
  for (const b of T.backends())
    print(`  ${b.name.padEnd(12)} ${b.available ? 'available' : `off: ${b.reason}`}`)
  print(`  (wasm matmul threads: ${T.wasmThreads()})`)
  const { gpuModes } = await import('@recurrent/gpu')
  print('gpu.js modes (@recurrent/gpu):')
  for (const m of gpuModes())
    print(`  ${m.mode.padEnd(12)} ${m.available ? 'available' : `off: ${m.reason}`}`)
  return 0
}

const run = async (args: Args, print: (line: string) => void): Promise<number> => {
  if (args.command === 'help') {
    print(USAGE)
    return 0
  }
  if (args.command === 'backends') return listBackends(print)
  const sections = args.section ? [args.section] : SECTIONS
  const lines: string[] = []
  const both = (line: string) => {
    lines.push(line)
    print(line)
  }
  for (const s of sections) SECTION_RUNNERS[s](both)
  if (args.out !== undefined) {
    const file = writeReport(args.out, 'lecture.txt', `${lines.join('\n')}\n`)
    print(`report written to ${file}`)
  }
  return 0
}

/**
 * Writes `text` to `dir/name` atomically: a temporary file in the same folder, then a rename, so
 * a reader never sees a half-written report.
 */
const writeReport = (dir: string, name: string, text: string): string => {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, name)
  const temporary = join(dir, `.${name}.${process.pid}.tmp`)
  writeFileSync(temporary, text)
  renameSync(temporary, file)
  return file
}
