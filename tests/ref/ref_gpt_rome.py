"""PyTorch reference for ROME's value optimisation (gpt/rome.c,
rome_value_loss): the loss of a delta added to one MLP's output at each
prompt's last subject token, and its gradient, on a tiny GPT-2 (ref_gpt.py's
forward, with its MLP hook).

    loss = mean over rewriting prompts of -log P(target | prompt)
         + kl_weight * KL(P_edited || P_unedited) at the KL prompts' last positions
           (F.kl_div(log P_unedited, log P_edited, log_target=True, 'batchmean'), as ROME)
         + weight_decay * |delta| / |v0|^2

Writes tests/fixtures/gpt_rome_value.bin.
Run: /usr/bin/python3 tests/ref/ref_gpt_rome.py
"""
import os
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture import write_fixture  # noqa: E402
from ref_gpt import make_params, forward  # noqa: E402


def main():
    V, maxT, L, NH, C = 24, 16, 2, 2, 16
    layer, target, kl_weight, weight_decay, v0_norm = 0, 13, 20.0, 0.5, 1.5
    gen = torch.Generator().manual_seed(7)
    p = make_params(V, maxT, L, C, False, gen)
    with torch.no_grad():  # larger weights than at initialisation, so the delta matters
        for t in p.values():
            if t.dim() > 1:
                t.mul_(20.0)
    # rows 0..1 rewrite (the second after a prefix), row 2 a KL prompt; right-padded with id 2
    prompts = [([2, 5, 6, 7, 8], 2), ([2, 9, 10, 2, 5, 6, 7, 8], 5), ([2, 5, 6, 11], 2)]
    n_rewrite = 2
    B, T = len(prompts), max(len(ids) for ids, _ in prompts)
    idx = torch.full((B, T), 2, dtype=torch.long)
    for b, (ids, _) in enumerate(prompts):
        idx[b, :len(ids)] = torch.tensor(ids)
    last = [len(ids) - 1 for ids, _ in prompts]
    subj_last = [s for _, s in prompts]
    delta = (1.0 * torch.randn(C, generator=gen)).requires_grad_(True)

    def hook(l, out):
        if l != layer:
            return out
        add = torch.zeros_like(out)
        for b in range(B):
            add[b, subj_last[b]] = delta
        return out + add

    with torch.no_grad():
        logits0, _ = forward(p, idx, None, L, NH)
    lp0 = torch.stack([F.log_softmax(logits0[b, last[b]], -1) for b in range(n_rewrite, B)])
    logits, _ = forward(p, idx, None, L, NH, mlp_hook=hook)
    nll = torch.stack([-F.log_softmax(logits[b, last[b]], -1)[target] for b in range(n_rewrite)]).mean()
    lq = torch.stack([F.log_softmax(logits[b, last[b]], -1) for b in range(n_rewrite, B)])
    kl = F.kl_div(lp0, lq, log_target=True, reduction="batchmean")
    loss = nll + kl_weight * kl + weight_decay * delta.norm() / v0_norm ** 2
    loss.backward()
    out = {"config": torch.tensor([V, maxT, L, NH, C, 0, 0, 0], dtype=torch.float32),
           "ids": idx.float(), "last": torch.tensor(last).float(), "subj_last": torch.tensor(subj_last).float(),
           "setup": torch.tensor([n_rewrite, layer, target, kl_weight, weight_decay, v0_norm]),
           "delta": delta.detach(), "nll": nll.detach().reshape(1), "loss": loss.detach().reshape(1),
           "grad": delta.grad.detach()}
    for n, t in p.items():
        out[n] = t.detach().clone()
    write_fixture("gpt_rome_value", out)
    print(f"gpt_rome_value: loss {loss.item():.6f}, nll {nll.item():.6f}, kl {kl.item():.6f}")


if __name__ == "__main__":
    torch.manual_seed(1337)
    main()
