/*
 * cmd_bench.c -- `seq2seq bench`: the chapter's speed, for make bench
 * (bench/seq2seq.c beside bench/seq2seq_ref.py, PyTorch on the CPU).
 *
 *   --case train   one training step of the Multi30k Bahdanau model (bi-GRU
 *                  512 per direction, GRU decoder 512, embeddings 256,
 *                  attention 512, V 7853 -> 5893), batch 64: forward,
 *                  backward, clip, Adam; target tokens per second
 *   --case beam    beam search (beam 5, at most 50 steps, common/beam.h's
 *                  stopping rule) over the same model's 64 sentences;
 *                  sentences per second, and how many of them ran to the
 *                  50-step limit (all of them, untrained)
 *
 * The batch's lengths are fixed, not drawn, so both sides time the same work
 * (common/s2s_corpus.h's s2s_batch_synthetic): sentence b has 6 + (4b mod 15)
 * source and 6 + (7b mod 15) target words (each 6 to 20; means 12.94 and
 * 12.98, about Multi30k's 13), no markers on the source, BOS before and EOS
 * after the target: 895 target tokens scored a step. Median of --reps runs (default 10 steps after 2 warm-ups,
 * or 3 decodes after 1).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "matmul.h"
#include "metrics.h"
#include "optim.h"
#include "seq2seq/commands.h"
#include "util.h"

enum { BENCH_B = 64, BENCH_SRC_V = 7853, BENCH_TGT_V = 5893 };

int s2s_cmd_bench(int argc, char **argv) {
    static const char *const cases[] = { "train", "beam", NULL };
    int which = 0, threads = 1;
    long reps = 0;   /* 0: the case's default */
    const CliOption opts[] = {
        { .name = "case", .type = CLI_CHOICE, .dst = &which, .choices = cases },
        CLI_THREADS(&threads),
        CLI_OPT("reps", CLI_LONG, &reps, 1, 100000),
        CLI_END
    };
    CliSpec spec = { .usage = "Usage: seq2seq bench [--case train|beam] [--threads N] [--reps N]\n"
                              "  train: one training step of the Multi30k Bahdanau model, batch 64\n"
                              "         (median of --reps, default 10, after 2 warm-ups)\n"
                              "  beam:  beam search (beam 5) of 64 sentences with it\n"
                              "         (median of --reps, default 3, after 1 warm-up)\n",
                     .options = opts };
    if (cli_parse(&spec, argc, argv) > 0) usage_error("bench: unexpected argument '%s'", argv[1]);
    set_threads(threads);
    int warmup = which == 0 ? 2 : 1;
    if (reps == 0) reps = which == 0 ? 10 : 3;
    S2sConfig cfg = {
        .enc = { .cell = RNN_GRU, .V = BENCH_SRC_V, .E = 256, .H = 512, .L = 1, .bidir = 1 },
        .dec = { .cell = RNN_GRU, .V = BENCH_TGT_V, .E = 256, .H = 512, .L = 1, .A = 512,
                 .attn = S2S_ATTN_BAHDANAU },
        .tokens = S2S_WORDS,
    };
    S2sModel m;
    s2s_model_build(&m, &cfg);
    Rng r;
    rng_seed(&r, 1, 0);
    s2s_model_init_uniform(&m, 0.08f, &r);
    S2sBatch b;
    s2s_batch_synthetic(&b, BENCH_B, BENCH_SRC_V, BENCH_TGT_V, &r);
    long tokens = 0;   /* the targets scored: each pair's words and its EOS */
    for (int i = 0; i < b.T * b.B; i++) tokens += b.tgt_out[i] != VOCAB_PAD;
    double *ms = xmalloc((size_t)(reps + warmup) * sizeof *ms);
    result_begin(S2S_STAGE);
    result_str("task", "bench");
    result_str("case", cases[which]);
    result_int("threads", threads);
    if (which == 0) {
        S2sActs a;
        s2s_acts_build(&a, &m, b.S, b.T, b.B, 1);
        AdamConfig adam = { 0.9f, 0.999f, 1e-8f, 0.0f, 0 };
        for (long k = 0; k < reps + warmup; k++) {
            double t0 = now_seconds();
            params_zero_grad(&m.pt);
            s2s_forward(&m, &a, &b, 0.0f, 1, 1.0f);
            s2s_backward(&m, &a);
            clip_grad_norm(&m.pt, 1.0f);
            adam_step(&m.pt, &adam, 1e-3f, (int)k + 1);
            ms[k] = 1e3 * (now_seconds() - t0);
        }
        double med = median_high(ms + warmup, (int)reps);
        result_num("ms_per_step", med, 2);
        result_int("tokens_per_step", tokens);
        result_num("tok_per_s", tokens / (med / 1e3), 0);
        s2s_acts_free(&a);
    } else {
        S2sTranslator tr;
        s2s_translator_build(&tr, &m, b.B, b.S, 5, 50);
        int **src = xmalloc((size_t)b.B * sizeof *src);
        for (int j = 0; j < b.B; j++) {
            src[j] = xmalloc((size_t)b.S * sizeof(int));
            for (int s = 0; s < b.src_len[j]; s++) src[j][s] = b.src[s * b.B + j];
        }
        for (long k = 0; k < reps + warmup; k++) {
            double t0 = now_seconds();
            s2s_translate(&m, &tr, src, b.src_len, b.B, 0.0f);
            ms[k] = 1e3 * (now_seconds() - t0);
        }
        double med = median_high(ms + warmup, (int)reps);
        result_num("ms_per_batch", med, 2);
        result_num("sent_per_s", b.B / (med / 1e3), 1);
        result_int("full_length", beam_cut_count(tr.bs));
        for (int j = 0; j < b.B; j++) free(src[j]);
        free(src);
        s2s_translator_free(&tr);
    }
    result_end();
    free(ms);
    s2s_batch_free(&b);
    s2s_model_free(&m);
    return 0;
}
