/*
 * rome.h -- locating and editing a fact in a GPT: causal tracing and the
 * rank-one model edit of ROME (Meng, Bau, Andonian and Belinkov 2022,
 * "Locating and Editing Factual Associations in GPT"), on a model trained on
 * the synthetic fact world of gpt/facts.h.
 *
 * Prompts. A prompt is a template with the subject filled in, read by the
 * fact model's word tokenizer after an end of sentence, as the training
 * stream has it: "</s> Zorvan Telik lives in" -> predict "Oslo". RomePrompt
 * keeps the subject's span, since tracing corrupts it and editing reads its
 * last token.
 *
 * Causal tracing (ROME section 2.1, Figure 1). Three runs of one prompt:
 *   clean      the prompt as it is; every hidden state is recorded;
 *   corrupted  Gaussian noise of standard deviation nu = 3 x the standard
 *              deviation of the subjects' token embeddings is added to the
 *              embeddings of the subject's tokens (10 noise samples, a
 *              batch of 10);
 *   restored   the corrupted run, with ONE state put back to its clean value:
 *              the block output at (position t, layer l), or the MLP or the
 *              attention output at t for a window of layers around l.
 * The indirect effect of a state is P_restored(o) - P_corrupted(o), o the
 * true object, averaged over the noise samples. States that carry the fact
 * bring the probability back; ROME found two sites: the MLPs of middle
 * layers at the subject's LAST token, and attention at the last token of the
 * prompt in late layers. The window of layers (ROME: 10 of GPT-2 XL's 48) is
 * a choice of rome_trace's caller, scaled to the model's depth.
 *
 * The rank-one edit (ROME section 3). Read the MLP of layer l as a key-value
 * memory: its output projection W = fcprojw[l] (C,4C) maps a key k (4C, the
 * GELU output at the subject's last token) to a value v = W k (C) that
 * writes the fact into the stream. To make the subject's fact say o*:
 *   k*  the key at the subject's last token, averaged over prompts with
 *       different prefixes (rome_key), so it is the subject's, not one
 *       sentence's;
 *   C   the second moment E[k k^T] of keys over many positions of the
 *       training text (rome_second_moment): the directions keys usually take;
 *   v*  the value that makes the model say o*: a delta added to the MLP's
 *       output at the subject's last token, optimised by Adam (rome_value)
 *       on  -log P(o* | prefix + prompt), averaged over the prefixes,
 *         + kl_weight x KL(P_edited || P_original) on prompts of the
 *           subject's OTHER relations (their next-token distributions),
 *         + weight_decay x |delta| / |v|^2,
 *       with |delta| clamped to clamp x |v|; v* = v + delta;
 *   W'  = W + Lambda (C^-1 k*)^T,  Lambda = (v* - W k*) / ((C^-1 k*)^T k*)
 *       (rome_rank_one_update): the smallest change of W, measured by C, with
 *       W' k* = v*. A key orthogonal to C^-1 k* (u^T k = 0) maps as before.
 * Our KL prompts differ from ROME's "{subject} is a" (read at the subject's
 * last token): in this world the word after a name says nothing about the
 * subject, while the subject's other facts are exactly what the term is
 * meant to keep.
 *
 * Metrics (ROME section 3.1, CounterFact), per edit and averaged:
 *   efficacy       P(o*) > P(o) on the edit's own prompt (template 0);
 *   paraphrase     the same on the relation's three other templates;
 *   specificity    (neighbourhood) other subjects whose fact of the same
 *                  relation is the same old o keep P(o) > P(o*) (up to 10
 *                  of them, each through one template, in turn);
 *   score          the harmonic mean of the three;
 *   other_facts    the edited subject's other four facts still answered
 *                  (argmax over the vocabulary), through every template: not
 *                  a ROME metric, what the KL term protects.
 * Paraphrases are templates the model was trained on for OTHER facts, not
 * unseen ones: a model this small learns a template only from seeing it.
 *
 * The baseline (ROME's FT): fine-tune the same matrix fcprojw[l] with Adam on
 * -log P(o* | prefix + prompt) over the same prompts, no constraint.
 */
#ifndef NLP_GPT_ROME_H
#define NLP_GPT_ROME_H

#include <stddef.h>

#include "gpt/facts.h"
#include "gpt/gpt.h"
#include "tokenizer.h"

#define ROME_MAX_PROMPT 64   /* tokens of a prompt, prefix included */

typedef struct {
    int ids[ROME_MAX_PROMPT];
    int n;                    /* tokens: ids[0] is </s> */
    int subj_first, subj_last;/* the subject's first and last positions */
} RomePrompt;

/* "</s> " + the template filled with subject, as ids of tk's words; 0, or -1
 * with the unknown word in err. */
int rome_prompt(RomePrompt *p, const Tok *tk, const char *tmpl, const char *subject, char *err, size_t errlen);
/* p preceded by prefix (a whole sentence's ids, its own </s> at the end);
 * dies if it does not fit. */
void rome_prefixed(RomePrompt *out, const RomePrompt *p, const int *prefix, int n_prefix);
/* A word's id, or -1 when tk does not know it. */
int rome_word_id(const Tok *tk, const char *word);

/* P(object | prompt) at the prompt's last position, one sequence. */
float rome_prob(Gpt *m, const RomePrompt *p, int object);
/* The fraction of (fact, template) prompts whose argmax over the vocabulary
 * is the fact's object; template -1: every template. */
double rome_recall(Gpt *m, const Tok *tk, const FactWorld *w, int tmpl);

/* ------------------------------------------------------------ causal tracing */

typedef struct {
    int samples;          /* noise samples (ROME: 10) */
    float noise;          /* nu, the noise's standard deviation */
    int window;           /* layers restored together for the MLP and attention maps */
    unsigned long long seed;
} RomeTraceConfig;

typedef struct {
    int T, L;
    float p_clean, p_corrupt;        /* P(o) clean, and corrupted (mean over samples) */
    float *effect[GPT_SITES];        /* (T,L): mean P_restored(o) - p_corrupt */
} RomeTrace;

/* 3 x the standard deviation of the entries of wte's rows of tokens[0..n)
 * (ROME: the subjects' tokens). */
float rome_noise_level(const Gpt *m, const int *tokens, int n);
/* The three maps of one prompt (out's maps are allocated; rome_trace_free). */
void rome_trace(Gpt *m, const RomePrompt *p, int object, const RomeTraceConfig *tc, RomeTrace *out);
void rome_trace_free(RomeTrace *t);

/* ------------------------------------------------------------ the edit */

typedef struct {
    int layer;            /* l: the MLP edited */
    int steps;            /* Adam steps on delta (ROME: 20) */
    float lr;             /* (ROME: 0.5) */
    float kl_weight;      /* (ROME: 0.0625) */
    float weight_decay;   /* (ROME: 0.5) */
    float clamp;          /* |delta| <= clamp |v| (ROME: 4) */
    float ridge;          /* C + ridge * mean(diag C) * I before solving */
} RomeEditConfig;

/* What v*'s loss reads: the rewriting prompts (prefixes + the edit's prompt,
 * target o*) and the KL prompts (the subject's other relations), padded into
 * one batch; the delta sits at each prompt's subject_last. */
typedef struct {
    int B, T, n_rewrite;      /* rows 0..n_rewrite-1 rewrite, the rest KL */
    int *ids;                 /* (B,T) padded */
    int *last;                /* (B) the position read: the prompt's last */
    int *subj_last;           /* (B) where the delta is added */
    int target;               /* o* */
    int layer;                /* the MLP whose output gets the delta */
    float *kl_init;           /* (B - n_rewrite, V) log P of the unedited model */
    float *dlogits;           /* (B,T,V) scratch: the loss's gradient */
} RomeValueBatch;

void rome_value_batch(RomeValueBatch *vb, Gpt *m, const RomePrompt *rewrite, int n_rewrite,
                      const RomePrompt *kl, int n_kl, int target, int layer);
void rome_value_batch_free(RomeValueBatch *vb);
/* v*'s loss at delta (C), given v0 = the unedited MLP output (its norm
 * scales the decay); grad (C), when not NULL, receives dLoss/d(delta).
 * *nll, when not NULL, gets the NLL part alone. */
double rome_value_loss(Gpt *m, const RomeValueBatch *vb, const RomeEditConfig *ec, const float *delta,
                       float v0_norm, float *grad, double *nll);
/* v* = v0 + delta after ec->steps Adam steps (ROME's compute_v); v0 (C)
 * receives the unedited output at the first rewriting prompt's subject. */
void rome_value(Gpt *m, const RomeValueBatch *vb, const RomeEditConfig *ec, float *v0, float *vstar);

/* k* (4C): the key at each prompt's subject_last, averaged. */
void rome_key(Gpt *m, const RomePrompt *p, int n, int layer, float *kstar);
/* The second moment (4C,4C) of layer's keys over consecutive windows of T
 * tokens of the stream, n_tokens positions in all. */
void rome_second_moment(Gpt *m, const int *tokens, size_t n, int T, size_t n_tokens, int layer, float *mom);
/* u = (C + ridge mean(diag C) I)^-1 k, by Cholesky in double. D = 4C. */
void rome_solve(const float *mom, int D, float ridge, const float *k, float *u);
/* W (rows, D) += Lambda u^T with Lambda = (vstar - W k) / (u^T k). */
void rome_rank_one_update(float *W, int rows, int D, const float *k, const float *u, const float *vstar);

/* The whole edit: k* over the rewriting prompts, v* (their target, the KL
 * prompts), then the rank-one update of fcprojw[ec->layer] with the keys'
 * second moment mom (4C,4C). */
void rome_apply(Gpt *m, const RomePrompt *rewrite, int n_rewrite, const RomePrompt *kl, int n_kl, int target,
                const RomeEditConfig *ec, const float *mom);

/* ------------------------------------------------------------ the baseline */

/* ROME's FT: Adam on fcprojw[layer] alone, -log P(target) at each prompt's
 * last position, steps steps at lr (stops early below a loss of 0.05). */
void rome_finetune(Gpt *m, const RomePrompt *p, int n, int target, int layer, int steps, float lr);

/* ------------------------------------------------------------ evaluation */

typedef struct {
    double efficacy, paraphrase, specificity, other_facts;
} RomeScores;

/* The metrics of the edit (subject's fact `fact` -> new object) in the model
 * as it is now. */
void rome_evaluate(Gpt *m, const Tok *tk, const FactWorld *w, int fact, int new_object, RomeScores *s);
/* Harmonic mean of efficacy, paraphrase and specificity (0 if any is 0). */
double rome_score(const RomeScores *s);

#endif
