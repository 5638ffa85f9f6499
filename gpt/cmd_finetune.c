/*
 * cmd_finetune.c -- `gpt finetune`: GPT-1's fine-tuning (gpt/finetune.h) of a
 * pretrained checkpoint on a labelled task (the Bible's divisions, SST-2),
 * beside the same network trained from random weights.
 */
#include "gpt/commands.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
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
    "  --zero 0|1       under mpirun, 1: ZeRO stage 1 for the body's AdamW state\n"
    "                   (gpt/SCALING.md; default 0)\n"
    "  --seed N --threads N --quiet\n"
    "\n"
    "Example:  gpt demo && gpt finetune --model runs/gpt/demo/model/ckpt.bin --task bible\n";

static const char *const tasks[] = {"bible", "sst2", NULL};
enum { TASK_BIBLE, TASK_SST2 };

/* One split of a task as labelled examples through the model's tokenizer (a
 * word model frames each text by </s> as in pretraining, so the head reads
 * the state at the end-of-sentence token: GPT-1's "extract"); at most max
 * examples (0: all): the Bible's spread evenly over its books, which are in
 * order, SST's first ones, since its lines are already shuffled. */
static void load_task(LabelledSet *d, int task, const char *split, Tok *tk, int max) {
    char path[1024], lpath[1024], rel[256];
    lset_init(d, 1);
    if (task == TASK_BIBLE) {
        snprintf(rel, sizeof rel, "bible/chars.%s.txt", split);
        data_path_or_die(path, sizeof path, rel);
        snprintf(rel, sizeof rel, "bible/labels.%s.tsv", split);
        data_path_or_die(lpath, sizeof lpath, rel);
        lset_load_bible(d, path, lpath, tok_lset_encoder(tk), 0, max);
        return;
    }
    snprintf(rel, sizeof rel, "sst/stsa.binary.%s", !strcmp(split, "valid") ? "dev" : split);
    data_path_or_die(path, sizeof path, rel);
    LabelledSet all;
    lset_init(&all, 1);
    lset_load_labelled_file(&all, path, 2, tok_lset_encoder(tk), 0);
    for (int i = 0; i < all.n && (max == 0 || i < max); i++) {
        int len;
        const int *ids = lset_seq(&all, i, 0, &len);
        lset_add(d, all.label[i], &ids, &len);
    }
    lset_free(&all);
}

int gpt_cmd_finetune(int argc, char **argv) {
    const char *model = NULL;
    int task = TASK_BIBLE, max_train = 4000, no_scratch = 0, threads = 0;
    GptFinetuneConfig fc = {.batch = 16, .epochs = 3, .lr = 5e-4f, .weight_decay = 0.01f, .dropout = 0.1f,
                            .grad_clip = 1.0f, .seed = 1337};
    const CliOption opts[] = {
        CLI_SEED(&fc.seed), CLI_THREADS(&threads), CLI_BATCH(&fc.batch), CLI_LR_F(&fc.lr), CLI_QUIET(&fc.quiet),
        CLI_OPT("model", CLI_STRING, &model, 0, 0),
        {.name = "task", .type = CLI_CHOICE, .dst = &task, .choices = tasks},
        CLI_OPT("max-train", CLI_INT, &max_train, 0, 100000000),
        CLI_OPT("epochs", CLI_INT, &fc.epochs, 1, 1000),
        CLI_OPT("dropout", CLI_FLOAT, &fc.dropout, 0, 0.9),
        CLI_OPT("no-scratch", CLI_FLAG, &no_scratch, 0, 0),
        CLI_OPT("zero", CLI_INT, &fc.zero, 0, 1),
        CLI_END};
    gpt_cli_parse(&(CliSpec){.usage = finetune_usage, .options = opts}, argc, argv, 0);
    if (threads) set_threads(threads);
    if (!model) usage_error("finetune: give --model FILE (a pretrained checkpoint)");
    int K = task == TASK_BIBLE ? BIBLE_DIVISIONS : 2;
    Gpt m;
    Tok tk;
    char *config;
    gpt_cli_load_model(model, NULL, &m, &tk, &config);
    LabelledSet train, valid, test;
    load_task(&train, task, "train", &tk, max_train);
    load_task(&valid, task, "valid", &tk, 0);
    load_task(&test, task, "test", &tk, 0);
    printf("fine-tuning on %s: %d training, %d validation, %d test examples, %d classes\n", tasks[task], train.n,
           valid.n, test.n, K);
    printf("%-12s %10s %10s %10s %10s\n", "init", "train_loss", "valid_acc", "test_acc", "seconds");
    for (int run = 0; run < 1 + !no_scratch; run++) {
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
        result_str("data", tasks[task]);
        result_str("init", init);
        result_int("train_examples", train.n);
        result_str("split", "test");
        result_num("valid_acc", va, 4);
        result_num("acc", te, 4);
        result_end();
        gpt_class_head_free(&h);
    }
    lset_free(&train);
    lset_free(&valid);
    lset_free(&test);
    tok_free(&tk);
    free(config);
    gpt_free(&m);
    return 0;
}

