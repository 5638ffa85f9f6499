/* zero.c -- ZeRO stage 1, AdamW's state sharded across the ranks. See zero.h. */
#include "zero.h"

#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "dist.h"
#include "util.h"

void zero_init(ZeroShard *z, ParamTable *pt) {
    int n = dist_size(), r = dist_rank();
    if (!pt->m) die("zero_init: the table has no optimizer state to shard");
    z->bounds = xmalloc((size_t)(n + 1) * sizeof *z->bounds);
    for (int k = 0; k <= n; k++) z->bounds[k] = pt->total / n * k + (pt->total % n) * k / n;
    z->lo = z->bounds[r];
    z->hi = z->bounds[r + 1];
    size_t len = z->hi - z->lo;
    z->m = xmalloc((len ? len : 1) * sizeof(float));
    z->v = xmalloc((len ? len : 1) * sizeof(float));
    memcpy(z->m, pt->m + z->lo, len * sizeof(float));
    memcpy(z->v, pt->v + z->lo, len * sizeof(float));
    free(pt->m);
    free(pt->v);
    pt->m = pt->v = NULL;
}

void zero_adam_step(const ZeroShard *z, ParamTable *pt, const AdamConfig *cfg, float lr, int t) {
    adam_step_slice(pt, cfg, lr, t, z->lo, z->hi, z->m, z->v);
    dist_allgather(pt->values, z->bounds);
}

/* Rank 0 appends every rank's slice of one moment (x: this rank's) in order. */
static void put_moment(CheckpointWriter *w, const ZeroShard *z, float *x, float *buf) {
    int n = dist_size(), root = dist_is_root();
    if (root) checkpoint_put_state(w, x, z->hi - z->lo);
    for (int r = 1; r < n; r++) {
        size_t len = z->bounds[r + 1] - z->bounds[r];
        if (root) {
            dist_to_root(buf, len, r);
            checkpoint_put_state(w, buf, len);
        } else if (dist_rank() == r) {
            dist_to_root(x, len, r);
        }
    }
}

void zero_checkpoint_save(const ZeroShard *z, const ParamTable *pt, const char *path, const char *stage,
                          const char *config, long step) {
    CheckpointWriter w = {0};
    float *buf = NULL;
    if (dist_is_root()) {
        checkpoint_begin(&w, path, stage, config, pt, step, 1);
        buf = xmalloc((pt->total / dist_size() + 1) * sizeof(float));   /* the largest slice */
    }
    put_moment(&w, z, z->m, buf);
    put_moment(&w, z, z->v, buf);
    if (dist_is_root()) checkpoint_end(&w);
    free(buf);
}

void zero_free(ZeroShard *z) {
    free(z->bounds);
    free(z->m);
    free(z->v);
    memset(z, 0, sizeof *z);
}
