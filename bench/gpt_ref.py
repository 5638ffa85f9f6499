"""PyTorch side of the GPT benchmark (bench/gpt.c, run by `make bench`): the same model as
gpt/gpt.c (nanoGPT's architecture, tanh GELU, tied output), the same step
(forward, backward, clip 1.0, AdamW) on random tokens, median step time.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/gpt_ref.py --config baby --threads 2

Without --config it times each config named in BENCH_GPT_CASES (default "baby"), as
bench/gpt.c does. Prints a RESULT line per config in scripts/bench.sh's form (impl=pytorch, value = tokens per
second of the median step). OMP_WAIT_POLICY=PASSIVE (the Makefile exports it) matters: with
2 threads, spinning idle OpenMP threads steal the core OpenBLAS needs.
"""
import argparse
import math
import os
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", choices=CONFIGS)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", "--reps", type=int, default=10, dest="steps")
    ap.add_argument("--impl", default="pytorch", choices=["pytorch"])
    ap.add_argument("--impls", action="store_true", help="list the implementations and exit")
    a = ap.parse_args()
    if a.impls:
        print("pytorch")
        return
    torch.set_num_threads(a.threads)
    configs = [a.config] if a.config else os.environ.get("BENCH_GPT_CASES", "baby").split()
    for config in configs:
        if config not in CONFIGS:
            raise SystemExit(f"gpt_ref.py: unknown config '{config}' (known: {', '.join(CONFIGS)})")
        time_config(config, a.threads, a.steps)


if __name__ == "__main__":
    main()
