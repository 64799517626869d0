/**
 * Checkpoints of `recurrent train` (docs/train.md#checkpoints). A run directory holds one folder
 * per checkpoint, named by the steps taken:
 *
 *   DIR/checkpoints/step-000040/manifest.json
 *                              /params.safetensors      the params, tensors named by tree path
 *                              /optimizer.safetensors   the optimiser state (its layout in the metadata)
 *
 * The latest checkpoint is the one with the most steps. A checkpoint is written into a temporary
 * folder beside the others (`.step-000040.tmp-PID`), each file flushed to disk, and renamed into
 * place: a folder named `step-N` is complete, and a crash leaves the checkpoints before it intact.
 * No checkpoint is ever overwritten.
 *
 * Loading trusts nothing: the manifest is decoded with io-ts, every file must have the size and
 * the sha256 the manifest gives, the params must be the task's (`T.safetensors.decodeAs` against
 * its initial params), and the task, seed, step and configuration the manifest states must be
 * those recorded inside the checksummed params file. Every failure is a `CheckpointError` naming
 * the file and the field.
 */
import { createHash } from 'node:crypto'
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import {
  type Config,
  decodeConfig,
  findTask,
  type Metrics,
  type TrainingTask,
  type TrainState,
} from '@recurrent/tasks'
import * as T from '@recurrent/tensor'
import { type BoundaryError, boundaryError, showBoundaryError, type Tree } from '@recurrent/tensor'
import * as E from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import { systemReason } from './write.ts'

/** The manifest's `format`: what wrote it, and its version. */
export const CHECKPOINT_FORMAT = 'recurrent-checkpoint/1'
/** The manifest's file name in a checkpoint folder: step, task, config, metrics and each file's sha256. */
export const MANIFEST = 'manifest.json'
/** The parameters' file name in a checkpoint folder. */
export const PARAMS = 'params.safetensors'
/** The optimiser state's file name in a checkpoint folder. */
export const OPTIMIZER = 'optimizer.safetensors'
const FILES = [PARAMS, OPTIMIZER] as const

/**
 * A checkpoint that cannot be read, written or used: `path` is the file, `field` the field or
 * tensor at fault (when there is one), `reason` what is wrong.
 */
export interface CheckpointError extends BoundaryError<'CheckpointError'> {
  readonly field?: string
}

const checkpointError = (path: string, reason: string, field?: string): CheckpointError =>
  field === undefined
    ? boundaryError('CheckpointError', reason, path)
    : { ...boundaryError('CheckpointError', `${field}: ${reason}`, path), field }

/** The folder of the checkpoint after `step` steps: `step-000040`. */
export const checkpointName = (step: number): string => `step-${String(step).padStart(6, '0')}`

/** Where a run's checkpoints go. */
export const checkpointsOf = (runDir: string): string => join(runDir, 'checkpoints')

const FileEntry = t.type({ bytes: t.number, sha256: t.string })
const MetricValue = t.union([t.number, t.null])

/** `manifest.json`, as io-ts decodes it. */
export const Manifest = t.exact(
  t.type({
    format: t.literal(CHECKPOINT_FORMAT),
    task: t.string,
    seed: t.number,
    step: t.number,
    config: t.UnknownRecord,
    metrics: t.record(t.string, MetricValue),
    version: t.string,
    files: t.type({ [PARAMS]: FileEntry, [OPTIMIZER]: FileEntry }),
  }),
)
export type Manifest = t.TypeOf<typeof Manifest>

/** A configuration as the params file records it: JSON, fields in sorted order. */
const canonical = (config: Config): string =>
  JSON.stringify(Object.fromEntries(Object.entries(config).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))))

/** The sha256 of bytes, in hex, as manifests record it. */
export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex')

/** Metrics as JSON holds them: a non-finite value is `null`. */
const jsonMetrics = (m: Metrics): Record<string, number | null> =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Number.isFinite(v) ? v : null]))

// The optimiser state's layout: its tree with each tensor replaced by its path, so the tensors go
// in the safetensors file and the rest (step counts, nulls) in its metadata.
type Layout =
  | null
  | number
  | string
  | boolean
  | readonly Layout[]
  | { readonly tensor: string }
  | { readonly object: { readonly [k: string]: Layout } }

const Layout: t.Type<Layout> = t.recursion('Layout', () =>
  t.union([
    t.null,
    t.number,
    t.string,
    t.boolean,
    t.readonlyArray(Layout),
    t.strict({ tensor: t.string }),
    t.strict({ object: t.record(t.string, Layout) }),
  ]),
)

const layoutOf = (tree: unknown, path: string): Layout => {
  const at = (k: string | number) => (path === '' ? String(k) : `${path}.${k}`)
  if (T.isTensor(tree)) return { tensor: path }
  if (tree === null || typeof tree === 'string' || typeof tree === 'boolean') return tree
  if (typeof tree === 'number') {
    if (!Number.isFinite(tree))
      throw new T.ArgumentError(`checkpoint: the optimiser state holds ${tree} at ${path}`)
    return tree
  }
  if (Array.isArray(tree)) return tree.map((x, i) => layoutOf(x, at(i)))
  if (typeof tree === 'object' && Object.getPrototypeOf(tree) === Object.prototype)
    return {
      object: Object.fromEntries(Object.entries(tree as object).map(([k, v]) => [k, layoutOf(v, at(k))])),
    }
  throw new T.ArgumentError(`checkpoint: the optimiser state holds a ${typeof tree} at ${path || 'the root'}`)
}

/** The tree a layout describes, its tensors taken from `tensors` by path; a Left names a missing one. */
const fromLayout = (
  layout: Layout,
  tensors: Readonly<Record<string, T.Tensor>>,
  used: Set<string>,
): E.Either<string, unknown> => {
  if (layout === null || typeof layout !== 'object') return E.right(layout)
  if (Array.isArray(layout)) {
    const out: unknown[] = []
    for (const l of layout) {
      const r = fromLayout(l, tensors, used)
      if (E.isLeft(r)) return r
      out.push(r.right)
    }
    return E.right(out)
  }
  if ('tensor' in layout) {
    const found = Object.hasOwn(tensors, layout.tensor) ? tensors[layout.tensor] : undefined
    if (found === undefined) return E.left(layout.tensor)
    used.add(layout.tensor)
    return E.right(found)
  }
  const out: Record<string, unknown> = {}
  for (const [k, l] of Object.entries((layout as { object: Record<string, Layout> }).object)) {
    const r = fromLayout(l, tensors, used)
    if (E.isLeft(r)) return r
    out[k] = r.right
  }
  return E.right(out)
}

/** What a checkpoint records besides the state. */
export interface CheckpointInfo {
  readonly task: string
  readonly seed: number
  readonly metrics: Metrics
  readonly version: string
}

/** The three files of a checkpoint, as bytes. */
export const checkpointFiles = (state: TrainState, info: CheckpointInfo): Record<string, Uint8Array> => {
  const config = canonical(state.config)
  const params = T.safetensors.encode(state.params, {
    task: info.task,
    seed: String(info.seed),
    step: String(state.step),
    config,
  })
  const optimizer = T.safetensors.encode(state.optState as Tree, {
    layout: JSON.stringify(layoutOf(state.optState, '')),
    step: String(state.step),
  })
  const manifest: Manifest = {
    format: CHECKPOINT_FORMAT,
    task: info.task,
    seed: info.seed,
    step: state.step,
    config: state.config,
    metrics: jsonMetrics(info.metrics),
    version: info.version,
    files: {
      [PARAMS]: { bytes: params.length, sha256: sha256(params) },
      [OPTIMIZER]: { bytes: optimizer.length, sha256: sha256(optimizer) },
    },
  }
  return {
    [PARAMS]: params,
    [OPTIMIZER]: optimizer,
    [MANIFEST]: new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`),
  }
}

const writeFile = (file: string, bytes: Uint8Array): void => {
  const fd = openSync(file, 'wx')
  try {
    let done = 0
    while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Flushes a folder's entries (a rename) to disk, where the system allows it. */
const syncFolder = (dir: string): void => {
  try {
    const fd = openSync(dir, 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  } catch {}
}

/**
 * Writes the checkpoint of `state` into `runDir/checkpoints/step-N` atomically: a temporary folder
 * beside it, every file flushed, then one rename. Returns the folder; a checkpoint already there is
 * a Left and is left as it is.
 */
export const writeCheckpoint = (
  runDir: string,
  state: TrainState,
  info: CheckpointInfo,
): E.Either<CheckpointError, string> => {
  const parent = checkpointsOf(runDir)
  const final = join(parent, checkpointName(state.step))
  const temporary = join(parent, `.${checkpointName(state.step)}.tmp-${process.pid}`)
  try {
    mkdirSync(parent, { recursive: true })
  } catch (e) {
    return E.left(checkpointError(parent, `cannot create the folder: ${systemReason(e)}`))
  }
  if (existsSync(final))
    return E.left(checkpointError(final, 'exists already; a checkpoint is never overwritten'))
  const files = checkpointFiles(state, info)
  try {
    rmSync(temporary, { recursive: true, force: true })
    mkdirSync(temporary)
    for (const name of [...FILES, MANIFEST]) writeFile(join(temporary, name), files[name])
    syncFolder(temporary)
    renameSync(temporary, final)
    syncFolder(parent)
  } catch (e) {
    try {
      rmSync(temporary, { recursive: true, force: true })
    } catch {}
    return E.left(checkpointError(final, `cannot write: ${systemReason(e)}`))
  }
  return E.right(final)
}

/** The step of a checkpoint folder's name, or undefined for anything else (temporary folders included). */
const stepOf = (name: string): number | undefined => {
  const m = /^step-([0-9]{6,})$/.exec(name)
  return m === null ? undefined : Number(m[1])
}

/** The latest checkpoint folder of a run (the most steps), if it has one. */
export const latestCheckpoint = (runDir: string): string | undefined => {
  const parent = checkpointsOf(runDir)
  let names: string[]
  try {
    names = readdirSync(parent)
  } catch {
    return undefined
  }
  const steps = names.flatMap((n) => {
    const s = stepOf(n)
    return s === undefined ? [] : [[s, n] as const]
  })
  if (steps.length === 0) return undefined
  const [, latest] = steps.reduce((a, b) => (b[0] > a[0] ? b : a))
  return join(parent, latest)
}

/**
 * Removes the temporary folders a crash left behind in a run's checkpoints (`.step-N.tmp-PID`):
 * never checkpoints, never read. Returns how many there were.
 */
export const removeUnfinished = (runDir: string): number => {
  const parent = checkpointsOf(runDir)
  let names: string[]
  try {
    names = readdirSync(parent)
  } catch {
    return 0
  }
  const unfinished = names.filter((n) => /^\.step-[0-9]{6,}\.tmp-[0-9]+$/.test(n))
  for (const n of unfinished) rmSync(join(parent, n), { recursive: true, force: true })
  return unfinished.length
}

/** A checkpoint read back and checked: the task, the run's seed, its state and what was measured. */
export interface LoadedCheckpoint {
  readonly dir: string
  readonly task: TrainingTask
  readonly seed: number
  readonly manifest: Manifest
  readonly state: TrainState
}

/** A file's bytes, or a `CheckpointError` saying it is missing or cannot be read. */
export const readBytes = (file: string): E.Either<CheckpointError, Uint8Array> => {
  try {
    return E.right(new Uint8Array(readFileSync(file)))
  } catch (e) {
    const code = (e as { code?: unknown }).code
    return E.left(
      checkpointError(file, code === 'ENOENT' ? 'is missing' : `cannot be read: ${systemReason(e)}`),
    )
  }
}

const quote = (v: unknown): string => JSON.stringify(v) ?? String(v)

/** Where in the manifest io-ts failed, and the value found there. */
const manifestError = (file: string, errors: t.Errors): CheckpointError => {
  const [first] = errors
  const field = (first?.context ?? [])
    .map((c) => c.key)
    .filter((k) => k !== '')
    .join('.')
  const expected = first?.context.at(-1)?.type.name ?? 'a value'
  return checkpointError(
    file,
    first?.value === undefined
      ? `is missing (expected ${expected})`
      : `${quote(first.value)} is not ${expected}`,
    field === '' ? 'the manifest' : field,
  )
}

/**
 * A JSON manifest read from `file` and decoded with io-ts: a `CheckpointError` names the file
 * and, when the JSON does not fit `codec`, the field and the value found there.
 */
export const readManifestFile = <A>(
  file: string,
  codec: t.Decoder<unknown, A>,
): E.Either<CheckpointError, A> => {
  const bytes = readBytes(file)
  if (E.isLeft(bytes)) return bytes
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.right))
  } catch (e) {
    return E.left(checkpointError(file, `is not UTF-8 JSON (${e instanceof Error ? e.message : String(e)})`))
  }
  const decoded = codec.decode(json)
  return E.isLeft(decoded) ? E.left(manifestError(file, decoded.left)) : E.right(decoded.right)
}

/**
 * Reads and checks the checkpoint in `dir` (a `step-N` folder): the manifest (io-ts), the size
 * and sha256 of every file, the task (one of `tasks`), its configuration (every field, decoded
 * with the task's codec), the params against the task's initial params, the optimiser state
 * against its layout, and the manifest's task, seed, step and configuration against those
 * recorded in the params file.
 */
export const loadCheckpoint = (
  dir: string,
  tasks?: readonly TrainingTask[],
): E.Either<CheckpointError, LoadedCheckpoint> => {
  const manifestFile = join(dir, MANIFEST)
  const decoded = readManifestFile(manifestFile, Manifest)
  if (E.isLeft(decoded)) return decoded
  const manifest = decoded.right
  if (!Number.isSafeInteger(manifest.seed) || manifest.seed < 0)
    return E.left(checkpointError(manifestFile, `${quote(manifest.seed)} is not a seed`, 'seed'))
  if (!Number.isSafeInteger(manifest.step) || manifest.step < 0)
    return E.left(checkpointError(manifestFile, `${quote(manifest.step)} is not a step count`, 'step'))
  const bytes: Record<string, Uint8Array> = {}
  for (const name of FILES) {
    const file = join(dir, name)
    const read = readBytes(file)
    if (E.isLeft(read)) return read
    const want = manifest.files[name]
    if (read.right.length !== want.bytes)
      return E.left(
        checkpointError(
          file,
          `has ${read.right.length} bytes, the manifest says ${want.bytes} (${read.right.length < want.bytes ? 'truncated' : 'changed'})`,
        ),
      )
    const sum = sha256(read.right)
    if (sum !== want.sha256)
      return E.left(
        checkpointError(
          file,
          `its sha256 is ${sum}, the manifest says ${want.sha256} (the file was changed)`,
        ),
      )
    bytes[name] = read.right
  }
  const task = findTask(manifest.task, tasks)
  if (task === undefined)
    return E.left(
      checkpointError(manifestFile, `${quote(manifest.task)} is not a task of this version`, 'task'),
    )
  const config = decodeConfig(task.codec, manifest.config)
  if (E.isLeft(config))
    return E.left(
      checkpointError(
        manifestFile,
        config.left.reason,
        `config${config.left.path === undefined ? '' : `.${config.left.path}`}`,
      ),
    )
  const missing = Object.keys(task.fields).find((k) => !(k in manifest.config))
  if (missing !== undefined) return E.left(checkpointError(manifestFile, 'is missing', `config.${missing}`))
  const key = T.key(manifest.seed)
  const paramsFile = join(dir, PARAMS)
  const flat = T.safetensors.decodeFlat(bytes[PARAMS])
  if (E.isLeft(flat)) return E.left(checkpointError(paramsFile, flat.left.reason, flat.left.path))
  const recorded: Record<string, string> = {
    task: manifest.task,
    seed: String(manifest.seed),
    step: String(manifest.step),
    config: canonical(config.right),
  }
  for (const [field, value] of Object.entries(recorded))
    if (flat.right.metadata[field] !== value)
      return E.left(
        checkpointError(
          manifestFile,
          `the manifest says ${field === 'config' ? value : quote(manifest[field as 'task'])}, ${PARAMS} records ${flat.right.metadata[field] ?? 'nothing'}`,
          field,
        ),
      )
  const params = T.safetensors.decodeAs(bytes[PARAMS], task.setup(config.right, key).initParams)
  if (E.isLeft(params)) return E.left(checkpointError(paramsFile, params.left.reason, params.left.path))
  const optimizerFile = join(dir, OPTIMIZER)
  const opt = T.safetensors.decodeFlat(bytes[OPTIMIZER])
  if (E.isLeft(opt)) return E.left(checkpointError(optimizerFile, opt.left.reason, opt.left.path))
  if (opt.right.metadata.step !== String(manifest.step))
    return E.left(
      checkpointError(
        manifestFile,
        `the manifest says ${manifest.step}, ${OPTIMIZER} records ${opt.right.metadata.step ?? 'nothing'}`,
        'step',
      ),
    )
  let layoutJson: unknown
  try {
    layoutJson = JSON.parse(opt.right.metadata.layout ?? '')
  } catch {
    return E.left(checkpointError(optimizerFile, 'is not JSON', '__metadata__.layout'))
  }
  const layout = Layout.decode(layoutJson)
  if (E.isLeft(layout))
    return E.left(checkpointError(optimizerFile, 'is not an optimiser state layout', '__metadata__.layout'))
  const used = new Set<string>()
  const optState = fromLayout(layout.right, opt.right.tensors, used)
  if (E.isLeft(optState)) return E.left(checkpointError(optimizerFile, 'is missing', optState.left))
  const extra = Object.keys(opt.right.tensors).find((k) => !used.has(k))
  if (extra !== undefined) return E.left(checkpointError(optimizerFile, 'is not in the layout', extra))
  return E.right({
    dir,
    task,
    seed: manifest.seed,
    manifest,
    state: {
      config: config.right as Config,
      key,
      step: manifest.step,
      params: params.right,
      optState: optState.right,
    },
  })
}

/** Whether `dir` is one checkpoint (it has a manifest) rather than a run directory. */
export const isCheckpoint = (dir: string): boolean => {
  try {
    return statSync(join(dir, MANIFEST)).isFile()
  } catch {
    return false
  }
}

/**
 * The checkpoint `path` names (`--checkpoint`): a checkpoint folder, or a run directory (its
 * latest checkpoint), read and checked by `loadCheckpoint`. A `Left` is the message to print.
 */
export const loadCheckpointAt = (
  path: string,
  tasks?: readonly TrainingTask[],
): E.Either<string, LoadedCheckpoint> => {
  const dir = isCheckpoint(path) ? path : latestCheckpoint(path)
  if (dir === undefined)
    return E.left(`--checkpoint ${path}: neither a checkpoint (no manifest.json) nor a run with one`)
  return E.mapLeft(showBoundaryError)(loadCheckpoint(dir, tasks))
}
