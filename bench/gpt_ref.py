"""The references of the GPT benchmark (bench/gpt.c, run by `make bench`).

pytorch: the same model as gpt/gpt.c (nanoGPT's architecture, tanh GELU, tied
output), the same step (forward, backward, clip 1.0, AdamW) on random tokens,
median step time.

llmc: llm.c's CPU trainer (karpathy/llm.c train_gpt2.c, built by
scripts/bench.sh from LLMC_DIR, see bench/peers.sh, which exports LLMC_BIN),
unmodified, for the gpt2 case only: train_gpt2.c hard-codes B = 4, T = 64,
which is exactly our gpt2 case (GPT-2 124M at 4 x 64 tokens); the baby case
has B = 12 here, so llm.c cannot run it at the same shape. train_gpt2 reads
fixed file names from its working directory, so the files are written by us
into $BENCH_PEERS/llmc/gpt2/ (once, then reused):
    gpt2_124M.bin      GPT-2 124M with biases, our random initialisation after
                       one training step (`gpt train --layers 12 --heads 12
                       --width 768 --context 1024 --bias 1 --vocab GPT-2's
                       --steps 1`), written in llm.c's format by `gpt convert`
    dev/data/tinyshakespeare/tiny_shakespeare_{train,val}.bin
                       the first 60,000 characters of Tiny Shakespeare, GPT-2
                       tokens, in llm.c's token-file format (`gpt encode --out`)
(no gpt2_tokenizer.bin: train_gpt2 warns and carries on; it only decodes
samples, at step 20). It runs with OMP_NUM_THREADS = the thread count and its
stdout line-buffered; the "step N: ... (took X ms)" lines of steps 1..K
(K = BENCH_LLMC_STEPS, default 5; step 0 is a warm-up, as our 2 warm-up
steps) give the median, and the process is then stopped, before its
validation at step 10 and its sampling at step 20. Its optimizer step is
AdamW without clipping (ours clips at 1.0, a few ms at this size). Always
listed: without LLMC_BIN its rows say "absent".

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/gpt_ref.py --config baby --threads 2

Without --config it times each config named in BENCH_GPT_CASES (default "baby"), as
bench/gpt.c does. Prints a RESULT line per config in scripts/bench.sh's form (impl=pytorch, value = tokens per
second of the median step). OMP_WAIT_POLICY=PASSIVE (the Makefile exports it) matters: with
2 threads, spinning idle OpenMP threads steal the core OpenBLAS needs.
"""
import argparse
import math
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from datapath import data_file

CONFIGS = {  # L, NH, C, V, maxT, B, T, bias
    "baby": (4, 4, 128, 65, 64, 12, 64, False),
    "gpt2": (12, 12, 768, 50257, 1024, 4, 64, True),
}


class Block(nn.Module):
    def __init__(self, C, NH, bias):
        super().__init__()
        self.nh = NH
        self.ln1 = nn.LayerNorm(C, elementwise_affine=True)
        self.ln2 = nn.LayerNorm(C, elementwise_affine=True)
        if not bias:
            self.ln1.bias = None
            self.ln2.bias = None
        self.qkv = nn.Linear(C, 3 * C, bias=bias)
        self.proj = nn.Linear(C, C, bias=bias)
        self.fc = nn.Linear(C, 4 * C, bias=bias)
        self.fcproj = nn.Linear(4 * C, C, bias=bias)

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.nh, C // self.nh).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(C // self.nh)
        mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        x = x + self.proj(y)
        return x + self.fcproj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


def cached_attention(block, x, cache):
    """Block's forward for the new positions x (1, t, C) after the cached ones:
    their keys and values join cache["k"], cache["v"] (1, NH, past, C/NH)."""
    B, t, C = x.shape
    q, k, v = block.qkv(block.ln1(x)).split(C, dim=2)
    q, k, v = (u.view(B, t, block.nh, C // block.nh).transpose(1, 2) for u in (q, k, v))
    if "k" in cache:
        k, v = torch.cat([cache["k"], k], dim=2), torch.cat([cache["v"], v], dim=2)
    cache["k"], cache["v"] = k, v
    att = (q @ k.transpose(-2, -1)) / math.sqrt(C // block.nh)
    past = k.shape[2] - t   # new position i sees every cached one and the new ones up to i
    mask = torch.ones(t, k.shape[2], dtype=torch.bool).tril(diagonal=past)
    y = (att.masked_fill(~mask, float("-inf")).softmax(-1) @ v).transpose(1, 2).contiguous().view(B, t, C)
    x = x + block.proj(y)
    return x + block.fcproj(F.gelu(block.fc(block.ln2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, L, NH, C, V, maxT, bias):
        super().__init__()
        self.wte = nn.Embedding(V, C)
        self.wpe = nn.Embedding(maxT, C)
        self.blocks = nn.ModuleList([Block(C, NH, bias) for _ in range(L)])
        self.lnf = nn.LayerNorm(C)
        if not bias:
            self.lnf.bias = None

    def forward(self, idx, targets):
        T = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(T))
        for b in self.blocks:
            x = b(x)
        logits = self.lnf(x) @ self.wte.weight.t()
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))

    def next_logits(self, idx, caches):
        """Logits after the new tokens idx (1, t), extending the per-block KV caches."""
        past = caches[0]["k"].shape[2] if caches[0] else 0
        x = self.wte(idx) + self.wpe(torch.arange(past, past + idx.shape[1]))
        for b, c in zip(self.blocks, caches):
            x = cached_attention(b, x, c)
        return self.lnf(x[:, -1]) @ self.wte.weight.t()


def time_config(config, threads, steps):
    """Median training-step time of one config; prints its RESULT line."""
    torch.manual_seed(1)
    L, NH, C, V, maxT, B, T, bias = CONFIGS[config]
    model = GPT(L, NH, C, V, maxT, bias)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    other = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": other, "weight_decay": 0.0}],
                            lr=1e-4, betas=(0.9, 0.99))
    x = torch.randint(0, V, (B, T))
    y = torch.randint(0, V, (B, T))
    times = []
    for s in range(steps + 2):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if s >= 2:
            times.append(1e3 * (time.perf_counter() - t0))
    ms = statistics.median(times)
    params = sum(p.numel() for p in model.parameters())
    print(f"RESULT stage=bench bench=gpt case={config}_t{threads} impl=pytorch value={B * T / (ms / 1e3):.0f} "
          f"unit=tok/s ms_per_step={ms:.2f} params={params}")


def time_generate(config, threads, runs=5):
    """Generation with the KV cache as `gpt bench` times it: a one-token prompt,
    then maxT - 1 tokens drawn from the full softmax at temperature 1 (the last
    one drawn needs no forward pass); the median of 5 runs. Prints its RESULT line."""
    torch.manual_seed(1)
    L, NH, C, V, maxT, B, T, bias = CONFIGS[config]
    model = GPT(L, NH, C, V, maxT, bias).eval()
    n = min(64, maxT) - 1
    secs = []
    with torch.no_grad():
        for _ in range(runs):
            t0 = time.perf_counter()
            caches = [{} for _ in range(L)]
            logits = model.next_logits(torch.randint(0, V, (1, 1)), caches)
            for made in range(n):
                tok = torch.multinomial(logits.softmax(-1), 1)
                if made + 1 == n:
                    break
                logits = model.next_logits(tok, caches)
            secs.append(time.perf_counter() - t0)
    print(f"RESULT stage=bench bench=gpt case={config}_gen_t{threads} impl=pytorch "
          f"value={n / statistics.median(secs):.1f} unit=tok/s")


def llmc_prepare(threads):
    """The working directory train_gpt2 expects, written once by our bin/gpt."""
    root = os.path.join(os.environ.get("BENCH_PEERS", "build/peers"), "llmc", "gpt2")
    model = os.path.join(root, "gpt2_124M.bin")
    data = os.path.join(root, "dev", "data", "tinyshakespeare")
    if os.path.exists(model) and os.path.exists(os.path.join(data, "tiny_shakespeare_val.bin")):
        return root
    gpt = os.path.join(os.environ.get("BIN", "bin"), "gpt")
    vocab = data_file("gpt2")
    text = data_file("tinyshakespeare/input.txt")
    os.makedirs(data, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-llmc-") as tmp:
        sample = os.path.join(tmp, "ts60k.txt")
        with open(text, "rb") as f, open(sample, "wb") as g:
            g.write(f.read(60000))
        for split in ("train", "val"):
            subprocess.run([gpt, "encode", "--vocab", vocab, "--out",
                            os.path.join(data, f"tiny_shakespeare_{split}.bin"), sample], check=True,
                           stdout=subprocess.DEVNULL)
        run = os.path.join(tmp, "init")
        print("gpt_ref.py: writing a GPT-2 124M in llm.c's format for llm.c's trainer (once; minutes)",
              file=sys.stderr)
        subprocess.run([gpt, "train", "--layers", "12", "--heads", "12", "--width", "768", "--context", "1024",
                        "--bias", "1", "--vocab", vocab, "--data", sample, "--steps", "1", "--batch", "1",
                        "--eval-iters", "1", "--final-eval-iters", "1", "--eval-interval", "1000",
                        "--threads", str(threads), "--quiet", "--out", run], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run([gpt, "convert", "--in", os.path.join(run, "ckpt.bin"), "--out", model + ".tmp"],
                       check=True, stdout=subprocess.DEVNULL)
        os.replace(model + ".tmp", model)
    return root


def llmc_time(threads, config):
    """Median step time of llm.c's train_gpt2 on our gpt2 case; prints its RESULT line."""
    exe = os.environ.get("LLMC_BIN", "")
    if config != "gpt2":
        return   # train_gpt2.c's B = 4 is not the baby case's B = 12: no row
    if not exe:
        print(f"RESULT stage=bench bench=gpt case=gpt2_t{threads} impl=llmc value=absent unit=tok/s")
        return
    root = llmc_prepare(threads)
    steps = int(os.environ.get("BENCH_LLMC_STEPS", "5"))
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    p = subprocess.Popen(["stdbuf", "-oL", exe], cwd=root, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    times, val_loss = [], None
    try:
        for line in p.stdout:
            m = re.match(r"val loss ([0-9.]+)", line)
            if m and val_loss is None:
                val_loss = float(m.group(1))
            m = re.match(r"step (\d+): train loss [-0-9.naif]+ \(took ([0-9.]+) ms\)", line)
            if m and int(m.group(1)) >= 1:
                times.append(float(m.group(2)))
                if len(times) >= steps:
                    break
    finally:
        p.kill()
        p.wait()
    if len(times) < steps:
        raise SystemExit(f"gpt_ref.py: llm.c's train_gpt2 stopped after {len(times)} timed steps (run it in {root})")
    ms = statistics.median(times)
    B, T = 4, 64
    print(f"RESULT stage=bench bench=gpt case=gpt2_t{threads} impl=llmc value={B * T / (ms / 1e3):.0f} "
          f"unit=tok/s ms_per_step={ms:.2f} val_loss={val_loss}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", choices=CONFIGS)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", "--reps", type=int, default=10, dest="steps")
    ap.add_argument("--impl", default="pytorch", choices=["pytorch", "llmc"])
    ap.add_argument("--impls", action="store_true", help="list the implementations and exit")
    a = ap.parse_args()
    configs = [a.config] if a.config else os.environ.get("BENCH_GPT_CASES", "baby").split()
    if a.impls:
        # llm.c only runs the gpt2 case (its B = 4 is hard-coded); listed even when absent
        print("pytorch llmc" if "gpt2" in configs else "pytorch")
        return
    torch.set_num_threads(a.threads)
    for config in configs:
        if config not in CONFIGS:
            raise SystemExit(f"gpt_ref.py: unknown config '{config}' (known: {', '.join(CONFIGS)})")
        if a.impl == "llmc":
            llmc_time(a.threads, config)
        else:
            time_config(config, a.threads, a.steps)
            time_generate(config, a.threads)


if __name__ == "__main__":
    main()
