/*
 * zero.h -- ZeRO stage 1: AdamW's state sharded across the ranks.
 *
 * Plain data parallelism (dist.h) keeps on every rank the whole of AdamW's
 * two moments m and v: 8 bytes per parameter beside the 4 of the values and
 * the 4 of the gradients. ZeRO stage 1 (Rajbhandari et al. 2020, "P_os",
 * Fig. 1) splits the parameter buffer into n contiguous slices, one per rank;
 * rank r keeps the moments of its slice only and updates only those values,
 * then an all-gather hands every rank every updated slice. Per rank the
 * optimizer state falls from 8P to 8P/n bytes.
 *
 *     ZeroShard z;
 *     zero_init(&z, &pt);                 // takes the slice of pt.m, pt.v; frees them
 *     ... backward; dist_allreduce_sum(pt.grads, ...); clip_grad_norm(&pt, ...);
 *     zero_adam_step(&z, &pt, &cfg, lr, t);   // the slice's AdamW, then the all-gather
 *     zero_checkpoint_save(&z, &pt, ...);  // every rank calls it; rank 0 writes
 *     zero_free(&z);                      // pt keeps no optimizer state
 *
 * The gradients are all-reduced as without ZeRO, so the global norm and the
 * clipping are unchanged and every value is updated by exactly the
 * arithmetic of adam_step: a ZeRO run equals the plain run bit for bit. (The
 * paper's version reduce-scatters the gradients instead, which moves the
 * bytes of one all-reduce in all; ours moves 1.5 times them, gpt/SCALING.md.)
 *
 * A checkpoint holds the whole state, as without ZeRO: rank 0 writes its
 * slice of m and receives the others' one slice at a time, then v, so it
 * never holds more than two slices -- and the checkpoint resumes on any
 * number of ranks, with or without ZeRO.
 */
#ifndef NLP_ZERO_H
#define NLP_ZERO_H

#include <stddef.h>

#include "optim.h"

typedef struct {
    size_t *bounds;   /* (n+1) rank r's slice of the buffer is [bounds[r], bounds[r+1]) */
    size_t lo, hi;    /* this rank's slice */
    float *m, *v;     /* (hi-lo) AdamW's moments of the slice */
} ZeroShard;

/* This rank's slice (the n slices differ by at most one float) with its
 * moments copied from pt->m, pt->v -- zeros, or a restored checkpoint's --
 * whose full buffers are then freed (NULL). */
void zero_init(ZeroShard *z, ParamTable *pt);
/* AdamW on this rank's slice (the gradients must be the reduced ones), then
 * the all-gather of the values: every rank holds the same updated model. */
void zero_adam_step(const ZeroShard *z, ParamTable *pt, const AdamConfig *cfg, float lr, int t);
/* checkpoint_save of pt with the whole optimizer state; a collective: every
 * rank calls it, rank 0 writes (path is read on rank 0 only). */
void zero_checkpoint_save(const ZeroShard *z, const ParamTable *pt, const char *path, const char *stage,
                          const char *config, long step);
void zero_free(ZeroShard *z);

#endif
