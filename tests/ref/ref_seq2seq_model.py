"""Whole encoder-decoders in PyTorch, for tests/test_seq2seq_model.c.

Each case is one model of seq2seq/model.h at a tiny size -- the encoder
(packed padding), the bridge and the decoder of each family -- run with
teacher forcing over a padded batch. The fixture holds the weights under
the names of our parameter table, the batch (time-major, as our batches),
the loss and the gradient of every weight ("g:" + name), so the C side
checks the pieces *together*: which final state feeds which decoder layer,
the context's width, the order of the concatenations.

    /usr/bin/python3 tests/ref/ref_seq2seq_model.py
"""
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from fixture import write_fixture

PAD, BOS, EOS = 3, 1, 2


class Model(nn.Module):
    def __init__(self, cell, Vs, Vt, E, H, L, bidir, Hd, Ld, A, attn, feed_context):
        super().__init__()
        self.cell, self.attn, self.feed = cell, attn, feed_context
        self.ndir = 2 if bidir else 1
        self.D = H * self.ndir
        self.L, self.Ld, self.Hd = L, Ld, Hd
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        self.enc_emb = nn.Embedding(Vs, E)
        self.enc = rnn(E, H, L, bidirectional=bidir)
        self.dec_emb = nn.Embedding(Vt, E)
        D = self.D
        if attn == "none" and feed_context:
            dec_in, out_in = E + D, E + Hd + D
        elif attn == "none":
            dec_in, out_in = E, Hd
        elif attn == "bahdanau":
            dec_in, out_in = E + D, Hd + D + E
        else:
            dec_in, out_in = E + Hd, Hd
        self.dec = rnn(dec_in, Hd, Ld)
        if attn != "none":
            self.bridge = nn.Linear(D, Hd)
        if attn in ("bahdanau", "luong-concat"):
            self.att = nn.Linear(Hd + D, A)
            self.att_v = nn.Parameter(torch.randn(A) * 0.3)
        if attn == "luong-general":
            self.att = nn.Linear(Hd, D, bias=False)      # score = (W s) . h
        if attn.startswith("luong"):
            self.wc = nn.Linear(D + Hd, Hd, bias=False)
        self.out = nn.Linear(out_in, Vt)

    # ---- the encoder, packed: final states at each sentence's own end
    def encode(self, src, src_len):
        x = self.enc_emb(src)
        packed = pack_padded_sequence(x, src_len, enforce_sorted=False)
        out, state = self.enc(packed)
        out, _ = pad_packed_sequence(out, total_length=src.shape[0])
        return out, state

    def top_final(self, h_n):
        # the last layer's final state, its directions side by side: (B, D)
        return torch.cat([h_n[(self.L - 1) * self.ndir + d] for d in range(self.ndir)], dim=1)

    def initial_state(self, state):
        h_n = state[0] if self.cell == "lstm" else state
        if self.attn == "none" and not self.feed:
            return state                                   # Sutskever: layer by layer
        z = self.top_final(h_n)
        s0 = z if self.attn == "none" else torch.tanh(self.bridge(z))
        h0 = s0.unsqueeze(0).repeat(self.Ld, 1, 1)
        if self.cell == "lstm":
            return (h0, torch.zeros_like(h0))
        return h0

    def scores(self, s, enc_out):
        # s (B,Hd), enc_out (S,B,D) -> (S,B)
        if self.attn == "luong-dot":
            return (enc_out * s.unsqueeze(0)).sum(-1)
        if self.attn == "luong-general":
            return (enc_out * self.att(s).unsqueeze(0)).sum(-1)
        S = enc_out.shape[0]
        energy = torch.tanh(self.att(torch.cat([s.unsqueeze(0).expand(S, -1, -1), enc_out], dim=2)))
        return energy @ self.att_v

    def attend(self, s, enc_out, mask):
        e = self.scores(s, enc_out).masked_fill(~mask, float("-inf"))
        a = torch.softmax(e, dim=0)
        return (a.unsqueeze(2) * enc_out).sum(0)

    def forward(self, src, src_len, tgt_in):
        enc_out, state = self.encode(src, src_len)
        S, B = src.shape
        mask = torch.arange(S).unsqueeze(1) < src_len.unsqueeze(0)
        h_n = state[0] if self.cell == "lstm" else state
        state = self.initial_state(state)
        top = lambda st: (st[0] if self.cell == "lstm" else st)[-1]
        z = self.top_final(h_n) if self.feed else None
        ht = torch.zeros(B, self.Hd)
        logits = []
        for t in range(tgt_in.shape[0]):
            emb = self.dec_emb(tgt_in[t])
            if self.attn == "none":
                inp = torch.cat([emb, z], 1) if self.feed else emb
                o, state = self.dec(inp.unsqueeze(0), state)
                s = o[0]
                logits.append(self.out(torch.cat([emb, s, z], 1) if self.feed else s))
            elif self.attn == "bahdanau":
                c = self.attend(top(state), enc_out, mask)
                o, state = self.dec(torch.cat([emb, c], 1).unsqueeze(0), state)
                s = o[0]
                logits.append(self.out(torch.cat([s, c, emb], 1)))
            else:
                o, state = self.dec(torch.cat([emb, ht], 1).unsqueeze(0), state)
                s = o[0]
                c = self.attend(s, enc_out, mask)
                ht = torch.tanh(self.wc(torch.cat([c, s], 1)))
                logits.append(self.out(ht))
        return torch.stack(logits)

    def named_for_c(self):
        """Our parameter names -> tensors."""
        p = {"enc.emb": self.enc_emb.weight, "dec.emb": self.dec_emb.weight}
        for l in range(self.L):
            for d, sfx in enumerate(["", "_reverse"][: self.ndir]):
                side = "fwd" if d == 0 else "bwd"
                for ours, theirs in [("w_ih", "weight_ih"), ("w_hh", "weight_hh"), ("b_ih", "bias_ih"),
                                     ("b_hh", "bias_hh")]:
                    p[f"enc.l{l}.{side}.{ours}"] = getattr(self.enc, f"{theirs}_l{l}{sfx}")
        for l in range(self.Ld):
            for ours, theirs in [("w_ih", "weight_ih"), ("w_hh", "weight_hh"), ("b_ih", "bias_ih"),
                                 ("b_hh", "bias_hh")]:
                p[f"dec.l{l}.{ours}"] = getattr(self.dec, f"{theirs}_l{l}")
        if hasattr(self, "bridge"):
            p["dec.bridge.w"], p["dec.bridge.b"] = self.bridge.weight, self.bridge.bias
        if hasattr(self, "att"):
            p["dec.att.w"] = self.att.weight
            if self.att.bias is not None:
                p["dec.att.b"] = self.att.bias
        if hasattr(self, "att_v"):
            p["dec.att.v"] = self.att_v
        if hasattr(self, "wc"):
            p["dec.att.wc"] = self.wc.weight
        p["dec.out.w"], p["dec.out.b"] = self.out.weight, self.out.bias
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
        tgt_in[1 : tgt_lens[b] + 1, b] = y
        tgt_out[: tgt_lens[b], b] = y
        tgt_out[tgt_lens[b], b] = EOS
    return src, torch.tensor(src_lens), tgt_in, tgt_out


CASES = {
    # name: cell, Vs, Vt, E, H, L, bidir, Hd, Ld, A, attention, feed_context, smoothing
    "sutskever": ("lstm", 11, 9, 5, 6, 2, False, 6, 2, 0, "none", False, 0.0),
    "cho": ("gru", 11, 9, 5, 6, 1, False, 6, 1, 0, "none", True, 0.0),
    "bahdanau": ("gru", 11, 9, 5, 4, 1, True, 6, 1, 7, "bahdanau", False, 0.1),
    "luong_general": ("lstm", 11, 9, 5, 4, 1, True, 6, 1, 0, "luong-general", False, 0.0),
    "luong_dot": ("gru", 11, 9, 5, 3, 1, True, 6, 1, 0, "luong-dot", False, 0.0),
    "luong_concat": ("gru", 11, 9, 5, 4, 2, True, 6, 1, 5, "luong-concat", False, 0.0),
}


def main():
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    for name, (cell, Vs, Vt, E, H, L, bidir, Hd, Ld, A, attn, feed, eps) in CASES.items():
        m = Model(cell, Vs, Vt, E, H, L, bidir, Hd, Ld, A, attn, feed).double()
        with torch.no_grad():
            for p in m.parameters():
                p.uniform_(-0.5, 0.5)
        src, src_len, tgt_in, tgt_out = batch(Vs, Vt, [5, 2, 4], [3, 4, 1], gen)
        logits = m(src, src_len, tgt_in)
        loss = F.cross_entropy(logits.reshape(-1, Vt), tgt_out.reshape(-1), ignore_index=PAD,
                               label_smoothing=eps)
        loss.backward()
        cfg = [{"lstm": 1, "gru": 2}[cell], Vs, Vt, E, H, L, int(bidir), Hd, Ld, A,
               ["none", "bahdanau", "luong-dot", "luong-general", "luong-concat"].index(attn), int(feed)]
        t = {"cfg": torch.tensor(cfg, dtype=torch.float32), "src": src, "src_len": src_len, "tgt_in": tgt_in, "tgt_out": tgt_out,
             "logits": logits, "loss": loss.reshape(1), "smoothing": torch.tensor([eps])}
        for k, v in m.named_for_c().items():
            t[k] = v
            t["g:" + k] = v.grad
        write_fixture("seq2seq_model_" + name, t)


if __name__ == "__main__":
    main()
