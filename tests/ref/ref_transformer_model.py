"""The Transformer encoder-decoder in PyTorch, for tests/test_transformer_model.c.

The model of transformer/model.h at a tiny size, on the layer stacks of
ref_transformer_layers.py (which the script there checks against torch.nn):

    mem    = Encoder(Emb_src(x) * sqrt(d) + PE)
    h      = Decoder(Emb_tgt(y_in) * sqrt(d) + PE, mem)
    logits = h W_out^T + b_out
    loss   = F.cross_entropy(..., ignore_index=PAD, label_smoothing=eps)

run with teacher forcing over a padded batch (time-major, as our batches).
Two fixtures, transformer_model_{post,pre}:
    post  post-LN, sinusoidal positions, separate embeddings
    pre   pre-LN, learned positions, one shared embedding (a joint vocabulary)
Each holds the weights under the names of our parameter table, the batch,
the logits (B,T,V) batch-major, the loss and every weight's gradient
("g:" + name).

    /usr/bin/python3 tests/ref/ref_transformer_model.py
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from fixture import write_fixture
from ref_transformer_layers import Stack

PAD, BOS, EOS = 3, 1, 2


def sinusoids(max_pos, d):
    """PE(pos, 2i) = sin(pos / 10000^(2i/d)), PE(pos, 2i+1) = cos(...)  (sec. 3.5)"""
    pe = torch.zeros(max_pos, d, dtype=torch.float64)
    pos = torch.arange(max_pos, dtype=torch.float64)[:, None]
    div = torch.pow(10000.0, torch.arange(0, d, 2, dtype=torch.float64) / d)
    pe[:, 0::2] = torch.sin(pos / div)
    pe[:, 1::2] = torch.cos(pos / div)
    return pe


class Model(nn.Module):
    def __init__(self, Vs, Vt, d, NH, Fw, Le, Ld, max_pos, learned, pre, share):
        super().__init__()
        self.d, self.share, self.learned = d, share, learned
        dt = torch.float64
        self.src_emb = nn.Parameter(torch.zeros(Vs, d, dtype=dt))
        if not share:
            self.tgt_emb = nn.Parameter(torch.zeros(Vt, d, dtype=dt))
        if learned:
            self.src_pos = nn.Parameter(torch.zeros(max_pos, d, dtype=dt))
            self.tgt_pos = nn.Parameter(torch.zeros(max_pos, d, dtype=dt))
        else:
            self.register_buffer("pe", sinusoids(max_pos, d))
        self.enc = Stack(Le, d, NH, Fw, False, pre)
        self.dec = Stack(Ld, d, NH, Fw, True, pre)
        self.out_w = nn.Parameter(torch.zeros(Vt, d, dtype=dt))
        self.out_b = nn.Parameter(torch.zeros(Vt, dtype=dt))

    def randomize(self):
        self.enc.randomize()
        self.dec.randomize()
        with torch.no_grad():
            for n, p in self.named_parameters():
                if not n.startswith(("enc.", "dec.")):
                    p.uniform_(-0.5, 0.5)

    def embed(self, ids, table, pos):
        return table[ids] * math.sqrt(self.d) + pos[: ids.shape[1]]

    def forward(self, src, src_len, tgt_in, tgt_len):
        src, tgt_in = src.t(), tgt_in.t()      # time-major -> (B, T)
        tgt_emb = self.src_emb if self.share else self.tgt_emb
        src_pos = self.src_pos if self.learned else self.pe
        tgt_pos = self.tgt_pos if self.learned else self.pe
        mem = self.enc(self.embed(src, self.src_emb, src_pos), src_len)
        h = self.dec(self.embed(tgt_in, tgt_emb, tgt_pos), tgt_len, mem, src_len)
        return F.linear(h, self.out_w, self.out_b)   # (B, T, V)

    def named_for_c(self):
        p = {"src_emb": self.src_emb}
        if not self.share:
            p["tgt_emb"] = self.tgt_emb
        if self.learned:
            p["src_pos"], p["tgt_pos"] = self.src_pos, self.tgt_pos
        for prefix, s in (("enc", self.enc), ("dec", self.dec)):
            for n in s.names:
                p[f"{prefix}.{n}"] = s[n]
        p["out.w"], p["out.b"] = self.out_w, self.out_b
        return p


def batch(Vs, Vt, src_lens, tgt_lens, gen):
    S, T, B = max(src_lens), max(tgt_lens) + 1, len(src_lens)
    src = torch.full((S, B), PAD, dtype=torch.long)
    tgt_in = torch.full((T, B), PAD, dtype=torch.long)
    tgt_out = torch.full((T, B), PAD, dtype=torch.long)
    for b in range(B):
        src[: src_lens[b], b] = torch.randint(4, Vs, (src_lens[b],), generator=gen)
        y = torch.randint(4, Vt, (tgt_lens[b],), generator=gen)
        tgt_in[0, b] = BOS
        tgt_in[1: tgt_lens[b] + 1, b] = y
        tgt_out[: tgt_lens[b], b] = y
        tgt_out[tgt_lens[b], b] = EOS
    return src, src_lens, tgt_in, tgt_out


CASES = {
    # name: Vs, Vt, d, heads, ff, enc layers, dec layers, max_pos, learned, pre, share, smoothing
    "post": (11, 9, 8, 2, 12, 2, 2, 8, False, False, False, 0.1),
    "pre": (11, 11, 8, 2, 12, 2, 2, 8, True, True, True, 0.1),
}


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    for name, (Vs, Vt, d, NH, Fw, Le, Ld, max_pos, learned, pre, share, eps) in CASES.items():
        m = Model(Vs, Vt, d, NH, Fw, Le, Ld, max_pos, learned, pre, share)
        m.randomize()
        tgt_lens = [3, 4, 1]
        src, src_len, tgt_in, tgt_out = batch(Vs, Vt, [5, 2, 4], tgt_lens, gen)
        logits = m(src, src_len, tgt_in, [n + 1 for n in tgt_lens])   # BOS y_1 .. y_m
        loss = F.cross_entropy(logits.reshape(-1, Vt), tgt_out.t().reshape(-1), ignore_index=PAD,
                               label_smoothing=eps)
        loss.backward()
        cfg = [d, NH, Fw, Le, Ld, Vs, Vt, max_pos, int(learned), int(pre), int(share)]
        t = {"cfg": torch.tensor(cfg, dtype=torch.float32), "src": src, "src_len": torch.tensor(src_len),
             "tgt_in": tgt_in, "tgt_out": tgt_out, "logits": logits, "loss": loss.reshape(1),
             "smoothing": torch.tensor([eps])}
        for k, v in m.named_for_c().items():
            t[k] = v
            t["g:" + k] = v.grad
        write_fixture("transformer_model_" + name, t)


if __name__ == "__main__":
    main()
