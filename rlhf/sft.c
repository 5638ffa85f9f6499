/*
 * sft.c -- supervised fine-tuning on demonstrations, loss on the response
 * only. See sft.h.
 */
#include "rlhf/sft.h"

#include <stdlib.h>
#include <string.h>

#include "optim.h"
#include "util.h"

void sft_defaults(SftConfig *c) {
    *c = (SftConfig){.batch = 16, .steps = 300, .lr = 1e-3f, .weight_decay = 0.0f, .grad_clip = 1.0f, .seed = 1};
}

double sft_train(Gpt *m, const SftConfig *c, const int *tokens, const int *targets, int n, int T, float *losses) {
    if (n < 1) die("sft: no examples");
    if (T > m->cfg.max_seq_len) die("sft: examples of %d positions exceed the model's context of %d", T, m->cfg.max_seq_len);
    int B = c->batch;
    gpt_ensure_acts(m, B, T);
    int *bt = xmalloc((size_t)B * T * sizeof *bt), *by = xmalloc((size_t)B * T * sizeof *by);
    AdamConfig ac = {.beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = c->weight_decay, .decoupled = 1};
    memset(m->pt.m, 0, m->pt.total * sizeof(float));
    memset(m->pt.v, 0, m->pt.total * sizeof(float));
    Rng r;
    rng_seed(&r, c->seed, 6);
    m->rng = &r;
    m->training = 1;
    double loss = 0;
    for (long step = 0; step < c->steps; step++) {
        for (int b = 0; b < B; b++) {
            size_t i = rng_below(&r, (uint32_t)n);
            memcpy(bt + (size_t)b * T, tokens + i * T, (size_t)T * sizeof *bt);
            memcpy(by + (size_t)b * T, targets + i * T, (size_t)T * sizeof *by);
        }
        params_zero_grad(&m->pt);
        loss = gpt_forward(m, bt, by, B, T);
        gpt_backward(m, 1.0f);
        if (c->grad_clip > 0) clip_grad_norm(&m->pt, c->grad_clip);
        adam_step(&m->pt, &ac, lr_linear(step, c->steps, c->lr, 0.0f), (int)step + 1);
        if (losses) losses[step] = (float)loss;
    }
    m->training = 0;
    m->rng = NULL;
    free(bt);
    free(by);
    return loss;
}

double sft_loss(Gpt *m, const int *tokens, const int *targets, int n, int T, int batch) {
    int B = n < batch ? n : batch;
    gpt_ensure_acts(m, B, T);
    m->training = 0;
    double sum = 0;
    long count = 0;
    for (int s = 0; s < n; s += batch) {
        int nb = n - s < batch ? n - s : batch;
        long k = 0;   /* the batch's loss is a mean over its response tokens: weight it by their count */
        for (size_t t = 0; t < (size_t)nb * T; t++) k += targets[(size_t)s * T + t] >= 0;
        if (k == 0) continue;
        sum += gpt_forward(m, tokens + (size_t)s * T, targets + (size_t)s * T, nb, T) * k;
        count += k;
    }
    return count ? sum / count : 0;
}
