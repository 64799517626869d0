/**
 * Fuzzing the safetensors decoders (`decode`, `decodeFlat`, `decodeAs`): arbitrary bytes and
 * mutated valid files (truncation, byte flips, header edits) never throw and never hang; every
 * failure is a `DecodeError` with a reason, and where one tensor's entry is to blame its path
 * names it.
 * Runs 10 × FC_NUM_RUNS cases per property (10⁴ in the deep run).
 */
import { fc, test } from '@fast-check/vitest'
import { describe, expect } from 'vitest'
import * as T from '../src/index.ts'
import * as safetensors from '../src/safetensors.ts'
import { numRuns } from './kit.ts'

const runs = { numRuns: 10 * numRuns(30) }
/** No single decode of these small inputs may take longer (a hang shows up as a timeout). */
const SLOW_MS = 2000

type Result =
  | ReturnType<typeof safetensors.decodeFlat>
  | ReturnType<typeof safetensors.decode>
  | ReturnType<typeof safetensors.decodeAs>

/** What `decodeAs` reads a file against when the test has no tree of its own. */
const PROBE: T.Tree = { w: T.zeros([2]), layers: [{ b: T.zeros([1], 'i32') }] }

/**
 * Runs the three decoders (`decodeAs` against `template`); none may throw or be slow, and a Left
 * must be a well-formed DecodeError.
 */
const decodeBoth = (
  bytes: Uint8Array,
  template: T.Tree = PROBE,
): {
  flat: ReturnType<typeof safetensors.decodeFlat>
  tree: ReturnType<typeof safetensors.decode>
  as: ReturnType<typeof safetensors.decodeAs>
} => {
  const t0 = performance.now()
  const flat = safetensors.decodeFlat(bytes)
  const tree = safetensors.decode(bytes)
  const as = safetensors.decodeAs(bytes, template)
  expect(performance.now() - t0).toBeLessThan(SLOW_MS)
  for (const r of [flat, tree, as]) {
    if (r._tag === 'Left') {
      expect(r.left._tag).toBe('DecodeError')
      expect(typeof r.left.reason).toBe('string')
      expect(r.left.reason.length).toBeGreaterThan(0)
      if (r.left.path !== undefined) expect(r.left.path.length).toBeGreaterThan(0)
    }
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  return { flat, tree, as }
}

/** The Left of a decode that must fail. */
const leftOf = (r: Result): safetensors.DecodeError => {
  if (r._tag === 'Right') throw new Error('expected a Left, got a Right')
  return r.left
}

/** Tensor names (not the entry fields' names, so that a name is found in the header text by its quotes). */
const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/).filter((n) => n !== 'dtype' && n !== 'shape')
const leaf = fc
  .tuple(
    fc.constantFrom<T.DType>('f32', 'f64', 'i32', 'bool'),
    fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
  )
  .map(([dtype, shape]) => T.reshape(T.cast(T.add(T.arange(T.sizeOf(shape)), 1), dtype), shape))
/** A valid file of 1–3 non-empty tensors, the name of one of them, and the tree it holds. */
const valid = fc
  .uniqueArray(fc.tuple(name, leaf), { minLength: 1, maxLength: 3, selector: ([n]) => n })
  .chain((entries) =>
    fc.tuple(
      fc.constant(safetensors.encode(Object.fromEntries(entries))),
      fc.constantFrom(...entries.map(([n]) => n)),
      fc.constant(Object.fromEntries(entries) as T.Tree),
    ),
  )

/** The header object and data section of a file. */
const split = (bytes: Uint8Array): { header: Record<string, Record<string, unknown>>; data: Uint8Array } => {
  const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true)
  return {
    header: JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))),
    data: bytes.subarray(8 + n),
  }
}
/** A file from header text and data, the length prefix exact. */
const join = (text: string, data: Uint8Array, length?: bigint): Uint8Array => {
  const json = new TextEncoder().encode(text)
  const out = new Uint8Array(8 + json.length + data.length)
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(json.length), true)
  out.set(json, 8)
  out.set(data, 8 + json.length)
  return out
}

/** Header edits that make one tensor's entry wrong on its own. */
const entryEdit = fc.oneof(
  fc.record({
    field: fc.constant('dtype'),
    value: fc.oneof(fc.constantFrom('F16', 'BF16', 'I64', 'f32', '', 'X'), fc.integer(), fc.constant(null)),
  }),
  fc.record({
    field: fc.constant('shape'),
    value: fc.oneof(
      fc.constantFrom<unknown>(-1, 'shape', null, [1.5], [-1], [2 ** 53], ['2'], {}),
      fc.array(fc.integer({ min: 7, max: 9 }), { minLength: 3, maxLength: 3 }),
    ),
  }),
  fc.record({
    field: fc.constant('data_offsets'),
    value: fc.constantFrom<unknown>(
      'swap',
      'grow',
      'shrink',
      [0],
      [0, 1, 2],
      [-1, 0],
      [0.5, 1],
      [0, 2 ** 60],
      null,
    ),
  }),
)

describe('safetensors decoders under fuzzing', () => {
  test.prop([fc.uint8Array({ maxLength: 256 })], runs)('arbitrary bytes never throw', (bytes) => {
    decodeBoth(bytes)
  })

  test.prop([fc.uint8Array({ maxLength: 256 })], runs)(
    'decodeAs: arbitrary bytes are always a Left with a reason',
    (bytes) => {
      leftOf(decodeBoth(bytes).as)
    },
  )

  test.prop(
    [
      valid,
      fc.nat(),
      fc.constantFrom('truncate', 'flip', 'retemplate'),
      fc.constantFrom<T.DType>('f64', 'i32'),
    ],
    runs,
  )(
    "decodeAs against the file's tree: a truncated file or another template is a Left with a reason, a flipped byte a Left or the tree, never a throw",
    ([bytes, target, tree], at, how, dtype) => {
      if (how === 'truncate') leftOf(decodeBoth(bytes.slice(0, at % bytes.length), tree).as)
      else if (how === 'retemplate') {
        // The same file read against a tree that differs at `target` (a cast or an extra axis).
        const t = (tree as Record<string, T.Tensor>)[target]
        const other = t.dtype === dtype ? T.reshape(t, [...t.shape, 1]) : T.cast(t, dtype)
        const e = leftOf(decodeBoth(bytes, { ...(tree as object), [target]: other }).as)
        expect(e.path).toBe(target)
      } else {
        const copy = bytes.slice()
        copy[at % copy.length] ^= 1 + (at % 255)
        const { as } = decodeBoth(copy, tree)
        if (as._tag === 'Right') expect(T.treePaths(as.right)).toEqual(T.treePaths(tree))
      }
    },
  )

  test.prop([valid, fc.nat(), fc.constantFrom('truncate', 'flip')], runs)(
    'a truncated file is a Left; a flipped byte a Left or a decoded file, never a throw',
    ([bytes], at, how) => {
      if (how === 'truncate') {
        const { flat, tree } = decodeBoth(bytes.slice(0, at % bytes.length))
        leftOf(flat)
        leftOf(tree)
      } else {
        const copy = bytes.slice()
        copy[at % copy.length] ^= 1 + (at % 255)
        decodeBoth(copy)
      }
    },
  )

  test.prop([valid, entryEdit], runs)(
    'an entry with a wrong dtype, shape or offsets is a Left whose path names that tensor',
    ([bytes, target], { field, value }) => {
      const { header, data } = split(bytes)
      const entry = header[target]
      const [begin, end] = entry.data_offsets as [number, number]
      entry[field] =
        value === 'swap'
          ? [end, begin]
          : value === 'grow'
            ? [begin, end + 1]
            : value === 'shrink'
              ? [begin + 1, end]
              : value
      const { flat, tree, as } = decodeBoth(join(JSON.stringify(header), data))
      for (const r of [flat, tree]) expect(leftOf(r).path).toContain(`header.${target}`)
      leftOf(as)
    },
  )

  test.prop([valid, fc.bigInt({ min: 1n, max: 2n ** 64n - 1n })], runs)(
    'a header length past the file is a Left at the header length, decided without reading it',
    ([bytes], extra) => {
      const { header, data } = split(bytes)
      const text = JSON.stringify(header)
      const length = BigInt(text.length + data.length) + extra
      if (length >= 2n ** 64n) return
      const { flat, tree } = decodeBoth(join(text, data, length))
      for (const r of [flat, tree]) expect(leftOf(r).path).toBe('header length')
    },
  )

  test.prop(
    [
      fc.oneof(
        fc.jsonValue().filter((j) => typeof j !== 'object' || j === null || Array.isArray(j)),
        fc.integer({ min: 1, max: 6000 }).map((d) => '['.repeat(d) + ']'.repeat(d)),
        fc.string().map((s) => `{"a":${s}`),
      ),
      fc.uint8Array({ maxLength: 16 }),
    ],
    runs,
  )(
    'a header that is not a JSON object is a Left at the header (or at the field it breaks off in)',
    (header, data) => {
      const text = typeof header === 'string' && /^[[{]/.test(header) ? header : JSON.stringify(header)
      const { flat, tree } = decodeBoth(join(text, data))
      for (const r of [flat, tree]) expect(leftOf(r).path).toMatch(/^header($|\.)/)
    },
  )

  test.prop(
    [valid, fc.constantFrom('__proto__', 'constructor', 'a.__proto__', 'toString', '__proto__.polluted')],
    runs,
  )(
    'reserved names never touch prototypes: decodeFlat keeps them as own keys, decode names them in a Left',
    ([bytes, target], reserved) => {
      const { header, data } = split(bytes)
      const text = JSON.stringify(header).replace(JSON.stringify(target), JSON.stringify(reserved))
      const { flat, tree } = decodeBoth(join(text, data))
      if (flat._tag === 'Right') {
        expect(Object.hasOwn(flat.right.tensors, reserved)).toBe(true)
        expect(Object.getPrototypeOf(flat.right.tensors)).toBe(Object.prototype)
      }
      expect(leftOf(tree).path).toContain(reserved)
    },
  )

  test.prop([valid, fc.boolean()], runs)(
    'a duplicate key (the last one wins, as JSON.parse reads it) never throws, and a mismatched one is a Left naming it',
    ([bytes, target], same) => {
      const { header, data } = split(bytes)
      const entry = header[target]
      const [begin, end] = entry.data_offsets as [number, number]
      const twin = same ? entry : { ...entry, data_offsets: [begin, end + 8] }
      const text = `${JSON.stringify(header).slice(0, -1)},${JSON.stringify(target)}:${JSON.stringify(twin)}}`
      const { flat, tree } = decodeBoth(join(text, data))
      if (same) expect(flat._tag).toBe('Right')
      else for (const r of [flat, tree]) expect(leftOf(r).path).toContain(`header.${target}`)
    },
  )
})
