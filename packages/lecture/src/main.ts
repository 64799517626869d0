/**
 * `recurrent`: the lecture's command line. `recurrent lecture [--section 2.2] [--out DIR]` runs
 * the lecture's sections with the library and prints what each one computes.
 */

import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { dirname, join } from 'node:path'
import * as T from '@recurrent/tensor'
import { type BoundaryError, boundaryError, showBoundaryError } from '@recurrent/tensor'
import * as E from 'fp-ts/lib/Either.js'
import { runAllOnes, SECTION_2_2_INPUTS } from './all-ones.ts'
import { type Args, decodeArgs, SECTIONS } from './args.ts'
import { explodingGradient, MEMORY_WEIGHTS } from './exploding-gradients.ts'
import { LSTM_TOY_INPUTS, runLstmToy } from './lstm-toy.ts'

const USAGE = `usage: recurrent lecture [--section ${SECTIONS.join('|')}] [--out DIR]
       recurrent backends

  lecture   run the lecture's sections and print their results
            --out DIR also writes them to DIR/lecture.txt
  backends  list the kernel providers and gpu.js modes here, and why any is off`

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

/**
 * Runs the command; returns the process exit code: 0 ok, 1 the report could not be written,
 * 2 bad usage. Each failure is one line on `printError` (the usage text follows a usage error).
 */
export const main = async (
  argv: readonly string[],
  print: (line: string) => void = console.log,
  printError: (line: string) => void = console.error,
): Promise<number> => {
  const args = decodeArgs(argv)
  if (E.isLeft(args)) {
    printError(`recurrent: ${showBoundaryError(args.left)}`)
    printError(USAGE)
    return 2
  }
  return run(args.right, print, printError)
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

const run = async (
  args: Args,
  print: (line: string) => void,
  printError: (line: string) => void,
): Promise<number> => {
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
    const written = writeReport(args.out, 'lecture.txt', `${lines.join('\n')}\n`)
    if (E.isLeft(written)) {
      printError(`recurrent: ${showBoundaryError(written.left)}`)
      return 1
    }
    print(`report written to ${written.right}`)
  }
  return 0
}

/** A report that could not be written: `path` is the file or folder, `reason` the system's. */
export type WriteError = BoundaryError<'WriteError'>

/** The system's words for a file-system failure: `EACCES permission denied`. */
const systemReason = (e: unknown): string => {
  const { code, message } = e as { code?: unknown; message?: unknown }
  const text = String(message ?? e)
  // Node's messages read `EACCES: permission denied, open '/x/y'`: keep the code and the words.
  const words = /^[A-Z0-9_]+: ([^,]*)/.exec(text)?.[1]
  return typeof code === 'string' ? `${code} ${words ?? text}` : text
}

const writeError = (what: string, path: string, e: unknown): WriteError =>
  boundaryError('WriteError', `cannot ${what}: ${systemReason(e)}`, path)

/**
 * Creates `dir` and the folders above it that are missing. One attempt per level, so a path the
 * system keeps refusing (such as one under `/proc`) fails instead of looping.
 */
const makeFolder = (dir: string): void => {
  try {
    mkdirSync(dir)
  } catch (e) {
    const code = (e as { code?: unknown }).code
    if (code === 'EEXIST' && statSync(dir).isDirectory()) return
    const parent = dirname(dir)
    if (code !== 'ENOENT' || parent === dir) throw e
    makeFolder(parent)
    mkdirSync(dir)
  }
}

/** Removes a temporary file this process made; a failure to remove it is not the one to report. */
const discard = (file: string): void => {
  try {
    rmSync(file, { force: true })
  } catch {}
}

/**
 * Writes `text` to `dir/name` atomically: a temporary file in the same folder, then a rename, so
 * a reader never sees a half-written report. Every file-system failure is a `WriteError` naming
 * the path; the temporary file is removed whenever the rename did not happen.
 */
export const writeReport = (dir: string, name: string, text: string): E.Either<WriteError, string> => {
  try {
    makeFolder(dir)
  } catch (e) {
    return E.left(writeError('create the folder', dir, e))
  }
  const file = join(dir, name)
  const temporary = join(dir, `.${name}.${process.pid}.${Date.now().toString(36)}.tmp`)
  let fd: number
  try {
    fd = openSync(temporary, 'wx')
  } catch (e) {
    return E.left(writeError('write', file, e))
  }
  try {
    try {
      writeFileSync(fd, text)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temporary, file)
  } catch (e) {
    discard(temporary)
    return E.left(writeError('write', file, e))
  }
  return E.right(file)
}
