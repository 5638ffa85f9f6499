/*
 * cmd_average.c -- `transformer average`: the mean of several checkpoints'
 * weights, one new model folder. Vaswani et al. (sec. 6.1) report their
 * base models as "a single model obtained by averaging the last 5
 * checkpoints": weights a few updates apart sit around one minimum, and
 * their mean lies nearer its centre than any one of them. `train --average
 * K` keeps the last K epochs for it; this command averages any folders.
 */
#include <stdio.h>

#include "cli.h"
#include "transformer/commands.h"
#include "util.h"

static const char usage_average[] =
    "Usage: transformer average --out DIR MODEL_DIR...\n"
    "Write the mean of the weights of the model folders (checkpoints of one run: the\n"
    "same shape and vocabularies) to DIR, a model folder for eval and translate.\n"
    "\n"
    "  --out DIR          the new model folder (made if missing)\n"
    "\n"
    "Example:  transformer average --out runs/transformer/multi30k/avg \\\n"
    "              runs/transformer/multi30k/epochs/{11,12,13}\n";

int tf_cmd_average(int argc, char **argv) {
    const char *out = NULL;
    const CliOption opts[] = { CLI_OUT(&out), CLI_END };
    CliSpec spec = { .usage = usage_average, .options = opts };
    int n = cli_parse(&spec, argc, argv);
    if (n < 1) usage_error("average: give the model folders to average");
    if (!out) usage_error("average: give --out DIR");
    TfModel m;
    Vocab *src_v, *tgt_v;
    long step;
    tf_load_average(&m, &src_v, &tgt_v, (const char *const *)argv + 1, n, &step);
    tf_save(&m, src_v, tgt_v, out, step, 0);
    printf("the mean of %d checkpoints in %s\n", n, out);
    vocab_free(src_v);
    vocab_free(tgt_v);
    tf_model_free(&m);
    return 0;
}
