/**
 * The suite as Stryker runs it, from a copy of this package at
 * `packages/autograd/.stryker-tmp/sandbox-<id>/` (see docs/verification.md). The tests import sibling
 * packages by path (`../../testkit/src/index.ts`), which from the copy would point inside
 * `.stryker-tmp`, so such paths go back to the real packages folder; and those siblings import
 * `@recurrent/autograd` by name, which goes to the copy, so that every test sees the mutated code.
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
      { find: /^@recurrent\/autograd$/, replacement: resolve(here, 'src/index.ts') },
    ],
  },
  test: { include: ['test/**/*.test.ts'] },
})
