/**
 * Atomic file writes for the reports: a temporary file in the same folder, then a rename, so a
 * reader never sees a half-written file, and every failure is a `WriteError` naming the path.
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
import { type BoundaryError, boundaryError } from '@recurrent/tensor'
import * as E from 'fp-ts/lib/Either.js'

/** A report that could not be written: `path` is the file or folder, `reason` the system's. */
export type WriteError = BoundaryError<'WriteError'>

/** The system's words for a file-system failure: `EACCES permission denied`. */
export const systemReason = (e: unknown): string => {
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
 * Writes `text` (or bytes) to `dir/name` atomically: a temporary file in the same folder, then a rename, so
 * a reader never sees a half-written report. Every file-system failure is a `WriteError` naming
 * the path; the temporary file is removed whenever the rename did not happen.
 */
export const writeReport = (
  dir: string,
  name: string,
  text: string | Uint8Array,
): E.Either<WriteError, string> => {
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
