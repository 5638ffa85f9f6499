/*
 * cmd_eval.c -- `seq2seq eval`: a trained model's loss, perplexity and BLEU
 * on a split, and (--by-length) its BLEU by source-sentence length, the
 * measurement of Bahdanau et al. (2015), Figure 2.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bleu.h"
#include "cli.h"
#include "matmul.h"
#include "metrics.h"
#include "seq2seq/commands.h"
#include "util.h"

static const char usage_eval[] =
    "Usage: seq2seq eval --model DIR [options]\n"
    "Score a trained model on a split: teacher-forced loss and perplexity, then the\n"
    "corpus BLEU (tokens as normalised, no smoothing) and exact match of its decoded\n"
    "outputs. Ends with RESULT ... ppl= bleu=.\n"
    "\n"
    "  --model DIR           a run folder of `seq2seq train` (its best/ weights when present)\n"
    "  --task T              dates | multi30k | bible | files (default: the model's)\n"
    "  --split S             train | valid | test (test)\n"
    "  --beam K              beam size (1: greedy, the default); --alpha A length penalty (0)\n"
    "  --max-output N        longest output (50)\n"
    "  --by-length           also BLEU by source length, buckets 1-10, 11-20, ..., 51+\n"
    "                        (one RESULT line each, bucket=1-10 ...)\n"
    "  --hyp-out FILE        write the decoded outputs, one per line\n"
    "  --test-src F --test-tgt F   the files of --task files (any split name)\n"
    "  --batch N (64) --threads N (2) --seed N (dates: which training pairs --split train\n"
    "                        draws; their valid and test pairs are fixed)\n"
    "\n"
    "Example:  seq2seq eval --model runs/seq2seq/multi30k-bahdanau --beam 5\n";

enum { N_BUCKETS = 6, BUCKET_WIDTH = 10 };

static int bucket_of(int words) {
    int b = (words - 1) / BUCKET_WIDTH;
    return b < N_BUCKETS - 1 ? b : N_BUCKETS - 1;
}

static void bucket_name(int b, char *buf, size_t n) {
    if (b == N_BUCKETS - 1) snprintf(buf, n, "%d+", b * BUCKET_WIDTH + 1);
    else snprintf(buf, n, "%d-%d", b * BUCKET_WIDTH + 1, (b + 1) * BUCKET_WIDTH);
}

/* Corpus BLEU within each source-length bucket (words of the normalised source). */
static void report_by_length(const S2sModel *m, const S2sPairs *p, char **hyps, const char *split) {
    BleuConfig cfg = bleu_config_default();
    cfg.tokenize = m->cfg.tokens == S2S_CHARS ? BLEU_TOK_CHAR : BLEU_TOK_NONE;
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
        result_begin(S2S_STAGE);
        result_str("model", s2s_attention_name(m->cfg.dec.attn));
        result_str("data", m->cfg.task);
        result_str("split", split);
        result_str("bucket", name);
        result_int("pairs", count);
        result_num("bleu", r.score, 2);
        result_end();
    }
}

static void write_lines(const char *path, char **lines, int n) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = xfopen(tmp, "w");
    for (int i = 0; i < n; i++) fprintf(f, "%s\n", lines[i]);
    if (fclose(f) != 0) die("cannot write '%s'", tmp);
    if (rename(tmp, path) != 0) die("cannot rename '%s' to '%s'", tmp, path);
}

static const char *const splits[] = { "train", "valid", "test", NULL };
static const char *const tasks[] = { "dates", "multi30k", "bible", "files", NULL };

int s2s_cmd_eval(int argc, char **argv) {
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
    CliSpec spec = { .usage = usage_eval, .options = opts };
    if (cli_parse(&spec, argc, argv) > 0) usage_error("eval: unexpected argument '%s'", argv[1]);
    set_threads(threads);
    S2sModel m;
    Vocab *src_v, *tgt_v;
    s2s_cli_load(&m, &src_v, &tgt_v, model);
    if (task >= 0) to.task = (S2sTask)task;
    else if (s2s_task_parse(m.cfg.task, &to.task)) die("the model does not say its task: give --task");
    if (to.task == S2S_TASK_FILES) {
        if (!to.files[2][0] || !to.files[2][1]) usage_error("eval: --task files needs --test-src and --test-tgt");
        split = SPLIT_TEST;
        for (int s = 0; s < 2; s++) to.files[s][0] = to.files[2][0], to.files[s][1] = to.files[2][1];
    }
    to.dates_train = split == SPLIT_TRAIN ? S2S_DATES_TRAIN_PAIRS : 1;
    S2sData d;
    s2s_data_load(&d, &to, src_v, tgt_v, seed);
    if (d.tokens != m.cfg.tokens)
        die("the model reads %s, the task %s", m.cfg.tokens == S2S_CHARS ? "characters" : "words",
            d.tokens == S2S_CHARS ? "characters" : "words");
    const S2sPairs *p = &d.split[split];
    long tokens;
    double loss = s2s_eval_loss(&m, p, batch, &tokens);
    char **hyps = xcalloc((size_t)p->n, sizeof *hyps);
    S2sScores sc;
    s2s_eval_decode(&m, p, 0, tgt_v, d.tokens, beam, alpha, max_out, batch, &sc, hyps);
    if (hyp_out) write_lines(hyp_out, hyps, p->n);
    if (by_length) report_by_length(&m, p, hyps, splits[split]);
    result_begin(S2S_STAGE);
    result_str("model", s2s_attention_name(m.cfg.dec.attn));
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
    s2s_data_free(&d);
    s2s_model_free(&m);
    return 0;
}
