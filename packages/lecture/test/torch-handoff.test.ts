/**
 * `recurrent export` and `recurrent import` without PyTorch: what the export folder holds, that
 * importing the exported weights gives back the checkpoint's params exactly, and that every
 * mistake (a model PyTorch cannot hold, a changed file, weights of the wrong shape, a missing or
 * extra entry, an existing checkpoint) is an error naming the file and the entry. The round trip
 * through real PyTorch, with DistributedDataParallel, is `torch-handoff/handoff.test.ts`.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { findTask, torchExport } from '@recurrent/tasks'
import * as T from '@recurrent/tensor'
import { describe, expect, it } from 'vitest'
import { checkpointName, loadCheckpoint } from '../src/checkpoint.ts'
import { main } from '../src/index.ts'
import { TORCH_FILES, TorchManifest, TRAINED } from '../src/torch-handoff.ts'
import { scratch, sink } from './fakes.ts'

const recurrent = async (...argv: string[]) => {
  const stdout = sink()
  const stderr = sink()
  const code = await main(argv, { experiments: [], stdout, stderr })
  return { code, stdout: stdout.text(), stderr: stderr.text() }
}

/** A small tagger (or adding model) trained for a few steps, in a new folder. */
const trained = async (task: string, config: Record<string, number>) => {
  const dir = scratch()
  const file = join(dir, 'config.json')
  writeFileSync(file, JSON.stringify(config))
  const run = join(dir, 'run')
  const r = await recurrent('train', task, '--config', file, '--out', run, '--seed', '3')
  expect(r.code, r.stderr).toBe(0)
  return { dir, run }
}

const TAGGER = {
  steps: 6,
  checkpointEvery: 6,
  trainSentences: 16,
  testSentences: 8,
  batchSize: 8,
  embedding: 4,
  hidden: 5,
}
const ADDING = { steps: 5, checkpointEvery: 5, length: 6, hiddenSize: 4, batchSize: 4, testSize: 8 }

const params = (dir: string) => {
  const loaded = loadCheckpoint(dir)
  if (loaded._tag === 'Left') throw new Error(T.showBoundaryError(loaded.left))
  return loaded.right
}

describe('recurrent export / import', () => {
  it('exports a trained bidirectional tagger; importing the exported weights gives the same params and metrics', async () => {
    const { dir, run } = await trained('tagger-bidirectional', TAGGER)
    const out = join(dir, 'torch')
    const e = await recurrent('export', '--checkpoint', run, '--torch', out)
    expect(e.code, e.stderr).toBe(0)
    expect(e.stdout).toContain('rnn.weight_ih_l0_reverse')
    const manifest = TorchManifest.decode(JSON.parse(readFileSync(join(out, TORCH_FILES.manifest), 'utf8')))
    if (manifest._tag === 'Left') throw new Error('manifest does not decode')
    expect(manifest.right).toMatchObject({ task: 'tagger-bidirectional', seed: 3, step: 6 })
    expect(manifest.right.parameters).toMatchObject({
      E: 'E',
      'rnn.weight_hh_l0': 'layer.forward.W_hh',
      'rnn.bias_ih_l0_reverse': 'layer.backward.b_ih',
      'head.weight': 'head.W',
    })
    expect(manifest.right.buffers).toEqual(['word_dims', 'word_values'])
    const py = readFileSync(join(out, TORCH_FILES.module), 'utf8')
    expect(py).toContain('self.rnn = nn.LSTM(4, 5, bidirectional=True)')
    expect(py).toContain('self.head = nn.Linear(10, ')
    const data = T.safetensors.decodeFlat(new Uint8Array(readFileSync(join(out, TORCH_FILES.data))))
    if (data._tag === 'Left') throw new Error('data does not decode')
    expect(Object.keys(data.right.tensors).sort()).toEqual(
      [
        'heldout.inputs',
        'heldout.lengths',
        'heldout.outputs',
        'heldout.targets',
        'train.inputs',
        'train.lengths',
        'train.targets',
      ].sort(),
    )
    expect(T.shape(data.right.tensors['train.lengths'])).toEqual([16])

    const back = join(dir, 'back')
    const i = await recurrent('import', '--torch', out, '--out', back)
    expect(i.code, i.stderr).toBe(0)
    expect(i.stdout).toContain(TORCH_FILES.params)
    const before = params(join(run, 'checkpoints', checkpointName(6)))
    const after = params(join(back, 'checkpoints', checkpointName(6)))
    expect(after.seed).toBe(3)
    expect(after.state.config).toEqual(before.state.config)
    const [a, b] = [T.treeLeaves(after.state.params), T.treeLeaves(before.state.params)]
    expect(a.length).toBe(b.length)
    a.forEach((x, k) => expect(T.toArray(x)).toEqual(T.toArray(b[k])))
    // The evaluation metrics; a trained checkpoint also records its last loss.
    expect(before.manifest.metrics).toMatchObject(after.manifest.metrics)
    // A second import into the same run would overwrite its checkpoint: refused.
    const again = await recurrent('import', '--torch', out, '--out', back)
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/exists already; a checkpoint is never overwritten/)
  })

  it('a model whose cell PyTorch lacks is refused, naming the cell; nothing is written', async () => {
    const { dir, run } = await trained('adding-clockwork', ADDING)
    const r = await recurrent('export', '--checkpoint', run, '--torch', join(dir, 'torch'))
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/adding-clockwork: the clockwork cell has no PyTorch module/)
    const task = findTask('tagger-jordan')!
    const config = { ...task.defaults, ...TAGGER }
    const left = torchExport(task, config, T.key(0), task.init(config, T.key(0)).params)
    expect(left._tag === 'Left' && left.left.reason).toMatch(/the jordan cell has no PyTorch module/)
  })

  it('import refuses a changed export, weights of the wrong shape, a missing or an extra entry, naming the file and entry', async () => {
    const { dir, run } = await trained('adding-lstm', ADDING)
    const out = join(dir, 'torch')
    expect((await recurrent('export', '--checkpoint', run, '--torch', out)).code).toBe(0)
    const sd = T.safetensors.decodeFlat(new Uint8Array(readFileSync(join(out, TORCH_FILES.params))))
    if (sd._tag === 'Left') throw new Error('params do not decode')
    const tensors = sd.right.tensors
    const attempt = async (weights: Record<string, T.Tensor>) => {
      writeFileSync(join(out, TRAINED), T.safetensors.encode(weights))
      return recurrent('import', '--torch', out, '--out', join(dir, `back-${Math.random()}`))
    }
    const wrong = await attempt({ ...tensors, 'rnn.weight_hh_l0': T.zeros([4, 16]) })
    expect(wrong.code).toBe(1)
    expect(wrong.stderr).toContain(
      `${join(out, TRAINED)}: adding-lstm: rnn.weight_hh_l0 (params cell.W_hh): expected f32 [16,4], got f32 [4,16]`,
    )
    const { 'head.bias': _, ...short } = tensors
    expect((await attempt(short)).stderr).toContain('the state dict has no tensor head.bias')
    expect((await attempt({ ...tensors, 'rnn.weight_hr_l0': T.zeros([2, 4]) })).stderr).toContain(
      "rnn.weight_hr_l0 is not an entry of this task's module",
    )
    const doubled = { ...tensors, 'head.weight': T.cast(tensors['head.weight'], 'f64') }
    expect((await attempt(doubled)).stderr).toContain(
      'head.weight (params out.W): expected f32 [1,4], got f64 [1,4]',
    )
    // The trained weights of PyTorch come back.
    const moved = { ...tensors, 'head.bias': T.add(tensors['head.bias'], 1) }
    const ok = await attempt(moved)
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stdout).toContain(TRAINED)
    // A file the export wrote, changed afterwards: its checksum says so.
    writeFileSync(
      join(out, TORCH_FILES.module),
      `${readFileSync(join(out, TORCH_FILES.module), 'utf8')}\n# edited\n`,
    )
    const changed = await recurrent('import', '--torch', out, '--out', join(dir, 'changed'))
    expect(changed.code).toBe(1)
    expect(changed.stderr).toMatch(
      /model\.py: its size or sha256 is not the manifest's .*changed after the export/,
    )
    const none = await recurrent('import', '--torch', join(dir, 'nothing'), '--out', join(dir, 'x'))
    expect(none.stderr).toMatch(/manifest\.json: is missing \(is .* a folder written by recurrent export\?\)/)
  })
})
