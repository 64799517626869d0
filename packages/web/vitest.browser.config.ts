import { defineConfig } from 'vitest/config'

/**
 * The browser suite (`npm run test:browser` in this package): the built site in Debian's
 * `chromium`, headless, driven by puppeteer-core through its executable path (no browser is
 * downloaded). CI runs it after installing chromium; it is not part of the default suite.
 */
export default defineConfig({
  test: {
    include: ['browser/**/*.test.ts'],
    testTimeout: 600_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
})
