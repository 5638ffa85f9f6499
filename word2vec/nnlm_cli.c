/*
 * nnlm_cli.c -- `word2vec nnlm`: train Bengio's neural LM on a corpus split,
 * report validation and test perplexity, save checkpoints, export the lookup
 * table as word2vec vectors.
 *
 *   word2vec nnlm --data ptb --epochs 5                       train, then test perplexity
 *   word2vec nnlm --data ptb --load runs/word2vec/nnlm --epochs 0        evaluate a saved model
 *   word2vec nnlm --data ptb --load runs/word2vec/nnlm --epochs 0 --export emb.bin
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "checkpoint.h"
#include "matmul.h"
#include "metrics.h"
#include "nnlm.h"
#include "optim.h"
#include "rng.h"
#include "text.h"
#include "util.h"
#include "vectors.h"

static const char *NNLM_HELP =
    "usage: word2vec nnlm [--data ptb|bible | --train F --valid F --test F] [options]\n"
    "\n"
    "Bengio et al. (2003): the n-1 previous words -> lookup table -> concatenation\n"
    "-> tanh hidden layer -> softmax over the vocabulary, trained with Adam on\n"
    "minibatches. Each line is a sentence ended by </s>; every word and </s> is\n"
    "scored (82,430 tokens on the PTB test set). Ends with a RESULT line.\n"
    "\n"
    "  --data NAME        ptb ($NLP_DATA_DIR/ptb/ptb.*.txt) or bible\n"
    "                     (data/cache/bible/words.*.txt)\n"
    "  --train/--valid/--test FILE   the three splits instead\n"
    "  --order N          n: predict from n-1 previous words (5)\n"
    "  --embed N          lookup table size per word (64)\n"
    "  --hidden N         tanh hidden units (128)\n"
    "  --direct 0|1       direct connections from the embeddings to the output (0)\n"
    "  --epochs N         passes over the training set (3; 0 = evaluate only)\n"
    "  --batch N          minibatch size (128)\n"
    "  --lr X             Adam learning rate (2e-3; halved when validation worsens)\n"
    "  --max-tokens N     train on at most N tokens per epoch (0 = all), for quick runs\n"
    "  --min-count N      training words seen fewer times become <unk> (1)\n"
    "  --out DIR          run directory: metrics.tsv, config.txt, nnlm.ckpt, vocab.txt\n"
    "                     (runs/word2vec/nnlm)\n"
    "  --load DIR         start from DIR/nnlm.ckpt and DIR/vocab.txt\n"
    "  --export FILE      write the lookup table as word2vec binary vectors\n"
    "  --threads N        OpenBLAS threads (2)\n"
    "  --seed N           (1)\n";

typedef struct {
    long n;          /* tokens scored */
    int *ctx;        /* (n, N) */
    int *targets;    /* (n) */
} Split;

/* Encode a file line by line, each line followed by </s>, into contexts and targets. */
static Split load_split(const char *path, const Vocab *v, int N) {
    Lines *lines = lines_load(path);
    size_t total = 0;
    for (size_t i = 0; i < lines->n; i++) total += vocab_encode(v, lines->line[i], strlen(lines->line[i]), NULL, 0) + 1;
    if (total == lines->n) die("'%s' has no words", path);
    int *ids = xmalloc(total * sizeof(int));
    size_t k = 0;
    for (size_t i = 0; i < lines->n; i++) {
        k += vocab_encode(v, lines->line[i], strlen(lines->line[i]), ids + k, total - k);
        ids[k++] = VOCAB_EOS;
    }
    Split s = {(long)total, xmalloc(total * (size_t)N * sizeof(int)), xmalloc(total * sizeof(int))};
    nnlm_windows(s.ctx, s.targets, ids, s.n, N, VOCAB_BOS, VOCAB_EOS);
    free(ids);
    lines_free(lines);
    return s;
}

static void free_split(Split *s) {
    free(s->ctx);
    free(s->targets);
}

/* Mean cross-entropy (nats per token) over a whole split, in batches. */
static double split_loss(Nnlm *m, const Split *s) {
    double sum = 0.0;
    for (long i = 0; i < s->n; i += m->B) {
        int b = (int)(s->n - i < m->B ? s->n - i : m->B);
        sum += nnlm_forward(m, s->ctx + i * m->N, s->targets + i, b) * b;
    }
    return sum / (double)s->n;
}

static int file_exists(const char *p) {
    struct stat st;
    return stat(p, &st) == 0;
}

int nnlm_main(int argc, char **argv) {
    NnlmConfig cfg = {.order = 5, .embed = 64, .hidden = 128, .direct = 0};
    const char *data = NULL, *paths[3] = {NULL, NULL, NULL}, *out = "runs/word2vec/nnlm", *load = NULL,
               *export_path = NULL;
    int epochs = 3, B = 128, threads = 2;
    long max_tokens = 0, min_count = 1;
    float lr = 2e-3f;
    uint64_t seed = 1;
    static struct option opts[] = {
        {"data", 1, 0, 'd'}, {"train", 1, 0, 't'}, {"valid", 1, 0, 'v'}, {"test", 1, 0, 'T'},
        {"order", 1, 0, 'n'}, {"embed", 1, 0, 'e'}, {"hidden", 1, 0, 'H'}, {"direct", 1, 0, 'D'},
        {"epochs", 1, 0, 'E'}, {"batch", 1, 0, 'b'}, {"lr", 1, 0, 'l'}, {"max-tokens", 1, 0, 'm'},
        {"out", 1, 0, 'o'}, {"load", 1, 0, 'L'}, {"export", 1, 0, 'x'}, {"threads", 1, 0, 'j'},
        {"seed", 1, 0, 's'}, {"min-count", 1, 0, 'c'}, {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long_only(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': data = optarg; break;
        case 't': paths[0] = optarg; break;
        case 'v': paths[1] = optarg; break;
        case 'T': paths[2] = optarg; break;
        case 'n': cfg.order = (int)parse_long(optarg, "--order", 2, 32); break;
        case 'e': cfg.embed = (int)parse_long(optarg, "--embed", 1, 4096); break;
        case 'H': cfg.hidden = (int)parse_long(optarg, "--hidden", 1, 16384); break;
        case 'D': cfg.direct = (int)parse_long(optarg, "--direct", 0, 1); break;
        case 'E': epochs = (int)parse_long(optarg, "--epochs", 0, 1000); break;
        case 'b': B = (int)parse_long(optarg, "--batch", 1, 65536); break;
        case 'l': lr = (float)parse_double(optarg, "--lr", 1e-9, 10); break;
        case 'm': max_tokens = parse_long(optarg, "--max-tokens", 0, 1L << 40); break;
        case 'o': out = optarg; break;
        case 'L': load = optarg; break;
        case 'x': export_path = optarg; break;
        case 'j': threads = (int)parse_long(optarg, "--threads", 1, 1024); break;
        case 's': seed = (uint64_t)parse_long(optarg, "--seed", 0, 1L << 62); break;
        case 'c': min_count = parse_long(optarg, "--min-count", 1, 1L << 40); break;
        case 'h': fputs(NNLM_HELP, stdout); return 0;
        default: usage_error("unknown option; see 'word2vec nnlm --help'");
        }
    }
    if (optind < argc) usage_error("unexpected argument '%s'; see 'word2vec nnlm --help'", argv[optind]);
    char buf[3][1024];
    if (data) {
        const char *names[3] = {"train", "valid", "test"};
        for (int i = 0; i < 3; i++) {
            char rel[64];
            if (strcmp(data, "ptb") == 0) snprintf(rel, sizeof rel, "ptb/ptb.%s.txt", names[i]);
            else if (strcmp(data, "bible") == 0) snprintf(rel, sizeof rel, "bible/words.%s.txt", names[i]);
            else usage_error("--data must be ptb or bible, got '%s'", data);
            data_path(buf[i], sizeof buf[i], rel);
            if (!paths[i]) paths[i] = buf[i];
        }
    }
    if (!paths[0] || !paths[1] || !paths[2]) usage_error("give --data, or --train, --valid and --test; see 'word2vec nnlm --help'");
    for (int i = 0; i < 3; i++)
        if (!file_exists(paths[i])) die("cannot open '%s'%s", paths[i], data ? " (run 'make data' or scripts/data.sh)" : "");
    set_threads(threads);

    /* the vocabulary and model: fresh from the training text, or as saved */
    char path[1100], err[512], conf[256];
    Vocab *vocab;
    CheckpointInfo ck = {0};
    if (load) {
        snprintf(path, sizeof path, "%s/vocab.txt", load);
        vocab = vocab_load(path);
        snprintf(path, sizeof path, "%s/nnlm.ckpt", load);
        if (checkpoint_read(path, "word2vec", &ck, err, sizeof err) != 0) die("%s", err);
        nnlm_config_parse(&cfg, ck.config);
        if (cfg.V != vocab->size) die("'%s' is for %d words but its vocab.txt has %d", path, cfg.V, vocab->size);
    } else {
        size_t len;
        char *text = text_load(paths[0], &len);
        vocab = vocab_build(VOCAB_WORD, text, len, min_count, 0);
        free(text);
        cfg.V = vocab->size;
    }
    int N = cfg.order - 1;
    Split sp[3];
    for (int i = 0; i < 3; i++) sp[i] = load_split(paths[i], vocab, N);
    Nnlm m;
    nnlm_build(&m, &cfg, B);
    nnlm_init(&m, seed);
    long step = 0;
    if (load) {
        if (checkpoint_restore(&ck, &m.pt, err, sizeof err) != 0) die("%s", err);
        step = ck.step;
        checkpoint_free(&ck);
    }
    nnlm_config_text(&cfg, conf, sizeof conf);
    printf("nnlm: V %d, order %d, embed %d, hidden %d, direct %d: %zu parameters; "
           "tokens train %ld valid %ld test %ld\n", cfg.V, cfg.order, cfg.embed, cfg.hidden, cfg.direct,
           params_count(&m.pt), sp[0].n, sp[1].n, sp[2].n);

    /* training: shuffled minibatches, Adam, lr halved when validation worsens */
    make_dirs(out);
    RunConfig *rc = config_begin(out);
    config_str(rc, "train", paths[0]);
    config_int(rc, "order", cfg.order); config_int(rc, "embed", cfg.embed); config_int(rc, "hidden", cfg.hidden);
    config_int(rc, "direct", cfg.direct); config_int(rc, "epochs", epochs); config_int(rc, "batch", B);
    config_num(rc, "lr", lr); config_int(rc, "max_tokens", max_tokens); config_int(rc, "min_count", min_count); config_int(rc, "seed", (long long)seed);
    config_end(rc);
    Metrics *mt = load ? metrics_resume(out, "step epoch split loss ppl lr tok_per_s elapsed_s", step)
                       : metrics_create(out, "step epoch split loss ppl lr tok_per_s elapsed_s");
    snprintf(path, sizeof path, "%s/vocab.txt", out);
    vocab_save(vocab, path);
    long per_epoch = max_tokens > 0 && max_tokens < sp[0].n ? max_tokens : sp[0].n;
    int *order = xmalloc((size_t)sp[0].n * sizeof(int));
    int *bctx = xmalloc((size_t)B * N * sizeof(int)), *btgt = xmalloc((size_t)B * sizeof(int));
    AdamConfig adam = {.beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = 0.0f, .decoupled = 0};
    Rng rng;
    rng_seed(&rng, seed, 1);
    double best_valid = INFINITY, valid = NAN, tps = 0.0, t0 = now_seconds();
    for (int ep = 1; ep <= epochs; ep++) {
        for (long i = 0; i < sp[0].n; i++) order[i] = (int)i;
        rng_shuffle_int(&rng, order, (size_t)sp[0].n);
        long steps = (per_epoch + B - 1) / B;
        progress_start(steps, "nnlm");
        double te = now_seconds(), sum = 0.0;
        for (long s = 0; s < steps; s++) {
            int b = (int)(per_epoch - s * B < B ? per_epoch - s * B : B);
            for (int r = 0; r < b; r++) {
                long t = order[s * B + r];
                memcpy(bctx + (size_t)r * N, sp[0].ctx + t * N, (size_t)N * sizeof(int));
                btgt[r] = sp[0].targets[t];
            }
            params_zero_grad(&m.pt);
            double loss = nnlm_forward(&m, bctx, btgt, b);
            nnlm_backward(&m, bctx, btgt, b);
            adam_step(&m.pt, &adam, lr, (int)++step);
            sum += loss * b;
            double tps = (double)(s * B + b) / (now_seconds() - te);
            progress_update(s + 1, loss, tps);
            if ((s + 1) % 100 == 0 || s + 1 == steps) {
                metrics_num(mt, "step", step); metrics_num(mt, "epoch", ep); metrics_str(mt, "split", "train");
                metrics_num(mt, "loss", loss); metrics_num(mt, "ppl", exp(loss)); metrics_num(mt, "lr", lr);
                metrics_num(mt, "tok_per_s", tps); metrics_num(mt, "elapsed_s", now_seconds() - t0);
                metrics_write(mt);
            }
        }
        progress_end();
        tps = per_epoch / (now_seconds() - te);
        valid = split_loss(&m, &sp[1]);
        printf("epoch %d: train ppl %.2f, valid ppl %.2f, %.0f tokens/s, lr %.2g\n", ep, exp(sum / per_epoch),
               exp(valid), tps, lr);
        metrics_num(mt, "step", step); metrics_num(mt, "epoch", ep); metrics_str(mt, "split", "valid");
        metrics_num(mt, "loss", valid); metrics_num(mt, "ppl", exp(valid)); metrics_num(mt, "lr", lr);
        metrics_num(mt, "tok_per_s", tps); metrics_num(mt, "elapsed_s", now_seconds() - t0);
        metrics_write(mt);
        if (valid > best_valid) lr *= 0.5f;
        if (valid < best_valid) best_valid = valid;
        snprintf(path, sizeof path, "%s/nnlm.ckpt", out);
        checkpoint_save(path, "word2vec", conf, &m.pt, step, 1);
    }
    metrics_close(mt);
    if (epochs > 0) metrics_plot(out);

    if (epochs == 0) valid = split_loss(&m, &sp[1]);
    double test = split_loss(&m, &sp[2]);
    printf("valid ppl %.2f (%ld tokens), test ppl %.2f (%ld tokens)\n", exp(valid), sp[1].n, exp(test), sp[2].n);
    if (export_path) {
        Vectors *v = vectors_new(vocab->size, cfg.embed, (const char *const *)vocab->tokens);
        memcpy(v->vecs, m.emb, (size_t)vocab->size * cfg.embed * sizeof(float));
        vectors_save(v, export_path, 1);
        printf("wrote the %d x %d lookup table to %s\n", vocab->size, cfg.embed, export_path);
        vectors_free(v);
    }
    result_begin("word2vec");
    result_str("model", "nnlm");
    result_str("data", data ? data : "custom");
    result_str("split", "test");
    result_int("tokens", sp[2].n);
    result_num("loss", test, 4);
    result_num("ppl", exp(test), 2);
    result_num("valid_ppl", exp(valid), 2);
    if (epochs > 0) result_num("train_tok_per_s", tps, 0);
    result_end();
    free(order);
    free(bctx);
    free(btgt);
    for (int i = 0; i < 3; i++) free_split(&sp[i]);
    nnlm_free(&m);
    vocab_free(vocab);
    return 0;
}
