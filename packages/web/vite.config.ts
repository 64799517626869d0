import { defineConfig } from 'vite'

/**
 * The static site: relative asset paths (`base: './'`), so `dist/` works from any folder of any
 * static server; the WebAssembly kernels are emitted as files beside the scripts, never inlined,
 * and nothing is fetched from another origin.
 */
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 4096,
    target: 'es2022',
  },
  worker: { format: 'es' },
  // `vite preview` (npm run web): RECURRENT_ISOLATED=1 serves the page cross-origin isolated, so
  // the WebAssembly kernels get shared memory and a second thread.
  preview: {
    host: '127.0.0.1',
    headers:
      process.env.RECURRENT_ISOLATED === '1'
        ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' }
        : {},
  },
})
