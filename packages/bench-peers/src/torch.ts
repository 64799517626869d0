/**
 * PyTorch as a peer that answers while the benchmark runs: `torch_lstm.py --serve` in a child
 * process (the system python, under one BLAS configuration), asked for one sample at a time so
 * that its samples alternate with the library's (`paired` in measure.ts).
 */
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { Sampler } from './measure.ts'

/** The configuration report of torch_lstm.py (`config()`). */
export interface TorchConfig {
  readonly version: string
  readonly threads: number
  readonly interop_threads: number
  readonly blas: string
  readonly blas_library: string
  readonly openblas_threads: string
  readonly loaded_libraries: string[]
  readonly mkl: boolean
  readonly mkldnn: boolean
  readonly config_head: string[]
  readonly parallel_info: string[]
}

/** A training size as torch_lstm.py takes it (`cell` is "LSTM" or "GRU"). */
export interface TorchJob {
  readonly name: string
  readonly cell: string
  readonly B: number
  readonly T: number
  readonly I: number
  readonly H: number
}

export interface TorchServer {
  /** Steps of `job`'s trainer as a sampler (built and warmed up in the child on first use). */
  readonly sampler: (job: TorchJob) => Sampler
  /** What the child really loaded (asked after its runs, so the BLAS libraries are mapped). */
  readonly config: () => Promise<TorchConfig>
  readonly close: () => void
}

const PYTHON = '/usr/bin/python3'
const SCRIPT = fileURLToPath(new URL('./torch_lstm.py', import.meta.url))

/** Starts the server under `env`, or says why PyTorch cannot run here. */
export const startTorch = (env: NodeJS.ProcessEnv): TorchServer | string => {
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8', env })
  if (probe.error !== undefined || probe.status !== 0)
    return `${PYTHON} cannot import torch (${probe.error?.message ?? probe.stderr.trim().split('\n').pop()})`
  const child: ChildProcessWithoutNullStreams = spawn(PYTHON, [SCRIPT, '--serve'], { env })
  let stderr = ''
  child.stderr.on('data', (d) => {
    stderr += String(d)
  })
  const waiting: { resolve: (line: string) => void; reject: (e: Error) => void }[] = []
  let ended: string | undefined
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.resolve(line))
  child.on('exit', (code) => {
    ended = `torch_lstm.py --serve exited (${code}): ${stderr.trim().slice(-400)}`
    for (const w of waiting.splice(0)) w.reject(new Error(ended))
  })
  const ask = <R>(request: object): Promise<R> =>
    new Promise((resolve, reject) => {
      if (ended !== undefined) return reject(new Error(ended))
      waiting.push({ resolve: (line) => resolve(JSON.parse(line) as R), reject })
      child.stdin.write(`${JSON.stringify(request)}\n`)
    })
  return {
    sampler: (job) => ({ run: async (reps) => (await ask<{ seconds: number }>({ job, reps })).seconds }),
    config: () => ask<TorchConfig>({ config: true }),
    close: () => child.stdin.end(),
  }
}
