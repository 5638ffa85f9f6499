#!/usr/bin/env python3
"""bench/rnn_shakespeare_torch.py -- PyTorch's side of bench/rnn_shakespeare.sh:
the `rnn lm-train --preset shakespeare-lstm` run (rnn/main.c, rnn/lm_train.c),
step for step, with torch.nn.LSTM (CPU, float32).

    /usr/bin/python3 bench/rnn_shakespeare_torch.py [--steps 2000] [--threads 1] [--seed 1337]

Data: the characters of tinyshakespeare/input.txt; the vocabulary of the
whole text; training = the first 90% of the characters, validation = the
rest, with the last training character as its first context (as
lm_data_chars). Training: the training stream cut into B = 50 rows of
len // 50 characters; step k of an epoch reads columns k*T .. k*T+T of every
row (T = 50), targets one character later; the hidden state is carried from
chunk to chunk (truncated BPTT) and reset to zero at each epoch's start
((row_len - 1) // T chunks an epoch). Model: embedding V x 128, a 2-layer
LSTM of 128 (PyTorch's gates and both biases, as ours), linear 128 -> V;
every parameter drawn from U[-0.1, 0.1]; mean cross-entropy over the T x B
targets; global-norm clipping at 5; Adam (0.9, 0.999, eps 1e-8), lr 2e-3
constant; 2000 steps. Validation: mean nats per character over every
validation character, one row, windows of 100 with the state carried (as
lm_evaluate). Prints
    RESULT stage=bench bench=rnn_shakespeare case=lstm_valid_loss impl=pytorch value=X unit=nats
and the training time on stderr.
"""
import argparse
import os
import sys
import time

import torch
import torch.nn.functional as F
from datapath import data_file


class LM(torch.nn.Module):
    def __init__(self, V, E, H, L):
        super().__init__()
        self.emb = torch.nn.Embedding(V, E)
        self.lstm = torch.nn.LSTM(E, H, num_layers=L)
        self.dec = torch.nn.Linear(H, V)

    def forward(self, x, state):
        out, state = self.lstm(self.emb(x), state)
        return self.dec(out), state


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1337)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    text = open(data_file("tinyshakespeare/input.txt"), encoding="utf-8").read()
    chars = sorted(set(text))
    index = {c: i for i, c in enumerate(chars)}
    ids = torch.tensor([index[c] for c in text], dtype=torch.long)
    n = len(ids)
    cut = int(0.9 * n)
    train, valid = ids[:cut], ids[cut - 1:]
    V, E, H, L, T, B = len(chars), 128, 128, 2, 50, 50
    row_len = cut // B
    per_epoch = (row_len - 1) // T
    rows = train[:B * row_len].view(B, row_len)

    model = LM(V, E, H, L)
    with torch.no_grad():
        for p in model.parameters():
            p.uniform_(-0.1, 0.1)
    opt = torch.optim.Adam(model.parameters(), lr=2e-3, betas=(0.9, 0.999), eps=1e-8)

    state = None
    t0 = time.perf_counter()
    for step in range(a.steps):
        k = step % per_epoch
        if k == 0:
            state = None   # each epoch starts from a zero state
        x = rows[:, k * T:k * T + T].t().contiguous()
        y = rows[:, k * T + 1:k * T + T + 1].t().contiguous()
        logits, state = model(x, state)
        state = tuple(s.detach() for s in state)
        loss = F.cross_entropy(logits.reshape(T * B, V), y.reshape(T * B))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
    train_s = time.perf_counter() - t0

    model.eval()
    nats, todo, state = 0.0, len(valid) - 1, None
    with torch.no_grad():
        for pos in range(0, todo, 100):
            t = min(100, todo - pos)
            x = valid[pos:pos + t].view(t, 1)
            y = valid[pos + 1:pos + t + 1]
            logits, state = model(x, state)
            nats += F.cross_entropy(logits.view(t, V), y, reduction="sum").item()
    print(f"RESULT stage=bench bench=rnn_shakespeare case=lstm_valid_loss impl=pytorch value={nats / todo:.4f} unit=nats")
    print(f"rnn_shakespeare_torch.py: {a.steps} steps in {train_s:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
