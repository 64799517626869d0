import { defineConfig } from 'vitest/config'

// The headless-GL suite: run under `xvfb-run -a` once `pnpm --filter @recurrent/gpu build:gl` has
// built gpu.js's native `gl` binding. Mesa's llvmpipe compiles every shape, so shapes are few.
export default defineConfig({ test: { include: ['gl/**/*.test.ts'], testTimeout: 120_000 } })
