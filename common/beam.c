/* beam.c -- greedy and beam search decoding through a step function. See beam.h. */
#include "beam.h"
#include "ops.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>

BeamSearch *beam_create(int B, int K, int V, int max_len) {
    if (K < 1) usage_error("--beam %d must be >= 1", K);
    if (max_len < 1) usage_error("--max-len %d must be >= 1", max_len);
    if (B < 1) die("beam search of %d sentences: need at least 1", B);
    if (V < 2) die("beam search over a vocabulary of %d tokens: need at least 2 (one is EOS)", V);
    BeamSearch *bs = xcalloc(1, sizeof *bs);
    bs->B = B; bs->K = K; bs->V = V; bs->max_len = max_len;
    size_t rows = (size_t)B * K, levels = (size_t)max_len + 1;
    bs->logits = xmalloc(rows * V * sizeof(float));
    bs->logp = xmalloc(rows * V * sizeof(float));
    bs->tok = xmalloc(levels * rows * sizeof(int));
    bs->par = xmalloc(levels * rows * sizeof(int));
    bs->src = xmalloc(levels * rows * sizeof(int));
    bs->lp_cur = xmalloc(rows * sizeof(double));
    bs->lp_next = xmalloc(rows * sizeof(double));
    bs->cand_row = xmalloc(2 * (size_t)K * sizeof(int));
    bs->cand_tok = xmalloc(2 * (size_t)K * sizeof(int));
    bs->cand_lp = xmalloc(2 * (size_t)K * sizeof(double));
    bs->out_tok = xmalloc(rows * max_len * sizeof(int));
    bs->hyp = xcalloc(rows, sizeof(BeamHyp));
    bs->nfin = xcalloc((size_t)B, sizeof(int));
    return bs;
}

void beam_free(BeamSearch *bs) {
    if (!bs) return;
    free(bs->logits); free(bs->logp);
    free(bs->tok); free(bs->par); free(bs->src);
    free(bs->lp_cur); free(bs->lp_next);
    free(bs->cand_row); free(bs->cand_tok); free(bs->cand_lp);
    free(bs->out_tok); free(bs->hyp); free(bs->nfin);
    free(bs);
}

double beam_length_penalty(int len, float alpha) {
    return alpha == 0.0f ? 1.0 : pow((5.0 + len) / 6.0, alpha);
}

/* ---------------------------------------------------------------- shared steps */

/* Level t of the search tree: the rows fed to step t. */
static int *level(int *a, const BeamSearch *bs, int t) { return a + (size_t)t * bs->B * bs->K; }

static void check_call(const BeamSearch *bs, int n, int bos, int eos, float alpha) {
    if (n < 0 || n > bs->B) die("beam search of %d sentences, but it was created for %d", n, bs->B);
    if (bos < 0 || bos >= bs->V) die("BOS id %d is outside the vocabulary [0, %d)", bos, bs->V);
    if (eos < 0 || eos >= bs->V) die("EOS id %d is outside the vocabulary [0, %d)", eos, bs->V);
    if (!(alpha >= 0.0f)) usage_error("--alpha %g must be >= 0 (0: no length normalisation)", alpha);
}

/* Level 0: one row per sentence, its last token BOS, no parent. */
static int start(BeamSearch *bs, int n, int bos) {
    int *tok = level(bs->tok, bs, 0), *par = level(bs->par, bs, 0), *src = level(bs->src, bs, 0);
    for (int b = 0; b < n; b++) {
        tok[b] = bos; par[b] = -1; src[b] = b;
        bs->lp_cur[b] = 0.0;
        bs->nfin[b] = 0;
    }
    bs->n = n;
    return n;
}

/* Call the model on the n rows of level t; bs->logp (n,V) gets the log-softmax.
 * A logit of -inf is a token the model forbids; NaN, +inf or a row without a
 * finite logit would make the log-softmax NaN and every comparison false, so
 * the search would be silently wrong: they die instead. */
static void run_step(BeamSearch *bs, BeamStepFn step, void *model, int n, int t) {
    step(model, bs->logits, level(bs->tok, bs, t), level(bs->par, bs, t), level(bs->src, bs, t), n, t);
    for (int i = 0; i < n; i++) {
        const float *z = bs->logits + (size_t)i * bs->V;
        int finite = 0;
        for (int v = 0; v < bs->V; v++) {
            if (isnan(z[v]) || z[v] == INFINITY)
                die("decoding step %d: row %d has logit %g for token %d", t, i, z[v], v);
            finite |= z[v] != -INFINITY;
        }
        if (!finite) die("decoding step %d: row %d forbids every token (all logits -inf)", t, i);
    }
    log_softmax_forward(bs->logp, bs->logits, n, bs->V);
}

/* Set aside row i of level t (its t tokens, then EOS if ended) as a finished
 * hypothesis of its sentence: walk the parents back to level 1 for its tokens. */
static void finish(BeamSearch *bs, int t, int i, int ended, double logprob, float alpha) {
    int b = level(bs->src, bs, t)[i];
    size_t slot = (size_t)b * bs->K + bs->nfin[b]++;
    int *out = bs->out_tok + slot * bs->max_len;
    for (int u = t, j = i; u >= 1; u--) {
        out[u - 1] = level(bs->tok, bs, u)[j];
        j = level(bs->par, bs, u)[j];
    }
    BeamHyp *h = &bs->hyp[slot];
    h->tokens = out;
    h->len = t;
    h->ended = ended;
    h->logprob = logprob;
    h->score = logprob / beam_length_penalty(t + ended, alpha);
}

/* At max_len: the rows still live at level t are finished as cut, while their
 * sentence has room. */
static void finish_cut(BeamSearch *bs, int n, int t, float alpha) {
    const int *src = level(bs->src, bs, t);
    for (int i = 0; i < n; i++)
        if (bs->nfin[src[i]] < bs->K) finish(bs, t, i, 0, bs->lp_cur[i], alpha);
}

/* A new row of level t+1: token v continuing row i of level t. */
static void push(BeamSearch *bs, int t, int next, int i, int v, double logprob) {
    level(bs->tok, bs, t + 1)[next] = v;
    level(bs->par, bs, t + 1)[next] = i;
    level(bs->src, bs, t + 1)[next] = level(bs->src, bs, t)[i];
    bs->lp_next[next] = logprob;
}

static void swap_lp(BeamSearch *bs) {
    double *tmp = bs->lp_cur; bs->lp_cur = bs->lp_next; bs->lp_next = tmp;
}

/* ---------------------------------------------------------------- greedy */

void beam_greedy(BeamSearch *bs, int n, BeamStepFn step, void *model, int bos, int eos, float alpha) {
    check_call(bs, n, bos, eos, alpha);
    int rows = start(bs, n, bos), V = bs->V, t = 0;
    for (; t < bs->max_len && rows > 0; t++) {
        run_step(bs, step, model, rows, t);
        int next = 0;
        for (int i = 0; i < rows; i++) {
            const float *lp = bs->logp + (size_t)i * V;
            int best = 0;   /* strict >: ties go to the lower id */
            for (int v = 1; v < V; v++)
                if (lp[v] > lp[best]) best = v;
            double logprob = bs->lp_cur[i] + lp[best];
            if (best == eos) finish(bs, t, i, 1, logprob, alpha);
            else push(bs, t, next++, i, best, logprob);
        }
        swap_lp(bs);
        rows = next;
    }
    finish_cut(bs, rows, t, alpha);
}

/* ---------------------------------------------------------------- beam search */

/* Keep the M best candidates (row, token, log-probability), best first, in
 * bs->cand_*: insertion into a sorted list of M, where a candidate that does
 * not beat the last is rejected at once (the common case, V >> M). Candidates
 * come in (row, token) order and only a strictly better one moves ahead, so
 * ties stay in that order. Returns how many were kept. */
static int top_candidates(BeamSearch *bs, int i0, int i1, int M) {
    int count = 0, V = bs->V;
    for (int i = i0; i < i1; i++) {
        const float *lp = bs->logp + (size_t)i * V;
        for (int v = 0; v < V; v++) {
            double logprob = bs->lp_cur[i] + lp[v];
            if (count == M && !(logprob > bs->cand_lp[M - 1])) continue;
            int p = count < M ? count++ : M - 1;
            for (; p > 0 && bs->cand_lp[p - 1] < logprob; p--) {
                bs->cand_lp[p] = bs->cand_lp[p - 1];
                bs->cand_row[p] = bs->cand_row[p - 1];
                bs->cand_tok[p] = bs->cand_tok[p - 1];
            }
            bs->cand_lp[p] = logprob; bs->cand_row[p] = i; bs->cand_tok[p] = v;
        }
    }
    return count;
}

/* Finished hypotheses of sentence b, best score first; insertion sort is
 * stable, so equal scores keep the order they finished in. */
static void sort_finished(BeamSearch *bs, int b) {
    BeamHyp *h = bs->hyp + (size_t)b * bs->K;
    for (int j = 1; j < bs->nfin[b]; j++) {
        BeamHyp x = h[j];
        int p = j;
        for (; p > 0 && h[p - 1].score < x.score; p--) h[p] = h[p - 1];
        h[p] = x;
    }
}

void beam_search(BeamSearch *bs, int n, BeamStepFn step, void *model, int bos, int eos, float alpha) {
    check_call(bs, n, bos, eos, alpha);
    int rows = start(bs, n, bos), K = bs->K, t = 0;
    for (; t < bs->max_len && rows > 0; t++) {
        run_step(bs, step, model, rows, t);
        const int *src = level(bs->src, bs, t);
        int next = 0;
        /* each sentence's rows are contiguous: [i0, i1) */
        for (int i0 = 0, i1; i0 < rows; i0 = i1) {
            int b = src[i0];
            for (i1 = i0; i1 < rows && src[i1] == b; i1++) {}
            /* Each row has at most one EOS candidate and a sentence at most K
             * rows, so the best 2K candidates hold K that are not EOS. */
            int M = (i1 - i0) * bs->V < 2 * K ? (i1 - i0) * bs->V : 2 * K;
            M = top_candidates(bs, i0, i1, M);
            int live = 0;
            for (int r = 0; r < M && live < K; r++) {
                int i = bs->cand_row[r], v = bs->cand_tok[r];
                if (v == eos) {
                    if (r < K && bs->nfin[b] < K) finish(bs, t, i, 1, bs->cand_lp[r], alpha);
                } else {
                    push(bs, t, next++, i, v, bs->cand_lp[r]);
                    live++;
                }
            }
            if (bs->nfin[b] >= K) next -= live;   /* done: its live rows are dropped */
        }
        swap_lp(bs);
        rows = next;
    }
    finish_cut(bs, rows, t, alpha);
    for (int b = 0; b < n; b++) sort_finished(bs, b);
}

/* ---------------------------------------------------------------- results */

static void check_sentence(const BeamSearch *bs, int b) {
    if (b < 0 || b >= bs->n) die("no decoded hypothesis for sentence %d (the last call decoded %d)", b, bs->n);
}

const BeamHyp *beam_best(const BeamSearch *bs, int b) {
    check_sentence(bs, b);
    return &bs->hyp[(size_t)b * bs->K];
}

const BeamHyp *beam_nbest(const BeamSearch *bs, int b) { return beam_best(bs, b); }

int beam_count(const BeamSearch *bs, int b) {
    check_sentence(bs, b);
    return bs->nfin[b];
}

int beam_cut_count(const BeamSearch *bs) {
    int count = 0;
    for (int b = 0; b < bs->n; b++) {
        const BeamHyp *h = beam_nbest(bs, b);
        int cut = 0;
        for (int j = 0; j < bs->nfin[b]; j++) cut |= !h[j].ended;
        count += cut;
    }
    return count;
}
