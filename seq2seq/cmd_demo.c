/*
 * cmd_demo.c -- `seq2seq demo`: why attention won, in a few minutes.
 *
 * 1. The date normaliser trained twice on the same pairs: with Bahdanau
 *    attention, and with Cho et al.'s fixed context vector; their exact-match
 *    accuracies side by side, then dates in formats neither has seen.
 * 2. The attention model's heat map for one date: each ISO character looks
 *    at the source characters it is copied or derived from.
 * 3. A small King James -> Reina-Valera model trained briefly, translating a
 *    few verses (skipped, with the command that builds it, when the Spanish
 *    Bible is not in data/cache).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "matmul.h"
#include "seq2seq/commands.h"
#include "s2s_dates.h"
#include "util.h"

static const char usage_demo[] =
    "Usage: seq2seq demo [options]\n"
    "Chapter 4 in a few minutes: the date normaliser with and without attention, its\n"
    "attention map, then a small Bible translation model (KJV -> Reina-Valera 1909).\n"
    "\n"
    "  --out DIR          where the runs and pictures go (runs/seq2seq/demo)\n"
    "  --epochs N         date models' epochs (10)\n"
    "  --bible-steps N    training steps of the Bible model (600; 0 skips it)\n"
    "  --threads N (2) --seed N (1) --quiet\n";

typedef struct {
    double exact, bleu;
    long params;
} DateRun;

/* Train one date model into dir with the given preset; returns its scores. */
static DateRun train_dates(const char *preset, const char *dir, int epochs, unsigned long long seed, int threads,
                           int quiet) {
    S2sTrainOptions o;
    s2s_train_defaults(&o);
    s2s_train_preset(&o, preset);
    o.out = dir;
    o.epochs = epochs;
    o.seed = seed;
    o.threads = threads;
    o.quiet = quiet;
    o.beam = 1;
    s2s_train(&o);
    S2sModel m;
    Vocab *sv, *tv;
    s2s_cli_load(&m, &sv, &tv, dir);
    S2sData d;
    S2sTaskOptions to = o.task;
    s2s_data_load(&d, &to, sv, tv, seed);
    S2sScores sc;
    s2s_eval_decode(&m, &d.split[SPLIT_TEST], 0, tv, d.tokens, 1, 0.0f, 20, 64, &sc, NULL);
    DateRun r = { sc.exact, sc.bleu, (long)params_count(&m.pt) };
    s2s_data_free(&d);
    s2s_model_free(&m);
    return r;
}

/* Translate each line with the model in dir, greedily, and print it. */
static void translate_lines(const char *dir, const char *const *lines, int n, const char *const *refs, int max_out) {
    S2sModel m;
    Vocab *sv, *tv;
    s2s_cli_load(&m, &sv, &tv, dir);
    for (int i = 0; i < n; i++) {
        int len;
        int *ids = s2s_encode_sentence(sv, m.cfg.tokens, lines[i], &len);
        if (!ids) die("an empty sentence: nothing to translate");
        S2sTranslator tr;
        s2s_translator_build(&tr, &m, 1, len, 1, max_out);
        s2s_translate(&m, &tr, &ids, &len, 1, 0.0f);
        const BeamHyp *h = beam_best(tr.bs, 0);
        char *out = s2s_detokenize(tv, h->tokens, h->len, m.cfg.tokens);
        printf("  %-32s -> %s", lines[i], out);
        if (refs) printf("   (%s: %s)", strcmp(out, refs[i]) == 0 ? "right" : "reference", refs[i]);
        printf("\n");
        free(out);
        free(ids);
        s2s_translator_free(&tr);
    }
    vocab_free(sv);
    vocab_free(tv);
    s2s_model_free(&m);
}

static void unseen_dates(const char *attn_dir, const char *plain_dir, unsigned long long seed) {
    S2sPairs p;
    memset(&p, 0, sizeof p);
    s2s_dates_add(&p, 6, seed + 99, S2S_DATES_HELDOUT);
    const char *src[6], *ref[6];
    for (int i = 0; i < p.n; i++) src[i] = p.src_text[i], ref[i] = p.tgt_text[i];
    printf("\nDates written in formats neither model saw in training:\n with attention:\n");
    translate_lines(attn_dir, src, p.n, ref, 20);
    printf(" without attention:\n");
    translate_lines(plain_dir, src, p.n, ref, 20);
    s2s_pairs_free(&p);
}

static void bible_part(const char *out, long steps, unsigned long long seed, int threads, int quiet) {
    char path[4096], dir[4096];
    if (!data_path(path, sizeof path, "bible-es/train.es")) {
        printf("\nThe Spanish Bible is not in data/cache/bible-es: skipping the translation model.\n"
               "HINT: scripts/deps.sh bible && scripts/data.sh bible-es\n");
        return;
    }
    snprintf(dir, sizeof dir, "%s/bible", out);
    printf("\nA small KJV -> Reina-Valera 1909 model (Bahdanau attention, 192 units), %ld steps on verses of at "
           "most 20 words:\n", steps);
    S2sTrainOptions o;
    s2s_train_defaults(&o);
    s2s_train_preset(&o, "bible-bahdanau");
    o.task.train_max_words = 20;
    /* the preset's model with a smaller vocabulary, so the demo stays a few minutes on 2 cores */
    o.task.max_vocab = 4000;
    o.out = dir;
    o.steps = steps;
    o.valid_bleu = 200;
    o.beam = 1;
    o.seed = seed;
    o.threads = threads;
    o.quiet = quiet;
    s2s_train(&o);
    static const char *const verses[] = {
        "in the beginning god created the heaven and the earth .",
        "and god said , let there be light : and there was light .",
        "jesus wept .",
        "the lord is my shepherd ; i shall not want .",
    };
    translate_lines(dir, verses, 4, NULL, 40);
}

int s2s_cmd_demo(int argc, char **argv) {
    const char *out = "runs/seq2seq/demo";
    int epochs = 10, threads = 2, quiet = 0;
    long bible_steps = 600;
    unsigned long long seed = 1;
    const CliOption opts[] = {
        CLI_OUT(&out), CLI_THREADS(&threads), CLI_SEED(&seed), CLI_QUIET(&quiet),
        CLI_OPT("epochs", CLI_INT, &epochs, 1, 1000),
        CLI_OPT("bible-steps", CLI_LONG, &bible_steps, 0, 1e9),
        CLI_END
    };
    CliSpec spec = { .usage = usage_demo, .options = opts };
    if (cli_parse(&spec, argc, argv) > 0) usage_error("demo: unexpected argument '%s'", argv[1]);
    set_threads(threads);
    char attn_dir[4096], plain_dir[4096], png[4096];
    snprintf(attn_dir, sizeof attn_dir, "%s/dates", out);
    snprintf(plain_dir, sizeof plain_dir, "%s/dates-noattn", out);
    printf("Dates to ISO 8601, character by character: the same pairs, two decoders.\n");
    DateRun a = train_dates("dates", attn_dir, epochs, seed, threads, quiet);
    DateRun p = train_dates("dates-noattn", plain_dir, epochs, seed, threads, quiet);
    printf("\n%-34s %10s %12s %8s\n", "model", "parameters", "exact match", "BLEU");
    printf("%-34s %10ld %11.1f%% %8.2f\n", "Bahdanau attention", a.params, a.exact * 100.0, a.bleu);
    printf("%-34s %10ld %11.1f%% %8.2f\n", "fixed context vector (Cho et al.)", p.params, p.exact * 100.0, p.bleu);
    unseen_dates(attn_dir, plain_dir, seed);
    snprintf(png, sizeof png, "%s/dates_attention.png", out);
    S2sModel m;
    Vocab *sv, *tv;
    s2s_cli_load(&m, &sv, &tv, attn_dir);
    char *translation;
    if (s2s_draw_attention(&m, sv, tv, "wednesday 9 may 2018", png, 20, &translation) == 0)
        printf("\nAttention map of 'wednesday 9 may 2018' -> %s: %s\n", translation, png);
    free(translation);
    vocab_free(sv);
    vocab_free(tv);
    s2s_model_free(&m);
    if (bible_steps > 0) bible_part(out, bible_steps, seed, threads, quiet);
    return 0;
}
