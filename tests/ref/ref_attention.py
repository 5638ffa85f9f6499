"""PyTorch reference for common/attention.c: multi-head scaled dot-product
attention, softmax(Q K^T / sqrt(hs) + mask) V (Vaswani et al. 2017, eq. 1).

Writes two fixtures, each with the inputs, the forward outputs (out, att) and
the gradients dq, dk, dv for a random upstream gradient dout:
  attention_causal  self-attention, Tq == Tk, causal mask
  attention_padded  cross-attention, Tq != Tk, padding mask (key lengths)
The math is spelled out with explicit torch ops (masked scores set to -inf)
in float64, then stored as float32.

    cd /work/main && /usr/bin/python3 tests/ref/ref_attention.py
"""
import math

import torch

from fixture import write_fixture


def mha(q, k, v, NH, causal, key_len):
    B, Tq, C = q.shape
    Tk = k.shape[1]
    hs = C // NH
    # (B,T,C) -> (B,NH,T,hs)
    qh = q.view(B, Tq, NH, hs).transpose(1, 2)
    kh = k.view(B, Tk, NH, hs).transpose(1, 2)
    vh = v.view(B, Tk, NH, hs).transpose(1, 2)
    scores = qh @ kh.transpose(-2, -1) / math.sqrt(hs)
    visible = torch.ones(B, 1, Tq, Tk, dtype=torch.bool)
    if causal:  # query t sees keys j <= t + (Tk - Tq), bottom-right aligned
        visible &= torch.ones(Tq, Tk, dtype=torch.bool).tril(Tk - Tq)
    if key_len is not None:
        visible &= (torch.arange(Tk)[None, :] < torch.tensor(key_len)[:, None])[:, None, None, :]
    att = torch.softmax(scores.masked_fill(~visible, float("-inf")), dim=-1)
    out = (att @ vh).transpose(1, 2).reshape(B, Tq, C)
    return out, att


def make(name, B, Tq, Tk, C, NH, causal, key_len):
    q = torch.randn(B, Tq, C, dtype=torch.float64, requires_grad=True)
    k = torch.randn(B, Tk, C, dtype=torch.float64, requires_grad=True)
    v = torch.randn(B, Tk, C, dtype=torch.float64, requires_grad=True)
    dout = torch.randn(B, Tq, C, dtype=torch.float64)
    out, att = mha(q, k, v, NH, causal, key_len)
    out.backward(dout)
    lens = key_len if key_len is not None else [Tk] * B
    write_fixture(name, {
        "dims": torch.tensor([B, Tq, Tk, C, NH, int(causal), int(key_len is not None)]),
        "key_len": torch.tensor(lens),
        "q": q, "k": k, "v": v, "dout": dout,
        "out": out, "att": att,
        "dq": q.grad, "dk": k.grad, "dv": v.grad,
    })


if __name__ == "__main__":
    torch.manual_seed(1234)
    make("attention_causal", B=2, Tq=5, Tk=5, C=8, NH=2, causal=True, key_len=None)
    make("attention_padded", B=3, Tq=4, Tk=6, C=12, NH=3, causal=False, key_len=[6, 2, 4])
