"""PyTorch reference for seq2seq/decoder.c: the six decoders of
seq2seq/decoder.h over one padded batch, with teacher forcing.

Each case gets random encoder results as leaf tensors (enc_out (S,B,D), zero
at padded positions; h_final and c_final in nn.GRU/nn.LSTM's h_n order), a
target batch padded with PAD, and the decoder's weights under the names of
decoder.h's ParamTable; the cells are nn.GRUCell / nn.LSTMCell. It stores
the logits (T,B,V), the attention weights (T,B,S), the loss
    F.cross_entropy(logits, targets, ignore_index=PAD, label_smoothing=eps)
and the gradient of that loss with respect to every weight ("grad.<name>"),
enc_out, h_final and c_final. Computed in float64, stored as float32, every
tensor prefixed by its case's name.

    /usr/bin/python3 tests/ref/ref_seq2seq_decoder.py
"""
import torch
import torch.nn.functional as F

from fixture import write_fixture

# decoder.h's enums, as the C side numbers them
RNN_LSTM, RNN_GRU = 1, 2
NONE, BAHDANAU, LUONG_DOT, LUONG_GENERAL, LUONG_CONCAT = range(5)
PAD = 3
V, T, S, B = 11, 4, 5, 3
SRC_LEN = [5, 3, 1]      # one full sentence, one padded, one of a single token

CASES = [
    # name, cell, E, H, L, A, attn, feed, enc_cell, enc_H, enc_L, enc_ndir, smoothing
    ("sutskever", RNN_LSTM, 4, 6, 2, 0, NONE, 0, RNN_LSTM, 6, 2, 1, 0.0),
    ("cho", RNN_GRU, 4, 6, 1, 0, NONE, 1, RNN_GRU, 3, 2, 2, 0.0),
    ("bahdanau", RNN_GRU, 4, 6, 2, 5, BAHDANAU, 0, RNN_GRU, 4, 1, 2, 0.1),
    ("luong_dot", RNN_LSTM, 4, 6, 2, 0, LUONG_DOT, 0, RNN_LSTM, 3, 1, 2, 0.0),
    ("luong_general", RNN_GRU, 4, 6, 1, 0, LUONG_GENERAL, 0, RNN_GRU, 4, 1, 2, 0.0),
    ("luong_concat", RNN_LSTM, 4, 5, 1, 4, LUONG_CONCAT, 0, RNN_GRU, 4, 1, 2, 0.0),
]


def param(shape, scale=0.5):
    return (torch.randn(*shape, dtype=torch.float64) * scale).requires_grad_()


def make(case):
    name, cell, E, H, L, A, attn, feed, enc_cell, enc_H, enc_L, ndir, eps = case
    D = enc_H * ndir
    additive = attn in (BAHDANAU, LUONG_CONCAT)
    luong = attn in (LUONG_DOT, LUONG_GENERAL, LUONG_CONCAT)
    X = H if luong else (D if attn == BAHDANAU or feed else 0)
    O = E + H + D if (attn == BAHDANAU or feed) else H

    # the weights, named as decoder.h's ParamTable
    p = {"dec.emb": param((V, E), 1.0)}
    Cell = torch.nn.LSTMCell if cell == RNN_LSTM else torch.nn.GRUCell
    cells = []
    for l in range(L):
        m = Cell(E + X if l == 0 else H, H).double()
        cells.append(m)
        p[f"dec.l{l}.w_ih"], p[f"dec.l{l}.w_hh"] = m.weight_ih, m.weight_hh
        p[f"dec.l{l}.b_ih"], p[f"dec.l{l}.b_hh"] = m.bias_ih, m.bias_hh
    if attn != NONE:
        p["dec.bridge.w"], p["dec.bridge.b"] = param((H, D)), param((H,))
    if additive:
        p["dec.att.w"], p["dec.att.b"], p["dec.att.v"] = param((A, H + D)), param((A,)), param((A,))
    if attn == LUONG_GENERAL:
        p["dec.att.w"] = param((D, H))
    if luong:
        p["dec.att.wc"] = param((H, D + H))
    p["dec.out.w"], p["dec.out.b"] = param((V, O)), param((V,))

    # the encoder's results: leaves, zero at padding
    src_len = torch.tensor(SRC_LEN)
    valid = torch.arange(S)[None, :] < src_len[:, None]                   # (B,S)
    enc_out = (torch.randn(S, B, D, dtype=torch.float64) * valid.T[:, :, None]).requires_grad_()
    h_final = torch.randn(enc_L * ndir, B, enc_H, dtype=torch.float64, requires_grad=True)
    c_final = torch.randn(enc_L * ndir, B, enc_H, dtype=torch.float64, requires_grad=True)
    lstm_enc = enc_cell == RNN_LSTM

    # targets: BOS (1), words, EOS (2); sentence 1 ends early and is padded
    tgt = torch.randint(4, V, (T + 1, B))
    tgt[0] = 1
    tgt[T - 2:, 1] = PAD
    tgt[T - 2, 1] = 2
    tgt_in, tgt_out = tgt[:T].clone(), tgt[1:].clone()

    # the initial state
    z = torch.cat([h_final[(enc_L - 1) * ndir + d] for d in range(ndir)], dim=1)   # (B,D)
    zeros = torch.zeros(B, H, dtype=torch.float64)
    if attn == NONE and not feed:
        h = [h_final[l] for l in range(L)]
        c = [c_final[l] for l in range(L)] if cell == RNN_LSTM else None
    else:
        s0 = z if feed else torch.tanh(z @ p["dec.bridge.w"].T + p["dec.bridge.b"])
        h = [s0] * L
        c = [zeros] * L if cell == RNN_LSTM else None

    enc_b = enc_out.transpose(0, 1)                                        # (B,S,D)
    if additive:
        keys = enc_b @ p["dec.att.w"][:, H:].T + p["dec.att.b"]            # (B,S,A)

    def attend(s):
        if additive:
            q = s @ p["dec.att.w"][:, :H].T
            e = torch.tanh(q[:, None, :] + keys) @ p["dec.att.v"]
        else:
            q = s if attn == LUONG_DOT else s @ p["dec.att.w"].T
            e = (enc_b @ q[:, :, None])[:, :, 0]
        a = torch.softmax(e.masked_fill(~valid, float("-inf")), dim=1)    # (B,S)
        return (a[:, :, None] * enc_b).sum(1), a

    ht = zeros
    logits, atts = [], []
    for t in range(T):
        emb = p["dec.emb"][tgt_in[t]]
        if attn == BAHDANAU:
            ctx, a = attend(h[-1])
            x = torch.cat([emb, ctx], 1)
        elif feed:
            x = torch.cat([emb, z], 1)
        elif luong:
            x = torch.cat([emb, ht], 1)
        else:
            x = emb
        for l in range(L):
            if cell == RNN_LSTM:
                h[l], c[l] = cells[l](x, (h[l], c[l]))
            else:
                h[l] = cells[l](x, h[l])
            x = h[l]
        s = h[-1]
        if attn == BAHDANAU:
            out = torch.cat([s, ctx, emb], 1)
        elif feed:
            out = torch.cat([emb, s, z], 1)
        elif luong:
            ctx, a = attend(s)
            ht = torch.tanh(torch.cat([ctx, s], 1) @ p["dec.att.wc"].T)
            out = ht
        else:
            out = s
        if attn != NONE:
            atts.append(a)
        logits.append(out @ p["dec.out.w"].T + p["dec.out.b"])
    logits = torch.stack(logits)                                           # (T,B,V)
    loss = F.cross_entropy(logits.reshape(-1, V), tgt_out.reshape(-1), ignore_index=PAD,
                           label_smoothing=eps)
    loss.backward()

    def grad(x):   # an input the decoder never reads has no gradient: zeros
        return x.grad if x.grad is not None else torch.zeros_like(x)

    cfg = [cell, V, E, H, L, A, attn, feed, enc_H, enc_L, ndir, D, enc_cell, T, S, B, PAD]
    out = {"cfg": torch.tensor(cfg), "smoothing": torch.tensor([eps]),
           "enc_out": enc_out, "src_len": src_len, "h_final": h_final,
           "tgt_in": tgt_in, "tgt_out": tgt_out,
           "logits": logits, "loss": loss.reshape(1),
           "d_enc_out": grad(enc_out), "dh_final": grad(h_final)}
    if lstm_enc:
        out["c_final"], out["dc_final"] = c_final, grad(c_final)
    if attn != NONE:
        out["att"] = torch.stack(atts)
    for k, v in p.items():
        out[k], out["grad." + k] = v, v.grad
    return {f"{name}.{k}": v for k, v in out.items()}


if __name__ == "__main__":
    torch.manual_seed(42)
    tensors = {}
    for case in CASES:
        tensors.update(make(case))
    write_fixture("seq2seq_decoder", tensors)
