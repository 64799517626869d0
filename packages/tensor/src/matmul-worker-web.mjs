// The second thread of the WebAssembly kernels in a browser (see wasm.ts, loadWasm): a module
// worker that receives the compiled module, the kernels' shared linear memory and the control
// word, then waits on the control word for work, as matmul-worker.mjs does in Node.
self.onmessage = ({ data: { module, memory, control } }) => {
  const kernels = new WebAssembly.Instance(module, { env: { memory, abort: () => {} } }).exports
  const ctl = new Int32Array(control)
  // ctl[0]: 1 = a job is posted, −1 = stop; ctl[1]: 1 = done; ctl[2]: the kernel, an index into
  // this list (wasm.ts, SECOND_THREAD_KERNELS); ctl[3]: how many arguments; ctl[4…]: the arguments.
  const run = ['matmul', 'lstmForward', 'lstmBackward', 'gruForward', 'gruBackward'].map(
    (name) => kernels[name],
  )
  for (;;) {
    Atomics.wait(ctl, 0, 0)
    if (Atomics.load(ctl, 0) === -1) break
    run[ctl[2]](...ctl.subarray(4, 4 + ctl[3]))
    Atomics.store(ctl, 0, 0)
    Atomics.store(ctl, 1, 1)
    Atomics.notify(ctl, 1)
  }
}
