#!/usr/bin/env python3
"""bench/gpt_shakespeare_torch.py -- PyTorch's side of bench/gpt_shakespeare.sh:
nanoGPT's CPU recipe for Tiny Shakespeare characters (its
config/train_shakespeare_char.py with the README's CPU overrides), which is
what `gpt train --preset shakespeare-char` runs, written with the model of
bench/gpt_ref.py (nanoGPT's architecture, tanh GELU, tied output, no biases).

    /usr/bin/python3 bench/gpt_shakespeare_torch.py [--seed 1337] [--threads 2]

nanoGPT's choices, kept: the characters of tinyshakespeare/input.txt sorted
into the vocabulary (65), the first 90% train and the last 10% validate;
batches of 12 random windows of 64 (torch.randint offsets); 4 layers, 4
heads, 128 wide, dropout 0; weights N(0, 0.02), the residual projections
N(0, 0.02 / sqrt(2 L)), LayerNorm weights 1; AdamW (0.9, 0.99), weight decay
0.1 on the 2-D weights only; lr 1e-3 with 100 warm-up steps ((it + 1) / 101)
and a cosine to 1e-4 at step 2000; gradient clipping at 1.0; 2000 steps. The
final validation loss is the mean over 200 random validation batches, as
`gpt train`'s RESULT line (nanoGPT's estimate_loss uses 20 in this recipe).
Prints
    RESULT stage=bench bench=gpt_shakespeare case=val_loss_200_seedS impl=pytorch value=X unit=nats
and, on stderr, the loss at each 250 steps (over 20 validation batches).
"""
import argparse
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gpt_ref import GPT  # noqa: E402  (the same module as the speed benchmark)
from datapath import data_file


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1337)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=2000)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    text = open(data_file("tinyshakespeare/input.txt"), encoding="utf-8").read()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([stoi[c] for c in text], dtype=torch.long)
    n = int(0.9 * len(data))
    train, val = data[:n], data[n:]
    L, NH, C, T, B = 4, 4, 128, 64, 12
    V = len(chars)

    def batch(split):
        d = train if split == "train" else val
        ix = torch.randint(len(d) - T, (B,))
        x = torch.stack([d[i:i + T] for i in ix])
        y = torch.stack([d[i + 1:i + 1 + T] for i in ix])
        return x, y

    model = GPT(L, NH, C, V, T, False)
    with torch.no_grad():   # nanoGPT's _init_weights, then its scaled residual projections
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                std = 0.02 / math.sqrt(2 * L) if name.endswith("proj.weight") and "blocks" in name else 0.02
                p.normal_(0.0, std)
            elif name.endswith("bias"):
                p.zero_()
            else:
                p.fill_(1.0)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    other = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": other, "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.99))

    def lr_at(it, lr=1e-3, min_lr=1e-4, warmup=100, decay_iters=2000):
        if it < warmup:
            return lr * (it + 1) / (warmup + 1)
        if it > decay_iters:
            return min_lr
        ratio = (it - warmup) / (decay_iters - warmup)
        return min_lr + 0.5 * (1.0 + math.cos(math.pi * ratio)) * (lr - min_lr)

    @torch.no_grad()
    def val_loss(iters):
        model.eval()
        losses = [model(*batch("val")).item() for _ in range(iters)]
        model.train()
        return sum(losses) / len(losses)

    t0 = time.perf_counter()
    for it in range(a.steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(it)
        x, y = batch("train")
        loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if (it + 1) % 250 == 0:
            print(f"gpt_shakespeare_torch.py: step {it + 1} train {loss.item():.4f} val(20) {val_loss(20):.4f} "
                  f"{time.perf_counter() - t0:.0f} s", file=sys.stderr)
    print(f"RESULT stage=bench bench=gpt_shakespeare case=val_loss_200_seed{a.seed} impl=pytorch "
          f"value={val_loss(200):.4f} unit=nats")


if __name__ == "__main__":
    main()
