import { defineConfig } from 'vitest/config'

// The default suite needs only Node (gpu.js's cpu and webasm modes); gl/ holds the headless-GL
// suite, which .ci/run runs under Xvfb after building the native binding (vitest.gl.config.ts).
export default defineConfig({ test: { include: ['test/**/*.test.ts'] } })
