import { defineConfig } from 'vitest/config'

/** The default suite: Node only. The handoff to a real PyTorch has its own config (vitest.torch.config.ts). */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
  },
})
