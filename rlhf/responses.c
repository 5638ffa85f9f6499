/*
 * responses.c -- batches of responses, their log-probabilities under a GPT
 * and the backward pass of a loss on them. See responses.h.
 */
#include "rlhf/responses.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops.h"
#include "sample.h"
#include "util.h"

void responses_alloc(Responses *r, int B, int T, int V) {
    *r = (Responses){.B = B, .T = T, .V = V};
    r->tokens = xcalloc((size_t)B * T, sizeof *r->tokens);
    r->start = xcalloc((size_t)B, sizeof *r->start);
    r->len = xcalloc((size_t)B, sizeof *r->len);
    r->probs = xmalloc((size_t)V * sizeof *r->probs);
    r->order = xmalloc((size_t)V * sizeof *r->order);
    r->targets = xmalloc((size_t)T * sizeof *r->targets);
}

void responses_free(Responses *r) {
    free(r->tokens);
    free(r->start);
    free(r->len);
    free(r->probs);
    free(r->order);
    free(r->targets);
    *r = (Responses){0};
}

int responses_set(Responses *r, int b, const Vocab *v, const char *prompt, const char *response, char *err,
                  size_t errlen) {
    int T = r->T, *row = r->tokens + (size_t)b * T;
    int used = sft_example(v, prompt, response, T, row, r->targets, err, errlen);   /* prompt, <s>, response */
    if (used < 0) return -1;
    int np = used - instruct_count_words(response);   /* the prompt and <s> */
    if (used < T) row[used++] = VOCAB_EOS;   /* a response that fills the context was cut off, as sampling cuts it */
    r->start[b] = np;
    r->len[b] = used - np;
    return 0;
}

void responses_sample(Responses *r, int b, Gpt *m, GptCache *c, const int *prompt, int n_prompt, float temperature,
                      Rng *rng) {
    int T = r->T, *row = r->tokens + (size_t)b * T, max = T - n_prompt;
    if (max < 1) die("responses: a prompt of %d tokens leaves no room in %d positions", n_prompt, T);
    SamplerConfig s = {.temperature = temperature, .top_k = 0, .top_p = 1};
    memcpy(row, prompt, (size_t)n_prompt * sizeof *row);
    gpt_cache_reset(c);
    const float *logits = gpt_forward_cached(m, c, prompt, n_prompt, NULL);
    int n = 0;
    while (n < max) {
        int id = sampler_draw(&s, logits, r->V, r->probs, r->order, rng);
        row[n_prompt + n++] = id;
        if (id == VOCAB_EOS) break;
        if (n < max) logits = gpt_forward_cached(m, c, &id, 1, NULL);
    }
    for (int t = n_prompt + n; t < T; t++) row[t] = VOCAB_PAD;
    r->start[b] = n_prompt;
    r->len[b] = n;
}

void responses_text(const Responses *r, int b, const Vocab *v, char *buf, size_t n) {
    const int *row = r->tokens + (size_t)b * r->T + r->start[b];
    size_t at = 0;
    buf[0] = '\0';
    for (int t = 0; t < r->len[b] && at < n; t++)
        if (row[t] >= VOCAB_NSPECIAL) at += snprintf(buf + at, n - at, "%s%s", at ? " " : "", vocab_token(v, row[t]));
}

double responses_logprobs(Gpt *m, const Responses *r, int B, float *logp) {
    int T = r->T, V = m->cfg.vocab_size;
    gpt_forward(m, r->tokens, NULL, B, T);
    memset(logp, 0, (size_t)B * T * sizeof *logp);
    double sum = 0;
    for (int b = 0; b < B; b++)
        for (int t = 0; t < r->len[b]; t++) {
            int pos = r->start[b] + t;
            const float *z = m->a.logits + ((size_t)b * T + pos - 1) * V;
            double lp = z[r->tokens[(size_t)b * T + pos]] - logsumexp(z, V);
            logp[(size_t)b * T + t] = (float)lp;
            sum += lp;
        }
    return sum;
}

void responses_backward(Gpt *m, const Responses *r, int B, const float *dlogp) {
    int T = r->T, V = m->cfg.vocab_size;
    float *dlogits = m->a.dlogits;
    memset(dlogits, 0, (size_t)B * T * V * sizeof *dlogits);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < r->len[b]; t++) {
            int pos = r->start[b] + t;
            const float *z = m->a.logits + ((size_t)b * T + pos - 1) * V;
            float *dz = dlogits + ((size_t)b * T + pos - 1) * V, g = dlogp[(size_t)b * T + t];
            double lse = logsumexp(z, V);
            for (int j = 0; j < V; j++) dz[j] = -g * (float)exp(z[j] - lse);   /* -g softmax(z)_j */
            dz[r->tokens[(size_t)b * T + pos]] += g;
        }
    gpt_backward_from_logits(m, dlogits);
}
