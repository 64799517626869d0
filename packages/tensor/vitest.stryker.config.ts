/**
 * The suite as Stryker runs it, from a copy of this package at
 * `packages/tensor/.stryker-tmp/sandbox-<id>/` (see docs/verification.md). The tests import sibling
 * packages by path (`../../testkit/src/index.ts`), which from the copy would point inside
 * `.stryker-tmp`, so such paths go back to the real packages folder; and those siblings import
 * `@recurrent/tensor` by name, which goes to the copy, so that every test sees the mutated code.
 */
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

const here = dirname(fileURLToPath(import.meta.url))
const packages = resolve(here, '../../..')

export default defineConfig({
  resolve: {
    alias: [
      { find: /^\.\.\/\.\.\/(\w+)\/src\//, replacement: `${packages}/$1/src/` },
      { find: /^@recurrent\/tensor$/, replacement: resolve(here, 'src/index.ts') },
    ],
  },
  // The two suites that start fresh Node processes (replay, dispatch) resolve the copy's
  // relative imports from outside the sandbox; they test seeds and determinism, not the glue.
  test: { include: ['test/**/*.test.ts'], exclude: ['test/replay.test.ts', 'test/dispatch.test.ts'] },
})
