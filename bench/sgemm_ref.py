#!/usr/bin/python3
"""sgemm_ref.py -- the reference side of the sgemm benchmark: numpy and torch.matmul.

Measures float32 C (M,N) = A (M,K) @ B (K,N) at the same sizes and the same way
as bench/sgemm.c (warm-up, samples of >= 20 ms, median GFLOP/s; the best sample
for the peak size), and prints the same RESULT lines with impl=numpy or
impl=torch. Debian's numpy and torch both call the system OpenBLAS (libblas.so.3),
the library our matmul() wraps, so the comparison shows the cost of each
wrapper, not of a different BLAS.

    /usr/bin/python3 bench/sgemm_ref.py --impls                    # -> "numpy torch"
    OPENBLAS_NUM_THREADS=2 /usr/bin/python3 bench/sgemm_ref.py --impl numpy --threads 2

Threads: numpy has no thread setting of its own (threadpoolctl is used when
installed); OpenBLAS reads OPENBLAS_NUM_THREADS when it loads, so
scripts/bench.sh runs each implementation in a fresh process with that
variable set, for our binary too. torch additionally gets torch.set_num_threads.
"""
import argparse
import os
import sys
import time

# (M, N, K, peak): keep in step with the sizes[] table of bench/sgemm.c
SIZES = [
    (64, 768, 768, False),
    (768, 3072, 768, False),
    (1024, 1024, 1024, False),
    (2048, 2048, 2048, True),
]
SAMPLE_SECONDS = 0.02
WARMUP_CALLS = 3
IMPLS = ["numpy", "torch"]


def make_numpy(M, N, K, rng):
    import numpy as np
    A = rng.uniform(-1, 1, (M, K)).astype(np.float32)
    B = rng.uniform(-1, 1, (K, N)).astype(np.float32)
    C = np.empty((M, N), dtype=np.float32)
    return lambda: np.matmul(A, B, out=C)


def make_torch(M, N, K, rng):
    import torch
    A = torch.from_numpy(rng.uniform(-1, 1, (M, K)).astype("float32"))
    B = torch.from_numpy(rng.uniform(-1, 1, (K, N)).astype("float32"))
    C = torch.empty((M, N), dtype=torch.float32)
    return lambda: torch.matmul(A, B, out=C)


def measure(call, M, N, K, reps, peak):
    """GFLOP/s: the median over reps samples, or the best one for a peak size."""
    t = time.perf_counter()
    for _ in range(WARMUP_CALLS):
        call()
    per_call = (time.perf_counter() - t) / WARMUP_CALLS
    calls = 1 if per_call >= SAMPLE_SECONDS else int(SAMPLE_SECONDS / per_call) + 1
    flops = 2.0 * M * N * K * calls
    gflops = []
    for _ in range(reps):
        t = time.perf_counter()
        for _ in range(calls):
            call()
        gflops.append(flops / (time.perf_counter() - t) / 1e9)
    gflops.sort()
    return gflops[-1] if peak else gflops[reps // 2]


def set_threads(impl, n):
    env = os.environ.get("OPENBLAS_NUM_THREADS")
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(n)
    except ImportError:
        if env != str(n):
            print(f"sgemm_ref.py: warning: OPENBLAS_NUM_THREADS={env} but --threads {n}; "
                  f"numbers use OpenBLAS's default", file=sys.stderr)
    if impl == "torch":
        import torch
        torch.set_num_threads(n)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--impls", action="store_true", help="list the implementations and exit")
    ap.add_argument("--impl", choices=IMPLS, default="numpy")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=9)
    args = ap.parse_args()
    if args.impls:
        print(" ".join(IMPLS))
        return 0
    try:
        import numpy as np
        make = make_numpy
        if args.impl == "torch":
            import torch  # noqa: F401
            make = make_torch
    except ImportError as e:
        print(f"sgemm_ref.py: error: {e}: install the references with scripts/deps.sh bench",
              file=sys.stderr)
        return 3
    set_threads(args.impl, args.threads)
    rng = np.random.default_rng(1234)
    for M, N, K, peak in SIZES:
        reps = (args.reps + 1) // 2 if peak else args.reps
        g = measure(make(M, N, K, rng), M, N, K, reps, peak)
        case = f"{'peak_' if peak else ''}{M}x{N}x{K}_t{args.threads}"
        print(f"RESULT stage=bench bench=sgemm case={case} impl={args.impl} "
              f"value={g:.2f} unit=GFLOP/s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
