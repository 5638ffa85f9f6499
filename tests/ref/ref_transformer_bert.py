"""BERT's heads in PyTorch, for tests/test_transformer_bert.c.

A tiny BERT with the tensor names of transformer/bert.h (the encoder is the
post-LN Stack of ref_transformer_layers.py, named "bert.enc"), in float64:

    e = LayerNorm(tok[ids] + pos[t] + seg[s]);  h = Encoder(e, lengths)
    MLM:  u = LayerNorm(gelu_tanh(h_rows W^T + b)),  logits = u tok^T + bias
    pool: p = tanh(h[:, 0] Wp^T + bp);  NSP logits = p Wn^T + bn

Two fixtures, B=3 inputs of T=7 positions with lengths 7, 5, 4:
    transformer_bert_pretrain   loss = mean CE of the MLM rows + mean CE of NSP
    transformer_bert_classify   loss = mean CE of a new layer cls.w, cls.b on p
each with the inputs (ids, seg, len, rows, targets or labels), the logits,
the loss, and every weight with its gradient ("g:" + name).

    /usr/bin/python3 tests/ref/ref_transformer_bert.py
"""
import torch
import torch.nn.functional as F

from fixture import write_fixture
from ref_transformer_layers import Stack

EPS = 1e-5
N_BPE, C, NH, FW, L, MAX_POS = 16, 8, 2, 12, 2, 9
V = N_BPE + 4
B, T, LENGTHS = 3, 7, [7, 5, 4]


def param(*shape, gain=False):
    t = torch.empty(shape, dtype=torch.float64)
    if gain:
        t.uniform_(0.5, 1.5)
    else:
        t.uniform_(-0.5, 0.5)
    return t.requires_grad_()


def build():
    torch.manual_seed(1)
    stack = Stack(L, C, NH, FW, cross=False, pre=False)
    stack.randomize()
    p = {"bert.tok": param(V, C), "bert.pos": param(MAX_POS, C), "bert.seg": param(2, C),
         "bert.ln.w": param(C, gain=True), "bert.ln.b": param(C),
         "mlm.w": param(C, C), "mlm.b": param(C), "mlm.ln.w": param(C, gain=True), "mlm.ln.b": param(C),
         "mlm.bias": param(V), "pool.w": param(C, C), "pool.b": param(C), "nsp.w": param(2, C), "nsp.b": param(2)}
    return stack, p


def inputs():
    pad, cls, sep, mask = N_BPE, N_BPE + 1, N_BPE + 2, N_BPE + 3
    ids = torch.tensor([[cls, 3, mask, 7, sep, 9, sep],
                        [cls, mask, 2, sep, 11, pad, pad],
                        [cls, 14, mask, sep, pad, pad, pad]])
    seg = torch.tensor([[0, 0, 0, 0, 0, 1, 1],
                        [0, 0, 0, 0, 1, 0, 0],
                        [0, 0, 0, 0, 0, 0, 0]])
    return ids, seg


def encode(stack, p, ids, seg):
    e = p["bert.tok"][ids] + p["bert.pos"][:T][None] + p["bert.seg"][seg]
    x = F.layer_norm(e, (C,), p["bert.ln.w"], p["bert.ln.b"], EPS)
    return stack(x, LENGTHS)


def pooled(p, h):
    return torch.tanh(F.linear(h[:, 0], p["pool.w"], p["pool.b"]))


def tensors(stack, p, extra):
    t = dict(extra)
    for n in stack.names:
        t["bert.enc." + n] = stack[n]
        t["g:bert.enc." + n] = stack[n].grad
    for n, v in p.items():
        t[n] = v
        t["g:" + n] = v.grad if v.grad is not None else torch.zeros_like(v)
    return t


def pretrain():
    stack, p = build()
    ids, seg = inputs()
    rows = torch.tensor([2, 3, 5, 8, 16, 15])        # flat b*T + t, any non-padding positions
    targets = torch.tensor([4, 7, 9, 0, 5, 14])
    is_next = torch.tensor([1, 0, 1])
    h = encode(stack, p, ids, seg)
    hm = h.reshape(B * T, C)[rows]
    u = F.gelu(F.linear(hm, p["mlm.w"], p["mlm.b"]), approximate="tanh")
    u = F.layer_norm(u, (C,), p["mlm.ln.w"], p["mlm.ln.b"], EPS)
    logits = F.linear(u, p["bert.tok"], p["mlm.bias"])
    mlm = F.cross_entropy(logits, targets)
    nsp_logits = F.linear(pooled(p, h), p["nsp.w"], p["nsp.b"])
    nsp = F.cross_entropy(nsp_logits, is_next)
    (mlm + nsp).backward()
    extra = {"cfg": torch.tensor([N_BPE, V, MAX_POS, C, NH, FW, L]), "ids": ids, "seg": seg,
             "len": torch.tensor(LENGTHS), "rows": rows, "targets": targets, "is_next": is_next,
             "h": h, "logits": logits, "mlm_loss": mlm.reshape(1), "nsp_logits": nsp_logits,
             "nsp_loss": nsp.reshape(1)}
    write_fixture("transformer_bert_pretrain", tensors(stack, p, extra))


def classify():
    stack, p = build()
    ids, seg = inputs()
    labels = torch.tensor([2, 0, 1])
    cls_w, cls_b = param(3, C), param(3)
    h = encode(stack, p, ids, seg)
    logits = F.linear(pooled(p, h), cls_w, cls_b)
    loss = F.cross_entropy(logits, labels)
    loss.backward()
    extra = {"ids": ids, "seg": seg, "len": torch.tensor(LENGTHS), "labels": labels, "logits": logits,
             "loss": loss.reshape(1), "cls.w": cls_w, "cls.b": cls_b, "g:cls.w": cls_w.grad, "g:cls.b": cls_b.grad}
    write_fixture("transformer_bert_classify", tensors(stack, p, extra))


if __name__ == "__main__":
    pretrain()
    classify()
