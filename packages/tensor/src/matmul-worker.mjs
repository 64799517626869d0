// The second thread of the WebAssembly kernels (see wasm.ts): it shares the kernels' linear
// memory with the main thread and waits on a control word for its half of a product's rows or
// of a recurrence's batch rows. Plain JavaScript, so it runs without a TypeScript loader.
import { workerData } from 'node:worker_threads'

const { module, memory, control, kernels: names } = workerData
const kernels = new WebAssembly.Instance(module, { env: { memory, abort: () => {} } }).exports
const ctl = new Int32Array(control)
// ctl[0]: 1 = a job is posted, −1 = stop; ctl[1]: 1 = done, 2 = failed; ctl[2]: the kernel, an index into
// `names` (sent by wasm.ts: SECOND_THREAD_KERNELS); ctl[3]: how many arguments; ctl[4…]: the arguments.
const KERNELS = names.map((name) => kernels[name])
for (;;) {
  Atomics.wait(ctl, 0, 0)
  const state = Atomics.load(ctl, 0)
  if (state === -1) break
  // A kernel that traps says so (2) instead of leaving the main thread waiting.
  let done = 1
  try {
    KERNELS[ctl[2]](...ctl.subarray(4, 4 + ctl[3]))
  } catch {
    done = 2
  }
  Atomics.store(ctl, 0, 0)
  Atomics.store(ctl, 1, done)
  Atomics.notify(ctl, 1)
}
