/*
 * cmd_train.c -- `gpt train`: a GPT from scratch on a text (characters,
 * words or BPE tokens) or an llm.c token file, with nanoGPT's recipe
 * (gpt/train.h) and the presets of gpt/presets.c; ends with RESULT lines.
 */
#include "gpt/commands.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpt/presets.h"
#include "gpt/train.h"
#include "dist.h"
#include "matmul.h"
#include "metrics.h"
#include "text.h"
#include "util.h"

static const char gtrain_usage[] =
    "Usage: gpt train [--preset NAME] [options]\n"
    "Train a GPT-2-architecture model from scratch (AdamW, cosine schedule with warmup,\n"
    "global-norm clipping, gradient accumulation, periodic validation, checkpoints).\n"
    "Ends with a RESULT line: the validation loss over --final-eval-batches random batches;\n"
    "with --test, RESULT lines for every token of the validation and test streams instead.\n"
    "\n"
    "  --preset NAME        shakespeare-char: nanoGPT's CPU recipe on Tiny Shakespeare\n"
    "                       (4 layers, 4 heads, 128 wide, context 64, batch 12, no bias,\n"
    "                       lr 1e-3 -> 1e-4, 2000 steps); other options override it\n"
    "                       ptb: words of Mikolov's Penn Treebank (10k vocabulary, </s> after\n"
    "                       each line, as rnn/ and ngram/), valid and test perplexity;\n"
    "                       4 layers, 4 heads, 192 wide, context 96, batch 16, dropout 0.2,\n"
    "                       weight decay 0.1, lr 1e-3 -> 1e-4, 8000 steps (13 passes)\n"
    "                       ptb-sst: PTB's training text plus SST's training sentences without\n"
    "                       labels (words seen twice): the pretrained model of `gpt finetune\n"
    "                       --task sst2`; 128 wide, context 64, dropout 0.1, 3000 steps\n"
    "  --data FILE          text (char-level, or BPE with --vocab) or an llm.c token file\n"
    "  --valid FILE         validation data (default: the last 10% of --data)\n"
    "  --vocab DIR          BPE vocabulary (encoder.json + vocab.bpe) instead of characters\n"
    "  --words              word tokens (the training text's words) instead of characters\n"
    "  --min-count N        words seen fewer times are <unk> (default 1)\n"
    "  --add-unlabelled FILE  with --words: add the text of FILE's 'LABEL text' lines, labels\n"
    "                       dropped, to the training text (e.g. SST-2's training sentences)\n"
    "  --test FILE          test data: the run ends with whole-stream valid and test losses\n"
    "  --eval-stride N      also score the test stream with windows advancing by N < context\n"
    "                       (more context per token; 0 off, the default; 24 for --preset ptb)\n"
    "  --layers N --heads N --width N --context N    model shape (default 4 4 128 64);\n"
    "                       --context is nanoGPT's block size\n"
    "  --bias 0|1           linear and LayerNorm biases (default 0)\n"
    "  --dropout P          (default 0)\n"
    "  --batch N --accum K  sequences per micro-batch, micro-batches per step (12, 1)\n"
    "  --steps N            optimizer steps (default 2000)\n"
    "  --lr X --min-lr X --warmup N --decay-steps N   cosine schedule (1e-3 1e-4 100 = steps)\n"
    "  --wd X --beta2 X --clip X                      AdamW decay 0.1, beta2 0.99, clip 1.0\n"
    "  --eval-every N --eval-batches N --final-eval-batches N   (250, 20, 200): steps between\n"
    "                       validation estimates, batches per estimate and in the last one\n"
    "  --ckpt-interval N    checkpoint every N steps (default: at the end)\n"
    "  --resume             continue the run in --out from its ckpt.bin (same options:\n"
    "                       bit-identical losses)\n"
    "  --out DIR            run folder: metrics.tsv, ckpt.bin, loss.png (default runs/gpt/NAME)\n"
    "  --seed N --threads N --quiet\n"
    "Under mpirun (a `make MPI=1` build) the ranks share every batch: --batch is the\n"
    "global batch and must divide by their number; one thread per rank unless --threads\n"
    "(gpt/SCALING.md).\n"
    "  --zero 0|1           1: ZeRO stage 1, each rank keeps AdamW's state of 1/n of the\n"
    "                       parameters only (same results, less memory; default 0)\n"
    "\n"
    "Example:  gpt train --preset shakespeare-char\n"
    "          gpt sample --model runs/gpt/shakespeare-char/ckpt.bin --prompt 'ROMEO:'\n";

/* The training text of a word model: --data, then the sentences of
 * --add-unlabelled with each line's first token (its label) dropped. */
static char *word_corpus(const GptTrainOptions *o, size_t *len) {
    char *text = text_load(o->data, len);
    if (!o->unlabelled) return text;
    Lines *l = lines_load(o->unlabelled);
    size_t cap = *len + 2;
    for (size_t i = 0; i < l->n; i++) cap += strlen(l->line[i]) + 1;
    text = xrealloc(text, cap);
    if (*len && text[*len - 1] != '\n') text[(*len)++] = '\n';
    for (size_t i = 0; i < l->n; i++) {
        const char *s = strchr(l->line[i], ' ');
        if (!s) die("'%s' line %zu: expected 'LABEL text'", o->unlabelled, i + 1);
        size_t k = strlen(s + 1);
        memcpy(text + *len, s + 1, k);
        *len += k;
        text[(*len)++] = '\n';
    }
    text[*len] = '\0';
    lines_free(l);
    return text;
}

static void stream_result(const GptTrainOptions *o, const char *split, const char *eval, int stride, size_t count,
                          double loss, double train_s) {
    result_begin("gpt");
    result_str("task", "train");
    result_str("model", o->name);
    result_str("data", gpt_cli_base_name(o->data));
    result_str("split", split);
    result_str("eval", eval);
    result_int("context", o->tc.seq_len);
    result_int("stride", stride);
    result_int("tokens", (long long)count);
    result_int("steps", o->tc.steps);
    result_num("train_s", train_s, 1);
    result_num("loss", loss, 4);
    result_num("ppl", exp(loss), 2);
    result_end();
}

/* The end of a run with --test: every token of valid and test scored once,
 * in consecutive windows of the context, then test again with a sliding
 * window (--eval-stride) that gives each token more context. */
static void train_test_results(Gpt *m, const GptTrainOptions *o, Tok *tk, const int *val, size_t n_val,
                               double train_s) {
    size_t n_test, count;
    int *test = gpt_cli_load_tokens(o->test, tk, tk->vocab_size, &n_test), T = o->tc.seq_len;
    double vl = gpt_eval_stream(m, val, n_val, T, T, &count);
    stream_result(o, "valid", "windows", T, count, vl, train_s);
    double tl = gpt_eval_stream(m, test, n_test, T, T, &count);
    stream_result(o, "test", "windows", T, count, tl, train_s);
    if (o->eval_stride > 0 && o->eval_stride < T) {
        tl = gpt_eval_stream(m, test, n_test, T, o->eval_stride, &count);
        stream_result(o, "test", "sliding", o->eval_stride, count, tl, train_s);
    }
    free(test);
}

/* config.txt of the run folder: the model's shape and the recipe. */
static void save_run_config(const GptTrainOptions *o, const Gpt *m) {
    RunConfig *rc = config_begin(o->tc.out_dir);
    config_str(rc, "preset", o->name);
    config_str(rc, "data", o->data);
    config_int(rc, "layers", m->cfg.n_layer);
    config_int(rc, "heads", m->cfg.n_head);
    config_int(rc, "width", m->cfg.channels);
    config_int(rc, "context", m->cfg.max_seq_len);
    config_int(rc, "vocab", m->cfg.vocab_size);
    config_int(rc, "bias", m->cfg.bias);
    config_num(rc, "dropout", m->cfg.dropout);
    config_int(rc, "batch", o->tc.batch);
    config_int(rc, "accum", o->tc.accum);
    config_int(rc, "steps", o->tc.steps);
    config_num(rc, "lr", o->tc.lr);
    config_num(rc, "min_lr", o->tc.min_lr);
    config_int(rc, "warmup", o->tc.warmup);
    config_int(rc, "decay_steps", o->tc.decay_steps);
    config_num(rc, "weight_decay", o->tc.weight_decay);
    config_num(rc, "beta1", o->tc.beta1);
    config_num(rc, "beta2", o->tc.beta2);
    config_num(rc, "grad_clip", o->tc.grad_clip);
    config_int(rc, "seed", (long long)o->tc.seed);
    config_int(rc, "threads", get_threads());
    config_int(rc, "ranks", dist_size());   /* the results do not depend on it (gpt/SCALING.md) */
    config_int(rc, "zero", o->tc.zero);
    config_end(rc);
}

int gpt_cmd_train(int argc, char **argv) {
    GptTrainOptions o;
    gpt_train_defaults(&o);
    char out_buf[1024], words_path[1100] = "", *words_text = NULL;
    const CliOption opts[] = {
        CLI_DATA(&o.data), CLI_OUT(&o.out), CLI_STEPS(&o.tc.steps), CLI_LR_F(&o.tc.lr), CLI_BATCH(&o.tc.batch),
        CLI_SEED(&o.tc.seed), CLI_THREADS(&o.threads), CLI_QUIET(&o.tc.quiet),
        { .name = "valid", .type = CLI_STRING, .dst = &o.val, .alias = "val" },
        CLI_OPT("test", CLI_STRING, &o.test, 0, 0),
        CLI_OPT("vocab", CLI_STRING, &o.vocab, 0, 0),
        CLI_OPT("words", CLI_FLAG, &o.words, 0, 0),
        CLI_OPT("min-count", CLI_INT, &o.min_count, 1, 1000000),
        CLI_OPT("add-unlabelled", CLI_STRING, &o.unlabelled, 0, 0),
        CLI_OPT("eval-stride", CLI_INT, &o.eval_stride, 0, 1 << 16),
        CLI_OPT("layers", CLI_INT, &o.model.n_layer, 1, 256),
        CLI_OPT("heads", CLI_INT, &o.model.n_head, 1, 256),
        CLI_OPT("width", CLI_INT, &o.model.channels, 1, 16384),
        {.name = "context", .type = CLI_INT, .dst = &o.context, .lo = 1, .hi = 1 << 16, .alias = "block-size"},
        CLI_OPT("bias", CLI_INT, &o.model.bias, 0, 1),
        CLI_OPT("dropout", CLI_FLOAT, &o.model.dropout, 0, 0.99),
        CLI_OPT("accum", CLI_INT, &o.tc.accum, 1, 1 << 16),
        CLI_OPT("min-lr", CLI_FLOAT, &o.tc.min_lr, 0, 10),
        CLI_OPT("warmup", CLI_LONG, &o.tc.warmup, 0, 1e8),
        CLI_OPT("decay-steps", CLI_LONG, &o.tc.decay_steps, 1, 1e8),
        CLI_OPT("wd", CLI_FLOAT, &o.tc.weight_decay, 0, 10),
        CLI_OPT("beta2", CLI_FLOAT, &o.tc.beta2, 0, 0.999999),
        CLI_OPT("clip", CLI_FLOAT, &o.tc.grad_clip, 0, 1e9),
        {.name = "eval-every", .type = CLI_LONG, .dst = &o.tc.eval_interval, .lo = 0, .hi = 1e8,
         .alias = "eval-interval"},
        {.name = "eval-batches", .type = CLI_INT, .dst = &o.tc.eval_iters, .lo = 1, .hi = 1e6, .alias = "eval-iters"},
        {.name = "final-eval-batches", .type = CLI_INT, .dst = &o.final_eval_iters, .lo = 0, .hi = 1e6,
         .alias = "final-eval-iters"},
        CLI_OPT("ckpt-interval", CLI_LONG, &o.tc.ckpt_interval, 0, 1e8),
        CLI_OPT("resume", CLI_FLAG, &o.resume, 0, 0),
        CLI_OPT("zero", CLI_INT, &o.tc.zero, 0, 1),
        CLI_END};
    CliSpec spec = {.usage = gtrain_usage, .options = opts, .preset = gpt_train_preset, .ctx = &o,
                    .presets = GPT_TRAIN_PRESETS};
    gpt_cli_parse(&spec, argc, argv, 0);
    if (o.context) o.model.max_seq_len = o.tc.seq_len = o.context;
    if (!o.data) usage_error("train: give --data FILE or --preset NAME");
    if (o.words && o.vocab) usage_error("train: give --words or --vocab, not both");
    if (o.unlabelled && !o.words) usage_error("train: --add-unlabelled needs --words");
    if (o.eval_stride > o.tc.seq_len) usage_error("train: --eval-stride %d exceeds the context %d", o.eval_stride, o.tc.seq_len);
    if (o.tc.decay_steps < 0) o.tc.decay_steps = o.tc.steps;
    if (o.threads) set_threads(o.threads);
    if (!o.out) {
        snprintf(out_buf, sizeof out_buf, "runs/gpt/%s", o.name);
        o.out = out_buf;
    }
    const char *out = o.out;
    o.tc.out_dir = out;

    /* the model: a fresh one, or the checkpoint's (shape, weights, optimizer state) */
    Gpt m;
    Tok tk;
    char *ck_config = NULL;
    long start = 0;
    if (o.resume) {
        char ckpt[1100];
        snprintf(ckpt, sizeof ckpt, "%s/ckpt.bin", out);
        gpt_load_any(ckpt, &m, &ck_config, &start);
        if (!ck_config) die("--resume needs one of our checkpoints, not an llm.c model");
        tok_from_config(&tk, ck_config, NULL);
        m.cfg.dropout = o.model.dropout;
        if (o.context && o.tc.seq_len > m.cfg.max_seq_len) die("--context exceeds the checkpoint's context");
        o.tc.seq_len = o.context ? o.tc.seq_len : m.cfg.max_seq_len;
        fprintf(stderr, "gpt: resuming from %s at step %ld\n", ckpt, start);
    } else if (o.vocab) {
        tok_from_config(&tk, NULL, o.vocab);
    } else if (o.words) {   /* the training text's words, saved beside the checkpoint */
        size_t len;
        words_text = word_corpus(&o, &len);
        tok_words_from_text(&tk, words_text, len, o.min_count);
        snprintf(words_path, sizeof words_path, "%s/vocab.txt", out);
        if (dist_is_root()) {
            make_dirs(out);
            vocab_save(tk.words, words_path);
        }
    } else if (gpt_cli_is_llmc_tokens(o.data)) {
        tok_from_config(&tk, NULL, NULL);   /* GPT-2's */
    } else {
        size_t len;
        char *text = read_file(o.data, &len);
        tok_chars_from_text(&tk, text, len);
        free(text);
    }
    size_t n, n_val;
    int *ids = words_text ? tok_encode(&tk, o.data, words_text, strlen(words_text), &n)
                          : gpt_cli_load_tokens(o.data, &tk, tk.vocab_size, &n), *val;
    free(words_text);
    if (o.val) {
        val = gpt_cli_load_tokens(o.val, &tk, tk.vocab_size, &n_val);
    } else {   /* nanoGPT's split: the first 90% trains, the last 10% validates */
        n_val = n / 10;
        n -= n_val;
        val = ids + n;
    }
    if (n < (size_t)o.tc.seq_len + 1 || n_val < (size_t)o.tc.seq_len + 1)
        die("too little data: %zu training and %zu validation tokens for windows of %d", n, n_val, o.tc.seq_len);
    char tok_config[1024];
    tok_config_text(&tk, o.vocab ? o.vocab : words_path, tok_config, sizeof tok_config);
    if (ck_config) {   /* keep the checkpoint's tokenizer keys */
        const char *t = strstr(ck_config, "tokenizer=");
        snprintf(tok_config, sizeof tok_config, "%s", t ? t : "");
    }
    o.tc.extra_config = tok_config;
    if (!o.resume) {
        o.model.vocab_size = tk.vocab_size;
        gpt_build(&m, &o.model);
        gpt_init_weights(&m, o.tc.seed);
    }
    gpt_cli_check_vocab(&tk, &m);

    if (dist_is_root()) save_run_config(&o, &m);

    printf("gpt: %zu parameters; %zu training and %zu validation tokens; vocabulary %d\n", params_count(&m.pt), n,
           n_val, m.cfg.vocab_size);
    double t0 = now_seconds();
    gpt_train(&m, &o.tc, ids, n, val, n_val, start, NULL);
    double train_s = now_seconds() - t0;
    long done = o.tc.steps - start;
    printf("gpt: trained %ld steps in %.1f s (%.1f ms/step, %.0f tokens/s)\n", done, train_s,
           1e3 * train_s / (done > 0 ? done : 1),
           (double)done * o.tc.batch * o.tc.seq_len * o.tc.accum / (train_s > 0 ? train_s : 1e-9));
    if (dist_size() > 1)
        printf("gpt: %d ranks; all-reduce of %zu gradients%s: %.2f ms/step\n", dist_size(), m.pt.total,
               o.tc.zero ? " and all-gather of the values" : "", 1e3 * dist_comm_seconds() / (done > 0 ? done : 1));
    if (o.tc.zero)   /* ZeRO's slices differ by at most one float */
        printf("gpt: ZeRO stage 1: AdamW state %.1f MB per rank (%.1f MB without)\n",
               8.0 * (double)((m.pt.total + dist_size() - 1) / dist_size()) / 1e6, 8.0 * (double)m.pt.total / 1e6);
    if (dist_is_root()) metrics_plot(out);
    if (o.test) {
        train_test_results(&m, &o, &tk, val, n_val, train_s);
    } else if (o.final_eval_iters > 0) {
        double vl = gpt_estimate_loss(&m, val, n_val, o.tc.batch, o.tc.seq_len, o.final_eval_iters, o.tc.seed);
        result_begin("gpt");
        result_str("task", "train");
        result_str("model", o.name);
        result_str("data", gpt_cli_base_name(o.data));
        result_str("split", "valid");
        result_int("batches", o.final_eval_iters);
        result_int("tokens", (long long)o.final_eval_iters * o.tc.batch * o.tc.seq_len);
        result_int("steps", o.tc.steps);
        result_num("train_s", train_s, 1);
        result_num("loss", vl, 4);
        result_num("ppl", exp(vl), 3);
        result_end();
    }
    if (val != ids + n) free(val);
    free(ids);
    free(ck_config);
    tok_free(&tk);
    gpt_free(&m);
    return 0;
}

