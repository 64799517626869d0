// The second thread of the WebAssembly matmul in a browser (see wasm.ts, loadWasm): a module
// worker that receives the compiled module, the kernels' shared linear memory and the control
// word, then waits on the control word for rows to multiply, as matmul-worker.mjs does in Node.
self.onmessage = ({ data: { module, memory, control } }) => {
  const kernels = new WebAssembly.Instance(module, { env: { memory, abort: () => {} } }).exports
  const ctl = new Int32Array(control)
  // ctl[0]: 1 = a job is posted, −1 = stop; ctl[1..11]: the kernel's arguments (pointers, sizes,
  // scratch, strides); ctl[12]: 1 = done.
  for (;;) {
    Atomics.wait(ctl, 0, 0)
    if (Atomics.load(ctl, 0) === -1) break
    kernels.matmul(ctl[1], ctl[2], ctl[3], ctl[4], ctl[5], ctl[6], ctl[7], ctl[8], ctl[9], ctl[10], ctl[11])
    Atomics.store(ctl, 0, 0)
    Atomics.store(ctl, 12, 1)
    Atomics.notify(ctl, 12)
  }
}
