import assert from 'node:assert'
import { readFileSync } from 'node:fs'
import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import * as T from '../src/index.ts'
import * as I from '../src/internal.ts'
import * as safetensors from '../src/safetensors.ts'
import { numRuns as numRunsFor } from './kit.ts'

const numRuns = numRunsFor(100)

// ---------------------------------------------------------------------------------------------
// Helpers

type Leaf = T.Tensor

const typedOf = (dtype: T.DType, values: readonly number[]): T.TypedArray => {
  const a = I.allocate(dtype, values.length)
  a.set(values)
  return a
}

/** Elements of each dtype, with the float specials (NaN, ±Infinity, −0) mixed in. */
const elementOf = (dtype: T.DType): fc.Arbitrary<number> => {
  const specials = fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0)
  switch (dtype) {
    case 'f32':
      return fc.oneof(fc.double().map(Math.fround), specials)
    case 'f64':
      return fc.oneof(fc.double(), specials)
    case 'i32':
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })
    case 'bool':
      return fc.constantFrom(0, 1)
  }
}

const shapeArb = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 })

const tensorArb: fc.Arbitrary<Leaf> = fc
  .tuple(fc.constantFrom<T.DType>('f32', 'f64', 'i32', 'bool'), shapeArb)
  .chain(([dtype, shape]) => {
    const n = shape.reduce((a, b) => a * b, 1)
    return fc
      .array(elementOf(dtype), { minLength: n, maxLength: n })
      .map((values) => I.fromData(typedOf(dtype, values), shape, dtype))
  })

/** Object keys that are pytree-safe: not integer-like, no dots, not reserved by Object.prototype. */
const keyArb = fc.stringMatching(/^[a-z_][a-z0-9_]{0,5}$/).filter((k) => !(k in Object.prototype))

/** Trees whose containers are all non-empty (so every container holds a leaf and survives the trip). */
const treeArb = fc.letrec<{ node: unknown; arr: unknown[]; obj: Record<string, unknown> }>((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, tensorArb, tie('arr'), tie('obj')),
  arr: fc.array(tie('node'), { minLength: 1, maxLength: 3 }),
  obj: fc.dictionary(keyArb, tie('node'), { minKeys: 1, maxKeys: 3 }),
}))
const rootArb = fc.oneof(treeArb.arr, treeArb.obj) as fc.Arbitrary<T.Tree>

const bytesOf = (a: T.TypedArray): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength)

const expectSameTensor = (a: Leaf, b: Leaf, path: string): void => {
  expect(b.dtype, path).toBe(a.dtype)
  expect([...b.shape], path).toEqual([...a.shape])
  expect(b.data.length, path).toBe(a.data.length)
  for (let i = 0; i < a.data.length; i++) {
    if (!Object.is(a.data[i], b.data[i])) throw new Error(`${path}[${i}]: ${a.data[i]} ≠ ${b.data[i]}`)
  }
  expect(bytesOf(b.data), path).toEqual(bytesOf(a.data))
}

const expectSameTree = (a: unknown, b: unknown, path = '(root)'): void => {
  if (T.isTensor(a)) {
    expect(T.isTensor(b), path).toBe(true)
    expectSameTensor(a, b as Leaf, path)
  } else if (Array.isArray(a)) {
    expect(Array.isArray(b), path).toBe(true)
    expect((b as unknown[]).length, path).toBe(a.length)
    a.forEach((x, i) => {
      expectSameTree(x, (b as unknown[])[i], `${path}.${i}`)
    })
  } else {
    const ao = a as Record<string, unknown>
    const bo = b as Record<string, unknown>
    expect(Object.keys(bo), path).toEqual(Object.keys(ao))
    for (const k of Object.keys(ao)) expectSameTree(ao[k], bo[k], `${path}.${k}`)
  }
}

/** Every leaf has storage of its dtype and exactly `product(shape)` elements. */
const expectWellFormed = (tree: T.Tree): void => {
  const ctor = { f32: Float32Array, f64: Float64Array, i32: Int32Array, bool: Uint8Array }
  for (const leaf of T.treeLeaves(tree)) {
    expect(leaf.data).toBeInstanceOf(ctor[leaf.dtype])
    expect(leaf.data.length).toBe(leaf.shape.reduce((a, b) => a * b, 1))
    if (leaf.dtype === 'bool') expect(leaf.data.every((b) => b === 0 || b === 1)).toBe(true)
  }
}

/** Assembles a file from a header (an object, serialised, or a raw string) and data bytes. */
const craft = (
  header: unknown,
  data: ArrayLike<number> = [],
  opts: { length?: number; high?: number; pad?: boolean } = {},
): Uint8Array => {
  let json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header))
  if (opts.pad !== false) {
    const padded = new Uint8Array(json.length + ((8 - (json.length % 8)) % 8)).fill(0x20)
    padded.set(json)
    json = padded
  }
  const out = new Uint8Array(8 + json.length + data.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, opts.length ?? json.length, true)
  view.setUint32(4, opts.high ?? 0, true)
  out.set(json, 8)
  out.set(data, 8 + json.length)
  return out
}

const f32Bytes = (values: number[]): number[] => {
  const out = new Uint8Array(values.length * 4)
  const view = new DataView(out.buffer)
  values.forEach((v, i) => {
    view.setFloat32(4 * i, v, true)
  })
  return [...out]
}

/** The error of a decode that must fail, rendered. */
const failure = (bytes: Uint8Array, flat = false): { path: string | undefined; message: string } => {
  const r = flat ? safetensors.decodeFlat(bytes) : safetensors.decode(bytes)
  if (r._tag === 'Right') throw new Error('expected a Left, got a Right')
  expect(r.left._tag).toBe('DecodeError')
  return { path: r.left.path, message: safetensors.renderDecodeError(r.left) }
}

const decodeRight = (bytes: Uint8Array): T.Tree => {
  const r = safetensors.decode(bytes)
  if (r._tag === 'Left') throw new Error(safetensors.renderDecodeError(r.left))
  return r.right
}

// ---------------------------------------------------------------------------------------------
// Properties

describe('safetensors properties', () => {
  test.prop([rootArb], { numRuns })('decode ∘ encode is the identity on trees of tensors', (tree) => {
    expectSameTree(tree, decodeRight(safetensors.encode(tree)))
  })

  test.prop([rootArb, fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 })], { numRuns })(
    'decodeFlat ∘ encode keeps names and metadata',
    (tree, metadata) => {
      const r = safetensors.decodeFlat(safetensors.encode(tree, metadata))
      if (r._tag === 'Left') throw new Error(safetensors.renderDecodeError(r.left))
      const { leaves, paths } = T.treeFlatten(tree)
      expect(Object.keys(r.right.tensors).sort()).toEqual([...paths].sort())
      leaves.forEach((leaf, i) => {
        expectSameTensor(leaf, r.right.tensors[paths[i]], paths[i])
      })
      expect(r.right.metadata).toEqual({ ...metadata })
    },
  )

  test.prop([rootArb], { numRuns })('the header is padded to 8 bytes and the layout is exact', (tree) => {
    const bytes = safetensors.encode(tree)
    const view = new DataView(bytes.buffer, bytes.byteOffset)
    const n = view.getUint32(0, true)
    expect(view.getUint32(4, true)).toBe(0)
    expect(n % 8).toBe(0)
    const size = T.treeLeaves(tree).reduce(
      (s, t) => s + t.size * (t.dtype === 'f64' ? 8 : t.dtype === 'bool' ? 1 : 4),
      0,
    )
    expect(bytes.length).toBe(8 + n + size)
  })

  test.prop([fc.oneof(treeArb.obj, treeArb.arr).filter((t) => T.treeLeaves(t as T.Tree).length <= 3)], {
    numRuns: Math.max(1, Math.ceil(numRuns / 10)),
  })('every truncation of a valid file is a Left', (tree) => {
    const bytes = safetensors.encode(tree as T.Tree)
    for (let n = 0; n < bytes.length; n++) {
      const r = safetensors.decode(bytes.slice(0, n))
      if (r._tag !== 'Left') throw new Error(`prefix of length ${n} of ${bytes.length} decoded`)
    }
  })

  test.prop([rootArb, fc.nat(), fc.integer({ min: 0, max: 255 })], { numRuns })(
    'a single corrupted byte gives a Left or a well-formed tree, never a throw',
    (tree, at, byte) => {
      const bytes = safetensors.encode(tree)
      bytes[at % bytes.length] = byte
      const r = safetensors.decode(bytes)
      if (r._tag === 'Right') expectWellFormed(r.right)
    },
  )

  test.prop([fc.uint8Array({ maxLength: 64 })], { numRuns })('arbitrary bytes never throw', (bytes) => {
    const r = safetensors.decode(bytes)
    if (r._tag === 'Right') expectWellFormed(r.right)
  })

  test.prop([fc.jsonValue(), fc.uint8Array({ maxLength: 32 })], { numRuns })(
    'arbitrary JSON headers never throw',
    (header, data) => {
      const r = safetensors.decode(craft(header, data))
      if (r._tag === 'Right') expectWellFormed(r.right)
    },
  )

  test.prop(
    [
      fc.dictionary(
        fc.oneof(keyArb, fc.constantFrom('__proto__', 'constructor', '', 'a.b', '__metadata__')),
        fc.record({
          dtype: fc.constantFrom('F32', 'F64', 'I32', 'BOOL', 'F16', 'X'),
          shape: fc.array(fc.oneof(fc.integer({ min: -1, max: 4 }), fc.constant(2 ** 53)), { maxLength: 3 }),
          data_offsets: fc.array(fc.integer({ min: -1, max: 24 }), { minLength: 1, maxLength: 3 }),
        }),
        { maxKeys: 4 },
      ),
      fc.uint8Array({ maxLength: 24 }),
    ],
    { numRuns },
  )('near-valid headers never throw and never yield a malformed tree', (header, data) => {
    const r = safetensors.decode(craft(header, data))
    if (r._tag === 'Right') expectWellFormed(r.right)
  })
})

// ---------------------------------------------------------------------------------------------
// decodeAs: a file read against a parameter tree

/**
 * `tree` with its `index`-th leaf replaced by `f(leaf)` (null removes the leaf: a static takes
 * its place, so no other path moves).
 */
const editLeaf = (tree: unknown, index: number, f: (t: Leaf) => Leaf | null): unknown => {
  let i = 0
  const go = (x: unknown): unknown => {
    if (T.isTensor(x)) return i++ === index ? f(x) : x
    if (Array.isArray(x)) return x.map(go)
    const o = x as Record<string, unknown>
    return Object.fromEntries(Object.keys(o).map((k) => [k, go(o[k])]))
  }
  return go(tree)
}

/** The other dtypes a leaf can be cast to. */
const otherDType = (d: T.DType, pick: number): T.DType => {
  const others = (['f32', 'f64', 'i32', 'bool'] as const).filter((x) => x !== d)
  return others[pick % others.length]
}

const decodeAsLeft = (bytes: Uint8Array, template: T.Tree): safetensors.DecodeError => {
  const r = safetensors.decodeAs(bytes, template)
  if (r._tag === 'Right') throw new Error('expected a Left, got a Right')
  expect(r.left._tag).toBe('DecodeError')
  expect(r.left.reason.length).toBeGreaterThan(0)
  return r.left
}

describe('safetensors decodeAs', () => {
  test.prop([rootArb], { numRuns })(
    'decodeAs(encode(tree), tree) gives back the tree: bit-identical leaves, the same structure',
    (tree) => {
      const r = safetensors.decodeAs(safetensors.encode(tree), tree)
      if (r._tag === 'Left') throw new Error(safetensors.renderDecodeError(r.left))
      expectSameTree(tree, r.right)
    },
  )

  test.prop(
    [
      rootArb,
      fc.nat(),
      fc.nat(),
      fc.constantFrom('reshape' as const, 'recast' as const, 'remove' as const, 'add' as const),
    ],
    { numRuns },
  )(
    'a file with one leaf reshaped, recast, removed or added is a Left naming exactly that path',
    (tree, at, pick, how) => {
      const { leaves, paths } = T.treeFlatten(tree)
      const i = at % leaves.length
      const extra = T.tensor([1, 2])
      const edited =
        how === 'add'
          ? Array.isArray(tree)
            ? [...tree, extra]
            : { ...(tree as Record<string, unknown>), extra_leaf: extra }
          : editLeaf(tree, i, (t) =>
              how === 'reshape'
                ? T.reshape(t, [...t.shape, 1])
                : how === 'recast'
                  ? T.cast(t, otherDType(t.dtype, pick))
                  : null,
            )
      const path = how === 'add' ? (Array.isArray(tree) ? String(tree.length) : 'extra_leaf') : paths[i]
      const e = decodeAsLeft(safetensors.encode(edited as T.Tree), tree)
      expect(e.path).toBe(path)
      const want = leaves[i]
      const message = safetensors.renderDecodeError(e)
      if (how === 'reshape')
        expect(message).toBe(
          `${path}: expected ${want.dtype} ${T.showShape(want.shape)}, got ${want.dtype} ${T.showShape([...want.shape, 1])}`,
        )
      if (how === 'recast')
        expect(message).toBe(
          `${path}: expected ${want.dtype} ${T.showShape(want.shape)}, got ${otherDType(want.dtype, pick)} ${T.showShape(want.shape)}`,
        )
      if (how === 'remove') expect(e.reason.startsWith(`missing tensor ${path} (expected `)).toBe(true)
      if (how === 'add') expect(e.reason).toMatch(/^unexpected tensor /)
    },
  )

  it('names the tree path in each kind of mismatch', () => {
    const template = { layers: [{ W_ih: T.zeros([8, 16]), b_ih: T.zeros([8]) }, { b_ih: T.zeros([8]) }] }
    const render = (tree: T.Tree) =>
      safetensors.renderDecodeError(decodeAsLeft(safetensors.encode(tree), template))
    expect(render({ layers: [{ W_ih: T.zeros([16, 8]), b_ih: T.zeros([8]) }, { b_ih: T.zeros([8]) }] })).toBe(
      'layers.0.W_ih: expected f32 [8,16], got f32 [16,8]',
    )
    expect(render({ layers: [{ W_ih: T.zeros([8, 16]), b_ih: T.zeros([8]) }, {}] })).toBe(
      'layers.1.b_ih: missing tensor layers.1.b_ih (expected f32 [8])',
    )
    expect(render({ ...template, extra: { w: T.zeros([2], 'f64') } })).toBe(
      'extra.w: unexpected tensor extra.w (f64 [2]; the template has no such path)',
    )
  })

  it("keeps the template's statics and types the result as the template", () => {
    const template = { W: T.zeros([2]), activation: 'tanh' as const, sizes: [2, 3] }
    const r = safetensors.decodeAs(safetensors.encode({ W: T.ones([2]) }), template)
    if (r._tag === 'Left') throw new Error(safetensors.renderDecodeError(r.left))
    const tree: typeof template = r.right
    expect(tree.activation).toBe('tanh')
    expect(tree.sizes).toEqual([2, 3])
    expect(T.toArray(tree.W)).toEqual([1, 1])
  })

  it('file-level problems come first, as decode reports them', () => {
    expect(decodeAsLeft(new Uint8Array(3), { w: T.zeros([1]) }).path).toBe('file')
  })

  it('a template encode would reject is an ArgumentError', () => {
    const bytes = safetensors.encode({ w: T.zeros([1]) })
    expect(() => safetensors.decodeAs(bytes, T.zeros([1]))).toThrow(T.ArgumentError)
    expect(() => safetensors.decodeAs(bytes, { 'a.b': T.zeros([1]), a: { b: T.zeros([1]) } })).toThrow(
      'two tensors have the name a.b',
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Golden bytes

describe('safetensors golden bytes', () => {
  it('encodes { a: f32 [1,2] } byte for byte', () => {
    const bytes = safetensors.encode({ a: T.tensor([[1, 2]]) })
    const json = '{"a":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]}}'
    expect(json.length).toBe(56) // already a multiple of 8: no padding
    const expected = [
      ...[56, 0, 0, 0, 0, 0, 0, 0],
      ...[...json].map((c) => c.charCodeAt(0)),
      ...[0x00, 0x00, 0x80, 0x3f], // 1.0f
      ...[0x00, 0x00, 0x00, 0x40], // 2.0f
    ]
    expect([...bytes]).toEqual(expected)
  })

  it('pads the header with spaces and writes metadata first, then tensors in tree order', () => {
    const bytes = safetensors.encode(
      { z: T.tensor([true, false]), m: { b: T.tensor(7, { dtype: 'i32' }) } },
      { k: 'v' },
    )
    const json =
      '{"__metadata__":{"k":"v"},"z":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]},' +
      '"m.b":{"dtype":"I32","shape":[],"data_offsets":[2,6]}}'
    const n = json.length + ((8 - (json.length % 8)) % 8)
    expect(json.length).toBe(134)
    expect(n).toBe(136) // two spaces of padding
    const expected = [
      ...[n, 0, 0, 0, 0, 0, 0, 0],
      ...[...json].map((c) => c.charCodeAt(0)),
      ...new Array(n - json.length).fill(0x20),
      ...[1, 0],
      ...[7, 0, 0, 0],
    ]
    expect([...bytes]).toEqual(expected)
  })

  it('decodes a file that a reference writer would produce', () => {
    const bytes = craft({ weight: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }, f32Bytes([0.5, -3]))
    const tree = decodeRight(bytes) as { weight: T.Tensor }
    expect(T.toArray(tree.weight)).toEqual([0.5, -3])
  })

  it('handles unaligned offsets and does not alias the input', () => {
    // An I32 tensor after a 1-byte BOOL tensor starts at an odd offset.
    const tree = {
      m: T.tensor([true]),
      i: T.tensor([1, -2], { dtype: 'i32' }),
      d: T.tensor([1.5], { dtype: 'f64' }),
    }
    const bytes = safetensors.encode(tree)
    const r = decodeRight(bytes) as typeof tree
    expectSameTree(tree, r)
    bytes.fill(0, bytes.length - 17)
    expect(T.toArray(r.i)).toEqual([1, -2])
    expect(T.toArray(r.d)).toEqual([1.5])
    expect(r.i.data.buffer).not.toBe(bytes.buffer)
  })

  it('reads from a view with a byte offset (a pooled Buffer)', () => {
    const bytes = safetensors.encode({ a: T.tensor([1, 2, 3]) })
    const big = new Uint8Array(bytes.length + 3)
    big.set(bytes, 3)
    const tree = decodeRight(big.subarray(3)) as { a: T.Tensor }
    expect(T.toArray(tree.a)).toEqual([1, 2, 3])
    const buf = Buffer.from(bytes)
    expect(T.toArray((decodeRight(buf) as { a: T.Tensor }).a)).toEqual([1, 2, 3])
  })

  it('round-trips an empty tree and zero-size tensors', () => {
    expect(decodeRight(safetensors.encode({}))).toEqual({})
    const tree = { e: T.zeros([0, 3]), s: T.tensor(2), f: T.zeros([2, 0], 'f64') }
    expectSameTree(tree, decodeRight(safetensors.encode(tree)))
  })

  it('writes bool tensors as 0/1 bytes', () => {
    const mask = T.tensor(new Uint8Array([0, 2, 255]), { dtype: 'bool' })
    const r = decodeRight(safetensors.encode({ mask })) as { mask: T.Tensor }
    expect([...r.mask.data]).toEqual([0, 1, 1])
  })
})

// ---------------------------------------------------------------------------------------------
// Validation rules

describe('safetensors validation', () => {
  const ok = { dtype: 'F32', shape: [2], data_offsets: [0, 8] }
  const data8 = f32Bytes([1, 2])

  it('rejects files shorter than 8 bytes', () => {
    const e = failure(new Uint8Array(5))
    expect(e.path).toBe('file')
    expect(e.message).toBe('file: 5 bytes is shorter than the 8-byte header length')
  })

  it('rejects a header length past the end of the file', () => {
    const e = failure(craft({ w: ok }, data8, { length: 1000 }))
    expect(e.path).toBe('header length')
    expect(e.message).toMatch(/^header length: 1000 is larger than the \d+ bytes after it$/)
  })

  it('rejects a header length with a nonzero high half', () => {
    const e = failure(craft({ w: ok }, data8, { length: 8, high: 1 }))
    expect(e.message).toMatch(/^header length: 4294967304 is larger than/)
  })

  it('rejects a header that is not UTF-8', () => {
    const bytes = craft('{"w":1}', [], { pad: false })
    bytes[10] = 0xff
    expect(failure(bytes).message).toMatch(/^header: is not UTF-8 JSON/)
  })

  it('rejects a header that is not JSON', () => {
    expect(failure(craft('{"w": ', data8)).message).toMatch(/^header: is not UTF-8 JSON/)
  })

  it('rejects a header that is not a JSON object', () => {
    expect(failure(craft('[1, 2]')).message).toBe('header: [1,2] is not a JSON object')
    expect(failure(craft('null')).message).toBe('header: null is not a JSON object')
  })

  it('rejects an entry that is not an object or misses a field', () => {
    expect(failure(craft({ w: 3 })).message).toMatch(/^header\.w: 3 is not a \{ dtype: string/)
    expect(failure(craft({ w: { dtype: 'F32', data_offsets: [0, 0] } })).message).toBe(
      'header.w.shape: missing (expected Array<non-negative integer>)',
    )
  })

  it('rejects a dtype that is not a string, unsupported, or unknown', () => {
    expect(failure(craft({ w: { ...ok, dtype: 4 } }, data8)).message).toBe(
      'header.w.dtype: 4 is not a string',
    )
    const f16 = failure(craft({ w: { ...ok, dtype: 'F16' } }, data8))
    expect(f16.path).toBe('header.w.dtype')
    expect(f16.message).toBe('header.w.dtype: "F16" is an unsupported dtype (supported: F32, F64, I32, BOOL)')
    expect(failure(craft({ w: { ...ok, dtype: 'BF16' } }, data8)).message).toMatch(
      /"BF16" is an unsupported dtype/,
    )
    expect(failure(craft({ w: { ...ok, dtype: 'I64' } }, data8)).message).toMatch(
      /"I64" is an unsupported dtype/,
    )
    expect(failure(craft({ w: { ...ok, dtype: 'f32' } }, data8)).message).toMatch(
      /^header\.w\.dtype: "f32" is not a safetensors dtype/,
    )
  })

  it('rejects negative, fractional or unsafe dimensions', () => {
    expect(failure(craft({ w: { ...ok, shape: [2, -1] } }, data8)).message).toBe(
      'header.w.shape.1: -1 is not a non-negative integer',
    )
    expect(failure(craft({ w: { ...ok, shape: [1.5] } }, data8)).message).toBe(
      'header.w.shape.0: 1.5 is not a non-negative integer',
    )
    expect(failure(craft({ w: { ...ok, shape: [2 ** 60] } }, data8)).path).toBe('header.w.shape.0')
    expect(failure(craft({ w: { ...ok, shape: 2 } }, data8)).message).toBe(
      'header.w.shape: 2 is not a Array<non-negative integer>',
    )
  })

  it('rejects data_offsets that are not a pair of non-negative integers', () => {
    for (const offsets of [[0], [0, 8, 9], [-1, 8], [0, '8'], 'x']) {
      const e = failure(craft({ w: { ...ok, data_offsets: offsets } }, data8))
      expect(e.path).toBe('header.w.data_offsets')
      expect(e.message).toContain(`is not a [begin, end] of non-negative integers`)
    }
  })

  it('rejects offsets out of range', () => {
    expect(failure(craft({ w: { ...ok, data_offsets: [8, 0] } }, data8)).message).toBe(
      'header.w.data_offsets: [8, 0] begins after it ends',
    )
    expect(failure(craft({ w: { ...ok, data_offsets: [0, 16] } }, data8)).message).toBe(
      'header.w.data_offsets: [0, 16] runs past the end of the data (8 bytes)',
    )
  })

  it('rejects offsets that do not match the shape', () => {
    const e = failure(craft({ weight_ih_l0: { dtype: 'F64', shape: [4, 3], data_offsets: [0, 8] } }, data8))
    expect(e.path).toBe('header.weight_ih_l0.data_offsets')
    expect(e.message).toBe(
      'header.weight_ih_l0.data_offsets: [0, 8] holds 8 bytes, but shape [4,3] of F64 needs more than the 8 bytes of data',
    )
    expect(failure(craft({ w: { ...ok, shape: [1] } }, data8)).message).toBe(
      'header.w.data_offsets: [0, 8] holds 8 bytes, but shape [1] of F32 needs 4 bytes',
    )
  })

  it('rejects huge shapes without allocating or overflowing', () => {
    const e = failure(craft({ w: { ...ok, shape: [2 ** 53 - 1, 2 ** 53 - 1, 2 ** 53 - 1] } }, data8))
    expect(e.message).toMatch(
      /^header\.w\.data_offsets: \[0, 8\] holds 8 bytes, but shape .* needs more than/,
    )
    // A zero dimension makes any shape empty.
    const empty = decodeRight(
      craft({ w: { dtype: 'F32', shape: [2 ** 53 - 1, 0], data_offsets: [0, 0] } }),
    ) as {
      w: T.Tensor
    }
    expect(empty.w.size).toBe(0)
  })

  it('rejects overlapping regions', () => {
    const header = {
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
    }
    const e = failure(craft(header, data8))
    expect(e.path).toBe('header.b.data_offsets')
    expect(e.message).toBe('header.b.data_offsets: [4, 8] overlaps a, which ends at 8')
  })

  it('rejects holes at the start, between tensors, and at the end', () => {
    expect(failure(craft({ a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, data8)).message).toBe(
      'header.a.data_offsets: [4, 8] leaves a hole after the start of the data (0)',
    )
    const gap = {
      a: { dtype: 'BOOL', shape: [1], data_offsets: [0, 1] },
      b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
    }
    expect(failure(craft(gap, [1, 0, 0, 0, 0, 0, 0, 0])).message).toBe(
      'header.b.data_offsets: [4, 8] leaves a hole after a, which ends at 1',
    )
    const trailing = failure(craft({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, data8))
    expect(trailing.path).toBe('data')
    expect(trailing.message).toBe(
      'data: the tensors cover 4 bytes, but the data section has 8 (trailing bytes)',
    )
  })

  it('rejects BOOL bytes other than 0 and 1', () => {
    const e = failure(craft({ mask: { dtype: 'BOOL', shape: [3], data_offsets: [0, 3] } }, [1, 0, 2]))
    expect(e.path).toBe('data.mask')
    expect(e.message).toBe('data.mask: element 2 of a BOOL tensor is the byte 2 (must be 0 or 1)')
  })

  it('rejects metadata that is not a string record', () => {
    const e = failure(craft({ __metadata__: { format: 'pt', epoch: 3 }, w: ok }, data8))
    expect(e.path).toBe('header.__metadata__.epoch')
    expect(e.message).toBe('header.__metadata__.epoch: 3 is not a string')
    expect(failure(craft({ __metadata__: [1], w: ok }, data8)).path).toBe('header.__metadata__')
  })

  it('rejects an empty tensor name', () => {
    const e = failure(craft({ '': ok }, data8), true)
    expect(e.message).toBe('header."": a tensor name is empty')
  })

  it('rejects names that do not form one tree, in decode only', () => {
    const header = {
      a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      'a.b': { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
    }
    const e = failure(craft(header, data8))
    expect(e.path).toBe('header.a.b')
    expect(e.message).toBe('header.a.b: is inside a, which is a tensor itself (use decodeFlat)')
    const flat = safetensors.decodeFlat(craft(header, data8))
    expect(flat._tag === 'Right' && Object.keys(flat.right.tensors)).toEqual(['a', 'a.b'])
  })

  it('rejects a name that is a prefix of an earlier one', () => {
    const header = {
      'a.b': { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      a: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
    }
    const e = failure(craft(header, data8))
    expect(e.message).toBe('header.a: is also a prefix of a.b, which is a tensor (use decodeFlat)')
  })

  it('checks hostile names in linear time', () => {
    const deep = `${'x.'.repeat(200_000)}y`
    const header = {
      x: { dtype: 'F32', shape: [1], data_offsets: [0, 4] },
      [deep]: { dtype: 'F32', shape: [1], data_offsets: [4, 8] },
    }
    const started = performance.now()
    const e = failure(craft(header, data8))
    expect(performance.now() - started).toBeLessThan(2000)
    expect(e.message).toMatch(/^header\.x\.x\.x.*\.\.\.: is inside x, which is a tensor itself/)
  })

  it('rejects reserved object keys without polluting prototypes', () => {
    for (const name of ['__proto__.polluted', 'constructor.polluted', 'toString', 'x.hasOwnProperty']) {
      const e = failure(craft({ [name]: ok }, data8))
      expect(e.path).toBe(`header.${name}`)
      expect(e.message).toContain('is reserved by plain objects')
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect((Object as unknown as Record<string, unknown>).polluted).toBeUndefined()
    // decodeFlat keeps such names as plain own keys.
    const flat = safetensors.decodeFlat(craft(`{"__proto__":${JSON.stringify(ok)}}`, data8))
    if (flat._tag === 'Left') throw new Error(safetensors.renderDecodeError(flat.left))
    expect(Object.getPrototypeOf(flat.right.tensors)).toBe(Object.prototype)
    expect(Object.keys(flat.right.tensors)).toEqual(['__proto__'])
  })

  it('keeps the last of duplicate JSON keys, and then the data has a hole', () => {
    const text =
      '{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}'
    expect(failure(craft(text, data8)).path).toBe('header.w.data_offsets')
  })

  it('throws ArgumentError when encoding a tree without names or with clashing names', () => {
    expect(() => safetensors.encode(T.zeros([2]))).toThrow(T.ArgumentError)
    expect(() => safetensors.encode({ 'a.b': T.zeros([1]), a: { b: T.zeros([1]) } })).toThrow(
      /two tensors have the name a\.b/,
    )
    expect(() => safetensors.encode({ __metadata__: T.zeros([1]) })).toThrow(/reserved/)
  })
})

// ---------------------------------------------------------------------------------------------
// Doc examples: each `@example` in safetensors.ts runs with `T` (including `T.safetensors`) and `assert`.

describe('safetensors doc examples', () => {
  const source = readFileSync(new URL('../src/safetensors.ts', import.meta.url), 'utf8')
  const examples = [...source.matchAll(/@example\n((?: \*(?: .*)?\n)+?) \*\/\nexport const (\w+)/g)].map(
    (m) => ({
      name: m[2],
      code: m[1]
        .split('\n')
        .map((line) => line.replace(/^ \* ?/, ''))
        .join('\n'),
    }),
  )

  it('finds an example for every documented public function', () => {
    expect(examples.map((e) => e.name).sort()).toEqual([
      'decode',
      'decodeAs',
      'decodeFlat',
      'encode',
      'renderDecodeError',
    ])
  })

  for (const { name, code } of examples) {
    it(`${name} example runs`, () => {
      const run = new Function('T', 'assert', code) as (t: unknown, a: typeof assert) => void
      run({ ...T, safetensors }, assert)
    })
  }
})
