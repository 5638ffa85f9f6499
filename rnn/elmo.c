/* elmo.c -- contextual vectors from a forward and a backward LSTM LM. See elmo.h. */
#include "rnn/elmo.h"

#include <stdlib.h>
#include <string.h>

#include "text.h"
#include "util.h"

#define ELMO_BATCH 32   /* sentences read side by side */
#define ELMO_CHUNK 40   /* steps per forward; longer sentences carry the state on */

int *rnn_elmo_reverse(const int *ids, size_t n) {
    int *r = xmalloc((n ? n : 1) * sizeof(int));
    for (size_t i = 0; i < n; i++) r[i] = ids[n - 1 - i];
    return r;
}

/* Sentences s0..s0+B of one direction into inp (steps, ELMO_BATCH), time-major:
 * </s>, then the words (reversed when backward), then </s> padding. */
static void batch_inputs(int *inp, int steps, const int *ids, const long *sent_start, int s0, int nb, int backward) {
    for (int t = 0; t < steps; t++)
        for (int b = 0; b < ELMO_BATCH; b++) {
            long first = b < nb ? sent_start[s0 + b] : 0, len = b < nb ? sent_start[s0 + b + 1] - first : 0;
            int k = t - 1;   /* the word read at step t, in reading order */
            inp[t * ELMO_BATCH + b] = t == 0 || k >= len ? VOCAB_EOS : ids[first + (backward ? len - 1 - k : k)];
        }
}

/* One model over a batch: every layer's state of each word goes to its row of
 * out[l], in the half `dir` (0 forward, 1 backward). */
static void read_batch(float *const *out, RnnLm *m, RnnLmActs *a, const int *inp, int steps,
                       const long *sent_start, int s0, int nb, int dir) {
    int E = m->cfg.E, H = m->cfg.H, L = m->cfg.L;
    rnn_lm_reset_state(a, m);
    for (int t0 = 0; t0 < steps; t0 += ELMO_CHUNK) {
        int T = steps - t0 < ELMO_CHUNK ? steps - t0 : ELMO_CHUNK;
        rnn_lm_forward_states(m, a, inp + (size_t)t0 * ELMO_BATCH, T, 0);
        for (int t = 0; t < T; t++)
            for (int b = 0; b < nb; b++) {
                long first = sent_start[s0 + b], len = sent_start[s0 + b + 1] - first;
                long k = t0 + t - 1;
                if (k < 0 || k >= len) continue;
                long tok = first + (dir ? len - 1 - k : k);
                size_t row = (size_t)t * ELMO_BATCH + b;
                memcpy(out[0] + (size_t)tok * 2 * E + dir * E, a->emb + row * E, (size_t)E * sizeof(float));
                for (int l = 0; l < L; l++)
                    memcpy(out[l + 1] + (size_t)tok * 2 * H + dir * H, a->h_all[l] + row * H, (size_t)H * sizeof(float));
            }
    }
}

void rnn_elmo_layers(float *const *out, RnnLm *fwd, RnnLm *bwd, const int *ids, const long *sent_start, int n_sent) {
    const RnnLmConfig *f = &fwd->cfg, *b = &bwd->cfg;
    if (f->E != f->H || b->E != f->E || b->H != f->H || b->L != f->L || b->V != f->V)
        die("elmo: the forward and backward models need one shape with E = H (got E %d H %d L %d, E %d H %d L %d)",
            f->E, f->H, f->L, b->E, b->H, b->L);
    int longest = 0;
    for (int s = 0; s < n_sent; s++)
        if (sent_start[s + 1] - sent_start[s] > longest) longest = (int)(sent_start[s + 1] - sent_start[s]);
    int *inp = xmalloc((size_t)(longest + 1) * ELMO_BATCH * sizeof(int));
    RnnLmActs af, ab;
    rnn_lm_acts_build(&af, fwd, ELMO_CHUNK, ELMO_BATCH, 0);
    rnn_lm_acts_build(&ab, bwd, ELMO_CHUNK, ELMO_BATCH, 0);
    for (int s0 = 0; s0 < n_sent; s0 += ELMO_BATCH) {
        int nb = n_sent - s0 < ELMO_BATCH ? n_sent - s0 : ELMO_BATCH, steps = 0;
        for (int k = 0; k < nb; k++)
            if (sent_start[s0 + k + 1] - sent_start[s0 + k] + 1 > steps) steps = (int)(sent_start[s0 + k + 1] - sent_start[s0 + k] + 1);
        batch_inputs(inp, steps, ids, sent_start, s0, nb, 0);
        read_batch(out, fwd, &af, inp, steps, sent_start, s0, nb, 0);
        batch_inputs(inp, steps, ids, sent_start, s0, nb, 1);
        read_batch(out, bwd, &ab, inp, steps, sent_start, s0, nb, 1);
    }
    rnn_lm_acts_free(&af);
    rnn_lm_acts_free(&ab);
    free(inp);
}
