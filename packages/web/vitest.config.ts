import { defineConfig } from 'vitest/config'

/** The default suite: Node only (the built site's files). The browser suite has its own config. */
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
  },
})
