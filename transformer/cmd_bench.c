/*
 * cmd_bench.c -- `transformer bench`: the chapter's speed, for make bench
 * (bench/transformer.c beside bench/transformer_ref.py, PyTorch on the CPU).
 *
 * The model is the multi30k preset's (cmd_train.c): 3 + 3 post-LN layers of
 * d 256, 8 heads, FFN 512, dropout 0.1, learned positions (100), V 7853 ->
 * 5893, Xavier-initialised (tf_model_init).
 *
 *   --case train   one training step on a batch of 128 pairs: forward with
 *                  dropout, cross-entropy (no smoothing), backward, clipping
 *                  at 1, Adam (the preset's 5e-4, betas 0.9 / 0.999); target
 *                  tokens per second, the median time of each phase
 *                  (forward, backward, clipping + Adam), and the step's
 *                  useful GFLOP/s (step_flops); with --peak beside the machine's sgemm ceiling,
 *                  measured in the same process after the steps (without it,
 *                  a profiler sees the step alone)
 *   --case greedy  greedy decoding of 64 of its source sentences with the
 *                  key/value cache, at most 50 steps; sentences per second
 *   --case beam    beam search (beam 5, common/beam.h's rule) of the same 64
 *
 * The batch is common/s2s_corpus.h's s2s_batch_synthetic (random ids, each
 * side 6..20 words, means about Multi30k's 13): 20 source positions, 21
 * decoder positions, 1,790 target tokens scored a step. Its first 64
 * sentences are the decoding batch, chapter 4's bench's size. Untrained, the
 * model almost never ranks EOS first, so (nearly) every sentence runs the 50
 * steps: full_length counts those that did. Median of --reps runs (default
 * 10 steps after 2 warm-ups, or 3 decodes after 1).
 */
#include <stdlib.h>

#include "cli.h"
#include "matmul.h"
#include "metrics.h"
#include "optim.h"
#include "transformer/bench.h"
#include "transformer/model.h"
#include "util.h"

enum { BENCH_B = 128, DECODE_B = 64, BENCH_SRC_V = 7853, BENCH_TGT_V = 5893, BENCH_BEAM = 5, BENCH_MAX_LEN = 50 };

/*
 * The useful floating-point operations of one training step: those of each
 * sentence's own positions, padding left out (as "model FLOPs" are counted
 * for utilisation), so the count is the same whatever an implementation
 * does with the padding, and GFLOP/s over the sgemm ceiling is the share of
 * the machine the step turns into work. A product with an (n_out, n_in)
 * weight costs 2 n_out n_in a row forward and twice that backward (the
 * input's and the weight's gradients): 6 per weight per row. Attention adds
 * two (T,Tk) products per head, 4 T Tk d forward per sentence, 12 T Tk d
 * with backward. Embeddings are lookups. Sentence b has s = src_len[b]
 * source and t = its target words + 1 decoder positions (BOS y_1 .. y_m,
 * each scored: y_1 .. y_m EOS).
 */
static double step_flops(const TfConfig *c, const S2sBatch *b) {
    double C = c->d, F = c->ff, total = 0.0;
    for (int j = 0; j < b->B; j++) {
        double s = b->src_len[j], t = 0;
        for (int i = 0; i < b->T; i++) t += b->tgt_out[i * b->B + j] != VOCAB_PAD;
        double enc = c->enc_layers * (4 * C * C + 2 * C * F) * s;                 /* q k v o, FFN */
        double dec = c->dec_layers * ((6 * C * C + 2 * C * F) * t + 2 * C * C * s); /* + cross q o; k v of the memory */
        double att = 12 * C * (c->enc_layers * s * s + c->dec_layers * (t * t + t * s));
        total += 6 * (enc + dec + (double)c->tgt_V * C * t) + att;
    }
    return total;
}

/* The best GFLOP/s of three 2048^3 sgemm products: bench/sgemm.c's peak
 * case, the ceiling any step's products run under with these threads. */
static double sgemm_ceiling(void) {
    enum { N = 2048 };
    float *a = xcalloc((size_t)N * N, sizeof *a), *b = xcalloc((size_t)N * N, sizeof *b);
    float *c = xcalloc((size_t)N * N, sizeof *c);
    for (size_t i = 0; i < (size_t)N * N; i++) a[i] = b[i] = 1.0f / (float)(1 + i % 7);
    double best = 0.0;
    for (int k = 0; k < 4; k++) {   /* the first one warms up */
        double t0 = now_seconds();
        matmul(0, 0, N, N, N, 1.0f, a, b, 0.0f, c);
        double g = 2.0 * N * N * N / (now_seconds() - t0) / 1e9;
        if (k > 0 && g > best) best = g;
    }
    free(a), free(b), free(c);
    return best;
}

/* Median of the timed runs (after the warm-ups) of one column of ms. */
static double timed_median(double *ms, int warmup, long reps) { return median_high(ms + warmup, (int)reps); }

/* The step, timed whole and by phase: forward, backward, clipping + Adam. */
static void bench_train(TfModel *m, const S2sBatch *b, int warmup, long reps, int peak) {
    TfActs *a = tf_acts_build(m, b->B, b->S, b->T, 1);
    AdamConfig adam = {0.9f, 0.999f, 1e-8f, 0.0f, 0};
    long n = reps + warmup;
    double *ms = xmalloc((size_t)4 * n * sizeof *ms), *fwd = ms + n, *bwd = fwd + n, *opt = bwd + n;
    for (long k = 0; k < n; k++) {
        double t0 = now_seconds();
        params_zero_grad(&m->pt);
        tf_forward(m, a, b, 0.0f, 1);
        double t1 = now_seconds();
        tf_backward(m, a);
        double t2 = now_seconds();
        clip_grad_norm(&m->pt, 1.0f);
        adam_step(&m->pt, &adam, 5e-4f, (int)k + 1);
        double t3 = now_seconds();
        ms[k] = 1e3 * (t3 - t0), fwd[k] = 1e3 * (t1 - t0), bwd[k] = 1e3 * (t2 - t1), opt[k] = 1e3 * (t3 - t2);
    }
    double med = timed_median(ms, warmup, reps);
    long tokens = 0;   /* the targets scored: each pair's words and its EOS */
    for (int i = 0; i < b->T * b->B; i++) tokens += b->tgt_out[i] != VOCAB_PAD;
    double gflop_s = step_flops(&m->cfg, b) / (med / 1e3) / 1e9;
    result_num("ms_per_step", med, 2);
    result_num("forward_ms", timed_median(fwd, warmup, reps), 2);
    result_num("backward_ms", timed_median(bwd, warmup, reps), 2);
    result_num("optimizer_ms", timed_median(opt, warmup, reps), 2);
    result_int("tokens_per_step", tokens);
    result_num("tok_per_s", tokens / (med / 1e3), 0);
    result_num("gflop_s", gflop_s, 1);
    if (peak) {
        double ceiling = sgemm_ceiling();
        result_num("sgemm_peak_gflop_s", ceiling, 1);
        result_num("of_peak", gflop_s / ceiling, 3);
    }
    free(ms);
    tf_acts_free(a);
}

/* Decode the first n sentences of the batch with K beams (1: greedy). */
static void bench_decode(TfModel *m, const S2sBatch *b, int n, int K, int warmup, long reps) {
    TfTranslator *tr = tf_translator_build(m, n, b->S, K, BENCH_MAX_LEN);
    int **src = xmalloc((size_t)n * sizeof *src);
    for (int j = 0; j < n; j++) {
        src[j] = xmalloc((size_t)b->S * sizeof(int));
        for (int s = 0; s < b->src_len[j]; s++) src[j][s] = b->src[s * b->B + j];
    }
    double *ms = xmalloc((size_t)(reps + warmup) * sizeof *ms);
    for (long k = 0; k < reps + warmup; k++) {
        double t0 = now_seconds();
        tf_translate(m, tr, src, b->src_len, n, 0.0f);
        ms[k] = 1e3 * (now_seconds() - t0);
    }
    double med = timed_median(ms, warmup, reps);
    result_num("ms_per_batch", med, 2);
    result_num("sent_per_s", n / (med / 1e3), 1);
    result_int("full_length", beam_cut_count(tf_translator_beam(tr)));
    for (int j = 0; j < n; j++) free(src[j]);
    free(src);
    free(ms);
    tf_translator_free(tr);
}

int tf_cmd_bench(int argc, char **argv) {
    static const char *const cases[] = {"train", "greedy", "beam", NULL};
    int which = 0, threads = 1, peak = 0;
    long reps = 0;   /* 0: the case's default */
    const CliOption opts[] = {
        {.name = "case", .type = CLI_CHOICE, .dst = &which, .choices = cases},
        CLI_THREADS(&threads),
        CLI_OPT("reps", CLI_LONG, &reps, 1, 100000),
        CLI_OPT("peak", CLI_FLAG, &peak, 0, 0),
        CLI_END};
    CliSpec spec = {.usage = "Usage: transformer bench [--case train|greedy|beam] [--threads N] [--reps N] [--peak]\n"
                             "  train:  one training step of the multi30k preset's model on 128 pairs\n"
                             "          (median of --reps, default 10, after 2 warm-ups), and its GFLOP/s;\n"
                             "          --peak: beside the sgemm ceiling (best of three 2048^3 products)\n"
                             "  greedy: greedy decoding of 64 sentences with the key/value cache\n"
                             "  beam:   beam search (beam 5) of the same sentences\n"
                             "          (decoding: median of --reps, default 3, after 1 warm-up)\n",
                    .options = opts};
    if (cli_parse(&spec, argc, argv) > 0) usage_error("bench: unexpected argument '%s'", argv[1]);
    set_threads(threads);
    int warmup = which == 0 ? 2 : 1;
    if (reps == 0) reps = which == 0 ? 10 : 3;
    TfConfig cfg = {.d = 256, .heads = 8, .ff = 512, .enc_layers = 3, .dec_layers = 3, .src_V = BENCH_SRC_V,
                    .tgt_V = BENCH_TGT_V, .max_pos = 100, .pos = TF_POS_LEARNED, .norm = TF_POST_LN,
                    .dropout = 0.1f, .tokens = S2S_WORDS};
    TfModel m;
    tf_model_build(&m, &cfg);
    Rng r;
    rng_seed(&r, 1, 0);
    tf_model_init(&m, &r);
    S2sBatch b;
    s2s_batch_synthetic(&b, BENCH_B, BENCH_SRC_V, BENCH_TGT_V, &r);
    result_begin(TF_STAGE);
    result_str("task", "bench");
    result_str("case", cases[which]);
    result_int("threads", threads);
    if (which == 0) bench_train(&m, &b, warmup, reps, peak);
    else bench_decode(&m, &b, DECODE_B, which == 1 ? 1 : BENCH_BEAM, warmup, reps);
    result_end();
    s2s_batch_free(&b);
    tf_model_free(&m);
    return 0;
}
