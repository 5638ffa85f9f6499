/*
 * rome.c -- causal tracing and the rank-one edit of ROME, with the
 * fine-tuning baseline and the metrics. See rome.h.
 */
#include "gpt/rome.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "matmul.h"
#include "optim.h"
#include "util.h"

/* ------------------------------------------------------------ prompts */

int rome_word_id(const Tok *tk, const char *word) {
    if (tk->kind != TOK_WORD) die("the fact model must read words (a word tokenizer)");
    return vocab_find(tk->words, word, strlen(word));
}

/* Append the words of text to p; 0 or -1 with err. */
static int append_words(RomePrompt *p, const Tok *tk, const char *text, char *err, size_t errlen) {
    for (const char *s = text; *s;) {
        while (*s == ' ') s++;
        size_t len = strcspn(s, " ");
        if (len == 0) break;
        if (p->n >= ROME_MAX_PROMPT) return err_set(err, errlen, "the prompt '%s' is too long", text);
        int id = vocab_find(tk->words, s, len);
        if (id < 0)
            return err_set(err, errlen, "'%.*s' is not a word of the fact model's vocabulary (in '%s')", (int)len, s,
                           text);
        p->ids[p->n++] = id;
        s += len;
    }
    return 0;
}

int rome_prompt(RomePrompt *p, const Tok *tk, const char *tmpl, const char *subject, char *err, size_t errlen) {
    if (tk->kind != TOK_WORD) return err_set(err, errlen, "the fact model must read words (a word tokenizer)");
    const char *hole = strstr(tmpl, "{}");
    if (!hole) return err_set(err, errlen, "the template '%s' has no {}", tmpl);
    char before[256];
    snprintf(before, sizeof before, "%.*s", (int)(hole - tmpl), tmpl);
    p->n = 0;
    p->ids[p->n++] = VOCAB_EOS;   /* the training stream puts </s> before every sentence */
    if (append_words(p, tk, before, err, errlen) != 0) return -1;
    p->subj_first = p->n;
    if (append_words(p, tk, subject, err, errlen) != 0) return -1;
    p->subj_last = p->n - 1;
    return append_words(p, tk, hole + 2, err, errlen);
}

void rome_prefixed(RomePrompt *out, const RomePrompt *p, const int *prefix, int n_prefix) {
    if (n_prefix + p->n > ROME_MAX_PROMPT) die("a prefix of %d tokens does not fit before the prompt", n_prefix);
    RomePrompt q;
    memcpy(q.ids, prefix, (size_t)n_prefix * sizeof(int));
    memcpy(q.ids + n_prefix, p->ids, (size_t)p->n * sizeof(int));
    q.n = n_prefix + p->n;
    q.subj_first = p->subj_first + n_prefix;
    q.subj_last = p->subj_last + n_prefix;
    *out = q;
}

/* Activations for batches up to (B,T), keeping what is already bigger. */
static void ensure_acts(Gpt *m, int B, int T) {
    if (T > m->cfg.max_seq_len) die("a prompt of %d tokens is longer than the model's context (%d)", T, m->cfg.max_seq_len);
    if (!m->act_memory || B > m->B || T > m->T) gpt_alloc_acts(m, B > m->B ? B : m->B, T > m->T ? T : m->T);
}

/* The logits (V) at position t of sequence b of the last forward pass. */
static const float *logits_at(const Gpt *m, int b, int t) {
    return m->a.logits + ((size_t)b * m->cur_T + t) * m->cfg.vocab_size;
}

/* Softmax probability of y in row z (V), in double. */
static double prob_of(const float *z, int V, int y) {
    float mx = z[0];
    for (int j = 1; j < V; j++) mx = z[j] > mx ? z[j] : mx;
    double sum = 0.0;
    for (int j = 0; j < V; j++) sum += exp((double)z[j] - mx);
    return exp((double)z[y] - mx) / sum;
}

static int argmax(const float *z, int n) {
    int best = 0;
    for (int j = 1; j < n; j++)
        if (z[j] > z[best]) best = j;
    return best;
}

/* One prompt through the model; its last position's logits. */
static const float *prompt_logits(Gpt *m, const RomePrompt *p) {
    ensure_acts(m, 1, p->n);
    gpt_forward(m, p->ids, NULL, 1, p->n);
    return logits_at(m, 0, p->n - 1);
}

float rome_prob(Gpt *m, const RomePrompt *p, int object) {
    return (float)prob_of(prompt_logits(m, p), m->cfg.vocab_size, object);
}

double rome_recall(Gpt *m, const Tok *tk, const FactWorld *w, int tmpl) {
    char err[512];
    long right = 0, total = 0;
    for (int i = 0; i < w->n; i++) {
        const Fact *f = &w->f[i];
        int object = rome_word_id(tk, f->object);
        for (int t = 0; t < FACT_TEMPLATES; t++) {
            if (tmpl >= 0 && t != tmpl) continue;
            RomePrompt p;
            if (rome_prompt(&p, tk, fact_relations[f->relation].templates[t], f->subject, err, sizeof err) != 0)
                die("%s", err);
            right += argmax(prompt_logits(m, &p), m->cfg.vocab_size) == object;
            total++;
        }
    }
    return total ? (double)right / total : 0.0;
}

/* ------------------------------------------------------------ causal tracing */

float rome_noise_level(const Gpt *m, const int *tokens, int n) {
    int C = m->cfg.channels;
    double sum = 0.0, sq = 0.0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < C; j++) {
            double x = m->w.wte[(size_t)tokens[i] * C + j];
            sum += x, sq += x * x;
        }
    double count = (double)n * C, mean = sum / count;
    return (float)(3.0 * sqrt(fmax(sq / count - mean * mean, 0.0)));
}

/* Mean P(object) at the last position over the B sequences of the last pass. */
static float mean_prob(const Gpt *m, int object) {
    double s = 0.0;
    for (int b = 0; b < m->cur_B; b++) s += prob_of(logits_at(m, b, m->cur_T - 1), m->cfg.vocab_size, object);
    return (float)(s / m->cur_B);
}

void rome_trace(Gpt *m, const RomePrompt *p, int object, const RomeTraceConfig *tc, RomeTrace *out) {
    int L = m->cfg.n_layer, C = m->cfg.channels, T = p->n, S = tc->samples;
    size_t ltc = (size_t)L * T * C;
    ensure_acts(m, S, T);
    out->T = T, out->L = L;
    /* the clean run, every site recorded */
    float *clean = xmalloc(3 * ltc * sizeof(float));
    GptPatch rec = {0};
    for (int s = 0; s < GPT_SITES; s++) rec.record[s] = clean + s * ltc;
    m->patch = &rec;
    gpt_forward(m, p->ids, NULL, 1, T);
    out->p_clean = mean_prob(m, object);
    /* the corrupted runs: S copies, noise on the subject's embeddings */
    int *ids = xmalloc((size_t)S * T * sizeof(int));
    float *noise = xcalloc((size_t)S * T * C, sizeof(float));
    Rng r;
    rng_seed(&r, tc->seed, 0);
    for (int b = 0; b < S; b++) {
        memcpy(ids + (size_t)b * T, p->ids, (size_t)T * sizeof(int));
        for (int t = p->subj_first; t <= p->subj_last; t++)
            rng_fill_normal(&r, noise + ((size_t)b * T + t) * C, (size_t)C, 0.0f, tc->noise);
    }
    GptPatch cor = {.embed_add = noise};
    m->patch = &cor;
    gpt_forward(m, ids, NULL, S, T);
    out->p_corrupt = mean_prob(m, object);
    /* one restoration per (site, position, layer) */
    unsigned char *flags = xmalloc((size_t)L * T);
    for (int s = 0; s < GPT_SITES; s++) {
        out->effect[s] = xmalloc((size_t)T * L * sizeof(float));
        int w = s == GPT_SITE_BLOCK ? 1 : tc->window;
        for (int t = 0; t < T; t++)
            for (int l = 0; l < L; l++) {
                memset(flags, 0, (size_t)L * T);
                /* ROME's window: layers [l - floor(w/2), l + ceil(w/2)) */
                for (int j = l - w / 2; j < l + (w + 1) / 2; j++)
                    if (j >= 0 && j < L) flags[(size_t)j * T + t] = 1;
                GptPatch res = {.embed_add = noise};
                res.restore[s] = flags;
                res.clean[s] = clean + s * ltc;
                m->patch = &res;
                gpt_forward(m, ids, NULL, S, T);
                out->effect[s][(size_t)t * L + l] = mean_prob(m, object) - out->p_corrupt;
            }
    }
    m->patch = NULL;
    free(flags);
    free(noise);
    free(ids);
    free(clean);
}

void rome_trace_free(RomeTrace *t) {
    for (int s = 0; s < GPT_SITES; s++) free(t->effect[s]);
    memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------------ v*: the value */

void rome_value_batch(RomeValueBatch *vb, Gpt *m, const RomePrompt *rewrite, int n_rewrite,
                      const RomePrompt *kl, int n_kl, int target, int layer) {
    int B = n_rewrite + n_kl, T = 1, V = m->cfg.vocab_size;
    for (int b = 0; b < B; b++) {
        const RomePrompt *p = b < n_rewrite ? &rewrite[b] : &kl[b - n_rewrite];
        T = p->n > T ? p->n : T;
    }
    vb->B = B, vb->T = T, vb->n_rewrite = n_rewrite, vb->target = target, vb->layer = layer;
    vb->ids = xmalloc((size_t)B * T * sizeof(int));
    vb->last = xmalloc((size_t)B * sizeof(int));
    vb->subj_last = xmalloc((size_t)B * sizeof(int));
    vb->dlogits = xmalloc((size_t)B * T * V * sizeof(float));
    for (int b = 0; b < B; b++) {   /* right-padded: a causal model's real positions never see the pad */
        const RomePrompt *p = b < n_rewrite ? &rewrite[b] : &kl[b - n_rewrite];
        for (int t = 0; t < T; t++) vb->ids[(size_t)b * T + t] = t < p->n ? p->ids[t] : VOCAB_EOS;
        vb->last[b] = p->n - 1;
        vb->subj_last[b] = p->subj_last;
    }
    /* the unedited model's distributions on the KL prompts */
    vb->kl_init = xmalloc((size_t)(n_kl ? n_kl : 1) * V * sizeof(float));
    ensure_acts(m, B, T);
    gpt_forward(m, vb->ids, NULL, B, T);
    for (int k = 0; k < n_kl; k++) {
        const float *z = logits_at(m, n_rewrite + k, vb->last[n_rewrite + k]);
        float mx = z[argmax(z, V)];
        double sum = 0.0;
        for (int j = 0; j < V; j++) sum += exp((double)z[j] - mx);
        for (int j = 0; j < V; j++) vb->kl_init[(size_t)k * V + j] = (float)(z[j] - mx - log(sum));
    }
}

void rome_value_batch_free(RomeValueBatch *vb) {
    free(vb->ids);
    free(vb->last);
    free(vb->subj_last);
    free(vb->dlogits);
    free(vb->kl_init);
    memset(vb, 0, sizeof *vb);
}

/* The rewrite rows' NLL and the KL rows' divergence at delta, their
 * dLoss/dlogits in vb->dlogits; returns nll + kl_weight * KL. */
static double value_objective(Gpt *m, RomeValueBatch *vb, const RomeEditConfig *ec, double *nll_out) {
    int V = m->cfg.vocab_size, n_kl = vb->B - vb->n_rewrite;
    double nll = 0.0, kl = 0.0;
    memset(vb->dlogits, 0, (size_t)vb->B * vb->T * V * sizeof(float));
    double *q = xmalloc((size_t)V * sizeof(double));
    for (int b = 0; b < vb->B; b++) {
        const float *z = logits_at(m, b, vb->last[b]);
        float *dz = vb->dlogits + ((size_t)b * vb->T + vb->last[b]) * V;
        float mx = z[argmax(z, V)];
        double sum = 0.0;
        for (int j = 0; j < V; j++) sum += (q[j] = exp((double)z[j] - mx));
        for (int j = 0; j < V; j++) q[j] /= sum;
        if (b < vb->n_rewrite) {   /* -log q[target], averaged over the rewriting prompts */
            nll -= log(q[vb->target]) / vb->n_rewrite;
            for (int j = 0; j < V; j++) dz[j] = (float)((q[j] - (j == vb->target)) / vb->n_rewrite);
            continue;
        }
        /* KL(q || p0) = sum q (log q - log p0); d/dz_j = q_j (log q_j - log p0_j - KL) */
        const float *lp0 = vb->kl_init + (size_t)(b - vb->n_rewrite) * V;
        double d = 0.0;
        for (int j = 0; j < V; j++) d += q[j] * (log(q[j] + 1e-30) - lp0[j]);
        kl += d / n_kl;
        for (int j = 0; j < V; j++)
            dz[j] = (float)(ec->kl_weight * q[j] * (log(q[j] + 1e-30) - lp0[j] - d) / n_kl);
    }
    free(q);
    if (nll_out) *nll_out = nll;
    return nll + ec->kl_weight * kl;
}

double rome_value_loss(Gpt *m, const RomeValueBatch *vb, const RomeEditConfig *ec, const float *delta,
                       float v0_norm, float *grad, double *nll) {
    int C = m->cfg.channels;
    GptPatch p = {.delta = delta, .delta_layer = vb->layer, .delta_pos = vb->subj_last, .ddelta = grad};
    m->patch = &p;
    ensure_acts(m, vb->B, vb->T);
    gpt_forward(m, vb->ids, NULL, vb->B, vb->T);
    double loss = value_objective(m, (RomeValueBatch *)vb, ec, nll);
    double norm = 0.0;
    for (int i = 0; i < C; i++) norm += (double)delta[i] * delta[i];
    norm = sqrt(norm);
    double scale = ec->weight_decay / ((double)v0_norm * v0_norm);
    loss += scale * norm;   /* ROME's decay: |delta| / |v|^2 */
    if (grad) {
        memset(grad, 0, (size_t)C * sizeof(float));
        params_zero_grad(&m->pt);
        gpt_backward_from_logits(m, vb->dlogits);
        for (int i = 0; i < C && norm > 0; i++) grad[i] += (float)(scale * delta[i] / norm);
    }
    m->patch = NULL;
    return loss;
}

void rome_value(Gpt *m, const RomeValueBatch *vb, const RomeEditConfig *ec, float *v0, float *vstar) {
    int C = m->cfg.channels, L = m->cfg.n_layer;
    /* v0: the unedited MLP output at the first rewriting prompt's subject */
    float *rec = xmalloc((size_t)L * vb->T * C * sizeof(float));
    GptPatch p = {0};
    p.record[GPT_SITE_MLP] = rec;
    m->patch = &p;
    gpt_forward(m, vb->ids, NULL, vb->B, vb->T);
    m->patch = NULL;
    memcpy(v0, rec + ((size_t)vb->layer * vb->T + vb->subj_last[0]) * C, (size_t)C * sizeof(float));
    free(rec);
    double v0_norm = 0.0;
    for (int i = 0; i < C; i++) v0_norm += (double)v0[i] * v0[i];
    v0_norm = sqrt(v0_norm);
    /* delta as a one-tensor table, so common/optim.h's Adam steps it */
    ParamTable pt;
    params_init(&pt);
    params_add(&pt, "delta", 1, C);
    params_alloc(&pt);
    AdamConfig ac = {.beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = 0.0f, .decoupled = 0};
    for (int step = 0; step < ec->steps; step++) {
        double loss = rome_value_loss(m, vb, ec, pt.values, (float)v0_norm, pt.grads, NULL);
        if (loss < 5e-2) break;   /* ROME stops once the new fact is learnt */
        adam_step(&pt, &ac, ec->lr, step + 1);
        double norm = 0.0, max_norm = ec->clamp * v0_norm;
        for (int i = 0; i < C; i++) norm += (double)pt.values[i] * pt.values[i];
        norm = sqrt(norm);
        if (norm > max_norm)
            for (int i = 0; i < C; i++) pt.values[i] = (float)(pt.values[i] * max_norm / norm);
    }
    for (int i = 0; i < C; i++) vstar[i] = v0[i] + pt.values[i];
    params_free(&pt);
}

/* ------------------------------------------------------------ k*, C, the update */

void rome_key(Gpt *m, const RomePrompt *p, int n, int layer, float *kstar) {
    int D = 4 * m->cfg.channels;
    memset(kstar, 0, (size_t)D * sizeof(float));
    for (int i = 0; i < n; i++) {
        ensure_acts(m, 1, p[i].n);
        gpt_forward(m, p[i].ids, NULL, 1, p[i].n);
        const float *k = m->a.fch_gelu + ((size_t)layer * p[i].n + p[i].subj_last) * D;
        for (int j = 0; j < D; j++) kstar[j] += k[j] / n;
    }
}

void rome_second_moment(Gpt *m, const int *tokens, size_t n, int T, size_t n_tokens, int layer, float *mom) {
    int D = 4 * m->cfg.channels, B = 16;
    size_t windows = n / (size_t)T, want = (n_tokens + T - 1) / T;
    if (windows == 0) die("the text (%zu tokens) is shorter than one window of %d", n, T);
    if (want > windows) want = windows;
    memset(mom, 0, (size_t)D * D * sizeof(float));
    ensure_acts(m, B, T);
    size_t rows = 0;
    for (size_t w = 0; w < want; w += B) {
        int b = (int)(want - w < (size_t)B ? want - w : (size_t)B);
        gpt_forward(m, tokens + w * T, NULL, b, T);
        const float *keys = m->a.fch_gelu + (size_t)layer * b * T * D;   /* (b*T, D) */
        matmul(1, 0, D, D, b * T, 1.0f, keys, keys, 1.0f, mom);          /* mom += keys^T keys */
        rows += (size_t)b * T;
    }
    for (size_t i = 0; i < (size_t)D * D; i++) mom[i] /= (float)rows;
}

void rome_solve(const float *mom, int D, float ridge, const float *k, float *u) {
    double *A = xmalloc((size_t)D * D * sizeof(double)), *y = xmalloc((size_t)D * sizeof(double));
    double tr = 0.0;
    for (int i = 0; i < D; i++) tr += mom[(size_t)i * D + i];
    for (size_t i = 0; i < (size_t)D * D; i++) A[i] = mom[i];
    for (int i = 0; i < D; i++) A[(size_t)i * D + i] += ridge * tr / D;
    /* Cholesky A = L L^T, L in the lower triangle */
    for (int j = 0; j < D; j++) {
        double s = A[(size_t)j * D + j];
        for (int p = 0; p < j; p++) s -= A[(size_t)j * D + p] * A[(size_t)j * D + p];
        if (s <= 0.0) die("the keys' second moment is not positive definite (raise the ridge)");
        double d = sqrt(s);
        A[(size_t)j * D + j] = d;
        for (int i = j + 1; i < D; i++) {
            double t = A[(size_t)i * D + j];
            for (int p = 0; p < j; p++) t -= A[(size_t)i * D + p] * A[(size_t)j * D + p];
            A[(size_t)i * D + j] = t / d;
        }
    }
    for (int i = 0; i < D; i++) {   /* L y = k */
        double s = k[i];
        for (int p = 0; p < i; p++) s -= A[(size_t)i * D + p] * y[p];
        y[i] = s / A[(size_t)i * D + i];
    }
    for (int i = D - 1; i >= 0; i--) {   /* L^T u = y */
        double s = y[i];
        for (int p = i + 1; p < D; p++) s -= A[(size_t)p * D + i] * y[p];
        y[i] = s / A[(size_t)i * D + i];
    }
    for (int i = 0; i < D; i++) u[i] = (float)y[i];
    free(A);
    free(y);
}

void rome_rank_one_update(float *W, int rows, int D, const float *k, const float *u, const float *vstar) {
    double uk = 0.0;
    for (int j = 0; j < D; j++) uk += (double)u[j] * k[j];
    if (fabs(uk) < 1e-30) die("the edit's key is orthogonal to C^-1 k*: no rank-one update reaches it");
    for (int i = 0; i < rows; i++) {
        float *w = W + (size_t)i * D;
        double wk = 0.0;
        for (int j = 0; j < D; j++) wk += (double)w[j] * k[j];
        double lambda = (vstar[i] - wk) / uk;
        for (int j = 0; j < D; j++) w[j] += (float)(lambda * u[j]);
    }
}

void rome_apply(Gpt *m, const RomePrompt *rewrite, int n_rewrite, const RomePrompt *kl, int n_kl, int target,
                const RomeEditConfig *ec, const float *mom) {
    int C = m->cfg.channels, D = 4 * C, l = ec->layer;
    float *kstar = xmalloc((size_t)D * sizeof(float)), *u = xmalloc((size_t)D * sizeof(float));
    float *v0 = xmalloc((size_t)C * sizeof(float)), *vstar = xmalloc((size_t)C * sizeof(float));
    rome_key(m, rewrite, n_rewrite, l, kstar);
    RomeValueBatch vb;
    rome_value_batch(&vb, m, rewrite, n_rewrite, kl, n_kl, target, l);
    rome_value(m, &vb, ec, v0, vstar);
    rome_value_batch_free(&vb);
    if (m->w.fcprojb)   /* the MLP's output is W k + b: W k* must reach v* - b */
        for (int i = 0; i < C; i++) vstar[i] -= m->w.fcprojb[(size_t)l * C + i];
    rome_solve(mom, D, ec->ridge, kstar, u);
    rome_rank_one_update(m->w.fcprojw + (size_t)l * C * D, C, D, kstar, u, vstar);
    free(kstar);
    free(u);
    free(v0);
    free(vstar);
}

/* ------------------------------------------------------------ fine-tuning */

void rome_finetune(Gpt *m, const RomePrompt *p, int n, int target, int layer, int steps, float lr) {
    int C = m->cfg.channels;
    size_t size = (size_t)C * 4 * C;
    float *W = m->w.fcprojw + (size_t)layer * size, *G = m->g.fcprojw + (size_t)layer * size;
    RomeValueBatch vb;
    rome_value_batch(&vb, m, p, n, NULL, 0, target, layer);
    RomeEditConfig ec = {.kl_weight = 0.0f, .weight_decay = 0.0f};
    float *zero = xcalloc((size_t)C, sizeof(float)), *unused = xmalloc((size_t)C * sizeof(float));
    ParamTable pt;   /* a copy of the one matrix trained, for common/optim.h's Adam */
    params_init(&pt);
    params_add(&pt, "fcprojw", 2, C, 4 * C);
    params_alloc(&pt);
    memcpy(pt.values, W, size * sizeof(float));
    AdamConfig ac = {.beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, .weight_decay = 0.0f, .decoupled = 0};
    for (int step = 0; step < steps; step++) {
        double loss = rome_value_loss(m, &vb, &ec, zero, 1.0f, unused, NULL);   /* the NLL and its gradients */
        if (loss < 5e-2) break;
        memcpy(pt.grads, G, size * sizeof(float));
        adam_step(&pt, &ac, lr, step + 1);
        memcpy(W, pt.values, size * sizeof(float));
    }
    params_free(&pt);
    free(zero);
    free(unused);
    rome_value_batch_free(&vb);
}

/* ------------------------------------------------------------ evaluation */

/* 1 when the prompt's logit of a beats that of b. */
static int beats(Gpt *m, const RomePrompt *p, int a, int b) {
    const float *z = prompt_logits(m, p);
    return z[a] > z[b];
}

static void prompt_or_die(RomePrompt *p, const Tok *tk, const char *tmpl, const char *subject) {
    char err[512];
    if (rome_prompt(p, tk, tmpl, subject, err, sizeof err) != 0) die("%s", err);
}

enum { ROME_NEIGHBOURS = 10 };

void rome_evaluate(Gpt *m, const Tok *tk, const FactWorld *w, int fact, int new_object, RomeScores *s) {
    const Fact *f = &w->f[fact];
    const FactRelation *rel = &fact_relations[f->relation];
    int old = rome_word_id(tk, f->object);
    RomePrompt p;
    prompt_or_die(&p, tk, rel->templates[0], f->subject);
    s->efficacy = beats(m, &p, new_object, old);
    s->paraphrase = 0.0;
    for (int t = 1; t < FACT_TEMPLATES; t++) {
        prompt_or_die(&p, tk, rel->templates[t], f->subject);
        s->paraphrase += beats(m, &p, new_object, old) / (double)(FACT_TEMPLATES - 1);
    }
    int kept = 0, seen = 0;
    for (int i = 0; i < w->n && seen < ROME_NEIGHBOURS; i++) {
        const Fact *g = &w->f[i];
        if (i == fact || g->relation != f->relation || strcmp(g->object, f->object) || !strcmp(g->subject, f->subject))
            continue;
        prompt_or_die(&p, tk, rel->templates[seen % FACT_TEMPLATES], g->subject);
        kept += beats(m, &p, old, new_object);
        seen++;
    }
    s->specificity = seen ? (double)kept / seen : 1.0;
    int right = 0, total = 0;
    for (int i = 0; i < w->n; i++) {
        const Fact *g = &w->f[i];
        if (i == fact || strcmp(g->subject, f->subject)) continue;
        int object = rome_word_id(tk, g->object);
        for (int t = 0; t < FACT_TEMPLATES; t++) {
            prompt_or_die(&p, tk, fact_relations[g->relation].templates[t], g->subject);
            right += argmax(prompt_logits(m, &p), m->cfg.vocab_size) == object;
            total++;
        }
    }
    s->other_facts = total ? (double)right / total : 1.0;
}

double rome_score(const RomeScores *s) {
    if (s->efficacy <= 0 || s->paraphrase <= 0 || s->specificity <= 0) return 0.0;
    return 3.0 / (1.0 / s->efficacy + 1.0 / s->paraphrase + 1.0 / s->specificity);
}
