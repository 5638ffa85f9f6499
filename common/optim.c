/* optim.c -- SGD, Adam/AdamW, clipping, schedules. See optim.h for the equations. */
#include "optim.h"

#include <math.h>

/* Elementwise updates fan out to threads only for tensors this large (a GPT-2
 * 124M step spends ~20% of its time streaming the 4 buffers through Adam). */
#define PARALLEL_MIN_ELEMENTS 65536

void sgd_step(ParamTable *pt, float lr, float momentum, float weight_decay) {
    for (int k = 0; k < pt->count; k++) {
        const ParamInfo *info = &pt->info[k];
        float wd = info->decay ? weight_decay : 0.0f;
        float *p = pt->values + info->offset, *g = pt->grads + info->offset, *m = pt->m + info->offset;
        #pragma omp parallel for if (info->size >= PARALLEL_MIN_ELEMENTS)
        for (size_t i = 0; i < info->size; i++) {
            float grad = g[i] + wd * p[i];
            m[i] = momentum * m[i] + grad;
            p[i] -= lr * m[i];   /* with momentum 0, m is just the gradient */
        }
    }
}

void adam_step(ParamTable *pt, const AdamConfig *cfg, float lr, int t) {
    adam_step_slice(pt, cfg, lr, t, 0, pt->total, pt->m, pt->v);
}

void adam_step_slice(ParamTable *pt, const AdamConfig *cfg, float lr, int t, size_t lo, size_t hi, float *m,
                     float *v) {
    float b1 = cfg->beta1, b2 = cfg->beta2;
    float correction1 = 1.0f - powf(b1, (float)t);
    float correction2 = 1.0f - powf(b2, (float)t);
    for (int k = 0; k < pt->count; k++) {   /* the part of each tensor inside [lo, hi) */
        const ParamInfo *info = &pt->info[k];
        size_t a = info->offset > lo ? info->offset : lo, b = info->offset + info->size < hi ? info->offset + info->size : hi;
        if (a >= b) continue;
        float wd = info->decay ? cfg->weight_decay : 0.0f;   /* the tensor's mask, wherever the slice cuts it */
        float *p = pt->values + a, *g = pt->grads + a, *ms = m + (a - lo), *vs = v + (a - lo);
        size_t n = b - a;
        #pragma omp parallel for if (n >= PARALLEL_MIN_ELEMENTS)
        for (size_t i = 0; i < n; i++) {
            float grad = g[i];
            if (cfg->decoupled) p[i] -= lr * wd * p[i];
            else grad += wd * p[i];
            ms[i] = b1 * ms[i] + (1.0f - b1) * grad;
            vs[i] = b2 * vs[i] + (1.0f - b2) * grad * grad;
            float m_hat = ms[i] / correction1;
            float v_hat = vs[i] / correction2;
            p[i] -= lr * m_hat / (sqrtf(v_hat) + cfg->eps);
        }
    }
}

/* The sum of squares runs over a fixed number of blocks, each with
 * NORM_LANES running sums (SIMD lanes), combined in a fixed order: the norm
 * is the same whatever the thread count. */
#define NORM_BLOCKS 64
#define NORM_LANES 8

static double block_sumsq(const float *g, size_t lo, size_t hi) {
    double lane[NORM_LANES] = { 0 };
    size_t i = lo;
    for (; i + NORM_LANES <= hi; i += NORM_LANES)
        for (int k = 0; k < NORM_LANES; k++) lane[k] += (double)g[i + k] * g[i + k];
    for (; i < hi; i++) lane[0] += (double)g[i] * g[i];
    double s = 0.0;
    for (int k = 0; k < NORM_LANES; k++) s += lane[k];
    return s;
}

/* The sum of squares of a table's gradients. */
static double grad_sumsq(const ParamTable *pt) {
    size_t n = pt->total;
    double block[NORM_BLOCKS];
    #pragma omp parallel for if (n >= PARALLEL_MIN_ELEMENTS)
    for (int b = 0; b < NORM_BLOCKS; b++)
        block[b] = block_sumsq(pt->grads, n * b / NORM_BLOCKS, n * (b + 1) / NORM_BLOCKS);
    double sumsq = 0.0;
    for (int b = 0; b < NORM_BLOCKS; b++) sumsq += block[b];
    return sumsq;
}

float clip_grad_norm(ParamTable *pt, float max_norm) { return clip_grad_norm_tables(&pt, 1, max_norm); }

float clip_grad_norm_tables(ParamTable *const *pts, int n, float max_norm) {
    double sumsq = 0.0;
    for (int t = 0; t < n; t++) sumsq += grad_sumsq(pts[t]);
    float norm = (float)sqrt(sumsq);
    if (norm > max_norm) {
        /* The same 1e-6 guard as torch.nn.utils.clip_grad_norm_. */
        float scale = max_norm / (norm + 1e-6f);
        for (int t = 0; t < n; t++) {
            float *g = pts[t]->grads;
            size_t total = pts[t]->total;
            #pragma omp parallel for if (total >= PARALLEL_MIN_ELEMENTS)
            for (size_t i = 0; i < total; i++) g[i] *= scale;
        }
    }
    return norm;
}

float lr_linear(long step, long total, float lr0, float lr_end) {
    if (total <= 0 || step >= total) return lr_end;
    float frac = (float)step / (float)total;
    return lr0 + frac * (lr_end - lr0);
}

float lr_cosine(long step, long warmup, long decay_steps, float lr_max, float lr_min) {
    if (step < warmup) return lr_max * (float)(step + 1) / (float)warmup;
    if (step >= decay_steps) return lr_min;
    double ratio = (double)(step - warmup) / (double)(decay_steps - warmup);
    double coeff = 0.5 * (1.0 + cos(M_PI * ratio));   /* 1 -> 0 */
    return lr_min + (float)coeff * (lr_max - lr_min);
}

float lr_noam(long step, int d_model, long warmup, float factor) {
    double s = (double)(step + 1);
    double a = 1.0 / sqrt(s), b = s * pow((double)warmup, -1.5);
    return factor * (float)(pow((double)d_model, -0.5) * (a < b ? a : b));
}
