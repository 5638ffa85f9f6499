/*
 * cmd_demo.c -- `gpt demo`: the chapter on the King James Bible. A byte-level
 * BPE vocabulary trained and inspected (merges, a verse's split, compression
 * against vocabulary size, encoding speed beside GPT-2's), then a small GPT
 * trained on its tokens and sampled as it learns.
 */
#include "gpt/commands.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpe.h"
#include "gpt/generate.h"
#include "gpt/train.h"
#include "matmul.h"
#include "metrics.h"
#include "util.h"

static const char demo_usage[] =
    "Usage: gpt demo [options]\n"
    "Chapter 6 on the King James Bible: train a byte-level BPE vocabulary, watch its\n"
    "first merges, split a verse, measure compression against vocabulary size on\n"
    "held-out verses, time encoding (ours and GPT-2's); then train a small GPT on the\n"
    "tokens and sample it as the text turns from noise into scripture-like prose.\n"
    "\n"
    "  --data FILE        training text (default " GPT_BIBLE_TRAIN "); held-out text is\n"
    "                     " GPT_BIBLE_VALID ", or the last 10%% of FILE\n"
    "  --vocab-size N     largest vocabulary to train (default 8192)\n"
    "  --out DIR          where the vocabulary is written (default runs/gpt/demo/bpe)\n"
    "  --gpt2 DIR         GPT-2's encoder.json and vocab.bpe (default $NLP_DATA_DIR/gpt2;\n"
    "                     skipped if absent)\n"
    "  --model-steps N    then train a small GPT for N steps, sampling as it learns (default\n"
    "                     600; 0 skips the model)\n"
    "  --model-vocab N    its vocabulary: the first merges of the one above (default 2048)\n"
    "  --threads N\n";

/* bytes per token of text under b */
static double bytes_per_token(Bpe *b, const char *text, size_t len) {
    size_t n = bpe_encode(b, text, len, 0, NULL, 0);
    return (double)len / (double)(n ? n : 1);
}

/* encode text with a fresh cache; returns MB/s, *ntok the token count */
static double encode_speed(Bpe *b, const char *text, size_t len, size_t *ntok) {
    double t0 = now_seconds();
    *ntok = bpe_encode(b, text, len, 0, NULL, 0);
    double secs = now_seconds() - t0;
    return (double)len / 1e6 / (secs > 0 ? secs : 1e-9);
}

/* Print tokens separated by '|', with newlines, tabs and unprintable bytes escaped. */
static void print_tokens(FILE *f, const Bpe *b, const int *ids, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (i) fputc('|', f);
        const unsigned char *s = (const unsigned char *)b->token[ids[i]];
        for (int k = 0; k < b->token_len[ids[i]]; k++) {
            if (s[k] == '\n') fputs("\\n", f);
            else if (s[k] == '\t') fputs("\\t", f);
            else if (s[k] < 0x20 || s[k] == 0x7f) fprintf(f, "\\x%02X", s[k]);
            else fputc(s[k], f);
        }
    }
    fputc('\n', f);
}

static void show_split(Bpe *b, const char *label, const char *text) {
    size_t n;
    int *ids = bpe_encode_alloc(b, text, strlen(text), 0, &n);
    printf("  %-22s %3zu tokens: ", label, n);
    print_tokens(stdout, b, ids, n);
    free(ids);
}

/* The model half of the demo: what the learner watches at each evaluation. */
typedef struct {
    Tok *tk;
    const int *prompt;
    int n_prompt;
} DemoCtx;

static void demo_emit(int id, void *ctx) {
    const Tok *tk = ctx;
    if (tk->kind == TOK_BPE && id == tk->eot) return;
    tok_write(tk, id, stdout);
}

/* After each validation estimate: the loss, and a sample from the same prompt. */
static void demo_on_eval(Gpt *m, long step, double val_loss, void *ctx) {
    DemoCtx *d = ctx;
    printf("\n-- step %ld: validation loss %.3f (ppl %.1f) --\n", step, val_loss, exp(val_loss));
    GptCache cache;
    gpt_cache_init(&cache, m);
    Rng r;
    rng_seed(&r, 42, 0);
    SamplerConfig sc = {.temperature = 0.8f, .top_k = 0, .top_p = 0.95f};
    fwrite("In the beginning", 1, 16, stdout);
    gpt_generate(m, &cache, d->prompt, d->n_prompt, 40, &sc, &r, 1, -1, demo_emit, d->tk);
    printf("\n");
    fflush(stdout);
    gpt_cache_free(&cache);
}

/* Train a small GPT on the Bible with the first merges of vocabulary b. */
static void demo_model(const Bpe *b, const char *text, size_t len, const char *valid, size_t vlen, long steps,
                       int vocab, const char *out) {
    printf("== 5. A small GPT trained on the Bible (vocabulary %d: the first merges of the one above) ==\n", vocab);
    char dir[1100], run[1100], tok_config[1200];
    snprintf(dir, sizeof dir, "%s/bpe%d", out, vocab);
    snprintf(run, sizeof run, "%s/model", out);
    Bpe *small = bpe_prefix(b, vocab - 257);
    bpe_save_gpt2(small, dir);
    bpe_free(small);
    Tok tk;
    tok_from_config(&tk, NULL, dir);
    size_t n, n_val, n_prompt;
    int *ids = tok_encode(&tk, "bible train", text, len, &n), *val = tok_encode(&tk, "bible valid", valid, vlen, &n_val);
    int *prompt = tok_encode(&tk, "prompt", "In the beginning", 16, &n_prompt);
    tok_config_text(&tk, dir, tok_config, sizeof tok_config);
    /* nanoGPT's baby shape, on BPE tokens */
    GptConfig cfg = {.max_seq_len = 64, .vocab_size = tk.vocab_size, .n_layer = 4, .n_head = 4, .channels = 128,
                     .bias = 0, .dropout = 0.0f};
    Gpt m;
    gpt_build(&m, &cfg);
    gpt_init_weights(&m, 1337);
    DemoCtx ctx = {&tk, prompt, (int)n_prompt};
    GptTrainConfig tc = {.batch = 12, .seq_len = 64, .accum = 1, .steps = steps, .lr = 1e-3f, .min_lr = 1e-4f,
                      .warmup = steps / 20, .decay_steps = steps, .beta1 = 0.9f, .beta2 = 0.99f,
                      .weight_decay = 0.1f, .grad_clip = 1.0f, .eval_interval = steps / 4 > 0 ? steps / 4 : 1,
                      .eval_iters = 10, .log_interval = 5, .seed = 1337, .out_dir = run,
                      .extra_config = tok_config, .quiet = 1, .on_eval = demo_on_eval, .ctx = &ctx};
    printf("  %zu parameters (4 layers, 4 heads, 128 wide, context 64); %zu training tokens, %zu held out\n",
           params_count(&m.pt), n, n_val);
    double t0 = now_seconds();
    gpt_train(&m, &tc, ids, n, val, n_val, 0, NULL);
    double secs = now_seconds() - t0;
    double vl = gpt_estimate_loss(&m, val, n_val, 12, 64, 50, 1337);
    demo_on_eval(&m, steps, vl, &ctx);
    double tps = (double)steps * 12 * 64 / (secs > 0 ? secs : 1e-9);
    printf("\n  trained %ld steps in %.1f s: %.0f tokens/s, %.1f ms/step\n", steps, secs, tps, 1e3 * secs / steps);
    int plots = metrics_plot(run);
    printf("  curves: %s/metrics.tsv%s; checkpoint %s/ckpt.bin\n", run, plots ? " and loss.png" : "", run);
    printf("  more: gpt sample --model %s/ckpt.bin --prompt 'And Jesus said'\n", run);
    result_begin("gpt");
    result_str("task", "demo");
    result_str("data", "bible");
    result_int("vocab", tk.vocab_size);
    result_int("params", (long long)params_count(&m.pt));
    result_int("steps", steps);
    result_num("train_s", secs, 1);
    result_num("tok_per_s", tps, 0);
    result_str("split", "valid");
    result_num("loss", vl, 4);
    result_end();
    free(ids);
    free(val);
    free(prompt);
    tok_free(&tk);
    gpt_free(&m);
}

int gpt_cmd_demo(int argc, char **argv) {
    const char *data = NULL, *out = "runs/gpt/demo/bpe", *gpt2 = NULL;
    int vocab_size = 8192, model_vocab = 2048, threads = 0;
    long model_steps = 600;
    const CliOption opts[] = {
        CLI_DATA(&data), CLI_OUT(&out), CLI_THREADS(&threads),
        CLI_OPT("vocab-size", CLI_INT, &vocab_size, 512, 65536),
        CLI_OPT("gpt2", CLI_STRING, &gpt2, 0, 0),
        CLI_OPT("model-steps", CLI_LONG, &model_steps, 0, 1000000),
        CLI_OPT("model-vocab", CLI_INT, &model_vocab, 258, 65536),
        CLI_END};
    gpt_cli_parse(&(CliSpec){.usage = demo_usage, .options = opts}, argc, argv, 0);
    if (threads) set_threads(threads);
    if (model_vocab > vocab_size) usage_error("demo: --model-vocab %d exceeds --vocab-size %d", model_vocab, vocab_size);

    /* the corpus: the Bible's train and valid verses, or FILE cut 90/10 at a newline */
    size_t len, vlen;
    char *text, *valid;
    if (data) {
        text = read_file(data, &len);
        size_t cut = len - len / 10;
        while (cut < len && text[cut - 1] != '\n') cut++;
        vlen = len - cut;
        valid = xmalloc(vlen + 1);
        memcpy(valid, text + cut, vlen + 1);
        len = cut;
    } else {
        text = gpt_cli_bible_text(GPT_BIBLE_TRAIN, &len);
        valid = gpt_cli_bible_text(GPT_BIBLE_VALID, &vlen);
    }
    if (len == 0 || vlen == 0) die("the corpus is too small for a demo (%zu + %zu bytes)", len, vlen);

    printf("== 1. Training a byte-level BPE vocabulary of %d tokens on %.2f MB ==\n", vocab_size, len / 1e6);
    double t0 = now_seconds();
    Bpe *b = bpe_train(text, len, vocab_size, 0);
    double train_s = now_seconds() - t0;
    bpe_save_gpt2(b, out);
    printf("  %d merges in %.2f s; written to %s/{encoder.json,vocab.bpe}\n", b->n_merges, train_s, out);
    printf("  the first merges, in the order they were learned:\n   ");
    for (int r = 0; r < 16 && r < b->n_merges; r++) printf(" '%s'", b->token[256 + r]);
    printf("\n  and the last ones:\n   ");
    for (int r = b->n_merges - 8; r < b->n_merges; r++)
        if (r >= 0) printf(" '%s'", b->token[256 + r]);
    printf("\n\n");

    Bpe *g = NULL;
    char err[512];
    const char *gdir = gpt2 ? gpt2 : gpt_cli_gpt2_dir();
    if (bpe_read_gpt2(gdir, &g, err, sizeof err) != 0) {
        if (gpt2) die("%s", err);
        printf("(GPT-2's vocabulary is not in %s: its rows are skipped)\n\n", gdir);
        g = NULL;
    }

    printf("== 2. How a verse is split (John 3:16; '|' between tokens) ==\n");
    const char *verse = "For God so loved the world, that he gave his only begotten Son, that whosoever "
                        "believeth in him should not perish, but have everlasting life.";
    Bpe *small = bpe_prefix(b, b->n_merges < 255 ? b->n_merges : 255);
    show_split(small, "ours, 512 tokens", verse);
    show_split(b, "ours, full", verse);
    if (g) show_split(g, "GPT-2, 50257 tokens", verse);
    const char *modern = "The tokenizer's output: 12345 tokens/s!";
    show_split(b, "ours, modern text", modern);
    if (g) show_split(g, "GPT-2, modern text", modern);
    bpe_free(small);
    printf("\n");

    printf("== 3. Compression on held-out text (%.0f KB) against vocabulary size ==\n", vlen / 1e3);
    printf("  %8s  %12s  %10s\n", "vocab", "bytes/token", "tokens");
    int sizes[32], ns = 0;
    sizes[ns++] = 257;   /* bytes only (and EOT): one token per byte */
    for (int v = 512; v < b->vocab_size; v *= 2) sizes[ns++] = v;
    sizes[ns++] = b->vocab_size;
    for (int k = 0; k < ns; k++) {
        Bpe *p = sizes[k] == b->vocab_size ? b : bpe_prefix(b, sizes[k] - 257);
        double bpt = bytes_per_token(p, valid, vlen);
        printf("  %8d  %12.3f  %10.0f\n", sizes[k], bpt, vlen / bpt);
        if (p != b) bpe_free(p);
    }
    double bpt_full = bytes_per_token(b, valid, vlen);
    if (g) printf("  %8d  %12.3f  %10.0f   (GPT-2's, trained on WebText)\n", g->vocab_size,
                  bytes_per_token(g, valid, vlen), vlen / bytes_per_token(g, valid, vlen));
    printf("\n");

    printf("== 4. Encoding speed and round trip on the training text (%.2f MB) ==\n", len / 1e6);
    Bpe *fresh = bpe_prefix(b, b->n_merges);   /* an empty cache, for a fair timing */
    size_t ntok;
    double mbs = encode_speed(fresh, text, len, &ntok);
    printf("  ours:  %zu tokens, %.1f MB/s\n", ntok, mbs);
    double gmbs = 0;
    if (g) {
        size_t gtok;
        gmbs = encode_speed(g, text, len, &gtok);
        printf("  GPT-2: %zu tokens, %.1f MB/s\n", gtok, gmbs);
    }
    int *ids = bpe_encode_alloc(fresh, valid, vlen, 0, &ntok);
    size_t back_len;
    char *back = bpe_decode(fresh, ids, ntok, &back_len);
    int exact = back && back_len == vlen && memcmp(back, valid, vlen) == 0;
    printf("  decode(encode(held-out text)) == held-out text: %s\n\n", exact ? "yes" : "NO");
    if (!exact) die("round trip failed: this is a bug");

    result_begin("gpt");
    result_str("task", "bpe-demo");
    result_str("data", data ? data : "bible");
    result_int("vocab", b->vocab_size);
    result_num("train_s", train_s, 2);
    result_num("valid_bytes_per_token", bpt_full, 3);
    result_num("encode_mb_s", mbs, 1);
    result_num("gpt2_encode_mb_s", gmbs, 1);
    result_end();
    if (model_steps > 0) {
        char run[1024];
        snprintf(run, sizeof run, "%s", out);
        char *slash = strrchr(run, '/');   /* runs/gpt/demo/bpe -> runs/gpt/demo */
        if (slash && slash != run) *slash = '\0';
        printf("\n");
        demo_model(b, text, len, valid, vlen, model_steps, model_vocab, run);
    }
    free(back);
    free(ids);
    bpe_free(fresh);
    bpe_free(g);
    bpe_free(b);
    free(text);
    free(valid);
    return 0;
}

