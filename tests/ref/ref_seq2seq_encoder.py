"""PyTorch reference for seq2seq/encoder.c: nn.Embedding and a two-layer
nn.GRU (bidirectional) or nn.LSTM (one direction) over a padded batch of
sentences of different lengths, through pack_padded_sequence and
pad_packed_sequence, dropout 0.

Each config (prefix "gru." or "lstm.") holds
    dims     V, E, H, L, bidir, S, B, lstm
    src      (S,B) time-major ids, 0 at padding;  len (B), not sorted
    enc.*    every parameter under the encoder's own name (encoder.h)
    r_out, r_h, r_c   the loss weights
    out      (S,B,D) zero at padding;  h_n, c_n (L*ndir,B,H)
    grad.enc.*        every parameter's gradient of
        L = sum(out * r_out) + sum(h_n * r_h) [+ sum(c_n * r_c)]
r_out is random at padded positions too: the gradient must ignore it, as
PyTorch does (out is a constant zero there). Computed in float64, stored as
float32, in tests/fixtures/seq2seq_encoder.bin.

    /usr/bin/python3 tests/ref/ref_seq2seq_encoder.py
"""
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from fixture import write_fixture

V, E, H, L, S = 8, 3, 4, 2, 5


def encoder_names(rnn, bidir):
    """PyTorch's parameter name -> the encoder's (encoder.h)."""
    names = {}
    for l in range(L):
        for d, (suffix, side) in enumerate([("", "fwd"), ("_reverse", "bwd")][: 2 if bidir else 1]):
            for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                short = kind.replace("weight", "w").replace("bias", "b")
                names[f"{kind}_l{l}{suffix}"] = f"enc.l{l}.{side}.{short}"
    assert set(names) == {n for n, _ in rnn.named_parameters()}
    return names


def make(prefix, cls, bidir, lengths):
    B = len(lengths)
    lstm = cls is torch.nn.LSTM
    emb = torch.nn.Embedding(V, E).double()
    rnn = cls(E, H, num_layers=L, bidirectional=bidir, dropout=0.0).double()
    ndir = 2 if bidir else 1
    lens = torch.tensor(lengths)
    src = torch.randint(0, V, (S, B))
    for b, n in enumerate(lengths):
        src[n:, b] = 0
    packed = pack_padded_sequence(emb(src), lens, enforce_sorted=False)
    out, state = rnn(packed)
    out, _ = pad_packed_sequence(out, total_length=S)
    h_n, c_n = state if lstm else (state, None)
    r_out = torch.randn(S, B, H * ndir, dtype=torch.float64)
    r_h = torch.randn(L * ndir, B, H, dtype=torch.float64)
    r_c = torch.randn(L * ndir, B, H, dtype=torch.float64)
    loss = (out * r_out).sum() + (h_n * r_h).sum()
    if lstm:
        loss = loss + (c_n * r_c).sum()
    loss.backward()

    t = {"dims": torch.tensor([V, E, H, L, int(bidir), S, B, int(lstm)]),
         "src": src, "len": lens, "r_out": r_out, "r_h": r_h, "out": out, "h_n": h_n,
         "enc.emb": emb.weight, "grad.enc.emb": emb.weight.grad}
    if lstm:
        t.update({"r_c": r_c, "c_n": c_n})
    names = encoder_names(rnn, bidir)
    for name, p in rnn.named_parameters():
        t[names[name]] = p
        t["grad." + names[name]] = p.grad
    return {f"{prefix}.{k}": v for k, v in t.items()}


if __name__ == "__main__":
    torch.manual_seed(4)
    tensors = {}
    tensors.update(make("gru", torch.nn.GRU, True, [3, 5, 1]))
    tensors.update(make("lstm", torch.nn.LSTM, False, [4, 1, 5, 2]))
    write_fixture("seq2seq_encoder", tensors)
