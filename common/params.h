/*
 * params.h -- a model's parameters as one contiguous buffer.
 *
 * A model declares a table of named tensors, then allocates once:
 *
 *     ParamTable pt;
 *     params_init(&pt);
 *     params_add(&pt, "wte", 2, V, C);        // (V, C)
 *     params_add(&pt, "ln_f.w", 1, C);        // (C)
 *     params_alloc(&pt);                      // values, grads, m, v: one buffer each
 *     float *wte = params_get(&pt, "wte");    // a pointer into pt.values
 *
 * One buffer makes zeroing the gradients one memset (params_zero_grad), the
 * optimizer one loop (optim.h), a checkpoint one write (checkpoint.h) and a
 * gradient check one sweep (gradcheck.h). m and v are the optimizer's state
 * (momentum / Adam's first and second moments), zero until the first step.
 *
 * By default a tensor with two or more dimensions receives weight decay and a
 * vector (bias, LayerNorm gain) does not, as in GPT-2 and nanoGPT; a model can
 * change that with params_set_decay().
 */
#ifndef NLP_PARAMS_H
#define NLP_PARAMS_H

#include <stddef.h>

#define PARAM_MAX_DIMS 4
#define PARAM_NAME_MAX 64

typedef struct {
    char name[PARAM_NAME_MAX];
    int ndim;
    int shape[PARAM_MAX_DIMS];
    size_t offset;   /* index of its first float in the buffers */
    size_t size;     /* number of floats */
    int decay;       /* 1: AdamW applies weight decay to it */
} ParamInfo;

typedef struct {
    int count, cap;
    ParamInfo *info;
    size_t total;    /* floats in each buffer */
    float *values, *grads, *m, *v;   /* NULL until params_alloc */
} ParamTable;

void params_init(ParamTable *pt);
/* Declare a tensor: params_add(pt, name, ndim, d0, d1, ...). Returns its index. Dies on a duplicate name. */
int params_add(ParamTable *pt, const char *name, int ndim, ...);
/* Allocate values, grads and optimizer state, all zeroed. */
void params_alloc(ParamTable *pt);
void params_free(ParamTable *pt);

/* Index of a tensor by name, or -1. */
int params_find(const ParamTable *pt, const char *name);
/* Pointer to a tensor's values / gradients; dies if the name is unknown. */
float *params_get(const ParamTable *pt, const char *name);
float *params_grad(const ParamTable *pt, const char *name);
void params_set_decay(ParamTable *pt, const char *name, int decay);

void params_zero_grad(ParamTable *pt);
size_t params_count(const ParamTable *pt);   /* total number of scalars */

/* A copy of the values and the optimizer's state: what early stopping keeps
 * of the best model so far, and puts back when an epoch made things worse
 * (word2vec's NNLM, rnn's --plateau). */
typedef struct {
    size_t total;
    float *values, *m, *v;
} ParamSnapshot;

void params_snapshot_init(ParamSnapshot *s, const ParamTable *pt);   /* allocates, then takes */
void params_snapshot_take(ParamSnapshot *s, const ParamTable *pt);
void params_snapshot_restore(const ParamSnapshot *s, ParamTable *pt);
void params_snapshot_free(ParamSnapshot *s);

#endif
