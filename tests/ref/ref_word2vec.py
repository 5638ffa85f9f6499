"""PyTorch reference for word2vec/nnlm.c (Bengio et al. 2003), read by
tests/test_word2vec.c.

A tiny model with direct connections (V 7, order 3, embed 3, hidden 4),
batch 5:  x = concat(emb[ctx]),  y = b2 + wd x + w2 tanh(b1 + w1 x),
loss = mean cross-entropy(y, targets). Parameters are drawn in float32 (so the
C test sees exactly them), the loss and every gradient are computed in float64
and stored as float32, in tests/fixtures/word2vec_nnlm.bin.

    cd /work/main && /usr/bin/python3 tests/ref/ref_word2vec.py
"""
import torch
import torch.nn.functional as F

from fixture import write_fixture

torch.manual_seed(2003)
DT = torch.float64
V, ORDER, C, H, B = 7, 3, 3, 4, 5
N = ORDER - 1


def leaf(*shape, scale=0.5):
    return (torch.randn(*shape) * scale).to(DT).requires_grad_()


def main():
    emb, w1, b1 = leaf(V, C), leaf(H, N * C), leaf(H)
    w2, b2, wd = leaf(V, H), leaf(V), leaf(V, N * C)
    ctx = torch.randint(0, V, (B, N))
    tgt = torch.randint(0, V, (B,))
    x = emb[ctx].reshape(B, N * C)
    logits = b2 + x @ wd.T + torch.tanh(b1 + x @ w1.T) @ w2.T
    loss = F.cross_entropy(logits, tgt)
    loss.backward()
    write_fixture("word2vec_nnlm", {
        "ctx": ctx, "tgt": tgt, "emb": emb, "w1": w1, "b1": b1, "w2": w2, "b2": b2, "wd": wd,
        "loss": loss.reshape(1),
        "demb": emb.grad, "dw1": w1.grad, "db1": b1.grad, "dw2": w2.grad, "db2": b2.grad, "dwd": wd.grad})


if __name__ == "__main__":
    main()
