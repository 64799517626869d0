/**
 * `recurrent export` and `recurrent import` (docs/torch.md, "Past one machine"): a checkpoint of
 * a task's model out to PyTorch, as a readable `nn.Module` with its weights and the task's data,
 * and trained weights back into a checkpoint of the same task. The export folder:
 *
 *   OUT/model.py            the module, its loss and metrics, load/save/check/evaluate
 *   OUT/params.safetensors  the module's state dict (PyTorch's names)
 *   OUT/data.safetensors    train.*, heldout.* and heldout.outputs (the library's outputs)
 *   OUT/manifest.json       the task, config, seed, step, each parameter's tree path, each file's sha256
 *
 * Each file is written atomically, the manifest last. `import` checks the manifest (io-ts) and
 * the checksum of every file it lists, then reads the weights PyTorch saved to
 * `OUT/trained.safetensors` (`model.save(net, …)`), or the exported `params.safetensors` when
 * there is no such file, into the task's params (`torchImport`: every name, shape and dtype).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { decodeConfig, findTask, pythonModule, torchExport, torchImport } from '@recurrent/tasks'
import * as T from '@recurrent/tensor'
import { showBoundaryError } from '@recurrent/tensor'
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import {
  type CheckpointError,
  loadCheckpointAt,
  readBytes,
  readManifestFile,
  sha256,
  writeCheckpoint,
} from './checkpoint.ts'
import type { TrainIo } from './train.ts'
import type { TrainArgs } from './train-args.ts'
import { writeReport } from './write.ts'

/** The export manifest's `format`. */
export const TORCH_FORMAT = 'recurrent-torch/1'
/** The module file, its state dict, the task's data and the manifest of an export folder. */
export const TORCH_FILES = {
  module: 'model.py',
  params: 'params.safetensors',
  data: 'data.safetensors',
  manifest: 'manifest.json',
} as const
/** Where the module file's `save` puts trained weights for `import`. */
export const TRAINED = 'trained.safetensors'

const FileEntry = t.type({ bytes: t.number, sha256: t.string })

/** An export folder's `manifest.json`, as io-ts decodes it. */
export const TorchManifest = t.exact(
  t.type({
    format: t.literal(TORCH_FORMAT),
    task: t.string,
    seed: t.number,
    step: t.number,
    config: t.UnknownRecord,
    version: t.string,
    parameters: t.record(t.string, t.string),
    buffers: t.array(t.string),
    files: t.type({
      [TORCH_FILES.module]: FileEntry,
      [TORCH_FILES.params]: FileEntry,
      [TORCH_FILES.data]: FileEntry,
    }),
  }),
)
export type TorchManifest = t.TypeOf<typeof TorchManifest>

const entry = (bytes: Uint8Array) => ({ bytes: bytes.length, sha256: sha256(bytes) })

const say = (io: TrainIo, line: string): void => {
  io.stdout.write(`${line}\n`)
}
const fail = (io: TrainIo, message: string): number => {
  io.stderr.write(`recurrent: ${message}\n`)
  return 1
}

/** `recurrent export --checkpoint CKPT --torch OUT`. */
export const exportCommand = (args: TrainArgs, io: TrainIo): number => {
  if (args.command !== 'export') return 2
  const loaded = loadCheckpointAt(args.checkpoint, io.tasks)
  if (E.isLeft(loaded)) return fail(io, loaded.left)
  const { dir, task, seed, state } = loaded.right
  const exported = torchExport(task, state.config, state.key, state.params)
  if (E.isLeft(exported)) return fail(io, showBoundaryError(exported.left))
  const { architecture, stateDict, paths, data } = exported.right
  const files = {
    [TORCH_FILES.module]: new TextEncoder().encode(
      pythonModule(architecture, { task: task.name, description: task.description, seed, step: state.step }),
    ),
    [TORCH_FILES.params]: T.safetensors.encode(stateDict as T.Tree, {
      task: task.name,
      seed: String(seed),
      step: String(state.step),
    }),
    [TORCH_FILES.data]: T.safetensors.encode(data as T.Tree, { task: task.name }),
  }
  const manifest: TorchManifest = {
    format: TORCH_FORMAT,
    task: task.name,
    seed,
    step: state.step,
    config: state.config,
    version: io.version,
    parameters: paths,
    buffers: Object.keys(stateDict).filter((k) => !Object.hasOwn(paths, k)),
    files: {
      [TORCH_FILES.module]: entry(files[TORCH_FILES.module]),
      [TORCH_FILES.params]: entry(files[TORCH_FILES.params]),
      [TORCH_FILES.data]: entry(files[TORCH_FILES.data]),
    },
  }
  for (const [name, bytes] of [
    ...Object.entries(files),
    [TORCH_FILES.manifest, `${JSON.stringify(manifest, null, 2)}\n`] as const,
  ]) {
    const written = writeReport(args.torch, name, bytes)
    if (E.isLeft(written)) return fail(io, showBoundaryError(written.left))
  }
  say(io, `${task.name} after ${state.step} steps, seed ${seed} (${dir}) → ${args.torch}`)
  say(
    io,
    `  ${TORCH_FILES.module}            class Model(nn.Module), loss(), load(), save(), check(), evaluate()`,
  )
  say(
    io,
    `  ${TORCH_FILES.params}  ${Object.keys(stateDict).length} entries: ${Object.keys(stateDict).join(', ')}`,
  )
  say(io, `  ${TORCH_FILES.data}    ${Object.keys(data).join(', ')}`)
  say(io, `check it: python3 ${join(args.torch, TORCH_FILES.module)}`)
  return 0
}

/** A checkpoint-module error as this command prints it: the file, then what is wrong. */
const message = (e: CheckpointError): string => `${e.path}: ${e.reason}`

/** The export folder's manifest, checked against every file it lists. */
const readManifest = (folder: string): E.Either<string, TorchManifest> => {
  const decoded = readManifestFile(join(folder, TORCH_FILES.manifest), TorchManifest)
  if (E.isLeft(decoded))
    return E.left(
      decoded.left.reason === 'is missing'
        ? `${message(decoded.left)} (is ${folder} a folder written by recurrent export?)`
        : message(decoded.left),
    )
  for (const [name, want] of Object.entries(decoded.right.files)) {
    const path = join(folder, name)
    const got = readBytes(path)
    if (E.isLeft(got)) return E.left(message(got.left))
    if (got.right.length !== want.bytes || sha256(got.right) !== want.sha256)
      return E.left(
        `${path}: its size or sha256 is not the manifest's (${got.right.length} bytes, the manifest says ${want.bytes}): the file was changed after the export`,
      )
  }
  return E.right(decoded.right)
}

/** `recurrent import --torch DIR --out RUN`. */
export const importCommand = (args: TrainArgs, io: TrainIo): number => {
  if (args.command !== 'import') return 2
  const manifest = readManifest(args.torch)
  if (E.isLeft(manifest)) return fail(io, manifest.left)
  const m = manifest.right
  const manifestFile = join(args.torch, TORCH_FILES.manifest)
  const task = findTask(m.task, io.tasks)
  if (task === undefined)
    return fail(io, `${manifestFile}: task: ${JSON.stringify(m.task)} is not a task of this version`)
  const config = decodeConfig(task.codec, m.config)
  if (E.isLeft(config))
    return fail(
      io,
      `${manifestFile}: config${config.left.path === undefined ? '' : `.${config.left.path}`}: ${config.left.reason}`,
    )
  if (!Number.isSafeInteger(m.seed) || m.seed < 0)
    return fail(io, `${manifestFile}: seed: ${m.seed} is not a seed`)
  if (!Number.isSafeInteger(m.step) || m.step < 0)
    return fail(io, `${manifestFile}: step: ${m.step} is not a step count`)
  const trained = join(args.torch, TRAINED)
  const weightsFile = existsSync(trained) ? trained : join(args.torch, TORCH_FILES.params)
  const bytes = readBytes(weightsFile)
  if (E.isLeft(bytes)) return fail(io, message(bytes.left))
  const flat = T.safetensors.decodeFlat(bytes.right)
  if (E.isLeft(flat)) return fail(io, `${weightsFile}: ${T.safetensors.renderDecodeError(flat.left)}`)
  const key = T.key(m.seed)
  const params = torchImport(task, config.right, key, flat.right.tensors)
  if (E.isLeft(params)) return fail(io, `${weightsFile}: ${params.left.reason}`)
  const setup = task.setup(config.right, key)
  const state = {
    config: config.right,
    key,
    step: m.step,
    params: params.right,
    optState: setup.optimizer.init(params.right),
  }
  const metrics = task.evaluate(state.params, state.config, key)
  const written = writeCheckpoint(args.out, state, {
    task: task.name,
    seed: m.seed,
    metrics,
    version: io.version,
  })
  if (E.isLeft(written)) return fail(io, showBoundaryError(written.left))
  say(io, `${task.name}: the weights of ${weightsFile} → ${written.right}`)
  for (const [k, v] of Object.entries(metrics)) say(io, `  ${k} ${Number.isFinite(v) ? v : String(v)}`)
  return 0
}
