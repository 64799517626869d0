// The second thread of the WebAssembly matmul (see wasm.ts): it shares the kernels' linear
// memory with the main thread and waits on a control word for rows to multiply. Plain
// JavaScript, so it runs without a TypeScript loader.
import { workerData } from 'node:worker_threads'

const { module, memory, control } = workerData
const kernels = new WebAssembly.Instance(module, { env: { memory, abort: () => {} } }).exports
const ctl = new Int32Array(control)
// ctl[0]: 1 = a job is posted, −1 = stop; ctl[1..11]: the kernel's arguments (pointers, sizes,
// scratch, strides); ctl[12]: 1 = done.
for (;;) {
  Atomics.wait(ctl, 0, 0)
  const state = Atomics.load(ctl, 0)
  if (state === -1) break
  kernels.matmul(ctl[1], ctl[2], ctl[3], ctl[4], ctl[5], ctl[6], ctl[7], ctl[8], ctl[9], ctl[10], ctl[11])
  Atomics.store(ctl, 0, 0)
  Atomics.store(ctl, 12, 1)
  Atomics.notify(ctl, 12)
}
