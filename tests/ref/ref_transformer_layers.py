"""Transformer layer stacks in PyTorch, for tests/test_transformer_layers.c.

A plain module with the parameter layout of transformer/layers.h (tensors
stacked over layers; W^Q, W^K, W^V as three (C,C) row blocks of self.w;
cross-attention's W^K, W^V as two blocks of cross.wkv), written out with
F.linear, F.layer_norm and the masked softmax of ref_attention.py. Before
writing anything, the script checks that it computes what torch.nn's own
TransformerEncoderLayer / TransformerDecoderLayer compute with the same
weights and masks, post-LN and pre-LN (norm_first), so the fixtures are
PyTorch's Transformer, not just our reading of the paper.

Four fixtures, tiny (L=2, C=8, 2 heads, FFN 12, a batch of 3 with padding):
    transformer_layers_{enc,dec}_{post,pre}
each with the input x (B,T,C), the lengths, for a decoder the memory
(B,Tm,C) and its lengths, a random upstream gradient dout, the output,
dx (and dmem), and every weight with its gradient ("g:" + name), named as
the stacks "enc" and "dec" of transformer/model.h.

    /usr/bin/python3 tests/ref/ref_transformer_layers.py
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from fixture import write_fixture
from ref_attention import mha

EPS = 1e-5


class Stack(nn.Module):
    """L encoder (cross=False) or decoder (cross=True) layers, tensors stacked."""

    def __init__(self, L, C, NH, Fw, cross, pre):
        super().__init__()
        self.L, self.C, self.NH, self.cross, self.pre = L, C, NH, cross, pre
        shapes = {"self.w": (L, 3 * C, C), "self.b": (L, 3 * C), "self.wo": (L, C, C), "self.bo": (L, C)}
        if cross:
            shapes.update({"cross.wq": (L, C, C), "cross.bq": (L, C), "cross.wkv": (L, 2 * C, C),
                           "cross.bkv": (L, 2 * C), "cross.wo": (L, C, C), "cross.bo": (L, C)})
        for ln in ["ln1", "ln2"] + (["ln3"] if cross else []):
            shapes[ln + ".w"], shapes[ln + ".b"] = (L, C), (L, C)
        shapes.update({"ff.w1": (L, Fw, C), "ff.b1": (L, Fw), "ff.w2": (L, C, Fw), "ff.b2": (L, C)})
        if pre:
            shapes["ln_f.w"], shapes["ln_f.b"] = (C,), (C,)
        self.names = list(shapes)
        self.p = nn.ParameterDict({n.replace(".", "_"): nn.Parameter(torch.zeros(s, dtype=torch.float64))
                                   for n, s in shapes.items()})

    def __getitem__(self, name):
        return self.p[name.replace(".", "_")]

    def randomize(self):
        with torch.no_grad():
            for n in self.names:
                t = self[n]
                if n.startswith("ln") and n.endswith(".w"):
                    t.uniform_(0.5, 1.5)   # gains near 1
                else:
                    t.uniform_(-0.5, 0.5)

    def ln(self, x, name, l):
        return F.layer_norm(x, (self.C,), self[name + ".w"][l], self[name + ".b"][l], EPS)

    def self_attn(self, x, l, length):
        C, w, b = self.C, self["self.w"][l], self["self.b"][l]
        q, k, v = (F.linear(x, w[i * C:(i + 1) * C], b[i * C:(i + 1) * C]) for i in range(3))
        y, _ = mha(q, k, v, self.NH, self.cross, length)
        return F.linear(y, self["self.wo"][l], self["self.bo"][l])

    def cross_attn(self, x, mem, l, mem_len):
        C, wkv, bkv = self.C, self["cross.wkv"][l], self["cross.bkv"][l]
        q = F.linear(x, self["cross.wq"][l], self["cross.bq"][l])
        k, v = F.linear(mem, wkv[:C], bkv[:C]), F.linear(mem, wkv[C:], bkv[C:])
        y, _ = mha(q, k, v, self.NH, False, mem_len)
        return F.linear(y, self["cross.wo"][l], self["cross.bo"][l])

    def ffn(self, x, l):
        h = torch.relu(F.linear(x, self["ff.w1"][l], self["ff.b1"][l]))
        return F.linear(h, self["ff.w2"][l], self["ff.b2"][l])

    def forward(self, x, length, mem=None, mem_len=None):
        for l in range(self.L):
            subs = [(lambda z, l=l: self.self_attn(z, l, length), "ln1")]
            if self.cross:
                subs.append((lambda z, l=l: self.cross_attn(z, mem, l, mem_len), "ln2"))
            subs.append((lambda z, l=l: self.ffn(z, l), "ln3" if self.cross else "ln2"))
            for f, ln in subs:
                if self.pre:
                    x = x + f(self.ln(x, ln, l))          # Xiong et al. 2020
                else:
                    x = self.ln(x + f(x), ln, l)          # the paper, sec. 5.4
        if self.pre:
            x = F.layer_norm(x, (self.C,), self["ln_f.w"], self["ln_f.b"], EPS)
        return x


def torch_layers(s, Fw):
    """torch.nn's layers holding the same weights as Stack s."""
    C, NH = s.C, s.NH
    kind = nn.TransformerDecoderLayer if s.cross else nn.TransformerEncoderLayer
    layers = []
    for l in range(s.L):
        t = kind(C, NH, Fw, dropout=0.0, batch_first=True, norm_first=s.pre, dtype=torch.float64)
        with torch.no_grad():
            t.self_attn.in_proj_weight.copy_(s["self.w"][l])
            t.self_attn.in_proj_bias.copy_(s["self.b"][l])
            t.self_attn.out_proj.weight.copy_(s["self.wo"][l])
            t.self_attn.out_proj.bias.copy_(s["self.bo"][l])
            if s.cross:
                t.multihead_attn.in_proj_weight.copy_(torch.cat([s["cross.wq"][l], s["cross.wkv"][l]]))
                t.multihead_attn.in_proj_bias.copy_(torch.cat([s["cross.bq"][l], s["cross.bkv"][l]]))
                t.multihead_attn.out_proj.weight.copy_(s["cross.wo"][l])
                t.multihead_attn.out_proj.bias.copy_(s["cross.bo"][l])
            for i, ln in enumerate(["ln1", "ln2", "ln3"][: 3 if s.cross else 2]):
                norm = getattr(t, f"norm{i + 1}")
                norm.weight.copy_(s[ln + ".w"][l])
                norm.bias.copy_(s[ln + ".b"][l])
            t.linear1.weight.copy_(s["ff.w1"][l])
            t.linear1.bias.copy_(s["ff.b1"][l])
            t.linear2.weight.copy_(s["ff.w2"][l])
            t.linear2.bias.copy_(s["ff.b2"][l])
        layers.append(t.train())   # train(): no fast path (it zeroes padded rows); dropout is 0
    return layers


def padding(lengths, T):
    return torch.arange(T)[None, :] >= torch.tensor(lengths)[:, None]   # True = padding


def check_against_torch(s, Fw, x, length, mem, mem_len):
    """Our Stack and torch.nn's layers agree on the same input."""
    B, T, C = x.shape
    y = x
    for t in torch_layers(s, Fw):
        if s.cross:
            causal = torch.triu(torch.full((T, T), float("-inf"), dtype=torch.float64), 1)
            y = t(y, mem, tgt_mask=causal, tgt_key_padding_mask=padding(length, T),
                  memory_key_padding_mask=padding(mem_len, mem.shape[1]))
        else:
            y = t(y, src_key_padding_mask=padding(length, T))
    if s.pre:
        y = F.layer_norm(y, (C,), s["ln_f.w"], s["ln_f.b"], EPS)
    ours = s(x, length, mem, mem_len)
    diff = (ours - y).abs().max().item()
    assert diff < 1e-10, f"our reference and torch.nn differ by {diff}"
    return diff


def stack_fixture(s, prefix, Fw, x, length, mem=None, mem_len=None):
    """Forward, backward from a random dout; the tensors of a fixture, the
    weights named as a stack "<prefix>" of layers.h names them."""
    dout = torch.randn(x.shape, dtype=torch.float64)
    out = s(x, length, mem, mem_len)
    out.backward(dout)
    t = {"cfg": torch.tensor([s.L, s.C, s.NH, Fw, int(s.cross), int(s.pre)], dtype=torch.float32),
         "len": torch.tensor(length), "x": x, "dout": dout, "out": out, "dx": x.grad}
    if s.cross:
        t.update({"mem": mem, "mem_len": torch.tensor(mem_len), "dmem": mem.grad})
    for n in s.names:
        t[f"{prefix}.{n}"] = s[n]
        t[f"g:{prefix}.{n}"] = s[n].grad
    return t


def main():
    torch.manual_seed(0)
    L, C, NH, Fw, B, T, Tm = 2, 8, 2, 12, 3, 5, 6
    for cross in (False, True):
        for pre in (False, True):
            s = Stack(L, C, NH, Fw, cross, pre)
            s.randomize()
            x = torch.randn(B, T, C, dtype=torch.float64, requires_grad=True)
            length = [4, 5, 2] if cross else [5, 2, 4]
            mem = torch.randn(B, Tm, C, dtype=torch.float64, requires_grad=True) if cross else None
            mem_len = [6, 3, 1] if cross else None
            diff = check_against_torch(s, Fw, x.detach(), length, None if mem is None else mem.detach(), mem_len)
            prefix = "dec" if cross else "enc"
            name = f"transformer_layers_{prefix}_{'pre' if pre else 'post'}"
            print(f"{name}: torch.nn agrees to {diff:.1e}")
            write_fixture(name, stack_fixture(s, prefix, Fw, x, length, mem, mem_len))


if __name__ == "__main__":
    main()
