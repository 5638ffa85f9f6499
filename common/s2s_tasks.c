/* s2s_tasks.c -- the translation tasks and their scoring. See s2s_tasks.h. */
#include "s2s_tasks.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bleu.h"
#include "metrics.h"
#include "s2s_dates.h"
#include "strmap.h"
#include "util.h"

/* ------------------------------------------------------------ tasks */

/* The generator streams of the dates' evaluation splits: constants, apart
 * from any training seed one would pass. */
#define DATES_VALID_SEED 0x7A11D0A7E5ULL
#define DATES_TEST_SEED 0x7E57DA7E5ULL

static const char *const task_names[] = { "dates", "multi30k", "bible", "files" };

const char *s2s_task_name(S2sTask t) { return task_names[t]; }

int s2s_task_parse(const char *s, S2sTask *t) {
    for (int i = 0; i < 4; i++)
        if (strcmp(s, task_names[i]) == 0) { *t = (S2sTask)i; return 0; }
    return -1;
}

/* The dataset files of the two downloaded tasks, per split: source, target. */
static const char *const multi30k_files[3][2] = {
    { "multi30k/train.de", "multi30k/train.en" },
    { "multi30k/val.de", "multi30k/val.en" },
    { "multi30k/test_2016_flickr.de", "multi30k/test_2016_flickr.en" },
};
static const char *const bible_files[3][2] = {
    { "bible-es/train.en", "bible-es/train.es" },
    { "bible-es/valid.en", "bible-es/valid.es" },
    { "bible-es/test.en", "bible-es/test.es" },
};

static void load_split(S2sPairs *p, const char *src_rel, const char *tgt_rel, int in_data_dir, S2sTokens kind) {
    char src[4096], tgt[4096], err[1024];
    if (in_data_dir) {
        data_path_or_die(src, sizeof src, src_rel);
        data_path_or_die(tgt, sizeof tgt, tgt_rel);
    } else {
        snprintf(src, sizeof src, "%s", src_rel);
        snprintf(tgt, sizeof tgt, "%s", tgt_rel);
    }
    if (s2s_pairs_load(p, src, tgt, kind, err, sizeof err)) die("%s", err);
}

void s2s_data_load(S2sData *d, const S2sTaskOptions *o, Vocab *src_v, Vocab *tgt_v, unsigned long long seed) {
    memset(d, 0, sizeof *d);
    d->name = s2s_task_name(o->task);
    d->tokens = o->task == S2S_TASK_DATES ? S2S_CHARS : S2S_WORDS;
    switch (o->task) {
    case S2S_TASK_DATES: {
        /* The validation and test dates are fixed, whatever the seed, so every
         * run is scored on the same pairs; the seed draws the training dates,
         * none of them an input the evaluation splits hold. */
        StrMap seen;
        strmap_init(&seen);
        s2s_dates_add_unseen(&d->split[SPLIT_VALID], o->dates_eval, DATES_VALID_SEED, S2S_DATES_TRAIN, &seen);
        s2s_dates_add_unseen(&d->split[SPLIT_TEST], o->dates_eval, DATES_TEST_SEED, S2S_DATES_TRAIN, &seen);
        s2s_dates_add_unseen(&d->split[SPLIT_TRAIN], o->dates_train, seed, S2S_DATES_TRAIN, &seen);
        strmap_free(&seen);
        break;
    }
    case S2S_TASK_MULTI30K:
    case S2S_TASK_BIBLE: {
        const char *const(*f)[2] = o->task == S2S_TASK_MULTI30K ? multi30k_files : bible_files;
        for (int s = 0; s < 3; s++) load_split(&d->split[s], f[s][0], f[s][1], 1, d->tokens);
        break;
    }
    case S2S_TASK_FILES:
        for (int s = 0; s < 3; s++) {
            if (!o->files[s][0] || !o->files[s][1])
                die("--task files needs --train-src/--train-tgt, --valid-src/--valid-tgt and --test-src/--test-tgt");
            load_split(&d->split[s], o->files[s][0], o->files[s][1], 0, d->tokens);
        }
        break;
    }
    if (o->train_max_words > 0) s2s_pairs_filter_len(&d->split[SPLIT_TRAIN], o->train_max_words);
    if (d->split[SPLIT_TRAIN].n == 0) die("%s: no training pairs left", d->name);
    if (src_v) {
        d->src_v = src_v;
        d->tgt_v = tgt_v;
    } else {
        /* a joint vocabulary is built twice, so each side owns its copy */
        d->src_v = s2s_vocab_build(&d->split[SPLIT_TRAIN], o->joint_vocab ? 2 : 0, d->tokens, o->min_count,
                                   o->max_vocab);
        d->tgt_v = s2s_vocab_build(&d->split[SPLIT_TRAIN], o->joint_vocab ? 2 : 1, d->tokens, o->min_count,
                                   o->max_vocab);
    }
    for (int s = 0; s < 3; s++) s2s_pairs_encode(&d->split[s], d->src_v, d->tgt_v);
}

void s2s_data_free(S2sData *d) {
    for (int s = 0; s < 3; s++) s2s_pairs_free(&d->split[s]);
    vocab_free(d->src_v);
    vocab_free(d->tgt_v);
}

/* ------------------------------------------------------------ scoring */

void s2s_score_outputs(const char *const *hyps, const S2sPairs *p, int n, S2sTokens tokens, S2sScores *sc) {
    long exact = 0;
    for (int i = 0; i < n; i++) exact += strcmp(hyps[i], p->tgt_text[i]) == 0;
    sc->exact = n ? (double)exact / n : 0.0;
    BleuConfig cfg = bleu_config_default();
    cfg.tokenize = tokens == S2S_CHARS ? BLEU_TOK_CHAR : BLEU_TOK_NONE;
    cfg.smooth = BLEU_SMOOTH_NONE;
    BleuResult r;
    char err[512];
    const char *const *streams[1] = { (const char *const *)p->tgt_text };
    size_t lines[1] = { (size_t)n };
    if (bleu_corpus(hyps, (size_t)n, streams, lines, 1, &cfg, &r, err, sizeof err)) die("BLEU: %s", err);
    sc->bleu = r.score;
}

void s2s_result_test(const char *stage, const char *model, const S2sData *d, long tokens, double loss,
                     const S2sScores *greedy, int K, const S2sScores *beam, size_t params, double train_s) {
    result_begin(stage);
    result_str("model", model);
    result_str("data", d->name);
    result_str("split", "test");
    result_int("pairs", d->split[SPLIT_TEST].n);
    result_int("tokens", tokens);
    result_num("loss", loss, 4);
    result_num("ppl", exp(loss), 2);
    result_num("bleu", greedy->bleu, 2);
    result_int("beam", K);
    result_num("bleu_beam", beam->bleu, 2);
    result_num("exact", greedy->exact * 100.0, 2);
    result_int("params", (long long)params);
    result_num("train_s", train_s, 0);
    result_end();
}

static Vocab *load_vocab(const char *dir, const char *file, int V, const char *ckpt) {
    char path[4096], err[512];
    Vocab *v;
    path_join(path, sizeof path, dir, file);
    if (vocab_read(path, &v, err, sizeof err)) die("%s", err);
    if (v->size != V) die("'%s' has %d tokens but the model in '%s' expects %d", path, v->size, ckpt, V);
    return v;
}

void s2s_vocabs_save(const char *dir, const Vocab *src_v, const Vocab *tgt_v) {
    char path[4096];
    path_join(path, sizeof path, dir, "src_vocab.txt");
    vocab_save(src_v, path);
    path_join(path, sizeof path, dir, "tgt_vocab.txt");
    vocab_save(tgt_v, path);
}

void s2s_vocabs_load(const char *dir, int src_V, int tgt_V, const char *ckpt, Vocab **src_v, Vocab **tgt_v) {
    *src_v = load_vocab(dir, "src_vocab.txt", src_V, ckpt);
    *tgt_v = load_vocab(dir, "tgt_vocab.txt", tgt_V, ckpt);
}

int s2s_longest_source(const S2sPairs *p, int n) {
    int S = 1;
    for (int i = 0; i < n; i++)
        if (p->src_len[i] > S) S = p->src_len[i];
    return S;
}
