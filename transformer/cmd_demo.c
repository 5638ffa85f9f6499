/*
 * cmd_demo.c -- `transformer demo`: chapter 5 in a couple of minutes.
 *
 * The translation half:
 * 1. A small Transformer learns chapter 4's date task (the same 10,000
 *    pairs, the same 1,000 test dates), its exact match printed beside the
 *    recurrent models' of chapter 4.
 * 2. It translates dates in formats it never saw in training, and scores
 *    500 more of them.
 * 3. Its attention: every layer's heads, for one date, as heat maps.
 * The BERT half follows it (bert_demo, transformer/bert_train.c): a tiny
 * BERT pretrained briefly on the Bible's verses fills in masked words of
 * famous verses, with its top five guesses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "heatmap.h"
#include "matmul.h"
#include "s2s_cli.h"
#include "s2s_dates.h"
#include "transformer/bert.h"
#include "transformer/commands.h"
#include "util.h"

static const char usage_demo[] =
    "Usage: transformer demo [options]\n"
    "Chapter 5 in a couple of minutes: a small Transformer learns chapter 4's date\n"
    "task, translates dates in formats it never saw, and draws its attention heads;\n"
    "then a tiny BERT, pretrained for a minute on the Bible (`make data`), fills in\n"
    "masked words of famous verses.\n"
    "\n"
    "  --out DIR          where the runs and pictures go (runs/transformer/demo)\n"
    "  --epochs N         the date model's epochs (the preset's, 10)\n"
    "  --threads N (2) --seed N (1) --quiet\n";

/* Chapter 4's date models on the same 1,000 test dates (seed 1), from
 * seq2seq/README.md: `bin/seq2seq demo` (or `seq2seq train --preset dates`
 * and `--preset dates-noattn`) reproduces them. */
static const struct {
    const char *model;
    long params;
    double exact;
} chapter4[] = {
    { "ch. 4: bi-LSTM + Bahdanau attention", 75375, 99.5 },
    { "ch. 4: bi-LSTM, fixed context (Cho)", 62895, 67.4 },
};

/* Greedy outputs of the model for the pairs p, each beside its reference. */
static void show_translations(TfModel *m, const Vocab *tv, const S2sPairs *p) {
    TfTranslator *tr = tf_translator_build(m, p->n, s2s_longest_source(p, p->n), 1, 20);
    tf_translate(m, tr, p->src, p->src_len, p->n, 0.0f);
    for (int i = 0; i < p->n; i++) {
        const BeamHyp *h = beam_best(tf_translator_beam(tr), i);
        char *out = s2s_detokenize(tv, h->tokens, h->len, m->cfg.tokens);
        printf("  %-32s -> %s   (%s)\n", p->src_text[i], out,
               strcmp(out, p->tgt_text[i]) == 0 ? "right" : p->tgt_text[i]);
        free(out);
    }
    tf_translator_free(tr);
}

/* Dates in the held-out formats: a few shown, n scored. */
static void unseen_formats(TfModel *m, const Vocab *sv, const Vocab *tv, unsigned long long seed, int n) {
    S2sPairs few = {0}, many = {0};
    s2s_dates_add(&few, 6, seed + 99, S2S_DATES_HELDOUT);
    s2s_dates_add(&many, n, seed + 100, S2S_DATES_HELDOUT);
    s2s_pairs_encode(&few, sv, tv);
    s2s_pairs_encode(&many, sv, tv);
    s2s_check_lengths(&few, m->cfg.max_pos, "held-out date");
    s2s_check_lengths(&many, m->cfg.max_pos, "held-out date");
    printf("\nDates written in formats it never saw in training:\n");
    show_translations(m, tv, &few);
    S2sScores sc;
    tf_eval_decode(m, &many, 0, tv, 1, 0.0f, 20, 100, &sc, NULL);
    printf("  exact match on %d dates in those formats: %.1f%%\n", n, sc.exact * 100.0);
    s2s_pairs_free(&few);
    s2s_pairs_free(&many);
}

/* The translation half: train, compare with chapter 4, translate, draw. */
static void dates_part(const TfDemoOptions *d, int epochs) {
    char dir[4096], att[4096];
    snprintf(dir, sizeof dir, "%s/dates", d->out);
    snprintf(att, sizeof att, "%s/dates_attention", d->out);
    TfTrainOptions o;
    tf_train_defaults(&o);
    tf_train_preset(&o, "dates");
    o.out = dir;
    o.epochs = epochs;
    o.beam = 1;
    o.seed = d->seed;
    o.threads = d->threads;
    o.quiet = d->quiet;
    printf("Dates to ISO 8601, character by character: chapter 4's task for a Transformer.\n");
    tf_train(&o);

    TfModel m;
    Vocab *sv, *tv;
    tf_cli_load(&m, &sv, &tv, dir);
    S2sData data;
    s2s_data_load(&data, &o.task, sv, tv, d->seed);
    S2sScores sc;
    tf_eval_decode(&m, &data.split[SPLIT_TEST], 0, tv, 1, 0.0f, 20, 100, &sc, NULL);
    printf("\n%-38s %10s %12s   (%d test dates)\n", "model", "parameters", "exact match", data.split[SPLIT_TEST].n);
    printf("%-38s %10zu %11.1f%%\n", "Transformer (this run)", params_count(&m.pt), sc.exact * 100.0);
    for (size_t i = 0; i < sizeof chapter4 / sizeof *chapter4; i++)
        printf("%-38s %10ld %11.1f%%\n", chapter4[i].model, chapter4[i].params, chapter4[i].exact);
    unseen_formats(&m, sv, tv, d->seed, 500);

    char *translation;
    int rc = tf_draw_attention(&m, sv, tv, "wednesday 9 may 2018", att, TF_MAP_ALL, 0, 0, 20, &translation);
    if (rc != -1)
        printf("\nAttention of 'wednesday 9 may 2018' -> %s, every layer's %d heads%s:\n"
               "  %s/cross_layer*.png   the decoder reading the date (the alignment)\n"
               "  %s/enc_layer*.png     the encoder reading it\n"
               "  %s/dec_layer*.png     the decoder reading its own output so far\n",
               translation, m.cfg.heads, rc == HEATMAP_NO_GNUPLOT ? " (data and scripts: no gnuplot)" : "", att,
               att, att);
    free(translation);
    s2s_data_free(&data);   /* frees sv and tv too */
    tf_model_free(&m);
}

int tf_cmd_demo(int argc, char **argv) {
    TfDemoOptions d = { .out = "runs/transformer/demo", .threads = 2, .seed = 1 };
    int epochs = 10;
    const CliOption opts[] = {
        CLI_OUT(&d.out), CLI_THREADS(&d.threads), CLI_SEED(&d.seed), CLI_QUIET(&d.quiet),
        CLI_OPT("epochs", CLI_INT, &epochs, 1, 1000),
        CLI_END
    };
    CliSpec spec = { .usage = usage_demo, .options = opts };
    if (cli_parse(&spec, argc, argv) > 0) usage_error("demo: unexpected argument '%s'", argv[1]);
    set_threads(d.threads);
    dates_part(&d, epochs);
    char bert_out[4096];
    snprintf(bert_out, sizeof bert_out, "%s/bert", d.out);
    printf("\n");
    BertDemoOptions b = { .out = bert_out, .seed = d.seed, .quiet = d.quiet };
    return bert_demo(&b);
}
