/* commands.c -- what several `transformer` commands share. See commands.h. */
#include "transformer/commands.h"

#include <stdio.h>

#include "util.h"

void tf_cli_load(TfModel *m, Vocab **src_v, Vocab **tgt_v, const char *dir) {
    char best[4096];
    if (!dir) usage_error("give --model DIR (a run folder of `transformer train`)");
    snprintf(best, sizeof best, "%s/best/model.ckpt", dir);
    if (path_exists(best)) {
        snprintf(best, sizeof best, "%s/best", dir);
        tf_load(m, src_v, tgt_v, best, NULL, 0);
    } else {
        tf_load(m, src_v, tgt_v, dir, NULL, 0);
    }
}
