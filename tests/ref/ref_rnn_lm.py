"""Reference for rnn/lm.c: a tiny 2-layer LSTM language model in PyTorch.

embedding (V,E) -> nn.LSTM(E, H, num_layers=2) -> nn.Linear(H, V) -> F.cross_entropy
with a non-zero initial state (the state carried in from a previous chunk).
Writes tests/fixtures/rnnlm_lstm.bin: the ids, the targets, h0/c0, every
weight (PyTorch's names mapped to ours), the loss, the final state and the
gradient of every weight.
"""
import torch
import torch.nn.functional as F

from fixture import write_fixture

torch.manual_seed(3)
V, E, H, L, T, B = 7, 5, 6, 2, 4, 3

wte = torch.nn.Embedding(V, E)
lstm = torch.nn.LSTM(E, H, num_layers=L)
dec = torch.nn.Linear(H, V)
for p in list(wte.parameters()) + list(lstm.parameters()) + list(dec.parameters()):
    torch.nn.init.uniform_(p, -0.5, 0.5)

inp = torch.randint(0, V, (T, B))
tgt = torch.randint(0, V, (T, B))
h0 = torch.randn(L, B, H) * 0.5
c0 = torch.randn(L, B, H) * 0.5

x = wte(inp)                               # (T,B,E), time-major as ours
out, (hT, cT) = lstm(x, (h0, c0))          # (T,B,H)
logits = dec(out).reshape(T * B, V)
loss = F.cross_entropy(logits, tgt.reshape(T * B))
loss.backward()

t = {"inp": inp, "tgt": tgt, "h0": h0, "c0": c0, "wte": wte.weight}
for l in range(L):
    for ours, theirs in (("w_ih", "weight_ih"), ("w_hh", "weight_hh"), ("b_ih", "bias_ih"), ("b_hh", "bias_hh")):
        t[f"l{l}.{ours}"] = getattr(lstm, f"{theirs}_l{l}")
t["w_out"] = dec.weight
t["b_out"] = dec.bias
t["loss"] = loss.reshape(1)
t["hT"] = hT
t["cT"] = cT
t["d.wte"] = wte.weight.grad
for l in range(L):
    for ours, theirs in (("w_ih", "weight_ih"), ("w_hh", "weight_hh"), ("b_ih", "bias_ih"), ("b_hh", "bias_hh")):
        t[f"d.l{l}.{ours}"] = getattr(lstm, f"{theirs}_l{l}").grad
t["d.w_out"] = dec.weight.grad
t["d.b_out"] = dec.bias.grad
write_fixture("rnnlm_lstm", t)
