"""PyTorch side of the seq2seq benchmark: the attention encoder-decoder of the
Multi30k tutorials (Bahdanau et al. 2015, "packed padded sequences" version),
on CPU, dropout 0.

  encoder  Embedding(7853, 256) -> bidirectional GRU(256, 512), run on a
           pack_padded_sequence; z = tanh(Linear(1024, 512)([h_fwd; h_bwd]))
           is the decoder's first state
  attention  e_tj = v^T tanh(W [s_{t-1}; h_j] + b)   W: Linear(512 + 1024, 512),
           v: Linear(512, 1, no bias); padded source positions masked out of
           the softmax; c_t = sum_j a_tj h_j
  decoder  Embedding(5893, 256); s_t = GRU([emb(y_{t-1}); c_t], s_{t-1})
           (input 256 + 1024, hidden 512); logits = Linear(512 + 1024 + 256,
           5893)([s_t; c_t; emb(y_{t-1})])

Cases (BENCH_SEQ2SEQ_CASES, default "train beam"):

  train  one training step: forward with teacher forcing 1.0, cross-entropy
         over the non-pad target tokens, backward, global-norm clip 1 (as the
         tutorials), Adam 1e-3. Median over --reps steps (default 10) after 2
         warm-up steps; value = target tokens per second, the tokens scored
         (each sentence's words and </s>, not <s>). The output layer runs
         once on all target steps after the time loop (teacher forcing 1.0:
         no step needs the previous step's logits), as a C side that makes
         whole-sequence products one sgemm does.
  train_tutorial  the same step with the output layer inside the time loop,
         as the tutorials write it (the same loss). Not in the default: on
         this machine it is 2-4x slower, most of it spent allocating and
         accumulating a fresh 5893 x 1792 gradient of the output layer at
         every one of the 25 target steps.
  beam   beam search, beam 5, at most 50 steps, on the 64 source sentences
         of the same batch, all beams of all sentences batched together
         (64 x 5 rows a step). Median over --beam-reps decodes (default 3)
         after one warm-up; value = sentences per second. An untrained model
         almost never ends a hypothesis, so every decode runs its 50 steps:
         the case measures 50 decoder steps of 320 rows each.

The batch is 64 sentence pairs with lengths like Multi30k's (about 13 words
on each side, at most 25): sentence i has
    src_words(i) = clamp(round(13 + 4 * Phi^-1((i + 0.5) / 64)), 4, 25)
    tgt_words(i) = clamp(src_words(i) + (i % 5) - 2, 4, 25)
(Phi^-1 the standard normal quantile), plus <s> and </s> on each side; the
token ids are random (seed 1). So the same 64 lengths are timed in every
step and by any other side that computes them from this formula: 13.02
words on average on each side, 4 to 23 source and 4 to 24 target words, 897
target tokens scored per step, the source padded to 25 positions and the
target to 26.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/seq2seq_ref.py --threads 2

prints, in scripts/bench.sh's form,
    RESULT stage=bench bench=seq2seq case=train_t2 impl=pytorch value=TOK_PER_S unit=tok/s ms_per_step=...
    (case=train_tutorial_t2 the same, when asked for)
    RESULT stage=bench bench=seq2seq case=beam5_t2 impl=pytorch value=SENT_PER_S unit=sent/s ms_per_batch=...
Threads: torch.set_num_threads(N), and OPENBLAS_NUM_THREADS / OMP_NUM_THREADS
(scripts/bench.sh sets them; run standalone, this script sets them to N when
they are unset, before torch loads). OMP_WAIT_POLICY=PASSIVE (the Makefile
exports it; set here too when unset): with 2 threads, spinning idle OpenMP
threads steal the core OpenBLAS needs.
"""
import argparse
import os
import statistics
import sys
import time


def thread_environment(argv):
    """--threads N as the environment OpenBLAS and OpenMP read when torch loads."""
    threads = "1"
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            threads = argv[i + 1]
        elif a.startswith("--threads="):
            threads = a.split("=", 1)[1]
    os.environ.setdefault("OPENBLAS_NUM_THREADS", threads)
    os.environ.setdefault("OMP_NUM_THREADS", threads)
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


thread_environment(sys.argv)

import torch  # noqa: E402  (after the environment above)
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from statistics import NormalDist  # noqa: E402

SRC_V, TGT_V = 7853, 5893
EMB, ENC_H, DEC_H = 256, 512, 512
BATCH, MEAN_WORDS, SD_WORDS, MIN_WORDS, MAX_WORDS = 64, 13, 4, 4, 25
PAD, SOS, EOS = 1, 2, 3          # the tutorials' torchtext ids (<unk> 0)
BEAM, BEAM_MAX_STEPS = 5, 50


# ---------------------------------------------------------------- the model

class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(SRC_V, EMB)
        self.rnn = nn.GRU(EMB, ENC_H, bidirectional=True)
        self.bridge = nn.Linear(2 * ENC_H, DEC_H)

    def forward(self, src, src_len):
        """src (S, B) padded, src_len (B) in descending order ->
        outputs (S, B, 2*ENC_H), zeros at padded positions; z (B, DEC_H)."""
        packed = nn.utils.rnn.pack_padded_sequence(self.emb(src), src_len)
        packed_out, h = self.rnn(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(packed_out, total_length=src.shape[0])
        z = torch.tanh(self.bridge(torch.cat((h[-2], h[-1]), dim=1)))
        return out, z


class Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.w = nn.Linear(DEC_H + 2 * ENC_H, DEC_H)
        self.v = nn.Linear(DEC_H, 1, bias=False)

    def forward(self, s_prev, enc_out, mask):
        """s_prev (B, DEC_H), enc_out (B, S, 2*ENC_H), mask (B, S) true at real
        positions -> a (B, S). W is applied to [s_prev; h_j] for every j, as the
        tutorials do (not split into a per-sentence W_h h_j computed once)."""
        S = enc_out.shape[1]
        s = s_prev.unsqueeze(1).expand(-1, S, -1)
        energy = torch.tanh(self.w(torch.cat((s, enc_out), dim=2)))
        e = self.v(energy).squeeze(2).masked_fill(~mask, -1e10)
        return F.softmax(e, dim=1)


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(TGT_V, EMB)
        self.att = Attention()
        self.rnn = nn.GRU(EMB + 2 * ENC_H, DEC_H)
        self.out = nn.Linear(DEC_H + 2 * ENC_H + EMB, TGT_V)

    def step(self, y_prev, s_prev, enc_out, mask):
        """One step up to the output layer: y_prev (R), s_prev (R, DEC_H),
        enc_out (R, S, 2*ENC_H) batch-first -> [s; c; emb] (R, DEC_H +
        2*ENC_H + EMB), s (R, DEC_H), a (R, S)."""
        emb = self.emb(y_prev)
        a = self.att(s_prev, enc_out, mask)
        c = torch.bmm(a.unsqueeze(1), enc_out).squeeze(1)
        _, s = self.rnn(torch.cat((emb, c), dim=1).unsqueeze(0), s_prev.unsqueeze(0))
        s = s.squeeze(0)
        return torch.cat((s, c, emb), dim=1), s, a

    def features(self, y_prev, s_prev, enc_out, mask):
        feat, s, _ = self.step(y_prev, s_prev, enc_out, mask)
        return feat, s

    def forward(self, y_prev, s_prev, enc_out, mask):
        """One whole step -> logits (R, TGT_V), s (R, DEC_H), a (R, S)."""
        feat, s, a = self.step(y_prev, s_prev, enc_out, mask)
        return self.out(feat), s, a


class Seq2Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = Encoder()
        self.dec = Decoder()

    def encode(self, src, src_len):
        enc_out, z = self.enc(src, src_len)
        mask = (src != PAD).t()                                  # (B, S)
        return enc_out.transpose(0, 1).contiguous(), z, mask     # batch-first for bmm

    def loss(self, src, src_len, tgt, per_step_output=False):
        """Teacher forcing 1.0: step t reads tgt[t-1] and predicts tgt[t].
        per_step_output: the output layer inside the time loop, as the
        tutorials write it; else, as no step reads the previous step's
        logits, it runs once on all steps' [s_t; c_t; emb] (one matrix
        product of (T-1)*B rows instead of T-1 of B rows; the same loss)."""
        enc_out, s, mask = self.encode(src, src_len)
        d = self.dec
        outs = []
        for t in range(1, tgt.shape[0]):
            if per_step_output:
                lg, s, _ = d(tgt[t - 1], s, enc_out, mask)
                outs.append(lg)
            else:
                feat, s = d.features(tgt[t - 1], s, enc_out, mask)
                outs.append(feat)
        outs = torch.stack(outs)                                 # (T-1, B, ...)
        logits = outs if per_step_output else d.out(outs)        # (T-1, B, V)
        return F.cross_entropy(logits.reshape(-1, TGT_V), tgt[1:].reshape(-1), ignore_index=PAD)


# ---------------------------------------------------------------- the batch

def sentence_lengths():
    """The 64 (source, target) lengths in words, from the formula in the docstring."""
    q = NormalDist()
    src = [min(MAX_WORDS, max(MIN_WORDS, round(MEAN_WORDS + SD_WORDS * q.inv_cdf((i + 0.5) / BATCH))))
           for i in range(BATCH)]
    tgt = [min(MAX_WORDS, max(MIN_WORDS, n + i % 5 - 2)) for i, n in enumerate(src)]
    return src, tgt


def padded(words, vocab, gen):
    """<s> w_1 .. w_n </s> <pad>.. for each length n: (max n + 2, B) ids."""
    T = max(words) + 2
    x = torch.full((T, len(words)), PAD, dtype=torch.long)
    for b, n in enumerate(words):
        x[0, b] = SOS
        x[1:n + 1, b] = torch.randint(4, vocab, (n,), generator=gen)
        x[n + 1, b] = EOS
    return x


def make_batch():
    """Source sorted longest first, as pack_padded_sequence wants (the
    tutorials' iterator sorts within the batch)."""
    gen = torch.Generator().manual_seed(1)
    src_words, tgt_words = sentence_lengths()
    order = sorted(range(BATCH), key=lambda b: -src_words[b])
    src_words = [src_words[b] for b in order]
    tgt_words = [tgt_words[b] for b in order]
    src = padded(src_words, SRC_V, gen)
    tgt = padded(tgt_words, TGT_V, gen)
    src_len = torch.tensor([n + 2 for n in src_words])
    scored = sum(n + 1 for n in tgt_words)                      # words and </s>
    return src, src_len, tgt, scored


# ---------------------------------------------------------------- beam search

@torch.no_grad()
def beam_search(model, src, src_len):
    """Batched beam search: B sentences x BEAM hypotheses decoded as B*BEAM
    rows a step. Scores are summed log-probabilities; a hypothesis that has
    emitted </s> is finished and only extends with </s> at no cost, so it
    keeps its place and score. Stops when every hypothesis is finished or
    after BEAM_MAX_STEPS; returns the best hypothesis of each sentence,
    (B, steps) ids."""
    B = src.shape[1]
    enc_out, s, mask = model.encode(src, src_len)
    R = B * BEAM
    enc_out = enc_out.repeat_interleave(BEAM, dim=0)             # (R, S, 2*ENC_H)
    mask = mask.repeat_interleave(BEAM, dim=0)
    s = s.repeat_interleave(BEAM, dim=0)
    y = torch.full((R,), SOS, dtype=torch.long)
    # only the first hypothesis of each sentence is live at the start:
    # the others would be copies of it
    score = torch.full((B, BEAM), -1e9)
    score[:, 0] = 0
    score = score.reshape(R)
    done = torch.zeros(R, dtype=torch.bool)
    history = []
    eos_only = torch.full((TGT_V,), -1e9)
    eos_only[EOS] = 0
    for _ in range(BEAM_MAX_STEPS):
        logits, s, _ = model.dec(y, s, enc_out, mask)
        logp = F.log_softmax(logits, dim=1)
        logp[done] = eos_only
        total = (score.unsqueeze(1) + logp).reshape(B, BEAM * TGT_V)
        best, idx = total.topk(BEAM, dim=1)                      # (B, BEAM)
        parent = (idx // TGT_V + torch.arange(B).unsqueeze(1) * BEAM).reshape(R)
        y = (idx % TGT_V).reshape(R)
        score = best.reshape(R)
        s = s[parent]
        done = done[parent] | (y == EOS)
        history = [h[parent] for h in history] + [y]
        if bool(done.all()):
            break
    tokens = torch.stack(history, dim=1).reshape(B, BEAM, -1)
    return tokens[:, 0]                                          # topk sorts: beam 0 is the best


# ---------------------------------------------------------------- timing

def time_train(model, reps, per_step_output):
    src, src_len, tgt, scored = make_batch()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    times = []
    for k in range(reps + 2):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = model.loss(src, src_len, tgt, per_step_output)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if k >= 2:
            times.append(1e3 * (time.perf_counter() - t0))
    return statistics.median(times), scored


def time_beam(model, reps):
    src, src_len, _, _ = make_batch()
    model.eval()
    times, steps = [], 0
    for k in range(reps + 1):
        t0 = time.perf_counter()
        out = beam_search(model, src, src_len)
        if k >= 1:
            times.append(1e3 * (time.perf_counter() - t0))
        steps = out.shape[1]
    model.train()
    return statistics.median(times), steps


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=10, help="timed training steps (after 2 warm-ups)")
    ap.add_argument("--beam-reps", type=int, default=3, help="timed beam decodes (after 1 warm-up)")
    ap.add_argument("--impl", default="pytorch", choices=["pytorch"])
    ap.add_argument("--impls", action="store_true", help="list the implementations and exit")
    args = ap.parse_args()
    if args.impls:
        print("pytorch")
        return
    torch.set_num_threads(args.threads)
    t = args.threads
    for case in (os.environ.get("BENCH_SEQ2SEQ_CASES") or "train beam").split():
        # a fresh model per case: a few Adam steps on random targets already
        # teach it that </s> is frequent, and the beams would then stop early
        torch.manual_seed(1)
        model = Seq2Seq()
        params = sum(p.numel() for p in model.parameters())
        if case in ("train", "train_tutorial"):
            ms, scored = time_train(model, args.reps, case == "train_tutorial")
            print(f"RESULT stage=bench bench=seq2seq case={case}_t{t} impl=pytorch "
                  f"value={scored / (ms / 1e3):.0f} unit=tok/s ms_per_step={ms:.1f} "
                  f"tokens_per_step={scored} params={params}", flush=True)
        elif case == "beam":
            ms, steps = time_beam(model, args.beam_reps)
            print(f"RESULT stage=bench bench=seq2seq case=beam{BEAM}_t{t} impl=pytorch "
                  f"value={BATCH / (ms / 1e3):.2f} unit=sent/s ms_per_batch={ms:.1f} "
                  f"steps={steps}", flush=True)
        else:
            sys.exit(f"seq2seq_ref.py: error: unknown case '{case}' in BENCH_SEQ2SEQ_CASES (train, train_tutorial, beam)")


if __name__ == "__main__":
    main()
