/* elmo.c -- contextual vectors from a forward and a backward LSTM LM. See elmo.h. */
#include "rnn/elmo.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

int *rnn_elmo_reverse(const int *ids, size_t n) {
    int *r = xmalloc((n ? n : 1) * sizeof(int));
    for (size_t i = 0; i < n; i++) r[i] = ids[n - 1 - i];
    return r;
}

/* Top-layer states of m reading </s> then ids[0..n): states (n, H), row i
 * is the state after reading ids[i]. */
static void top_states(float *states, RnnLm *m, const int *ids, int n) {
    int H = m->cfg.H, L = m->cfg.L;
    int *inp = xmalloc((size_t)(n + 1) * sizeof(int));
    inp[0] = VOCAB_EOS;
    memcpy(inp + 1, ids, (size_t)n * sizeof(int));
    RnnLmActs a;
    rnn_lm_acts_build(&a, m, n + 1, 1, 0);
    rnn_lm_forward(m, &a, inp, NULL, n + 1, 0);
    memcpy(states, a.h_all[L - 1] + H, (size_t)n * H * sizeof(float));
    rnn_lm_acts_free(&a);
    free(inp);
}

int rnn_elmo_embed(float *out, int cap, RnnLm *fwd, RnnLm *bwd, const Vocab *v, const char *sentence) {
    int H = fwd->cfg.H;
    if (bwd->cfg.H != H) die("elmo: the forward and backward models have different hidden sizes");
    size_t n = vocab_encode(v, sentence, strlen(sentence), NULL, 0);
    if (n == 0) die("elmo: an empty sentence");
    if (n > (size_t)cap) n = (size_t)cap;
    int *ids = xmalloc(n * sizeof(int));
    size_t all = vocab_encode(v, sentence, strlen(sentence), NULL, 0);
    int *tmp = xmalloc(all * sizeof(int));
    vocab_encode(v, sentence, strlen(sentence), tmp, all);
    memcpy(ids, tmp, n * sizeof(int));
    free(tmp);
    int *rev = rnn_elmo_reverse(ids, n);
    float *f = xmalloc(n * H * sizeof(float)), *b = xmalloc(n * H * sizeof(float));
    top_states(f, fwd, ids, (int)n);
    top_states(b, bwd, rev, (int)n);
    for (size_t i = 0; i < n; i++) {
        memcpy(out + i * 2 * H, f + i * H, (size_t)H * sizeof(float));
        memcpy(out + i * 2 * H + H, b + (n - 1 - i) * H, (size_t)H * sizeof(float));   /* backward read w_i at n-1-i */
    }
    free(ids); free(rev); free(f); free(b);
    return (int)n;
}
