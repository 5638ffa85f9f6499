/*
 * cmd_eval.c -- `transformer eval`: a trained model's loss, perplexity, BLEU
 * and exact match on a split, scored as chapter 4's `seq2seq eval` does.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "matmul.h"
#include "metrics.h"
#include "transformer/commands.h"
#include "util.h"

static const char usage_eval[] =
    "Usage: transformer eval --model DIR [options]\n"
    "Score a trained model on a split: teacher-forced loss and perplexity, then the\n"
    "corpus BLEU (tokens as normalised, no smoothing) and exact match of its decoded\n"
    "outputs. Ends with RESULT ... ppl= bleu=.\n"
    "\n"
    "  --model DIR           a run folder of `transformer train` (its best/ weights when present)\n"
    "  --task T              dates | multi30k | bible | files (default: the model's)\n"
    "  --split S             train | valid | test (test)\n"
    "  --beam K              beam size (1: greedy, the default); --alpha A length penalty (0)\n"
    "  --max-output N        longest output (50, at most the model's positions)\n"
    "  --hyp-out FILE        write the decoded outputs, one per line\n"
    "  --test-src F --test-tgt F   the files of --task files (any split name)\n"
    "  --batch N (64) --threads N (2) --seed N (dates: which training pairs --split train\n"
    "                        draws; their valid and test pairs are fixed)\n"
    "\n"
    "Example:  transformer eval --model runs/transformer/multi30k --beam 5\n";

static void write_lines(const char *path, char **lines, int n) {
    char *tmp;
    FILE *f = atomic_open(path, &tmp);
    for (int i = 0; i < n; i++) fprintf(f, "%s\n", lines[i]);
    atomic_commit(f, tmp, path);
}

static const char *const splits[] = { "train", "valid", "test", NULL };
static const char *const tasks[] = { "dates", "multi30k", "bible", "files", NULL };

int tf_cmd_eval(int argc, char **argv) {
    const char *model = NULL, *hyp_out = NULL;
    int split = SPLIT_TEST, beam = 1, max_out = 50, batch = 64, threads = 2, task = -1;
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
        CLI_OPT("hyp-out", CLI_STRING, &hyp_out, 0, 0),
        CLI_OPT("test-src", CLI_STRING, &to.files[2][0], 0, 0),
        CLI_OPT("test-tgt", CLI_STRING, &to.files[2][1], 0, 0),
        CLI_BATCH(&batch), CLI_THREADS(&threads), CLI_SEED(&seed),
        CLI_END
    };
    CliSpec spec = { .usage = usage_eval, .options = opts };
    if (cli_parse(&spec, argc, argv) > 0) usage_error("eval: unexpected argument '%s'", argv[1]);
    if (task == S2S_TASK_FILES && (!to.files[2][0] || !to.files[2][1]))
        usage_error("eval: --task files needs --test-src and --test-tgt");
    set_threads(threads);
    TfModel m;
    Vocab *src_v, *tgt_v;
    tf_cli_load(&m, &src_v, &tgt_v, model);
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
    tf_check_lengths(&m, p, splits[split]);
    long tokens;
    double loss = tf_eval_loss(&m, p, batch, &tokens);
    char **hyps = xcalloc((size_t)p->n, sizeof *hyps);
    S2sScores sc;
    tf_eval_decode(&m, p, 0, tgt_v, beam, alpha, max_out, batch, &sc, hyps);
    if (hyp_out) write_lines(hyp_out, hyps, p->n);
    result_begin(TF_STAGE);
    result_str("model", "transformer");
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
    tf_model_free(&m);
    return 0;
}
