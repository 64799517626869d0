// The second thread of the WebAssembly kernels in a browser (see wasm.ts, loadWasm): a module
// worker that receives the compiled module, the kernels' shared linear memory and the control
// word, then waits on the control word for work, as matmul-worker.mjs does in Node.
self.onmessage = ({ data: { module, memory, control, kernels: names } }) => {
  const kernels = new WebAssembly.Instance(module, { env: { memory, abort: () => {} } }).exports
  const ctl = new Int32Array(control)
  // ctl[0]: 1 = a job is posted, −1 = stop; ctl[1]: 1 = done, 2 = failed; ctl[2]: the kernel, an index into
  // `names` (sent by wasm.ts: SECOND_THREAD_KERNELS); ctl[3]: how many arguments; ctl[4…]: the arguments.
  const run = names.map((name) => kernels[name])
  for (;;) {
    Atomics.wait(ctl, 0, 0)
    if (Atomics.load(ctl, 0) === -1) break
    // A kernel that traps says so (2) instead of leaving the caller waiting.
    let done = 1
    try {
      run[ctl[2]](...ctl.subarray(4, 4 + ctl[3]))
    } catch {
      done = 2
    }
    Atomics.store(ctl, 0, 0)
    Atomics.store(ctl, 1, done)
    Atomics.notify(ctl, 1)
  }
}
