/**
 * safetensors read/write (docs/design.md#pytrees-and-files). The format, as the reference implementation
 * (huggingface/safetensors) writes it:
 *
 * ```
 * [ N: u64 little-endian ][ N bytes: UTF-8 JSON header, padded with spaces to a multiple of 8 ][ data ]
 * header = { "__metadata__"?: { string: string },
 *            name: { "dtype": "F32" | "F64" | "I32" | "BOOL", "shape": [d0, …], "data_offsets": [begin, end] }, … }
 * ```
 *
 * `data_offsets` are byte offsets into the data section; the tensors cover it exactly, without
 * holes or overlaps, each stored row-major and little-endian. Names are pytree paths
 * (`layers.0.W_ih`, see `treePaths`), so PyTorch state dicts round-trip by name.
 *
 * Bytes are external input: `decode` (and `decodeAs`, against a parameter tree) validates
 * everything and returns `Either`, never throws.
 */
import { type Either, left, right } from 'fp-ts/lib/Either.js'
import * as t from 'io-ts'
import type { DType, TypedArray } from './dtype.ts'
import { ArgumentError, type BoundaryError, boundaryError, showShape } from './errors.ts'
import { fromData, type Tensor } from './tensor.ts'
import { type Tree, treeFlatten, treeFromPaths } from './tree.ts'

/**
 * Why some bytes are not a safetensors file we can read: a {@link BoundaryError} whose `path` is
 * the field (e.g. `header.weight_ih_l0.data_offsets`), absent for whole-file problems.
 */
export type DecodeError = BoundaryError<'DecodeError'>

/** Makes a `DecodeError`. */
export const decodeError = (reason: string, path?: string): DecodeError =>
  boundaryError('DecodeError', reason, path)

/**
 * Renders a `DecodeError` as one line: `path: reason`.
 *
 * @example
 * const r = T.safetensors.decode(new Uint8Array(3))
 * assert.ok(r._tag === 'Left')
 * assert.strictEqual(T.safetensors.renderDecodeError(r.left), 'file: 3 bytes is shorter than the 8-byte header length')
 */
export const renderDecodeError = (e: DecodeError): string =>
  e.path === undefined ? e.reason : `${e.path}: ${e.reason}`

/** The reference implementation's limit on the header size (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000

const FILE_DTYPE: Record<DType, string> = { f32: 'F32', f64: 'F64', i32: 'I32', bool: 'BOOL' }
const SUPPORTED: Readonly<Record<string, DType>> = { F32: 'f32', F64: 'f64', I32: 'i32', BOOL: 'bool' }
/** Standard safetensors dtypes that this package has no tensor type for. */
const UNSUPPORTED = [
  'U8',
  'I8',
  'U16',
  'I16',
  'F16',
  'BF16',
  'U32',
  'U64',
  'I64',
  'C64',
  'F4',
  'F6_E2M3',
  'F6_E3M2',
  'F8_E4M3',
  'F8_E5M2',
  'F8_E8M0',
]
const ITEM_SIZE: Record<DType, number> = { f32: 4, f64: 8, i32: 4, bool: 1 }

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

/** Reverses the byte order of each `size`-byte element in place (only on big-endian hosts). */
const toFromLittleEndian = (bytes: Uint8Array, size: number): void => {
  if (LITTLE_ENDIAN || size === 1) return
  for (let i = 0; i + size <= bytes.length; i += size) {
    for (let a = i, b = i + size - 1; a < b; a++, b--) {
      const x = bytes[a]
      bytes[a] = bytes[b]
      bytes[b] = x
    }
  }
}

const jsonString = (s: string): string => JSON.stringify(s)

/**
 * Encodes a pytree of tensors as safetensors bytes. Each tensor leaf is stored under its pytree
 * path (`layers.0.W_ih`), in `treeLeaves` order; static leaves (numbers, strings, …) are not
 * stored. The header lists `__metadata__` first (when given and non-empty), then the tensors in
 * the same order, with the data section laid out in that order:
 * `u64le N ‖ header JSON padded with spaces to a multiple of 8 ‖ data (little-endian)`.
 * Throws `ArgumentError` for a tree that has no names for its leaves (a bare tensor) or two
 * leaves with one name.
 *
 * @example
 * const params = { layers: [{ W_ih: T.tensor([[1, 2], [3, 4]]), b: T.tensor([0.5, -1], { dtype: 'f64' }) }] }
 * const bytes = T.safetensors.encode(params, { format: 'pt' })
 * const r = T.safetensors.decode(bytes)
 * assert.ok(r._tag === 'Right')
 * assert.deepStrictEqual(T.toArray(r.right.layers[0].W_ih), [[1, 2], [3, 4]])
 * assert.strictEqual(T.dtype(r.right.layers[0].b), 'f64')
 */
export const encode = (tree: Tree, metadata?: Record<string, string>): Uint8Array => {
  const { leaves, paths } = treeFlatten(tree)
  const entries: string[] = []
  if (metadata !== undefined && Object.keys(metadata).length > 0) {
    const fields = Object.keys(metadata).map((k) => {
      const v = metadata[k]
      if (typeof v !== 'string') {
        throw new ArgumentError(`safetensors.encode: metadata ${k} must be a string, got ${typeof v}`)
      }
      return `${jsonString(k)}:${jsonString(v)}`
    })
    entries.push(`"__metadata__":{${fields.join(',')}}`)
  }
  const seen = new Set<string>()
  const offsets: number[] = []
  let offset = 0
  leaves.forEach((leaf, i) => {
    const name = paths[i]
    if (name === '')
      throw new ArgumentError(
        'safetensors.encode: a bare tensor has no name; pass a tree such as { weight: t }',
      )
    if (name === '__metadata__')
      throw new ArgumentError('safetensors.encode: the name __metadata__ is reserved')
    if (seen.has(name)) throw new ArgumentError(`safetensors.encode: two tensors have the name ${name}`)
    seen.add(name)
    const begin = offset
    offset += leaf.size * ITEM_SIZE[leaf.dtype]
    offsets.push(begin)
    entries.push(
      `${jsonString(name)}:{"dtype":"${FILE_DTYPE[leaf.dtype]}","shape":[${leaf.shape.join(',')}],"data_offsets":[${begin},${offset}]}`,
    )
  })
  const json = new TextEncoder().encode(`{${entries.join(',')}}`)
  const headerLength = json.length + ((8 - (json.length % 8)) % 8)
  const dataStart = 8 + headerLength
  const out = new Uint8Array(dataStart + offset)
  const view = new DataView(out.buffer)
  view.setUint32(0, headerLength % 2 ** 32, true)
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true)
  out.set(json, 8)
  out.fill(0x20, 8 + json.length, dataStart)
  leaves.forEach((leaf, i) => {
    const at = dataStart + offsets[i]
    const data = leaf.data
    if (leaf.dtype === 'bool') {
      for (let j = 0; j < data.length; j++) out[at + j] = data[j] !== 0 ? 1 : 0
    } else {
      const bytes = out.subarray(at, at + data.byteLength)
      bytes.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
      toFromLittleEndian(bytes, ITEM_SIZE[leaf.dtype])
    }
  })
  return out
}

// ---------------------------------------------------------------------------------------------
// Decoding

const isNonNegativeSafeInteger = (u: unknown): u is number =>
  typeof u === 'number' && Number.isSafeInteger(u) && u >= 0

/** A non-negative safe integer (a dimension or a byte offset). */
const NonNegativeInteger = new t.Type<number, number, unknown>(
  'non-negative integer',
  isNonNegativeSafeInteger,
  (u, c) => (isNonNegativeSafeInteger(u) ? t.success(u) : t.failure(u, c)),
  t.identity,
)

type OffsetPair = readonly [number, number]

const isOffsetPair = (u: unknown): u is OffsetPair =>
  Array.isArray(u) && u.length === 2 && u.every(isNonNegativeSafeInteger)

/** Exactly two non-negative integers `[begin, end]` (io-ts `tuple` would drop extra entries). */
const OffsetPairC = new t.Type<OffsetPair, OffsetPair, unknown>(
  '[begin, end] of non-negative integers',
  isOffsetPair,
  (u, c) => (isOffsetPair(u) ? t.success(u) : t.failure(u, c)),
  t.identity,
)

/** One tensor's header entry, as the reference deserialises it (other fields are ignored). */
const TensorInfo = t.type({ dtype: t.string, shape: t.array(NonNegativeInteger), data_offsets: OffsetPairC })

const Metadata = t.record(t.string, t.string)

/** A header object is a plain JSON object (not an array or null). */
const isJsonObject = (u: unknown): u is Record<string, unknown> =>
  typeof u === 'object' && u !== null && !Array.isArray(u)

/** A value as messages print it: JSON, cut short. */
const show = (u: unknown): string => {
  if (u === undefined) return 'missing'
  let s: string
  try {
    s = JSON.stringify(u) ?? String(u)
  } catch {
    // Too deeply nested to print (String(u) would overflow the stack the same way).
    s = Array.isArray(u) ? 'a deeply nested array' : 'a deeply nested object'
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s
}

const showOffsets = (o: OffsetPair): string => `[${o[0]}, ${o[1]}]`

/** A tensor name inside a field path: as is when plain, else JSON-quoted. */
const clip = (s: string): string => (s.length > 200 ? `${s.slice(0, 197)}...` : s)

const field = (name: string): string => {
  const short = clip(name)
  return `header.${/^[\w.-]+$/.test(short) ? short : jsonString(short)}`
}

/** The first io-ts failure as a DecodeError at `base.<keys>`. */
const fromIoTs = (base: string, errors: t.Errors): DecodeError => {
  const e = errors[0]
  const keys = e.context
    .slice(1)
    .map((c) => c.key)
    .filter((k) => k !== '')
  const expected = e.context[e.context.length - 1]?.type.name ?? 'a valid value'
  const path = [base, ...keys].join('.')
  const got = show(e.value)
  return decodeError(
    e.value === undefined ? `missing (expected ${expected})` : `${got} is not a ${expected}`,
    path,
  )
}

interface Entry {
  readonly name: string
  readonly dtype: DType
  readonly fileDType: string
  readonly shape: readonly number[]
  readonly offsets: OffsetPair
}

/** Checks one header entry against the data section's length. */
const checkEntry = (name: string, raw: unknown, dataLength: number): Either<DecodeError, Entry> => {
  const path = field(name)
  if (name === '') return left(decodeError('a tensor name is empty', path))
  const decoded = TensorInfo.decode(raw)
  if (decoded._tag === 'Left') return left(fromIoTs(path, decoded.left))
  const { dtype: fileDType, shape, data_offsets: offsets } = decoded.right
  const dtype = Object.hasOwn(SUPPORTED, fileDType) ? SUPPORTED[fileDType] : undefined
  if (dtype === undefined) {
    const known = UNSUPPORTED.includes(fileDType)
    return left(
      decodeError(
        `${show(fileDType)} is ${known ? 'an unsupported dtype' : 'not a safetensors dtype'} (supported: ${Object.keys(SUPPORTED).join(', ')})`,
        `${path}.dtype`,
      ),
    )
  }
  const [begin, end] = offsets
  if (begin > end)
    return left(decodeError(`${showOffsets(offsets)} begins after it ends`, `${path}.data_offsets`))
  if (end > dataLength) {
    return left(
      decodeError(
        `${showOffsets(offsets)} runs past the end of the data (${dataLength} bytes)`,
        `${path}.data_offsets`,
      ),
    )
  }
  // Element count × item size, stopping as soon as it exceeds the bytes the file has.
  const itemSize = ITEM_SIZE[dtype]
  let bytes = shape.includes(0) ? 0 : itemSize
  for (const d of shape) {
    if (bytes > dataLength) break
    bytes *= d
  }
  if (bytes !== end - begin) {
    const needs = bytes > dataLength ? `more than the ${dataLength} bytes of data` : `${bytes} bytes`
    return left(
      decodeError(
        `${showOffsets(offsets)} holds ${end - begin} bytes, but shape ${showShape(shape)} of ${fileDType} needs ${needs}`,
        `${path}.data_offsets`,
      ),
    )
  }
  return right({ name, dtype, fileDType, shape, offsets })
}

/** The reference rule: sorted by offsets, the tensors cover `[0, dataLength)` with no holes or overlaps. */
const checkCoverage = (entries: readonly Entry[], dataLength: number): DecodeError | undefined => {
  const sorted = [...entries].sort((a, b) => a.offsets[0] - b.offsets[0] || a.offsets[1] - b.offsets[1])
  let end = 0
  let previous: Entry | undefined
  for (const e of sorted) {
    const begin = e.offsets[0]
    if (begin !== end) {
      const after =
        previous === undefined ? 'the start of the data (0)' : `${previous.name}, which ends at ${end}`
      const what = begin < end ? 'overlaps' : 'leaves a hole after'
      return decodeError(`${showOffsets(e.offsets)} ${what} ${after}`, `${field(e.name)}.data_offsets`)
    }
    end = e.offsets[1]
    previous = e
  }
  if (end !== dataLength) {
    return decodeError(
      `the tensors cover ${end} bytes, but the data section has ${dataLength} (trailing bytes)`,
      'data',
    )
  }
  return undefined
}

/** Copies an entry's bytes into fresh, aligned storage of its dtype. */
const readData = (data: Uint8Array, e: Entry): Either<DecodeError, TypedArray> => {
  const [begin, end] = e.offsets
  const bytes = new Uint8Array(end - begin)
  bytes.set(data.subarray(begin, end))
  switch (e.dtype) {
    case 'bool': {
      const bad = bytes.findIndex((b) => b > 1)
      if (bad >= 0)
        return left(
          decodeError(
            `element ${bad} of a BOOL tensor is the byte ${bytes[bad]} (must be 0 or 1)`,
            `data.${e.name}`,
          ),
        )
      return right(bytes)
    }
    case 'f32':
      toFromLittleEndian(bytes, 4)
      return right(new Float32Array(bytes.buffer))
    case 'f64':
      toFromLittleEndian(bytes, 8)
      return right(new Float64Array(bytes.buffer))
    case 'i32':
      toFromLittleEndian(bytes, 4)
      return right(new Int32Array(bytes.buffer))
  }
}

interface Decoded {
  /** `[name, tensor]` in data order. */
  readonly entries: readonly (readonly [string, Tensor])[]
  readonly metadata: Record<string, string>
}

/**
 * Decodes safetensors bytes into flat `name → tensor` entries and the
 * `__metadata__` strings (`{}` when absent). Validates the whole file first — header length,
 * UTF-8 JSON, each entry's dtype, shape and offsets, exact coverage of the data section,
 * BOOL bytes — and never throws; the tensors own fresh copies of their bytes. `tensors` is a plain
 * object in data order, except that integer-like names (`0`, `1`, …) come first, as JS objects
 * enumerate them.
 *
 * @example
 * const bytes = T.safetensors.encode({ weight_ih_l0: T.tensor([[1, 2]]) }, { format: 'pt' })
 * const r = T.safetensors.decodeFlat(bytes)
 * assert.ok(r._tag === 'Right')
 * assert.deepStrictEqual(Object.keys(r.right.tensors), ['weight_ih_l0'])
 * assert.deepStrictEqual(r.right.metadata, { format: 'pt' })
 */
export const decodeFlat = (
  bytes: Uint8Array,
): Either<DecodeError, { tensors: Record<string, Tensor>; metadata: Record<string, string> }> => {
  const r = decodeEntries(bytes)
  return r._tag === 'Left'
    ? r
    : right({ tensors: Object.fromEntries(r.right.entries), metadata: r.right.metadata })
}

const decodeEntries = (bytes: Uint8Array): Either<DecodeError, Decoded> => {
  if (!(bytes instanceof Uint8Array))
    return left(decodeError(`expected a Uint8Array, got ${Object.prototype.toString.call(bytes)}`, 'file'))
  if (bytes.length < 8)
    return left(decodeError(`${bytes.length} bytes is shorter than the 8-byte header length`, 'file'))
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const low = view.getUint32(0, true)
  const high = view.getUint32(4, true)
  const available = bytes.length - 8
  if (high !== 0 || low > available || low > MAX_HEADER_BYTES) {
    const n = high * 2 ** 32 + low
    const limit = low > MAX_HEADER_BYTES || high !== 0 ? ` (the limit is ${MAX_HEADER_BYTES})` : ''
    return left(decodeError(`${n} is larger than the ${available} bytes after it${limit}`, 'header length'))
  }
  const headerLength = low
  let header: unknown
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(
      bytes.subarray(8, 8 + headerLength),
    )
    header = JSON.parse(text)
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e)
    return left(decodeError(`is not UTF-8 JSON (${why})`, 'header'))
  }
  if (!isJsonObject(header)) return left(decodeError(`${show(header)} is not a JSON object`, 'header'))
  const data = bytes.subarray(8 + headerLength)
  const entries: Entry[] = []
  let metadata: Record<string, string> = {}
  for (const name of Object.keys(header)) {
    const raw = header[name]
    if (name === '__metadata__') {
      const m = Metadata.decode(raw)
      if (m._tag === 'Left') return left(fromIoTs('header.__metadata__', m.left))
      metadata = Object.fromEntries(Object.entries(m.right))
      continue
    }
    const e = checkEntry(name, raw, data.length)
    if (e._tag === 'Left') return e
    entries.push(e.right)
  }
  const gap = checkCoverage(entries, data.length)
  if (gap !== undefined) return left(gap)
  const ordered = [...entries].sort((a, b) => a.offsets[0] - b.offsets[0] || a.offsets[1] - b.offsets[1])
  const tensors: [string, Tensor][] = []
  for (const e of ordered) {
    const d = readData(data, e)
    if (d._tag === 'Left') return d
    tensors.push([e.name, fromData(d.right, e.shape, e.dtype)])
  }
  return right({ entries: tensors, metadata })
}

interface TrieNode {
  /** The name that ends here, if any. */
  leaf?: string
  /** Some name that passes through here, for messages. */
  readonly via: string
  readonly children: Map<string, TrieNode>
}

/**
 * Why `names` cannot be one tree's paths, if they cannot: a segment that plain objects reserve
 * (`__proto__`, `constructor`, …), or one name inside another (`a` and `a.b`). Linear in the
 * names' total length (a trie of segments), so hostile names cannot make it slow.
 */
const treeConflict = (names: readonly string[]): DecodeError | undefined => {
  const root: TrieNode = { via: '', children: new Map() }
  for (const name of names) {
    const segments = name.split('.')
    const reserved = segments.find((segment) => segment in Object.prototype)
    if (reserved !== undefined) {
      const why = `segment ${jsonString(reserved)} is reserved by plain objects and cannot be a tree key (use decodeFlat)`
      return decodeError(why, field(name))
    }
    let node = root
    for (const segment of segments) {
      if (node.leaf !== undefined) {
        return decodeError(
          `is inside ${clip(node.leaf)}, which is a tensor itself (use decodeFlat)`,
          field(name),
        )
      }
      let next = node.children.get(segment)
      if (next === undefined) {
        next = { via: name, children: new Map() }
        node.children.set(segment, next)
      }
      node = next
    }
    if (node.children.size > 0 || node.leaf !== undefined) {
      return decodeError(
        `is also a prefix of ${clip(node.via)}, which is a tensor (use decodeFlat)`,
        field(name),
      )
    }
    node.leaf = name
  }
  return undefined
}

/**
 * Decodes safetensors bytes into a pytree: dotted names become nested objects, and objects
 * keyed `0 … n−1` become arrays (`treeFromPaths`), so `decode(encode(tree))` gives back the
 * tree's tensors in its structure. All of `decodeFlat`'s checks apply; names that cannot be
 * built into one tree (`a` and `a.b`, or a segment such as `__proto__` that plain objects
 * reserve) are a `Left` too. Never throws.
 *
 * @example
 * const tree = { layers: [{ W_ih: T.tensor([[1, 2], [3, 4]]) }], mask: T.tensor([true, false]) }
 * const r = T.safetensors.decode(T.safetensors.encode(tree))
 * assert.ok(r._tag === 'Right')
 * assert.deepStrictEqual(T.treePaths(r.right), ['layers.0.W_ih', 'mask'])
 * assert.deepStrictEqual(T.toArray(r.right.layers[0].W_ih), [[1, 2], [3, 4]])
 * assert.deepStrictEqual(T.toArray(r.right.mask), [true, false])
 */
export const decode = (bytes: Uint8Array): Either<DecodeError, Tree> => {
  const flat = decodeEntries(bytes)
  if (flat._tag === 'Left') return flat
  const entries = flat.right.entries
  const conflict = treeConflict(entries.map(([name]) => name))
  if (conflict !== undefined) return left(conflict)
  try {
    return right(treeFromPaths(entries))
  } catch (e) {
    // Unreachable after the checks above; kept so that decode never throws.
    return left(
      decodeError(`names do not form one tree: ${e instanceof Error ? e.message : String(e)}`, 'header'),
    )
  }
}

/** A leaf as messages print it: dtype and shape, e.g. `f32 [8,16]`. */
const describeLeaf = (t: Tensor): string => `${t.dtype} ${showShape(t.shape)}`

/**
 * Decodes safetensors bytes against a parameter tree: the file must hold every tensor path of
 * `template` with its shape and dtype, and no other tensor. The result has the template's
 * type and structure (arrays stay arrays, static leaves are the template's) with the file's
 * tensors as leaves. All of `decodeFlat`'s checks apply; a mismatch is a `Left` whose `path` is
 * the tree path (`layers.0.W_ih: expected f32 [8,16], got f32 [16,8]`, `missing tensor
 * layers.1.b_ih`, `unexpected tensor extra.w`). Never throws for any bytes; a template that
 * `encode` would reject (a bare tensor, two leaves with one name) is an `ArgumentError`.
 *
 * @example
 * const init = { layers: [{ W_ih: T.zeros([8, 16]), b_ih: T.zeros([8]) }], name: 'enc' }
 * const trained = { layers: [{ W_ih: T.ones([8, 16]), b_ih: T.ones([8]) }] }
 * const r = T.safetensors.decodeAs(T.safetensors.encode(trained), init)
 * assert.ok(r._tag === 'Right')
 * assert.deepStrictEqual(T.toArray(r.right.layers[0].b_ih), Array(8).fill(1))
 * assert.strictEqual(r.right.name, 'enc')
 * const transposed = { layers: [{ W_ih: T.ones([16, 8]), b_ih: T.ones([8]) }] }
 * const bad = T.safetensors.decodeAs(T.safetensors.encode(transposed), init)
 * assert.ok(bad._tag === 'Left')
 * assert.strictEqual(bad.left.path, 'layers.0.W_ih')
 * assert.strictEqual(T.safetensors.renderDecodeError(bad.left), 'layers.0.W_ih: expected f32 [8,16], got f32 [16,8]')
 */
export const decodeAs = <A extends Tree>(bytes: Uint8Array, template: A): Either<DecodeError, A> => {
  const { leaves, paths, unflatten } = treeFlatten(template)
  const names = new Set<string>()
  for (const path of paths) {
    if (path === '')
      throw new ArgumentError(
        'safetensors.decodeAs: a bare tensor has no name; pass a tree such as { weight: t }',
      )
    if (names.has(path)) throw new ArgumentError(`safetensors.decodeAs: two tensors have the name ${path}`)
    names.add(path)
  }
  const flat = decodeEntries(bytes)
  if (flat._tag === 'Left') return flat
  const found = new Map(flat.right.entries)
  const out: Tensor[] = []
  for (let i = 0; i < leaves.length; i++) {
    const want = leaves[i]
    const got = found.get(paths[i])
    if (got === undefined)
      return left(decodeError(`missing tensor ${paths[i]} (expected ${describeLeaf(want)})`, paths[i]))
    if (got.dtype !== want.dtype || showShape(got.shape) !== showShape(want.shape))
      return left(decodeError(`expected ${describeLeaf(want)}, got ${describeLeaf(got)}`, paths[i]))
    out.push(got)
  }
  const extra = flat.right.entries.find(([name]) => !names.has(name))
  if (extra !== undefined) {
    const name = clip(extra[0])
    return left(
      decodeError(
        `unexpected tensor ${name} (${describeLeaf(extra[1])}; the template has no such path)`,
        name,
      ),
    )
  }
  return right(unflatten(out))
}
