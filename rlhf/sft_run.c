/*
 * sft_run.c -- the SFT experiment: pretrain, fine-tune, answer held-out
 * prompts greedily, score the answers with the gold reward. See sft_run.h.
 */
#include "rlhf/sft_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpt/generate.h"
#include "gpt/train.h"
#include "rlhf/gold.h"
#include "rlhf/sft_data.h"
#include "util.h"

void sft_run_defaults(SftRunConfig *c) {
    *c = (SftRunConfig){.subjects = 60, .heldout = 0.25, .seed = 1, .layers = 2, .heads = 2, .width = 64,
                        .context = 40, .repeats = 4, .pretrain_steps = 600, .pretrain_lr = 2e-3f};
    sft_defaults(&c->sft);
}

/* The pretraining stream: each line of the fact corpus, then ".", then </s>. */
static int *pretraining_tokens(const InstructSet *s, const Vocab *v, int repeats, unsigned long long seed,
                               size_t *n) {
    size_t len;
    char *text = facts_corpus(&s->world, repeats, seed, &len);
    size_t cap = vocab_encode(v, text, len, NULL, 0) * 2 + 16;
    int *ids = xmalloc(cap * sizeof *ids), dot = vocab_id(v, ".");
    *n = 0;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        size_t l = next ? (size_t)(next - line) : strlen(line);
        *n += vocab_encode(v, line, l, ids + *n, cap - *n);
        ids[(*n)++] = dot;
        ids[(*n)++] = VOCAB_EOS;
        if (next) next++;
    }
    free(text);
    return ids;
}

typedef struct {
    const Vocab *v;
    char *buf;
    size_t cap;
} Answer;

/* Append a generated word (specials end nothing here; </s> stops generation). */
static void emit_word(int id, void *ctx) {
    Answer *a = ctx;
    if (id < VOCAB_NSPECIAL) return;
    size_t len = strlen(a->buf);
    snprintf(a->buf + len, a->cap - len, "%s%s", len ? " " : "", vocab_token(a->v, id));
}

/* The mean gold reward of m's greedy answers to prompts [from, to); the
 * first SFT_SHOWN answers and their scores go to shown and gold (when not NULL). */
static double mean_gold(Gpt *m, const InstructSet *s, const Vocab *v, int T, int from, int to,
                        char (*shown)[SFT_ANSWER_LEN], double *gold) {
    GptCache cache;
    gpt_cache_init(&cache, m);
    SamplerConfig greedy = {.temperature = 0, .top_k = 0, .top_p = 1};
    Rng r;
    rng_seed(&r, 0, 0);
    int *prompt = xmalloc((size_t)T * sizeof *prompt), *targets = xmalloc((size_t)T * sizeof *targets);
    char answer[SFT_ANSWER_LEN], err[256];
    double sum = 0;
    for (int i = from; i < to; i++) {
        int np = sft_example(v, s->p[i].prompt, "", T, prompt, targets, err, sizeof err);
        if (np < 0) die("sft: %s", err);
        answer[0] = '\0';
        Answer a = {v, answer, sizeof answer};
        gpt_cache_reset(&cache);
        gpt_generate(m, &cache, prompt, np, T - np, &greedy, &r, 1, VOCAB_EOS, emit_word, &a);
        double g = gold_score(&s->world, &s->p[i], answer).total;
        sum += g;
        if (shown && i - from < SFT_SHOWN) {
            snprintf(shown[i - from], SFT_ANSWER_LEN, "%s", answer);
            gold[i - from] = g;
        }
    }
    free(prompt);
    free(targets);
    gpt_cache_free(&cache);
    return to > from ? sum / (to - from) : 0;
}

/* Examples [from, to) of s as (tokens, targets) rows of T. */
static void lay_out(const InstructSet *s, const Vocab *v, int T, int from, int to, int **tokens, int **targets) {
    *tokens = xmalloc((size_t)(to - from) * T * sizeof **tokens);
    *targets = xmalloc((size_t)(to - from) * T * sizeof **targets);
    char err[256];
    for (int i = from; i < to; i++)
        if (sft_example(v, s->p[i].prompt, s->p[i].demo, T, *tokens + (size_t)(i - from) * T,
                        *targets + (size_t)(i - from) * T, err, sizeof err) < 0)
            die("sft: %s (raise --context)", err);
}

SftRunResult sft_run(const SftRunConfig *c) {
    InstructSet s;
    instruct_generate(&s, c->subjects, c->heldout, c->seed);
    Vocab *v = instruct_tokenizer(&s);
    int T = c->context;
    SftRunResult res = {.train = s.n_train, .heldout = s.n - s.n_train};
    for (int i = 0; i < SFT_SHOWN && s.n_train + i < s.n; i++)
        snprintf(res.prompt[i], SFT_ANSWER_LEN, "%s", s.p[s.n_train + i].prompt);
    int *tr_tok, *tr_tgt, *ho_tok, *ho_tgt;   /* first: an example that does not fit stops the run at once */
    lay_out(&s, v, T, 0, s.n_train, &tr_tok, &tr_tgt);
    lay_out(&s, v, T, s.n_train, s.n, &ho_tok, &ho_tgt);
    size_t n;
    int *ids = pretraining_tokens(&s, v, c->repeats, c->seed, &n);
    GptConfig cfg = {.max_seq_len = T, .vocab_size = v->size, .n_layer = c->layers, .n_head = c->heads,
                     .channels = c->width, .bias = 1, .dropout = 0};
    Gpt m;
    gpt_build(&m, &cfg);
    gpt_init_weights(&m, c->seed);
    GptTrainConfig tc = {.batch = 16, .seq_len = T, .accum = 1, .steps = c->pretrain_steps, .lr = c->pretrain_lr,
                         .min_lr = c->pretrain_lr / 10, .warmup = c->pretrain_steps / 20,
                         .decay_steps = c->pretrain_steps, .beta1 = 0.9f, .beta2 = 0.95f, .weight_decay = 0.1f,
                         .grad_clip = 1.0f, .log_interval = 1000000, .seed = c->seed, .quiet = c->quiet};
    double t0 = now_seconds();
    gpt_train(&m, &tc, ids, n, NULL, 0, 0, NULL);
    res.pretrain_s = now_seconds() - t0;
    free(ids);
    res.loss_pre = sft_loss(&m, ho_tok, ho_tgt, res.heldout, T, 16);
    res.gold_pre = mean_gold(&m, &s, v, T, s.n_train, s.n, res.before, res.gold_before);
    t0 = now_seconds();
    sft_train(&m, &c->sft, tr_tok, tr_tgt, s.n_train, T, NULL);
    res.sft_s = now_seconds() - t0;
    res.loss_sft = sft_loss(&m, ho_tok, ho_tgt, res.heldout, T, 16);
    res.gold_sft = mean_gold(&m, &s, v, T, s.n_train, s.n, res.after, res.gold_after);
    res.gold_sft_train = mean_gold(&m, &s, v, T, 0, s.n_train, NULL, NULL);
    free(tr_tok);
    free(tr_tgt);
    free(ho_tok);
    free(ho_tgt);
    gpt_free(&m);
    vocab_free(v);
    instruct_free(&s);
    return res;
}
