/* params.c -- the parameter table over one buffer. See params.h. */
#include "params.h"
#include "util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void params_init(ParamTable *pt) { memset(pt, 0, sizeof *pt); }

int params_add(ParamTable *pt, const char *name, int ndim, ...) {
    if (pt->values) die("params_add('%s') after params_alloc", name);
    if (ndim < 1 || ndim > PARAM_MAX_DIMS) die("params_add('%s'): ndim %d out of range", name, ndim);
    if (strlen(name) >= PARAM_NAME_MAX) die("parameter name too long: '%s'", name);
    if (params_find(pt, name) >= 0) die("parameter '%s' declared twice", name);
    if (pt->count == pt->cap) {
        pt->cap = pt->cap ? 2 * pt->cap : 16;
        pt->info = xrealloc(pt->info, (size_t)pt->cap * sizeof *pt->info);
    }
    ParamInfo *p = &pt->info[pt->count];
    memset(p, 0, sizeof *p);
    strcpy(p->name, name);
    p->ndim = ndim;
    p->size = 1;
    va_list ap;
    va_start(ap, ndim);
    for (int d = 0; d < ndim; d++) {
        int dim = va_arg(ap, int);
        if (dim < 1) die("parameter '%s': dimension %d is %d", name, d, dim);
        p->shape[d] = dim;
        p->size *= (size_t)dim;
    }
    va_end(ap);
    p->offset = pt->total;
    p->decay = ndim >= 2;
    pt->total += p->size;
    return pt->count++;
}

void params_alloc(ParamTable *pt) {
    pt->values = xcalloc(pt->total, sizeof(float));
    pt->grads  = xcalloc(pt->total, sizeof(float));
    pt->m      = xcalloc(pt->total, sizeof(float));
    pt->v      = xcalloc(pt->total, sizeof(float));
}

void params_free(ParamTable *pt) {
    free(pt->info);
    free(pt->values);
    free(pt->grads);
    free(pt->m);
    free(pt->v);
    memset(pt, 0, sizeof *pt);
}

int params_find(const ParamTable *pt, const char *name) {
    for (int i = 0; i < pt->count; i++)
        if (strcmp(pt->info[i].name, name) == 0) return i;
    return -1;
}

static const ParamInfo *lookup(const ParamTable *pt, const char *name) {
    int i = params_find(pt, name);
    if (i < 0) die("no parameter named '%s'", name);
    if (!pt->values) die("parameter '%s' used before params_alloc", name);
    return &pt->info[i];
}

float *params_get(const ParamTable *pt, const char *name) { return pt->values + lookup(pt, name)->offset; }
float *params_grad(const ParamTable *pt, const char *name) { return pt->grads + lookup(pt, name)->offset; }

void params_set_decay(ParamTable *pt, const char *name, int decay) {
    int i = params_find(pt, name);
    if (i < 0) die("no parameter named '%s'", name);
    pt->info[i].decay = decay;
}

void params_zero_grad(ParamTable *pt) { memset(pt->grads, 0, pt->total * sizeof(float)); }

size_t params_count(const ParamTable *pt) { return pt->total; }

void params_snapshot_init(ParamSnapshot *s, const ParamTable *pt) {
    s->total = pt->total;
    s->values = xmalloc(pt->total * sizeof(float));
    s->m = xmalloc(pt->total * sizeof(float));
    s->v = xmalloc(pt->total * sizeof(float));
    params_snapshot_take(s, pt);
}

void params_snapshot_take(ParamSnapshot *s, const ParamTable *pt) {
    size_t bytes = pt->total * sizeof(float);
    memcpy(s->values, pt->values, bytes);
    memcpy(s->m, pt->m, bytes);
    memcpy(s->v, pt->v, bytes);
}

void params_snapshot_restore(const ParamSnapshot *s, ParamTable *pt) {
    size_t bytes = pt->total * sizeof(float);
    memcpy(pt->values, s->values, bytes);
    memcpy(pt->m, s->m, bytes);
    memcpy(pt->v, s->v, bytes);
}

void params_snapshot_free(ParamSnapshot *s) {
    free(s->values);
    free(s->m);
    free(s->v);
    memset(s, 0, sizeof *s);
}
