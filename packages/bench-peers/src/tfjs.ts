/**
 * TensorFlow.js (the all-in-one `@tensorflow/tfjs`, whose layers API needs it importable) on its
 * pure-JavaScript `cpu` backend and on `@tensorflow/tfjs-backend-wasm`. The wasm binaries ship
 * inside that npm package; their folder is passed to `setWasmPaths` explicitly.
 */
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import * as tf from '@tensorflow/tfjs'
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm'
import { type CellKind, LEARNING_RATE, type LstmSize } from './library.ts'

export { tf }

export type TfBackend = 'cpu' | 'wasm'

const require = createRequire(import.meta.url)
// The package's main entry lives in dist/; the .wasm files sit beside it.
const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))
setWasmPaths(`${join(wasmDir, '')}/`)

/** Switches backend (awaiting its initialisation); returns a description of it. */
export const useBackend = async (name: TfBackend): Promise<string> => {
  const ok = await tf.setBackend(name)
  await tf.ready()
  if (!ok || tf.getBackend() !== name) throw new Error(`tfjs backend ${name} did not initialise`)
  if (name === 'cpu') return 'cpu (plain JavaScript)'
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')
  return `wasm (XNNPACK, SIMD ${simd ? 'on' : 'off'}, threads ${threads ? 'on' : 'off'})`
}

/** An m×k · k×n product on the current backend, read back with `dataSync`; returns a disposer. */
export const matmulJob = (m: number, k: number, n: number): { run: () => void; dispose: () => void } => {
  const a = tf.randomUniform([m, k], -1, 1, 'float32', 1)
  const b = tf.randomUniform([k, n], -1, 1, 'float32', 2)
  return {
    run: () => {
      const c = tf.matMul(a, b)
      c.dataSync()
      c.dispose()
    },
    dispose: () => tf.dispose([a, b]),
  }
}

/**
 * A `tf.sequential` model holding one `tf.layers.lstm` or `tf.layers.gru` (`{ units,
 * returnSequences: true }`), compiled with SGD and mean squared error, trained with
 * `trainOnBatch` on fixed random data (batch-major `[B, T, I]`, as Keras). Returns the step
 * (resolving to the loss) and a disposer.
 */
export const recurrentTrainer = (
  kind: CellKind,
  s: LstmSize,
): { step: () => Promise<number>; dispose: () => void } => {
  const options = { units: s.H, returnSequences: true, inputShape: [s.T, s.I] }
  const model = tf.sequential({
    layers: [kind === 'lstm' ? tf.layers.lstm(options) : tf.layers.gru(options)],
  })
  model.compile({ optimizer: tf.train.sgd(LEARNING_RATE), loss: 'meanSquaredError' })
  const xs = tf.randomNormal([s.B, s.T, s.I], 0, 1, 'float32', 1)
  const ys = tf.randomNormal([s.B, s.T, s.H], 0, 1, 'float32', 2)
  return {
    step: async () => {
      const loss = await model.trainOnBatch(xs, ys)
      return Array.isArray(loss) ? loss[0] : loss
    },
    dispose: () => {
      tf.dispose([xs, ys])
      model.dispose()
    },
  }
}

/** The LSTM trainer (`recurrentTrainer('lstm', s)`), as the memory children use it. */
export const lstmTrainer = (s: LstmSize) => recurrentTrainer('lstm', s)
