import { defineConfig } from 'vitest/config'

/**
 * The handoff to a real PyTorch and back (`npm run test:torch`): spawns /usr/bin/python3 with
 * torch, so CI runs it only after installing python3-torch. Not part of the default suite.
 */
export default defineConfig({
  test: {
    include: ['torch-handoff/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 120_000,
  },
})
