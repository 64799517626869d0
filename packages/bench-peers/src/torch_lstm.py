"""PyTorch nn.LSTM / nn.GRU training steps per second (forward, backward, SGD), printed as one JSON object.

Usage: python3 torch_lstm.py '[{"name": "main", "cell": "LSTM", "B": 32, "T": 35, "I": 64, "H": 128}, ...]' [budget]
       python3 torch_lstm.py --serve

With --serve it answers one JSON line per request line on stdin, so that the caller can take its
samples in turn with its own (the benchmark's paired rounds): {"job": {...size...}, "reps": n}
runs n steps of that size's trainer (built and warmed up on first use) and answers {"seconds": s};
{"config": true} answers the configuration report below.

Each step: zero the gradients, run nn.LSTM (or nn.GRU) over a time-major [T, B, I] input, mean
squared error of the outputs against a fixed random target, backward, torch.optim.SGD step. The
figure is the median over samples, each sample lasting at least 0.2 s, within a time budget per
size. Threads and BLAS come from the environment the caller sets (OPENBLAS_NUM_THREADS,
OMP_NUM_THREADS, LD_LIBRARY_PATH): the report says which BLAS library the process really loaded.
"""

import json
import os
import statistics
import sys
import time

import torch


def median_seconds(step, budget, samples=5, min_seconds=0.2):
    t0 = time.perf_counter()
    step()  # warm-up
    first = time.perf_counter() - t0
    reps = 1
    while first < min_seconds:
        reps = max(reps * 2, int(reps * min_seconds / max(first, 1e-6) * 1.2) + 1)
        t0 = time.perf_counter()
        for _ in range(reps):
            step()
        first = time.perf_counter() - t0
    n = max(1, min(samples, int(budget // first)))
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        for _ in range(reps):
            step()
        times.append((time.perf_counter() - t0) / reps)
    return statistics.median(times), n, reps


def trainer(size, lr=0.01):
    torch.manual_seed(0)
    module = torch.nn.LSTM if size.get("cell", "LSTM") == "LSTM" else torch.nn.GRU
    lstm = module(size["I"], size["H"])
    xs = torch.randn(size["T"], size["B"], size["I"])
    target = torch.randn(size["T"], size["B"], size["H"])
    opt = torch.optim.SGD(lstm.parameters(), lr=lr)
    loss_fn = torch.nn.MSELoss()

    def step():
        opt.zero_grad()
        out, _ = lstm(xs)
        loss = loss_fn(out, target)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def config():
    shown = torch.__config__.show().splitlines()
    blas = next((part.split("BLAS_INFO=")[1].strip() for line in shown for part in line.split(",") if "BLAS_INFO=" in part), "unknown")
    # Which BLAS, LAPACK, OpenMP and oneDNN libraries the process really loaded (after the run).
    with open("/proc/self/maps") as maps:
        loaded = sorted({line.split()[-1] for line in maps if any(k in line for k in ("blas", "lapack", "mkl", "omp", "dnnl"))})
    parallel = [line.strip() for line in torch.__config__.parallel_info().splitlines() if line.strip()]
    # The file behind the libblas.so.3 the loader picked (Debian's alternatives, or LD_LIBRARY_PATH).
    with open("/proc/self/maps") as maps:
        blas_files = sorted({line.split()[-1] for line in maps if "/libblas.so.3" in line.split()[-1]})
    blas_library = ", ".join(os.path.realpath(f) for f in blas_files) or "none"
    return {
        "version": torch.__version__,
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "blas": blas,
        "blas_library": blas_library,
        "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "unset"),
        "loaded_libraries": loaded,
        "mkl": torch.backends.mkl.is_available(),
        "mkldnn": torch.backends.mkldnn.is_available(),
        "config_head": [line.strip() for line in shown[:7] if line.strip()],
        "parallel_info": parallel[:6],
    }


def serve():
    trainers = {}
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("config"):
            print(json.dumps(config()), flush=True)
            continue
        key = json.dumps(request["job"], sort_keys=True)
        if key not in trainers:
            trainers[key] = trainer(request["job"])
            trainers[key]()  # warm-up
        step = trainers[key]
        t0 = time.perf_counter()
        for _ in range(int(request["reps"])):
            step()
        print(json.dumps({"seconds": time.perf_counter() - t0}), flush=True)


def main():
    if sys.argv[1:2] == ["--serve"]:
        serve()
        return
    sizes = json.loads(sys.argv[1])
    budget = float(sys.argv[2]) if len(sys.argv) > 2 else 6.0
    results = []
    for size in sizes:
        seconds, samples, reps = median_seconds(trainer(size), budget)
        results.append({"name": size["name"], "cell": size.get("cell", "LSTM"), "steps_per_s": 1.0 / seconds, "samples": samples, "reps": reps})
    print(json.dumps({"config": config(), "results": results}))


if __name__ == "__main__":
    main()
