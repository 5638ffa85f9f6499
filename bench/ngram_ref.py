#!/usr/bin/env python3
"""bench/ngram_ref.py -- KenLM's side of bench/ngram.c.

kenlm:          when lmplz and query are on PATH, measure them on the same
                workload: `lmplz -o 5 -S 100M < ptb.train.txt > x.arpa`, then
                `query x.arpa < ptb.test.txt` (ARPA loading and scoring); the
                median wall time and the peak RSS of each, like bench/ngram.c.
kenlm_reported: when KenLM is not installed (Debian does not package lmplz),
                the figures issue 3 records for this machine (lmplz ~2.2 s
                wall, ~76 MB peak RSS; ARPA load + score ~1.2 s), printed so
                the table still shows a ratio. They were measured once, not in
                this run, and the implementation name says so.
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time


def data_file(rel):
    """data/cache/<rel> (from `make data`), else $NLP_DATA_DIR/<rel>, as common/util.h's data_path."""
    cached = os.path.join("data", "cache", rel)
    env = os.environ.get("NLP_DATA_DIR")
    if os.path.exists(cached) or not env:
        return cached
    return os.path.join(env, rel)


def run(cmd, stdin_path, stdout_path):
    """Wall seconds and the peak RSS (MB) of one child."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    with open(stdin_path, "rb") as fin, open(stdout_path, "wb") as fout:
        subprocess.run(cmd, stdin=fin, stdout=fout, stderr=subprocess.DEVNULL, check=True)
    secs = time.perf_counter() - t0
    # ru_maxrss of children is the largest so far; each run is a fresh child of
    # similar size, so the running maximum is the peak of these runs
    return secs, max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024.0


def emit(case, threads, impl, value, unit):
    print(f"RESULT stage=bench bench=ngram case={case}_t{threads} impl={impl} value={value:.3f} unit={unit}")


def measure_kenlm(threads, reps):
    train = data_file("ptb/ptb.train.txt")
    test = data_file("ptb/ptb.test.txt")
    with tempfile.TemporaryDirectory() as tmp:
        arpa = os.path.join(tmp, "ptb5.arpa")
        build, score = [], []
        for _ in range(min(reps, 3)):
            build.append(run(["lmplz", "-o", "5", "-S", "100M"], train, arpa))
            score.append(run(["query", arpa], test, os.devnull))
    for name, runs in (("ptb_kn5_build", build), ("ptb_kn5_score", score)):
        emit(f"{name}_time", threads, "kenlm", statistics.median(s for s, _ in runs), "s")
        emit(f"{name}_rss", threads, "kenlm", max(m for _, m in runs), "MB")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--impls", action="store_true")
    ap.add_argument("--impl")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    have_kenlm = shutil.which("lmplz") and shutil.which("query")
    if a.impls:
        print("kenlm" if have_kenlm else "kenlm_reported")
        return
    if a.impl == "kenlm":
        measure_kenlm(a.threads, a.reps)
    elif a.impl == "kenlm_reported":
        emit("ptb_kn5_build_time", a.threads, a.impl, 2.2, "s")
        emit("ptb_kn5_build_rss", a.threads, a.impl, 76.0, "MB")
        emit("ptb_kn5_score_time", a.threads, a.impl, 1.2, "s")
    else:
        ap.error("unknown --impl")


if __name__ == "__main__":
    main()
