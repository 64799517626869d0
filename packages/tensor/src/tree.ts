/**
 * Pytrees: nested arrays and plain objects whose leaves are tensors (Equinox/JAX style). A
 * model's parameters, gradients and optimiser state are all pytrees of one structure. Other
 * values (numbers, strings, PRNG keys, null) are static: kept as they are, never leaves.
 *
 * One path format is shared by gradient-check reports, safetensors names and optimiser state:
 * object keys and array indices joined by dots, e.g. `layers.0.W_ih`.
 */
import { ArgumentError } from './errors.ts'
import { isTensor, type Tensor } from './tensor.ts'

/** A tensor, or arrays and plain objects of trees; anything else is a static value. */
export type Tree =
  | Tensor
  | readonly Tree[]
  | { readonly [key: string]: Tree }
  | number
  | string
  | boolean
  | null
  | undefined
  | object

const isContainer = (x: unknown): x is readonly unknown[] | Record<string, unknown> => {
  if (Array.isArray(x)) return true
  if (x === null || typeof x !== 'object' || isTensor(x)) return false
  const proto = Object.getPrototypeOf(x)
  return (proto === Object.prototype || proto === null) && (x as { kind?: unknown }).kind !== 'Key'
}

const join = (path: string, k: string | number): string => (path === '' ? String(k) : `${path}.${k}`)

const visit = (tree: unknown, path: string, onLeaf: (t: Tensor, path: string) => void): void => {
  if (isTensor(tree)) onLeaf(tree, path)
  else if (Array.isArray(tree)) tree.forEach((t, i) => visit(t, join(path, i), onLeaf))
  else if (isContainer(tree))
    for (const k of Object.keys(tree)) visit((tree as Record<string, unknown>)[k], join(path, k), onLeaf)
}

/**
 * The tensor leaves in a fixed order (array index order, object key order).
 *
 * @example
 * const params = { W: T.zeros([2, 2]), layers: [{ b: T.zeros([2]) }], name: 'elman' }
 * assert.strictEqual(T.treeLeaves(params).length, 2)
 */
export const treeLeaves = (tree: Tree): Tensor[] => {
  const out: Tensor[] = []
  visit(tree, '', (t) => out.push(t))
  return out
}

/**
 * The path of each leaf, in `treeLeaves` order.
 *
 * @example
 * assert.deepStrictEqual(T.treePaths({ layers: [{ W_ih: T.zeros([1]) }] }), ['layers.0.W_ih'])
 */
export const treePaths = (tree: Tree): string[] => {
  const out: string[] = []
  visit(tree, '', (_, p) => out.push(p))
  return out
}

/** Rebuilds `tree` with each tensor leaf replaced by `f(leaf, path)`; statics are kept. */
const rebuild = (tree: unknown, path: string, f: (t: Tensor, path: string) => unknown): unknown => {
  if (isTensor(tree)) return f(tree, path)
  if (Array.isArray(tree)) return tree.map((t, i) => rebuild(t, join(path, i), f))
  if (isContainer(tree)) {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(tree))
      out[k] = rebuild((tree as Record<string, unknown>)[k], join(path, k), f)
    return out
  }
  return tree
}

/**
 * Applies `f` to every tensor leaf, keeping the structure (statics unchanged).
 *
 * @example
 * const doubled = T.treeMap({ a: T.tensor([1]) }, (t) => T.mul(t, 2))
 * assert.deepStrictEqual(T.toArray(doubled.a), [2])
 */
export const treeMap = <A extends Tree>(tree: A, f: (leaf: Tensor, path: string) => Tensor): A =>
  rebuild(tree, '', f) as A

/**
 * Applies `f` to corresponding leaves of several trees of one structure (e.g. params, grads and
 * optimiser moments), with the first tree's structure. A mismatch names the path.
 */
export const treeMapN = <A extends Tree>(
  trees: readonly [A, ...Tree[]],
  f: (leaves: Tensor[], path: string) => Tensor,
): A => {
  const [first, ...rest] = trees
  const leaves = rest.map((t) => treeFlatten(t))
  const n = treeLeaves(first).length
  leaves.forEach((l, j) => {
    if (l.leaves.length !== n) {
      throw new ArgumentError(`treeMapN: tree ${j + 1} has ${l.leaves.length} leaves, tree 0 has ${n}`)
    }
  })
  let i = 0
  return rebuild(first, '', (t, path) => {
    const others = leaves.map((l, j) => {
      if (l.paths[i] !== path)
        throw new ArgumentError(`treeMapN: tree ${j + 1} has leaf ${l.paths[i]} where tree 0 has ${path}`)
      return l.leaves[i]
    })
    i++
    return f([t, ...others], path)
  }) as A
}

/** The leaves, their paths, and the inverse that puts new leaves into the same structure. */
export const treeFlatten = <A extends Tree>(
  tree: A,
): { leaves: Tensor[]; paths: string[]; unflatten: (leaves: readonly Tensor[]) => A } => {
  const leaves: Tensor[] = []
  const paths: string[] = []
  visit(tree, '', (t, p) => {
    leaves.push(t)
    paths.push(p)
  })
  const unflatten = (next: readonly Tensor[]): A => {
    if (next.length !== leaves.length)
      throw new ArgumentError(`treeFlatten: expected ${leaves.length} leaves, got ${next.length}`)
    let i = 0
    return rebuild(tree, '', () => next[i++]) as A
  }
  return { leaves, paths, unflatten }
}

/**
 * Builds a tree from `path → tensor` entries: dotted paths become nested objects, and an object
 * whose keys are exactly `0 … n−1` becomes an array. The inverse of `treePaths`.
 */
export const treeFromPaths = (entries: Iterable<readonly [string, Tensor]>): Tree => {
  // Null-prototype nodes and own-property checks: a name such as `__proto__.x` from a file
  // can neither pollute Object.prototype nor collide with inherited names like `toString`.
  const root: Record<string, unknown> = Object.create(null)
  for (const [path, t] of entries) {
    const parts = path.split('.')
    let node = root
    parts.forEach((p, i) => {
      if (i === parts.length - 1) {
        if (Object.hasOwn(node, p))
          throw new ArgumentError(`treeFromPaths: path ${path} is given twice or is also a prefix`)
        node[p] = t
      } else {
        const next = Object.hasOwn(node, p) ? node[p] : undefined
        if (next === undefined) node[p] = Object.create(null)
        else if (isTensor(next))
          throw new ArgumentError(
            `treeFromPaths: ${parts.slice(0, i + 1).join('.')} is both a leaf and a prefix`,
          )
        node = node[p] as Record<string, unknown>
      }
    })
  }
  const arrays = (x: unknown): unknown => {
    if (isTensor(x)) return x
    const obj = x as Record<string, unknown>
    const keys = Object.keys(obj)
    const mapped: Record<string, unknown> = {}
    for (const k of keys)
      Object.defineProperty(mapped, k, {
        value: arrays(obj[k]),
        enumerable: true,
        writable: true,
        configurable: true,
      })
    const isArray =
      keys.length > 0 && keys.every((k, i) => k === String(i)) && keys.length === new Set(keys).size
    return isArray ? keys.map((k) => mapped[k]) : mapped
  }
  return arrays(root) as Tree
}
