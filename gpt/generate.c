/*
 * generate.c -- generation with the KV cache, the window sliding by half
 * when the context fills. See generate.h.
 */
#include "gpt/generate.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Logits after the window tokens[0..n), n <= maxT: through the cache, or the
 * plain forward pass (the reference the cache must agree with). */
static const float *window_logits(Gpt *m, GptCache *c, const int *tokens, int n, int use_cache) {
    if (use_cache) {
        gpt_cache_reset(c);
        return gpt_forward_cached(m, c, tokens, n, NULL);
    }
    gpt_forward(m, tokens, NULL, 1, n);
    return m->a.logits + (size_t)(n - 1) * m->cfg.vocab_size;
}

int gpt_generate(Gpt *m, GptCache *c, const int *prompt, int n_prompt, int max_new, const SamplerConfig *s,
                 Rng *r, int use_cache, int stop_id, void (*emit)(int id, void *ctx), void *ctx) {
    int maxT = m->cfg.max_seq_len, V = m->cfg.vocab_size;
    if (n_prompt < 1) die("the prompt is empty: give at least one token");
    size_t cap = (size_t)n_prompt + (size_t)max_new;
    int *seq = xmalloc(cap * sizeof(int));
    memcpy(seq, prompt, (size_t)n_prompt * sizeof(int));
    float *probs = xmalloc((size_t)V * sizeof(float));
    int *order = xmalloc((size_t)V * sizeof(int));
    if (!use_cache && !m->act_memory) gpt_alloc_acts(m, 1, maxT);
    m->training = 0;
    int len = n_prompt;
    int win = n_prompt > maxT ? n_prompt - maxT : 0;   /* the window seq[win..len); caller warned about the crop */
    const float *logits = window_logits(m, c, seq + win, len - win, use_cache);
    int made = 0;
    for (; made < max_new; made++) {
        int id = sampler_draw(s, logits, V, probs, order, r);
        seq[len++] = id;
        if (emit) emit(id, ctx);
        if (id == stop_id || made + 1 == max_new) {
            made++;
            break;
        }
        if (len - win > maxT) {   /* full: slide the window to the last maxT/2 tokens */
            win = len - (maxT + 1) / 2;
            logits = window_logits(m, c, seq + win, len - win, use_cache);
        } else if (use_cache) {
            logits = gpt_forward_cached(m, c, &id, 1, NULL);
        } else {
            logits = window_logits(m, c, seq + win, len - win, use_cache);
        }
    }
    free(seq);
    free(probs);
    free(order);
    return made;
}
