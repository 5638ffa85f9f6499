#!/usr/bin/env python3
"""bench/word2vec_ref.py -- the references of bench/word2vec.c.

word2vec: the original C tool (Mikolov's word2vec.c), built by scripts/bench.sh
    from WORD2VEC_DIR (bench/peers.sh, which exports WORD2VEC_BIN), on the same
    corpus with the same settings as ours:
        word2vec -train BIBLE -output /tmp/x.bin -cbow 0|1 -size 100 -window 5
            -negative 5 -hs 0 -sample 1e-4 -iter 5 -min-count 5 -threads T -binary 1
    (its default alpha, 0.025 skip-gram and 0.05 CBOW, as ours). words/s, CPU
    seconds (user + system, all threads) and peak RSS measured as for ours. Always listed: when WORD2VEC_BIN is empty
    (no WORD2VEC_DIR) its rows say "absent".

fasttext: Debian's `fasttext` (0.9.2) on the same corpus and settings:
    fasttext skipgram|cbow -input BIBLE -output /tmp/x -minn 0 -maxn 0 -bucket 0
        -dim 100 -ws 5 -neg 5 -loss ns -t 1e-4 -epoch 5 -minCount 5
        -lr 0.025 (skip-gram) | 0.05 (CBOW) -thread T
With no character n-grams (-minn 0 -maxn 0) fastText is word2vec; -bucket 0
stops it allocating 2M unused n-gram rows (800 MB). words/s = 5 passes x the
corpus tokens (words plus one per line) / wall seconds, as bench/word2vec.c;
peak RSS from the child's rusage.

torch: the NNLM case, Bengio's model in PyTorch (CPU, float32) with the
configuration of bench/word2vec.c (order 5, embed 64, hidden 128, batch 128,
Adam, vocabulary of the words seen twice or more): training tokens per
second over one epoch of 30k shuffled Bible tokens, as our metrics.tsv
reports it. Run only when torch imports.
"""
import argparse
import os
import resource
import shutil
import subprocess
import tempfile
import time

TRAIN = "data/cache/bible/words.train.txt"


def tokens(path):
    n = 0
    with open(path, "rb") as f:
        for line in f:
            n += len(line.split()) + 1
    return n


def run(cmd):
    """Wall seconds and peak RSS (MB) of one child, from wait4()."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    secs = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit(f"word2vec_ref.py: {' '.join(cmd)} failed (exit {p.returncode})")
    run.cpu = ru.ru_utime + ru.ru_stime   # CPU seconds of the last run, all threads
    return secs, ru.ru_maxrss / 1024.0


def original(threads, n):
    """The original word2vec tool, or "absent" rows when it was not built."""
    exe = os.environ.get("WORD2VEC_BIN", "")
    for model, cbow in (("skipgram", "0"), ("cbow", "1")):
        if exe:
            with tempfile.TemporaryDirectory() as tmp:
                secs, rss = run([exe, "-train", TRAIN, "-output", os.path.join(tmp, "x.bin"), "-cbow", cbow,
                                 "-size", "100", "-window", "5", "-negative", "5", "-hs", "0", "-sample", "1e-4",
                                 "-iter", "5", "-min-count", "5", "-threads", str(threads), "-binary", "1"])
            wps, mb, cpu = f"{5 * n / secs:.0f}", f"{rss:.1f}", f"{run.cpu:.2f}"
        else:
            wps = mb = cpu = "absent"
        print(f"RESULT stage=bench bench=word2vec case=bible_{model}_t{threads} impl=word2vec value={wps} unit=words/s")
        print(f"RESULT stage=bench bench=word2vec case=bible_{model}_cpu_t{threads} impl=word2vec value={cpu} unit=s")
        print(f"RESULT stage=bench bench=word2vec case=bible_{model}_rss_t{threads} impl=word2vec value={mb} unit=MB")


def nnlm_torch(threads):
    import torch
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    lines = [l.split() for l in open(TRAIN, encoding="utf-8")]
    counts = {}
    for l in lines:
        for w in l:
            counts[w] = counts.get(w, 0) + 1
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2, "<pad>": 3}
    for w, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if c >= 2:
            vocab[w] = len(vocab)
    order, emb, hid, batch, n_tok = 5, 64, 128, 128, 30000
    ctx, tgt = [], []
    for l in lines:
        ids = [vocab.get(w, 0) for w in l] + [2]
        for t, w in enumerate(ids):
            ctx.append([ids[p] if p >= 0 else 1 for p in range(t - order + 1, t)])
            tgt.append(w)
    ctx, tgt = torch.tensor(ctx), torch.tensor(tgt)
    V = len(vocab)
    model = torch.nn.Sequential(torch.nn.Embedding(V, emb), torch.nn.Flatten(),
                                torch.nn.Linear((order - 1) * emb, hid), torch.nn.Tanh(), torch.nn.Linear(hid, V))
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    perm = torch.randperm(len(tgt))[:n_tok]
    t0 = time.perf_counter()
    for i in range(0, n_tok, batch):
        idx = perm[i:i + batch]
        loss = torch.nn.functional.cross_entropy(model(ctx[idx]), tgt[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    tps = n_tok / (time.perf_counter() - t0)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"RESULT stage=bench bench=word2vec case=bible_nnlm_t{threads} impl=torch value={tps:.0f} unit=tokens/s")
    print(f"RESULT stage=bench bench=word2vec case=bible_nnlm_rss_t{threads} impl=torch value={rss:.1f} unit=MB")


def have_torch():
    try:
        import torch  # noqa: F401
        return True
    except ImportError:
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--impls", action="store_true")
    ap.add_argument("--impl")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=1)
    a = ap.parse_args()
    if a.impls:
        # the original tool always (its rows say "absent" without WORD2VEC_DIR)
        print(" ".join(["word2vec"] + (["fasttext"] if shutil.which("fasttext") else []) +
                       (["torch"] if have_torch() else [])))
        return
    if a.impl not in ("word2vec", "fasttext", "torch"):
        ap.error("unknown --impl")
    if not os.path.exists(TRAIN):
        return
    if a.impl == "torch":
        nnlm_torch(a.threads)
        return
    n = tokens(TRAIN)
    if a.impl == "word2vec":
        original(a.threads, n)
        return
    with tempfile.TemporaryDirectory() as tmp:
        for model, lr in (("skipgram", "0.025"), ("cbow", "0.05")):
            secs, rss = run(["fasttext", model, "-input", TRAIN, "-output", os.path.join(tmp, model),
                             "-minn", "0", "-maxn", "0", "-bucket", "0", "-dim", "100", "-ws", "5",
                             "-neg", "5", "-loss", "ns", "-t", "1e-4", "-epoch", "5", "-minCount", "5",
                             "-lr", lr, "-thread", str(a.threads), "-verbose", "0"])
            print(f"RESULT stage=bench bench=word2vec case=bible_{model}_t{a.threads} impl=fasttext "
                  f"value={5 * n / secs:.0f} unit=words/s")
            print(f"RESULT stage=bench bench=word2vec case=bible_{model}_cpu_t{a.threads} impl=fasttext "
                  f"value={run.cpu:.2f} unit=s")
            print(f"RESULT stage=bench bench=word2vec case=bible_{model}_rss_t{a.threads} impl=fasttext "
                  f"value={rss:.1f} unit=MB")


if __name__ == "__main__":
    main()
