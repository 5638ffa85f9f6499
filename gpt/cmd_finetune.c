/*
 * cmd_finetune.c -- `gpt finetune`: GPT-1's fine-tuning (gpt/finetune.h) of a
 * pretrained checkpoint on a labelled task (the Bible's divisions, SST-2),
 * beside the same network trained from random weights.
 */
#include "gpt/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpt/finetune.h"
#include "matmul.h"
#include "metrics.h"
#include "text.h"
#include "util.h"

static const char finetune_usage[] =
    "Usage: gpt finetune --model FILE [options]\n"
    "GPT-1's fine-tuning: a linear classifier on the last token's final state, trained\n"
    "with the whole pretrained network; then the same network from random weights, for\n"
    "comparison (the gain of pretraining), as a table and RESULT lines.\n"
    "\n"
    "  --model FILE     the pretrained checkpoint (e.g. runs/gpt/demo/model/ckpt.bin)\n"
    "  --task NAME      bible: a verse's division of the Bible (8 classes: law, history,\n"
    "                   wisdom, prophets, gospels, acts, epistles, revelation);\n"
    "                   sst2: movie-review polarity (SST-2, 2 classes) (default bible)\n"
    "  --max-train N    training examples used, 0 = all (default 4000)\n"
    "  --epochs N --batch N --lr X --dropout P    (3, 16, 5e-4, 0.1)\n"
    "  --no-scratch     skip the from-scratch control\n"
    "  --seed N --threads N --quiet\n"
    "\n"
    "Example:  gpt demo && gpt finetune --model runs/gpt/demo/model/ckpt.bin --task bible\n";

/* ids of text; a character model drops the bytes its set lacks */
static int *encode_lenient(Tok *tk, const char *text, size_t len, size_t *n) {
    /* words: </s> text </s>, as each sentence was framed in pretraining, so the
     * head reads the state at the end-of-sentence token (GPT-1's "extract") */
    if (tk->kind != TOK_CHAR) return tok_encode(tk, text, len, n);
    int *ids = xmalloc((len ? len : 1) * sizeof(int));
    size_t k = 0;
    for (size_t i = 0; i < len; i++)
        if (tk->char_id[(unsigned char)text[i]] >= 0) ids[k++] = tk->char_id[(unsigned char)text[i]];
    *n = k;
    return ids;
}

static void class_add(GptClassData *d, int *cap, int *idcap, const int *ids, size_t n, int label) {
    if (n == 0) return;
    if (d->n + 1 >= *cap) {
        *cap = *cap ? 2 * *cap : 1024;
        d->offset = xrealloc(d->offset, (size_t)(*cap + 1) * sizeof(int));
        d->label = xrealloc(d->label, (size_t)*cap * sizeof(int));
    }
    if (!d->n) d->offset[0] = 0;
    while ((size_t)d->offset[d->n] + n > (size_t)*idcap) {
        *idcap = *idcap ? 2 * *idcap : 65536;
        d->ids = xrealloc(d->ids, (size_t)*idcap * sizeof(int));
    }
    memcpy(d->ids + d->offset[d->n], ids, n * sizeof(int));
    d->label[d->n] = label;
    d->offset[d->n + 1] = d->offset[d->n] + (int)n;
    d->n++;
}

/* One split of a task as ids and labels; at most max examples (0: all),
 * taken evenly across the file (the Bible's verses are in book order). */
static void load_task(GptClassData *d, const char *task, const char *split, Tok *tk, int max) {
    memset(d, 0, sizeof *d);
    int cap = 0, idcap = 0;
    char path[1024], lpath[1024], rel[256];
    if (!strcmp(task, "bible")) {
        snprintf(rel, sizeof rel, "bible/chars.%s.txt", split);
        if (!data_path(path, sizeof path, rel)) die("'%s' is missing\nHINT: run `make data`", path);
        snprintf(rel, sizeof rel, "bible/labels.%s.tsv", split);
        if (!data_path(lpath, sizeof lpath, rel)) die("'%s' is missing\nHINT: run `make data`", lpath);
        Lines *text = lines_load(path), *labels = lines_load(lpath);
        if (text->n != labels->n) die("'%s' and '%s' have different line counts", path, lpath);
        for (size_t j = 0; j < text->n && (max == 0 || d->n < max); j++) {
            size_t i = max && text->n > (size_t)max ? j * text->n / (size_t)max : j;   /* spread over the books */
            if (i >= text->n) break;
            int k = bible_division(labels->line[i]);
            if (k < 0) die("'%s' line %zu: unknown division", lpath, i + 1);
            size_t n;
            int *ids = encode_lenient(tk, text->line[i], strlen(text->line[i]), &n);
            class_add(d, &cap, &idcap, ids, n, k);
            free(ids);
        }
        lines_free(text);
        lines_free(labels);
        return;
    }
    snprintf(rel, sizeof rel, "sst/stsa.binary.%s", !strcmp(split, "valid") ? "dev" : split);
    if (!data_path(path, sizeof path, rel)) die("'%s' is missing\nHINT: run `make data`", path);
    Lines *l = lines_load(path);
    for (size_t i = 0; i < l->n && (max == 0 || d->n < max); i++) {
        const char *s = l->line[i];   /* SST's lines are already shuffled */
        if ((s[0] != '0' && s[0] != '1') || s[1] != ' ') die("'%s' line %zu: expected '0 text' or '1 text'", path, i + 1);
        size_t n;
        int *ids = encode_lenient(tk, s + 2, strlen(s + 2), &n);
        class_add(d, &cap, &idcap, ids, n, s[0] - '0');
        free(ids);
    }
    lines_free(l);
}

int gpt_cmd_finetune(int argc, char **argv) {
    const char *model = NULL, *task = "bible";
    int max_train = 4000, scratch = 1;
    GptFinetuneConfig fc = {.batch = 16, .epochs = 3, .lr = 5e-4f, .weight_decay = 0.01f, .dropout = 0.1f,
                         .grad_clip = 1.0f, .seed = 1337};
    static const struct option opts[] = {
        {"model", required_argument, 0, 'm'},  {"task", required_argument, 0, 'k'},
        {"max-train", required_argument, 0, 'n'}, {"epochs", required_argument, 0, 'e'},
        {"batch", required_argument, 0, 'B'},  {"lr", required_argument, 0, 'l'},
        {"dropout", required_argument, 0, 'D'}, {"no-scratch", no_argument, 0, 'N'},
        {"seed", required_argument, 0, 'S'},   {"threads", required_argument, 0, 't'},
        {"quiet", no_argument, 0, 'q'},        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'm': model = optarg; break;
        case 'k': task = optarg; break;
        case 'n': max_train = (int)parse_long(optarg, "--max-train", 0, 100000000); break;
        case 'e': fc.epochs = (int)parse_long(optarg, "--epochs", 1, 1000); break;
        case 'B': fc.batch = (int)parse_long(optarg, "--batch", 1, 4096); break;
        case 'l': fc.lr = (float)parse_double(optarg, "--lr", 0, 1); break;
        case 'D': fc.dropout = (float)parse_double(optarg, "--dropout", 0, 0.9); break;
        case 'N': scratch = 0; break;
        case 'S': fc.seed = (unsigned long long)parse_long(optarg, "--seed", 0, 0x7fffffffL); break;
        case 't': set_threads((int)parse_long(optarg, "--threads", 1, 1024)); break;
        case 'q': fc.quiet = 1; break;
        case 'h': fputs(finetune_usage, stdout); return 0;
        default: gpt_cli_bad_option(argv, "finetune");
        }
    }
    if (optind < argc) usage_error("finetune: unexpected argument '%s'", argv[optind]);
    if (!model) usage_error("finetune: give --model FILE (a pretrained checkpoint)");
    if (strcmp(task, "bible") && strcmp(task, "sst2")) usage_error("finetune: unknown --task '%s' (bible, sst2)", task);
    int K = !strcmp(task, "bible") ? BIBLE_DIVISIONS : 2;
    Gpt m;
    char *config;
    long step;
    gpt_load_any(model, &m, &config, &step);
    Tok tk;
    tok_from_config(&tk, config, NULL);
    gpt_cli_check_vocab(&tk, &m);
    GptClassData train, valid, test;
    load_task(&train, task, "train", &tk, max_train);
    load_task(&valid, task, "valid", &tk, 0);
    load_task(&test, task, "test", &tk, 0);
    printf("fine-tuning on %s: %d training, %d validation, %d test examples, %d classes\n", task, train.n, valid.n,
           test.n, K);
    printf("%-12s %10s %10s %10s %10s\n", "init", "train_loss", "valid_acc", "test_acc", "seconds");
    for (int run = 0; run < 1 + scratch; run++) {
        const char *init = run == 0 ? "pretrained" : "scratch";
        if (run == 1) {   /* the same network from random weights */
            GptConfig cfg = m.cfg;
            gpt_free(&m);
            gpt_build(&m, &cfg);
            gpt_init_weights(&m, fc.seed);
        }
        GptClassHead h;
        gpt_class_head_init(&h, K, m.cfg.channels, fc.seed);
        double t0 = now_seconds();
        double loss = gpt_finetune(&m, &h, &fc, &train);
        double secs = now_seconds() - t0;
        double va = gpt_classify_accuracy(&m, &h, &valid, fc.batch), te = gpt_classify_accuracy(&m, &h, &test, fc.batch);
        printf("%-12s %10.4f %10.4f %10.4f %10.1f\n", init, loss, va, te, secs);
        result_begin("gpt");
        result_str("task", "finetune");
        result_str("data", task);
        result_str("init", init);
        result_int("train_examples", train.n);
        result_str("split", "test");
        result_num("valid_acc", va, 4);
        result_num("acc", te, 4);
        result_end();
        gpt_class_head_free(&h);
    }
    gpt_class_data_free(&train);
    gpt_class_data_free(&valid);
    gpt_class_data_free(&test);
    tok_free(&tk);
    free(config);
    gpt_free(&m);
    return 0;
}

