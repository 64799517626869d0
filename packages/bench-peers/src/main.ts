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
import { median, paired, ratio, type Sampler, stepSampler, type Timing, table, timeIt } from './measure.ts'
import * as tfjs from './tfjs.ts'
import { startTorch, type TorchConfig, type TorchServer } from './torch.ts'

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
const { OPENBLAS_CORETYPE: _coretype, OPENBLAS_L2_SIZE: _l2, ...torchBase } = process.env
const torchServers = TORCH_VARIANTS.map((variant) => {
  const env = variant.env(torchBase)
  const server: TorchServer | string = !withTorch
    ? 'skipped (--no-torch)'
    : typeof env === 'string'
      ? env
      : startTorch(env)
  return { label: variant.label, server }
})

interface TrainingRow {
  readonly who: string
  readonly rate: number // training steps (batch updates) per second
  /** The library's rate in the rounds it alternated with this row. */
  readonly libraryRate: number
  readonly timing?: Timing
  readonly note?: string
}

const sizes = [MAIN, LECTURE]
const trainingOptions = (s: LstmSize, slow: boolean) =>
  s === MAIN
    ? { rounds: 5, minSeconds: 0.3, budget: (slow ? 16 : 8) * scale }
    : { rounds: 5, minSeconds: 0.2, budget: 6 * scale }
const NAME: Record<CellKind, { lib: string; tf: string; brain: string; torch: string }> = {
  lstm: { lib: 'rnn(lstm())', tf: 'layers.lstm', brain: 'LSTMTimeStep', torch: 'nn.LSTM' },
  gru: { lib: 'rnn(gru())', tf: 'layers.gru', brain: 'GRUTimeStep', torch: 'nn.GRU' },
}

/** A peer of one (cell, size): its sampler, made just before its rounds, or why it cannot run. */
interface Peer {
  readonly who: string
  readonly slow: boolean
  readonly start: () => Promise<{ sampler: Sampler; note?: () => string; dispose?: () => void } | string>
}
const peersOf = (cell: CellKind, s: LstmSize): Peer[] => [
  ...(['cpu', 'wasm'] as const).map((be) => ({
    who: `tfjs-layers ${be} ${NAME[cell].tf}`,
    slow: be === 'cpu',
    start: async () => {
      await tfjs.useBackend(be)
      const trainer = tfjs.recurrentTrainer(cell, s)
      return { sampler: stepSampler(trainer.step), dispose: trainer.dispose }
    },
  })),
  {
    who: `brain.js ${NAME[cell].brain}`,
    slow: true,
    start: async () => {
      const trainer = brainjs.recurrentTrainer(cell, s)
      // One train call = B sequences = one batch-equivalent.
      return { sampler: stepSampler(trainer.step), note: () => `B = ${s.B} sequences per call` }
    },
  },
  ...torchServers.map(({ label, server }) => ({
    who: `PyTorch ${NAME[cell].torch}, ${label}`,
    slow: false,
    start: async () =>
      typeof server === 'string'
        ? server
        : { sampler: server.sampler({ ...s, cell: NAME[cell].torch.slice(3) }) },
  })),
]

/**
 * Every peer alternates with the library (`paired`): the library's rounds run beside each peer's,
 * so each ratio compares samples taken within seconds of each other. The library's own row is the
 * median over all its rounds.
 */
const rows = new Map<string, TrainingRow[]>()
const rowKey = (cell: CellKind, s: LstmSize) => `${cell}|${s.name}`
for (const cell of CELLS)
  for (const s of sizes) {
    const library = stepSampler(lib.recurrentTrainer(cell, s).step)
    const list: TrainingRow[] = []
    const all: number[] = []
    for (const peer of peersOf(cell, s)) {
      const started = await peer.start()
      if (typeof started === 'string') {
        list.push({ who: peer.who, rate: Number.NaN, libraryRate: Number.NaN, note: started })
        continue
      }
      const r = await paired(library, started.sampler, trainingOptions(s, peer.slow)).catch(
        (e: Error) => e.message,
      )
      started.dispose?.()
      if (typeof r === 'string') {
        list.push({ who: peer.who, rate: Number.NaN, libraryRate: Number.NaN, note: `failed: ${r}` })
        continue
      }
      all.push(...r.librarySamples)
      list.push({
        who: peer.who,
        rate: 1 / r.peer.seconds,
        libraryRate: 1 / r.library.seconds,
        timing: r.peer,
        note: started.note?.(),
      })
    }
    const mine = all.length > 0 ? 1 / median(all) : Number.NaN
    rows.set(rowKey(cell, s), [
      { who: `library ${NAME[cell].lib} fast path (all rounds)`, rate: mine, libraryRate: mine },
      ...list,
    ])
  }
const torchConfigs: { label: string; config: TorchConfig | string }[] = []
for (const { label, server } of torchServers) {
  if (typeof server === 'string') {
    torchConfigs.push({ label, config: server })
    continue
  }
  torchConfigs.push({ label, config: await server.config().catch((e: Error) => e.message) })
  server.close()
}

for (const cell of CELLS)
  for (const s of sizes) {
    const list = rows.get(rowKey(cell, s))!
    const unit = s.B > 1 ? 'batch-equivalents/s' : 'steps/s'
    const pairRatio = (r: TrainingRow) => r.libraryRate / r.rate
    table(
      `${cell.toUpperCase()} training, ${describe(s)}: forward + BPTT + update (${unit}; "library beside" = the library in the rounds alternating with that row; "library vs" = library beside / row)`,
      ['implementation', unit, 'samples×reps', 'library beside', 'library vs', 'note'],
      list.map((r, i) => [
        r.who,
        Number.isFinite(r.rate) ? r.rate.toFixed(2) : 'n/a',
        r.timing ? `${r.timing.samples}×${r.timing.reps}` : '',
        i === 0 ? '' : Number.isFinite(r.libraryRate) ? r.libraryRate.toFixed(2) : 'n/a',
        i === 0 ? '1.00×' : ratio(r.libraryRate, r.rate),
        r.note ?? '',
      ]),
    )
    const vs = (prefix: string) => {
      const r = list.find((x) => x.who.startsWith(prefix))
      return r === undefined ? Number.NaN : pairRatio(r)
    }
    const torch1 = `PyTorch ${NAME[cell].torch}, OpenBLAS, 1 thread`
    if (s === MAIN) {
      check(`main ${cell}: library ≥ 0.5× PyTorch (OpenBLAS, 1 thread)`, vs(torch1), 0.5)
      check(`main ${cell}: library ≥ 12× tfjs-wasm`, vs('tfjs-layers wasm'), 12)
    } else {
      check(`lecture ${cell}: library ≥ 2× brain.js`, vs('brain.js'), 2)
      check(`lecture ${cell}: library ≥ 6× PyTorch (OpenBLAS, 1 thread)`, vs(torch1), 6)
    }
  }
console.log(
  '\nbrain.js trains each sequence on its own (predict step t+1 from t: T−1 steps, output layer of size I, ' +
    'RMSProp-style update per sequence); its figure is calls/s with B sequences per call. tfjs runs batch-major [B, T, I] through ' +
    'tf.sequential([tf.layers.lstm|gru({ returnSequences: true })]).trainOnBatch with SGD; the library and PyTorch ' +
    "use time-major [T, B, I], MSE against a fixed random target, SGD (lr 0.01). Each peer's samples alternate " +
    "with the library's (PyTorch answers from a child process between them).",
)
for (const { label, config } of torchConfigs) {
  if (typeof config === 'string') {
    console.log(`\nPyTorch (${label}): ${config}`)
    continue
  }
  console.log(
    `\nPyTorch (${label}): torch ${config.version}, get_num_threads() = ${config.threads}, ` +
      `BLAS_INFO=${config.blas}, libblas.so.3 = ${config.blas_library}, ` +
      `OPENBLAS_NUM_THREADS=${config.openblas_threads}, MKL ${config.mkl ? 'yes' : 'no'}, ` +
      `oneDNN ${config.mkldnn ? 'yes' : 'no'}`,
  )
  console.log(`  libraries loaded: ${config.loaded_libraries.join(', ')}`)
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
