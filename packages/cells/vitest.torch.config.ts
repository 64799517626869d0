import { defineConfig } from 'vitest/config'

/**
 * The round trip with a real PyTorch (`npm run test:torch`): spawns /usr/bin/python3 with torch,
 * so CI runs it only after installing python3-torch. Not part of the default suite.
 */
export default defineConfig({
  test: {
    include: ['torch-roundtrip/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
