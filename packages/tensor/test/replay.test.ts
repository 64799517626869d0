/**
 * A reported seed replays: the kit applies FC_SEED (and FC_PATH) to fast-check's global
 * configuration, so two fresh processes with the same seed see the same cases, and the seed and
 * path of a failure reproduce its counterexample at once.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { replayFromEnv } from './kit.ts'

const cwd = fileURLToPath(new URL('..', import.meta.url))
const script = fileURLToPath(new URL('fixtures/replay.ts', import.meta.url))

interface Run {
  seed: number
  path: string | null
  first: number[][]
  counterexample?: number[][]
}
const run = (env: Record<string, string>): Run => {
  const { FC_SEED: _, FC_PATH: __, FC_NUM_RUNS: ___, ...rest } = process.env
  const out = execFileSync(process.execPath, ['--import', 'tsx', script], {
    cwd,
    env: { ...rest, ...env },
    encoding: 'utf8',
  })
  return JSON.parse(out.trim().split('\n').pop() ?? '')
}

describe('replaying a property from FC_SEED and FC_PATH', () => {
  it('reads the seed and path from the environment and rejects malformed ones', () => {
    expect(replayFromEnv({})).toEqual({})
    expect(replayFromEnv({ FC_SEED: ' -1734 ', FC_PATH: '3:1:0' })).toEqual({ seed: -1734, path: '3:1:0' })
    expect(() => replayFromEnv({ FC_SEED: '12ab' })).toThrow('FC_SEED must be an integer, got "12ab"')
    expect(() => replayFromEnv({ FC_PATH: '3;1' })).toThrow('FC_PATH must look like 3:1:0')
  })

  it('two processes with one seed see the same cases and the same counterexample; the path replays it', () => {
    const a = run({ FC_SEED: '424242' })
    const b = run({ FC_SEED: '424242' })
    expect(a.seed).toBe(424242)
    expect(b).toEqual(a)
    expect(run({ FC_SEED: '424243' }).first).not.toEqual(a.first)
    expect(a.path).not.toBeNull()
    const replay = run({ FC_SEED: '424242', FC_PATH: a.path ?? '' })
    expect(replay.first[0]).toEqual(a.counterexample?.[0])
    expect(replay.counterexample).toEqual(a.counterexample)
  }, 120_000)
})
