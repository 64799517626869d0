/**
 * Which gpu.js modes can run here, and for each one that cannot, why (docs/design.md#backend-seam: `backends()`
 * lists the providers available here and, for each one that is not, why).
 */
import { type BoundaryError, boundaryError } from '@recurrent/tensor'
import { GPU } from 'gpu.js'

/** The gpu.js modes: GLSL on a headless GL context or a browser's WebGL, WebGPU, WebAssembly, plain JS. */
export const MODES = ['headlessgl', 'webgl2', 'webgl', 'webgpu', 'webasm', 'cpu'] as const
export type Mode = (typeof MODES)[number]

/**
 * A mode that cannot run here, and why: a `BoundaryError` (docs/design.md#errors) that also carries the
 * mode it is about.
 *
 * @example
 * const r = gpujs({ mode: 'webgl2' })
 * assert.strictEqual(r._tag, 'Left')
 * assert.deepStrictEqual(Object.keys(r.left), ['_tag', 'reason', 'mode'])
 * assert.strictEqual(T.showBoundaryError(r.left), `Unavailable: ${r.left.reason}`)
 */
export interface Unavailable extends BoundaryError<'Unavailable'> {
  readonly mode: string
}

/** The `Left` of a mode that cannot run here. */
export const unavailable = (mode: string, reason: string): Unavailable => ({
  ...boundaryError('Unavailable', reason),
  mode,
})

/**
 * `require` from gpu.js's own folder (where its optional `gl` and `webgpu` live), in Node only:
 * Node's built-ins are reached through `process.getBuiltinModule`, never a static `node:` import,
 * so a bundler building for a browser sees no Node module.
 */
const requireFromGpuJs = (): NodeJS.Require | undefined => {
  const get = (globalThis as { process?: { getBuiltinModule?: NodeJS.Process['getBuiltinModule'] } }).process
    ?.getBuiltinModule
  if (typeof get !== 'function') return undefined
  const { createRequire } = get('node:module') as typeof import('node:module')
  return createRequire(createRequire(import.meta.url).resolve('gpu.js'))
}

/** Whether this is a browser page or worker (it has `navigator` and no Node `process`). */
const inBrowser = (): boolean => typeof navigator !== 'undefined' && requireFromGpuJs() === undefined

/** Why the native `gl` binding cannot give a context, or undefined when it can. */
const headlessGlProblem = (): string | undefined => {
  const require = requireFromGpuJs()
  if (require === undefined) return 'headless GL is a Node binding; in a browser use webgl2 or webgl'
  let gl: (w: number, h: number) => unknown
  try {
    gl = require('gl') as typeof gl
  } catch {
    return 'the native `gl` module is not built (it needs X development packages; run `pnpm --filter @recurrent/gpu build:gl`)'
  }
  if (!process.env.DISPLAY) return 'no X display for the GL context (run under `xvfb-run -a`)'
  if (gl(1, 1) === null) return `the GL context could not be created on display ${process.env.DISPLAY}`
  return undefined
}

/** The glibc this process runs on, from the diagnostic report. */
const glibc = (): string | undefined =>
  (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header
    ?.glibcVersionRuntime

const webgpuProblem = (): string => {
  const require = requireFromGpuJs()
  if (require === undefined) return 'gpu.js runs WebGPU only in Node with the `webgpu` package'
  try {
    require.resolve('webgpu')
  } catch {
    const version = glibc()
    return `the \`webgpu\` package is not installed: its prebuilt Dawn binary needs glibc ≥ 2.38 and GLIBCXX_3.4.32${version ? `, this machine has glibc ${version}` : ''}; and Node has no navigator.gpu adapter`
  }
  return 'no WebGPU adapter (navigator.gpu) in this Node process'
}

/**
 * Every mode, available or with the reason it is not.
 *
 * @example
 * const cpu = gpuModes().find((m) => m.mode === 'cpu')
 * assert.strictEqual(cpu.available, true)
 */
export const gpuModes = (): (
  | { mode: Mode; available: true }
  | { mode: Mode; available: false; reason: string }
)[] =>
  MODES.map((mode) => {
    const reason = modeProblem(mode)
    return reason === undefined
      ? { mode, available: true as const }
      : { mode, available: false as const, reason }
  })

/** Why `mode` cannot run here, or undefined when it can. */
export const modeProblem = (mode: string): string | undefined => {
  switch (mode) {
    case 'cpu':
      return undefined
    case 'webasm':
      return GPU.isWebAssemblySupported ? undefined : 'WebAssembly is not supported here'
    case 'headlessgl':
      return headlessGlProblem()
    case 'webgl':
    case 'webgl2':
      if (!inBrowser()) return `${mode} needs a browser's canvas context; Node has none (use headlessgl)`
      return (mode === 'webgl2' ? GPU.isWebGL2Supported : GPU.isWebGLSupported)
        ? undefined
        : `this browser gives no ${mode === 'webgl2' ? 'WebGL2' : 'WebGL'} context (a page can still use webasm or cpu)`
    case 'webgpu':
      return webgpuProblem()
    default:
      return `unknown mode ${JSON.stringify(mode)} (expected one of ${MODES.join(', ')})`
  }
}
