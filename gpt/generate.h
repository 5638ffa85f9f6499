/*
 * generate.h -- text from a GPT: sampling one token after another (common/
 * sample.h: temperature, top-k, top-p), driven by the KV cache of gpt.h.
 *
 * Context. A prompt longer than the context keeps its last maxT tokens (with a
 * warning). Once generation fills the context, the window slides by half:
 * the cache is refilled from the last maxT/2 tokens (one prefill every maxT/2
 * new tokens), so each token sees between maxT/2 and maxT tokens of context.
 * (nanoGPT's generate() crops to the last maxT tokens at every step, which
 * without a cache costs a full forward pass per token.) The uncached path
 * uses the same windows, so both give the same tokens.
 */
#ifndef NLP_GPT_GENERATE_H
#define NLP_GPT_GENERATE_H

#include "common/sample.h"
#include "gpt/gpt.h"
#include "rng.h"

/* Generate max_new tokens after prompt (n_prompt >= 1 ids) with the cache;
 * emit(id, ctx) is called for each new token as soon as it is drawn
 * (streaming). use_cache = 0 recomputes the whole window each token (the slow
 * reference path). Returns the number of tokens generated (stops early at
 * stop_id when stop_id >= 0). */
int gpt_generate(Gpt *m, GptCache *c, const int *prompt, int n_prompt, int max_new, const SamplerConfig *s,
                 Rng *r, int use_cache, int stop_id, void (*emit)(int id, void *ctx), void *ctx);

#endif
