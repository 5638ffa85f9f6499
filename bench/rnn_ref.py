"""PyTorch side of the RNN benchmark (bench/rnn.c, run by `make bench`): one
LSTM language-model training step.

  char: embedding 65x128 -> nn.LSTM(128, 128, 2) -> Linear(128, 65), seq 50,
        batch 50, Adam 2e-3 (char-rnn's default size)
  ptb:  embedding 10000x200 -> nn.LSTM(200, 200, 2) -> Linear(200, 10000),
        seq 20, batch 20, SGD lr 1 (Zaremba et al. 2014, small)

Forward, cross-entropy, backward, global-norm clip 5, optimizer step on random
tokens; for each case in BENCH_RNN_CASES (default "char ptb") prints the
median over --reps steps after 3 warm-up steps, in scripts/bench.sh's form:
  RESULT stage=bench bench=rnn case=CASE_tN impl=pytorch value=TOK_PER_S unit=tok/s
Run with OMP_WAIT_POLICY=PASSIVE (the Makefile exports it).
"""
import argparse
import os
import statistics
import time

import torch
import torch.nn.functional as F

SIZES = {"char": (65, 128, 50, 50), "ptb": (10000, 200, 20, 20)}  # V, H, T, B


def step_ms(case, reps):
    torch.manual_seed(1)
    V, H, T, B = SIZES[case]
    emb = torch.nn.Embedding(V, H)
    lstm = torch.nn.LSTM(H, H, num_layers=2)
    dec = torch.nn.Linear(H, V)
    params = list(emb.parameters()) + list(lstm.parameters()) + list(dec.parameters())
    opt = torch.optim.Adam(params, lr=2e-3) if case == "char" else torch.optim.SGD(params, lr=1.0)
    inp = torch.randint(0, V, (T, B))
    tgt = torch.randint(0, V, (T, B))
    times = []
    for k in range(reps + 3):
        t0 = time.perf_counter()
        out, _ = lstm(emb(inp))
        loss = F.cross_entropy(dec(out).reshape(T * B, V), tgt.reshape(T * B))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 5.0)
        opt.step()
        if k >= 3:
            times.append(1e3 * (time.perf_counter() - t0))
    return statistics.median(times), T * B


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--impl", default="pytorch", choices=["pytorch"])
    ap.add_argument("--impls", action="store_true", help="list the implementations and exit")
    args = ap.parse_args()
    if args.impls:
        print("pytorch")
        return
    torch.set_num_threads(args.threads)
    for case in (os.environ.get("BENCH_RNN_CASES") or "char ptb").split():
        ms, tokens = step_ms(case, args.reps)
        print(f"RESULT stage=bench bench=rnn case={case}_t{args.threads} impl=pytorch "
              f"value={tokens / (ms / 1e3):.0f} unit=tok/s ms_per_step={ms:.2f}")


if __name__ == "__main__":
    main()
