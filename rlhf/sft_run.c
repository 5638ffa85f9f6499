/*
 * sft_run.c -- the SFT experiment: pretrain, fine-tune, answer held-out
 * prompts greedily, score the answers with the gold reward. See sft_run.h.
 */
#include "rlhf/sft_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gpt/train.h"
#include "rlhf/evaluate.h"
#include "rlhf/gold.h"
#include "rlhf/sft_data.h"
#include "util.h"

void sft_run_defaults(SftRunConfig *c) {
    *c = (SftRunConfig){.out = "runs/rlhf/small", .task = {.subjects = 800, .heldout = 0.25, .seed = 1}, .seed = 1,
                        .layers = 2, .heads = 2, .width = 64, .context = 40, .repeats = 4, .pretrain_steps = 600,
                        .pretrain_lr = 2e-3f, .demos = 30};
    sft_defaults(&c->sft);
}

/* The greedy answers of m to the first SFT_SHOWN held-out prompts, and their gold rewards. */
static void show_answers(Gpt *m, const RlhfRun *run, char (*answers)[SFT_ANSWER_LEN], double *gold) {
    Answerer a;
    answerer_init(&a, m, run->T, 0);
    for (int i = 0; i < SFT_SHOWN && run->set.n_train + i < run->set.n; i++) {
        int p = run->set.n_train + i;
        policy_answer(m, &a, run, p, 0, answers[i], SFT_ANSWER_LEN);
        gold[i] = gold_score(&run->set.world, &run->set.p[p], answers[i]).total;
    }
    answerer_free(&a);
}

/* n examples of s, prompts from, from + stride, ..., as (tokens, targets) rows of T. */
static void lay_out(const InstructSet *s, const Vocab *v, int T, int from, int n, int stride, int **tokens,
                    int **targets) {
    *tokens = xmalloc((size_t)n * T * sizeof **tokens);
    *targets = xmalloc((size_t)n * T * sizeof **targets);
    char err[256];
    for (int k = 0; k < n; k++) {
        const TaskPrompt *p = &s->p[from + k * stride];
        if (sft_example(v, p->prompt, p->demo, T, *tokens + (size_t)k * T, *targets + (size_t)k * T, err,
                        sizeof err) < 0)
            die("sft: %s (raise --context)", err);
    }
}

SftRunResult sft_run(const SftRunConfig *c) {
    RlhfRun run;
    rlhf_run_new(&run, c->out, &c->task, c->context);
    const InstructSet *s = &run.set;
    int T = c->context;
    SftRunResult res = {.train = s->n_train, .heldout = s->n - s->n_train};
    for (int i = 0; i < SFT_SHOWN && s->n_train + i < s->n; i++)
        snprintf(res.prompt[i], SFT_ANSWER_LEN, "%s", s->p[s->n_train + i].prompt);
    int *tr_tok, *tr_tgt, *ho_tok, *ho_tgt;   /* first: an example that does not fit stops the run at once */
    /* the demonstrations: every training prompt, or `demos` of them spread evenly over the subjects */
    int demos = c->demos > 0 && c->demos < s->n_train ? c->demos : s->n_train;
    lay_out(s, run.vocab, T, 0, demos, s->n_train / demos, &tr_tok, &tr_tgt);
    lay_out(s, run.vocab, T, s->n_train, s->n - s->n_train, 1, &ho_tok, &ho_tgt);
    size_t n;
    int *ids = rlhf_pretraining_tokens(&run, c->repeats, c->seed, &n);
    GptConfig cfg = {.max_seq_len = T, .vocab_size = run.vocab->size, .n_layer = c->layers, .n_head = c->heads,
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
    rlhf_run_save(&run, "pretrained", &m);
    rlhf_run_save_tax_text(&run);
    res.loss_pre = sft_loss(&m, ho_tok, ho_tgt, res.heldout, T, 16);
    res.gold_pre = policy_mean_gold(&m, &run, s->n_train, s->n);
    show_answers(&m, &run, res.before, res.gold_before);
    t0 = now_seconds();
    sft_train(&m, &c->sft, tr_tok, tr_tgt, demos, T, NULL);
    res.sft_s = now_seconds() - t0;
    rlhf_run_save(&run, "sft", &m);
    res.loss_sft = sft_loss(&m, ho_tok, ho_tgt, res.heldout, T, 16);
    res.gold_sft = policy_mean_gold(&m, &run, s->n_train, s->n);
    res.gold_sft_train = policy_mean_gold(&m, &run, 0, s->n_train);
    show_answers(&m, &run, res.after, res.gold_after);
    free(tr_tok);
    free(tr_tgt);
    free(ho_tok);
    free(ho_tgt);
    gpt_free(&m);
    rlhf_run_close(&run);
    return res;
}
