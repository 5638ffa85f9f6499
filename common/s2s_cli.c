/*
 * s2s_cli.c -- `eval` and `translate` for both translation chapters (s2s_cli.h).
 */
#include "s2s_cli.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bleu.h"
#include "cli.h"
#include "matmul.h"
#include "metrics.h"
#include "text.h"
#include "util.h"

void s2s_run_weights(char *out, size_t n, const char *dir, const char *stage) {
    if (!dir) usage_error("give --model DIR (a run folder of `%s train`)", stage);
    char ckpt[4096];
    snprintf(ckpt, sizeof ckpt, "%s/best/model.ckpt", dir);
    if (path_exists(ckpt)) snprintf(out, n, "%s/best", dir);
    else snprintf(out, n, "%s", dir);
}

void s2s_check_lengths(const S2sPairs *p, int max_len, const char *what) {
    if (max_len <= 0) return;
    for (int i = 0; i < p->n; i++) {
        if (p->src_len[i] > max_len)
            die("%s pair %d: a source of %d tokens, but the model's positions stop at %d (max_pos)", what, i + 1,
                p->src_len[i], max_len);
        if (p->tgt_len[i] + 1 > max_len)
            die("%s pair %d: a target of %d tokens (+ BOS), but the model's positions stop at %d (max_pos)", what,
                i + 1, p->tgt_len[i], max_len);
    }
}

/* ------------------------------------------------------------------ eval */

static const char usage_eval[] =
    "Usage: %1$s eval --model DIR [options]\n"
    "Score a trained model on a split of its task: teacher-forced loss and perplexity,\n"
    "then BLEU and exact match of its decoded outputs (RESULT ... ppl= bleu= exact=).\n"
    "\n"
    "  --model DIR           a run folder of `%1$s train` (its best/ weights when present)\n"
    "  --task T              dates | multi30k | bible | files (default: the model's own)\n"
    "  --split S             train | valid | test (test)\n"
    "  --beam K              beam size (1: greedy); --alpha A its length normalisation (0)\n"
    "  --max-output N        longest output (50, at most the model's positions)\n"
    "  --by-length           also BLEU by source length, buckets 1-10, 11-20, ..., 51+\n"
    "                        (one RESULT line each, bucket=1-10 ...)\n"
    "  --hyp-out FILE        write the decoded outputs, one per line\n"
    "  --test-src F --test-tgt F   the files of --task files (any split name)\n"
    "  --batch N (64) --threads N (2) --seed N (dates: which training pairs --split train\n"
    "                        draws; their valid and test pairs are fixed)\n"
    "\n"
    "Example:  %1$s eval --model runs/%1$s/%2$s --beam 5\n";

enum { N_BUCKETS = 6, BUCKET_WIDTH = 10 };

static int bucket_of(int words) {
    int b = (words - 1) / BUCKET_WIDTH;
    return b < N_BUCKETS - 1 ? b : N_BUCKETS - 1;
}

static void bucket_name(int b, char *buf, size_t n) {
    if (b == N_BUCKETS - 1) snprintf(buf, n, "%d+", b * BUCKET_WIDTH + 1);
    else snprintf(buf, n, "%d-%d", b * BUCKET_WIDTH + 1, (b + 1) * BUCKET_WIDTH);
}

/* Corpus BLEU within each source-length bucket (tokens of the normalised
 * source): how quality falls with length (Bahdanau et al. 2015, Figure 2). */
static void report_by_length(const char *stage, const S2sSystem *sys, const S2sPairs *p, char **hyps,
                             const char *split) {
    BleuConfig cfg = bleu_config_default();
    cfg.tokenize = sys->tokens == S2S_CHARS ? BLEU_TOK_CHAR : BLEU_TOK_NONE;
    cfg.smooth = BLEU_SMOOTH_NONE;
    for (int b = 0; b < N_BUCKETS; b++) {
        BleuStats st;
        memset(&st, 0, sizeof st);
        int count = 0;
        char err[512];
        for (int i = 0; i < p->n; i++) {
            if (bucket_of(p->src_len[i]) != b) continue;
            const char *ref = p->tgt_text[i];
            if (bleu_stats_add(&st, hyps[i], &ref, 1, &cfg, err, sizeof err)) die("BLEU: %s", err);
            count++;
        }
        if (count == 0) continue;
        BleuResult r;
        if (bleu_compute(&st, &cfg, &r, err, sizeof err)) die("BLEU: %s", err);
        char name[32];
        bucket_name(b, name, sizeof name);
        result_begin(stage);
        result_str("model", sys->name);
        result_str("data", sys->task);
        result_str("split", split);
        result_str("bucket", name);
        result_int("pairs", count);
        result_num("bleu", r.score, 2);
        result_end();
    }
}

static void write_lines(const char *path, char **lines, int n) {
    char *tmp;
    FILE *f = atomic_open(path, &tmp);
    for (int i = 0; i < n; i++) fprintf(f, "%s\n", lines[i]);
    atomic_commit(f, tmp, path);
}

static const char *const splits[] = { "train", "valid", "test", NULL };
static const char *const tasks[] = { "dates", "multi30k", "bible", "files", NULL };   /* S2sTask order */

/* The pairs to score: the model's task unless --task says otherwise;
 * --task files reads its one pair of files as the test split. */
static void load_eval_data(S2sData *d, const S2sSystem *sys, int task, int *split, S2sTaskOptions *to,
                           unsigned long long seed) {
    if (task >= 0) to->task = (S2sTask)task;
    else if (s2s_task_parse(sys->task, &to->task)) die("the model does not say its task: give --task");
    if (to->task == S2S_TASK_FILES) {
        if (!to->files[2][0] || !to->files[2][1]) usage_error("eval: --task files needs --test-src and --test-tgt");
        *split = SPLIT_TEST;
        for (int s = 0; s < 2; s++) to->files[s][0] = to->files[2][0], to->files[s][1] = to->files[2][1];
    }
    to->dates_train = *split == SPLIT_TRAIN ? S2S_DATES_TRAIN_PAIRS : 1;
    s2s_data_load(d, to, sys->src_v, sys->tgt_v, seed);
    if (d->tokens != sys->tokens)
        die("the model reads %s, the task %s", sys->tokens == S2S_CHARS ? "characters" : "words",
            d->tokens == S2S_CHARS ? "characters" : "words");
}

int s2s_cli_eval(const S2sCliStage *st, int argc, char **argv) {
    const char *model = NULL, *hyp_out = NULL;
    int split = SPLIT_TEST, beam = 1, max_out = 50, by_length = 0, batch = 64, threads = 2, task = -1;
    float alpha = 0.0f;
    unsigned long long seed = 1;
    S2sTaskOptions to = { .dates_eval = S2S_DATES_EVAL_PAIRS, .min_count = 1 };
    const CliOption opts[] = {
        CLI_OPT("model", CLI_STRING, &model, 0, 0),
        { .name = "task", .type = CLI_CHOICE, .dst = &task, .choices = tasks },
        { .name = "split", .type = CLI_CHOICE, .dst = &split, .choices = splits },
        CLI_OPT("beam", CLI_INT, &beam, 1, 1000),
        CLI_OPT("alpha", CLI_FLOAT, &alpha, 0, 10),
        CLI_OPT("max-output", CLI_INT, &max_out, 1, 1e5),
        CLI_OPT("by-length", CLI_FLAG, &by_length, 0, 0),
        CLI_OPT("hyp-out", CLI_STRING, &hyp_out, 0, 0),
        CLI_OPT("test-src", CLI_STRING, &to.files[2][0], 0, 0),
        CLI_OPT("test-tgt", CLI_STRING, &to.files[2][1], 0, 0),
        CLI_BATCH(&batch), CLI_THREADS(&threads), CLI_SEED(&seed),
        CLI_END
    };
    char usage[sizeof usage_eval + 256];
    snprintf(usage, sizeof usage, usage_eval, st->stage, st->example_run);
    CliSpec spec = { .usage = usage, .options = opts };
    if (cli_parse(&spec, argc, argv) > 0) usage_error("eval: unexpected argument '%s'", argv[1]);
    if (task == S2S_TASK_FILES && (!to.files[2][0] || !to.files[2][1]))
        usage_error("eval: --task files needs --test-src and --test-tgt");
    set_threads(threads);
    S2sSystem sys;
    st->load(&sys, model);
    S2sData d;
    load_eval_data(&d, &sys, task, &split, &to, seed);
    const S2sPairs *p = &d.split[split];
    s2s_check_lengths(p, sys.max_len, splits[split]);
    long tokens;
    double loss = sys.eval_loss(sys.model, p, batch, &tokens);
    char **hyps = xcalloc((size_t)p->n, sizeof *hyps);
    S2sScores sc;
    sys.eval_decode(sys.model, p, sys.tgt_v, beam, alpha, max_out, batch, &sc, hyps);
    if (hyp_out) write_lines(hyp_out, hyps, p->n);
    if (by_length) report_by_length(st->stage, &sys, p, hyps, splits[split]);
    result_begin(st->stage);
    result_str("model", sys.name);
    result_str("data", d.name);
    result_str("split", splits[split]);
    result_int("pairs", p->n);
    result_int("tokens", tokens);
    result_num("loss", loss, 4);
    result_num("ppl", exp(loss), 2);
    result_int("beam", beam);
    result_num("bleu", sc.bleu, 2);
    result_num("exact", sc.exact * 100.0, 2);
    result_num("sent_per_s", p->n / (sc.secs > 0 ? sc.secs : 1e-9), 1);
    result_end();
    for (int i = 0; i < p->n; i++) free(hyps[i]);
    free(hyps);
    s2s_data_free(&d);   /* and the model's vocabularies, which the data took */
    sys.free(sys.model);
    return 0;
}

/* ------------------------------------------------------------- translate */

static const char usage_translate[] =
    "Usage: %1$s translate --model DIR [options] < sentences > translations\n"
    "Translate each line of stdin (normalised as the training text was) and print\n"
    "the best output on its own line.\n"
    "\n"
    "  --model DIR        a run folder of `%1$s train`\n"
    "  --beam K           beam size (1: greedy, the default)\n"
    "  --alpha A          length normalisation (Wu et al. 2016; 0 = raw log-probability)\n"
    "  --nbest N          print the N best hypotheses, each as SCORE<TAB>TEXT (1)\n"
    "  --max-output N     longest output, in tokens (50, at most the model's positions)\n"
    "  --threads N (2)\n"
    "\n"
    "Example:  echo 'ein mann fährt fahrrad .' | %1$s translate --model runs/%1$s/%2$s --beam 5\n";

/* Print the nbest best hypotheses of one translated line. */
static void print_hypotheses(const BeamSearch *bs, int nbest, const Vocab *tgt_v, S2sTokens tokens) {
    int shown = beam_count(bs, 0) < nbest ? beam_count(bs, 0) : nbest;
    for (int k = 0; k < shown; k++) {
        const BeamHyp *h = &beam_nbest(bs, 0)[k];
        char *text = s2s_detokenize(tgt_v, h->tokens, h->len, tokens);
        if (nbest > 1) printf("%.4f\t%s\n", h->score, text);
        else printf("%s\n", text);
        free(text);
    }
    fflush(stdout);
}

int s2s_cli_translate(const S2sCliStage *st, int argc, char **argv) {
    const char *model = NULL;
    int beam = 1, nbest = 1, max_out = 50, threads = 2;
    float alpha = 0.0f;
    const CliOption opts[] = {
        CLI_OPT("model", CLI_STRING, &model, 0, 0),
        CLI_OPT("beam", CLI_INT, &beam, 1, 1000),
        CLI_OPT("alpha", CLI_FLOAT, &alpha, 0, 10),
        CLI_OPT("nbest", CLI_INT, &nbest, 1, 1000),
        CLI_OPT("max-output", CLI_INT, &max_out, 1, 1e5),
        CLI_THREADS(&threads),
        CLI_END
    };
    char usage[sizeof usage_translate + 256];
    snprintf(usage, sizeof usage, usage_translate, st->stage, st->example_run);
    CliSpec spec = { .usage = usage, .options = opts };
    if (cli_parse(&spec, argc, argv) > 0)
        usage_error("translate: unexpected argument '%s' (sentences come on stdin)", argv[1]);
    if (nbest > beam) usage_error("translate: --nbest %d needs --beam %d or more", nbest, nbest);
    set_threads(threads);
    S2sSystem sys;
    st->load(&sys, model);
    char *buf = NULL;
    size_t cap = 0;
    long lineno = 0;
    for (char *line; (line = s2s_read_line(stdin, &buf, &cap)) != NULL;) {
        lineno++;
        size_t bad;
        if (!utf8_validate(line, strlen(line), &bad)) die("stdin:%ld: invalid UTF-8 at byte %zu", lineno, bad + 1);
        int n;
        int *ids = s2s_encode_sentence(sys.src_v, sys.tokens, line, &n);
        if (!ids) die("stdin:%ld: an empty line: nothing to translate", lineno);
        if (sys.max_len > 0 && n > sys.max_len)
            die("stdin:%ld: %d tokens, but the model reads at most %d (its max_pos)", lineno, n, sys.max_len);
        print_hypotheses(sys.translate(sys.model, ids, n, beam, max_out, alpha), nbest, sys.tgt_v, sys.tokens);
        free(ids);
    }
    free(buf);
    vocab_free(sys.src_v);
    vocab_free(sys.tgt_v);
    sys.free(sys.model);
    return 0;
}
