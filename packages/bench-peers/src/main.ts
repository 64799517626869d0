/**
 * `npm run bench` (in this folder): the library against its peers, every figure measured in this
 * run and every comparison a ratio between figures of this run.
 *
 *   matmul f32 GFLOP/s        library reference / wasm / default (auto dispatch), tfjs cpu / wasm
 *   LSTM, GRU training steps/s  library fast path, tfjs-layers cpu / wasm, brain.js, PyTorch with
 *                             OpenBLAS on 1 and 2 threads and with the reference BLAS
 *   memory                    peak RSS of main-size training (child processes), heap growth
 *
 * Flags: --quick (fewer sizes and shorter budgets, for trying the harness), --no-torch.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { cpus } from 'node:os'
import { fileURLToPath } from 'node:url'
import * as brainjs from './brain.ts'
import * as lib from './library.ts'
import { CELLS, type CellKind, describe, LECTURE, type LstmSize, MAIN, T } from './library.ts'
import { ratio, type Timing, table, timeIt } from './measure.ts'
import * as tfjs from './tfjs.ts'

const quick = process.argv.includes('--quick')
const withTorch = !process.argv.includes('--no-torch')
const started = performance.now()
const scale = quick ? 0.3 : 1

const targets: { target: string; ratio: number; bound: number }[] = []
const check = (target: string, r: number, bound: number): void => {
  targets.push({ target, ratio: r, bound })
}
const verdict = (r: number, bound: number): string =>
  !Number.isFinite(r) ? 'n/a' : r >= bound ? 'HOLDS' : 'MISSED'

// ---------------------------------------------------------------- header

console.log(`recurrent vs peers (node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'})`)
console.log(
  `@tensorflow/tfjs ${tfjs.tf.version.tfjs}, brain.js 2.0.0-beta.24; library at ../tensor, ../autograd, ../cells`,
)
for (const b of T.backends()) {
  console.log(`library provider ${b.name}: ${b.available ? 'available' : `unavailable (${b.reason})`}`)
}
const tfDescriptions: Record<string, string> = {}
for (const be of ['cpu', 'wasm'] as const) tfDescriptions[be] = await tfjs.useBackend(be)
console.log(`tfjs backends: ${tfDescriptions.cpu}; ${tfDescriptions.wasm}`)

// ---------------------------------------------------------------- matmul

interface Shape {
  readonly label: string
  readonly m: number
  readonly k: number
  readonly n: number
}
const square = (n: number): Shape => ({ label: `${n}`, m: n, k: n, n })
const shapes: Shape[] = [
  ...(quick ? [64, 256] : [64, 128, 256, 512, 1024]).map(square),
  { label: 'RNN [64×256]·[256×1024]', m: 64, k: 256, n: 1024 },
]
const matmulOptions = (s: Shape, slow: boolean) => {
  const big = s.m * s.k * s.n >= 512 ** 3
  return { samples: 5, minSeconds: big ? 0.02 : 0.1, budget: (slow ? 8 : 4) * scale }
}

const matmulTimes = new Map<string, Timing>()
const key = (s: Shape, who: string) => `${s.label}|${who}`
const libProviders: [string, T.KernelProvider | undefined][] = [
  ['lib reference', T.reference],
  ['lib wasm', T.wasm],
  ['lib default (auto)', undefined],
]
for (const s of shapes) {
  const [a, b] = lib.operands(s.m, s.k, s.n)
  for (const [who, provider] of libProviders) {
    if (provider === T.wasm && !T.backends().find((x) => x.name === 'wasm')?.available) continue
    matmulTimes.set(
      key(s, who),
      await timeIt(() => lib.matmulOnce(provider, a, b), matmulOptions(s, provider === T.reference)),
    )
  }
}
for (const be of ['cpu', 'wasm'] as const) {
  await tfjs.useBackend(be)
  for (const s of shapes) {
    const job = tfjs.matmulJob(s.m, s.k, s.n)
    matmulTimes.set(key(s, `tfjs ${be}`), await timeIt(job.run, matmulOptions(s, be === 'cpu')))
    job.dispose()
  }
}
const matmulRows: (string | number)[][] = []
for (const s of shapes) {
  const flops = 2 * s.m * s.k * s.n
  const gflops = (who: string) => {
    const t = matmulTimes.get(key(s, who))
    return t === undefined ? Number.NaN : flops / t.seconds / 1e9
  }
  const mine = gflops('lib default (auto)')
  for (const who of [...libProviders.map(([w]) => w), 'tfjs cpu', 'tfjs wasm']) {
    const t = matmulTimes.get(key(s, who))
    if (t === undefined) continue
    matmulRows.push([
      s.label,
      who,
      gflops(who).toFixed(2),
      `${t.samples}×${t.reps}`,
      ratio(gflops(who), gflops('tfjs wasm')),
      who.startsWith('tfjs') ? ratio(mine, gflops(who)) : '',
    ])
  }
  if (['256', '512', '1024'].includes(s.label)) {
    check(`matmul ${s.label}: library default ≥ tfjs-wasm`, mine / gflops('tfjs wasm'), 1)
  }
}
const chosen = Object.values(T.dispatchTable())
console.log(
  `\n(auto dispatch so far: ${chosen.filter((c) => c === 'wasm').length} shape classes → wasm, ` +
    `${chosen.filter((c) => c === 'reference').length} → reference)`,
)
table(
  'matmul f32 (GFLOP/s, median of samples; "vs tfjs-wasm" = row / tfjs wasm; "lib default vs" = library default / that peer)',
  ['shape', 'implementation', 'GFLOP/s', 'samples×reps', 'vs tfjs-wasm', 'lib default vs'],
  matmulRows,
)

// ---------------------------------------------------------------- LSTM and GRU training

interface TorchReport {
  config: {
    version: string
    threads: number
    interop_threads: number
    blas: string
    blas_library: string
    openblas_threads: string
    loaded_libraries: string[]
    mkl: boolean
    mkldnn: boolean
    config_head: string[]
    parallel_info: string[]
  }
  results: { name: string; cell: string; steps_per_s: number; samples: number; reps: number }[]
}

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url))

/** Debian's reference BLAS (package libblas3), which LD_LIBRARY_PATH puts before the alternatives' choice. */
const REFERENCE_BLAS_DIR = '/usr/lib/x86_64-linux-gnu/blas'

/**
 * How PyTorch runs: OpenBLAS on one thread (OPENBLAS_NUM_THREADS=1, since torch.set_num_threads
 * does not bound this OpenBLAS), on two, and Debian's reference BLAS. OPENBLAS_CORETYPE and
 * OPENBLAS_L2_SIZE, set on some machines here for older OpenBLAS builds, are removed: they slow
 * the current one.
 */
const TORCH_VARIANTS: readonly {
  label: string
  env: (base: NodeJS.ProcessEnv) => NodeJS.ProcessEnv | string
}[] = [
  { label: 'OpenBLAS, 1 thread', env: (b) => ({ ...b, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' }) },
  { label: 'OpenBLAS, 2 threads', env: (b) => ({ ...b, OPENBLAS_NUM_THREADS: '2', OMP_NUM_THREADS: '2' }) },
  {
    label: 'reference BLAS, 1 thread',
    env: (b) =>
      existsSync(`${REFERENCE_BLAS_DIR}/libblas.so.3`)
        ? { ...b, LD_LIBRARY_PATH: REFERENCE_BLAS_DIR, OMP_NUM_THREADS: '1' }
        : `no reference BLAS at ${REFERENCE_BLAS_DIR} (Debian: apt-get install libblas3)`,
  },
]

/** PyTorch via the system python under one variant, when it can import torch; otherwise the reason it cannot. */
const runTorch = (
  variant: (typeof TORCH_VARIANTS)[number],
  jobs: (LstmSize & { cell: string })[],
): TorchReport | string => {
  const python = '/usr/bin/python3'
  const { OPENBLAS_CORETYPE: _c, OPENBLAS_L2_SIZE: _l, ...base } = process.env
  const env = variant.env(base)
  if (typeof env === 'string') return env
  const probe = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8', env })
  if (probe.error !== undefined || probe.status !== 0) {
    return `${python} cannot import torch (${probe.error?.message ?? probe.stderr.trim().split('\n').pop()})`
  }
  const run = spawnSync(python, [here('./torch_lstm.py'), JSON.stringify(jobs), String(6 * scale)], {
    encoding: 'utf8',
    timeout: 300_000,
    env,
  })
  if (run.status !== 0) return `torch_lstm.py failed: ${run.error?.message ?? run.stderr.trim()}`
  return JSON.parse(run.stdout.trim().split('\n').pop()!) as TorchReport
}

interface TrainingRow {
  readonly who: string
  readonly rate: number // training steps (batch updates) per second
  readonly timing?: Timing
  readonly note?: string
}

const rows = new Map<string, TrainingRow[]>()
const rowKey = (cell: CellKind, s: LstmSize) => `${cell}|${s.name}`
const addRow = (cell: CellKind, s: LstmSize, row: TrainingRow): void => {
  rows.set(rowKey(cell, s), [...(rows.get(rowKey(cell, s)) ?? []), row])
}
const sizes = [MAIN, LECTURE]
const trainingOptions = (s: LstmSize, slow: boolean) =>
  s === MAIN
    ? { samples: 5, minSeconds: 0.3, budget: (slow ? 12 : 6) * scale }
    : { samples: 5, minSeconds: 0.2, budget: 4 * scale }
const NAME: Record<CellKind, { lib: string; tf: string; brain: string; torch: string }> = {
  lstm: { lib: 'rnn(lstm())', tf: 'layers.lstm', brain: 'LSTMTimeStep', torch: 'nn.LSTM' },
  gru: { lib: 'rnn(gru())', tf: 'layers.gru', brain: 'GRUTimeStep', torch: 'nn.GRU' },
}

for (const cell of CELLS)
  for (const s of sizes) {
    const { step } = lib.recurrentTrainer(cell, s)
    const t = await timeIt(step, trainingOptions(s, false))
    addRow(cell, s, { who: `library ${NAME[cell].lib} fast path`, rate: 1 / t.seconds, timing: t })
  }
for (const be of ['cpu', 'wasm'] as const) {
  await tfjs.useBackend(be)
  for (const cell of CELLS)
    for (const s of sizes) {
      const trainer = tfjs.recurrentTrainer(cell, s)
      const t = await timeIt(trainer.step, trainingOptions(s, be === 'cpu'))
      trainer.dispose()
      addRow(cell, s, { who: `tfjs-layers ${be} ${NAME[cell].tf}`, rate: 1 / t.seconds, timing: t })
    }
}
for (const cell of CELLS)
  for (const s of sizes) {
    const trainer = brainjs.recurrentTrainer(cell, s)
    const t = await timeIt(trainer.step, trainingOptions(s, true))
    addRow(cell, s, {
      who: `brain.js ${NAME[cell].brain}`,
      rate: 1 / t.seconds, // one train call = B sequences = one batch-equivalent
      timing: t,
      note: `${(trainer.sequences / t.seconds).toFixed(1)} sequences/s${s.B > 1 ? ` ÷ ${s.B}` : ''}`,
    })
  }
const torchJobs = CELLS.flatMap((cell) => sizes.map((s) => ({ ...s, cell: NAME[cell].torch.slice(3) })))
const torchReports: { label: string; report: TorchReport | string }[] = []
for (const variant of TORCH_VARIANTS) {
  const report = withTorch ? runTorch(variant, torchJobs) : 'skipped (--no-torch)'
  torchReports.push({ label: variant.label, report })
  for (const cell of CELLS)
    for (const s of sizes) {
      const who = `PyTorch ${NAME[cell].torch}, ${variant.label}`
      if (typeof report === 'string') {
        addRow(cell, s, { who, rate: Number.NaN, note: report })
        continue
      }
      const r = report.results.find((x) => x.name === s.name && x.cell === NAME[cell].torch.slice(3))!
      addRow(cell, s, {
        who,
        rate: r.steps_per_s,
        timing: { seconds: 1 / r.steps_per_s, samples: r.samples, reps: r.reps },
        note: `torch ${report.config.version}, libblas.so.3 = ${report.config.blas_library}, OPENBLAS_NUM_THREADS=${report.config.openblas_threads}`,
      })
    }
}

for (const cell of CELLS)
  for (const s of sizes) {
    const list = rows.get(rowKey(cell, s))!
    const mine = list[0].rate
    const unit = s.B > 1 ? 'batch-equivalents/s' : 'steps/s'
    table(
      `${cell.toUpperCase()} training, ${describe(s)}: forward + BPTT + update (${unit}; "library vs" = library / row)`,
      ['implementation', unit, 'samples×reps', 'library vs', 'note'],
      list.map((r) => [
        r.who,
        Number.isFinite(r.rate) ? r.rate.toFixed(2) : 'n/a',
        r.timing ? `${r.timing.samples}×${r.timing.reps}` : '',
        r === list[0] ? '1.00×' : ratio(mine, r.rate),
        r.note ?? '',
      ]),
    )
    const rate = (prefix: string) => list.find((r) => r.who.startsWith(prefix))?.rate ?? Number.NaN
    const torch1 = rate(`PyTorch ${NAME[cell].torch}, OpenBLAS, 1 thread`)
    if (s === MAIN) {
      check(`main ${cell}: library ≥ 0.5× PyTorch (OpenBLAS, 1 thread)`, mine / torch1, 0.5)
      check(`main ${cell}: library ≥ 12× tfjs-wasm`, mine / rate('tfjs-layers wasm'), 12)
    } else {
      check(`lecture ${cell}: library ≥ 2× brain.js`, mine / rate('brain.js'), 2)
      check(`lecture ${cell}: library ≥ 6× PyTorch (OpenBLAS, 1 thread)`, mine / torch1, 6)
    }
  }
console.log(
  '\nbrain.js trains each sequence on its own (predict step t+1 from t: T−1 steps, output layer of size I, ' +
    'RMSProp-style update per sequence); its figure is sequences/s ÷ B. tfjs runs batch-major [B, T, I] through ' +
    'tf.sequential([tf.layers.lstm|gru({ returnSequences: true })]).trainOnBatch with SGD; the library and PyTorch ' +
    'use time-major [T, B, I], MSE against a fixed random target, SGD (lr 0.01).',
)
for (const { label, report } of torchReports) {
  if (typeof report === 'string') {
    console.log(`\nPyTorch (${label}): ${report}`)
    continue
  }
  console.log(
    `\nPyTorch (${label}): torch ${report.config.version}, get_num_threads() = ${report.config.threads}, ` +
      `BLAS_INFO=${report.config.blas}, libblas.so.3 = ${report.config.blas_library}, ` +
      `OPENBLAS_NUM_THREADS=${report.config.openblas_threads}, MKL ${report.config.mkl ? 'yes' : 'no'}, ` +
      `oneDNN ${report.config.mkldnn ? 'yes' : 'no'}`,
  )
  console.log(`  libraries loaded: ${report.config.loaded_libraries.join(', ')}`)
}

// ---------------------------------------------------------------- memory

const child = (args: string[]): Record<string, number | string | boolean> | string => {
  const r = spawnSync(process.execPath, [...process.execArgv, here('./child.ts'), ...args], {
    encoding: 'utf8',
    timeout: 180_000,
  })
  const line = r.stdout.split('\n').find((l) => l.startsWith('RESULT '))
  if (line === undefined)
    return `child ${args.join(' ')} failed: ${r.error?.message ?? r.stderr.trim().slice(-400)}`
  return JSON.parse(line.slice('RESULT '.length))
}
const mb = (bytes: unknown): string => (typeof bytes === 'number' ? `${(bytes / 2 ** 20).toFixed(1)}` : 'n/a')

const rssRows: (string | number)[][] = []
let libPeak = Number.NaN
for (const who of ['lib', 'tfjs-cpu', 'tfjs-wasm']) {
  const r = child(['rss', who])
  if (typeof r === 'string') {
    rssRows.push([who, 'n/a', 'n/a', 'n/a', 'n/a', r])
    continue
  }
  const peak = r.peakRss as number
  if (who === 'lib') libPeak = peak
  rssRows.push([
    who === 'lib' ? 'library' : who,
    mb(r.rssAtStart),
    mb(r.rssAfterSetup),
    mb(peak),
    mb(peak - (r.rssAtStart as number)),
    who === 'lib' ? '1.00×' : ratio(libPeak, peak),
    `${r.steps}`,
  ])
}
table(
  `Peak RSS, ${describe(MAIN)} training, one child process each (MiB; "library vs" = library peak / row peak)`,
  ['workload', 'RSS at start', 'after setup', 'peak RSS', 'peak − start', 'library vs', 'steps'],
  rssRows,
)
console.log(
  '(start = after node + tsx boot; setup = imports, backend init, model and data; peak = getrusage maxrss)',
)

const h = child(['heap'])
if (typeof h === 'string') console.log(`\nheap-growth check failed: ${h}`)
else {
  const growth = (h.heapAt1000 as number) - (h.heapAt100 as number)
  table(
    `Heap growth, library ${describe(LECTURE)} training (MiB, heapUsed${h.gc ? ' after a forced GC' : ', no --expose-gc'})`,
    ['after step 100', 'after step 1000', 'growth', 'per step'],
    [[mb(h.heapAt100), mb(h.heapAt1000), mb(growth), `${(growth / 900).toFixed(0)} B`]],
  )
}

// ---------------------------------------------------------------- targets

table(
  'Targets (ratio = library / peer, same run)',
  ['target', 'ratio', 'needs', 'verdict'],
  targets.map((t) => [
    t.target,
    Number.isFinite(t.ratio) ? `${t.ratio.toFixed(2)}×` : 'n/a',
    `≥ ${t.bound}×`,
    verdict(t.ratio, t.bound),
  ]),
)
console.log(`\ntotal ${((performance.now() - started) / 1000).toFixed(0)} s`)
