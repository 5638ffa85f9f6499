"""PyTorch reference for gpt/gpt.c: a tiny GPT-2 written out op by op on
tensors stacked over the layers in llm.c's order (the layout of gpt.h).

Writes
  tests/fixtures/gpt_model.bin         bias=True: inputs, targets, every parameter,
                                       logits, loss, every gradient, and the
                                       losses of 6 AdamW steps (with clipping)
  tests/fixtures/gpt_model_nobias.bin  the same for bias=False (nanoGPT's choice)
  tests/fixtures/gpt_model_llmc.bin    the bias=True parameters in llm.c's model
                                       file format (header + padded wte)
Run: cd /work/main && /usr/bin/python3 tests/ref/ref_gpt.py
"""
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture import FIXTURES, write_fixture  # noqa: E402

NAMES = ["wte", "wpe", "ln1w", "ln1b", "qkvw", "qkvb", "attprojw", "attprojb",
         "ln2w", "ln2b", "fcw", "fcb", "fcprojw", "fcprojb", "lnfw", "lnfb"]
MATRICES = {"wte", "wpe", "qkvw", "attprojw", "fcw", "fcprojw"}


def make_params(V, maxT, L, C, bias, gen):
    """GPT-2's initialisation: N(0,0.02), residual projections / sqrt(2L),
    then a little noise on gains and biases so that their gradients matter."""
    shapes = {"wte": (V, C), "wpe": (maxT, C), "ln1w": (L, C), "ln1b": (L, C),
              "qkvw": (L, 3 * C, C), "qkvb": (L, 3 * C), "attprojw": (L, C, C), "attprojb": (L, C),
              "ln2w": (L, C), "ln2b": (L, C), "fcw": (L, 4 * C, C), "fcb": (L, 4 * C),
              "fcprojw": (L, C, 4 * C), "fcprojb": (L, C), "lnfw": (C,), "lnfb": (C,)}
    p = {}
    for n in NAMES:
        if not bias and n.endswith("b"):  # ln1b, qkvb, ... lnfb
            continue
        s = shapes[n]
        if n in ("attprojw", "fcprojw"):
            t = torch.randn(s, generator=gen) * (0.02 / math.sqrt(2 * L))
        elif n in MATRICES:
            t = torch.randn(s, generator=gen) * 0.02
        elif n.endswith("w"):
            t = 1.0 + 0.1 * torch.randn(s, generator=gen)
        else:
            t = 0.02 * torch.randn(s, generator=gen)
        p[n] = t.float().requires_grad_(True)
    return p


def forward(p, idx, targets, L, NH, mlp_hook=None):
    """mlp_hook(l, out), when given, returns what layer l's MLP adds to the
    stream instead of out (B,T,C): ROME's edit (tests/ref/ref_gpt_rome.py)."""
    B, T = idx.shape
    C = p["wte"].shape[1]
    hs = C // NH
    get = lambda n, l=None: (p[n] if l is None else p[n][l]) if n in p else None  # noqa: E731
    x = p["wte"][idx] + p["wpe"][:T]
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for l in range(L):
        h = F.layer_norm(x, (C,), get("ln1w", l), get("ln1b", l), 1e-5)
        qkv = F.linear(h, p["qkvw"][l], get("qkvb", l))
        q, k, v = qkv.split(C, dim=2)
        q = q.view(B, T, NH, hs).transpose(1, 2)
        k = k.view(B, T, NH, hs).transpose(1, 2)
        v = v.view(B, T, NH, hs).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) / math.sqrt(hs)
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        x = x + F.linear(y, p["attprojw"][l], get("attprojb", l))
        h = F.layer_norm(x, (C,), get("ln2w", l), get("ln2b", l), 1e-5)
        h = F.gelu(F.linear(h, p["fcw"][l], get("fcb", l)), approximate="tanh")
        out = F.linear(h, p["fcprojw"][l], get("fcprojb", l))
        x = x + (mlp_hook(l, out) if mlp_hook else out)
    x = F.layer_norm(x, (C,), p["lnfw"], get("lnfb"), 1e-5)
    logits = x @ p["wte"].t()
    if targets is None:
        return logits, None
    loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))
    return logits, loss


def reference(name, V, maxT, L, NH, C, B, T, bias, seed, steps=6):
    gen = torch.Generator().manual_seed(seed)
    p = make_params(V, maxT, L, C, bias, gen)
    data = torch.randint(0, V, (B, T + 1), generator=gen)
    idx, tgt = data[:, :T].contiguous(), data[:, 1:].contiguous()
    out = {"config": torch.tensor([V, maxT, L, NH, C, B, T, int(bias)], dtype=torch.float32),
           "idx": idx.float(), "targets": tgt.float()}
    for n, t in p.items():
        out[n] = t.detach().clone()
    logits, loss = forward(p, idx, tgt, L, NH)
    loss.backward()
    out["logits"] = logits.detach()
    out["loss"] = loss.detach().reshape(1)
    for n, t in p.items():
        out["d" + n] = t.grad.detach().clone()
    # AdamW steps on the same batch: decay on matrices only, clip at 1.0
    decay = [t for n, t in p.items() if n in MATRICES]
    no_decay = [t for n, t in p.items() if n not in MATRICES]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-2, betas=(0.9, 0.95), eps=1e-8)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        _, loss = forward(p, idx, tgt, L, NH)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(list(p.values()), 1.0)
        opt.step()
        losses.append(loss.item())
    out["adamw_losses"] = torch.tensor(losses)
    write_fixture(name, out)
    return out


def write_llmc(path, out, V, maxT, L, NH, C):
    Vp = (V + 127) // 128 * 128
    header = np.zeros(256, dtype="<i4")
    header[:8] = [20240326, 3, maxT, V, L, NH, C, Vp]
    with open(path, "wb") as f:
        f.write(header.tobytes())
        for n in NAMES:
            a = out[n].numpy().astype("<f4")
            if n == "wte":
                a = np.concatenate([a, np.zeros((Vp - V, C), dtype="<f4")])
            f.write(a.tobytes())
    print(f"wrote {os.path.relpath(path)} (llm.c model, Vp={Vp})")


if __name__ == "__main__":
    torch.manual_seed(1337)
    V, maxT, L, NH, C, B, T = 64, 16, 2, 4, 32, 2, 16
    out = reference("gpt_model", V, maxT, L, NH, C, B, T, bias=True, seed=1)
    write_llmc(os.path.join(FIXTURES, "gpt_model_llmc.bin"), out, V, maxT, L, NH, C)
    reference("gpt_model_nobias", 32, 8, 1, 2, 16, 2, 8, bias=False, seed=2)
