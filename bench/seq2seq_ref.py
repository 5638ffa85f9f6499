"""PyTorch side of the seq2seq benchmark: the attention encoder-decoder of the
Multi30k tutorials (Bahdanau et al. 2015, "packed padded sequences" version),
on CPU, dropout 0.

  encoder  Embedding(7853, 256) -> bidirectional GRU(256, 512), run on a
           pack_padded_sequence; z = tanh(Linear(1024, 512)([h_fwd; h_bwd]))
           is the decoder's first state
  attention  e_tj = v^T tanh(W [s_{t-1}; h_j] + b)   W: Linear(512 + 1024, 512),
           v: Linear(512, 1, no bias); padded source positions masked out of
           the softmax; c_t = sum_j a_tj h_j. W's h-columns times h_j, plus
           b, are computed once per batch (Bahdanau et al. 2015, appendix
           A.1.2: "U_a h_j can be pre-computed"), as the C side does; each
           step adds W's s-columns times s_{t-1}. The same numbers as W on
           the concatenation, which the tutorials recompute at every step.
  decoder  Embedding(5893, 256); s_t = GRU([emb(y_{t-1}); c_t], s_{t-1})
           (input 256 + 1024, hidden 512); logits = Linear(512 + 1024 + 256,
           5893)([s_t; c_t; emb(y_{t-1})])
  init     every weight U(-0.08, 0.08), biases 0 (the C side's
           s2s_model_init_uniform; the first tutorial's init_weights)

Cases (BENCH_SEQ2SEQ_CASES, default "train beam"):

  train  one training step: forward with teacher forcing 1.0, cross-entropy
         over the non-pad target tokens, backward, global-norm clip 1 (as the
         tutorials), Adam 1e-3. Median over --reps steps (default 10) after 2
         warm-up steps; value = target tokens per second, the tokens scored
         (each sentence's words and </s>, not <s>). The output layer runs
         once on all target steps after the time loop (teacher forcing 1.0:
         no step needs the previous step's logits), as a C side that makes
         whole-sequence products one sgemm does.
  train_tutorial  the same step written as the tutorials write it: the
         output layer inside the time loop, and W applied to [s_{t-1}; h_j]
         at every step (the same loss). Not in the default, and the C side
         has no such case, so scripts/bench.sh would drop its rows (it keeps
         only the cases our side prints); run this script alone with
         BENCH_SEQ2SEQ_CASES=train_tutorial to see it. On this machine it is
         2-4x slower, most of it spent allocating and accumulating a fresh
         5893 x 1792 gradient of the output layer at every target step.
  beam   beam search, beam 5, at most 50 steps, on the 64 source sentences
         of the same batch, all live hypotheses of all sentences batched
         together (one row per sentence at the first step, then 64 x 5).
         The stopping rule is the C side's (common/beam.h, as fairseq's):
         an </s> among a sentence's K best candidates finishes that
         hypothesis, which leaves the beam, and the K best other candidates
         stay live; a sentence is done, and drops out of the batch, when it
         has K finished hypotheses; at step 50 the live ones are cut.
         Scores are plain sums of log-probabilities (length penalty 0, as
         the C side's bench). Median over --beam-reps decodes (default:
         --reps when given, else 3) after one warm-up; value = sentences per
         second; full_length = the sentences that ran to the 50-step limit.
         An untrained model almost never puts </s> in the top 5 of 5893
         words, so every sentence runs its 50 steps (full_length=64 on both
         sides): 1 + 49 decoder steps of 64 and 320 rows.

The batch is 64 sentence pairs with fixed lengths about Multi30k's (13 words
on each side): sentence i has
    src_words(i) = 6 + (4i mod 15)        tgt_words(i) = 6 + (7i mod 15)
(4 and 7 are prime to 15, so each side takes every length 6..20), the same
formula as seq2seq/cmd_bench.c. The source is the words alone (no markers,
as the C side's corpus feeds its encoder); the target is <s> words </s>, so
each sentence scores tgt_words(i) + 1 tokens. Token ids are random (seed 1).
So both sides time the same 64 lengths in every step: 12.94 source and
12.98 target words on average, 895 target tokens scored per step, the source
padded to 20 positions and the decoder run over 21 steps.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/seq2seq_ref.py --threads 2

prints, in scripts/bench.sh's form,
    RESULT stage=bench bench=seq2seq case=train_t2 impl=pytorch value=TOK_PER_S unit=tok/s ms_per_step=...
    (case=train_tutorial_t2 the same, when asked for)
    RESULT stage=bench bench=seq2seq case=beam_t2 impl=pytorch value=SENT_PER_S unit=sent/s ms_per_batch=... full_length=64
Medians: of an even number of runs, the higher middle one (as the C side).

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

SRC_V, TGT_V = 7853, 5893
EMB, ENC_H, DEC_H = 256, 512, 512
BATCH = 64
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

    def keys(self, enc_out):
        """W's h-columns times h_j, plus b: (B, S, DEC_H), once per batch."""
        return F.linear(enc_out, self.w.weight[:, DEC_H:], self.w.bias)

    def forward(self, s_prev, keys, mask):
        """s_prev (B, DEC_H), keys (B, S, DEC_H), mask (B, S) true at real
        positions -> a (B, S)."""
        query = F.linear(s_prev, self.w.weight[:, :DEC_H]).unsqueeze(1)
        e = self.v(torch.tanh(keys + query)).squeeze(2).masked_fill(~mask, -1e10)
        return F.softmax(e, dim=1)

    def tutorial(self, s_prev, enc_out, mask):
        """The same weights as the tutorials apply them: W on [s_prev; h_j]
        for every j, at every step."""
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

    def step(self, y_prev, s_prev, mem):
        """One step up to the output layer: y_prev (R), s_prev (R, DEC_H),
        mem = (enc_out (R, S, 2*ENC_H) batch-first, keys (R, S, DEC_H) or
        None for the tutorials' attention, mask (R, S)) -> [s; c; emb] (R,
        DEC_H + 2*ENC_H + EMB), s (R, DEC_H), a (R, S)."""
        enc_out, keys, mask = mem
        emb = self.emb(y_prev)
        a = self.att(s_prev, keys, mask) if keys is not None else self.att.tutorial(s_prev, enc_out, mask)
        c = torch.bmm(a.unsqueeze(1), enc_out).squeeze(1)
        _, s = self.rnn(torch.cat((emb, c), dim=1).unsqueeze(0), s_prev.unsqueeze(0))
        s = s.squeeze(0)
        return torch.cat((s, c, emb), dim=1), s, a

    def features(self, y_prev, s_prev, mem):
        feat, s, _ = self.step(y_prev, s_prev, mem)
        return feat, s

    def forward(self, y_prev, s_prev, mem):
        """One whole step -> logits (R, TGT_V), s (R, DEC_H), a (R, S)."""
        feat, s, a = self.step(y_prev, s_prev, mem)
        return self.out(feat), s, a


class Seq2Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.enc = Encoder()
        self.dec = Decoder()
        for name, p in self.named_parameters():
            if "bias" in name:
                nn.init.zeros_(p)
            else:
                nn.init.uniform_(p, -0.08, 0.08)

    def encode(self, src, src_len, tutorial=False):
        """-> mem (enc_out batch-first for bmm, the attention keys or None
        when tutorial, mask (B, S)), z the decoder's first state."""
        enc_out, z = self.enc(src, src_len)
        enc_out = enc_out.transpose(0, 1).contiguous()
        mask = (src != PAD).t()
        keys = None if tutorial else self.dec.att.keys(enc_out)
        return (enc_out, keys, mask), z

    def loss(self, src, src_len, tgt, tutorial=False):
        """Teacher forcing 1.0: step t reads tgt[t-1] and predicts tgt[t].
        tutorial: the output layer inside the time loop and the attention's
        W on every [s_{t-1}; h_j], as the tutorials write them; else, as no
        step reads the previous step's logits, the output layer runs once on
        all steps' [s_t; c_t; emb] (one matrix product of (T-1)*B rows
        instead of T-1 of B rows; the same loss)."""
        mem, s = self.encode(src, src_len, tutorial)
        d = self.dec
        outs = []
        for t in range(1, tgt.shape[0]):
            if tutorial:
                lg, s, _ = d(tgt[t - 1], s, mem)
                outs.append(lg)
            else:
                feat, s = d.features(tgt[t - 1], s, mem)
                outs.append(feat)
        outs = torch.stack(outs)                                 # (T-1, B, ...)
        logits = outs if tutorial else d.out(outs)               # (T-1, B, V)
        return F.cross_entropy(logits.reshape(-1, TGT_V), tgt[1:].reshape(-1), ignore_index=PAD)


# ---------------------------------------------------------------- the batch

def sentence_lengths():
    """The 64 (source, target) lengths in words, from the formula in the
    docstring (seq2seq/cmd_bench.c's src_length and tgt_length)."""
    return [6 + (4 * i) % 15 for i in range(BATCH)], [6 + (7 * i) % 15 for i in range(BATCH)]


def padded(words, vocab, gen, markers):
    """w_1 .. w_n <pad>.. for each length n, or with markers
    <s> w_1 .. w_n </s> <pad>..: (max n [+ 2], B) ids."""
    first = 1 if markers else 0
    x = torch.full((max(words) + 2 * first, len(words)), PAD, dtype=torch.long)
    for b, n in enumerate(words):
        x[first:first + n, b] = torch.randint(4, vocab, (n,), generator=gen)
        if markers:
            x[0, b], x[n + 1, b] = SOS, EOS
    return x


def make_batch():
    """Source sorted longest first, as pack_padded_sequence wants (the
    tutorials' iterator sorts within the batch)."""
    gen = torch.Generator().manual_seed(1)
    src_words, tgt_words = sentence_lengths()
    order = sorted(range(BATCH), key=lambda b: -src_words[b])
    src_words = [src_words[b] for b in order]
    tgt_words = [tgt_words[b] for b in order]
    src = padded(src_words, SRC_V, gen, markers=False)
    tgt = padded(tgt_words, TGT_V, gen, markers=True)
    src_len = torch.tensor(src_words)
    scored = sum(n + 1 for n in tgt_words)                      # words and </s>
    return src, src_len, tgt, scored


# ---------------------------------------------------------------- beam search

@torch.no_grad()
def beam_search(model, src, src_len):
    """Batched beam search with common/beam.h's rule (see the top): the live
    hypotheses of the sentences still searching, one row each (one row per
    sentence at step 0, then BEAM). Scores are sums of log-probabilities.
    Returns the best hypothesis of each sentence (a list of ids, </s> not
    included) and how many sentences ran to BEAM_MAX_STEPS."""
    K, V = BEAM, TGT_V
    B = src.shape[1]
    (enc_out, keys, mask), s = model.encode(src, src_len)
    alive = list(range(B))                 # the sentences still searching
    finished = [[] for _ in range(B)]      # (logprob, ids), in finishing order
    y = torch.full((B,), SOS, dtype=torch.long)
    score = torch.zeros(B)
    history = torch.zeros((B, 0), dtype=torch.long)
    per = 1                                # rows per sentence: 1 at step 0, then K
    for t in range(BEAM_MAX_STEPS):
        logits, s, _ = model.dec(y, s, (enc_out, keys, mask))
        n = len(alive)
        total = (score.unsqueeze(1) + F.log_softmax(logits, dim=1)).reshape(n, per * V)
        # 2K candidates: at most one </s> per row, so at least K others
        cand_lp, cand = total.topk(2 * K, dim=1)                 # best first
        tok = cand % V
        row = cand // V + torch.arange(n).unsqueeze(1) * per
        eos = tok == EOS
        for i, j in eos[:, :K].nonzero().tolist():               # rare when untrained
            finished[alive[i]].append((cand_lp[i, j].item(), history[row[i, j]].tolist()))
        # the K best candidates other than </s>, in rank order
        rank = eos.long() * (2 * K) + torch.arange(2 * K)
        keep = rank.argsort(dim=1)[:, :K]
        parent = row.gather(1, keep).reshape(-1)
        y = tok.gather(1, keep).reshape(-1)
        score = cand_lp.gather(1, keep).reshape(-1)
        history = torch.cat((history[parent], y.unsqueeze(1)), dim=1)
        s = s[parent]
        if per == 1:                       # every row of a sentence reads its encoding
            enc_out, keys, mask = (x.repeat_interleave(K, dim=0) for x in (enc_out, keys, mask))
            per = K
        going = [i for i in range(n) if len(finished[alive[i]]) < K]
        if len(going) < n:                 # done sentences leave the batch
            if not going:
                alive = []
                break
            rows = (torch.tensor(going).unsqueeze(1) * K + torch.arange(K)).reshape(-1)
            enc_out, keys, mask, s, y, score, history = (
                x[rows] for x in (enc_out, keys, mask, s, y, score, history))
            alive = [alive[i] for i in going]
    for i, b in enumerate(alive):          # cut at the limit, best first, up to K
        for j in range(K - len(finished[b])):
            finished[b].append((score[i * K + j].item(), history[i * K + j].tolist()))
    best = [max(f, key=lambda h: h[0])[1] for f in finished]   # ties: the first finished
    return best, len(alive)


# ---------------------------------------------------------------- timing

def time_train(model, reps, tutorial):
    src, src_len, tgt, scored = make_batch()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    times = []
    for k in range(reps + 2):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = model.loss(src, src_len, tgt, tutorial)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if k >= 2:
            times.append(1e3 * (time.perf_counter() - t0))
    return statistics.median_high(times), scored


def time_beam(model, reps):
    src, src_len, _, _ = make_batch()
    model.eval()
    times, full = [], 0
    for k in range(reps + 1):
        t0 = time.perf_counter()
        _, full = beam_search(model, src, src_len)
        if k >= 1:
            times.append(1e3 * (time.perf_counter() - t0))
    model.train()
    return statistics.median_high(times), full


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=None, help="timed training steps (after 2 warm-ups; default 10)")
    ap.add_argument("--beam-reps", type=int, default=None,
                    help="timed beam decodes (after 1 warm-up; default --reps when given, else 3)")
    ap.add_argument("--impl", default="pytorch", choices=["pytorch"])
    ap.add_argument("--impls", action="store_true", help="list the implementations and exit")
    args = ap.parse_args()
    if args.impls:
        print("pytorch")
        return
    train_reps = args.reps or 10
    beam_reps = args.beam_reps or args.reps or 3
    torch.set_num_threads(args.threads)
    t = args.threads
    for case in (os.environ.get("BENCH_SEQ2SEQ_CASES") or "train beam").split():
        # a fresh model per case: a few Adam steps on random targets already
        # teach it that </s> is frequent, and the beams would then stop early
        torch.manual_seed(1)
        model = Seq2Seq()
        params = sum(p.numel() for p in model.parameters())
        if case in ("train", "train_tutorial"):
            ms, scored = time_train(model, train_reps, case == "train_tutorial")
            print(f"RESULT stage=bench bench=seq2seq case={case}_t{t} impl=pytorch "
                  f"value={scored / (ms / 1e3):.0f} unit=tok/s ms_per_step={ms:.1f} "
                  f"tokens_per_step={scored} params={params}", flush=True)
        elif case == "beam":
            ms, full = time_beam(model, beam_reps)
            print(f"RESULT stage=bench bench=seq2seq case=beam_t{t} impl=pytorch "
                  f"value={BATCH / (ms / 1e3):.1f} unit=sent/s ms_per_batch={ms:.1f} "
                  f"full_length={full}", flush=True)
        else:
            sys.exit(f"seq2seq_ref.py: error: unknown case '{case}' in BENCH_SEQ2SEQ_CASES (train, train_tutorial, beam)")


if __name__ == "__main__":
    main()
