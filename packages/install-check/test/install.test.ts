/**
 * The libraries as a user gets them: each package packed (`pnpm pack`, which turns `workspace:*`
 * into versions and swaps in the published `exports` that point at `dist/`), the tarballs
 * installed with npm into a fresh project outside this repository, and there, under plain `node`
 * (no TypeScript loader), the README's example run and a consumer file typechecked under `strict`.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../..', import.meta.url))
/** The library packages a user installs (gpu.js's own install pulls a native build and WebGPU binaries; see docs/gpu.md). */
const LIBRARIES = ['tensor', 'autograd', 'cells', 'losses', 'optim', 'testkit'] as const
/** Library packages must not import Node built-ins statically, so a bundler can build them for a browser. */
const NODE_ONLY = new Set(['testkit'])

const run = (command: string, args: readonly string[], cwd: string): string =>
  execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 26,
  })

/** The first ```js block under the README heading `## Use it from your own code`. */
const readmeExample = (readme: string): string => {
  const section = readme.split(/^## Use it from your own code$/m)[1]
  if (section === undefined) throw new Error('README.md has no "## Use it from your own code" section')
  const block = /```js\n([\s\S]*?)```/.exec(section.split(/^## /m)[0])
  if (block === null) throw new Error('the README section "Use it from your own code" has no ```js block')
  return block[1]
}

let work = ''
let app = ''

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'recurrent-install-'))
  const tarballs = join(work, 'tarballs')
  mkdirSync(tarballs)
  for (const p of LIBRARIES)
    run('npx', ['-y', 'pnpm@12.4.2', 'pack', '--pack-destination', tarballs], join(root, 'packages', p))
  app = join(work, 'app')
  mkdirSync(app)
  const files = readdirSync(tarballs)
  const dependencies: Record<string, string> = { 'fast-check': '4.10.2' }
  for (const p of LIBRARIES) {
    const file = files.find((f) => f.startsWith(`recurrent-${p}-`))
    if (file === undefined) throw new Error(`pnpm pack wrote no tarball for @recurrent/${p}`)
    dependencies[`@recurrent/${p}`] = `file:../tarballs/${file}`
  }
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'app', private: true, type: 'module', dependencies }, null, 2),
  )
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], app)
}, 300_000)

afterAll(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true })
})

describe('installed from packed tarballs', () => {
  it('ships built JavaScript and declarations, the wasm kernel and its worker, and no sources', () => {
    for (const p of LIBRARIES) {
      const dir = join(app, 'node_modules', '@recurrent', p)
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
      expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' })
      expect(pkg.license).toBe('MIT')
      expect(existsSync(join(dir, 'dist', 'index.js')) && existsSync(join(dir, 'dist', 'index.d.ts'))).toBe(
        true,
      )
      expect(existsSync(join(dir, 'src'))).toBe(false)
      for (const dep of Object.values<string>(pkg.dependencies ?? {})) expect(dep).not.toMatch(/^workspace:/)
      if (!NODE_ONLY.has(p)) {
        for (const f of readdirSync(join(dir, 'dist')).filter((f) => f.endsWith('.js')))
          expect(readFileSync(join(dir, 'dist', f), 'utf8'), `@recurrent/${p}/dist/${f}`).not.toMatch(
            /from ['"]node:|require\(['"]node:/,
          )
      }
    }
    // The test stack stays behind the laws subpath: nothing else in cells reaches fast-check.
    const cells = join(app, 'node_modules', '@recurrent', 'cells', 'dist')
    for (const f of readdirSync(cells).filter((f) => f.endsWith('.js') && f !== 'laws.js'))
      expect(readFileSync(join(cells, f), 'utf8'), `@recurrent/cells/dist/${f}`).not.toMatch(
        /from ['"](fast-check|@recurrent\/testkit|\.\/laws\.js)['"]/,
      )
    const tensor = join(app, 'node_modules', '@recurrent', 'tensor', 'dist')
    expect(existsSync(join(tensor, 'kernels.wasm')) && existsSync(join(tensor, 'matmul-worker.mjs'))).toBe(
      true,
    )
  })

  it("runs the README's example under plain node: trains an LSTM, saves and reloads a checkpoint", () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    writeFileSync(join(app, 'example.mjs'), readmeExample(readme))
    const out = run(process.execPath, ['example.mjs'], app)
    expect(out).toMatch(/loss .* → .*/)
    expect(existsSync(join(app, 'model.safetensors'))).toBe(true)
  })

  it('runs the WebAssembly kernel with its worker thread from the installed package', () => {
    const script = `import * as T from '@recurrent/tensor'
const info = T.backends().find((b) => b.name === 'wasm')
if (!info || !info.available) throw new Error('wasm unavailable: ' + (info && info.reason))
const a = T.uniform(T.key(1), [256, 256]), b = T.uniform(T.key(2), [256, 256])
const fast = T.withBackend(T.wasm, () => T.matmul(a, b))
const slow = T.withBackend(T.reference, () => T.matmul(a, b))
const gap = T.item(T.max(T.abs(T.sub(fast, slow))))
if (!(gap < 1e-3)) throw new Error('wasm and reference differ by ' + gap)
console.log('threads', T.wasmThreads())
`
    writeFileSync(join(app, 'wasm.mjs'), script)
    expect(run(process.execPath, ['wasm.mjs'], app)).toMatch(/threads \d/)
  })

  it('typechecks a consumer file under strict, with no DOM or Node types needed', () => {
    writeFileSync(
      join(app, 'consumer.ts'),
      readFileSync(fileURLToPath(new URL('./consumer.ts.txt', import.meta.url)), 'utf8'),
    )
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2023'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: [],
        },
        include: ['consumer.ts'],
      }),
    )
    const tsc = join(root, 'packages', 'install-check', 'node_modules', '.bin', 'tsc')
    let output = ''
    try {
      output = run(tsc, ['-p', '.'], app)
    } catch (e) {
      output = String((e as { stdout?: string }).stdout ?? e)
    }
    expect(output).toBe('')
  })
})
