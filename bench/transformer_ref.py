"""PyTorch side of the transformer benchmark: the chapter's Multi30k model
(transformer/cmd_train.c's multi30k preset, the size of Ben Trevett's
tutorial "Attention is All You Need", pytorch-seq2seq notebook 6) built
from PyTorch's own nn.Transformer, as its tutorial "Language Translation with
nn.Transformer and torchtext" does (Seq2SeqTransformer: token embeddings
times sqrt(d), positions added, dropout, nn.Transformer, a Linear
generator), on the CPU:

  nn.Transformer(d_model=256, nhead=8, num_encoder_layers=3,
                 num_decoder_layers=3, dim_feedforward=512, dropout=0.1)
  Embedding(7853, 256) source, Embedding(5893, 256) target, learned
  positions Embedding(100, 256) for each side (the preset's, Trevett's),
  Linear(256, 5893) generator; post-LN, ReLU; every matrix
  xavier_uniform_ (the tutorial's init), biases 0

nn.Transformer puts a LayerNorm after each stack (encoder_norm,
decoder_norm); a post-LN stack of transformer/ has none (layers.h): 2 x 256
elements a token, nothing beside the step's matrix products. nn.Transformer
also drops out attention probabilities; transformer/ does not (layers.h).
The layout is the tutorial's, sequence first (S, B, d).

Cases (BENCH_TRANSFORMER_CASES, default "train greedy beam"):

  train   one training step on the batch below: zero the gradients,
          forward with dropout 0.1, cross-entropy over the non-pad target
          tokens (no label smoothing), backward, clip_grad_norm_ 1, Adam
          (the preset's: lr 5e-4, torch's default betas and eps). Median of
          --reps steps (default 10) after 2 warm-ups; value = the target
          tokens scored per second (each sentence's words and </s>); also a
          train_gflops row: the step's useful floating-point operations
          (padding left out), counted as transformer/cmd_bench.c's
          step_flops counts them, per second.
  greedy  greedy decoding of the first 64 source sentences of the batch, at
          most 50 steps; sentences per second.
  beam    beam search of the same 64, beam 5, at most 50 steps, length
          penalty 0.
          Both decodings: median of --beam-reps runs (default: --reps when
          given, else 3) after one warm-up, the model in eval mode, every
          live hypothesis of every sentence batched together. The stopping
          rule is common/beam.h's (fairseq's), as bench/seq2seq_ref.py: an
          </s> among a sentence's K best candidates finishes that hypothesis,
          the K best others stay live; a sentence with K finished leaves the
          batch; at step 50 the live ones are cut. K = 1 is greedy. An
          untrained model almost never ranks </s> first, so (nearly) every
          sentence runs the 50 steps; full_length = how many did.

Two implementations:

  pytorch     train, and greedy as the tutorial's greedy_decode does it (but
              all 64 sentences at once): at each step the whole prefix goes
              through model.decode() again (nn.TransformerDecoder under the
              causal mask, so step t costs t positions, and the
              cross-attention projects the memory again), and the generator
              reads the last position. The tutorial has no beam search, and
              this way a beam-5 decode takes minutes: no beam case.
  pytorch_kv  greedy and beam with a key/value cache, as transformer/
              decodes: each step runs the new token alone through the
              decoder layers (nn.TransformerDecoderLayer's operations written
              out on its weights), reading the earlier positions' keys and
              values from the cache, and the memory's, projected once per
              decode. The same logits as pytorch's to float rounding.

The batch is common/s2s_corpus.h's s2s_batch_synthetic, the C side's: 128
sentence pairs, pair i with
    src_words(i) = 6 + (4i mod 15)        tgt_words(i) = 6 + (7i mod 15)
(each 6..20, means 12.9 and 13.0: Multi30k's German and English training
sentences average 12.6 and 13.1 words), random ids (seed 1). The source is
the words alone, the target <s> words </s>: the source padded to 20
positions, the decoder input to 21, and 1,797 target tokens scored a step.

    OMP_WAIT_POLICY=PASSIVE /usr/bin/python3 bench/transformer_ref.py --impl pytorch --threads 2

prints, in scripts/bench.sh's form,
    RESULT stage=bench bench=transformer case=train_t2 impl=pytorch value=TOK_PER_S unit=tok/s ms_per_step=...
    RESULT stage=bench bench=transformer case=train_gflops_t2 impl=pytorch value=GFLOP_S unit=GFLOP/s
    RESULT stage=bench bench=transformer case=greedy_t2 impl=pytorch value=SENT_PER_S unit=sent/s ms_per_batch=... full_length=...
Medians: of an even number of runs, the higher middle one (as the C side).
Threads: as bench/seq2seq_ref.py (whose thread_environment runs when it is
imported, before torch loads).
"""
import argparse
import math
import os
import statistics
import sys
import time

from seq2seq_ref import padded  # noqa: F401  (importing it sets the thread environment)

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402

SRC_V, TGT_V = 7853, 5893
D, HEADS, FF, ENC_L, DEC_L, DROPOUT = 256, 8, 512, 3, 3, 0.1
BATCH, DECODE_BATCH = 128, 64
PAD, BOS, EOS = 1, 2, 3          # the tutorial's torchtext ids (<unk> 0)
MAX_STEPS, BEAM = 50, 5
MAX_POS = 100


# ---------------------------------------------------------------- the model

class Seq2SeqTransformer(nn.Module):
    def __init__(self):
        super().__init__()
        self.src_emb = nn.Embedding(SRC_V, D)
        self.tgt_emb = nn.Embedding(TGT_V, D)
        self.src_pos = nn.Embedding(MAX_POS, D)
        self.tgt_pos = nn.Embedding(MAX_POS, D)
        self.drop = nn.Dropout(DROPOUT)
        self.transformer = nn.Transformer(d_model=D, nhead=HEADS, num_encoder_layers=ENC_L,
                                          num_decoder_layers=DEC_L, dim_feedforward=FF, dropout=DROPOUT)
        self.generator = nn.Linear(D, TGT_V)
        for p in self.parameters():
            if p.dim() > 1:
                nn.init.xavier_uniform_(p)

    def embed(self, table, pos, x, start=0):
        """x (T, B) ids at positions start.. -> Dropout(Emb(x) sqrt(d) + Pos) (T, B, d)."""
        p = torch.arange(start, start + x.shape[0])
        return self.drop(table(x) * math.sqrt(D) + pos(p).unsqueeze(1))

    def encode(self, src, src_pad):
        return self.transformer.encoder(self.embed(self.src_emb, self.src_pos, src), src_key_padding_mask=src_pad)

    def decode(self, tgt, mem, tgt_pad, mem_pad):
        causal = self.transformer.generate_square_subsequent_mask(tgt.shape[0])
        return self.transformer.decoder(self.embed(self.tgt_emb, self.tgt_pos, tgt), mem, tgt_mask=causal,
                                        tgt_key_padding_mask=tgt_pad, memory_key_padding_mask=mem_pad)

    def loss(self, src, tgt):
        """Teacher forcing: tgt[:-1] in, tgt[1:] predicted."""
        src_pad = (src == PAD).t()
        tgt_in, tgt_out = tgt[:-1], tgt[1:]
        mem = self.encode(src, src_pad)
        h = self.decode(tgt_in, mem, (tgt_in == PAD).t(), src_pad)
        logits = self.generator(h)
        return F.cross_entropy(logits.reshape(-1, TGT_V), tgt_out.reshape(-1), ignore_index=PAD)


# ---------------------------------------------------------------- the batch

def sentence_words():
    """The words of each pair: s2s_batch_synthetic's lengths."""
    return [6 + (4 * i) % 15 for i in range(BATCH)], [6 + (7 * i) % 15 for i in range(BATCH)]


def make_batch():
    """-> src (20, 128), tgt (22, 128) with <s> and </s>, the target tokens scored."""
    gen = torch.Generator().manual_seed(1)
    src_words, tgt_words = sentence_words()
    src = padded(src_words, SRC_V, gen, markers=False)
    tgt = padded(tgt_words, TGT_V, gen, markers=True)
    return src, tgt, sum(n + 1 for n in tgt_words)


# ---------------------------------------------------------------- decoders
#
# A decoder keeps its state for the search's rows, packed sentence by
# sentence, `per` rows each (1 at step 0, then K):
#   start(src)               -> state, one row per sentence
#   step(state, y, t, per)   -> logits (rows, V), the state with y appended
#   reorder(state, parent)   row i continues row parent[i]; K rows a sentence after it
#   keep(state, going, rows) only the sentences `going` (and their rows) stay

class Recompute:
    """The tutorial's greedy_decode, batched: the prefix runs again each step."""

    def __init__(self, model):
        self.m = model

    def start(self, src):
        src_pad = (src == PAD).t()
        return {"mem": self.m.encode(src, src_pad), "mem_pad": src_pad, "prefix": src.new_zeros((0, src.shape[1]))}

    def step(self, s, y, t, per):
        s["prefix"] = torch.cat((s["prefix"], y.unsqueeze(0)))
        h = self.m.decode(s["prefix"], s["mem"], None, s["mem_pad"])
        return self.m.generator(h[-1]), s

    def reorder(self, s, parent):
        return {"mem": s["mem"][:, parent], "mem_pad": s["mem_pad"][parent], "prefix": s["prefix"][:, parent]}

    def keep(self, s, going, rows):
        return self.reorder(s, rows)


class KVCache:
    """Incremental decoding: the new token alone through each
    nn.TransformerDecoderLayer (post-LN: x = norm1(x + SelfAttn(x)), x =
    norm2(x + CrossAttn(x, mem)), x = norm3(x + FFN(x))), its keys and values
    appended to the cache; the memory's keys and values projected once."""

    def __init__(self, model):
        self.m = model
        self.layers = model.transformer.decoder.layers
        self.dh = D // HEADS

    def heads(self, x):
        """(..., T, d) -> (..., NH, T, dh)"""
        return x.unflatten(-1, (HEADS, self.dh)).transpose(-3, -2)

    def attend(self, q, k, v, mask):
        """q (..., NH, Tq, dh), k, v (..., NH, Tk, dh), mask additive or None -> (..., Tq, d)"""
        a = q @ k.transpose(-2, -1) / math.sqrt(self.dh)
        if mask is not None:
            a = a + mask
        return (a.softmax(-1) @ v).transpose(-3, -2).flatten(-2)

    def start(self, src):
        src_pad = (src == PAD).t()
        mem = self.m.encode(src, src_pad).transpose(0, 1)                  # (B, S, d)
        cross = []
        for layer in self.layers:
            w, b = layer.multihead_attn.in_proj_weight, layer.multihead_attn.in_proj_bias
            k, v = F.linear(mem, w[D:], b[D:]).chunk(2, dim=-1)
            cross.append((self.heads(k), self.heads(v)))                     # (B, NH, S, dh)
        mask = torch.zeros(src_pad.shape).masked_fill(src_pad, float("-inf"))[:, None, None, :]
        return {"cross": cross, "mask": mask, "self": [None] * len(self.layers)}

    def step(self, s, y, t, per):
        x = self.m.embed(self.m.tgt_emb, self.m.tgt_pos, y.unsqueeze(0), t)[0]              # (rows, d)
        n = x.shape[0] // per
        for i, layer in enumerate(self.layers):
            sa = layer.self_attn
            q, k, v = F.linear(x, sa.in_proj_weight, sa.in_proj_bias).chunk(3, dim=-1)
            k, v = self.heads(k.unsqueeze(1)), self.heads(v.unsqueeze(1))  # (rows, NH, 1, dh)
            if s["self"][i] is not None:
                k = torch.cat((s["self"][i][0], k), dim=2)
                v = torch.cat((s["self"][i][1], v), dim=2)
            s["self"][i] = (k, v)
            att = self.attend(self.heads(q.unsqueeze(1)), k, v, None)[:, 0]
            x = layer.norm1(x + sa.out_proj(att))
            ca = layer.multihead_attn
            q = F.linear(x, ca.in_proj_weight[:D], ca.in_proj_bias[:D]).view(n, per, D)
            att = self.attend(self.heads(q), *s["cross"][i], s["mask"]).reshape(n * per, D)
            x = layer.norm2(x + ca.out_proj(att))
            x = layer.norm3(x + layer.linear2(F.relu(layer.linear1(x))))
        return self.m.generator(self.m.transformer.decoder.norm(x)), s

    def reorder(self, s, parent):
        s["self"] = [(k[parent], v[parent]) for k, v in s["self"]]
        return s

    def keep(self, s, going, rows):
        s["cross"] = [(k[going], v[going]) for k, v in s["cross"]]
        s["mask"] = s["mask"][going]
        return self.reorder(s, rows)


@torch.no_grad()
def search(dec, src, K):
    """Batched beam search with common/beam.h's rule (the top), K = 1 greedy.
    Returns how many sentences ran to MAX_STEPS."""
    V, B = TGT_V, src.shape[1]
    state = dec.start(src)
    alive = list(range(B))                 # the sentences still searching
    finished = [0] * B                     # how many hypotheses each has finished
    y = torch.full((B,), BOS, dtype=torch.long)
    score = torch.zeros(B)
    per = 1
    for t in range(MAX_STEPS):
        logits, state = dec.step(state, y, t, per)
        n = len(alive)
        total = (score.unsqueeze(1) + F.log_softmax(logits, dim=1)).reshape(n, per * V)
        cand_lp, cand = total.topk(2 * K, dim=1)     # at most one </s> per row: K others remain
        tok = cand % V
        row = cand // V + torch.arange(n).unsqueeze(1) * per
        eos = tok == EOS
        for i in eos[:, :K].nonzero()[:, 0].tolist():
            finished[alive[i]] += 1
        rank = eos.long() * (2 * K) + torch.arange(2 * K)   # the K best that are not </s>
        keep = rank.argsort(dim=1)[:, :K]
        parent = row.gather(1, keep).reshape(-1)
        y = tok.gather(1, keep).reshape(-1)
        score = cand_lp.gather(1, keep).reshape(-1)
        state = dec.reorder(state, parent)
        per = K
        going = [i for i in range(n) if finished[alive[i]] < K]
        if len(going) < n:                 # done sentences leave the batch
            if not going:
                return 0
            rows = (torch.tensor(going).unsqueeze(1) * K + torch.arange(K)).reshape(-1)
            state = dec.keep(state, torch.tensor(going), rows)
            y, score = y[rows], score[rows]
            alive = [alive[i] for i in going]
    return len(alive)


# ---------------------------------------------------------------- timing

def time_train(model, reps):
    src, tgt, scored = make_batch()
    opt = torch.optim.Adam(model.parameters(), lr=5e-4)
    model.train()
    times = []
    for k in range(reps + 2):
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        model.loss(src, tgt).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if k >= 2:
            times.append(1e3 * (time.perf_counter() - t0))
    return statistics.median_high(times), scored


def time_decode(dec, K, reps):
    src = make_batch()[0][:, :DECODE_BATCH]
    dec.m.eval()
    times, full = [], 0
    for k in range(reps + 1):
        t0 = time.perf_counter()
        full = search(dec, src, K)
        if k >= 1:
            times.append(1e3 * (time.perf_counter() - t0))
    return statistics.median_high(times), full


def step_flops(src_words, tgt_words):
    """transformer/cmd_bench.c's step_flops: the useful operations, each
    sentence's own positions only (s source, t = words + 1 decoder positions):
    6 per weight of the matrix products per row they multiply, plus
    attention's 12 T Tk d per sentence."""
    C, F, total = D, FF, 0
    for s, m in zip(src_words, tgt_words):
        t = m + 1
        enc = ENC_L * (4 * C * C + 2 * C * F) * s
        dec = DEC_L * ((6 * C * C + 2 * C * F) * t + 2 * C * C * s)
        att = 12 * C * (ENC_L * s * s + DEC_L * (t * t + t * s))
        total += 6 * (enc + dec + TGT_V * C * t) + att
    return total


IMPLS = {"pytorch": (Recompute, ("train", "greedy")), "pytorch_kv": (KVCache, ("greedy", "beam"))}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=None, help="timed training steps (after 2 warm-ups; default 10)")
    ap.add_argument("--beam-reps", type=int, default=None,
                    help="timed decodes (after 1 warm-up; default --reps when given, else 3)")
    ap.add_argument("--impl", default="pytorch", choices=sorted(IMPLS))
    ap.add_argument("--impls", action="store_true", help="list the implementations and exit")
    args = ap.parse_args()
    if args.impls:
        print(" ".join(IMPLS))
        return
    torch.set_num_threads(args.threads)
    t = args.threads
    decoder, cases = IMPLS[args.impl]
    for case in (os.environ.get("BENCH_TRANSFORMER_CASES") or "train greedy beam").split():
        if case not in ("train", "greedy", "beam"):
            sys.exit(f"transformer_ref.py: error: unknown case '{case}' in BENCH_TRANSFORMER_CASES "
                     "(train, greedy, beam)")
        if case not in cases:
            continue
        torch.manual_seed(1)
        model = Seq2SeqTransformer()
        if case == "train":
            ms, scored = time_train(model, args.reps or 10)
            flops = step_flops(*sentence_words())
            print(f"RESULT stage=bench bench=transformer case=train_t{t} impl={args.impl} "
                  f"value={scored / (ms / 1e3):.0f} unit=tok/s ms_per_step={ms:.1f} tokens_per_step={scored} "
                  f"params={sum(p.numel() for p in model.parameters())}", flush=True)
            print(f"RESULT stage=bench bench=transformer case=train_gflops_t{t} impl={args.impl} "
                  f"value={flops / (ms / 1e3) / 1e9:.1f} unit=GFLOP/s", flush=True)
        else:
            ms, full = time_decode(decoder(model), 1 if case == "greedy" else BEAM, args.beam_reps or args.reps or 3)
            print(f"RESULT stage=bench bench=transformer case={case}_t{t} impl={args.impl} "
                  f"value={DECODE_BATCH / (ms / 1e3):.1f} unit=sent/s ms_per_batch={ms:.1f} full_length={full}",
                  flush=True)


if __name__ == "__main__":
    main()
