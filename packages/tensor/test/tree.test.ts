import { fc, test } from '@fast-check/vitest'
import { describe, expect, it } from 'vitest'
import * as T from '../src/index.ts'
import { identical, numRuns, pytree } from './kit.ts'

const runs = { numRuns: numRuns() }

describe('pytrees', () => {
  test.prop([pytree()], runs)('flatten then unflatten rebuilds the tree; paths align with leaves', (tree) => {
    const { leaves, paths, unflatten } = T.treeFlatten(tree)
    expect(paths).toEqual(T.treePaths(tree))
    expect(T.treeLeaves(unflatten(leaves)).every((t, i) => t === leaves[i])).toBe(true)
    expect(new Set(paths).size).toBe(paths.length)
  })
  test.prop([pytree()], runs)('treeFromPaths inverts treePaths for container trees', (tree) => {
    fc.pre(!T.isTensor(tree))
    const { leaves, paths } = T.treeFlatten(tree)
    fc.pre(leaves.length > 0 && T.treeLeaves(tree).length === paths.length)
    const rebuilt = T.treeFromPaths(paths.map((p, i) => [p, leaves[i]] as const))
    expect(T.treePaths(rebuilt)).toEqual(paths)
  })
  test.prop([pytree()], runs)('treeMap keeps the structure and applies f to every leaf', (tree) => {
    const doubled = T.treeMap(tree, (t) => T.mul(t, 2))
    expect(T.treePaths(doubled)).toEqual(T.treePaths(tree))
    T.treeLeaves(doubled).forEach((t, i) => expect(identical(t, T.mul(T.treeLeaves(tree)[i], 2))).toBe(true))
  })
  it('keeps statics and PRNG keys; names paths by the one format', () => {
    const k = T.key(1)
    const tree = { layers: [{ W_ih: T.zeros([1]) }], name: 'lstm', key: k }
    expect(T.treePaths(tree)).toEqual(['layers.0.W_ih'])
    const mapped = T.treeMap(tree, (t) => t)
    expect(mapped.key).toBe(k)
    expect(mapped.name).toBe('lstm')
  })
  it('treeMapN zips trees of one structure and names a mismatch', () => {
    const a = { w: T.tensor([1]), b: T.tensor([2]) }
    const sum = T.treeMapN([a, a], ([x, y]) => T.add(x, y))
    expect(T.toArray(sum.b)).toEqual([4])
    expect(() => T.treeMapN([a, { w: T.tensor([1]) }], ([x]) => x)).toThrow(T.ArgumentError)
    expect(() => T.treeMapN([a, { w: T.tensor([1]), c: T.tensor([1]) }], ([x]) => x)).toThrow(
      'tree 1 has leaf c where tree 0 has b',
    )
  })
  it('treeFromPaths rejects a path that is both a leaf and a prefix', () => {
    expect(() =>
      T.treeFromPaths([
        ['a', T.zeros([1])],
        ['a.b', T.zeros([1])],
      ]),
    ).toThrow(T.ArgumentError)
  })
})

describe('treeFromPaths with hostile names', () => {
  it('neither pollutes Object.prototype nor collides with inherited names', () => {
    const tree = T.treeFromPaths([
      ['__proto__.x', T.zeros([1])],
      ['toString', T.zeros([1])],
      ['constructor.prototype.y', T.zeros([1])],
    ])
    expect(({} as Record<string, unknown>).x).toBeUndefined()
    expect(({} as Record<string, unknown>).y).toBeUndefined()
    expect(T.treePaths(tree).sort()).toEqual(['__proto__.x', 'constructor.prototype.y', 'toString'])
  })
})
