import { defineConfig } from 'vitest/config'

/** The default suite: Node only. The PyTorch round trip has its own config (vitest.torch.config.ts). */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
  },
})
