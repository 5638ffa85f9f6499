#!/usr/bin/env python3
"""bench/ngram_ref.py -- KenLM's side of bench/ngram.c, measured in the same run.

kenlm: KenLM's own tools on the same PTB files, for each order N of
       BENCH_NGRAM_ORDERS (default "5"):
           build      lmplz -o N -S 100M < ptb.train.txt > X.arpa
           score      query -v summary X.arpa < ptb.test.txt
           build_bin  the build above, then build_binary X.arpa X.binary
                      (corpus to binary model: wall and CPU summed, RSS the larger)
           score_bin  query -v summary X.binary < ptb.test.txt
       then query -v summary X.binary < ptb.valid.txt for the validation
       perplexity. Wall time, CPU time (user + system) and peak RSS of each
       child from wait4(), as bench/ngram.c measures ours; the perplexities
       from query's "Perplexity including OOVs:" line.

       lmplz refuses the literal <unk> in a corpus (--skip_symbols would turn
       it into whitespace, which changes the text), and PTB marks its rare
       words with it. KenLM's copy of the three files has <unk> renamed to
       PTBUNK (PTB is lower case, so no word collides): the same token stream,
       with <unk> counted as an ordinary word as ours counts it. The copies
       are made before any timing.

The tools come from $KENLM_BIN (scripts/bench.sh builds them from KENLM_DIR,
see bench/peers.sh), else from the PATH. When neither has them, KenLM is
absent: --impl kenlm prints every case with value=absent, so the table and
bench/results.tsv say "absent" instead of a number from another day.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datapath import data_file


def kenlm_tool(name):
    """Path of a KenLM tool: $KENLM_BIN/name, else the PATH, else None."""
    d = os.environ.get("KENLM_BIN", "")
    if d:
        p = os.path.join(d, name)
        return p if os.access(p, os.X_OK) else None
    return shutil.which(name)


def have_kenlm():
    return all(kenlm_tool(t) for t in ("lmplz", "query", "build_binary"))


def run(cmd, stdin_path=None, stdout_path=os.devnull):
    """Wall seconds, CPU seconds and peak RSS (MB) of one child, from wait4()."""
    fin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    with open(stdout_path, "wb") as fout:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=fin, stdout=fout, stderr=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        secs = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
    if stdin_path:
        fin.close()
    if p.returncode != 0:
        sys.exit(f"ngram_ref.py: {' '.join(cmd)} failed (exit {p.returncode})")
    return secs, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0


def perplexity(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("Perplexity including OOVs:"):
                return float(line.split(":", 1)[1])
    sys.exit(f"ngram_ref.py: no perplexity in KenLM query's output ({path})")


def emit(order, step, threads, impl, value, unit):
    v = value if isinstance(value, str) else (f"{value:.1f}" if unit == "MB" else f"{value:.3f}")
    print(f"RESULT stage=bench bench=ngram case=ptb_kn{order}_{step}_t{threads} impl={impl} value={v} unit={unit}")


def report(order, step, threads, m):
    secs, cpu, rss = m
    emit(order, f"{step}_time", threads, "kenlm", secs, "s")
    emit(order, f"{step}_cpu", threads, "kenlm", cpu, "s")
    emit(order, f"{step}_rss", threads, "kenlm", rss, "MB")


def rename_unk(src, dst):
    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as g:
        for line in f:
            g.write(" ".join("PTBUNK" if w == "<unk>" else w for w in line.split()) + "\n")


def measure_kenlm(order, threads):
    lmplz, query, build_binary = (kenlm_tool(t) for t in ("lmplz", "query", "build_binary"))
    with tempfile.TemporaryDirectory(prefix="bench-kenlm-") as tmp:
        files = {}
        for split in ("train", "test", "valid"):
            files[split] = os.path.join(tmp, f"ptb.{split}.txt")
            rename_unk(data_file(f"ptb/ptb.{split}.txt"), files[split])
        arpa, binary, out = (os.path.join(tmp, n) for n in ("x.arpa", "x.binary", "query.out"))

        build = run([lmplz, "-o", order, "-S", "100M", "-T", tmp], files["train"], arpa)
        report(order, "build", threads, build)
        score = run([query, "-v", "summary", arpa], files["test"], out)
        report(order, "score", threads, score)
        test_ppl = perplexity(out)

        binarize = run([build_binary, arpa, binary])
        report(order, "build_bin", threads,
               (build[0] + binarize[0], build[1] + binarize[1], max(build[2], binarize[2])))
        report(order, "score_bin", threads, run([query, "-v", "summary", binary], files["test"], out))
        run([query, "-v", "summary", binary], files["valid"], out)
        valid_ppl = perplexity(out)
    emit(order, "test_ppl", threads, "kenlm", test_ppl, "ppl")
    emit(order, "valid_ppl", threads, "kenlm", valid_ppl, "ppl")


def report_absent(order, threads):
    for step in ("build", "score", "build_bin", "score_bin"):
        report(order, step, threads, ("absent",) * 3)
    emit(order, "test_ppl", threads, "kenlm", "absent", "ppl")
    emit(order, "valid_ppl", threads, "kenlm", "absent", "ppl")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--impls", action="store_true")
    ap.add_argument("--impl")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=1, help="accepted; one run per process, as bench/ngram.c")
    a = ap.parse_args()
    if a.impls:
        print("kenlm")   # listed even when absent, so its rows say "absent"
        return
    if a.impl != "kenlm":
        ap.error("unknown --impl")
    if not os.path.exists(data_file("ptb/ptb.train.txt")):
        return   # bench/ngram.c says it skipped
    for order in os.environ.get("BENCH_NGRAM_ORDERS", "5").split():
        if have_kenlm():
            measure_kenlm(order, a.threads)
        else:
            report_absent(order, a.threads)


if __name__ == "__main__":
    main()
