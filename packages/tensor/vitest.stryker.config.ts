/**
 * The suite as Stryker runs it, from a copy of this package at
 * `packages/tensor/.stryker-tmp/sandbox-<id>/` (see docs/verification.md). The tests import sibling
 * packages by path (`../../testkit/src/index.ts`), which from the copy would point inside
 * `.stryker-tmp`, so such paths go back to the real packages folder; and those siblings import
 * `@recurrent/tensor` and `@recurrent/tensor/internal` by name, which go to the copy, so that
 * every test sees the mutated code and one instance of each module (autograd's tracer included).
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
      { find: /^@recurrent\/tensor\/internal$/, replacement: resolve(here, 'src/internal.ts') },
    ],
  },
  // Only the suites whose subject is the WebAssembly glue (`src/wasm.ts`, `src/wasm-recurrence.ts`):
  // the matmul provider against the reference kernels (tile edges, transposes, batches, the second
  // thread, dispatch) and its gradients; the vectorised functions; the recurrences against their
  // f64 definition in tensor ops, forward and backward; fused products on the wasm provider. Every
  // other suite reaches the glue only through `T.auto` sending some f32 products to it, states
  // laws that hold on any provider, and would be reloaded for every mutant that such a product
  // covers: with all of them a mutant costs about a minute here, with these a few seconds. (The
  // two suites that start fresh Node processes, replay and dispatch, could not run from the
  // sandbox anyway: they resolve the copy's relative imports from outside it.)
  test: {
    // wasm.test.ts, wasm-recurrence.test.ts, wasm-*-mutants.test.ts; activations.test.ts
    include: ['test/wasm*.test.ts', 'test/activations.test.ts'],
  },
})
