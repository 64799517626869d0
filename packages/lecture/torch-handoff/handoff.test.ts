/**
 * Past one machine, with a real PyTorch (`npm run test:torch` in this package; CI runs it after
 * installing Debian's python3-torch, it is not in the default suite). A tagger trained here is
 * exported (`recurrent export`); in PyTorch (`scripts/ddp_handoff.py`, the system interpreter)
 * the generated module computes the library's outputs, then trains a few steps with
 * DistributedDataParallel over two processes (gloo, 127.0.0.1); the weights come back
 * (`recurrent import`), the library's outputs on the held-out sentences equal PyTorch's, and
 * `recurrent eval` reports the metrics PyTorch's evaluation computed.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { torchExport } from '@recurrent/tasks'
import * as T from '@recurrent/tensor'
import { assertClose, TOL } from '@recurrent/testkit'
import { beforeAll, describe, expect, it } from 'vitest'
import { checkpointName, loadCheckpoint } from '../src/checkpoint.ts'
import { main } from '../src/index.ts'
import { scratch, sink } from '../test/fakes.ts'

const PYTHON = process.env.TORCH_PYTHON ?? '/usr/bin/python3'
const SCRIPT = fileURLToPath(new URL('../scripts/ddp_handoff.py', import.meta.url))
const DDP_STEPS = 12
const LEARNING_RATE = 0.01

const recurrent = async (...argv: string[]) => {
  const stdout = sink()
  const stderr = sink()
  const code = await main(argv, { experiments: [], stdout, stderr })
  return { code, stdout: stdout.text(), stderr: stderr.text() }
}

beforeAll(() => {
  try {
    execFileSync(PYTHON, ['-c', 'import torch, torch.distributed; assert torch.distributed.is_available()'], {
      stdio: 'pipe',
    })
  } catch (e) {
    throw new Error(
      `this suite needs ${PYTHON} with PyTorch (Debian: apt-get install python3-torch): ${(e as Error).message}`,
    )
  }
})

interface PyTorchRun {
  readonly parity: number
  readonly losses: readonly number[]
  readonly replicasAgree: boolean
  readonly metrics: Readonly<Record<string, number | null>>
}

const tensorsOf = (file: string): Record<string, T.Tensor> => {
  const r = T.safetensors.decodeFlat(new Uint8Array(readFileSync(file)))
  if (r._tag === 'Left') throw new Error(T.safetensors.renderDecodeError(r.left))
  return r.right.tensors
}

describe.each([
  ['tagger-lstm', { trainSentences: 64, testSentences: 32, batchSize: 16, embedding: 8, hidden: 12 }],
  ['adding-gru', { length: 10, hiddenSize: 8, batchSize: 16, testSize: 64 }],
] as const)('%s: out to PyTorch, DistributedDataParallel on two processes, and back', (task, sizes) => {
  it('PyTorch computes the library’s outputs; after DDP training the imported checkpoint computes PyTorch’s outputs and metrics', async () => {
    const dir = scratch()
    const config = join(dir, 'config.json')
    writeFileSync(config, JSON.stringify({ steps: 20, checkpointEvery: 20, ...sizes }))
    const run = join(dir, 'run')
    const trained = await recurrent('train', task, '--config', config, '--out', run, '--seed', '1')
    expect(trained.code, trained.stderr).toBe(0)
    const out = join(dir, 'torch')
    const exported = await recurrent('export', '--checkpoint', run, '--torch', out)
    expect(exported.code, exported.stderr).toBe(0)

    const py: PyTorchRun = JSON.parse(
      execFileSync(PYTHON, [SCRIPT, out, String(DDP_STEPS), String(LEARNING_RATE)], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 300_000,
      }),
    )
    console.info(`${task}: PyTorch vs library before training, max |Δ| ${py.parity}; DDP losses ${py.losses.map((l) => l.toPrecision(4)).join(' ')}`)
    expect(py.parity).toBeLessThan(TOL.f32.atol)
    expect(py.losses).toHaveLength(DDP_STEPS)
    for (const l of py.losses) expect(Number.isFinite(l)).toBe(true)
    expect(py.replicasAgree).toBe(true)

    const back = join(dir, 'back')
    const imported = await recurrent('import', '--torch', out, '--out', back)
    expect(imported.code, imported.stderr).toBe(0)
    const before = loadCheckpoint(join(run, 'checkpoints', checkpointName(20)))
    const after = loadCheckpoint(join(back, 'checkpoints', checkpointName(20)))
    if (before._tag === 'Left' || after._tag === 'Left') throw new Error('a checkpoint does not load')
    // PyTorch's training moved the weights, and those are the weights that came back.
    const moved = T.treeLeaves(after.right.state.params).some(
      (x, i) => T.item(T.max(T.abs(T.sub(x, T.treeLeaves(before.right.state.params)[i])))) > 0,
    )
    expect(moved).toBe(true)
    const { state } = after.right
    const ours = torchExport(after.right.task, state.config, state.key, state.params)
    if (ours._tag === 'Left') throw new Error(ours.left.reason)
    const libraryOutputs = ours.right.data['heldout.outputs']
    const torchOutputs = tensorsOf(join(out, 'torch-outputs.safetensors')).outputs
    const lengths = ours.right.data['heldout.lengths']
    if (lengths === undefined) assertClose(libraryOutputs, T.toArray(torchOutputs), TOL.f32, 'held-out outputs')
    else
      Array.from(T.toTypedArray(lengths)).forEach((n, b) => {
        const [, B, C] = libraryOutputs.shape
        expect(B).toBe(lengths.shape[0])
        const slice = (x: T.Tensor) => T.slice(x, [0, b, 0], [n, 1, C])
        assertClose(slice(libraryOutputs), T.toArray(slice(torchOutputs)), TOL.f32, `held-out sentence ${b}`)
      })

    const evaluated = await recurrent('eval', '--checkpoint', back, '--json')
    expect(evaluated.code, evaluated.stderr).toBe(0)
    const metrics = JSON.parse(evaluated.stdout).metrics as Record<string, number | null>
    expect(Object.keys(metrics).sort()).toEqual(Object.keys(py.metrics).sort())
    for (const [name, value] of Object.entries(py.metrics)) {
      if (value === null) expect(metrics[name]).toBeNull()
      else assertClose(T.tensor(metrics[name] as number, { dtype: 'f64' }), value, TOL.f32, name)
    }
  })
})
