/*
 * test_gpt.c -- chapter 6, the model and its command line (the tokenizers'
 * suite is test_tokenizer.c).
 *
 *   - The GPT against PyTorch (tests/ref/ref_gpt.py): logits, loss, every
 *     gradient and six AdamW steps of a tiny GPT-2, with and without biases;
 *     llm.c's model files written and read back, and bad ones rejected.
 *   - The KV cache against the plain forward pass; whole-stream evaluation;
 *     a resumed run bit for bit equal to a straight one; the sampler.
 *   - Backward passes from a head (gradient checks); fine-tuning a toy task.
 *   - The gpt binary end to end (when it has been built): the tokenizer
 *     commands, train, sample, eval, convert, finetune, and the exit status
 *     of every kind of bad input.
 */
#include "harness.h"
#include "bpe.h"
#include "gpt/finetune.h"
#include "gpt/generate.h"
#include "gpt/gpt.h"
#include "gpt/train.h"
#include "gradcheck.h"
#include "ops.h"
#include "optim.h"
#include "rng.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ helpers */

/* A small BPE vocabulary in GPT-2's files at dir (for --vocab). */
static void save_toy_vocab(const char *dir) {
    static const char corpus[] = "the cat sat on the mat. the dog sat on the log! it's the cat's hat.\n";
    Bpe *b = bpe_train(corpus, sizeof corpus - 1, 300, 0);
    bpe_save_gpt2(b, dir);
    bpe_free(b);
}

/* ---------------------------------------------------------------- CLI */

/* exit status of a shell command */
static int run(const char *cmd) {
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

START_TEST(test_cli) {
    const char *bin = getenv("BIN");
    char gpt[600];
    snprintf(gpt, sizeof gpt, "%s/gpt", bin && *bin ? bin : "bin");
    if (access(gpt, X_OK) != 0)
        SKIP_TEST("%s is not built", gpt);
    char dir[512], cmd[4096];
    snprintf(dir, sizeof dir, "%s", tmp_path("clivocab"));
    save_toy_vocab(dir);
    const char *ids = tmp_path("ids.txt"), *out = tmp_path("out.txt"), *tok = tmp_path("cli.tok");
    /* text -> ids -> text, and through an llm.c token file */
    snprintf(cmd, sizeof cmd, "printf 'the cat\\377 sat\\n' | %s encode --vocab %s > %s && %s decode --vocab %s %s > %s"
             " && printf 'the cat\\377 sat\\n' | cmp -s - %s", gpt, dir, ids, gpt, dir, ids, out, out);
    ck_assert_int_eq(run(cmd), 0);
    snprintf(cmd, sizeof cmd, "printf 'the cat' | %s encode --vocab %s --out %s && %s decode --vocab %s < %s | grep -qx 'the cat'",
             gpt, dir, tok, gpt, dir, tok);
    ck_assert_int_eq(run(cmd), 0);
    struct { const char *args; int status; } cases[] = {
        {"--help", 0}, {"encode --help", 0}, {"decode --help", 0}, {"bpe-train --help", 0}, {"demo --help", 0},
        {"", 2}, {"frobnicate", 2}, {"encode --bogus", 2}, {"bpe-train --vocab-size 12", 2},
        {"encode --vocab /nonexistent < /dev/null", 1},
        {"decode --vocab DIR <<< '1 2 x3'", 1},
        {"decode --vocab DIR <<< '1 99999'", 1},
        {"decode --tokenizer /nonexistent <<< '1'", 1},
        {"bpe-train --data /nonexistent", 1},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char *args = strstr(cases[k].args, "DIR") ? replace_once(cases[k].args, "DIR", dir) : strdup(cases[k].args);
        snprintf(cmd, sizeof cmd, "bash -c \"%s %s\" > /dev/null 2>&1", gpt, args);
        int st = run(cmd);
        ck_assert_msg(st == cases[k].status, "gpt %s: exit %d, want %d", args, st, cases[k].status);
        free(args);
    }
    printf("CLI OK  exit statuses 0 (help), 1 (bad input), 2 (bad usage)\n");
}
END_TEST

/* ======================================================= the GPT model
 * gpt/gpt.h against tests/fixtures/gpt_model*.bin, written by
 * tests/ref/ref_gpt.py (PyTorch 1.13, float32): logits, loss and every
 * gradient of a tiny GPT-2 (2 layers, 4 heads, 32 wide, context 16, vocab
 * 64), and the losses of 6 AdamW steps; the same for a bias-free model. */

/* A model built from a fixture's config tensor, with its parameters. */
static void model_from_fixture(Gpt *m, const Fixture *fx, int *B, int *T) {
    const float *cf = fixture_get(fx, "config", NULL);
    GptConfig cfg = {.vocab_size = (int)cf[0], .max_seq_len = (int)cf[1], .n_layer = (int)cf[2],
                     .n_head = (int)cf[3], .channels = (int)cf[4], .bias = (int)cf[7], .dropout = 0.0f};
    *B = (int)cf[5];
    *T = (int)cf[6];
    gpt_build(m, &cfg);
    for (int k = 0; k < m->pt.count; k++) {
        size_t n;
        const float *src = fixture_get(fx, m->pt.info[k].name, &n);
        ck_assert_uint_eq(n, m->pt.info[k].size);
        memcpy(m->pt.values + m->pt.info[k].offset, src, n * sizeof(float));
    }
}

static int *fixture_ids(const Fixture *fx, const char *name, size_t n) {
    int *ids = malloc(n * sizeof(int));
    for (size_t i = 0; i < n; i++) ids[i] = fixture_int(fx, name, i);
    return ids;
}

static void check_against_pytorch(const char *fixture) {
    Fixture *fx = fixture_load(fixture);
    Gpt m;
    int B, T;
    model_from_fixture(&m, fx, &B, &T);
    int *idx = fixture_ids(fx, "idx", (size_t)B * T), *tgt = fixture_ids(fx, "targets", (size_t)B * T);
    size_t n;
    const float *want = fixture_get(fx, "logits", &n);
    double loss = gpt_forward(&m, idx, tgt, B, T);
    /* logits and loss to 1e-5 absolute (float32 both sides, |logits| < 1) */
    ck_assert(check_tensor("logits", m.a.logits, want, n, 1e-5f));
    float lossf = (float)loss;
    ck_assert(check_tensor("loss", &lossf, fixture_get(fx, "loss", NULL), 1, 1e-5f));
    params_zero_grad(&m.pt);
    gpt_backward(&m, 1.0f);
    /* every gradient to 1e-6 absolute (measured maxdiffs are ~1e-8) */
    for (int k = 0; k < m.pt.count; k++) {
        char dname[80];
        snprintf(dname, sizeof dname, "d%s", m.pt.info[k].name);
        size_t gn;
        const float *gw = fixture_get(fx, dname, &gn);
        ck_assert_uint_eq(gn, m.pt.info[k].size);
        ck_assert(check_tensor(dname, m.pt.grads + m.pt.info[k].offset, gw, gn, 1e-6f));
    }
    /* 6 AdamW steps on the same batch, as the reference: lr 1e-2, betas
     * (0.9, 0.95), decay 0.1 on matrices, clip 1.0; losses to 1e-5 */
    size_t ns;
    const float *want_losses = fixture_get(fx, "adamw_losses", &ns);
    float *losses = malloc(ns * sizeof(float));
    AdamConfig ac = {.beta1 = 0.9f, .beta2 = 0.95f, .eps = 1e-8f, .weight_decay = 0.1f, .decoupled = 1};
    for (size_t s = 0; s < ns; s++) {
        losses[s] = (float)gpt_forward(&m, idx, tgt, B, T);
        params_zero_grad(&m.pt);
        gpt_backward(&m, 1.0f);
        clip_grad_norm(&m.pt, 1.0f);
        adam_step(&m.pt, &ac, 1e-2f, (int)s + 1);
    }
    ck_assert(check_tensor("adamw_losses", losses, want_losses, ns, 1e-5f));
    free(losses);
    free(idx);
    free(tgt);
    gpt_free(&m);
    fixture_free(fx);
}

START_TEST(test_model_pytorch) { check_against_pytorch("gpt_model"); }
END_TEST

START_TEST(test_model_pytorch_nobias) { check_against_pytorch("gpt_model_nobias"); }
END_TEST

/* A small random model for the tests that need no reference. */
static void random_model(Gpt *m, int bias, int maxT) {
    GptConfig cfg = {.max_seq_len = maxT, .vocab_size = 50, .n_layer = 2, .n_head = 2, .channels = 16,
                     .bias = bias, .dropout = 0.0f};
    gpt_build(m, &cfg);
    gpt_init_weights(m, 7);
    /* larger weights than GPT-2's init, so attention is far from uniform */
    for (size_t i = 0; i < m->pt.total; i++) m->pt.values[i] *= 5.0f;
}

START_TEST(test_kv_cache) {
    Gpt m;
    int T = 48, V = 50;
    random_model(&m, 1, T);
    int toks[48];
    Rng r;
    rng_seed(&r, 3, 0);
    for (int t = 0; t < T; t++) toks[t] = (int)rng_below(&r, (uint32_t)V);
    gpt_forward(&m, toks, NULL, 1, T);
    GptCache c;
    gpt_cache_init(&c, &m);
    /* token by token */
    float *all = malloc((size_t)T * V * sizeof(float));
    for (int t = 0; t < T; t++) gpt_forward_cached(&m, &c, toks + t, 1, all + (size_t)t * V);
    ck_assert(check_tensor("kv-cache one at a time", all, m.a.logits, (size_t)T * V, 1e-4f));
    /* a 10-token prompt at once, then one at a time */
    gpt_cache_reset(&c);
    gpt_forward_cached(&m, &c, toks, 10, all);
    for (int t = 10; t < T; t++) gpt_forward_cached(&m, &c, toks + t, 1, all + (size_t)t * V);
    ck_assert(check_tensor("kv-cache prompt+steps", all, m.a.logits, (size_t)T * V, 1e-4f));
    /* gpt eval's windows through the cache == one batched forward pass over them */
    int stream[5 * 16 + 3], x[5 * 16], y[5 * 16];
    for (int i = 0; i < 5 * 16 + 3; i++) stream[i] = (int)rng_below(&r, (uint32_t)V);
    for (int w = 0; w < 5; w++)
        for (int t = 0; t < 16; t++) x[w * 16 + t] = stream[w * 16 + t], y[w * 16 + t] = stream[w * 16 + t + 1];
    Gpt m2;
    random_model(&m2, 1, 16);
    float batched = (float)gpt_forward(&m2, x, y, 5, 16);
    size_t count;
    float windows = (float)gpt_eval_windows(&m2, stream, 5 * 16 + 3, 16, &count);
    ck_assert_uint_eq(count, 5 * 16);
    ck_assert(check_tensor("eval windows == batched loss", &windows, &batched, 1, 1e-5f));
    gpt_free(&m2);
    free(all);
    gpt_cache_free(&c);
    gpt_free(&m);
}
END_TEST

START_TEST(test_llmc_roundtrip) {
    for (int bias = 0; bias <= 1; bias++) {
        Gpt a, b;
        random_model(&a, bias, 16);
        const char *path = tmp_path("model_llmc.bin");
        gpt_llmc_save(&a, path);
        char err[512];
        ck_assert_msg(gpt_llmc_read(path, &b, err, sizeof err) == 0, "%s", err);
        ck_assert_int_eq(b.cfg.vocab_size, 50);
        ck_assert_int_eq(b.cfg.bias, 1);
        /* same tensors bit for bit; the biases of a bias-free model read as zeros */
        for (int k = 0; k < a.pt.count; k++) {
            const ParamInfo *p = &a.pt.info[k];
            ck_assert(memcmp(a.pt.values + p->offset, params_get(&b.pt, p->name), p->size * sizeof(float)) == 0);
        }
        int toks[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
        gpt_forward(&a, toks, NULL, 1, 16);
        gpt_forward(&b, toks, NULL, 1, 16);
        ck_assert(check_tensor(bias ? "llm.c round trip, bias" : "llm.c round trip, no bias", b.a.logits,
                               a.a.logits, 16 * 50, 0.0f));
        gpt_free(&a);
        gpt_free(&b);
    }
}
END_TEST

/* The PyTorch reference also wrote its parameters as an llm.c model file. */
START_TEST(test_llmc_reference) {
    Fixture *fx = fixture_load("gpt_model");
    char path[512], err[512];
    snprintf(path, sizeof path, "tests/fixtures/gpt_model_llmc.bin");
    Gpt m;
    ck_assert_msg(gpt_llmc_read(path, &m, err, sizeof err) == 0, "%s", err);
    int B = 2, T = 16;
    int *idx = fixture_ids(fx, "idx", (size_t)B * T);
    size_t n;
    const float *want = fixture_get(fx, "logits", &n);
    gpt_forward(&m, idx, NULL, B, T);
    ck_assert(check_tensor("logits from llm.c file", m.a.logits, want, n, 1e-5f));
    free(idx);
    gpt_free(&m);
    fixture_free(fx);
}
END_TEST

/* Corrupt copies of an llm.c file each fail with a message, never a crash. */
START_TEST(test_llmc_bad) {
    size_t len;
    char *buf = read_all("tests/fixtures/gpt_model_llmc.bin", &len);
    const char *path = tmp_path("bad_llmc.bin");
    char err[512];
    Gpt m;
    int32_t h[2];
    memcpy(h, buf, sizeof h);
    struct { int off; int32_t val; size_t len; const char *want; } cases[] = {
        {0, 12345, 0, "bad magic"},  {4, 5, 0, "version 5"},  {-1, 0, 100, "truncated"},
        {-1, 0, 5000, "truncated"}, {24, 33, 0, "bad llm.c header"}, {-1, 0, 1, "extra"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char *copy = malloc(len + 8);
        memcpy(copy, buf, len);
        size_t n = len;
        if (cases[k].off >= 0) memcpy(copy + cases[k].off, &cases[k].val, 4);
        if (!strcmp(cases[k].want, "extra")) { memset(copy + len, 0, 4); n = len + 4; }
        else if (cases[k].len) n = cases[k].len;
        write_bytes(path, copy, n);
        ck_assert_int_eq(gpt_llmc_read(path, &m, err, sizeof err), -1);
        printf("BAD FILE OK  %s\n", err);
        if (strcmp(cases[k].want, "extra") && strcmp(cases[k].want, "truncated"))
            ck_assert_msg(strstr(err, cases[k].want) != NULL, "'%s' lacks '%s'", err, cases[k].want);
        free(copy);
    }
    free(buf);
}
END_TEST

/* The first ncols tab-separated columns of each line of a metrics file
 * (step tokens split loss ppl lr: not the timings), malloc'd. */
static char *metrics_columns(const char *path, int ncols) {
    size_t n;
    char *all = read_all(path, &n), *out = malloc(n + 1), *o = out;
    for (const char *line = all; *line;) {
        const char *end = strchr(line, '\n');
        if (!end) end = line + strlen(line);
        int col = 0;
        for (const char *c = line; c < end && col < ncols; c++) {
            if (*c == '\t' && ++col == ncols) break;
            *o++ = *c;
        }
        *o++ = '\n';
        line = *end ? end + 1 : end;
    }
    *o = '\0';
    free(all);
    return out;
}

/* Train N steps and save, resume for M steps == N+M steps straight, bit for
 * bit (dropout on, so the per-step random streams are exercised too). N is a
 * multiple of the evaluation interval: the resumed run, given the metrics of a
 * run killed after its checkpoint, logs the validation at N once, not twice. */
START_TEST(test_resume_bitwise) {
    enum { N = 6, M = 3, V = 50 };
    int stream[2000];
    Rng r;
    rng_seed(&r, 11, 0);
    for (int i = 0; i < 2000; i++) stream[i] = (int)rng_below(&r, V) % (i % 7 + 3);   /* some structure */
    GptTrainConfig tc = {.batch = 4, .seq_len = 16, .accum = 2, .steps = N + M, .lr = 3e-3f, .min_lr = 3e-4f,
                      .warmup = 2, .decay_steps = N + M, .beta1 = 0.9f, .beta2 = 0.99f, .weight_decay = 0.1f,
                      .grad_clip = 1.0f, .eval_interval = 3, .eval_iters = 2, .log_interval = 1, .seed = 5,
                      .quiet = 1};
    float straight[N + M], resumed[N + M];
    Gpt a;
    random_model(&a, 0, 16);
    a.cfg.dropout = 0.1f;
    char dir_a[512], dir_b[512], ckpt[600];
    snprintf(dir_a, sizeof dir_a, "%s", tmp_path("resume_a"));
    snprintf(dir_b, sizeof dir_b, "%s", tmp_path("resume_b"));
    tc.out_dir = dir_a;
    gpt_train(&a, &tc, stream, 1500, stream + 1500, 500, 0, straight);
    gpt_free(&a);

    Gpt b;
    random_model(&b, 0, 16);
    b.cfg.dropout = 0.1f;
    tc.out_dir = dir_b;
    tc.steps = N;
    gpt_train(&b, &tc, stream, 1500, stream + 1500, 500, 0, resumed);
    gpt_free(&b);
    Gpt c;
    char *config;
    long step;
    snprintf(ckpt, sizeof ckpt, "%s/ckpt.bin", dir_b);
    gpt_load_any(ckpt, &c, &config, &step);
    ck_assert_int_eq(step, N);
    c.cfg.dropout = 0.1f;
    tc.steps = N + M;
    char metrics_a[600], metrics_b[600], cmd[1400];
    snprintf(metrics_a, sizeof metrics_a, "%s/metrics.tsv", dir_a);
    snprintf(metrics_b, sizeof metrics_b, "%s/metrics.tsv", dir_b);
    snprintf(cmd, sizeof cmd, "cp %s %s", metrics_a, metrics_b);   /* killed after logging every step */
    ck_assert_int_eq(system(cmd), 0);
    gpt_train(&c, &tc, stream, 1500, stream + 1500, 500, N, resumed + N);
    ck_assert(memcmp(straight, resumed, sizeof straight) == 0);
    char *rows_a = metrics_columns(metrics_a, 6), *rows_b = metrics_columns(metrics_b, 6);
    ck_assert_str_eq(rows_b, rows_a);
    free(rows_a);
    free(rows_b);
    printf("RESUME OK  %d+%d steps == %d steps bit for bit (last loss %.6f)\n", N, M, N + M, straight[N + M - 1]);
    free(config);
    gpt_free(&c);
}
END_TEST

/* Sampling settings: top-k 1 and a tiny top-p are greedy; out-of-range dies. */
START_TEST(test_sampler) {
    float logits[5] = {0.1f, 2.0f, -1.0f, 1.9f, 0.0f}, probs[5];
    int order[5];
    Rng r;
    rng_seed(&r, 1, 0);
    SamplerConfig greedy = {0.0f, 0, 1.0f}, k1 = {1.0f, 1, 1.0f}, p_small = {1.0f, 0, 0.01f}, k2 = {1.0f, 2, 1.0f};
    for (int i = 0; i < 50; i++) {
        ck_assert_int_eq(sampler_draw(&greedy, logits, 5, probs, order, &r), 1);
        ck_assert_int_eq(sampler_draw(&k1, logits, 5, probs, order, &r), 1);
        ck_assert_int_eq(sampler_draw(&p_small, logits, 5, probs, order, &r), 1);
        int t = sampler_draw(&k2, logits, 5, probs, order, &r);
        ck_assert(t == 1 || t == 3);
    }
}
END_TEST

/* replace_once, or a copy when `from` is absent */
static char *replace_if(const char *s, const char *from, const char *to) {
    return strstr(s, from) ? replace_once(s, from, to) : strdup(s);
}

/* The gpt binary end to end on a tiny text: train, sample (cached and not),
 * eval, convert both ways, and every kind of bad input. */
START_TEST(test_model_cli) {
    const char *bin = getenv("BIN");
    char gpt[600], cmd[8192];
    snprintf(gpt, sizeof gpt, "%s/gpt", bin && *bin ? bin : "bin");
    if (access(gpt, X_OK) != 0)
        SKIP_TEST("%s is not built", gpt);
    char text[600], run_dir[600], ck[700], llmc[600], back[600], out1[600], out2[600];
    snprintf(text, sizeof text, "%s", tmp_path("tiny.txt"));
    snprintf(run_dir, sizeof run_dir, "%s", tmp_path("tinyrun"));
    snprintf(ck, sizeof ck, "%s/ckpt.bin", run_dir);
    snprintf(llmc, sizeof llmc, "%s", tmp_path("tiny_llmc.bin"));
    snprintf(back, sizeof back, "%s", tmp_path("tiny_back.bin"));
    snprintf(out1, sizeof out1, "%s", tmp_path("s1.txt"));
    snprintf(out2, sizeof out2, "%s", tmp_path("s2.txt"));
    FILE *f = fopen(text, "w");
    for (int i = 0; i < 200; i++) fprintf(f, "the cat sat on the mat. ");
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s train --data %s --layers 1 --heads 2 --width 16 --context 16 --batch 4 --steps 30 "
             "--eval-interval 10 --eval-iters 2 --final-eval-iters 4 --out %s --quiet > %s 2>&1 && grep -q "
             "'^RESULT stage=gpt .*split=val.* loss=' %s", gpt, text, run_dir, out1, out1);
    ck_assert_int_eq(run(cmd), 0);
    /* greedy, 40 tokens: longer than the context, so the refill path runs; cached == uncached */
    snprintf(cmd, sizeof cmd, "%s sample --model %s --prompt 'the ' --tokens 40 --temperature 0 > %s 2>/dev/null && "
             "%s sample --model %s --prompt 'the ' --tokens 40 --temperature 0 --no-cache > %s 2>/dev/null && "
             "cmp -s %s %s", gpt, ck, out1, gpt, ck, out2, out1, out2);
    ck_assert_int_eq(run(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s eval --model %s --data %s --context 16 | grep -q '^RESULT stage=gpt.* loss='", gpt, ck, text);
    ck_assert_int_eq(run(cmd), 0);
    /* a word-level model: --test ends with whole-stream RESULT lines (windows,
     * and sliding with --eval-stride); sampling writes words; fine-tuning reads
     * the checkpoint's word vocabulary */
    char wtext[600], wtest[600], wlab[600], wrun[600], wck[700];
    snprintf(wtext, sizeof wtext, "%s", tmp_path("words.txt"));
    snprintf(wtest, sizeof wtest, "%s", tmp_path("words_test.txt"));
    snprintf(wlab, sizeof wlab, "%s", tmp_path("words_labelled.txt"));
    snprintf(wrun, sizeof wrun, "%s", tmp_path("wordrun"));
    snprintf(wck, sizeof wck, "%s/ckpt.bin", wrun);
    f = fopen(wtext, "w");
    for (int i = 0; i < 150; i++) fprintf(f, " the cat sat on the mat %s\n", i % 3 ? "." : "!");
    fclose(f);
    f = fopen(wtest, "w");
    for (int i = 0; i < 9; i++) fprintf(f, "the dog sat on the mat .\n");
    fclose(f);
    f = fopen(wlab, "w");
    fprintf(f, "1 a good dog\n0 a bad cat\n");
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s train --data %s --val %s --test %s --words --add-unlabelled %s --layers 1 --heads 2 "
             "--width 16 --context 8 --batch 4 --steps 20 --eval-interval 0 --eval-stride 2 --out %s --quiet > %s 2>&1 && "
             "grep -q '^RESULT stage=gpt .*split=valid eval=windows context=8 stride=8 tokens=72 ' %s && "
             "grep -q '^RESULT stage=gpt .*split=test eval=windows .*tokens=72 .*ppl=' %s && "
             "grep -q '^RESULT stage=gpt .*split=test eval=sliding context=8 stride=2 tokens=72 ' %s && "
             "grep -qxP 'good\\t1' %s/vocab.txt",
             gpt, wtext, wtest, wtest, wlab, wrun, out1, out1, out1, out1, wrun);
    ck_assert_int_eq(run(cmd), 0);
    /* gpt eval --stride gives the run's own test losses back */
    snprintf(cmd, sizeof cmd, "for s in 8 2; do %s eval --model %s --data %s --stride $s | sed 's/.*loss=\\([0-9.]*\\).*/\\1/'; done > %s && "
             "grep 'split=test' %s | sed 's/.*loss=\\([0-9.]*\\).*/\\1/' | cmp -s - %s", gpt, wck, wtest, out2, out1, out2);
    ck_assert_int_eq(run(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s sample --model %s --prompt 'the cat' --tokens 12 --temperature 0 2>/dev/null | "
             "grep -q '^the cat[a-z .!]*$'", gpt, wck);
    ck_assert_int_eq(run(cmd), 0);
    char sst[1024];
    if (data_path(sst, sizeof sst, "sst/stsa.binary.train")) {
        snprintf(cmd, sizeof cmd, "%s finetune --model %s --task sst2 --max-train 32 --epochs 1 --quiet > %s 2>&1 && "
                 "grep -c '^RESULT stage=gpt task=finetune data=sst2 init=.* acc=' %s | grep -qx 2", gpt, wck, out1, out1);
        ck_assert_int_eq(run(cmd), 0);
    } else {   /* the rest still runs; the runner counts the test as skipped */
        test_skipped(__func__, "its SST-2 fine-tuning step: %s not found (run `make data`)", sst);
    }
    /* bad input: exit 1 (with a message), bad usage: exit 2 */
    char trunc[600], garbage[600], trunc_tok[600], tok[600], toy[600], long_prompt[600];
    snprintf(trunc, sizeof trunc, "%s", tmp_path("trunc.bin"));
    snprintf(garbage, sizeof garbage, "%s", tmp_path("garbage.bin"));
    snprintf(tok, sizeof tok, "%s", tmp_path("toks.bin"));
    snprintf(trunc_tok, sizeof trunc_tok, "%s", tmp_path("trunc_toks.bin"));
    snprintf(toy, sizeof toy, "%s", tmp_path("toyvocab"));
    snprintf(long_prompt, sizeof long_prompt, "%s", tmp_path("long_prompt.txt"));
    char nul_text[600];   /* words are text: a NUL byte in a word model's data is an error */
    snprintf(nul_text, sizeof nul_text, "%s", tmp_path("nul.txt"));
    FILE *nf = fopen(nul_text, "wb");
    ck_assert_ptr_nonnull(nf);
    fwrite("the cat\nthe\0dog\n", 1, 17, nf);
    fclose(nf);
    save_toy_vocab(toy);
    int ids[40];
    for (int i = 0; i < 40; i++) ids[i] = i % 7;
    llmc_tokens_save(tok, ids, 40);
    /* ours -> llm.c -> ours: the same eval loss on an llm.c token file, all three */
    snprintf(cmd, sizeof cmd, "%s convert --in %s --out %s > /dev/null && %s convert --in %s --out %s > /dev/null && "
             "for m in %s %s %s; do %s eval --model $m --data %s --context 4 | sed 's/.*loss=//'; done | uniq | "
             "wc -l | grep -qx 1", gpt, ck, llmc, gpt, llmc, back, ck, llmc, back, gpt, tok);
    ck_assert_int_eq(run(cmd), 0);
    snprintf(cmd, sizeof cmd, "head -c 3000 %s > %s && head -c 100 /dev/urandom > %s && head -c 1050 %s > %s && "
             "head -c 300 %s > %s", ck, trunc, garbage, tok, trunc_tok, text, long_prompt);
    ck_assert_int_eq(run(cmd), 0);
    struct { const char *fmt; int status; } cases[] = {
        {"sample --model %s --prompt '' --tokens 5", 1},                       /* empty prompt */
        {"sample --model %s --prompt-file /dev/null --tokens 5", 1},           /* empty prompt file */
        {"sample --model %s --prompt 'the \xc3\xa9' --tokens 5", 1},           /* byte not in the charset */
        {"sample --model %s --top-p 0 --tokens 5", 2},                         /* top-p outside (0,1] */
        {"sample --model %s --top-p 1.5 --tokens 5", 2},
        {"sample --model %s --temperature -1 --tokens 5", 2},
        {"sample --model %s --prompt-file LONG --tokens 5", 0},                /* cropped, with a warning */
        {"sample --model TRUNC --tokens 5", 1},                                /* truncated checkpoint */
        {"sample --model GARBAGE --tokens 5", 1},                              /* wrong magic */
        {"eval --model %s --data TRUNCTOK --context 4", 1},                    /* truncated token file */
        {"eval --model %s --data TOK --context 4", 0},                         /* ids < 65: fine */
        {"sample --model %s --vocab TOY --tokens 5", 1},                       /* vocabulary mismatch */
        {"eval --model %s --data LONG --vocab /nonexistent", 1},              /* no such vocabulary */
        {"train --data /nonexistent --steps 1", 1},
        {"train --steps 1", 2},
        {"train --preset nope", 2},
        {"train --data LONG --add-unlabelled LONG --steps 1", 2},             /* needs --words */
        {"train --data LONG --words --vocab TOY --steps 1", 2},
        {"train --data LONG --context 8 --eval-stride 9 --steps 1", 2},       /* stride > context */
        {"train --data LONG --words --add-unlabelled /nonexistent --steps 1", 1},
        {"train --data LONG --words --add-unlabelled GARBAGE --steps 1", 1},  /* not UTF-8 text */
        {"train --data NULTEXT --words --steps 1", 1},                        /* a NUL byte in words */
        {"eval --model %s", 2},
        {"eval --model %s --data LONG --context 4 --stride 5", 1},            /* stride > context */
        {"convert --in %s", 2},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char args[1024], *a1, *a2, *a3, *a4, *a5;
        snprintf(args, sizeof args, cases[k].fmt, ck);
        a1 = replace_if(args, "TRUNCTOK", trunc_tok);
        a2 = replace_if(a1, "TRUNC", trunc);
        a3 = replace_if(a2, "GARBAGE", garbage);
        a4 = replace_if(a3, "TOY", toy);
        a5 = replace_if(a4, "LONG", long_prompt);
        char *a6 = replace_if(a5, "TOK", tok), *a7 = replace_if(a6, "NULTEXT", nul_text);
        snprintf(cmd, sizeof cmd, "%s %s > /dev/null 2> %s", gpt, a7, out2);
        int st = run(cmd);
        size_t n;
        char *msg = read_all(out2, &n);
        printf("CLI %-60.60s exit %d  %.100s\n", cases[k].fmt, st, msg);
        ck_assert_msg(st == cases[k].status, "gpt %s: exit %d, want %d", a7, st, cases[k].status);
        if (st == 1) ck_assert_msg(strstr(msg, "gpt: error:") != NULL, "no error message for %s", a7);
        if (strstr(cases[k].fmt, "prompt-file LONG")) ck_assert(strstr(msg, "keeping its last") != NULL);
        if (strstr(cases[k].fmt, "\xc3\xa9"))   /* the message names the text, the byte and its place */
            ck_assert_msg(strstr(msg, "'prompt': the byte 0xc3 at byte 4 (line 1)") != NULL, "%s", msg);
        if (strstr(cases[k].fmt, "NULTEXT"))
            ck_assert_msg(strstr(msg, "NUL byte at byte 11 (line 2)") != NULL && strstr(msg, nul_text), "%s", msg);
        free(msg);
        free(a1), free(a2), free(a3), free(a4), free(a5), free(a6), free(a7);
    }
}
END_TEST

/* The options of every command go through common/cli.h: --help exits 0,
 * an unknown option or a bad number 2; a preset is applied first, so flags
 * override it on either side of it; older spellings stay as aliases. */
START_TEST(test_cli_options) {
    const char *bin = getenv("BIN");
    char gpt[600], cmd[8192];
    snprintf(gpt, sizeof gpt, "%s/gpt", bin && *bin ? bin : "bin");
    if (access(gpt, X_OK) != 0)
        SKIP_TEST("%s is not built", gpt);
    const char *commands[] = {"bpe-train", "encode", "decode", "train", "eval", "sample", "finetune", "convert",
                              "bench", "demo"};
    for (size_t k = 0; k < sizeof commands / sizeof *commands; k++) {
        struct { const char *args; int status; } cases[] = {
            {"--help", 0}, {"--frobnicate 3 --help", 0}, {"--frobnicate 3", 2}, {"--threads x", 2},
            {"--threads 0", 2},
        };
        for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
            snprintf(cmd, sizeof cmd, "%s %s %s < /dev/null > /dev/null 2>&1", gpt, commands[k], cases[c].args);
            if (!strcmp(commands[k], "encode") || !strcmp(commands[k], "decode") || !strcmp(commands[k], "convert") ||
                !strcmp(commands[k], "bpe-train"))
                if (strstr(cases[c].args, "threads")) continue;   /* no --threads: an unknown option, also 2 */
            ck_assert_msg(run(cmd) == cases[c].status, "gpt %s %s: want exit %d", commands[k], cases[c].args,
                          cases[c].status);
        }
    }
    struct { const char *args; int status; } bad[] = {
        {"train --steps 12x", 2}, {"train --steps", 2}, {"train --lr -1", 2}, {"train --quiet=1", 2},
        {"train --preset", 2}, {"sample --model M --n 0", 2}, {"bench --config huge", 2},
        {"finetune --model M --task nope", 2}, {"eval --context=0", 2}, {"train --resume extra", 2},
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        snprintf(cmd, sizeof cmd, "%s %s > /dev/null 2>&1", gpt, bad[k].args);
        ck_assert_msg(run(cmd) == bad[k].status, "gpt %s: want exit %d", bad[k].args, bad[k].status);
    }
    /* flags before and after the preset override it; --eval-interval and
     * --block-size are the older spellings of --eval-every and --context */
    char text[600], dir[600], out[600];
    snprintf(text, sizeof text, "%s", tmp_path("preset"));
    snprintf(dir, sizeof dir, "%s", tmp_path("presetrun"));
    snprintf(out, sizeof out, "%s", tmp_path("preset_out.txt"));
    FILE *f = fopen(text, "w");
    for (int i = 0; i < 100; i++) fprintf(f, "to be or not to be. ");
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s train --steps 3 --preset shakespeare-char --data %s --layers 1 --heads 2 --width 16 "
             "--block-size 16 --batch 2 --eval-interval 0 --final-eval-batches 1 --out %s --quiet > %s 2>&1 && "
             "grep -qx 'steps = 3' %s/config.txt && grep -qx 'layers = 1' %s/config.txt && "
             "grep -qx 'context = 16' %s/config.txt && grep -qx 'preset = shakespeare-char' %s/config.txt && "
             "grep -q '^RESULT stage=gpt task=train model=shakespeare-char data=[^ ]*preset' %s",
             gpt, text, dir, out, dir, dir, dir, dir, out);
    ck_assert_int_eq(run(cmd), 0);
    /* --resume continues the run in --out: 3 more steps */
    snprintf(cmd, sizeof cmd, "%s train --preset shakespeare-char --data %s --layers 1 --heads 2 --width 16 "
             "--context 16 --batch 2 --eval-every 0 --final-eval-batches 1 --steps 6 --out %s --resume --quiet > %s 2>&1 "
             "&& grep -q 'resuming from .*/ckpt.bin at step 3' %s && grep -q '^RESULT .*steps=6 ' %s",
             gpt, text, dir, out, out, out);
    ck_assert_int_eq(run(cmd), 0);
    printf("CLI OK  --help 0, unknown options and bad values 2, flags override presets, --resume\n");
}
END_TEST

/* gpt_backward_final (the entry of fine-tuning heads) against central
 * differences of L = sum(lnf * R) over every parameter. */
typedef struct {
    Gpt *m;
    const int *x;
    const float *r;
    int B, T;
} LnfCtx;

static double lnf_loss(void *p) {
    LnfCtx *c = p;
    gpt_forward(c->m, c->x, NULL, c->B, c->T);
    double s = 0.0;
    for (size_t i = 0; i < (size_t)c->B * c->T * c->m->cfg.channels; i++) s += (double)c->m->a.lnf[i] * c->r[i];
    return s;
}

START_TEST(test_backward_final_gradcheck) {
    Gpt m;
    GptConfig cfg = {.max_seq_len = 6, .vocab_size = 11, .n_layer = 1, .n_head = 2, .channels = 8, .bias = 1};
    gpt_build(&m, &cfg);
    gpt_init_weights(&m, 3);
    /* embeddings of unit scale, as after training: with GPT-2's 0.02 the
     * stream is so small that LayerNorm is far from linear over eps = 1e-2 */
    float *emb[2] = {m.w.wte, m.w.wpe};
    size_t emb_n[2] = {11 * 8, 6 * 8};
    for (int e = 0; e < 2; e++)
        for (size_t i = 0; i < emb_n[e]; i++) emb[e][i] *= 50.0f;
    int x[12] = {1, 5, 2, 9, 0, 3, 4, 4, 7, 10, 6, 8};
    float r[2 * 6 * 8];
    Rng g;
    rng_seed(&g, 9, 0);
    rng_fill_uniform(&g, r, 96, -1.0f, 1.0f);
    LnfCtx c = {&m, x, r, 2, 6};
    lnf_loss(&c);
    params_zero_grad(&m.pt);
    gpt_backward_final(&m, r);
    float *grad = malloc(m.pt.total * sizeof(float));
    memcpy(grad, m.pt.grads, m.pt.total * sizeof(float));
    double err = gradcheck("gpt_backward_final, all parameters", lnf_loss, &c, m.pt.values, grad, m.pt.total, 1e-2f);
    printf("GRADCHECK backward_final: max relative error %.2e (tolerance 2e-2)\n", err);
    ck_assert(err < 2e-2);
    free(grad);
    gpt_free(&m);
}
END_TEST

/* gpt_backward_from_logits with the cross-entropy's own dlogits,
 * (softmax - onehot) / (B*T), is gpt_backward bit for bit. */
START_TEST(test_backward_from_logits_is_ce) {
    Gpt m;
    random_model(&m, 1, 16);
    enum { B = 3, T = 16, V = 50 };
    int x[B * T], y[B * T];
    Rng r;
    rng_seed(&r, 21, 0);
    for (int i = 0; i < B * T; i++) x[i] = (int)rng_below(&r, V), y[i] = (int)rng_below(&r, V);
    gpt_forward(&m, x, y, B, T);
    params_zero_grad(&m.pt);
    gpt_backward(&m, 1.0f);
    float *want = malloc(m.pt.total * sizeof(float)), *dlogits = malloc((size_t)B * T * V * sizeof(float));
    memcpy(want, m.pt.grads, m.pt.total * sizeof(float));
    float scale = 1.0f / (float)(B * T);
    for (int i = 0; i < B * T; i++) {
        for (int j = 0; j < V; j++) dlogits[i * V + j] = m.a.probs[i * V + j] * scale;   /* softmax, saved by the forward */
        dlogits[i * V + y[i]] -= scale;
    }
    params_zero_grad(&m.pt);
    gpt_backward_from_logits(&m, dlogits);
    ck_assert_mem_eq(m.pt.grads, want, m.pt.total * sizeof(float));
    printf("BACKWARD from logits == cross-entropy backward, bit for bit (%zu gradients)\n", m.pt.total);
    free(want);
    free(dlogits);
    gpt_free(&m);
}
END_TEST

/* log softmax(z)[y] in double */
static double log_softmax_at(const float *z, int V, int y) {
    double mx = z[0], s = 0.0;
    for (int j = 1; j < V; j++) mx = z[j] > mx ? z[j] : mx;
    for (int j = 0; j < V; j++) s += exp(z[j] - mx);
    return z[y] - mx - log(s);
}

/* gpt_backward_from_logits against central differences of a loss of the
 * logits that is not the cross-entropy: RLHF's policy-gradient surrogate
 * L = sum_i A_i log softmax(z_i)[y_i], with an "advantage" A_i in [-1, 1]
 * per position, whose dlogits_i = A_i (onehot(y_i) - softmax(z_i)). */
typedef struct {
    Gpt *m;
    const int *x, *y;
    const float *adv;
    int B, T;
} PolicyCtx;

static double policy_loss(void *p) {
    PolicyCtx *c = p;
    int V = c->m->cfg.vocab_size;
    gpt_forward(c->m, c->x, NULL, c->B, c->T);
    double s = 0.0;
    for (int i = 0; i < c->B * c->T; i++) s += c->adv[i] * log_softmax_at(c->m->a.logits + (size_t)i * V, V, c->y[i]);
    return s;
}

START_TEST(test_backward_from_logits_gradcheck) {
    Gpt m;
    GptConfig cfg = {.max_seq_len = 6, .vocab_size = 11, .n_layer = 1, .n_head = 2, .channels = 8, .bias = 1};
    gpt_build(&m, &cfg);
    gpt_init_weights(&m, 3);
    float *emb[2] = {m.w.wte, m.w.wpe};   /* unit-scale embeddings, as in the lnf gradient check */
    size_t emb_n[2] = {11 * 8, 6 * 8};
    for (int e = 0; e < 2; e++)
        for (size_t i = 0; i < emb_n[e]; i++) emb[e][i] *= 50.0f;
    int x[12] = {1, 5, 2, 9, 0, 3, 4, 4, 7, 10, 6, 8}, y[12] = {5, 2, 9, 0, 3, 1, 4, 7, 10, 6, 8, 2};
    float adv[12], dlogits[12 * 11];
    Rng g;
    rng_seed(&g, 10, 0);
    rng_fill_uniform(&g, adv, 12, -1.0f, 1.0f);
    PolicyCtx c = {&m, x, y, adv, 2, 6};
    policy_loss(&c);
    for (int i = 0; i < 12; i++)
        for (int j = 0; j < 11; j++)
            dlogits[i * 11 + j] = adv[i] * ((j == y[i]) - (float)exp(log_softmax_at(m.a.logits + i * 11, 11, j)));
    params_zero_grad(&m.pt);
    gpt_backward_from_logits(&m, dlogits);
    float *grad = malloc(m.pt.total * sizeof(float));
    memcpy(grad, m.pt.grads, m.pt.total * sizeof(float));
    double err = gradcheck("gpt_backward_from_logits, all parameters", policy_loss, &c, m.pt.values, grad,
                           m.pt.total, 1e-2f);
    printf("GRADCHECK backward_from_logits: max relative error %.2e (tolerance 2e-2)\n", err);
    ck_assert(err < 2e-2);
    free(grad);
    gpt_free(&m);
}
END_TEST

/* The log-probabilities of a continuation: the log-softmax of the forward
 * pass's logits at each continuation token, and PyTorch's on the fixture. */
START_TEST(test_token_logprobs) {
    Gpt m;
    random_model(&m, 1, 16);
    int toks[12], P = 5, n = 12, V = 50;
    Rng r;
    rng_seed(&r, 8, 0);
    for (int i = 0; i < n; i++) toks[i] = (int)rng_below(&r, (uint32_t)V);
    float out[7], want[7];
    double sum = gpt_token_logprobs(&m, toks, P, n, out), want_sum = 0.0;
    gpt_forward(&m, toks, NULL, 1, n - 1);
    for (int i = 0; i < n - P; i++) {
        want[i] = (float)log_softmax_at(m.a.logits + (size_t)(P - 1 + i) * V, V, toks[P + i]);
        want_sum += want[i];
    }
    ck_assert(check_tensor("token logprobs == log-softmax of the logits", out, want, (size_t)(n - P), 1e-5f));
    ck_assert(fabs(sum - want_sum) < 1e-4);
    /* the fixture's first sequence, against PyTorch's logits */
    Fixture *fx = fixture_load("gpt_model");
    Gpt f;
    int B, T;
    model_from_fixture(&f, fx, &B, &T);
    int *idx = fixture_ids(fx, "idx", (size_t)B * T);
    const float *logits = fixture_get(fx, "logits", NULL);
    int Vf = f.cfg.vocab_size, Pf = 4;
    float *got = malloc((size_t)T * sizeof(float)), *ref = malloc((size_t)T * sizeof(float));
    gpt_token_logprobs(&f, idx, Pf, T, got);
    for (int i = 0; i < T - Pf; i++) ref[i] = (float)log_softmax_at(logits + (size_t)(Pf - 1 + i) * Vf, Vf, idx[Pf + i]);
    ck_assert(check_tensor("token logprobs vs PyTorch", got, ref, (size_t)(T - Pf), 1e-5f));
    free(got);
    free(ref);
    free(idx);
    gpt_free(&f);
    fixture_free(fx);
    gpt_free(&m);
}
END_TEST

/* n examples of a toy task: 4 to 12 random tokens, labelled 1 when token 3 occurs. */
static void toy_task(LabelledSet *d, int n) {
    lset_init(d, 1);
    Rng r;
    rng_seed(&r, 4, 0);
    for (int i = 0; i < n; i++) {
        int ids[12], len = 4 + (int)rng_below(&r, 9), has = 0;
        for (int t = 0; t < len; t++) {
            int id = 4 + (int)rng_below(&r, 40);
            if (rng_below(&r, 2 * len) == 0) id = 3;
            has |= id == 3;
            ids[t] = id;
        }
        const int *seq = ids;
        lset_add(d, has, &seq, &len);
    }
}

/* Fine-tuning learns the toy task, far above chance. */
START_TEST(test_finetune_toy) {
    Gpt m;
    random_model(&m, 0, 12);
    for (size_t i = 0; i < m.pt.total; i++) m.pt.values[i] /= 5.0f;   /* back to GPT-2's scale */
    LabelledSet d;
    toy_task(&d, 256);
    GptClassHead h;
    gpt_class_head_init(&h, 2, m.cfg.channels, 1);
    GptFinetuneConfig fc = {.batch = 16, .epochs = 15, .lr = 3e-3f, .weight_decay = 0.0f, .dropout = 0.0f,
                         .grad_clip = 1.0f, .seed = 1, .quiet = 1};
    double before = gpt_classify_accuracy(&m, &h, &d, 16);
    gpt_finetune(&m, &h, &fc, &d);
    double after = gpt_classify_accuracy(&m, &h, &d, 16);
    printf("FINETUNE toy task: training accuracy %.3f -> %.3f\n", before, after);
    ck_assert(after > 0.9);
    /* a checkpoint's Adam moments (pretraining's) do not leak into fine-tuning:
     * the same model with junk moments fine-tunes to the same weights */
    Gpt a, b;
    random_model(&a, 0, 12);
    random_model(&b, 0, 12);
    for (size_t i = 0; i < b.pt.total; i++) b.pt.m[i] = 0.5f, b.pt.v[i] = 3.0f;
    fc.epochs = 1;
    GptClassHead ha, hb;
    gpt_class_head_init(&ha, 2, a.cfg.channels, 1);
    gpt_class_head_init(&hb, 2, b.cfg.channels, 1);
    gpt_finetune(&a, &ha, &fc, &d);
    gpt_finetune(&b, &hb, &fc, &d);
    ck_assert_mem_eq(a.pt.values, b.pt.values, a.pt.total * sizeof(float));
    gpt_class_head_free(&ha), gpt_class_head_free(&hb);
    gpt_free(&a), gpt_free(&b);
    gpt_class_head_free(&h);
    lset_free(&d);
    gpt_free(&m);
}
END_TEST


/* The norm of (a - b) over n floats, in double. */
static double diff_norm(const float *a, const float *b, size_t n) {
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += ((double)a[i] - b[i]) * ((double)a[i] - b[i]);
    return sqrt(s);
}

/* Fine-tuning clips the gradients of the body and the head as one, with one
 * factor from their joint norm (they are one network to the optimizer). Seen
 * through one Adam step: per weight it is lr * g / (|g| + eps) with eps 1e-8,
 * so with a clip of 1e-10, far below every |g|, each clipped gradient g is
 * << eps and the step is lr * g / eps: the step of body and head together
 * has norm lr * clip / eps (to 1%). A head left out of the clip would step
 * by about lr per weight. */
START_TEST(test_finetune_clips_body_and_head_together) {
    Gpt m;
    random_model(&m, 0, 12);
    for (size_t i = 0; i < m.pt.total; i++) m.pt.values[i] /= 5.0f;
    LabelledSet d;
    toy_task(&d, 16);   /* one batch: one step */
    GptClassHead h;
    gpt_class_head_init(&h, 2, m.cfg.channels, 1);
    float *body0 = malloc(m.pt.total * sizeof(float)), *head0 = malloc(h.pt.total * sizeof(float));
    memcpy(body0, m.pt.values, m.pt.total * sizeof(float));
    memcpy(head0, h.pt.values, h.pt.total * sizeof(float));
    GptFinetuneConfig fc = {.batch = 16, .epochs = 1, .lr = 1.0f, .weight_decay = 0.0f, .dropout = 0.0f,
                            .grad_clip = 1e-10f, .seed = 1, .quiet = 1};
    gpt_finetune(&m, &h, &fc, &d);
    double body = diff_norm(m.pt.values, body0, m.pt.total), head = diff_norm(h.pt.values, head0, h.pt.total);
    double joint = sqrt(body * body + head * head), want = fc.lr * fc.grad_clip / 1e-8;
    printf("FINETUNE clip: step norms body %.3e, head %.3e, together %.3e (want %.3e)\n", body, head, joint, want);
    ck_assert_msg(fabs(joint - want) < 0.01 * want, "the step of body and head has norm %g, want %g", joint, want);
    free(body0);
    free(head0);
    gpt_class_head_free(&h);
    lset_free(&d);
    gpt_free(&m);
}
END_TEST

/* Every token of a stream scored once: stride T over a whole number of
 * windows is gpt eval's loss; a leftover is scored too; stride 1 gives each
 * token exactly the last T tokens before it as context. */
START_TEST(test_eval_stream) {
    Gpt m;
    int T = 8, V = 50, n = 4 * 8 + 1;
    random_model(&m, 0, T);
    int stream[40];
    Rng r;
    rng_seed(&r, 9, 0);
    for (int i = 0; i < 40; i++) stream[i] = (int)rng_below(&r, (uint32_t)V);
    size_t count, c2;
    float whole = (float)gpt_eval_windows(&m, stream, (size_t)n, T, &count);
    float stream_loss = (float)gpt_eval_stream(&m, stream, (size_t)n, T, T, &c2);
    ck_assert_uint_eq(c2, count);
    ck_assert(check_tensor("eval stream stride T == eval windows", &stream_loss, &whole, 1, 1e-5f));
    /* brute force: token j (1..n-1) predicted from tokens[max(0, j-T) .. j) */
    GptCache c;
    gpt_cache_init(&c, &m);
    float *logits = malloc((size_t)T * V * sizeof(float)), *probs = malloc((size_t)V * sizeof(float));
    int N = 37;
    double sum = 0.0;
    for (int j = 1; j < N; j++) {
        int a = j > T ? j - T : 0;
        gpt_cache_reset(&c);
        gpt_forward_cached(&m, &c, stream + a, j - a, logits);
        sum += crossentropy_forward(probs, logits + (size_t)(j - a - 1) * V, stream + j, 1, V, -1, 0.0f);
    }
    float brute = (float)(sum / (N - 1)), sliding = (float)gpt_eval_stream(&m, stream, (size_t)N, T, 1, &c2);
    ck_assert_uint_eq(c2, (size_t)N - 1);
    ck_assert(check_tensor("eval stream stride 1 == token by token", &sliding, &brute, 1, 1e-5f));
    /* stride T with a leftover (36 predictions = 4 windows + 4): all scored, the
     * last window reaching back; strides in between land between the two */
    float wins = (float)gpt_eval_stream(&m, stream, (size_t)N, T, T, &c2), mid = (float)gpt_eval_stream(&m, stream, (size_t)N, T, 3, &c2);
    ck_assert_uint_eq(c2, (size_t)N - 1);
    printf("EVAL stream: stride 8 %.4f, stride 3 %.4f, stride 1 %.4f\n", wins, mid, sliding);
    ck_assert(isfinite(wins) && isfinite(mid));
    free(logits);
    free(probs);
    gpt_cache_free(&c);
    gpt_free(&m);
}
END_TEST

static Suite *gpt_suite(void) {
    Suite *s = suite_create("gpt");
    TCase *tm = tcase_create("model");
    tcase_set_timeout(tm, 60);
    tcase_add_test(tm, test_model_pytorch);
    tcase_add_test(tm, test_model_pytorch_nobias);
    tcase_add_test(tm, test_kv_cache);
    tcase_add_test(tm, test_eval_stream);
    tcase_add_test(tm, test_llmc_roundtrip);
    tcase_add_test(tm, test_llmc_reference);
    tcase_add_test(tm, test_llmc_bad);
    tcase_add_test(tm, test_resume_bitwise);
    tcase_add_test(tm, test_sampler);
    tcase_add_test(tm, test_backward_final_gradcheck);
    tcase_add_test(tm, test_backward_from_logits_is_ce);
    tcase_add_test(tm, test_backward_from_logits_gradcheck);
    tcase_add_test(tm, test_token_logprobs);
    tcase_add_test(tm, test_finetune_toy);
    tcase_add_test(tm, test_finetune_clips_body_and_head_together);
    suite_add_tcase(s, tm);
    TCase *tc = tcase_create("cli");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_cli);
    tcase_add_test(tc, test_model_cli);
    tcase_add_test(tc, test_cli_options);
    suite_add_tcase(s, tc);
    return s;
}

TEST_MAIN(gpt_suite)
