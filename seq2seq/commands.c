/* commands.c -- what several `seq2seq` commands share. See commands.h. */
#include "seq2seq/commands.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void s2s_cli_load(S2sModel *m, Vocab **src_v, Vocab **tgt_v, const char *dir) {
    char best[4096];
    if (!dir) usage_error("give --model DIR (a run folder of `seq2seq train`)");
    snprintf(best, sizeof best, "%s/best/model.ckpt", dir);
    if (path_exists(best)) {
        snprintf(best, sizeof best, "%s/best", dir);
        s2s_load(m, src_v, tgt_v, best, NULL, 0);
    } else {
        s2s_load(m, src_v, tgt_v, dir, NULL, 0);
    }
}
