/**
 * The engine: a module worker that runs the lecture's experiments for the page (`protocol.ts`),
 * on the kernel provider the student picked, through the same `T.withBackend` seam as in Node.
 * gpu.js draws on an OffscreenCanvas here; the WebAssembly kernels get a second thread when the
 * page is cross-origin isolated (a worker may wait on it, the page's own thread may not).
 */
import * as AD from '@recurrent/autograd'
import { lstm, rnn } from '@recurrent/cells'
import { type GpuProvider, gpujs } from '@recurrent/gpu'
import { chain, clipByGlobalNorm, sgd, trainStep } from '@recurrent/optim'
import {
  cliffData,
  cliffLoss,
  cliffParams,
  errorSurfaceExperiment,
  findTask,
  lossSurface,
  SLOT_LABELS,
  slotFillingData,
  slotTagger,
  surfaceGrid,
  type TrainState,
  tagSentences,
} from '@recurrent/tasks'
import * as T from '@recurrent/tensor'
import {
  BACKENDS,
  type BackendChoice,
  type BackendStatus,
  type CurvePoint,
  type Reply,
  type Request,
} from './protocol.ts'

const post = (reply: Reply): void => (self as unknown as Worker).postMessage(reply)

/** A pause that lets the worker read the next message (a new choice of backend, a new run). */
const yieldNow = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0))

let gl: GpuProvider | undefined
const statuses: BackendStatus[] = []
let using: BackendChoice = 'reference'

const providerOf = (choice: BackendChoice): T.KernelProvider =>
  choice === 'webgl2' && gl !== undefined ? gl : choice === 'wasm' ? T.wasm : T.reference

/** Runs f with the chosen provider's matmuls. */
const onBackend = <A>(choice: BackendChoice, f: () => A): A => T.withBackend(providerOf(choice), f)

const setup = async (): Promise<void> => {
  const wasm = await T.loadWasm()
  const r = gpujs({ mode: 'webgl2' })
  if (r._tag === 'Right') gl = r.right
  statuses.push(
    r._tag === 'Right'
      ? { choice: 'webgl2', provider: r.right.name }
      : { choice: 'webgl2', reason: r.left.reason },
    wasm.available ? { choice: 'wasm', provider: 'wasm' } : { choice: 'wasm', reason: wasm.reason },
    { choice: 'reference', provider: 'reference' },
  )
  using = gl !== undefined ? 'webgl2' : wasm.available ? 'wasm' : 'reference'
  post({
    type: 'ready',
    backends: statuses,
    using,
    wasmThreads: T.wasmThreads(),
    isolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
  })
}

// ---------------------------------------------------------------------------------------------
// The speed of each provider: f32 products of size × size, read back, for about half a second.

const gflops = (choice: BackendChoice, size: number): number => {
  const [ka, kb] = T.split(T.key(size), 2)
  const a = T.uniform(ka, [size, size])
  const b = T.uniform(kb, [size, size])
  const once = () => T.toTypedArray(onBackend(choice, () => T.matmul(a, b)))
  once() // compiles gpu.js's kernel, loads the operands
  let reps = 0
  const start = performance.now()
  while (performance.now() - start < 500 || reps < 2) {
    once()
    reps++
  }
  const seconds = (performance.now() - start) / 1000
  return (2 * size ** 3 * reps) / seconds / 1e9
}

// ---------------------------------------------------------------------------------------------
// §1.2: the feedforward tagger and the LSTM tagger trained side by side.

const SLOT_CONFIG = {
  trainSentences: 240,
  testSentences: 120,
  batchSize: 16,
  embedding: 16,
  hidden: 16,
  checkpointEvery: 1000,
}
const SLOT_KEY = T.key(0)
const SLOT_MODELS = ['feedforward', 'lstm'] as const
let lstmState: TrainState | undefined
let slotRun = 0

const slotTrain = async (steps: number): Promise<void> => {
  const run = ++slotRun
  const tasks = SLOT_MODELS.map((kind) => findTask(`tagger-${kind}`)!)
  const config = (kind: number) => ({ ...tasks[kind].defaults, ...SLOT_CONFIG, steps })
  let states = tasks.map((task, i) => task.init(config(i), SLOT_KEY))
  const accuracy: Record<string, number> = {}
  const started = performance.now()
  for (let step = 0; step < steps; step++) {
    const points: CurvePoint[] = []
    states = states.map((state, i) => {
      const r = onBackend(using, () => tasks[i].step(state))
      if (r._tag === 'Left') throw new Error(`${tasks[i].name}: ${r.left.reason}`)
      points.push({ model: SLOT_MODELS[i], step, loss: r.right.loss })
      return r.right.state
    })
    if ((step + 1) % 10 === 0 || step === steps - 1)
      states.forEach((state, i) => {
        accuracy[SLOT_MODELS[i]] = onBackend(using, () =>
          tasks[i].evaluate(state.params, state.config, SLOT_KEY),
        ).ambiguousCityAccuracy
      })
    post({ type: 'slot-progress', points, accuracy: { ...accuracy } })
    await yieldNow()
    if (run !== slotRun) return
  }
  lstmState = states[1]
  tagging = undefined
  post({ type: 'slot-done', accuracy, seconds: (performance.now() - started) / 1000 })
}

/** The trained LSTM's data (its lexicon and word table) and model, drawn once per training run. */
const taggingOf = (state: TrainState) => {
  const config = state.config as never as Parameters<typeof slotFillingData>[0] &
    Parameters<typeof slotTagger>[2]
  const data = slotFillingData(config, SLOT_KEY)
  return { data, model: slotTagger('lstm', data.oneHotWords, config) }
}
let tagging: ReturnType<typeof taggingOf> | undefined

const slotTag = (sentence: string): void => {
  const words = sentence
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '')
  if (lstmState === undefined) throw new Error('train the taggers first')
  if (words.length === 0) throw new Error('type a sentence')
  tagging ??= taggingOf(lstmState)
  const { data, model } = tagging
  const other = data.lexicon.length
  const ids = words.map((w) => {
    const i = data.lexicon.indexOf(w.toLowerCase())
    return i < 0 ? other : i
  })
  const [labels] = onBackend(using, () =>
    tagSentences(model, lstmState!.params as never, data.oneHotWords, [ids]),
  )
  post({ type: 'slot-tags', words, labels: labels.map((c) => SLOT_LABELS[c]) })
}

// ---------------------------------------------------------------------------------------------
// §4.3: the error surface of a one-unit linear RNN and gradient descent on it.

const SURFACE = errorSurfaceExperiment.config(false)
const surfaceData = cliffData(T.key(0), SURFACE.length, SURFACE.batch, SURFACE.noise)
let gridSent = false
let surfaceRun = 0

const surface = async (clip: boolean): Promise<void> => {
  const run = ++surfaceRun
  if (!gridSent) {
    const { w1s, w2s } = surfaceGrid(SURFACE.grid)
    post({ type: 'surface-grid', w1s, w2s, losses: lossSurface(surfaceData, w1s, w2s) })
    gridSent = true
  }
  const optimizer = clip
    ? chain(clipByGlobalNorm(SURFACE.clipNorm), sgd(SURFACE.learningRate))
    : sgd(SURFACE.learningRate)
  const step = trainStep(cliffLoss, optimizer)
  let params = cliffParams(SURFACE.start.w1, SURFACE.start.w2)
  let optState: unknown = optimizer.init(params)
  const at = () => ({ w1: T.item(params.W_hh), w2: T.item(params.W_ih) })
  for (let s = 0; s < SURFACE.steps; s++) {
    const r = step(params, optState, surfaceData, s)
    if (r._tag === 'Left') {
      post({ type: 'surface-path', clip, points: [], done: true, diverged: r.left.reason })
      return
    }
    const before = at()
    params = r.right.params
    optState = r.right.optState
    post({
      type: 'surface-path',
      clip,
      points: [{ step: s, ...before, loss: r.right.metrics.loss }],
      done: s === SURFACE.steps - 1,
      diverged: null,
    })
    if (s % 4 === 3) await yieldNow()
    if (run !== surfaceRun) return
  }
}

// ---------------------------------------------------------------------------------------------
// ?selftest=1: gpu.js on WebGL2 against the reference kernels, then a short training run on it.

/** Largest |gpu.js − reference| accepted: f32 products of operands in [0, 1) with up to 128 terms. */
const PARITY_TOLERANCE = 1e-3

const maxAbsDiff = (a: T.Tensor, b: T.Tensor): number => {
  const x = T.toTypedArray(a)
  const y = T.toTypedArray(b)
  if (x.length !== y.length) return Number.POSITIVE_INFINITY
  let m = 0
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]))
  return Number.isNaN(m) ? Number.POSITIVE_INFINITY : m
}

/** Each case computed on gpu.js and on the reference: products, fused products, an LSTM training step. */
const parityCases = (provider: GpuProvider): number[] => {
  const diffs: number[] = []
  const both = (f: () => T.Tensor[]) => {
    const ours = T.withBackend(provider, f)
    const theirs = T.withBackend(T.reference, f)
    ours.forEach((x, i) => diffs.push(maxAbsDiff(x, theirs[i])))
  }
  const shapes: [number, number, number][] = [
    [1, 1, 1],
    [3, 5, 7],
    [4, 8, 4],
    [17, 33, 9],
    [64, 128, 64],
    [5, 127, 31],
  ]
  shapes.forEach(([m, k, n], i) => {
    const [ka, kb, kc] = T.split(T.key(100 + i), 3)
    const a = T.uniform(ka, [m, k])
    const b = T.uniform(kb, [k, n])
    const bias = T.uniform(kc, [n])
    both(() => [
      T.matmul(a, b),
      T.matmul(T.transpose(b), T.transpose(a)),
      T.fusedMatmul(a, b, { addend: bias, activation: 'tanh' }),
      T.fusedMatmul(a, b, { addend: bias, activation: 'sigmoid' }),
    ])
  })
  // A full LSTM training step: the loss and the gradient of every parameter.
  const layer = rnn(lstm())
  const [kp, kx] = T.split(T.key(7), 2)
  const params = layer.init(kp, { inputSize: 5, hiddenSize: 7, dtype: 'f32' })
  const xs = T.randn(kx, [6, 3, 5], 'f32')
  const loss = (p: typeof params) => {
    const y = layer.apply(p, xs).output
    return T.sum(T.mul(y, y))
  }
  both(() => {
    const [value, grads] = AD.valueAndGrad(loss)(params)
    return [value, ...T.treeLeaves(grads)]
  })
  return diffs
}

const selftest = (): void => {
  if (gl === undefined) throw new Error(`gpu.js WebGL2 is not available: ${statuses[0]?.reason ?? 'unknown'}`)
  const diffs = parityCases(gl)
  const task = findTask('tagger-lstm')!
  const config = { ...task.defaults, ...SLOT_CONFIG, trainSentences: 64, testSentences: 16, steps: 20 }
  let state = task.init(config, SLOT_KEY)
  const losses: number[] = []
  T.withBackend(gl, () => {
    for (let i = 0; i < config.steps; i++) {
      const r = task.step(state)
      if (r._tag === 'Left') throw new Error(`training on gpu.js stopped: ${r.left.reason}`)
      losses.push(r.right.loss)
      state = r.right.state
    }
  })
  post({
    type: 'selftest',
    backend: gl.name,
    parity: { maxAbsDiff: Math.max(...diffs), tolerance: PARITY_TOLERANCE, cases: diffs.length },
    training: { losses },
    kernels: gl.stats().kernels,
  })
}

const ready = setup()

self.onmessage = async ({ data }: MessageEvent<Request>) => {
  await ready
  try {
    switch (data.type) {
      case 'use': {
        const status = statuses.find((s) => s.choice === data.backend)
        if (status?.provider === undefined)
          throw new Error(`${data.backend} cannot run here: ${status?.reason}`)
        using = data.backend
        post({ type: 'using', backend: using, provider: status.provider })
        return
      }
      case 'bench': {
        const results = BACKENDS.map((backend) => {
          const status = statuses.find((s) => s.choice === backend)
          if (status?.provider === undefined) return { backend, gflops: null, note: status?.reason ?? '' }
          return { backend, gflops: gflops(backend, data.size), note: status.provider }
        })
        post({ type: 'bench', results })
        return
      }
      case 'slot-train':
        return await slotTrain(data.steps)
      case 'slot-tag':
        return slotTag(data.sentence)
      case 'surface':
        return await surface(data.clip)
      case 'selftest':
        return selftest()
    }
  } catch (e) {
    post({ type: 'error', request: data.type, message: e instanceof Error ? e.message : String(e) })
  }
}
