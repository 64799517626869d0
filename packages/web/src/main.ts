/**
 * The page: the lecture's live experiments beside their text. Training runs in the engine worker
 * (`engine.ts`); the page draws what it reports. `?selftest=1` runs the browser check without
 * interaction (see `selftest.ts` for the contract).
 */
import { LSTM_TOY_INPUTS, runLstmToy } from '@recurrent/tasks'
import * as vega from 'vega'
import { compile, type TopLevelSpec } from 'vega-lite'
import { BACKENDS, type BackendChoice, type CurvePoint, type Reply, type Request } from './protocol.ts'
import { selftestOutcome } from './selftest.ts'

const $ = <E extends HTMLElement = HTMLElement>(id: string): E => {
  const e = document.getElementById(id)
  if (e === null) throw new Error(`the page has no #${id}`)
  return e as E
}

const engine = new Worker(new URL('./engine.ts', import.meta.url), { type: 'module' })
const ask = (request: Request): void => engine.postMessage(request)

/** Renders a Vega-Lite spec as SVG into a container, replacing what was there. */
const draw = async (id: string, spec: TopLevelSpec): Promise<void> => {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' })
  const svg = await view.toSVG()
  view.finalize()
  $(id).innerHTML = svg
}

/** At most one drawing in flight per plot; the latest request wins. */
const throttled = (id: string) => {
  let pending: TopLevelSpec | undefined
  let busy = false
  const next = async (): Promise<void> => {
    if (busy || pending === undefined) return
    const spec = pending
    pending = undefined
    busy = true
    try {
      await draw(id, spec)
    } finally {
      busy = false
      void next()
    }
  }
  return (spec: TopLevelSpec) => {
    pending = spec
    void next()
  }
}

const BACKEND_LABEL: Record<BackendChoice, string> = {
  webgl2: 'gpu.js on WebGL2',
  wasm: 'WebAssembly SIMD',
  reference: 'reference (TypeScript)',
}

// ---------------------------------------------------------------------------------------------
// §3.2: the LSTM toy, computed on the page as the student types.

/** The lecture's walk-through inputs (`LSTM_TOY_INPUTS`), a copy the student edits. */
const toyRows: number[][] = LSTM_TOY_INPUTS.walkthrough.map((row) => [...row])

/** A value to three decimals, without trailing zeros (−0 shows as 0). */
const fmt = (x: number): string => String(Number(x.toFixed(3)) + 0)

const renderToy = (): void => {
  const steps = runLstmToy(toyRows)
  const table = $('toy-table')
  const header = `<tr><th>step</th>${steps.map((_, t) => `<th>${t + 1}</th>`).join('')}</tr>`
  const inputs = ['x1', 'x2', 'x3']
    .map(
      (name, j) =>
        `<tr><th>${name}</th>${toyRows.map((r, t) => `<td><input type="number" step="any" data-t="${t}" data-j="${j}" value="${r[j]}"></td>`).join('')}</tr>`,
    )
    .join('')
  const row = (name: string, f: (s: (typeof steps)[number]) => number) =>
    `<tr><th>${name}</th>${steps.map((s) => `<td data-out="${name}">${fmt(f(s))}</td>`).join('')}</tr>`
  table.innerHTML =
    header +
    inputs +
    row('input gate', (s) => s.inputGate) +
    row('forget gate', (s) => s.forgetGate) +
    row('output gate', (s) => s.outputGate) +
    row('memory c', (s) => s.memory) +
    row('output y', (s) => s.output)
}

$('toy-table').addEventListener('input', (e) => {
  const input = e.target as HTMLInputElement
  const value = Number(input.value)
  if (input.value === '' || !Number.isFinite(value)) return
  toyRows[Number(input.dataset.t)][Number(input.dataset.j)] = value
  const steps = runLstmToy(toyRows)
  const cells = (name: string) => [...document.querySelectorAll<HTMLElement>(`[data-out="${name}"]`)]
  const update = (name: string, f: (s: (typeof steps)[number]) => number) =>
    cells(name).forEach((cell, t) => {
      cell.textContent = fmt(f(steps[t]))
    })
  update('input gate', (s) => s.inputGate)
  update('forget gate', (s) => s.forgetGate)
  update('output gate', (s) => s.outputGate)
  update('memory c', (s) => s.memory)
  update('output y', (s) => s.output)
})
renderToy()

// ---------------------------------------------------------------------------------------------
// The engine's replies.

const slotCurve: CurvePoint[] = []
/** What the page has measured, for checks from outside (the browser suite reads it). */
const measured: {
  ready?: Extract<Reply, { type: 'ready' }>
  slotCurve: CurvePoint[]
  bench?: Extract<Reply, { type: 'bench' }>['results']
  slotDone?: boolean
} = { slotCurve }
;(window as unknown as { recurrentPage: typeof measured }).recurrentPage = measured
const drawSlot = throttled('slot-plot')
const surfacePaths: Record<string, { step: number; w1: number; w2: number; loss: number }[]> = {}
let grid: Extract<Reply, { type: 'surface-grid' }> | undefined
const drawSurface = throttled('surface-plot')

const slotSpec = (): TopLevelSpec => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  width: 560,
  height: 220,
  data: { values: slotCurve },
  mark: { type: 'line', clip: true },
  encoding: {
    x: { field: 'step', type: 'quantitative', title: 'training step' },
    y: {
      field: 'loss',
      type: 'quantitative',
      title: 'loss (summed over each sentence)',
      scale: { type: 'log' },
    },
    color: { field: 'model', type: 'nominal', title: 'tagger' },
  },
})

/** Each grid point as a rectangle reaching halfway to its neighbours. */
const edges = (xs: readonly number[]): number[] =>
  xs
    .map((x, i) => (i === 0 ? x - (xs[1] - x) / 2 : (xs[i - 1] + x) / 2))
    .concat([xs.at(-1)! + (xs.at(-1)! - xs.at(-2)!) / 2])

const surfaceSpec = (): TopLevelSpec => {
  const cells: Record<string, number>[] = []
  if (grid !== undefined) {
    const e1 = edges(grid.w1s)
    const e2 = edges(grid.w2s)
    grid.w1s.forEach((_, i) =>
      grid!.w2s.forEach((_, j) =>
        cells.push({
          a1: e1[i],
          b1: e1[i + 1],
          a2: e2[j],
          b2: e2[j + 1],
          logLoss: Math.log10(Math.max(grid!.losses[i][j], 1e-12)),
        }),
      ),
    )
  }
  const domain1 = grid === undefined ? [0, 1] : [grid.w1s[0], grid.w1s.at(-1)!]
  const domain2 = grid === undefined ? [0, 1] : [grid.w2s[0], grid.w2s.at(-1)!]
  const paths = Object.entries(surfacePaths).flatMap(([run, points]) => points.map((p) => ({ run, ...p })))
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 420,
    height: 320,
    layer: [
      {
        data: { values: cells },
        mark: 'rect',
        encoding: {
          x: {
            field: 'a1',
            type: 'quantitative',
            title: 'w1 (recurrent weight)',
            scale: { domain: domain1 },
          },
          x2: { field: 'b1' },
          y: { field: 'a2', type: 'quantitative', title: 'w2 (input weight)', scale: { domain: domain2 } },
          y2: { field: 'b2' },
          color: {
            field: 'logLoss',
            type: 'quantitative',
            title: 'log10 loss',
            scale: { scheme: 'viridis' },
          },
        },
      },
      {
        data: { values: paths },
        mark: { type: 'line', point: true, clip: true },
        encoding: {
          x: { field: 'w1', type: 'quantitative' },
          y: { field: 'w2', type: 'quantitative' },
          order: { field: 'step' },
          stroke: { field: 'run', type: 'nominal', title: 'descent' },
        },
      },
    ],
  }
}

const say = (id: string, text: string, kind: '' | 'warn' | 'error' = ''): void => {
  const e = $(id)
  e.textContent = text
  e.className = kind
}

const onReady = (r: Extract<Reply, { type: 'ready' }>): void => {
  const status = r.backends
    .map(
      (b) =>
        `${BACKEND_LABEL[b.choice]}: ${b.provider !== undefined ? 'available' : `not available (${b.reason})`}`,
    )
    .join('; ')
  const threads =
    r.wasmThreads === 0
      ? 'the WebAssembly kernels are not available'
      : r.wasmThreads === 2
        ? 'the WebAssembly kernels run on two threads (this page is cross-origin isolated)'
        : r.isolated
          ? 'the WebAssembly kernels run on one thread (this machine has one core)'
          : 'the WebAssembly kernels run on one thread (this page is not cross-origin isolated: served without COOP/COEP headers, it has no shared memory)'
  const fallback =
    r.using === 'webgl2'
      ? 'The matmuls run on gpu.js WebGL2.'
      : `gpu.js WebGL2 is not available here, so the matmuls run on ${BACKEND_LABEL[r.using]}.`
  say(
    'engine-status',
    `${fallback} ${status}. ${threads[0].toUpperCase()}${threads.slice(1)}.`,
    r.using === 'webgl2' ? '' : 'warn',
  )
  const choice = $('backend-choice')
  for (const name of BACKENDS) {
    const b = r.backends.find((s) => s.choice === name)
    const label = document.createElement('label')
    label.innerHTML = `<input type="radio" name="backend" value="${name}" ${name === r.using ? 'checked' : ''} ${b?.provider === undefined ? 'disabled' : ''}> ${BACKEND_LABEL[name]} `
    choice.append(label)
  }
  choice.addEventListener('change', (e) =>
    ask({ type: 'use', backend: (e.target as HTMLInputElement).value as BackendChoice }),
  )
  if (selftest === undefined) document.body.dataset.state = 'ready'
}

let selftest: ((r: Reply) => void) | undefined

engine.onmessage = ({ data: r }: MessageEvent<Reply>) => {
  selftest?.(r)
  switch (r.type) {
    case 'ready':
      measured.ready = r
      return onReady(r)
    case 'using':
      return say('bench-note', `The experiments now run on ${BACKEND_LABEL[r.backend]} (${r.provider}).`)
    case 'bench':
      measured.bench = r.results
      $('bench-table').innerHTML =
        '<tr><th>provider</th><th>GFLOP/s</th><th></th></tr>' +
        r.results
          .map(
            (b) =>
              `<tr><td>${BACKEND_LABEL[b.backend]}</td><td>${b.gflops === null ? '—' : b.gflops.toFixed(2)}</td><td>${b.note}</td></tr>`,
          )
          .join('')
      return say('bench-note', 'f32 products of 256 × 256, read back, about half a second each.')
    case 'slot-progress': {
      slotCurve.push(...r.points)
      drawSlot(slotSpec())
      const acc = Object.entries(r.accuracy)
        .map(([m, a]) => `${m}: ${(100 * a).toFixed(1)}%`)
        .join(', ')
      if (acc !== '') say('slot-accuracy', `Accuracy on the city words of the held-out sentences: ${acc}`)
      return say('slot-note', `step ${r.points[0]?.step + 1}`)
    }
    case 'slot-done':
      measured.slotDone = true
      return say('slot-note', `trained in ${r.seconds.toFixed(1)} s`)
    case 'slot-tags':
      $('slot-tags').innerHTML =
        `<tr>${r.words.map((w) => `<th>${w}</th>`).join('')}</tr>` +
        `<tr>${r.labels.map((l) => `<td>${l}</td>`).join('')}</tr>`
      return
    case 'surface-grid':
      grid = r
      drawSurface(surfaceSpec())
      return
    case 'surface-path': {
      const name = r.clip ? 'clipped' : 'not clipped'
      ;(surfacePaths[name] ??= []).push(...r.points)
      drawSurface(surfaceSpec())
      if (r.diverged !== null) say('surface-note', `${name}: stopped, ${r.diverged}`, 'warn')
      else if (r.done)
        say(
          'surface-note',
          `${name}: ${surfacePaths[name].length} steps, loss ${surfacePaths[name].at(-1)?.loss.toPrecision(3)}`,
        )
      return
    }
    case 'error':
      if (r.request === 'slot-tag') return say('slot-note', r.message, 'error')
      return say('engine-status', `${r.request}: ${r.message}`, 'error')
  }
}
engine.onerror = (e) => say('engine-status', `the engine failed: ${e.message}`, 'error')

$('bench-run').addEventListener('click', () => {
  say('bench-note', 'measuring…')
  ask({ type: 'bench', size: 256 })
})
$('slot-train').addEventListener('click', () => {
  slotCurve.length = 0
  measured.slotDone = false
  ask({ type: 'slot-train', steps: 150 })
})
$<HTMLFormElement>('slot-form').addEventListener('submit', (e) => {
  e.preventDefault()
  ask({ type: 'slot-tag', sentence: $<HTMLInputElement>('slot-sentence').value })
})
$('surface-run').addEventListener('click', () => {
  const clip = $<HTMLInputElement>('surface-clip').checked
  delete surfacePaths[clip ? 'clipped' : 'not clipped']
  ask({ type: 'surface', clip })
})

if (new URLSearchParams(location.search).get('selftest') === '1') {
  document.body.dataset.state = 'running'
  selftest = (r) => {
    const outcome = selftestOutcome(r)
    if (outcome === undefined) return
    ;(window as unknown as { recurrentResults: unknown }).recurrentResults = outcome.results
    document.body.dataset.state = outcome.state
    if (outcome.reason !== undefined) say('engine-status', `selftest failed: ${outcome.reason}`, 'error')
  }
  ask({ type: 'selftest' })
}
