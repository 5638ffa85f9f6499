/*
 * sample.h -- one token from a model's logits: temperature, top-k, top-p.
 *
 * Every generator of the ladder (the n-gram model, the recurrent LMs, the GPT,
 * the decoders of the translation chapters) ends a step with a vector of
 * logits z over V tokens and draws the next token the same way:
 *
 *     temperature t: p = softmax(z / t); t = 0 means greedy (argmax);
 *                    t < 1 sharpens the distribution, t > 1 flattens it
 *     top-k k:       keep the k most likely tokens (0: all)
 *     top-p p:       keep the smallest set of most likely tokens whose
 *                    probability reaches p (nucleus sampling, Holtzman et al.
 *                    2020), p in (0, 1]; 1: all
 * then renormalise what is kept and draw from it.
 *
 *     SamplerConfig s = { .temperature = 0.8f, .top_k = 40, .top_p = 1.0f };
 *     sampler_check(&s);                                  // bad settings: exit 2
 *     int id = sampler_draw(&s, logits, V, probs, order, &rng);
 *
 * Ties between equal probabilities go to the lower id, so a seed always gives
 * the same tokens. A logit of -inf is a token that can never be drawn.
 */
#ifndef NLP_SAMPLE_H
#define NLP_SAMPLE_H

#include "rng.h"

typedef struct {
    float temperature;   /* >= 0; 0: greedy */
    int top_k;           /* >= 0; 0: no cut */
    float top_p;         /* (0, 1]; 1: no cut */
} SamplerConfig;

/* Dies with a usage message (exit 2) if a setting is outside its range. */
void sampler_check(const SamplerConfig *s);
/* One token id from logits (V). probs (V) and order (V) are the caller's
 * scratch, so drawing allocates nothing. */
int sampler_draw(const SamplerConfig *s, const float *logits, int V, float *probs, int *order, Rng *r);

#endif
