/**
 * The built site (`dist/`, from `vite build`) as files: it works from any folder of any static
 * server (relative asset paths only), carries both builds of the WebAssembly kernels and the
 * second thread's script, and refers to nothing on another origin. The page itself runs in the
 * browser suite (`browser/`, chromium).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const DIST = fileURLToPath(new URL('../dist/', import.meta.url))

describe('dist/', () => {
  const assets = existsSync(join(DIST, 'assets')) ? readdirSync(join(DIST, 'assets')) : []
  const html = readFileSync(join(DIST, 'index.html'), 'utf8')

  it('index.html loads its script and style by relative paths', () => {
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1])
    expect(refs.some((r) => /^\.\/assets\/index-[\w-]+\.js$/.test(r))).toBe(true)
    for (const r of refs) expect(r.startsWith('./') || r.startsWith('data:')).toBe(true)
  })

  it('carries the WebAssembly kernels (shared and unshared memory), the engine worker and the second thread’s script', () => {
    for (const name of [
      /^kernels-[\w-]+\.wasm$/,
      /^kernels-single-[\w-]+\.wasm$/,
      /^engine-[\w-]+\.js$/,
      /^matmul-worker-web-[\w-]+\.mjs$/,
    ])
      expect(assets.some((a) => name.test(a))).toBe(true)
    const wasm = assets.filter((a) => a.endsWith('.wasm')).map((a) => readFileSync(join(DIST, 'assets', a)))
    for (const bytes of wasm) expect([...bytes.subarray(0, 4)]).toEqual([0, 0x61, 0x73, 0x6d])
  })

  it('refers to no other origin: no http(s) address is loaded by the scripts', () => {
    for (const a of assets.filter((x) => /\.(js|mjs|css)$/.test(x))) {
      const text = readFileSync(join(DIST, 'assets', a), 'utf8')
      // Addresses may appear in strings (licences, schema names); none is fetched or imported.
      expect(text).not.toMatch(/import\s*\(?\s*["']https?:/)
      expect(text).not.toMatch(/fetch\(\s*["']https?:/)
      expect(text).not.toMatch(/importScripts\(\s*["']https?:/)
    }
    expect(html).not.toMatch(/(?:src|href)="https?:/)
  })
})
